import type { Env, StepView } from "../envs/env.js";
import type { CoreEnv } from "../envs/core-env.js";
import { goddardStep, PAPER_ROCKET_REWARD_SCALE, PaperRocketEnv } from "../envs/goddard.js";
import { PaperAcrobotEnv, paperAcrobotStep } from "../envs/paper-acrobot.js";
import { PaperPendulumEnv, paperPendulumStep } from "../envs/paper-pendulum.js";
import { gaussianLogSigmaGrad, gaussianMeanGrad, gaussianNll, type GaussianHead } from "../heads/gaussian.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Discretizer } from "../parametrizations/discretizer.js";
import { roundHalfEven } from "../parametrizations/discretizer.js";
import type { GridLowRank } from "../parametrizations/grid-low-rank.js";
import type { FusedEpisodes, LearnResult } from "../pg/agent.js";
import type { EpisodeBuffer } from "../pg/episode-buffer.js";
import { discountedReturns } from "../pg/returns.js";
import type { Rng } from "../random/rng.js";

/** The parts of a scalar-σ {@link LrpgAgent} the fused loop reads (its own objects, not copies). */
export interface FusedLrpgParts {
  /** μ's pre-activation z = [L_μ R_μᵀ]_{i(s), j(s)}, one output per cell. */
  actor: GridLowRank;
  /** V(s) = [L_v R_vᵀ]_{i(s), j(s)} on the critic's grid. */
  critic: GridLowRank;
  /** Scalar σ (no state-dependent σ), μ = z or sigmoid(z), optional action clamp. */
  head: GaussianHead;
  actorOptimizer: Optimizer;
  criticOptimizer: Optimizer;
  gamma: number;
}

/** The paper's envs whose dynamics the fused loop calls directly (state → state in place). */
const ENV_PENDULUM = 0;
const ENV_ACROBOT = 1;
const ENV_ROCKET = 2;

function envKind(env: Env): number {
  const proto = Object.getPrototypeOf(env) as object;
  if (proto === PaperPendulumEnv.prototype) return ENV_PENDULUM;
  if (proto === PaperAcrobotEnv.prototype) return ENV_ACROBOT;
  if (proto === PaperRocketEnv.prototype) return ENV_ROCKET;
  return -1;
}

/**
 * {@link Discretizer.cell} with the grid's constants laid out once, returning where the cell's
 * factor rows start: with idx_d = roundHalfEven(((clip(s_d) − low_d) / range_d)·(b_d − 1)) (the
 * Discretizer's arithmetic, in its order),
 *
 *   row(s)·K = Σ_d idx_d·rowMult_d·K,   col(s)·K = Σ_d idx_d·colMult_d·K,
 *
 * rowMult_d the row-major multiplier of a row dimension (0 for a column one) and colMult_d likewise;
 * ℓ_{row} starts at L[row·K], r_{col} at R[col·K] (integer sums below 2³¹, exact). NaN still throws.
 */
export class CellIndexer {
  readonly stateDim: number;
  /** Per dimension d at 6d: low, high, range, b − 1, rowMult·K, colMult·K. */
  readonly constants: Float64Array;

  constructor(grid: Discretizer, K: number) {
    const S = grid.stateDim;
    this.stateDim = S;
    const c = (this.constants = new Float64Array(6 * S));
    for (let d = 0; d < S; d++) {
      c[6 * d] = grid.low[d];
      c[6 * d + 1] = grid.high[d];
      c[6 * d + 2] = grid.range[d];
      c[6 * d + 3] = grid.buckets[d] - 1;
    }
    grid.rowDims.forEach((d, k) => (c[6 * d + 4] = grid.rowOffsets[k] * K));
    grid.colDims.forEach((d, k) => (c[6 * d + 5] = grid.colOffsets[k] * K));
  }

  /** [row·K, col·K] of the state at x[0 … S − 1] into out[0], out[1]. */
  offsets(x: Float64Array, out: Int32Array): void {
    const c = this.constants;
    let row = 0;
    let col = 0;
    for (let d = 0; d < this.stateDim; d++) {
      const v = x[d];
      if (v !== v) throw nanState(d);
      const o = 6 * d;
      const l = c[o];
      const h = c[o + 1];
      const idx = roundHalfEven((((v < l ? l : v > h ? h : v) - l) / c[o + 2]) * c[o + 3]);
      row += idx * c[o + 4];
      col += idx * c[o + 5];
    }
    out[0] = row;
    out[1] = col;
  }
}

