/**
 * The element-wise update rules of Adam, RMSProp and SGD as torch computes them
 * (docs/optimizers.md): each formula once, as a pure function of numbers whose evaluation order
 * is torch's. Three paths run these same definitions:
 *   - the scalar JS loops below call them (V8 inlines them);
 *   - the f64x2 WebAssembly kernels (wasm-update-kernels.ts) are generated from their source text;
 *   - the gpu.js Adam kernel (src/factor/backend/gpu-kernels.ts) is generated from it too (float32).
 * Hence the formula functions must stay in the form formula.ts reads: one `return` of parameters,
 * `+ − × ÷` and `Math.sqrt`.
 */

/** A flat float array the loops update in place. */
export type Floats = Float64Array | Float32Array;

/** g + λp: the gradient with L2 weight decay λ (torch adds it before the moments). */
export function decayedGradient(g: number, p: number, weightDecay: number): number {
  return g + weightDecay * p;
}

/** m ← β₁m + (1−β₁)g. */
export function adamFirstMoment(m: number, g: number, beta1: number, oneMinusBeta1: number): number {
  return m * beta1 + oneMinusBeta1 * g;
}

/** v ← β₂v + ((1−β₂)g)g. */
export function adamSecondMoment(v: number, g: number, beta2: number, oneMinusBeta2: number): number {
  return v * beta2 + oneMinusBeta2 * g * g;
}

/** p ← p − stepSize·(m / (√v / √(1−β₂ᵗ) + ε)): both divisions stay divisions, as in torch. */
export function adamParameter(
  p: number,
  m: number,
  v: number,
  stepSize: number,
  biasCorrection2Sqrt: number,
  eps: number,
): number {
  return p - stepSize * (m / (Math.sqrt(v) / biasCorrection2Sqrt + eps));
}

/** s ← αs + ((1−α)g)g. */
export function rmspropSquareAverage(s: number, g: number, alpha: number, oneMinusAlpha: number): number {
  return alpha * s + oneMinusAlpha * g * g;
}

/** Centered RMSProp's ḡ ← αḡ + (1−α)g. */
export function rmspropGradAverage(a: number, g: number, alpha: number, oneMinusAlpha: number): number {
  return alpha * a + oneMinusAlpha * g;
}

/** Centered RMSProp's s − ḡ², which takes the place of s under the root. */
export function rmspropCenteredSquare(s: number, a: number): number {
  return s - a * a;
}

/** p ← p − (lr·g) / (√s + ε). */
export function rmspropParameter(p: number, g: number, s: number, lr: number, eps: number): number {
  return p - (lr * g) / (Math.sqrt(s) + eps);
}

/** SGD's momentum buffer b ← μb + g (torch sets b = g on the first step instead). */
export function sgdMomentum(b: number, g: number, momentum: number): number {
  return momentum * b + g;
}

/** p ← p − lr·d, with d the gradient or the momentum buffer. */
export function sgdParameter(p: number, d: number, lr: number): number {
  return p - lr * d;
}

/** Adam's hyper-parameters (a step's configuration in the factor backends). */
export type AdamHyperparameters = {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay?: number;
};

/** Throws a RangeError (message prefixed by `who`, e.g. "Adam: ") naming an out-of-range hyper-parameter. */
export function checkAdamHyperparameters(h: AdamHyperparameters, who: string): void {
  const bad = (field: string, rule: string, value: number): never => {
    throw new RangeError(`${who}${field} must be ${rule}, got ${value}`);
  };
  if (!(Number.isFinite(h.lr) && h.lr > 0)) bad("lr", "a finite number > 0", h.lr);
  if (!(h.beta1 >= 0 && h.beta1 < 1)) bad("beta1", "in [0, 1)", h.beta1);
  if (!(h.beta2 >= 0 && h.beta2 < 1)) bad("beta2", "in [0, 1)", h.beta2);
  if (!(h.eps >= 0)) bad("eps", ">= 0", h.eps);
}

