/**
 * Acrobot dynamics shared by `Acrobot-v1` (Gymnasium 1.4.0) and `LRPG/Acrobot` (gym 0.26.2
 * base of the LRPG paper's env): Sutton & Barto "book" equations, one classical RK4 step of
 * dt = 0.2, angles wrapped into [−π, π], velocities bounded to ±4π and ±9π.
 * Link lengths l1 = l2 = 1, masses 1, COM positions lc1 = lc2 = 0.5, inertias 1, g = 9.8.
 *
 * Derivative of y = (θ1, θ2, θ̇1, θ̇2) under torque τ (evaluation order kept from the reference,
 * including the literal `cos(θ − π/2)` forms):
 *   d1 = m1·lc1² + m2·(l1² + lc2² + 2·l1·lc2·cos θ2) + I1 + I2
 *   d2 = m2·(lc2² + l1·lc2·cos θ2) + I2
 *   φ2 = m2·lc2·g·cos(θ1 + θ2 − π/2)
 *   φ1 = −m2·l1·lc2·θ̇2²·sin θ2 − 2·m2·l1·lc2·θ̇2·θ̇1·sin θ2 + (m1·lc1 + m2·l1)·g·cos(θ1 − π/2) + φ2
 *   θ̈2 = (τ + d2/d1·φ1 − m2·l1·lc2·θ̇1²·sin θ2 − φ2) / (m2·lc2² + I2 − d2²/d1)
 *   θ̈1 = −(d2·θ̈2 + φ1) / d1
 * RK4: y' = y + (h/6)·(k1 + 2k2 + 2k3 + k4), the sum left to right.
 */
import type { Rng } from "../random/rng.js";
import { f32 } from "./angle.js";

const M1 = 1.0;
const M2 = 1.0;
const L1 = 1.0;
const LC1 = 0.5;
const LC2 = 0.5;
const I1 = 1.0;
const I2 = 1.0;
const G = 9.8;
const HALF_PI = Math.PI / 2.0;

// Constant sub-products, evaluated in the reference's left-to-right order.
const D1_CONST_A = M1 * LC1 * LC1; // m1·lc1²
const D1_CONST_B = L1 * L1 + LC2 * LC2; // l1² + lc2²
const D1_COS = 2 * L1 * LC2; // 2·l1·lc2
const D2_CONST = LC2 * LC2; // lc2²
const D2_COS = L1 * LC2; // l1·lc2
const PHI2_COEF = M2 * LC2 * G;
const PHI1_A = -M2 * L1 * LC2; // (−m2)·l1·lc2
const PHI1_B = 2 * M2 * L1 * LC2;
const PHI1_C = (M1 * LC1 + M2 * L1) * G;
const DD2_TERM = M2 * L1 * LC2;
const DD2_DEN_CONST = M2 * LC2 * LC2 + I2;

export const ACROBOT_DT = 0.2;
export const MAX_VEL_1 = 4 * Math.PI;
export const MAX_VEL_2 = 9 * Math.PI;

/** The constants of the formulas below, by name (for kernels generated from them, src/optim/formula.ts). */
export const ACROBOT = {
  ...{ M2, I1, I2, HALF_PI, D1_CONST_A, D1_CONST_B, D1_COS, D2_CONST, D2_COS, PHI2_COEF },
  ...{ PHI1_A, PHI1_B, PHI1_C, DD2_TERM, DD2_DEN_CONST, ACROBOT_DT, MAX_VEL_1, MAX_VEL_2 },
};

// The derivative's terms (formulas of the header), each written once for the env and its gpu kernel.
export function acrobotD1(cos2: number): number {
  return D1_CONST_A + M2 * (D1_CONST_B + D1_COS * cos2) + I1 + I2;
}
export function acrobotD2(cos2: number): number {
  return M2 * (D2_CONST + D2_COS * cos2) + I2;
}
export function acrobotPhi2(t1: number, t2: number): number {
  return PHI2_COEF * Math.cos(t1 + t2 - HALF_PI);
}
export function acrobotPhi1(t1: number, sin2: number, dt1: number, dt2: number, phi2: number): number {
  return PHI1_A * (dt2 * dt2) * sin2 - PHI1_B * dt2 * dt1 * sin2 + PHI1_C * Math.cos(t1 - HALF_PI) + phi2;
}
/** θ̈2's numerator, book dynamics (nips drops the θ̇1² term). */
export function acrobotNumerator(
  tau: number,
  d1: number,
  d2: number,
  phi1: number,
  phi2: number,
  dt1: number,
  sin2: number,
): number {
  return tau + (d2 / d1) * phi1 - DD2_TERM * (dt1 * dt1) * sin2 - phi2;
}
export function acrobotDdt2(numerator: number, d1: number, d2: number): number {
  return numerator / (DD2_DEN_CONST - (d2 * d2) / d1);
}
export function acrobotDdt1(d1: number, d2: number, ddt2: number, phi1: number): number {
  return -(d2 * ddt2 + phi1) / d1;
}

