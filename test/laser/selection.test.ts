import { describe, expect, it } from "vitest";
import { makeBaseline, returnColumns, type LaserRow } from "../../src/laser/laser-row.js";
import { selectOnHeldOutSeeds } from "../../src/laser/selection.js";
import { Rng } from "../../src/random/rng.js";

function row(
  layer: string,
  returns: Float64Array,
  baseline: ReturnType<typeof makeBaseline>,
  nullControl = false,
): LaserRow {
  return {
    layer,
    method: "svd",
    rank: 1,
    ranks: [1],
    rankLabel: "1",
    maxRank: 2,
    rankFraction: 0.5,
    nullControl,
    energyKept: 0.5,
    relativeError: 0.5,
    parameters: 1,
    parametersDense: 1,
    ...returnColumns(returns, baseline, { resamples: 200 }),
  };
}

describe("selectOnHeldOutSeeds", () => {
  it("picks on the validation seeds and re-measures on the others (winner's curse exposed)", () => {
    const rng = new Rng(1);
    const n = 100;
    const base = Float64Array.from({ length: n }, () => rng.normal());
    const baseline = makeBaseline(base);
    // Trial A: pure noise that happens to look good on the first 20 seeds; trial B: a real +0.5 shift.
    const a = Float64Array.from(base, (x, i) => x + (i < 20 ? 2 : 0) + 0.3 * rng.normal());
    const b = Float64Array.from(base, (x) => x + 0.5 + 0.3 * rng.normal());
    const sel = selectOnHeldOutSeeds(
      [row("A", a, baseline), row("B", b, baseline), row("null", base, baseline, true)],
      baseline,
      { bootstrap: { resamples: 500 } },
    );
    expect(sel.validationEpisodes).toBe(20);
    expect(sel.heldOutEpisodes).toBe(80);
    expect(sel.best!.layer).toBe("A");
    expect(sel.best!.validationDelta).toBeGreaterThan(1.5);
    expect(sel.best!.excludesZero).toBe(false);
    expect(Math.abs(sel.best!.heldOutDelta)).toBeLessThan(0.2);
  });

  it("returns no selection when only null controls exist, and validates the fraction", () => {
    const baseline = makeBaseline(Float64Array.of(1, 2, 3, 4, 5));
    expect(
      selectOnHeldOutSeeds([row("n", Float64Array.of(1, 2, 3, 4, 5), baseline, true)], baseline).best,
    ).toBeNull();
    expect(() => selectOnHeldOutSeeds([], baseline, { validationFraction: 1 })).toThrow(
      /validationFraction must be in \(0, 1\), got 1/,
    );
  });
});
