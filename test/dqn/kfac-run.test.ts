import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/runner/config.js";
import { DQN_KFAC_DEFAULTS, dqnAgentConfig, parseDqnRunConfig } from "../../src/runner/dqn-config.js";
import { executeDqnRun, resumeDqnRun } from "../../src/runner/dqn-run.js";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics } from "../../src/runner/metrics.js";

const root = mkdtempSync(join(tmpdir(), "dqn-kfac-run-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("DQN run config: optimizer kfac and scattering", () => {
  it("resolves K-FAC's fields (and lr 0.1) only for optimizer kfac, and survives a JSON round trip", () => {
    const c = parseDqnRunConfig({
      algo: "dqn",
      env: "MinAtar/Breakout",
      network: "trl-0.2",
      optimizer: "kfac",
      kfacDamping: 0.05,
      scattering: true,
    });
    expect(c).toMatchObject({
      optimizer: "kfac",
      lr: DQN_KFAC_DEFAULTS.lr,
      kfacDamping: 0.05,
      kfacStatDecay: 0.95,
      kfacInverseEvery: 10,
      kfacKlClip: 0.001,
      kfacMomentum: 0,
      scattering: true,
    });
    expect(parseDqnRunConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
    expect(dqnAgentConfig(c).optimizer).toEqual({
      kind: "kfac",
      lr: 0.1,
      damping: 0.05,
      statDecay: 0.95,
      inverseEvery: 10,
      klClip: 0.001,
      momentum: 0,
    });
    // An explicit lr wins; plain configs carry no K-FAC or scattering keys (their job ids are unchanged).
    expect(parseDqnRunConfig({ algo: "dqn", env: "CartPole-v1", optimizer: "kfac", lr: 0.3 }).lr).toBe(0.3);
    const plain = parseDqnRunConfig({ algo: "dqn", env: "CartPole-v1", scattering: false });
    expect(Object.keys(plain).filter((k) => k.startsWith("kfac") || k === "scattering")).toEqual([]);
  });

  it("bad values are one-line ConfigErrors naming the field and the allowed range", () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [
        { optimizer: "kfac", kfacDamping: 0 },
        "kfacDamping",
        /^config\.kfacDamping = 0: must be a number in \(0, 100\]/,
      ],
      [
        { optimizer: "kfac", kfacStatDecay: 1 },
        "kfacStatDecay",
        /^config\.kfacStatDecay = 1: must be a number in \[0, 1\)/,
      ],
      [
        { optimizer: "kfac", kfacInverseEvery: 2.5 },
        "kfacInverseEvery",
        /^config\.kfacInverseEvery = 2\.5: must be an integer in \[1, 1000000\]/,
      ],
      [
        { optimizer: "kfac", kfacKlClip: -1 },
        "kfacKlClip",
        /^config\.kfacKlClip = -1: must be a number in \(0, 100\]/,
      ],
      [
        { optimizer: "kfac", kfacMomentum: 1 },
        "kfacMomentum",
        /^config\.kfacMomentum = 1: must be a number in \[0, 1\)/,
      ],
      [
        { optimizer: "sgd" },
        "optimizer",
        /^config\.optimizer = "sgd": must be "adam", "rmsprop" \(centered.*\) or "kfac"/,
      ],
      [
        { kfacMomentum: 0.5 },
        "kfacMomentum",
        /^config\.kfacMomentum = 0\.5: only applies to optimizer "kfac", but optimizer is "adam"$/,
      ],
      [
        { scattering: true },
        "scattering",
        /^config\.scattering = true: needs an image env \(MinAtar\/Breakout\); CartPole-v1 has a vector observation$/,
      ],
      [
        { env: "MinAtar/Breakout", network: "cpconv", scattering: true },
        "scattering",
        /^config\.scattering = true: replaces the conv, so network "cpconv" \(a CP conv\) cannot have it/,
      ],
      [
        { env: "MinAtar/Breakout", network: "cpconv", optimizer: "kfac" },
        "optimizer",
        /^config\.optimizer = "kfac": K-FAC has no Kronecker block for the CP conv of network "cpconv"; use adam or rmsprop, or a dense conv$/,
      ],
    ];
    for (const [fields, field, message] of cases) {
      let err: unknown;
      try {
        parseDqnRunConfig({ algo: "dqn", env: "CartPole-v1", ...fields });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(fields)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain("\n");
    }
  });
});