/** Scratch output of {@link acrobotAccelerations}: [θ̈1, θ̈2]. */
const acc = new Float64Array(2);

/** θ̈1, θ̈2 of the book (or nips) dynamics into `acc`. */
function acrobotAccelerations(
  t1: number,
  cos2: number,
  sin2: number,
  t2: number,
  dt1: number,
  dt2: number,
  tau: number,
  nips: boolean,
): void {
  const d1 = acrobotD1(cos2);
  const d2 = acrobotD2(cos2);
  const phi2 = acrobotPhi2(t1, t2);
  const phi1 = acrobotPhi1(t1, sin2, dt1, dt2, phi2);
  const num = nips ? tau + (d2 / d1) * phi1 - phi2 : acrobotNumerator(tau, d1, d2, phi1, phi2, dt1, sin2);
  const ddt2 = acrobotDdt2(num, d1, d2);
  acc[0] = acrobotDdt1(d1, d2, ddt2, phi1);
  acc[1] = ddt2;
}

/** Each of [θ1, θ2, θ̇1, θ̇2] at s[o … o + 3] drawn U(low, high), rounded to float32 (both acrobots' reset). */
export function acrobotReset(s: Float64Array, o: number, rng: Rng, low = -0.1, high = 0.1): void {
  for (let i = 0; i < 4; i++) s[o + i] = f32(low + (high - low) * rng.uniform());
}

/**
 * Advances [θ1, θ2, θ̇1, θ̇2] at s[o … o + 3] in place by one RK4 step of {@link ACROBOT_DT} under torque
 * `tau`, then wraps the angles and bounds the velocities (no bounding inside the stages).
 * `cos2`/`sin2` may pass cos θ2 and sin θ2 of the current state when the caller already has
 * them (exactly Math.cos/Math.sin of s[o + 1]); otherwise they are computed.
 */
export function acrobotStep(
  s: Float64Array,
  o: number,
  tau: number,
  nips = false,
  cos2 = Math.cos(s[o + 1]),
  sin2 = Math.sin(s[o + 1]),
): void {
  const h = ACROBOT_DT - 0;
  const h2 = h / 2.0;
  const h6 = h / 6.0;
  const t1 = s[o];
  const t2 = s[o + 1];
  const w1 = s[o + 2];
  const w2 = s[o + 3];

  // Stage k: y_k = y + offset·k_{k−1} (offsets 0, h/2, h/2, h); the sums k1 + 2k2 + 2k3 + k4 left to right.
  let ya = t1;
  let yb = t2;
  let yc = w1;
  let yd = w2;
  let sa = 0;
  let sb = 0;
  let sc = 0;
  let sd = 0;
  for (let stage = 0; stage < 4; stage++) {
    if (stage > 0) {
      cos2 = Math.cos(yb);
      sin2 = Math.sin(yb);
    }
    acrobotAccelerations(ya, cos2, sin2, yb, yc, yd, tau, nips);
    const kc = acc[0];
    const kd = acc[1];
    const w = stage === 3 ? 1 : 2;
    sa = stage === 0 ? yc : sa + w * yc;
    sb = stage === 0 ? yd : sb + w * yd;
    sc = stage === 0 ? kc : sc + w * kc;
    sd = stage === 0 ? kd : sd + w * kd;
    const offset = stage < 2 ? h2 : h;
    ya = t1 + offset * yc;
    yb = t2 + offset * yd;
    yc = w1 + offset * kc;
    yd = w2 + offset * kd;
  }
  s[o] = wrapAngle(t1 + h6 * sa);
  s[o + 1] = wrapAngle(t2 + h6 * sb);
  s[o + 2] = bound(w1 + h6 * sc, MAX_VEL_1);
  s[o + 3] = bound(w2 + h6 * sd, MAX_VEL_2);
}

const TWO_PI_RANGE = Math.PI - -Math.PI;

/** Gym's `wrap(x, −π, π)`: subtract 2π while x > π, add 2π while x < −π (±π stay). */
export function wrapAngle(x: number): number {
  while (x > Math.PI) x -= TWO_PI_RANGE;
  while (x < -Math.PI) x += TWO_PI_RANGE;
  return x;
}

function bound(x: number, limit: number): number {
  return x < -limit ? -limit : x > limit ? limit : x;
}

/** The goal test of both acrobots: −cos θ1 − cos(θ2 + θ1) > 1 (tip above the bar by one link). */
export function acrobotReachedGoal(s: Float64Array, o: number): boolean {
  return -Math.cos(s[o]) - Math.cos(s[o + 1] + s[o]) > 1.0;
}
