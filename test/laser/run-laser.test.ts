import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeDqnNetwork, type DqnPolicyOptions } from "../../src/laser/policy-kinds.js";
import { makePaperAgent } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";
import { bytesChecksum } from "../../src/laser/checksum.js";
import { laserRowsToCsv, writeLaserOutputs, LASER_CSV_COLUMNS } from "../../src/laser/laser-output.js";
import { parametersToStateDict } from "../../src/laser/parameters-state-dict.js";
import { loadPolicySource } from "../../src/laser/policy-source.js";
import { runLaser } from "../../src/laser/run-laser.js";
import { makeSavedPolicy, writeSavedPolicy } from "../../src/laser/saved-policy.js";
import type { NestedStateDict } from "../../src/laser/tensor.js";
import { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";

const dir = mkdtempSync(join(tmpdir(), "laser-run-"));

function nnPolicyFile(): string {
  const agent = new NnGaussianAgent({
    stateDim: 2,
    hidden: 16,
    lrActor: 1e-3,
    lrCritic: 1e-3,
    gamma: 0.99,
    sigmoidMean: false,
    rng: new Rng(3),
  });
  const path = join(dir, "nn.json");
  writeSavedPolicy(
    path,
    makeSavedPolicy({
      kind: "pg-run",
      env: "LRPG/Pendulum",
      options: { env: "LRPG/Pendulum", algo: "nn", hidden: 16, maxSteps: 40 },
      stateDict: agent.exportStateDict() as NestedStateDict,
    }),
  );
  return path;
}

describe("runLaser on real agents", () => {
  it("NN baseline (pg-run): sweeps the μ layers, null controls exact, files untouched, outputs written", () => {
    const path = nnPolicyFile();
    const before = bytesChecksum(readFileSync(path));
    const report = runLaser(loadPolicySource(path), {
      episodes: 8,
      mode: "stochastic",
      bootstrap: { resamples: 200 },
    });
    expect(bytesChecksum(readFileSync(path))).toBe(before);
    expect(report.nullControlExact).toBe(true);
    expect(report.kernels).toBeNull();
    expect(report.svd!.matrices.map((m) => [m.name, m.maxRank])).toEqual([
      ["mu.0.weight", 2],
      ["mu.2.weight", 1],
    ]);
    expect(report.svd!.rows.map((r) => `${r.layer}@${r.rank}`)).toEqual([
      "mu.0.weight@1",
      "mu.0.weight@2",
      "mu.2.weight@1",
    ]);
    expect(report.evaluation.maxSteps).toBe(40);
    const out = writeLaserOutputs(report, join(dir, "out-nn"), { prefix: "nn-" });
    const csv = readFileSync(out.csv, "utf8").trim().split("\n");
    expect(csv[0]).toBe(LASER_CSV_COLUMNS.join(","));
    expect(csv.length).toBe(4);
    expect(existsSync(out.html) && existsSync(join(dir, "out-nn", "plotly.js"))).toBe(true);
    expect(readFileSync(out.html, "utf8")).toContain("laser-svd-delta");
    expect(JSON.parse(readFileSync(out.json, "utf8")).svd.rows[0].returns.length).toBe(8);
  });

  it("LRPG (pg-run): sweeps X = L R of the actor up to K, written back through the agent", () => {
    const agent = makePaperAgent("lrpg", "pendulum", { seed: 4 });
    const path = join(dir, "lrpg.json");
    writeSavedPolicy(
      path,
      makeSavedPolicy({
        kind: "pg-run",
        env: "LRPG/Pendulum",
        options: { env: "LRPG/Pendulum", algo: "lrpg", maxSteps: 30 },
        stateDict: agent.exportStateDict() as NestedStateDict,
      }),
    );
    const report = runLaser(loadPolicySource(path), {
      episodes: 6,
      mode: "deterministic",
      bootstrap: { resamples: 200 },
    });
    expect(report.svd!.matrices.map((m) => [m.name, m.kind, m.rows, m.cols, m.maxRank])).toEqual([
      ["mu", "low-rank", 10, 10, 4],
    ]);
    expect(report.svd!.rows.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(report.nullControlExact).toBe(true);
    expect(report.svd!.rows[0].meanDelta).not.toBe(0);
  });

  it("DQN (MinAtar network): SVD of dense + conv-as-matrix, CP/Tucker of the conv kernel", () => {
    const options: DqnPolicyOptions = {
      network: "minatar",
      numActions: 6,
      convChannels: 4,
      hiddenUnits: 8,
      maxSteps: 60,
    };
    const net = makeDqnNetwork(options);
    const rng = new Rng(12);
    for (const p of net.parameters) rng.fillNormal(p.data, 0, 0.3);
    const path = join(dir, "dqn.json");
    writeSavedPolicy(
      path,
      makeSavedPolicy({
        kind: "dqn",
        env: "MinAtar/Breakout",
        options: { ...options },
        stateDict: parametersToStateDict(net.parameters),
      }),
    );
    const report = runLaser(loadPolicySource(path), {
      episodes: 4,
      grid: { ranks: [1] },
      kernelGrid: { cpRanks: [1, 2], tuckerFractions: [0.5, 1] },
      bootstrap: { resamples: 100 },
    });
    expect(report.svd!.matrices.map((m) => [m.name, m.kind, m.rows, m.cols])).toEqual([
      ["conv.weight", "conv", 4, 36],
      ["fc_hidden.weight", "dense", 8, 256],
      ["q.weight", "dense", 6, 8],
    ]);
    expect(report.kernels!.rows.map((r) => `${r.method}:${r.rankLabel}`)).toEqual([
      "cp:1",
      "cp:2",
      "tucker:2x2x2x2",
      "tucker:4x4x3x3",
    ]);
    expect(report.nullControlExact).toBe(true);
    expect(laserRowsToCsv(report.kernels!.rows).split("\n").length).toBe(6);
  });
});

describe("loadPolicySource: bad input", () => {
  it("missing path, corrupt file, incomplete run directory, unknown kind, unknown layer, rank above max", () => {
    expect(() => loadPolicySource(join(dir, "missing.json"))).toThrow(
      /saved policy not found: .*missing\.json/,
    );
    const corrupt = join(dir, "corrupt.json");
    writeFileSync(corrupt, "{ not json");
    expect(() => loadPolicySource(corrupt)).toThrow(/is not valid JSON/);
    const run = join(dir, "run");
    mkdirSync(run, { recursive: true });
    writeFileSync(
      join(run, "manifest.json"),
      JSON.stringify({ format: "lowrank-rl/run", status: "interrupted", config: {} }),
    );
    expect(() => loadPolicySource(run)).toThrow(/status is "interrupted", not "completed"/);
    const unknown = join(dir, "unknown.json");
    writeSavedPolicy(unknown, makeSavedPolicy({ kind: "sac", env: "x", stateDict: { w: [[1]] } }));
    expect(() => runLaser(loadPolicySource(unknown), { episodes: 2 })).toThrow(
      /saved policy kind "sac" is not known; known kinds: pg-run, dqn/,
    );
    const nn = nnPolicyFile();
    expect(() => runLaser(loadPolicySource(nn), { episodes: 2, layers: ["mu.1.weight"] })).toThrow(
      /unknown layer "mu.1.weight"/,
    );
    expect(() => runLaser(loadPolicySource(nn), { episodes: 2, grid: { ranks: [3] } })).toThrow(
      /rank 3 is above the max rank 2 of layer "mu.0.weight"/,
    );
  });

  it("reads a src/runner run directory (manifest + final_params.json)", () => {
    const agent = new NnGaussianAgent({
      stateDim: 2,
      hidden: 4,
      lrActor: 1e-3,
      lrCritic: 1e-3,
      gamma: 0.99,
      sigmoidMean: false,
      rng: new Rng(1),
    });
    const run = join(dir, "run-ok");
    mkdirSync(run, { recursive: true });
    writeFileSync(
      join(run, "manifest.json"),
      JSON.stringify({
        format: "lowrank-rl/run",
        status: "completed",
        envId: "LRPG/Pendulum",
        seed: 0,
        config: { env: "LRPG/Pendulum", algo: "nn", hidden: 4, maxSteps: 10 },
      }),
    );
    writeFileSync(join(run, "final_params.json"), JSON.stringify(agent.exportStateDict()));
    const src = loadPolicySource(join(run, "final_params.json"));
    expect(src.saved.kind).toBe("pg-run");
    expect(src.files.length).toBe(2);
    const report = runLaser(src, { episodes: 3, bootstrap: { resamples: 50 } });
    expect(report.nullControlExact).toBe(true);
  });
});
