import { describe, expect, it } from "vitest";
import { ReplayBuffer } from "../../src/dqn/replay-buffer.js";
import { Rng } from "../../src/random/rng.js";

/** Buffer of 1-dim observations where transition t has s = t, s′ = t + 0.5, a = t mod 3, r = t + 1. */
function filled(capacity: number, n: number, ends: Record<number, "term" | "trunc"> = {}): ReplayBuffer {
  const buf = new ReplayBuffer({ capacity, observationSize: 1 });
  for (let t = 0; t < n; t++) buf.add([t], t % 3, t + 1, [t + 0.5], ends[t] === "term", ends[t] === "trunc");
  return buf;
}

describe("ReplayBuffer (circular)", () => {
  it("stores rows in order and overwrites the oldest once full", () => {
    const buf = filled(4, 6);
    expect(buf.size).toBe(4);
    // Rows 0 and 1 now hold transitions 4 and 5; the oldest kept is transition 2 at row 2.
    expect(Array.from(buf.observations)).toEqual([4, 5, 2, 3]);
    expect(Array.from(buf.rewards)).toEqual([5, 6, 3, 4]);
    expect(Array.from(buf.actions)).toEqual([1, 2, 2, 0]);
    expect(buf.newest).toBe(1);
    expect([0, 1, 2, 3].map((k) => buf.physicalIndex(k))).toEqual([2, 3, 0, 1]);
  });

  it("samples uniformly over the stored transitions only", () => {
    const buf = filled(100, 10);
    const rng = new Rng(1);
    const counts = new Array<number>(100).fill(0);
    for (let i = 0; i < 400; i++) {
      const b = buf.sample(32, rng);
      for (const idx of b.indices) counts[idx]++;
    }
    expect(counts.slice(10).every((c) => c === 0)).toBe(true);
    const expected = (400 * 32) / 10;
    for (const c of counts.slice(0, 10)) expect(Math.abs(c - expected) / expected).toBeLessThan(0.1);
  });

  it("gathers s, a, r, s′ and the 1-step discount of the sampled rows", () => {
    const buf = filled(8, 5, { 2: "term", 3: "trunc" });
    const b = buf.sample(16, new Rng(4), 1, 0.9);
    for (let k = 0; k < b.size; k++) {
      const t = b.indices[k];
      expect(b.observations[k]).toBe(t);
      expect(b.nextObservations[k]).toBe(t + 0.5);
      expect(b.actions[k]).toBe(t % 3);
      expect(b.returns[k]).toBe(t + 1);
      expect(b.discounts[k]).toBe(t === 2 ? 0 : 0.9); // truncation (t = 3) still bootstraps
    }
  });

  it("stores uint8 observations exactly and rejects non-bytes", () => {
    const buf = new ReplayBuffer({ capacity: 2, observationSize: 3, observationDtype: "uint8" });
    buf.add([0, 1, 255], 0, 0, [1, 0, 1], false, false);
    expect(Array.from(buf.observations.subarray(0, 3))).toEqual([0, 1, 255]);
    expect(() => buf.add([0.5, 0, 0], 0, 0, [0, 0, 0], false, false)).toThrow(/uint8 storage/);
  });

  it("validates its inputs", () => {
    expect(() => new ReplayBuffer({ capacity: 0, observationSize: 1 })).toThrow(
      /capacity must be an integer >= 1, got 0/,
    );
    const buf = new ReplayBuffer({ capacity: 2, observationSize: 2 });
    expect(() => buf.sample(4, new Rng(0))).toThrow(/empty/);
    expect(() => buf.add([1], 0, 0, [1, 2], false, false)).toThrow(/length 2, got 1 and 2/);
    buf.add([1, 2], 0, 0, [1, 2], false, false);
    expect(() => buf.sample(4, new Rng(0), 0)).toThrow(/nStep must be an integer >= 1, got 0/);
  });
});

describe("n-step returns (hand-computed)", () => {
  const g = 0.5;
  it("full n steps inside an episode: G = r_t + γ r_{t+1} + γ² r_{t+2}, bootstrap γ³ from s′_{t+2}", () => {
    const buf = filled(16, 10);
    const r = buf.nStepReturn(1, 3, g);
    expect(r.ret).toBe(2 + 0.5 * 3 + 0.25 * 4);
    expect(r.discount).toBe(0.125);
    expect(r.last).toBe(3);
  });

  it("stops at termination with no bootstrap", () => {
    const buf = filled(16, 10, { 2: "term" });
    const r = buf.nStepReturn(1, 3, g);
    expect(r.ret).toBe(2 + 0.5 * 3);
    expect(r.discount).toBe(0);
    expect(r.last).toBe(2);
    expect(buf.nStepReturn(2, 3, g)).toEqual({ ret: 3, discount: 0, last: 2 });
    // The next episode starts at row 3 and is not mixed with the previous one.
    expect(buf.nStepReturn(3, 2, g)).toEqual({ ret: 4 + 0.5 * 5, discount: 0.25, last: 4 });
  });

  it("stops at truncation and bootstraps from the truncated transition's s′", () => {
    const buf = filled(16, 10, { 2: "trunc" });
    const r = buf.nStepReturn(1, 3, g);
    expect(r.ret).toBe(2 + 0.5 * 3);
    expect(r.discount).toBe(0.25);
    expect(r.last).toBe(2);
  });

  it("stops at the newest transition (episode still running) and bootstraps", () => {
    const buf = filled(16, 5);
    expect(buf.nStepReturn(3, 3, g)).toEqual({ ret: 4 + 0.5 * 5, discount: 0.25, last: 4 });
  });

  it("wraps around the ring", () => {
    const buf = filled(4, 6); // rows [4, 5, 2, 3]
    const r = buf.nStepReturn(3, 3, g); // transitions 3, 4, 5
    expect(r.ret).toBe(4 + 0.5 * 5 + 0.25 * 6);
    expect(r.discount).toBe(0.125);
    expect(r.last).toBe(1);
  });

  it("sample() with n > 1 uses s′ of the last step and the n-step discount", () => {
    const buf = filled(16, 6, { 3: "term" });
    const b = buf.sample(64, new Rng(2), 2, g);
    for (let k = 0; k < b.size; k++) {
      const t = b.indices[k];
      const expected = buf.nStepReturn(t, 2, g);
      expect(b.returns[k]).toBe(expected.ret);
      expect(b.discounts[k]).toBe(expected.discount);
      expect(b.nextObservations[k]).toBe(expected.last + 0.5);
      expect(b.observations[k]).toBe(t);
    }
    // Transition 2 → 3 terminates: G = 3 + 0.5·4, no bootstrap; transition 3 alone: G = 4.
    expect(buf.nStepReturn(2, 2, g)).toEqual({ ret: 5, discount: 0, last: 3 });
    expect(buf.nStepReturn(3, 2, g)).toEqual({ ret: 4, discount: 0, last: 3 });
  });
});

