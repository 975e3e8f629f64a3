/** Arguments and checks shared by the lane function tests (tanh.test.ts, exp.test.ts). */

/** The arguments where `got` differs from `reference` (NaN equals NaN; +0 and −0 differ). */
export function mismatches(x: Float64Array, got: Float64Array, reference: (v: number) => number): number[] {
  const bad: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Object.is(got[i], reference(x[i]))) bad.push(x[i]);
  return bad;
}

/**
 * ±e and its 3 neighbours on each side (in ulps) for every edge e, then ±x for every x whose high
 * word runs from `highFrom` to `highTo` in steps of 0x400 (every 2⁻²⁰ step of the exponent range
 * the branches cover).
 */
export function boundaryArguments(edges: readonly number[], highFrom: number, highTo: number): Float64Array {
  const values: number[] = [];
  const bits = new BigInt64Array(1);
  const f = new Float64Array(bits.buffer);
  for (const e of edges)
    for (const sign of [1, -1])
      for (let d = -3; d <= 3; d++) {
        f[0] = sign * e;
        if (Number.isFinite(e) && e !== 0) bits[0] += BigInt(d);
        values.push(f[0]);
      }
  for (let hw = highFrom; hw <= highTo; hw += 0x400) {
    bits[0] = BigInt(hw) << 32n;
    values.push(f[0], -f[0]);
  }
  return Float64Array.from(values);
}
