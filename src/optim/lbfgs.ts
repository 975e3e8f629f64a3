import type { Parameter } from "./parameter.js";

export interface LbfgsOptions {
  /** Step size multiplier (torch `lr`, default 1). */
  lr?: number;
  /** Iterations per {@link Lbfgs.step} (default 20). */
  maxIter?: number;
  /** Closure evaluations per step (default ⌊maxIter·5/4⌋). */
  maxEval?: number;
  /** Stop when max|g| ≤ this (default 1e-7). */
  toleranceGrad?: number;
  /** Stop on loss / step / directional-derivative changes below this (default 1e-9). */
  toleranceChange?: number;
  /** Curvature pairs kept (default 100). */
  historySize?: number;
  /** "strongWolfe" (torch's `line_search_fn="strong_wolfe"`) or "none" (fixed step lr). Default "strongWolfe". */
  lineSearch?: "strongWolfe" | "none";
}

/**
 * Evaluates the objective at the current parameter values: returns f and leaves ∇f in every
 * parameter's `grad` (the closure zeroes the gradients first, like torch closures do).
 */
export type LbfgsClosure = () => number;

/** Counters of the persistent state (torch's `state["n_iter"]`, `state["func_evals"]`, history length). */
export interface LbfgsCounters {
  nIter: number;
  funcEvals: number;
  historyLength: number;
}

/** Everything {@link Lbfgs} keeps between steps, as plain JSON (for checkpoints). */
export interface LbfgsState {
  readonly kind: "lbfgs";
  readonly size: number;
  readonly d: number[] | null;
  readonly t: number;
  readonly oldDirs: number[][];
  readonly oldStps: number[][];
  readonly ro: number[];
  readonly hDiag: number;
  readonly prevFlatGrad: number[] | null;
  readonly prevLoss: number;
  readonly nIter: number;
  readonly funcEvals: number;
}

/**
 * L-BFGS exactly as `torch.optim.LBFGS` (torch 1.13) computes it, over the concatenation x of
 * the parameters (docs/tensor-pg.md):
 *
 *   first iteration ever: d = −g, H₀ = 1, step t = min(1, 1/‖g‖₁)·lr;
 *   later: y = g − g_prev, s = t·d; if yᵀs > 1e-10 the pair is stored (oldest dropped past
 *   `historySize`) and H₀ = yᵀs / yᵀy; d = −H g by the two-loop recursion; t = lr;
 *   stop when gᵀd > −toleranceChange; line search along d (strong Wolfe, c₁ = 1e-4, c₂ = 0.9,
 *   ≤ 25 evaluations, cubic interpolation, zoom) or a fixed step; x ← x + t·d;
 *   stop after maxIter iterations or maxEval evaluations, when max|g| ≤ toleranceGrad,
 *   max|t·d| ≤ toleranceChange or |f − f_prev| < toleranceChange.
 *
 * Like torch, the direction, step, history, H₀ and previous gradient persist across
 * {@link step} calls: the first iteration of a later call forms its curvature pair from the
 * previous call's last step and the gradient change since, even when the objective changed
 * (new data, another block of parameters).
 */
export class Lbfgs {
  readonly params: readonly Parameter[];
  readonly lr: number;
  readonly maxIter: number;
  readonly maxEval: number;
  readonly toleranceGrad: number;
  readonly toleranceChange: number;
  readonly historySize: number;
  readonly lineSearch: "strongWolfe" | "none";
  /** n, the length of x. */
  readonly size: number;

  private d: Float64Array | null = null;
  private t = 0;
  private oldDirs: Float64Array[] = [];
  private oldStps: Float64Array[] = [];
  private ro: number[] = [];
  private hDiag = 1;
  private prevFlatGrad: Float64Array | null = null;
  private prevLoss = 0;
  private nIterTotal = 0;
  /** Scratch for the next curvature pair (y, s). */
  private yNext: Float64Array | null = null;
  private sNext: Float64Array | null = null;
  private funcEvalsTotal = 0;

