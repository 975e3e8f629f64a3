import { describe, expect, it } from "vitest";
import { Discretizer, type DiscretizerOptions } from "../../src/lrpg/discretizer.js";
import { BatchedGridLowRank } from "../../src/parametrizations/batched-grid-low-rank.js";
import { GridCellPair } from "../../src/population/grid-cells.js";
import { roundHalfEvenNonNegative } from "../../src/parametrizations/discretizer.js";
import { NORMAL_BLOCK, RngBank } from "../../src/population/rng-bank.js";
import { pendulumDynamics, rocketDynamics } from "../../src/population/index.js";
import { PAPER_POPULATION_TASKS, POPULATION_TASKS } from "../../src/presets/population-tasks.js";
import { Rng } from "../../src/random/rng.js";

describe("RngBank: P generators as typed arrays draw exactly Rng.normal's sequence", () => {
  it("runs its Box–Muller transform on WebAssembly lanes on this runtime (the tests below check both transforms)", () => {
    expect(new RngBank(1).laneTransform).toBe(true);
    expect(new RngBank(1, { laneTransform: false }).laneTransform).toBe(false);
  });

  it.each([
    ["lane", {}],
    ["scalar", { laneTransform: false }],
  ])("matches Rng.normal over several blocks, from a state with and without a cached spare (%s transform)", (_, options) => {
    // Generator p drew p normals before loading: odd p start with a Box–Muller spare.
    const seeds = [0, 1, 2, 3, 77, 2147483647];
    const rngs = seeds.map((s, p) => {
      const rng = new Rng(s);
      for (let k = 0; k < p; k++) rng.normal();
      return rng;
    });
    const refs = rngs.map((r) => Rng.fromState(r.getState()));
    const bank = RngBank.fromRngs(rngs, options);
    for (let k = 0; k < 300; k++)
      for (let p = 0; p < seeds.length; p++) expect(bank.normal(p)).toBe(refs[p].normal());
    // The bank drew on copies: the generators it was loaded from did not move.
    rngs.forEach((r, p) => {
      const fresh = new Rng(seeds[p]);
      for (let k = 0; k < p; k++) fresh.normal();
      expect(r.getState()).toEqual(fresh.getState());
    });
  });

  it("toRng gives the state after exactly the normals handed out (draws made ahead are not counted)", () => {
    const ref = new Rng(5);
    const bank = RngBank.fromRngs([new Rng(5)]);
    let drawn = 0;
    for (const n of [0, 1, 2, 63, 64, 65, 130]) {
      while (drawn < n) {
        bank.normal(0);
        ref.normal();
        drawn++;
      }
      const copy = bank.toRng(0);
      expect(copy.getState()).toEqual(ref.getState());
      // The copy continues the sequence, and drawing from it leaves the bank alone.
      const probe = Rng.fromState(ref.getState());
      for (let k = 0; k < 5; k++) expect(copy.normal()).toBe(probe.normal());
    }
  });

  it.each([
    ["lane", {}],
    ["scalar", { laneTransform: false }],
  ])("a loop reading block[p·BLOCK + cursor[p]] and calling refill at a block's end draws normal()'s sequence (%s transform)", (_, options) => {
    const refs = [3, 4, 5].map((s) => new Rng(s));
    const bank = RngBank.fromRngs(
      refs.map((r) => Rng.fromState(r.getState())),
      options,
    );
    for (let k = 0; k < 200; k++)
      for (let p = 0; p < 3; p++) {
        // Agents draw unevenly (agent 2 every other round), as agents that finished early do.
        if (p === 2 && k % 2 === 1) continue;
        let c = bank.cursor[p];
        if (c === NORMAL_BLOCK) {
          bank.refill(p);
          c = 0;
        }
        bank.cursor[p] = c + 1;
        expect(bank.block[p * NORMAL_BLOCK + c]).toBe(refs[p].normal());
      }
    refs.forEach((r, p) => expect(bank.toRng(p).getState()).toEqual(r.getState()));
  });

  it("rejects a bad count or slot, naming the allowed range", () => {
    expect(() => new RngBank(0)).toThrow(/count must be an integer >= 1, got 0/);
    const bank = new RngBank(2);
    expect(() => bank.load(2, new Rng(1))).toThrow(/slot must be an integer in \[0, 1\], got 2/);
    expect(() => bank.toRng(-1)).toThrow(/slot must be an integer in \[0, 1\], got -1/);
  });
});

