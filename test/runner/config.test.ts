import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, FIELD_DOCS, parseRunConfig } from "../../src/runner/config.js";
import { compileSchedule } from "../../src/runner/schedule.js";

const FIELDS = FIELD_DOCS.map((d) => d.name as string);

describe("run config validation", () => {
  it("fills the paper preset's defaults", () => {
    const lrpg = parseRunConfig({});
    expect(lrpg).toMatchObject({
      env: "LRPG/Pendulum",
      task: "pendulum",
      algo: "lrpg",
      episodes: 1000,
      maxSteps: 100,
      gamma: 0.99,
      rank: 4,
      actorBuckets: 10,
      criticBuckets: 16,
      lrActor: 1e-2,
      lrCritic: 1e-1,
    });
    expect(parseRunConfig({ algo: "nn" })).toMatchObject({ hidden: 512, lrActor: 1e-3, lrCritic: 1e-3 });
    expect(parseRunConfig({ env: "LRPG/Acrobot" })).toMatchObject({
      task: "acrobot",
      gamma: 0.9,
      maxSteps: 1000,
      rank: 2,
    });
    // A resolved config parses to itself.
    expect(parseRunConfig(lrpg)).toEqual(lrpg);
  });

  it("names the field, the value and the allowed range", () => {
    expect(() => parseRunConfig({ rank: 0 })).toThrow("config.rank = 0: must be an integer in [1, 1000]");
    expect(() => parseRunConfig({ gamma: 1.5 })).toThrow("config.gamma = 1.5: must be a number in (0, 1]");
    expect(() => parseRunConfig({ episodes: 2.5 })).toThrow(
      /config.episodes = 2.5: must be an integer in \[1, 10000000\]/,
    );
    expect(() => parseRunConfig({ algo: "ppo" })).toThrow(
      /config.algo = "ppo": must be "lrpg", "nn", "dqn" or "lrq"/,
    );
    expect(() => parseRunConfig({ env: "CartPole" })).toThrow(
      /config.env = "CartPole": must be one of LRPG\/Pendulum/,
    );
    expect(() => parseRunConfig({ rnak: 3 })).toThrow(/config.rnak: unknown field; known fields: env/);
    expect(() => parseRunConfig({ algo: "nn", rank: 2 })).toThrow(
      /config.rank = 2: only applies to algo "lrpg"/,
    );
    expect(() => parseRunConfig({ lrActor: "-0.1 * episode" })).toThrow(
      /config.lrActor: "-0.1 \* episode" must give a finite number > 0, got -0 at episode 0|got 0 at episode 0/,
    );
    expect(() => parseRunConfig([1, 2])).toThrow(/config must be a JSON object/);
  });

  it("compiles learning-rate schedules once, as functions of the episode", () => {
    const f = compileSchedule("1e-2 * 0.5^(episode / 100)", "lrActor", 1000);
    expect(f(0)).toBeCloseTo(1e-2, 15);
    expect(f(100)).toBeCloseTo(5e-3, 15);
    expect(compileSchedule("max(1e-4, 1e-2 * (1 - episode / episodes))", "lrActor", 100)(100)).toBe(1e-4);
    expect(() => compileSchedule("1e-2 * (", "lrActor", 10)).toThrow(
      /lrActor: "1e-2 \* \(" is not a valid expression/,
    );
  });

  it("fuzz: random malformed configs never crash with anything but a ConfigError naming a field", () => {
    const valueArb = fc.oneof(
      fc.anything(),
      fc.double(),
      fc.integer(),
      fc.string(),
      fc.constantFrom(NaN, Infinity, -1, 0, 1e9, "1e-2*episode", "lrpg", "nn", "LRPG/Pendulum"),
    );
    const keyArb = fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 }));
    const configArb = fc.oneof(fc.dictionary(keyArb, valueArb, { maxKeys: 6 }), fc.anything());
    fc.assert(
      fc.property(configArb, (raw) => {
        try {
          parseRunConfig(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          const e = err as ConfigError;
          expect(e.message.length).toBeGreaterThan(0);
          expect(e.message.split("\n")).toHaveLength(1);
          expect(e.message).toContain(e.field === "config" ? "config" : `config.${e.field}`);
        }
      }),
      { seed: 42, numRuns: 400 },
    );
  });
});
