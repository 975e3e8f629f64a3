import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { WasmTanh } from "../../src/wasm/tanh.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";
import { boundaryArguments, mismatches } from "./lane-arguments.js";

describe.skipIf(!wasmSimdAvailable())("tanh on f64x2 lanes", () => {
  const tanh = WasmTanh.create()!;

  it("equals Math.tanh at every branch boundary, special value and their neighbours", () => {
    const edges = [
      0,
      1,
      22,
      2 ** -28,
      2 ** -27,
      2 ** -54,
      (0.5 * Math.LN2) / 2,
      0.5 * Math.LN2,
      0.75 * Math.LN2,
      (56 * Math.LN2) / 2,
      (20 * Math.LN2) / 2,
      (19 * Math.LN2) / 2,
      (57 * Math.LN2) / 2,
      5e-324,
      2.2250738585072014e-308,
      1e-300,
      1e300,
      Number.MAX_VALUE,
      Infinity,
      NaN,
      0.5,
      0.999,
      3,
      20,
    ];
    const x = boundaryArguments(edges, 0x3e200000, 0x40400000);
    const out = new Float64Array(x.length);
    tanh.apply(x, out);
    expect(mismatches(x, out, Math.tanh)).toEqual([]);
  });

  it("equals Math.tanh bit for bit on 400 000 random arguments over every magnitude (odd lengths too)", () => {
    const rng = new Rng(11);
    const x = new Float64Array(400_001);
    for (let i = 0; i < x.length; i++) {
      const m = i % 3;
      const sign = rng.uniform() < 0.5 ? -1 : 1;
      if (m === 0) x[i] = sign * 4 * rng.uniform();
      else if (m === 1) x[i] = sign * 30 * rng.uniform();
      else x[i] = sign * Math.exp(-70 * rng.uniform());
    }
    const out = new Float64Array(x.length);
    tanh.apply(x, out);
    expect(mismatches(x, out, Math.tanh)).toEqual([]);
    const short = x.subarray(0, 3);
    const out3 = new Float64Array(3);
    tanh.apply(short, out3);
    expect(mismatches(short, out3, Math.tanh)).toEqual([]);
  });

  it("keeps the sign of zero and maps NaN to NaN", () => {
    const out = new Float64Array(4);
    tanh.apply([0, -0, NaN, -Infinity], out);
    expect(Object.is(out[0], 0)).toBe(true);
    expect(Object.is(out[1], -0)).toBe(true);
    expect(out[2]).toBeNaN();
    expect(out[3]).toBe(-1);
  });

  it("rejects an output shorter than the input", () => {
    expect(() => tanh.apply([1, 2], new Float64Array(1))).toThrow(/out holds 1 < 2/);
  });
});