describe("GridCellPair: offsets = rowOffset/colOffset at each grid's Discretizer.flatCell", () => {
  const pairs: [string, DiscretizerOptions, DiscretizerOptions][] = POPULATION_TASKS.map((task) => [
    `${task} actor and critic (shared bounds)`,
    PAPER_POPULATION_TASKS[task].actorGrid,
    PAPER_POPULATION_TASKS[task].criticGrid,
  ]);
  pairs.push(
    [
      "other bounds, buckets and axes on the second grid",
      { low: [-1, -5, 0], high: [1, 5, 2], buckets: [10, 7, 3], rowDims: [0], colDims: [1, 2] },
      { low: [-1.5, -5, 0.5], high: [1, 4, 2], buckets: [4, 5, 6], rowDims: [2, 0], colDims: [1] },
    ],
    [
      "2 dimensions, other bounds on the second grid",
      { low: [-1, -5], high: [1, 5], buckets: [9, 7], rowDims: [0], colDims: [1] },
      { low: [-1.5, -5], high: [1, 4], buckets: [4, 5], rowDims: [1], colDims: [0] },
    ],
    [
      "2 dimensions, power-of-two spans (the tied states are exact ties, both parities)",
      { low: [0, 0], high: [8, 4], buckets: [9, 5], rowDims: [0], colDims: [1] },
      { low: [0, 0], high: [8, 4], buckets: [3, 5], rowDims: [1], colDims: [0] },
    ],
  );
  for (const [label, a, b] of pairs) {
    it(`${label}: random, clipped, on-point and tied states`, () => {
      const first = new Discretizer(a);
      const second = new Discretizer(b);
      // One agent per state, of ranks 2, 3, 1, … (K = 3); the second grid's copies of ranks 1, 1, 2, ….
      const count = 400;
      const fa = new BatchedGridLowRank(
        first,
        Array.from({ length: count }, (_, p) => [2, 3, 1][p % 3]),
        "a",
      );
      const fb = new BatchedGridLowRank(
        second,
        Array.from({ length: count }, (_, p) => [1, 1, 2][p % 3]),
        "b",
      );
      const pair = new GridCellPair(fa, fb);
      const sharedBounds = first.low.every((l, d) => l === second.low[d] && first.high[d] === second.high[d]);
      expect(pair.two).toBe(first.stateDim === 2 && sharedBounds);
      const S = first.stateDim + 1; // a stride wider than the state
      const rng = new Rng(11);
      const states = new Float64Array(S * count);
      for (let n = 0; n < count; n++)
        for (let d = 0; d < S - 1; d++) {
          const g = n % 8 < 4 ? first : second;
          const lo = g.low[d];
          const span = g.range[d];
          const steps = Math.max(g.buckets[d] - 1, 1);
          const k = Math.floor(rng.uniform() * steps);
          // Inside, outside (clipped), exactly on a grid point, and halfway between two (ties).
          const kind = n % 4;
          states[n * S + d] =
            kind === 0
              ? lo + span * rng.uniform()
              : kind === 1
                ? lo + span * (3 * rng.uniform() - 1)
                : kind === 2
                  ? lo + (span * k) / steps
                  : lo + (span * (k + 0.5)) / steps;
        }
      // Agents at steps t = 0, 1 of a T = 2 buffer, listed in a shuffled order, half of them per call.
      const T = 2;
      const out = Array.from({ length: 4 }, () => new Int32Array(count * T));
      const order = Int32Array.from({ length: count }, (_, p) => (p * 7) % count);
      for (let t = 0; t < T; t++) {
        const list = order.subarray(t * (count / 2));
        pair.offsetsOf(states, S, list, count / 2, t, T, out[0], out[1], out[2], out[3]);
        for (const p of list.subarray(0, count / 2)) {
          const fA = first.flatCell(states, p * S);
          const fB = second.flatCell(states, p * S);
          const iA = Math.floor(fA / first.cols);
          const iB = Math.floor(fB / second.cols);
          const q = p * T + t;
          const expected = [
            fa.rowOffset(p, iA),
            fa.colOffset(p, fA - iA * first.cols),
            fb.rowOffset(p, iB),
            fb.colOffset(p, fB - iB * second.cols),
          ];
          expect([out[0][q], out[1][q], out[2][q], out[3][q]]).toEqual(expected);
          if (pair.two) {
            // The constants a fused step pass reads on 2-dimensional grids with shared bounds.
            const c = pair.constants2;
            const m = pair.multipliers2;
            const clip = (v: number, lo: number, hi: number): number => (v < lo ? lo : v > hi ? hi : v);
            const u0 = (clip(states[p * S], c[0], c[1]) - c[0]) / c[2];
            const u1 = (clip(states[p * S + 1], c[5], c[6]) - c[5]) / c[7];
            const [i0, i1] = [roundHalfEvenNonNegative(u0 * c[3]), roundHalfEvenNonNegative(u1 * c[8])];
            const [j0, j1] = [roundHalfEvenNonNegative(u0 * c[4]), roundHalfEvenNonNegative(u1 * c[9])];
            expect([
              p * m[8] + i0 * m[0] + i1 * m[4],
              p * m[9] + i0 * m[1] + i1 * m[5],
              p * m[10] + j0 * m[2] + j1 * m[6],
              p * m[11] + j0 * m[3] + j1 * m[7],
            ]).toEqual(expected);
          }
        }
      }
    });
  }

  it("throws on a NaN state component, naming it; rejects grids over different state sizes", () => {
    const grid = new Discretizer(PAPER_POPULATION_TASKS.acrobot.actorGrid);
    const f = new BatchedGridLowRank(grid, [1], "x");
    const pair = new GridCellPair(f, f);
    const states = new Float64Array(grid.stateDim);
    states[2] = NaN;
    const o = new Int32Array(1);
    expect(() => pair.offsetsOf(states, 4, Int32Array.of(0), 1, 0, 1, o, o, o, o)).toThrow(
      /state\[2\] is NaN/,
    );
    const pendulum = new Discretizer(PAPER_POPULATION_TASKS.pendulum.actorGrid);
    const g = new BatchedGridLowRank(pendulum, [1], "y");
    expect(() => new GridCellPair(f, g)).toThrow(/grids over 4 and 2 state dimensions/);
    states.fill(0);
    states[1] = NaN;
    expect(() => new GridCellPair(g, g).offsetsOf(states, 2, Int32Array.of(0), 1, 0, 1, o, o, o, o)).toThrow(
      /state\[1\] is NaN/,
    );
  });
});