  constructor(params: readonly Parameter[], options: LbfgsOptions = {}) {
    if (params.length === 0) throw new RangeError("Lbfgs: needs at least one parameter");
    this.params = [...params];
    this.lr = options.lr ?? 1;
    this.maxIter = options.maxIter ?? 20;
    this.maxEval = options.maxEval ?? Math.floor((this.maxIter * 5) / 4);
    this.toleranceGrad = options.toleranceGrad ?? 1e-7;
    this.toleranceChange = options.toleranceChange ?? 1e-9;
    this.historySize = options.historySize ?? 100;
    this.lineSearch = options.lineSearch ?? "strongWolfe";
    const positive = (v: number, name: string, integer: boolean): void => {
      if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v))))
        throw new RangeError(
          `Lbfgs: ${name} must be ${integer ? "an integer" : "a finite number"} > 0, got ${v}`,
        );
    };
    positive(this.lr, "lr", false);
    positive(this.maxIter, "maxIter", true);
    positive(this.maxEval, "maxEval", true);
    positive(this.historySize, "historySize", true);
    if (!(this.toleranceGrad >= 0))
      throw new RangeError(`Lbfgs: toleranceGrad must be >= 0, got ${this.toleranceGrad}`);
    if (!(this.toleranceChange >= 0))
      throw new RangeError(`Lbfgs: toleranceChange must be >= 0, got ${this.toleranceChange}`);
    if (this.lineSearch !== "strongWolfe" && this.lineSearch !== "none")
      throw new RangeError(
        `Lbfgs: lineSearch must be "strongWolfe" or "none", got ${String(this.lineSearch)}`,
      );
    this.size = this.params.reduce((n, p) => n + p.data.length, 0);
  }

  /** Persistent counters (for tests and logs). */
  counters(): LbfgsCounters {
    return { nIter: this.nIterTotal, funcEvals: this.funcEvalsTotal, historyLength: this.oldDirs.length };
  }

  /** The persistent state as plain arrays (a copy). */
  getState(): LbfgsState {
    const arr = (a: Float64Array | null): number[] | null => (a === null ? null : Array.from(a));
    return {
      kind: "lbfgs",
      size: this.size,
      d: arr(this.d),
      t: this.t,
      oldDirs: this.oldDirs.map((a) => Array.from(a)),
      oldStps: this.oldStps.map((a) => Array.from(a)),
      ro: [...this.ro],
      hDiag: this.hDiag,
      prevFlatGrad: arr(this.prevFlatGrad),
      prevLoss: this.prevLoss,
      nIter: this.nIterTotal,
      funcEvals: this.funcEvalsTotal,
    };
  }

  /** Restores {@link getState}'s output; validates everything first (one-line errors naming the field). */
  setState(state: LbfgsState): void {
    const n = this.size;
    const who = "Lbfgs.setState";
    if (!state || state.kind !== "lbfgs")
      throw new TypeError(`${who}: expected an L-BFGS state (kind "lbfgs")`);
    if (state.size !== n)
      throw new RangeError(`${who}: size must be ${n} (the parameters' length), got ${state.size}`);
    const vec = (a: unknown, name: string, nullable: boolean): Float64Array | null => {
      if (a === null && nullable) return null;
      if (!Array.isArray(a) || a.length !== n) throw new RangeError(`${who}: ${name} must hold ${n} numbers`);
      return Float64Array.from(a as number[]);
    };
    const m = state.oldDirs?.length;
    if (
      !Array.isArray(state.oldDirs) ||
      !Array.isArray(state.oldStps) ||
      state.oldStps.length !== m ||
      state.ro?.length !== m
    )
      throw new RangeError(`${who}: oldDirs, oldStps and ro must be lists of the same length`);
    if (m > this.historySize)
      throw new RangeError(`${who}: history of ${m} pairs exceeds historySize ${this.historySize}`);
    for (const [k, v] of Object.entries({ nIter: state.nIter, funcEvals: state.funcEvals }))
      if (!Number.isInteger(v) || v < 0)
        throw new RangeError(`${who}: ${k} must be an integer >= 0, got ${v}`);
    const d = vec(state.d, "d", true);
    const prev = vec(state.prevFlatGrad, "prevFlatGrad", true);
    const dirs = state.oldDirs.map((a, k) => vec(a, `oldDirs[${k}]`, false)!);
    const stps = state.oldStps.map((a, k) => vec(a, `oldStps[${k}]`, false)!);
    this.d = d;
    this.t = state.t;
    this.oldDirs = dirs;
    this.oldStps = stps;
    this.ro = [...state.ro];
    this.hDiag = state.hDiag;
    this.prevFlatGrad = prev;
    this.prevLoss = state.prevLoss;
    this.nIterTotal = state.nIter;
    this.funcEvalsTotal = state.funcEvals;
  }

  /** Forgets the history, direction and counters (a fresh optimizer). */
  reset(): void {
    this.d = null;
    this.t = 0;
    this.oldDirs = [];
    this.oldStps = [];
    this.ro = [];
    this.hDiag = 1;
    this.prevFlatGrad = null;
    this.prevLoss = 0;
    this.nIterTotal = 0;
    this.funcEvalsTotal = 0;
  }

  private gatherGrad(out: Float64Array): Float64Array {
    let o = 0;
    for (const p of this.params) {
      out.set(p.grad, o);
      o += p.grad.length;
    }
    return out;
  }

  private gatherData(out: Float64Array): Float64Array {
    let o = 0;
    for (const p of this.params) {
      out.set(p.data, o);
      o += p.data.length;
    }
    return out;
  }

  private setData(x: Float64Array): void {
    let o = 0;
    for (const p of this.params) {
      p.data.set(x.subarray(o, o + p.data.length));
      o += p.data.length;
    }
  }

  /** p ← p + step·update, parameter by parameter (torch's `_add_grad`). */
  private addScaled(step: number, update: Float64Array): void {
    let o = 0;
    for (const p of this.params) {
      const a = p.data;
      for (let i = 0; i < a.length; i++) a[i] += step * update[o + i];
      o += a.length;
    }
  }

  /** One `torch.optim.LBFGS.step(closure)`: up to maxIter iterations; returns the loss at entry. */
  step(closure: LbfgsClosure): number {
    const n = this.size;
    const origLoss = closure();
    let loss = origLoss;
    let currentEvals = 1;
    this.funcEvalsTotal += 1;
    let flatGrad = this.gatherGrad(new Float64Array(n));
    if (maxAbs(flatGrad) <= this.toleranceGrad) return origLoss;

    let d = this.d;
    let t = this.t;
    let hDiag = this.hDiag;
    let prevFlatGrad = this.prevFlatGrad;
    let prevLoss = this.prevLoss;
    const xInit = new Float64Array(n);
    let nIter = 0;
    while (nIter < this.maxIter) {
      nIter++;
      this.nIterTotal++;
      if (this.nIterTotal === 1) {
        d = new Float64Array(n);
        for (let i = 0; i < n; i++) d[i] = -flatGrad[i];
        this.oldDirs = [];
        this.oldStps = [];
        this.ro = [];
        hDiag = 1;
      } else {
        const dd = d!;
        // y and s into scratch arrays; a stored pair keeps them, and a dropped one's become the scratch
        if (this.yNext === null || this.yNext.length !== n) {
          this.yNext = new Float64Array(n);
          this.sNext = new Float64Array(n);
        }
        const y = this.yNext;
        const s = this.sNext!;
        // y, s, yᵀs and yᵀy in one loop (each sum in index order, as dot)
        let ys = 0;
        let yy = 0;
        for (let i = 0; i < n; i++) {
          const yi = flatGrad[i] - prevFlatGrad![i];
          const si = dd[i] * t;
          y[i] = yi;
          s[i] = si;
          ys += yi * si;
          yy += yi * yi;
        }
        if (ys > 1e-10) {
          if (this.oldDirs.length === this.historySize) {
            this.yNext = this.oldDirs.shift()!;
            this.sNext = this.oldStps.shift()!;
            this.ro.shift();
          } else {
            this.yNext = null;
            this.sNext = null;
          }
          this.oldDirs.push(y);
          this.oldStps.push(s);
          this.ro.push(1.0 / ys);
          hDiag = ys / yy;
        }
        d = twoLoop(flatGrad, this.oldDirs, this.oldStps, this.ro, hDiag);
      }
      if (prevFlatGrad === null) prevFlatGrad = Float64Array.from(flatGrad);
      else prevFlatGrad.set(flatGrad);
      prevLoss = loss;

      t = this.nIterTotal === 1 ? Math.min(1.0, 1.0 / sumAbs(flatGrad)) * this.lr : this.lr;
      const gtd = dot(flatGrad, d!);
      if (gtd > -this.toleranceChange) break;

      let lsFuncEvals = 0;
      let optCond = false;
      if (this.lineSearch === "strongWolfe") {
        this.gatherData(xInit);
        const dir = d!;
        const obj = (step: number): [number, Float64Array] => {
          this.addScaled(step, dir);
          const f = closure();
          const g = this.gatherGrad(new Float64Array(n));
          this.setData(xInit);
          return [f, g];
        };
        const res = strongWolfe(obj, t, dir, loss, flatGrad, gtd, this.toleranceChange);
        loss = res.f;
        flatGrad = res.g;
        t = res.t;
        lsFuncEvals = res.evals;
        this.addScaled(t, dir);
        optCond = maxAbs(flatGrad) <= this.toleranceGrad;
      } else {
        this.addScaled(t, d!);
        if (nIter !== this.maxIter) {
          loss = closure();
          flatGrad = this.gatherGrad(new Float64Array(n));
          optCond = maxAbs(flatGrad) <= this.toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      this.funcEvalsTotal += lsFuncEvals;

      if (nIter === this.maxIter) break;
      if (currentEvals >= this.maxEval) break;
      if (optCond) break;
      let stepMax = 0;
      for (let i = 0; i < n; i++) stepMax = Math.max(stepMax, Math.abs(d![i] * t));
      if (stepMax <= this.toleranceChange) break;
      if (Math.abs(loss - prevLoss) < this.toleranceChange) break;
    }
    this.d = d;
    this.t = t;
    this.hDiag = hDiag;
    this.prevFlatGrad = prevFlatGrad;
    this.prevLoss = prevLoss;
    return origLoss;
  }
}

/**
 * The two-loop recursion d = −H g (torch's order): q = −g; for k = m−1 … 0: α_k = ρ_k s_kᵀq,
 * q −= α_k y_k; r = H₀ q; for k = 0 … m−1: β = ρ_k y_kᵀr, r += (α_k − β) s_k. Each vector update is
 * fused with the next dot product's loop (the same operations in the same order per entry; each
 * dot still sums in index order).
 */
function twoLoop(
  g: Float64Array,
  dirs: readonly Float64Array[],
  stps: readonly Float64Array[],
  ro: readonly number[],
  hDiag: number,
): Float64Array {
  const n = g.length;
  const m = dirs.length;
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) q[i] = -g[i];
  if (m === 0) {
    for (let i = 0; i < n; i++) q[i] = q[i] * hDiag;
    return q;
  }
  const al = new Float64Array(m);
  // first loop: α_{m−1} from q = −g, then (q −= α_{k+1} y_{k+1}; α_k = ρ_k s_kᵀq) fused
  al[m - 1] = dot(stps[m - 1], q) * ro[m - 1];
  for (let k = m - 2; k >= 0; k--) {
    const a = al[k + 1];
    const yk1 = dirs[k + 1];
    const sk = stps[k];
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const v = q[i] + -a * yk1[i];
      q[i] = v;
      acc += sk[i] * v;
    }
    al[k] = acc * ro[k];
  }
  // q −= α_0 y_0; r = H₀ q; β_0 = ρ_0 y_0ᵀr, fused
  const r = q;
  {
    const a = al[0];
    const y0 = dirs[0];
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const v = (q[i] + -a * y0[i]) * hDiag;
      r[i] = v;
      acc += y0[i] * v;
    }
    let be = acc * ro[0];
    // second loop: (r += (α_k − β_k) s_k; β_{k+1} = ρ_{k+1} y_{k+1}ᵀr) fused
    for (let k = 0; k < m - 1; k++) {
      const c = al[k] - be;
      const sk = stps[k];
      const yk1 = dirs[k + 1];
      let acc2 = 0;
      for (let i = 0; i < n; i++) {
        const v = r[i] + c * sk[i];
        r[i] = v;
        acc2 += yk1[i] * v;
      }
      be = acc2 * ro[k + 1];
    }
    const c = al[m - 1] - be;
    const sl = stps[m - 1];
    for (let i = 0; i < n; i++) r[i] += c * sl[i];
  }
  return r;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m || v !== v) m = v;
  }
  return m;
}