/**
 * The scalars of Adam's step t ≥ 1, the same for every element: stepSize = lr / (1 − β₁ᵗ) and
 * biasCorrection2Sqrt = √(1 − β₂ᵗ) are torch's bias corrections. Their order is the order of the
 * f64x2 kernel's scalar arguments.
 */
export function adamCoefficients(h: AdamHyperparameters, t: number) {
  return {
    stepSize: h.lr / (1 - Math.pow(h.beta1, t)),
    beta1: h.beta1,
    oneMinusBeta1: 1 - h.beta1,
    beta2: h.beta2,
    oneMinusBeta2: 1 - h.beta2,
    biasCorrection2Sqrt: Math.sqrt(1 - Math.pow(h.beta2, t)),
    eps: h.eps,
    weightDecay: h.weightDecay ?? 0,
  };
}
export type AdamCoefficients = ReturnType<typeof adamCoefficients>;

/**
 * One Adam step on entries [from, to) of parameter p with gradient g and moments m, v, in place;
 * with a `mask`, entries whose mask is 0 are left untouched (moments included).
 */
export function adamRange(
  p: Floats,
  g: Floats,
  m: Floats,
  v: Floats,
  from: number,
  to: number,
  c: AdamCoefficients,
  mask: Floats | null = null,
): void {
  if (mask !== null) {
    // The runs of entries with a nonzero mask, each an unmasked step.
    let i = from;
    while (i < to) {
      while (i < to && mask[i] === 0) i++;
      let j = i;
      while (j < to && mask[j] !== 0) j++;
      if (i < j) adamRange(p, g, m, v, i, j, c);
      i = j;
    }
    return;
  }
  const { stepSize, beta1, oneMinusBeta1, beta2, oneMinusBeta2, biasCorrection2Sqrt, eps, weightDecay } = c;
  for (let i = from; i < to; i++) {
    const pi = p[i];
    const gi = weightDecay === 0 ? g[i] : decayedGradient(g[i], pi, weightDecay);
    const mi = adamFirstMoment(m[i], gi, beta1, oneMinusBeta1);
    const vi = adamSecondMoment(v[i], gi, beta2, oneMinusBeta2);
    m[i] = mi;
    v[i] = vi;
    p[i] = adamParameter(pi, mi, vi, stepSize, biasCorrection2Sqrt, eps);
  }
}

/** The scalars of an RMSProp step (in the order of the kernel's scalar arguments). */
export function rmspropCoefficients(lr: number, alpha: number, eps: number) {
  return { lr, alpha, oneMinusAlpha: 1 - alpha, eps };
}
export type RmsPropCoefficients = ReturnType<typeof rmspropCoefficients>;

/** One RMSProp step on entries [from, to), in place; centered when the gradient average `a` is given. */
export function rmspropRange(
  p: Floats,
  g: Floats,
  s: Floats,
  a: Floats | null,
  from: number,
  to: number,
  c: RmsPropCoefficients,
): void {
  const { lr, alpha, oneMinusAlpha, eps } = c;
  for (let i = from; i < to; i++) {
    const gi = g[i];
    const si = rmspropSquareAverage(s[i], gi, alpha, oneMinusAlpha);
    s[i] = si;
    let square = si;
    if (a !== null) {
      const ai = rmspropGradAverage(a[i], gi, alpha, oneMinusAlpha);
      a[i] = ai;
      square = rmspropCenteredSquare(si, ai);
    }
    p[i] = rmspropParameter(p[i], gi, square, lr, eps);
  }
}

/** The scalars of an SGD step (in the order of the kernel's scalar arguments). */
export type SgdCoefficients = { lr: number; momentum: number };

/** One SGD step on entries [from, to), in place; with momentum when the buffer `b` is given. */
export function sgdRange(
  p: Floats,
  g: Floats,
  b: Floats | null,
  from: number,
  to: number,
  c: SgdCoefficients,
): void {
  const { lr, momentum } = c;
  for (let i = from; i < to; i++) {
    let d = g[i];
    if (b !== null) {
      d = sgdMomentum(b[i], d, momentum);
      b[i] = d;
    }
    p[i] = sgdParameter(p[i], d, lr);
  }
}
