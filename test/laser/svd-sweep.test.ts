import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bytesChecksum, stateDictChecksum } from "../../src/laser/checksum.js";
import { evaluateReturns, makeEvaluationSeeds } from "../../src/laser/evaluate.js";
import { makeSavedPolicy, readSavedPolicy, writeSavedPolicy } from "../../src/laser/saved-policy.js";
import { TrialRunner, type LaserSubject } from "../../src/laser/subject.js";
import { runSvdSweep } from "../../src/laser/svd-sweep.js";
import type { NestedStateDict } from "../../src/laser/tensor.js";
import { makeToyStateDict, ToyEnv, ToyPolicy, ToySubject } from "./toy.js";

describe("runSvdSweep", () => {
  for (const mode of ["deterministic", "stochastic"] as const) {
    it(`full-rank truncation reproduces the unmodified returns exactly (${mode})`, () => {
      const subject = new ToySubject(makeToyStateDict(), mode);
      const result = runSvdSweep(subject, { grid: { fractions: [0.5] }, bootstrap: { resamples: 500 } });
      const nullRows = result.rows.filter((r) => r.nullControl);
      expect(nullRows.map((r) => r.layer)).toEqual(["mu.0.weight", "mu.2.weight", "table", "conv.weight"]);
      for (const row of nullRows) {
        expect(row.returns).toEqual(result.baseline.returns);
        expect(row.meanDelta).toBe(0);
        expect(row.pairedStd).toBe(0);
        expect([row.ciLow, row.ciHigh, row.excludesZero]).toEqual([0, 0, false]);
        expect(row.energyKept).toBeCloseTo(1, 14);
      }
      // Truncations below full rank do change the policy.
      const cut = result.rows.find((r) => r.layer === "mu.0.weight" && r.rank === 1)!;
      expect(cut.meanDelta).not.toBe(0);
      expect(cut.parameters).toBe(1 * (8 + 3));
      expect(cut.parametersDense).toBe(24);
      expect(cut.relativeError).toBeCloseTo(Math.sqrt(1 - cut.energyKept!), 12);
    });
  }

  it("leaves the saved policy untouched (file bytes and weights) and restores the in-memory weights", () => {
    const dir = mkdtempSync(join(tmpdir(), "laser-sweep-"));
    const path = join(dir, "policy.json");
    writeSavedPolicy(path, makeSavedPolicy({ kind: "toy", env: "test/toy", stateDict: makeToyStateDict(5) }));
    const fileBefore = bytesChecksum(readFileSync(path));
    const saved = readSavedPolicy(path);
    const weightsBefore = stateDictChecksum(saved.stateDict);
    const subject = new ToySubject(saved.stateDict, "stochastic");
    const result = runSvdSweep(subject, {
      grid: { ranks: [1, 2], aboveMaxRank: "skip" },
      bootstrap: { resamples: 200 },
    });
    expect(bytesChecksum(readFileSync(path))).toBe(fileBefore);
    expect(stateDictChecksum(saved.stateDict)).toBe(weightsBefore);
    expect(stateDictChecksum(subject.exportStateDict())).toBe(weightsBefore);
    expect(result.weightsChecksum).toBe(weightsBefore);
    // The restored policy still earns the baseline returns.
    expect(Array.from(subject.evaluate())).toEqual(result.baseline.returns);
  });

  it("evaluates every trial on the same seeds: two sweeps give identical tables", () => {
    const a = runSvdSweep(new ToySubject(makeToyStateDict(), "stochastic"), {
      layers: ["table", "mu.0.weight"],
      bootstrap: { resamples: 300 },
    });
    const b = runSvdSweep(new ToySubject(makeToyStateDict(), "stochastic"), {
      layers: ["table", "mu.0.weight"],
      bootstrap: { resamples: 300 },
    });
    expect(b.rows).toEqual(a.rows);
    expect(a.rows.map((r) => `${r.layer}@${r.rank}`)).toEqual([
      "table@1",
      "table@2",
      "mu.0.weight@1",
      "mu.0.weight@2",
      "mu.0.weight@3",
    ]);
  });

  it("rejects unknown layers and ranks above the max rank before evaluating anything", () => {
    const subject = new ToySubject(makeToyStateDict());
    expect(() => runSvdSweep(subject, { layers: ["mu.9.weight"] })).toThrow(/unknown layer "mu.9.weight"/);
    expect(() => runSvdSweep(subject, { layers: ["mu.0.weight"], grid: { ranks: [5] } })).toThrow(
      /rank 5 is above the max rank 3 of layer "mu.0.weight"/,
    );
    expect(subject.evaluations).toBe(0);
  });

  it("detects a subject that does not restore its weights", () => {
    const dict = makeToyStateDict();
    let current: NestedStateDict = dict;
    const policy = new ToyPolicy(dict);
    const env = new ToyEnv();
    let imports = 0;
    const leaky: LaserSubject = {
      exportStateDict: () => current,
      importStateDict: (d) => {
        // Bug under test: ignores every import after the first trial's (weights stay modified).
        if (imports++ < 2) current = d;
        policy.load(current);
      },
      evaluate: () =>
        evaluateReturns(env, policy, { episodeSeeds: makeEvaluationSeeds(1, 4), mode: "deterministic" }),
    };
    const runner = new TrialRunner(leaky);
    const modified = { ...runner.original, "mu.2.bias": [1] };
    expect(() => runner.evaluateWith(modified)).toThrow(/policy weights not restored after trial 1/);
  });
});

describe("evaluateReturns", () => {
  it("needs a step cap for an env without a time limit", () => {
    const policy = new ToyPolicy(makeToyStateDict());
    expect(() =>
      evaluateReturns(new ToyEnv(null), policy, { episodeSeeds: [1], mode: "deterministic" }),
    ).toThrow(/env test\/toy has no time limit: pass maxSteps/);
    const r = evaluateReturns(new ToyEnv(null), policy, {
      episodeSeeds: [1, 2],
      mode: "deterministic",
      maxSteps: 5,
    });
    expect(r.length).toBe(2);
  });

  it("stochastic evaluations with the same seeds are identical, with different seeds differ", () => {
    const policy = new ToyPolicy(makeToyStateDict());
    const env = new ToyEnv();
    const a = evaluateReturns(env, policy, { episodeSeeds: [1, 2, 3], mode: "stochastic" });
    const b = evaluateReturns(env, policy, { episodeSeeds: [1, 2, 3], mode: "stochastic" });
    const c = evaluateReturns(env, policy, { episodeSeeds: [4, 5, 6], mode: "stochastic" });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });
});
