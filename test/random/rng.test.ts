import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Rng, deriveSeed } from "../../src/random/rng.js";

describe("Rng", () => {
  it("same seed gives the same stream; different seeds differ", () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 100 }, () => a.uniform());
    expect(Array.from({ length: 100 }, () => b.uniform())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c.uniform())).not.toEqual(xs);
  });

  it("uniform draws lie in [0, 1) and have mean ≈ 1/2, variance ≈ 1/12", () => {
    const r = new Rng(1);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      if (!(u >= 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    const mean = s / n;
    expect(outside).toBe(0);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.003);
  });

  it("normal draws have mean ≈ 0 and variance ≈ 1", () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.015);
  });

  it("state round-trips through JSON and resumes the exact stream (including a cached normal)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 50 }), (seed, skip) => {
        const r = new Rng(seed);
        for (let i = 0; i < skip; i++) r.normal();
        const saved = JSON.parse(JSON.stringify(r.getState()));
        const expected = [r.normal(), r.uniform(), r.normal(), r.integer(10)];
        const resumed = Rng.fromState(saved);
        expect([resumed.normal(), resumed.uniform(), resumed.normal(), resumed.integer(10)]).toEqual(
          expected,
        );
      }),
      { numRuns: 50, seed: 1 },
    );
  });

  it("fork gives an independent, deterministic child", () => {
    const a = new Rng(5);
    const b = new Rng(5);
    const ca = a.fork();
    const cb = b.fork();
    expect(ca.uniform()).toBe(cb.uniform());
    expect(a.uniform()).toBe(b.uniform());
    expect(ca.uniform()).not.toBe(a.uniform());
  });

  it("integer(n) covers [0, n) and rejects bad n", () => {
    const r = new Rng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.integer(6));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => r.integer(0)).toThrow(/positive integer/);
    expect(() => r.integer(2.5)).toThrow(/positive integer/);
  });

  it("rejects non-integer seeds and malformed states with clear errors", () => {
    expect(() => new Rng(1.5)).toThrow(/seed must be an integer/);
    expect(() => Rng.fromState({ algorithm: "xoroshiro128plus", words: [1, 2], spareNormal: null })).toThrow(
      /rng state/,
    );
  });

  it("refuses seeds that would wrap and states that would hang or drift", () => {
    for (const seed of [2 ** 31, -(2 ** 31) - 1, 2 ** 32 + 5, 1e300])
      expect(() => new Rng(seed), String(seed)).toThrow(/seeds are not wrapped/);
    expect(new Rng(-1).uniform()).not.toBe(new Rng(2 ** 31 - 1).uniform());
    const base = { algorithm: "xoroshiro128plus" as const, spareNormal: null };
    expect(() => Rng.fromState({ ...base, words: [0, 0, 0, 0] })).toThrow(/must not be all zero/);
    expect(() => Rng.fromState({ ...base, words: [1, 2, 3, 2 ** 40] })).toThrow(/int32/);
    expect(() => Rng.fromState({ ...base, words: [1, 2, 3, 4], spareNormal: Number.NaN })).toThrow(
      /spareNormal/,
    );
  });

  it("deriveSeed is deterministic and spreads indices", () => {
    expect(deriveSeed(1, 2)).toBe(deriveSeed(1, 2));
    const seeds = new Set(Array.from({ length: 1000 }, (_, i) => deriveSeed(123, i)));
    expect(seeds.size).toBe(1000);
  });
});
