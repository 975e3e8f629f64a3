import { goldenPath } from "../golden-dir.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Discretizer, roundHalfEven } from "../../src/lrpg/discretizer.js";

interface GridConfig {
  min_points: number[];
  max_points: number[];
  buckets: number[];
  dimensions: [number[], number[]];
  N: number;
  M: number;
  range_as_computed: number[];
}
interface GoldenCase {
  state: number[];
  category: string;
  actor: [number, number];
  critic: [number, number];
}
interface GoldenConfig {
  actor: GridConfig;
  critic: GridConfig;
  cases: GoldenCase[];
}
const golden = JSON.parse(readFileSync(goldenPath("paper-discretizer.json"), "utf8")) as {
  configs: Record<string, GoldenConfig>;
};

function build(c: GridConfig): Discretizer {
  return new Discretizer({
    low: c.min_points,
    high: c.max_points,
    buckets: c.buckets,
    rowDims: c.dimensions[0],
    colDims: c.dimensions[1],
  });
}

describe("Discretizer golden (paper-discretizer.json)", () => {
  for (const [name, config] of Object.entries(golden.configs)) {
    it(`${name}: all ${config.cases.length} actor and critic cells match the reference exactly`, () => {
      const actor = build(config.actor);
      const critic = build(config.critic);
      expect([actor.rows, actor.cols]).toEqual([config.actor.N, config.actor.M]);
      expect([critic.rows, critic.cols]).toEqual([config.critic.N, config.critic.M]);
      expect(Array.from(actor.range)).toEqual(config.actor.range_as_computed);
      const mismatches: string[] = [];
      for (const c of config.cases) {
        const a = actor.cell(c.state);
        const k = critic.cell(c.state);
        if (a[0] !== c.actor[0] || a[1] !== c.actor[1])
          mismatches.push(`actor ${c.category} ${c.state}: ${a} vs ${c.actor}`);
        if (k[0] !== c.critic[0] || k[1] !== c.critic[1])
          mismatches.push(`critic ${c.category} ${c.state}: ${k} vs ${c.critic}`);
        expect(actor.flatCell(c.state)).toBe(c.actor[0] * actor.cols + c.actor[1]);
      }
      expect(mismatches).toEqual([]);
    });
  }
});

describe("Discretizer", () => {
  it("rounds half to even like numpy", () => {
    expect([0.5, 1.5, 2.5, 4.5, 7.5, 0.49999999999999994, 3.2, 3.7, 0].map(roundHalfEven)).toEqual([
      0, 2, 2, 4, 8, 0, 3, 4, 0,
    ]);
  });

  it("flattens grouped dimensions row-major", () => {
    const d = new Discretizer({
      low: [0, 0, 0, 0],
      high: [1, 1, 1, 1],
      buckets: [2, 3, 4, 5],
      rowDims: [2, 0],
      colDims: [1, 3],
    });
    expect([d.rows, d.cols]).toEqual([8, 15]);
    // idx = [1, 2, 3, 4] at the upper corner → row = 3·2 + 1 = 7, col = 2·5 + 4 = 14
    expect(d.cell([1, 1, 1, 1])).toEqual([7, 14]);
    expect(d.cell([0, 1, 1, 0])).toEqual([6, 10]);
    const out = new Int32Array(4);
    d.cellInto([5, -5, 0.5, 0.5], out, 2);
    expect(Array.from(out)).toEqual([0, 0, 5, 2]);
  });

  it("cells stay in range for any state (property)", () => {
    const d = new Discretizer({
      low: [-1, -5, 0],
      high: [1, 5, 0.3],
      buckets: [7, 4, 3],
      rowDims: [1],
      colDims: [2, 0],
    });
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 3, maxLength: 3 }), (s) => {
        const [r, c] = d.cell(s);
        return Number.isInteger(r) && Number.isInteger(c) && r >= 0 && r < d.rows && c >= 0 && c < d.cols;
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it("rejects bad input with the parameter name and allowed range", () => {
    const ok = { low: [0, 0], high: [1, 1], buckets: [3, 3], rowDims: [0], colDims: [1] };
    expect(() => new Discretizer({ ...ok, buckets: [3, 2.5] })).toThrow(
      /buckets\[1\] must be an integer in \[1/,
    );
    expect(() => new Discretizer({ ...ok, buckets: 0 })).toThrow(/buckets\[0\] must be an integer in \[1/);
    expect(() => new Discretizer({ ...ok, high: [1, 0] })).toThrow(/low\[1\] < high\[1\]/);
    expect(() => new Discretizer({ ...ok, high: [1] })).toThrow(/high has 1 entries, expected 2/);
    expect(() => new Discretizer({ ...ok, buckets: [3] })).toThrow(/buckets has 1 entries/);
    expect(() => new Discretizer({ ...ok, colDims: [0] })).toThrow(/appears twice/);
    expect(() => new Discretizer({ ...ok, colDims: [] })).toThrow(/colDims must be a non-empty/);
    expect(() => new Discretizer({ ...ok, colDims: [2] })).toThrow(
      /colDims entries must be integers in \[0, 1\]/,
    );
    expect(() => new Discretizer({ ...ok, low: [0, 0, 0], high: [1, 1, 1], buckets: 2 })).toThrow(
      /partition.*missing 2/,
    );
    const d = new Discretizer(ok);
    expect(() => d.cell([0.5, NaN])).toThrow(/state\[1\] is NaN/);
    expect(() => d.cell([0.5])).toThrow(/state must have 2 entries, got 1/);
  });
});
