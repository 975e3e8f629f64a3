import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { WasmExp } from "../../src/wasm/exp.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";
import { boundaryArguments, mismatches } from "./lane-arguments.js";

describe.skipIf(!wasmSimdAvailable())("exp on f64x2 lanes", () => {
  const exp = WasmExp.create()!;

  it("equals Math.exp at every branch boundary, special value and their neighbours", () => {
    const edges = [
      0,
      1,
      2 ** -28,
      0.5 * Math.LN2,
      1.5 * Math.LN2,
      1021 * Math.LN2,
      1022 * Math.LN2,
      707.7,
      708.4,
      709.4,
      709.782712893384,
      745.1332191019411,
      750,
      5e-324,
      1e-300,
      Number.MAX_VALUE,
      Infinity,
      NaN,
      3,
      40,
    ];
    const x = boundaryArguments(edges, 0x3e200000, 0x40880000);
    const out = new Float64Array(x.length);
    exp.apply(x, out);
    expect(mismatches(x, out, Math.exp)).toEqual([]);
  });

  it("equals Math.exp bit for bit on 400 000 random arguments (the RBF's −γ‖s − c‖², small and huge ones)", () => {
    const rng = new Rng(12);
    const x = new Float64Array(400_003);
    for (let i = 0; i < x.length; i++) {
      const m = i % 4;
      if (m === 0) x[i] = -200 * rng.uniform();
      else if (m === 1) x[i] = 6 * rng.uniform() - 3;
      else if (m === 2) x[i] = 1500 * rng.uniform() - 750;
      else x[i] = (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(-40 * rng.uniform());
    }
    const out = new Float64Array(x.length);
    exp.apply(x, out);
    expect(mismatches(x, out, Math.exp)).toEqual([]);
  });

  it("rejects an output shorter than the input", () => {
    expect(() => exp.apply([1, 2], new Float64Array(1))).toThrow(/out holds 1 < 2/);
  });
});
