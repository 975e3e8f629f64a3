import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/runner/config.js";
import { parseDqnRunConfig, parseNetworkSpec } from "../../src/runner/dqn-config.js";
import { DQN_ENV_SPECS } from "../../src/runner/dqn-envs.js";
import { Rng } from "../../src/random/rng.js";

const parse = (network: string, env: "CartPole-v1" | "MinAtar/Breakout" = "MinAtar/Breakout") =>
  parseDqnRunConfig({ algo: "dqn", env, network });

describe("DQN --network: a parameter fraction and an integer rank are two differently named forms", () => {
  it("lowrank-<f> / trl-<f> is a fraction in (0, 1); lowrank-rank<K> / trl-rank<K> an integer rank", () => {
    expect(parseNetworkSpec("lowrank-0.2").hidden).toEqual({ kind: "lowrank", parameterFraction: 0.2 });
    expect(parseNetworkSpec("trl-.1").hidden).toEqual({ kind: "trl", parameterFraction: 0.1 });
    expect(parseNetworkSpec("lowrank-rank8").hidden).toEqual({ kind: "lowrank", rank: 8 });
    expect(parseNetworkSpec("trl-rank4").hidden).toEqual({ kind: "trl", rank: 4 });
    expect(parseNetworkSpec("dense")).toEqual({ hidden: { kind: "dense" } });
    expect(parseNetworkSpec("cpconv").conv).toEqual({ kind: "cp", parameterFraction: 0.5 });
    expect(parse("lowrank-rank8", "CartPole-v1").network).toBe("lowrank-rank8");
  });

  it("the two forms build the layers they name: rank K exactly, a fraction ≈ f of the dense count", () => {
    const hiddenParams = (network: string) => {
      const config = parse(network, "CartPole-v1");
      const net = DQN_ENV_SPECS["CartPole-v1"].buildNetwork(config, new Rng(0));
      return net.parameterCount;
    };
    const dense = hiddenParams("dense");
    // the 64×64 layer: dense 64·64 + 64; rank K: 2·64·K + 64
    expect(dense - hiddenParams("lowrank-rank8")).toBe(64 * 64 - 2 * 64 * 8);
    expect(dense - hiddenParams("lowrank-0.25")).toBe(64 * 64 - 2 * 64 * 8); // K = round(0.25·4096/128) = 8
    expect(hiddenParams("lowrank-rank1")).toBeLessThan(hiddenParams("lowrank-0.5"));
  });

  it("bare numbers, fractional ranks and fractions outside (0, 1) are one-line errors saying what to write", () => {
    const cases: [string, RegExp][] = [
      [
        "lowrank-8",
        /^config\.network = "lowrank-8": a bare number is not accepted \(rank or fraction\?\): write lowrank-rank8 for the integer rank 8, or lowrank-<f> with f in \(0, 1\), e\.g\. lowrank-0\.2/,
      ],
      ["trl-1", /write trl-rank1 for the integer rank 1/],
      [
        "lowrank-rank0.5",
        /the rank in lowrank-rank<K> must be an integer >= 1, got "0\.5"; for a parameter fraction write lowrank-0\.5/,
      ],
      ["trl-rank0", /the rank in trl-rank<K> must be an integer >= 1, got "0"$/],
      ["lowrank-rank", /the rank in lowrank-rank<K> must be an integer >= 1, got ""/],
      [
        "lowrank-1.0",
        /the parameter fraction in lowrank-<f> must be in \(0, 1\), got 1\.0; for an integer rank write lowrank-rank1/,
      ],
      ["lowrank-1.5", /the parameter fraction in lowrank-<f> must be in \(0, 1\), got 1\.5$/],
      ["lowrank-0.0", /the parameter fraction in lowrank-<f> must be in \(0, 1\), got 0\.0/],
      ["lowrank-0.2-rank8", /must be dense, lowrank-<f>, lowrank-rank<K>, trl-<f>, trl-rank<K> or cpconv/],
      ["lowrank", /must be dense, lowrank-<f>, lowrank-rank<K>/],
      ["tucker-0.2", /must be dense, lowrank-<f>, lowrank-rank<K>/],
    ];
    for (const [network, message] of cases) {
      let err: unknown;
      try {
        parse(network);
      } catch (e) {
        err = e;
      }
      expect(err, network).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe("network");
      expect((err as Error).message.split("\n")).toHaveLength(1);
      expect((err as Error).message, network).toMatch(message);
    }
  });
});