/** The env's error for a non-finite action. */
function actionError(id: string, a: number): RangeError {
  return new RangeError(`${id}.step: action must be a finite number, got ${a}`);
}

/** The Discretizer's error for a NaN state entry (kept out of the hot loop's bytecode). */
function nanState(d: number): RangeError {
  return new RangeError(
    `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
  );
}

const TWO_POW_53_INV = 1 / 9007199254740992;
/** Stand-in constants when the grids are not two-dimensional (the 2-D locals are then unused). */
const NO_GRID = new Float64Array(12);

/** One xoroshiro128+ output (pure-rand's `next`) on the words g = [s01, s00, s11, s10], in place. */
function nextWord(g: Int32Array): number {
  const s01 = g[0];
  const s00 = g[1];
  const s11 = g[2];
  const s10 = g[3];
  const out = (s00 + s10) | 0;
  const a0 = s10 ^ s00;
  const a1 = s11 ^ s01;
  g[1] = (s00 << 24) ^ (s01 >>> 8) ^ a0 ^ (a0 << 16);
  g[0] = (s01 << 24) ^ (s00 >>> 8) ^ a1 ^ ((a1 << 16) | (a0 >>> 16));
  g[3] = (a1 << 5) ^ (a0 >>> 27);
  g[2] = (a0 << 5) ^ (a1 >>> 27);
  return out;
}

/**
 * The two uniforms u, v of one {@link Rng.normal} Box–Muller pair from the words g into uv[0], uv[1]
 * (u redrawn while 0, as `Rng.normal` does). A call that returns nothing: the doubles stay in the
 * typed array, never boxed, whether or not V8 inlines it.
 */
function uniformPair(g: Int32Array, uv: Float64Array): void {
  let u = 0;
  while (u === 0) {
    const hi = nextWord(g) >>> 5;
    u = (hi * 67108864 + (nextWord(g) >>> 6)) * TWO_POW_53_INV;
  }
  const hi = nextWord(g) >>> 5;
  uv[0] = u;
  uv[1] = (hi * 67108864 + (nextWord(g) >>> 6)) * TWO_POW_53_INV;
}

/**
 * The LRPG episode loop fused for a scalar-σ grid agent and one of the paper's envs (LRPG/Pendulum,
 * LRPG/Acrobot, LRPG/Rocket), bit-identical to `runEpisode` + `agent.learn` (docs/performance.md):
 *
 * - acting reads the actor's cell (i, j) of s_t, z_t = ℓ_i·r_j, μ_t = z_t (or sigmoid),
 *   a_t = clamp(μ_t + σε), and the critic's cell and V(s_t) = ℓ^v_i·r^v_j, and records where both
 *   cells' rows start in the factors, μ_t and V_t: the critic's parameters do not change during
 *   an episode, so V_t is the value learning would compute;
 * - the grids' constants are laid out once ({@link CellIndexer}); on two-dimensional grids (the
 *   pendulum's) they sit in locals for the whole episode, and the scaled coordinate is shared by
 *   both grids where their bounds agree;
 * - the generator's words live in an Int32Array while the episode runs (read from and written back
 *   to the run's {@link Rng}), ε drawn with the very Box–Muller of `Rng.normal`;
 * - the env's dynamics function steps a private copy of its state, which is written back at the end;
 *   the only per-step check is that the action is finite (the env's own check);
 * - {@link learnRecorded} is REINFORCE with baseline on the recorded cells, μ and V in one pass
 *   over the episode: no re-discretization, no second forward pass, the same Adam steps.
 */
export class FusedLrpgEpisodes implements FusedEpisodes {
  private readonly parts: FusedLrpgParts;
  private readonly env: Env;
  private readonly kind: number;
  private readonly stateDim: number;
  private readonly actorCells: CellIndexer;
  private readonly criticCells: CellIndexer;
  /** The env's state (pendulum 2, acrobot 4, rocket 4 with h_max); its first S entries are the observation. */
  private readonly x: Float64Array;
  private readonly out: Pick<StepView, "reward" | "terminated"> = { reward: 0, terminated: false };
  private readonly words = new Int32Array(4);
  private readonly spare = new Float64Array(1);
  private readonly uv = new Float64Array(2);
  private readonly zOne = new Float64Array(1);
  /** Per step: where the actor's ℓ_i and r_j start in L_μ, R_μ (i·K, j·K), and the critic's likewise. */
  private rowA = new Int32Array(0);
  private colA = new Int32Array(0);
  private rowC = new Int32Array(0);
  private colC = new Int32Array(0);
  private readonly ij = new Int32Array(2);
  /** Per step: μ_t (after the sigmoid when the mean is squashed) and V(s_t). */
  private M = new Float64Array(0);
  private V = new Float64Array(0);
  private G = new Float64Array(0);
  /** The buffer the last {@link runEpisode} filled and its length, until {@link learnRecorded} reads them. */
  private recorded: EpisodeBuffer | null = null;
  private terminated = false;
  private recordedLength = 0;

  private constructor(parts: FusedLrpgParts, env: Env, kind: number) {
    this.parts = parts;
    this.env = env;
    this.kind = kind;
    this.stateDim = parts.actor.inputDim;
    this.actorCells = new CellIndexer(parts.actor.grid, parts.actor.matrix.rank);
    this.criticCells = new CellIndexer(parts.critic.grid, parts.critic.matrix.rank);
    this.x = new Float64Array((env as CoreEnv).stateNames.length);
  }

  /**
   * The fused loop for these parts and `env`, or null where it does not apply (another env class or
   * a wrapped env, a state-dependent σ, an actor or critic with more than one output, an
   * observation size other than the grid's).
   */
  static create(parts: FusedLrpgParts, env: Env): FusedLrpgEpisodes | null {
    const kind = envKind(env);
    if (kind < 0) return null;
    const { actor, critic, head } = parts;
    if (head.sigmaMap !== null || head.inputDim !== 1) return null;
    if (actor.outputDim !== 1 || critic.outputDim !== 1) return null;
    if (env.observationSpace.size !== actor.inputDim || critic.inputDim !== actor.inputDim) return null;
    return new FusedLrpgEpisodes(parts, env, kind);
  }

  private reserve(T: number): void {
    if (this.M.length >= T) return;
    this.rowA = new Int32Array(T);
    this.colA = new Int32Array(T);
    this.rowC = new Int32Array(T);
    this.colC = new Int32Array(T);
    this.M = new Float64Array(T);
    this.V = new Float64Array(T);
    this.G = new Float64Array(T);
  }

  runEpisode(
    rng: Rng,
    buffer: EpisodeBuffer,
    resetSeed?: number,
  ): { terminated: boolean; truncated: boolean } {
    const S = this.stateDim;
    if (buffer.stateDim !== S)
      throw new RangeError(
        `trainReinforce: env "${this.env.id}" observations have ${S} entries, buffer holds stateDim ${buffer.stateDim}`,
      );
    this.recorded = null;
    buffer.clear();
    this.reserve(buffer.capacity);
    const env = this.env as CoreEnv;
    env.reset(resetSeed === undefined ? undefined : { seed: resetSeed });
    env.copyStateInto(this.x);
    rng.readWords(this.words, this.spare);
    this.terminated = false;
    let done = false;
    try {
      this.steps(buffer);
      done = true;
    } finally {
      rng.writeWords(this.words, this.spare);
      if (done) env.setState(this.x);
      else {
        // The env keeps the state the loop stopped in, unless it is not finite: then the error
        // already on its way (the NaN state or action) is the one to report.
        try {
          env.setState(this.x);
        } catch {
          // keep the first error
        }
      }
    }
    this.recorded = buffer;
    this.recordedLength = buffer.length;
    return { terminated: this.terminated, truncated: false };
  }

  /** The steps of one episode from the state in {@link x} (kept apart from the set-up: V8 inlines per function). */
  private steps(buffer: EpisodeBuffer): void {
    const S = this.stateDim;
    const { actor, critic, head } = this.parts;
    const sigma = head.sigma(this.zOne, 0);
    const sigmoidMean = head.sigmoidMean;
    const lo = head.actionClamp ? head.actionClamp[0] : -Infinity;
    const hi = head.actionClamp ? head.actionClamp[1] : Infinity;
    const Ka = actor.matrix.rank;
    const La = actor.matrix.L.data;
    const Ra = actor.matrix.R.data;
    const Kc = critic.matrix.rank;
    const Lc = critic.matrix.L.data;
    const Rc = critic.matrix.R.data;
    const { states, actions, rewards } = buffer;
    const cap = buffer.capacity;
    const { x, rowA, colA, rowC, colC, ij, M, V, words, spare, uv, out, kind, actorCells, criticCells } =
      this;
    // Two-dimensional grids (the pendulum's): each dimension's constants in locals for the episode.
    const two = S === 2;
    const ac = two ? actorCells.constants : NO_GRID;
    const cc = two ? criticCells.constants : NO_GRID;
    const al0 = ac[0];
    const ah0 = ac[1];
    const ar0 = ac[2];
    const as0 = ac[3];
    const ai0 = ac[4];
    const aj0 = ac[5];
    const al1 = ac[6];
    const ah1 = ac[7];
    const ar1 = ac[8];
    const as1 = ac[9];
    const ai1 = ac[10];
    const aj1 = ac[11];
    const cl0 = cc[0];
    const ch0 = cc[1];
    const cr0 = cc[2];
    const cs0 = cc[3];
    const ci0 = cc[4];
    const cj0 = cc[5];
    const cl1 = cc[6];
    const ch1 = cc[7];
    const cr1 = cc[8];
    const cs1 = cc[9];
    const ci1 = cc[10];
    const cj1 = cc[11];
    const same0 = al0 === cl0 && ah0 === ch0 && ar0 === cr0;
    const same1 = al1 === cl1 && ah1 === ch1 && ar1 === cr1;
    let t = 0;
    while (t < cap) {
      const base = t * S;
      for (let d = 0; d < S; d++) states[base + d] = x[d];
      // The cells: where ℓ_i, r_j start in the actor's and the critic's factors.
      let oa: number, ja: number, oc: number, jc: number;
      if (two) {
        const x0 = x[0];
        const x1 = x[1];
        if (x0 !== x0 || x1 !== x1) {
          buffer.length = t;
          throw nanState(x0 !== x0 ? 0 : 1);
        }
        // u_d = (clip(s_d) − low_d)/range_d, once for both grids where their bounds agree (the same
        // operations on the same operands: the same double).
        const ua0 = ((x0 < al0 ? al0 : x0 > ah0 ? ah0 : x0) - al0) / ar0;
        const ua1 = ((x1 < al1 ? al1 : x1 > ah1 ? ah1 : x1) - al1) / ar1;
        const uc0 = same0 ? ua0 : ((x0 < cl0 ? cl0 : x0 > ch0 ? ch0 : x0) - cl0) / cr0;
        const uc1 = same1 ? ua1 : ((x1 < cl1 ? cl1 : x1 > ch1 ? ch1 : x1) - cl1) / cr1;
        const a0 = roundHalfEven(ua0 * as0);
        const a1 = roundHalfEven(ua1 * as1);
        oa = a0 * ai0 + a1 * ai1;
        ja = a0 * aj0 + a1 * aj1;
        const c0 = roundHalfEven(uc0 * cs0);
        const c1 = roundHalfEven(uc1 * cs1);
        oc = c0 * ci0 + c1 * ci1;
        jc = c0 * cj0 + c1 * cj1;
      } else {
        buffer.length = t;
        actorCells.offsets(x, ij);
        oa = ij[0];
        ja = ij[1];
        criticCells.offsets(x, ij);
        oc = ij[0];
        jc = ij[1];
      }
      // μ: z = ℓ_i·r_j (GridLowRank.forwardCell), μ = z or sigmoid(z).
      let z = 0;
      for (let k = 0; k < Ka; k++) z += La[oa + k] * Ra[ja + k];
      const mu = sigmoidMean ? 1 / (1 + Math.exp(-z)) : z;
      // ε ~ N(0, 1): Rng.normal's Box–Muller on the words, the second draw kept in spare[0].
      let eps = spare[0];
      if (eps === eps) spare[0] = NaN;
      else {
        uniformPair(words, uv);
        const r = Math.sqrt(-2 * Math.log(uv[0]));
        const theta = 2 * Math.PI * uv[1];
        spare[0] = r * Math.sin(theta);
        eps = r * Math.cos(theta);
      }
      const raw = mu + sigma * eps;
      const a = raw < lo ? lo : raw > hi ? hi : raw;
      if (a - a !== 0) {
        buffer.length = t;
        throw actionError(this.env.id, a);
      }
      // V(s_t) on the critic's grid (its parameters are fixed until the episode's update).
      let v = 0;
      for (let k = 0; k < Kc; k++) v += Lc[oc + k] * Rc[jc + k];
      rowA[t] = oa;
      colA[t] = ja;
      rowC[t] = oc;
      colC[t] = jc;
      M[t] = mu;
      V[t] = v;
      actions[t] = a;
      if (kind === ENV_PENDULUM) paperPendulumStep(x, 0, a, out);
      else if (kind === ENV_ACROBOT) paperAcrobotStep(x, 0, a, out);
      else goddardStep(x, 0, a, PAPER_ROCKET_REWARD_SCALE, out);
      rewards[t] = out.reward;
      t++;
      if (out.terminated) {
        this.terminated = true;
        break;
      }
    }
    buffer.length = t;
  }

  learnRecorded(buffer: EpisodeBuffer): LearnResult {
    if (buffer !== this.recorded || buffer.length !== this.recordedLength)
      throw new Error(
        "learnRecorded: pass the buffer of the last runEpisode, unchanged (else use agent.learn)",
      );
    this.recorded = null;
    const T = buffer.length;
    const { actor, critic, head, actorOptimizer, criticOptimizer, gamma } = this.parts;
    const { rowA, colA, rowC, colC, M, V, G } = this;
    const actions = buffer.actions;
    discountedReturns(buffer.rewards, gamma, T, G);
    actorOptimizer.zeroGrad();
    criticOptimizer.zeroGrad();
    // One pass over the episode: A_t = G_t − V_t; the actor's loss and ∂J_a/∂z_t from the recorded
    // μ_t (gaussianLoss's per-step formulas, scalar σ); the critic's (V_t − G_t)² and (2/T)(V_t − G_t)
    // (valueLoss); each accumulated into its factors' gradients at once. The critic's gradient does
    // not depend on the actor's, and every gradient entry sums over t in the order of separate passes.
    const sigma = Math.exp(head.effectiveLogSigma());
    const logSigma = Math.log(sigma);
    const variance = sigma * sigma;
    const sigmoidMean = head.sigmoidMean;
    const invT = 1 / T;
    const norm = 2 / T;
    const Ka = actor.matrix.rank;
    const La = actor.matrix.L.data;
    const Ra = actor.matrix.R.data;
    const gLa = actor.matrix.L.grad;
    const gRa = actor.matrix.R.grad;
    const Kc = critic.matrix.rank;
    const Lc = critic.matrix.L.data;
    const Rc = critic.matrix.R.data;
    const gLc = critic.matrix.L.grad;
    const gRc = critic.matrix.R.grad;
    let lossA = 0;
    let gRho = 0;
    let lossC = 0;
    for (let t = 0; t < T; t++) {
      const adv = G[t] - V[t];
      const mu = M[t];
      const d = actions[t] - mu;
      const w = invT * adv;
      lossA += gaussianNll(d, variance, logSigma) * adv;
      let g = gaussianMeanGrad(w, d, variance);
      if (sigmoidMean) g *= mu * (1 - mu);
      gRho += gaussianLogSigmaGrad(w, d, variance);
      if (g !== 0) {
        const io = rowA[t];
        const jo = colA[t];
        for (let k = 0; k < Ka; k++) {
          gLa[io + k] += g * Ra[jo + k];
          gRa[jo + k] += g * La[io + k];
        }
      }
      const e = V[t] - G[t];
      lossC += e * e;
      const gv = norm * e;
      if (gv !== 0) {
        const io = rowC[t];
        const jo = colC[t];
        for (let k = 0; k < Kc; k++) {
          gLc[io + k] += gv * Rc[jo + k];
          gRc[jo + k] += gv * Lc[io + k];
        }
      }
    }
    if (head.logSigma && head.logSigmaPassesGradient()) head.logSigma.grad[0] += gRho;
    actorOptimizer.step();
    head.refresh();
    criticOptimizer.step();
    const lossActor = lossA / T;
    const lossCritic = lossC / T;
    return { lossActor, lossCritic };
  }
}
