import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultGrid, defaultGrids, listEnvs, listGridEnvs, makeEnv } from "../../src/envs/index.js";
import { Discretizer } from "../../src/lrpg/discretizer.js";
import { GOLDEN_DIR } from "./golden.js";

interface RefGrid {
  min_points: number[];
  max_points: number[];
  buckets: number[];
  dimensions: number[][];
  N: number;
  M: number;
}
const ref = JSON.parse(readFileSync(`${GOLDEN_DIR}/paper-discretizer.json`, "utf8")) as {
  configs: Record<string, { actor: RefGrid; critic: RefGrid }>;
};

describe("defaultGrid", () => {
  for (const [task, id] of [
    ["pendulum", "LRPG/Pendulum"],
    ["acrobot", "LRPG/Acrobot"],
    ["rocket", "LRPG/Rocket"],
  ] as const) {
    for (const role of ["actor", "critic"] as const) {
      it(`${id} ${role} grid is the paper's`, () => {
        const g = defaultGrid(id, role);
        const r = ref.configs[task][role];
        expect(g.low).toEqual(r.min_points);
        expect(g.high).toEqual(r.max_points);
        expect(g.buckets).toEqual(r.buckets);
        expect([g.rowDims, g.colDims]).toEqual(r.dimensions);
        const d = new Discretizer({ ...g });
        expect([d.rows, d.cols]).toEqual([r.N, r.M]);
      });
    }
  }

  it("covers every registered env with a vector observation, with consistent dims", () => {
    for (const id of listEnvs()) {
      const obsSize = makeEnv(id).observationSpace.size;
      if (!listGridEnvs().includes(id)) {
        expect(obsSize, `${id} has no grid`).toBeGreaterThan(16);
        expect(() => defaultGrid(id)).toThrow(/no default grid/);
        continue;
      }
      for (const g of [defaultGrids(id).actor, defaultGrids(id).critic]) {
        expect(g.low.length, id).toBe(obsSize);
        expect(g.high.length).toBe(obsSize);
        expect(g.buckets.length).toBe(obsSize);
        expect([...g.rowDims, ...g.colDims].sort((a, b) => a - b)).toEqual(
          Array.from({ length: obsSize }, (_, i) => i),
        );
        const d = new Discretizer({ ...g });
        const env = makeEnv(id);
        const { observation } = env.reset({ seed: 0 });
        const [row, col] = d.cell(observation);
        expect(row).toBeGreaterThanOrEqual(0);
        expect(row).toBeLessThan(d.rows);
        expect(col).toBeLessThan(d.cols);
      }
    }
  });

  it("rejects unknown ids and roles", () => {
    expect(() => defaultGrid("Nope-v0")).toThrow(
      /unknown env id "Nope-v0"; registered ids: .*LRPG\/Pendulum/,
    );
    expect(() => defaultGrid("LRPG/Pendulum", "both" as "actor")).toThrow(/role must be "actor" or "critic"/);
  });
});