describe("VectorDynamics.stepList = stepCpu on the same copies", () => {
  for (const dyn of [pendulumDynamics, rocketDynamics]) {
    it(dyn.envId, () => {
      const P = 6;
      const S = dyn.stateDim;
      const rng = new Rng(3);
      const a = new Float64Array(P * S);
      for (let p = 0; p < P; p++) dyn.reset(a, p * S, rng);
      const b = a.slice();
      const actions = Float64Array.from({ length: P }, () => rng.uniform() - 0.5);
      const list = Int32Array.from([4, 0, 3]);
      const active = new Uint8Array(P);
      for (const p of list) active[p] = 1;
      const [ra, rb] = [new Float64Array(P), new Float64Array(P)];
      const [ta, tb] = [new Uint8Array(P), new Uint8Array(P)];
      for (let t = 0; t < 5; t++) {
        dyn.stepCpu(a, actions, active, ra, ta, P);
        dyn.stepList(b, actions, list, list.length, rb, tb);
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(Array.from(rb)).toEqual(Array.from(ra));
        expect(Array.from(tb)).toEqual(Array.from(ta));
      }
      // Copies off the list are untouched.
      const fresh = new Float64Array(P * S);
      const rng2 = new Rng(3);
      for (let p = 0; p < P; p++) dyn.reset(fresh, p * S, rng2);
      for (const p of [1, 2, 5])
        expect(Array.from(b.subarray(p * S, p * S + S))).toEqual(
          Array.from(fresh.subarray(p * S, p * S + S)),
        );
    });
  }
});