function sumAbs(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]);
  return s;
}

/**
 * The minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds
 * (default [min(x1,x2), max(x1,x2)]); the bounds' midpoint when the cubic has no real minimizer.
 */
export function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: readonly [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos =
      x1 <= x2
        ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * torch's `_strong_wolfe` line search from x along d: bracketing then zoom with cubic
 * interpolation; returns the accepted (f, g, t) and the evaluations spent.
 */
function strongWolfe(
  obj: (t: number) => [number, Float64Array],
  t0: number,
  d: Float64Array,
  f: number,
  g: Float64Array,
  gtd: number,
  toleranceChange: number,
  c1 = 1e-4,
  c2 = 0.9,
  maxLs = 25,
): { f: number; g: Float64Array; t: number; evals: number } {
  let t = t0;
  const dNorm = maxAbs(d);
  let [fNew, gNew] = obj(t);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0;
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: number[] = [];
  let bracketF: number[] = [];
  let bracketG: Float64Array[] = [];
  let bracketGtd: number[] = [];
  while (lsIter < maxLs) {
    if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      bracket = [t];
      bracketF = [fNew];
      bracketG = [gNew];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      bracket = [tPrev, t];
      bracketF = [fPrev, fNew];
      bracketG = [gPrev, gNew];
      bracketGtd = [gtdPrev, gtdNew];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    bracket = [0, t];
    bracketF = [f, fNew];
    bracketG = [g, gNew];
    // torch keeps the bracket_gtd of the last bracketing branch here (none when no branch ran).
  }
  let insufProgress = false;
  let [lowPos, highPos] = bracketF[0] <= bracketF[bracketF.length - 1] ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bracketF[0], bracketGtd[0], bracket[1], bracketF[1], bracketGtd[1]);
    const bMax = Math.max(bracket[0], bracket[1]);
    const bMin = Math.min(bracket[0], bracket[1]);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = obj(t);
    evals++;
    gtdNew = dot(gNew, d);
    lsIter++;
    if (fNew > f + c1 * t * gtd || fNew >= bracketF[lowPos]) {
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew;
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0] <= bracketF[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[highPos] - bracket[lowPos]) >= 0) {
        bracket[highPos] = bracket[lowPos];
        bracketF[highPos] = bracketF[lowPos];
        bracketG[highPos] = bracketG[lowPos];
        bracketGtd[highPos] = bracketGtd[lowPos];
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew;
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return { f: bracketF[lowPos], g: bracketG[lowPos], t: bracket[lowPos], evals };
}
