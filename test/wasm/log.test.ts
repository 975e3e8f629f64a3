import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { WasmLog } from "../../src/wasm/log.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";
import { boundaryArguments, mismatches } from "./lane-arguments.js";

/** The double whose high word is `high` and low word 0. */
function fromHigh(high: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setUint32(0, high);
  return view.getFloat64(0);
}

/** A Box–Muller uniform: (hi₂₇·2²⁶ + lo₂₆)·2⁻⁵³ for a 53-bit integer j = hi₂₇·2²⁶ + lo₂₆. */
const gridUniform = (j: number): number => j * 2 ** -53;

describe.skipIf(!wasmSimdAvailable())("log on f64x2 lanes", () => {
  const log = WasmLog.create()!;

  it("equals Math.log at every branch boundary, special value and their neighbours", () => {
    const edges: number[] = [
      0,
      Infinity,
      NaN,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      2 ** -1022 - 2 ** -1074,
      2 ** -1040,
      1,
      1 + 2 ** -20,
      1 - 2 ** -20,
      1 - 2 ** -21,
      1 + 2 ** -19,
      1 - 2 ** -19,
      gridUniform(1),
      gridUniform(2 ** 53 - 1),
      Math.E,
      0.1,
      3,
    ];
    // the significand boundaries of the reduction (m + 0x95f64 carries: √2), of the |f| < 2⁻²⁰ case
    // (m ∈ {0xffffe, 0xfffff, 0}) and of the hfsq form (0x6147a ≤ m ≤ 0x6b851), in three binades
    for (const exponent of [0x001, 0x3fe, 0x3ff, 0x7fe])
      for (const m of [0x6a09c, 0x6147a, 0x6b852, 0xffffe, 0x00001, 0x80000])
        edges.push(fromHigh((exponent << 20) | m));
    // 2ᵏ and √2/2·2ᵏ for every k of the double range (subnormals included)
    for (let k = -1074; k <= 1023; k++) edges.push(2 ** k, Math.SQRT1_2 * 2 ** k);
    // every 2⁻²⁰ step of the significand in both exponent parities
    const x = boundaryArguments(edges, 0x3fe00000, 0x40000000);
    const out = new Float64Array(x.length);
    log.apply(x, out);
    expect(mismatches(x, out, Math.log)).toEqual([]);
  });

  it("equals Math.log bit for bit on 400 000 random arguments (Box–Muller uniforms, near 1, tiny, all magnitudes)", () => {
    const rng = new Rng(13);
    const x = new Float64Array(400_003);
    const bits = new BigUint64Array(1);
    const asDouble = new Float64Array(bits.buffer);
    for (let i = 0; i < x.length; i++) {
      const m = i % 5;
      if (m === 0) x[i] = rng.uniform();
      // within 2⁻¹⁶ … 2⁻⁵³ of 1 on the uniforms' grid (the |f| < 2⁻²⁰ case among them)
      else if (m === 1) x[i] = gridUniform(2 ** 53 - Math.max(1, Math.floor(2 ** (37 * rng.uniform()))));
      // log-uniform in [2⁻⁵³, 1) on the grid
      else if (m === 2) x[i] = gridUniform(Math.max(1, Math.floor(2 ** (53 * rng.uniform()))));
      // all magnitudes, subnormals to near overflow
      else if (m === 3) x[i] = Math.exp(1455 * rng.uniform() - 745);
      // any positive double's bits
      else {
        bits[0] = (BigInt(rng.nextUint32() & 0x7fffffff) << 32n) | BigInt(rng.nextUint32());
        x[i] = asDouble[0];
      }
    }
    const out = new Float64Array(x.length);
    log.apply(x, out);
    expect(mismatches(x, out, Math.log)).toEqual([]);
  });

  it("equals Math.log on random low words under each high word that bounds a branch", () => {
    // the forms on either side of a boundary differ in a few per mille to a few per cent of the
    // low words only, so each boundary high word gets 10 000 of them (k = −1, 0, 1)
    const rng = new Rng(14);
    const highs: number[] = [];
    for (const exponent of [0x3fe, 0x3ff, 0x400])
      for (const m of [0x61479, 0x6147a, 0x6b851, 0x6b852, 0x6a09b, 0x6a09c, 0xffffd, 0xffffe, 0xfffff, 0, 1])
        highs.push((exponent << 20) | m);
    const perHigh = 10_000;
    const x = new Float64Array(highs.length * perHigh);
    const view = new DataView(new ArrayBuffer(8));
    highs.forEach((high, h) => {
      view.setUint32(0, high);
      for (let j = 0; j < perHigh; j++) {
        view.setUint32(4, rng.nextUint32());
        x[h * perHigh + j] = view.getFloat64(0);
      }
    });
    const out = new Float64Array(x.length);
    log.apply(x, out);
    expect(mismatches(x, out, Math.log)).toEqual([]);
  });

  it("rejects an output shorter than the input", () => {
    expect(() => log.apply([1, 2], new Float64Array(1))).toThrow(/out holds 1 < 2/);
  });
});
