/**
 * A hand-fused LRPG pendulum training loop: the paper's preset (K = 4, actor grid 10×10 and critic
 * grid 16×16 over θ ∈ [−1, 1] × θ̇ ∈ [−5, 5], Adam lr 1e-2 / 1e-1, γ = 0.99, T = 100) written as one
 * function on typed arrays and local doubles, with no library call in the loop: both xoroshiro128+
 * generators on local int32 words, the grid snap, μ and V dot products, Box–Muller, the pendulum
 * step, the REINFORCE-with-baseline gradients and both Adams (torch's formulas) inlined.
 *
 * It is the yardstick of `npm run bench` (bench/suites/lrpg.ts): the library's pendulum training
 * is reported as a ratio of this loop's steps per CPU-second in the same run. It must follow the
 * same trajectories to the bit (test/bench/lrpg-probe.test.ts), so its arithmetic mirrors the
 * library's expression by expression; only what a hand-written loop may hoist is hoisted
 * (log σ, σ², the Adam bias corrections).
 */

/** Where the probe starts: the agent's initial factors (internal layouts, copied) and both generators. */
export interface ProbeStart {
  /** L_μ 10×4, R_μ 10×4, L_v 16×4, R_v 16×4, row-major (R as M×K). */
  muL: Float64Array;
  muR: Float64Array;
  vL: Float64Array;
  vR: Float64Array;
  /** ρ = log σ. */
  logSigma: number;
  /** The run's generator (actions): xoroshiro128+ words and the Box–Muller spare (NaN: none). */
  words: ArrayLike<number>;
  spare: number;
  /** The env's generator (initial states). */
  envWords: ArrayLike<number>;
}

export interface ProbeResult {
  returns: Float64Array;
  /** Per episode: actor loss, critic loss. */
  losses: Float64Array;
  steps: number;
  /** The final factors and ρ (the start's arrays, updated in place). */
  start: ProbeStart;
}

const K = 4;
const T = 100;
const GAMMA = 0.99;
const LR_ACTOR = 1e-2;
const LR_CRITIC = 1e-1;
const B1 = 0.9;
const B2 = 0.999;
const EPS = 1e-8;
const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));
const INV53 = 1 / 9007199254740992;

