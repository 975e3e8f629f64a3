/**
 * sin, cos, exp and log as fdlibm computes them (Sun's freely distributable libm, the
 * algorithms V8 used for Math.* up to the versions Node 20 ships), in plain double arithmetic so
 * every JavaScript engine gives the same bits. Recent browsers compute Math.sin & co. with other
 * libraries (correctly rounded ones, a last-bit difference in a few percent of arguments); over a
 * few hundred episodes those bits grow into different runs. The live page's worker installs these
 * in place of Math's when the Node that wrote the page uses them too (`matchesEngine`), so the page
 * and `lowrank-rl run` compute the same numbers. Derivations: docs/demo.md.
 */

import {
  SIN_S1 as S1,
  SIN_S2 as S2,
  SIN_S3 as S3,
  SIN_S4 as S4,
  SIN_S5 as S5,
  SIN_S6 as S6,
  COS_C1 as C1,
  COS_C2 as C2,
  COS_C3 as C3,
  COS_C4 as C4,
  COS_C5 as C5,
  COS_C6 as C6,
  INV_PIO2,
  PIO2_1,
  PIO2_1T,
  PIO2_2,
  PIO2_2T,
  PIO2_3,
  PIO2_3T,
  NPIO2_HW,
  LN2_HI,
  LN2_LO,
  INV_LN2,
  EXP_P1 as P1,
  EXP_P2 as P2,
  EXP_P3 as P3,
  EXP_P4 as P4,
  EXP_P5 as P5,
  LOG_LG1 as LG1,
  LOG_LG2 as LG2,
  LOG_LG3 as LG3,
  LOG_LG4 as LG4,
  LOG_LG5 as LG5,
  LOG_LG6 as LG6,
  LOG_LG7 as LG7,
} from "../wasm/fdlibm-constants.js";

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Index of the high and low words of a double in memory (every current engine is little-endian,
// checked once here rather than assumed).
F64[0] = 1;
const HI = U32[1] === 0x3ff00000 ? 1 : 0;
const LO = 1 - HI;

/** The high word (sign, exponent, 20 mantissa bits) as a signed 32-bit integer. */
function high(x: number): number {
  F64[0] = x;
  return U32[HI] | 0;
}
/** The low 32 mantissa bits, unsigned. */
function low(x: number): number {
  F64[0] = x;
  return U32[LO];
}
/** The double with words (hi, lo). */
function fromWords(hi: number, lo: number): number {
  U32[HI] = hi >>> 0;
  U32[LO] = lo >>> 0;
  return F64[0];
}
/** x with its high word replaced. */
function withHigh(x: number, hi: number): number {
  F64[0] = x;
  U32[HI] = hi >>> 0;
  return F64[0];
}

// ---- sin and cos: reduction to [−π/4, π/4] and the two kernel polynomials ----

/** sin(x + y) for |x| ≤ π/4, y the tail of x (`hasTail` false: y = 0). Odd polynomial of degree 13. */
function kernelSin(x: number, y: number, hasTail: boolean): number {
  const ix = high(x) & 0x7fffffff;
  if (ix < 0x3e400000) return x; // |x| < 2^-27: sin x = x
  const z = x * x;
  const v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  if (!hasTail) return x + v * (S1 + z * r);
  return x - (z * (0.5 * y - v * r) - y - v * S1);
}

/**
 * cos(x + y) for |x| ≤ π/4: 1 − x²/2 + x⁴·(C1 + … + C6 x¹⁰) − x·y; for |x| ≥ 0.3 the constant 1
 * is split as (1 − q) + q with q ≈ x/4 (0.28125 above 0.78125), so the subtraction is exact.
 */
function kernelCos(x: number, y: number): number {
  const ix = high(x) & 0x7fffffff;
  if (ix < 0x3e400000) return 1;
  const z = x * x;
  const r = z * (C1 + z * (C2 + z * (C3 + z * (C4 + z * (C5 + z * C6)))));
  if (ix < 0x3fd33333) return 1 - (0.5 * z - (z * r - x * y));
  const qx = ix > 0x3fe90000 ? 0.28125 : fromWords(ix - 0x00200000, 0);
  const hz = 0.5 * z - qx;
  const a = 1 - qx;
  return a - (hz - (z * r - x * y));
}

/** High words of n·π/2, n = 1 … 32 (where the one-step reduction may cancel). */

/** The largest |x| the reduction below handles (2^19·π/2); beyond it the engine's own sin/cos run. */
export const TRIG_REDUCTION_LIMIT = 823549.6653753062;

const REM = { y0: 0, y1: 0 };

/**
 * x − n·π/2 = y0 + y1 with |y0| ≤ π/4 for |x| ≤ 2^19·π/2, π/2 taken in 33-bit pieces (a second and
 * third piece only when the first step cancels too many bits); returns n.
 */
function remPio2(x: number, hx: number): number {
  const ix = hx & 0x7fffffff;
  if (ix < 0x4002d97c) {
    // |x| < 3π/4: n = ±1
    if (hx > 0) {
      let z = x - PIO2_1;
      if (ix !== 0x3ff921fb) {
        REM.y0 = z - PIO2_1T;
        REM.y1 = z - REM.y0 - PIO2_1T;
      } else {
        z -= PIO2_2;
        REM.y0 = z - PIO2_2T;
        REM.y1 = z - REM.y0 - PIO2_2T;
      }
      return 1;
    }
    let z = x + PIO2_1;
    if (ix !== 0x3ff921fb) {
      REM.y0 = z + PIO2_1T;
      REM.y1 = z - REM.y0 + PIO2_1T;
    } else {
      z += PIO2_2;
      REM.y0 = z + PIO2_2T;
      REM.y1 = z - REM.y0 + PIO2_2T;
    }
    return -1;
  }
  const t0 = Math.abs(x);
  const n = (t0 * INV_PIO2 + 0.5) | 0;
  const fn = n;
  let r = t0 - fn * PIO2_1;
  let w = fn * PIO2_1T;
  if (n < 32 && ix !== NPIO2_HW[n - 1]) {
    REM.y0 = r - w;
  } else {
    const j = ix >> 20;
    REM.y0 = r - w;
    let i = j - ((high(REM.y0) >> 20) & 0x7ff);
    if (i > 16) {
      let t = r;
      w = fn * PIO2_2;
      r = t - w;
      w = fn * PIO2_2T - (t - r - w);
      REM.y0 = r - w;
      i = j - ((high(REM.y0) >> 20) & 0x7ff);
      if (i > 49) {
        t = r;
        w = fn * PIO2_3;
        r = t - w;
        w = fn * PIO2_3T - (t - r - w);
        REM.y0 = r - w;
      }
    }
  }
  REM.y1 = r - REM.y0 - w;
  if (hx < 0) {
    REM.y0 = -REM.y0;
    REM.y1 = -REM.y1;
    return -n;
  }
  return n;
}

const nativeSin = Math.sin;
const nativeCos = Math.cos;
const nativeExp = Math.exp;
const nativeLog = Math.log;

/** sin x: reduce to n·π/2 + y, then ±sin or ±cos of y by n mod 4. */
export function sin(x: number): number {
  const hx = high(x);
  const ix = hx & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kernelSin(x, 0, false);
  if (ix >= 0x7ff00000) return x - x; // NaN for ±∞ and NaN
  if (ix > 0x413921fb) return nativeSin(x); // |x| > 2^19·π/2
  const n = remPio2(x, hx);
  switch (n & 3) {
    case 0:
      return kernelSin(REM.y0, REM.y1, true);
    case 1:
      return kernelCos(REM.y0, REM.y1);
    case 2:
      return -kernelSin(REM.y0, REM.y1, true);
    default:
      return -kernelCos(REM.y0, REM.y1);
  }
}

/** cos x: reduce to n·π/2 + y, then ±cos or ∓sin of y by n mod 4. */
export function cos(x: number): number {
  const hx = high(x);
  const ix = hx & 0x7fffffff;
  if (ix <= 0x3fe921fb) return kernelCos(x, 0);
  if (ix >= 0x7ff00000) return x - x;
  if (ix > 0x413921fb) return nativeCos(x);
  const n = remPio2(x, hx);
  switch (n & 3) {
    case 0:
      return kernelCos(REM.y0, REM.y1);
    case 1:
      return -kernelSin(REM.y0, REM.y1, true);
    case 2:
      return -kernelCos(REM.y0, REM.y1);
    default:
      return kernelSin(REM.y0, REM.y1, true);
  }
}

// ---- exp ----

const TWO_M1000 = 9.3326361850321887899e-302;
const TWO_1023 = 8.988465674311579539e307;

/**
 * eˣ = 2ᵏ·eʳ with x = k ln 2 + r, |r| ≤ ln 2 / 2 (r = hi − lo in two pieces); eʳ = 1 + r + r·c/(2 − c)
 * with c = r − r²(P1 + … + P5 r⁸), a minimax fit of r(eʳ + 1)/(eʳ − 1) − 2.
 */
export function exp(x: number): number {
  let hx = high(x);
  const xsb = (hx >>> 31) & 1;
  hx &= 0x7fffffff;
  if (hx >= 0x40862e42) {
    // |x| ≥ 709.78…
    if (hx >= 0x7ff00000) {
      if (((hx & 0xfffff) | low(x)) !== 0) return x + x; // NaN
      return xsb === 0 ? x : 0;
    }
    if (x > 7.09782712893383973096e2) return Infinity;
    if (x < -7.4513321910194110842e2) return 0;
  }
  let hi = 0;
  let lo = 0;
  let k = 0;
  if (hx > 0x3fd62e42) {
    // |x| > ln 2 / 2
    if (hx < 0x3ff0a2b2) {
      // and |x| < 1.5 ln 2: k = ±1
      if (x === 1) return Math.E; // the kernel misses e's last bit
      hi = xsb === 0 ? x - LN2_HI : x + LN2_HI;
      lo = xsb === 0 ? LN2_LO : -LN2_LO;
      k = 1 - xsb - xsb;
    } else {
      k = (INV_LN2 * x + (xsb === 0 ? 0.5 : -0.5)) | 0;
      const t = k;
      hi = x - t * LN2_HI;
      lo = t * LN2_LO;
    }
    x = hi - lo;
  } else if (hx < 0x3e300000) {
    // |x| < 2^-28
    return 1 + x;
  }
  const t = x * x;
  const twopk =
    k >= -1021
      ? fromWords((0x3ff00000 + (k << 20)) | 0, 0)
      : fromWords((0x3ff00000 + ((k + 1000) << 20)) | 0, 0);
  const c = x - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  if (k === 0) return 1 - ((x * c) / (c - 2) - x);
  const y = 1 - (lo - (x * c) / (2 - c) - hi);
  if (k >= -1021) {
    if (k === 1024) return y * 2 * TWO_1023;
    return y * twopk;
  }
  return y * twopk * TWO_M1000;
}

// ---- log ----

const TWO54 = 1.8014398509481984e16;

/**
 * ln x = k ln 2 + ln(1 + f) with x = 2ᵏ(1 + f), √2/2 < 1 + f < √2; ln(1 + f) = f − f²/2 + s(f²/2 + R)
 * with s = f/(2 + f) and R(s²) a degree-14 minimax fit of (ln(1 + f) − 2s)/s − 2s²/3 … in s².
 */
export function log(x: number): number {
  let hx = high(x);
  const lx = low(x);
  let k = 0;
  if (hx < 0x00100000) {
    // x < 2^-1022: zero, negative or subnormal
    if (((hx & 0x7fffffff) | lx) === 0) return -Infinity;
    if (hx < 0) return NaN;
    k -= 54;
    x *= TWO54;
    hx = high(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHigh(x, hx | (i ^ 0x3ff00000)); // normalize x or x/2
  k += i >> 20;
  const f = x - 1;
  if ((0x000fffff & (2 + hx)) < 3) {
    // −2^-20 ≤ f < 2^-20
    if (f === 0) {
      if (k === 0) return 0;
      const dk = k;
      return dk * LN2_HI + dk * LN2_LO;
    }
    const R = f * f * (0.5 - 0.3333333333333333 * f);
    if (k === 0) return f - R;
    const dk = k;
    return dk * LN2_HI - (R - dk * LN2_LO - f);
  }
  const s = f / (2 + f);
  const dk = k;
  const z = s * s;
  let ii = hx - 0x6147a;
  const w = z * z;
  const j = 0x6b851 - hx;
  const t1 = w * (LG2 + w * (LG4 + w * LG6));
  const t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  ii |= j;
  const R = t2 + t1;
  if (ii > 0) {
    const hfsq = 0.5 * f * f;
    if (k === 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - (hfsq - (s * (hfsq + R) + dk * LN2_LO) - f);
  }
  if (k === 0) return f - s * (f - R);
  return dk * LN2_HI - (s * (f - R) - dk * LN2_LO - f);
}

/** The four functions by their Math names. */
export const FDLIBM = { sin, cos, exp, log } as const;

/**
 * Whether this engine's Math.sin, cos, exp and log give the same bits as the functions above on a
 * fixed spread of arguments (true in Node 20; false in browsers whose V8 moved to other libraries).
 */
export function matchesEngine(): boolean {
  let x = 0.1234;
  for (let i = 0; i < 4000; i++) {
    x = (x * 7919.123 + 0.61803) % 64; // a deterministic walk over [0, 64)
    const a = x - 32;
    if (
      !Object.is(nativeSin(a), sin(a)) ||
      !Object.is(nativeCos(a), cos(a)) ||
      !Object.is(nativeExp(a), exp(a)) ||
      !Object.is(nativeLog(x), log(x))
    )
      return false;
  }
  return true;
}

/** Replaces Math.sin, cos, exp and log of this realm with the fdlibm versions. */
export function installFdlibm(math: { sin: unknown; cos: unknown; exp: unknown; log: unknown } = Math): void {
  math.sin = sin;
  math.cos = cos;
  math.exp = exp;
  math.log = log;
}

/**
 * Math.pow's values for integer exponents 1 … n of a few bases, as this engine computes them.
 * Training calls pow only for Adam's bias corrections, β₁ᵗ and β₂ᵗ with t the update count
 * (β = 0.9, 0.999, torch's defaults); fdlibm's pow is not what Node 20's V8 runs, so instead of a
 * formula the page carries the Node's own values for t ≤ n.
 */
export interface PowTable {
  bases: number[];
  /** values[b][t − 1] = pow(bases[b], t). */
  values: number[][];
}

/** Adam's default β₁ and β₂ (src/optim/adam.ts), the bases training raises to integer powers. */
export const ADAM_BETAS = [0.9, 0.999];

/** pow(b, t) for every base and t = 1 … n, from this engine's Math.pow. */
export function powTable(n: number, bases: readonly number[] = ADAM_BETAS): PowTable {
  return {
    bases: [...bases],
    values: bases.map((b) => Array.from({ length: n }, (_, i) => Math.pow(b, i + 1))),
  };
}

/**
 * Replaces Math.pow of this realm by a lookup in `table` for (base, integer t) pairs it holds, and
 * the engine's own pow for every other argument.
 */
export function installPowTable(
  table: PowTable,
  math: { pow: (x: number, y: number) => number } = Math,
): void {
  const native = math.pow;
  const rows = new Map(table.bases.map((b, i) => [b, table.values[i]]));
  math.pow = (x: number, y: number) => {
    const row = rows.get(x);
    if (row !== undefined && Number.isInteger(y) && y >= 1 && y <= row.length) return row[y - 1];
    return native(x, y);
  };
}