describe("ReplayBuffer state (getState / setState)", () => {
  it("a restored buffer samples the same n-step batches, before and after wrapping, for every dtype", () => {
    for (const observationDtype of ["float64", "float32", "uint8"] as const) {
      for (const n of [5, 13]) {
        const a = new ReplayBuffer({ capacity: 8, observationSize: 2, observationDtype });
        for (let t = 0; t < n; t++)
          a.add([t, 2 * t], t % 3, t + 1, [t + 1, 2 * t + 2], t % 4 === 3, t % 5 === 4);
        const b = new ReplayBuffer({ capacity: 8, observationSize: 2, observationDtype });
        b.add([9, 9], 0, 0, [9, 9], false, false); // overwritten by the restore
        b.setState(a.getState());
        expect(b.size).toBe(a.size);
        expect(b.newest).toBe(a.newest);
        const ba = a.sample(16, new Rng(2), 3, 0.9);
        const snapshot = JSON.stringify(
          Object.entries(ba).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]),
        );
        const bb = b.sample(16, new Rng(2), 3, 0.9);
        expect(
          JSON.stringify(Object.entries(bb).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)])),
        ).toBe(snapshot);
        a.add([1, 1], 1, 1, [1, 1], false, false);
        b.add([1, 1], 1, 1, [1, 1], false, false);
        expect(b.getState()).toEqual(a.getState());
      }
    }
  });

  it("rejects snapshots of another layout, naming the field", () => {
    const a = new ReplayBuffer({ capacity: 4, observationSize: 3, observationDtype: "uint8" });
    a.add([1, 0, 1], 0, 1, [0, 1, 0], false, false);
    const s = a.getState();
    const other = new ReplayBuffer({ capacity: 5, observationSize: 3, observationDtype: "uint8" });
    expect(() => other.setState(s)).toThrow(/capacity is 4, this buffer has 5/);
    const f64 = new ReplayBuffer({ capacity: 4, observationSize: 3 });
    expect(() => f64.setState(s)).toThrow(/observationDtype is uint8, this buffer has float64/);
    expect(() => a.setState({ ...s, observations: new Float64Array(3) })).toThrow(
      /observations must be a Uint8Array, got Float64Array/,
    );
    expect(() => a.setState({ ...s, nextObservations: new Uint8Array(6) })).toThrow(
      /nextObservations has length 6, expected 3/,
    );
    expect(() => a.setState({ ...s, size: 5 })).toThrow(/size must be an integer in \[0, 4\], got 5/);
  });
});

describe("ReplayBuffer gather of long observations (native row copies)", () => {
  it("copies s and the n-step s′ rows exactly for uint8, float32 and float64 storage", () => {
    const d = 100;
    for (const observationDtype of ["uint8", "float32", "float64"] as const) {
      const buf = new ReplayBuffer({ capacity: 16, observationSize: d, observationDtype });
      const row = (t: number, shift: number) =>
        Array.from({ length: d }, (_, k) => (t * 7 + k + shift) % 256);
      for (let t = 0; t < 20; t++) buf.add(row(t, 0), t % 4, 1, row(t, 1), t % 6 === 5, false);
      const batch = buf.sample(12, new Rng(9), 2, 0.5);
      for (let b = 0; b < batch.size; b++) {
        const i = batch.indices[b];
        const { last } = buf.nStepReturn(i, 2, 0.5);
        const stored = (arr: ArrayLike<number>, r: number) =>
          Array.from({ length: d }, (_, k) => arr[r * d + k]);
        expect(Array.from(batch.observations.subarray(b * d, (b + 1) * d))).toEqual(
          stored(buf.observations, i),
        );
        expect(Array.from(batch.nextObservations.subarray(b * d, (b + 1) * d))).toEqual(
          stored(buf.nextObservations, last),
        );
      }
      expect(new Set(batch.indices).size).toBeGreaterThan(3);
    }
  });
});