/** Trains `episodes` episodes from `start` (whose arrays it updates). */
export function runPendulumProbe(start: ProbeStart, episodes: number): ProbeResult {
  const { muL, muR, vL, vR } = start;
  let rho = start.logSigma;
  // The generators: [s01, s00, s11, s10] of pure-rand's xoroshiro128+.
  const g = Int32Array.from(start.words);
  const e = Int32Array.from(start.envWords);
  let spare = start.spare;
  const next = (w: Int32Array): number => {
    const s01 = w[0];
    const s00 = w[1];
    const s11 = w[2];
    const s10 = w[3];
    const a0 = s10 ^ s00;
    const a1 = s11 ^ s01;
    w[1] = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
    w[0] = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
    w[3] = (a1 << 5) ^ (a0 >>> 27);
    w[2] = (a0 << 5) ^ (a1 >>> 27);
    return (s00 + s10) | 0;
  };
  const uniform = (w: Int32Array): number => ((next(w) >>> 5) * 67108864 + (next(w) >>> 6)) * INV53;
  const round = (x: number): number => {
    const f = Math.floor(x);
    const d = x - f;
    return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  };
  const snap = (x: number, lo: number, hi: number, steps: number): number =>
    round((((x < lo ? lo : x > hi ? hi : x) - lo) / (hi - lo)) * steps);

  const th = new Float64Array(T);
  const thd = new Float64Array(T);
  const act = new Float64Array(T);
  const rew = new Float64Array(T);
  const cellA = new Int32Array(T);
  const cellC = new Int32Array(T);
  const Z = new Float64Array(T);
  const V = new Float64Array(T);
  const G = new Float64Array(T);
  const gmuL = new Float64Array(muL.length);
  const gmuR = new Float64Array(muR.length);
  const gvL = new Float64Array(vL.length);
  const gvR = new Float64Array(vR.length);
  const mom = [muL, muR, [0], vL, vR].map((p) => [new Float64Array(p.length), new Float64Array(p.length)]);
  const returns = new Float64Array(episodes);
  const losses = new Float64Array(2 * episodes);
  let steps = 0;

  const adam = (p: Float64Array, gr: Float64Array, q: number, lr: number, t: number): void => {
    const [m, v] = mom[q];
    const stepSize = lr / (1 - Math.pow(B1, t));
    const bc2 = Math.sqrt(1 - Math.pow(B2, t));
    for (let i = 0; i < p.length; i++) {
      const gi = gr[i];
      const mi = m[i] * B1 + (1 - B1) * gi;
      const vi = v[i] * B2 + (1 - B2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] - stepSize * (mi / (Math.sqrt(vi) / bc2 + EPS));
    }
  };
  const rhoBox = new Float64Array(1);
  const gRhoBox = new Float64Array(1);

  for (let ep = 0; ep < episodes; ep++) {
    const sigma = Math.exp(rho);
    let x0 = uniform(e) / 100;
    let x1 = uniform(e) / 100;
    let n = 0;
    let ret = 0;
    while (n < T) {
      th[n] = x0;
      thd[n] = x1;
      const fa = snap(x0, -1, 1, 9) * 10 + snap(x1, -5, 5, 9);
      const ia = ((fa / 10) | 0) * K;
      const ja = (fa - ((fa / 10) | 0) * 10) * K;
      let z = 0;
      for (let k = 0; k < K; k++) z += muL[ia + k] * muR[ja + k];
      let eps: number;
      if (spare === spare) {
        eps = spare;
        spare = NaN;
      } else {
        let u = 0;
        while (u === 0) u = uniform(g);
        const v = uniform(g);
        const r = Math.sqrt(-2 * Math.log(u));
        spare = r * Math.sin(2 * Math.PI * v);
        eps = r * Math.cos(2 * Math.PI * v);
      }
      const a = z + sigma * eps;
      if (a - a !== 0) throw new RangeError(`probe: non-finite action ${a}`);
      const fc = snap(x0, -1, 1, 15) * 16 + snap(x1, -5, 5, 15);
      const ic = ((fc / 16) | 0) * K;
      const jc = (fc - ((fc / 16) | 0) * 16) * K;
      let val = 0;
      for (let k = 0; k < K; k++) val += vL[ic + k] * vR[jc + k];
      cellA[n] = fa;
      cellC[n] = fc;
      Z[n] = z;
      V[n] = val;
      act[n] = a;
      // The paper's pendulum: reward at the pre-step state, semi-implicit Euler, clip θ̇ after.
      const u = a < -2 ? -2 : a > 2 ? 2 : a;
      const y = x0 + Math.PI;
      let wrapped: number;
      if (y >= 0 && y < 2 * Math.PI) wrapped = y - Math.PI;
      else {
        let m = y % (2 * Math.PI);
        if (m < 0) m += 2 * Math.PI;
        wrapped = m - Math.PI;
      }
      const r = 1 - (wrapped * wrapped + 0.1 * (x1 * x1));
      rew[n] = r;
      ret += r;
      const nd = x1 + (-15 * Math.sin(x0 + Math.PI) + 3 * u) * 0.05;
      x0 = x0 + nd * 0.05;
      x1 = nd < -8 ? -8 : nd > 8 ? 8 : nd;
      n++;
      if (x0 > Math.PI / 4 || x0 < -Math.PI / 4) break;
    }
    steps += n;
    // Learn: G_t, A_t = G_t − V_t, actor step on J_a, then critic step on J_c.
    let gt = rew[n - 1];
    G[n - 1] = gt;
    for (let t = n - 2; t >= 0; t--) G[t] = gt = rew[t] + GAMMA * gt;
    gmuL.fill(0);
    gmuR.fill(0);
    const invT = 1 / n;
    const variance = sigma * sigma;
    const logSigma = Math.log(sigma);
    let lossA = 0;
    let gRho = 0;
    for (let t = 0; t < n; t++) {
      const adv = G[t] - V[t];
      const d = act[t] - Z[t];
      const w = invT * adv;
      lossA += -(-(d * d) / (2 * variance) - logSigma - LOG_SQRT_2PI) * adv;
      const gz = w * (-d / variance);
      gRho += w * (1 - (d * d) / variance);
      if (gz === 0) continue;
      const f = cellA[t];
      const i = ((f / 10) | 0) * K;
      const j = (f - ((f / 10) | 0) * 10) * K;
      for (let k = 0; k < K; k++) {
        gmuL[i + k] += gz * muR[j + k];
        gmuR[j + k] += gz * muL[i + k];
      }
    }
    const tA = ep + 1;
    adam(muL, gmuL, 0, LR_ACTOR, tA);
    adam(muR, gmuR, 1, LR_ACTOR, tA);
    rhoBox[0] = rho;
    gRhoBox[0] = 0 + gRho; // added to a zeroed gradient, as the head does (−0 becomes +0)
    adam(rhoBox, gRhoBox, 2, LR_ACTOR, tA);
    rho = rhoBox[0];
    gvL.fill(0);
    gvR.fill(0);
    const norm = 2 / n;
    let lossC = 0;
    for (let t = 0; t < n; t++) {
      const err = V[t] - G[t];
      lossC += err * err;
      const gv = norm * err;
      if (gv === 0) continue;
      const f = cellC[t];
      const i = ((f / 16) | 0) * K;
      const j = (f - ((f / 16) | 0) * 16) * K;
      for (let k = 0; k < K; k++) {
        gvL[i + k] += gv * vR[j + k];
        gvR[j + k] += gv * vL[i + k];
      }
    }
    adam(vL, gvL, 3, LR_CRITIC, tA);
    adam(vR, gvR, 4, LR_CRITIC, tA);
    returns[ep] = ret;
    losses[2 * ep] = lossA / n;
    losses[2 * ep + 1] = lossC / n;
  }
  start.logSigma = rho;
  return { returns, losses, steps, start };
}
