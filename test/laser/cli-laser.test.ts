import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";
import { addLaserCommand, LASER_COMMAND_DEFAULTS, type LaserCommandOptions } from "../../src/cli/laser.js";
import { laserRunOptions } from "../../src/cli/laser-run.js";
import { makeSavedPolicy, writeSavedPolicy } from "../../src/laser/saved-policy.js";
import type { NestedStateDict } from "../../src/laser/tensor.js";
import { Rng } from "../../src/random/rng.js";

const dir = mkdtempSync(join(tmpdir(), "laser-cli-"));

function policyFile(): string {
  const agent = new NnGaussianAgent({
    stateDim: 2,
    hidden: 6,
    lrActor: 1e-3,
    lrCritic: 1e-3,
    gamma: 0.99,
    sigmoidMean: false,
    rng: new Rng(2),
  });
  const path = join(dir, "nn.json");
  writeSavedPolicy(
    path,
    makeSavedPolicy({
      kind: "pg-run",
      env: "LRPG/Pendulum",
      options: { env: "LRPG/Pendulum", algo: "nn", hidden: 6, maxSteps: 20 },
      stateDict: agent.exportStateDict() as NestedStateDict,
    }),
  );
  return path;
}

function program(): Command {
  const p = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  addLaserCommand(p);
  p.commands.forEach((c) => c.exitOverride());
  return p;
}

describe("lowrank-rl laser", () => {
  it("runs on a saved policy and writes the tables and the page", async () => {
    const out = join(dir, "out");
    await program().parseAsync(
      [
        "laser",
        policyFile(),
        "--episodes",
        "4",
        "--resamples",
        "100",
        "--out",
        out,
        "--quiet",
        "--layers",
        "all",
      ],
      { from: "user" },
    );
    for (const f of ["laser.csv", "laser.md", "laser.json", "laser.html", "plotly.js"])
      expect(existsSync(join(out, f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(out, "laser.json"), "utf8"));
    expect(report.svd.matrices.map((m: { name: string }) => m.name)).toEqual([
      "mu.0.weight",
      "mu.2.weight",
      "value.0.weight",
      "value.2.weight",
    ]);
    expect(report.nullControlExact).toBe(true);
    // The critic cannot change the actions: its rows have delta exactly 0.
    for (const r of report.svd.rows) if (r.layer.startsWith("value")) expect(r.meanDelta).toBe(0);
  });

  it("rejects bad flags with the flag, the value and the allowed range", async () => {
    const path = policyFile();
    expect(() => program().parse(["laser", path, "--episodes", "0"], { from: "user" })).toThrow(
      /--episodes must be an integer in \[1, 1000000\], got "0"/,
    );
    expect(() => program().parse(["laser", path, "--fractions", "0.5,2"], { from: "user" })).toThrow(
      /--fractions must be a comma-separated list of numbers in \(0, 1\], got "0.5,2"/,
    );
    expect(() => program().parse(["laser", path, "--mode", "greedy"], { from: "user" })).toThrow(
      /Allowed choices are deterministic, stochastic/,
    );
    await expect(
      program().parseAsync(
        ["laser", path, "--ranks", "5", "--quiet", "--episodes", "2", "--out", join(dir, "x")],
        { from: "user" },
      ),
    ).rejects.toThrow(/rank 5 is above the max rank 2 of layer "mu.0.weight"/);
    await expect(program().parseAsync(["laser", join(dir, "none.json")], { from: "user" })).rejects.toThrow(
      /saved policy not found/,
    );
  });

  it("maps the default grid to skip-above-max and explicit ranks to errors", () => {
    const base: LaserCommandOptions = {
      ...LASER_COMMAND_DEFAULTS,
      kernels: true,
      ranks: undefined,
      fractions: undefined,
    };
    expect(laserRunOptions(base).grid).toEqual({
      ranks: [1, 2],
      fractions: LASER_COMMAND_DEFAULTS.fractions,
      aboveMaxRank: "skip",
    });
    expect(laserRunOptions({ ...base, ranks: [4] }).grid).toEqual({
      ranks: [4],
      fractions: [],
      aboveMaxRank: "error",
    });
    expect(laserRunOptions({ ...base, kernels: false }).kernels).toBe(false);
  });
});