describe("K-FAC DQN runs (src/runner)", () => {
  const config = {
    algo: "dqn",
    env: "CartPole-v1",
    seed: 4,
    network: "lowrank-rank8",
    head: "dueling",
    optimizer: "kfac",
    kfacInverseEvery: 4,
    kfacMomentum: 0.3,
    learningStarts: 300,
    batchSize: 16,
    evalEvery: 600,
    evalEpisodes: 2,
    logEvery: 300,
    spectrumEvery: 0,
    checkpointEvery: 600,
    keepCheckpoints: 2,
    tensorboard: false,
  };

  it("a run resumed from its checkpoint at frame 600 (rows past it cut) ends with the parameters and returns of an uninterrupted 1200-frame run", () => {
    const a = executeDqnRun({ ...config, totalSteps: 1200 }, { outRoot: join(root, "a") });
    const b = executeDqnRun({ ...config, totalSteps: 700 }, { outRoot: join(root, "b") });
    expect(a.status).toBe("completed");
    expect(b.dir).toMatch(/__dqn-kfac-lowrank-rank8__4__/);
    const r = resumeDqnRun(b.dir, { totalSteps: 1200, warn: () => {} });
    expect(r.status).toBe("completed");
    const params = (dir: string) => readFileSync(join(dir, "final_params.json"), "utf8");
    expect(params(b.dir)).toBe(params(a.dir));
    const returns = (dir: string) =>
      readMetrics(dir)
        .filter((row) => METRIC.episodicReturn in row)
        .map((row) => [row.global_step, row[METRIC.episodicReturn]]);
    expect(returns(b.dir).length).toBeGreaterThan(20);
    expect(returns(b.dir)).toEqual(returns(a.dir));
    const m = readManifest(b.dir);
    expect(m.config).toMatchObject({ optimizer: "kfac", kfacInverseEvery: 4, kfacMomentum: 0.3 });
    expect(m.resumes).toBe(1);
  }, 120_000);

  it("a scattering run on Breakout counts only the trained layers in its manifest", () => {
    const r = executeDqnRun(
      {
        algo: "dqn",
        env: "MinAtar/Breakout",
        network: "dense",
        scattering: true,
        optimizer: "kfac",
        totalSteps: 230,
        learningStarts: 200,
        batchSize: 8,
        bufferSize: 1000,
        evalEpisodes: 1,
        evalMaxSteps: 50,
        spectrumEvery: 0,
        checkpointEvery: 0,
        tensorboard: false,
      },
      { outRoot: join(root, "s") },
    );
    expect(r.status).toBe("completed");
    expect(r.dir).toMatch(/__dqn-kfac-dense-scattering__0__/);
    const m = readManifest(r.dir);
    // hidden 500 → 128 and head 128 → 6; the scattering layer has no weights.
    expect(m.parameterCount).toEqual({ q_network: 500 * 128 + 128 + 128 * 6 + 6 });
    const layers = (m.spec as { network: { layers: { name: string }[] } }).network.layers.map((l) => l.name);
    expect(layers.every((n) => n.startsWith("fc_hidden") || n.startsWith("q"))).toBe(true);
  }, 60_000);
});

describe("exp:breakout's K-FAC and scattering variants", () => {
  it("lists kfac-<network>, <network>-scattering and kfac-<network>-scattering, and refuses them on the CP conv (exit 2)", async () => {
    const tsx = join(process.cwd(), "node_modules", ".bin", "tsx");
    let err: { code?: number; stderr?: string } = {};
    try {
      await promisify(execFile)(tsx, ["experiments/breakout.ts", "--variants", "kfac-cpconv", "--quiet"]);
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe(2);
    const known = /known: (.*)/.exec(err.stderr ?? "")?.[1] ?? "";
    for (const network of ["dense", "lowrank-0.5", "trl-0.2", "trl-0.1"])
      for (const name of [`kfac-${network}`, `${network}-scattering`, `kfac-${network}-scattering`])
        expect(known.split(", ")).toContain(name);
    expect(known).not.toMatch(/kfac-cpconv|cpconv-scattering/);
  }, 60_000);
});
