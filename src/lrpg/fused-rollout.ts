import type { Env, StepView } from "../envs/env.js";
import type { CoreEnv } from "../envs/core-env.js";
import { goddardStep, PAPER_ROCKET_REWARD_SCALE, PaperRocketEnv } from "../envs/goddard.js";
import { PaperAcrobotEnv, paperAcrobotStep } from "../envs/paper-acrobot.js";
import { PaperPendulumEnv, paperPendulumStep } from "../envs/paper-pendulum.js";
import type { GaussianHead } from "../heads/gaussian.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Discretizer } from "../parametrizations/discretizer.js";
import { roundHalfEven } from "../parametrizations/discretizer.js";
import type { GridLowRank } from "../parametrizations/grid-low-rank.js";
import type { FusedEpisodes, LearnResult } from "../pg/agent.js";
import type { EpisodeBuffer } from "../pg/episode-buffer.js";
import { valueLoss } from "../pg/reinforce-baseline.js";
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
 * {@link Discretizer.flatCell} with the grid's constants laid out once: per dimension d its low,
 * high, range, b_d − 1 and the multiplier of its index in the flat cell (row multiplier · M for
 * a row dimension, column multiplier for a column one), so
 *
 *   f(s) = Σ_d roundHalfEven(((clip(s_d) − low_d) / range_d)·(b_d − 1)) · mult_d
 *
 * equals row(s)·M + col(s) exactly (integer sums below 2³¹). Same arithmetic, same order as the
 * Discretizer; NaN still throws.
 */
export class CellIndexer {
  readonly stateDim: number;
  readonly cols: number;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly range: Float64Array;
  private readonly steps: Float64Array;
  private readonly mult: Float64Array;

  constructor(grid: Discretizer) {
    const S = grid.stateDim;
    this.stateDim = S;
    this.cols = grid.cols;
    this.lo = grid.low.slice();
    this.hi = grid.high.slice();
    this.range = grid.range.slice();
    this.steps = new Float64Array(S);
    this.mult = new Float64Array(S);
    for (let d = 0; d < S; d++) this.steps[d] = grid.buckets[d] - 1;
    grid.rowDims.forEach((d, k) => (this.mult[d] = grid.rowOffsets[k] * grid.cols));
    grid.colDims.forEach((d, k) => (this.mult[d] = grid.colOffsets[k]));
  }

  /** Flat cell row·M + col of the state at x[0 … S − 1]. */
  cell(x: Float64Array): number {
    const { lo, hi, range, steps, mult } = this;
    let f = 0;
    for (let d = 0; d < this.stateDim; d++) {
      const v = x[d];
      if (v !== v)
        throw new RangeError(
          `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
        );
      const l = lo[d];
      const h = hi[d];
      const c = v < l ? l : v > h ? h : v;
      f += roundHalfEven(((c - l) / range[d]) * steps[d]) * mult[d];
    }
    return f;
  }
}

const TWO_POW_53_INV = 1 / 9007199254740992;

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

/** {@link Rng.uniform} on the words g: 27 + 26 random bits, u ∈ [0, 1). */
function uniformWord(g: Int32Array): number {
  const hi = nextWord(g) >>> 5;
  const lo = nextWord(g) >>> 6;
  return (hi * 67108864 + lo) * TWO_POW_53_INV;
}

/** {@link Rng.normal} (Box–Muller, pairs cached) on the words g, spare in sp[0] (NaN: none). */
function normalWord(g: Int32Array, sp: Float64Array): number {
  const cached = sp[0];
  if (cached === cached) {
    sp[0] = NaN;
    return cached;
  }
  let u = 0;
  while (u === 0) u = uniformWord(g);
  const v = uniformWord(g);
  const r = Math.sqrt(-2 * Math.log(u));
  const theta = 2 * Math.PI * v;
  sp[0] = r * Math.sin(theta);
  return r * Math.cos(theta);
}

/**
 * The LRPG episode loop fused for a scalar-σ grid agent and one of the paper's envs (LRPG/Pendulum,
 * LRPG/Acrobot, LRPG/Rocket), bit-identical to `runEpisode` + `agent.learn` (docs/performance.md):
 *
 * - acting reads the actor cell f_a(s_t), z_t = ℓ_i·r_j, μ_t = z_t (or sigmoid), a_t = clamp(μ_t + σε),
 *   and the critic's cell and V(s_t) = ℓ^v_i·r^v_j, and records f_a, f_c, z_t and V_t: the critic's
 *   parameters do not change during an episode, so V_t is the value learning would compute;
 * - the generator's words live in an Int32Array while the episode runs (read from and written back
 *   to the run's {@link Rng}), ε drawn with the very Box–Muller of `Rng.normal`;
 * - the env's dynamics function steps a private copy of its state, which is written back at the end;
 *   the only per-step check is that the action is finite (the env's own check);
 * - {@link learnRecorded} is REINFORCE with baseline on the recorded cells, z and V: no
 *   re-discretization, no second forward pass, the same Adam steps.
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
  private readonly zOne = new Float64Array(1);
  private cellA = new Int32Array(0);
  private cellC = new Int32Array(0);
  private Z = new Float64Array(0);
  private V = new Float64Array(0);
  private G = new Float64Array(0);
  private A = new Float64Array(0);
  private gZ = new Float64Array(0);
  /** The buffer the last {@link runEpisode} filled and its length, until {@link learnRecorded} reads them. */
  private recorded: EpisodeBuffer | null = null;
  private recordedLength = 0;

  private constructor(parts: FusedLrpgParts, env: Env, kind: number) {
    this.parts = parts;
    this.env = env;
    this.kind = kind;
    this.stateDim = parts.actor.inputDim;
    this.actorCells = new CellIndexer(parts.actor.grid);
    this.criticCells = new CellIndexer(parts.critic.grid);
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
    if (this.Z.length >= T) return;
    this.cellA = new Int32Array(T);
    this.cellC = new Int32Array(T);
    this.Z = new Float64Array(T);
    this.V = new Float64Array(T);
    this.G = new Float64Array(T);
    this.A = new Float64Array(T);
    this.gZ = new Float64Array(T);
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
    const cap = buffer.capacity;
    this.reserve(cap);
    const env = this.env;
    env.reset(resetSeed === undefined ? undefined : { seed: resetSeed });
    const x = this.x;
    x.set(env.getState() as number[]);
    const { actor, critic, head } = this.parts;
    const sigma = head.sigma(this.zOne, 0);
    const sigmoidMean = head.sigmoidMean;
    const lo = head.actionClamp ? head.actionClamp[0] : -Infinity;
    const hi = head.actionClamp ? head.actionClamp[1] : Infinity;
    const Ka = actor.matrix.rank;
    const La = actor.matrix.L.data;
    const Ra = actor.matrix.R.data;
    const Ma = this.actorCells.cols;
    const Kc = critic.matrix.rank;
    const Lc = critic.matrix.L.data;
    const Rc = critic.matrix.R.data;
    const Mc = this.criticCells.cols;
    const { states, actions, rewards } = buffer;
    const { cellA, cellC, Z, V, words, spare, out, kind } = this;
    rng.readWords(words, spare);
    let t = 0;
    let terminated = false;
    try {
      while (t < cap) {
        const base = t * S;
        for (let d = 0; d < S; d++) states[base + d] = x[d];
        const fa = this.actorCells.cell(x);
        const ia = ((fa / Ma) | 0) * Ka;
        const ja = (fa - ((fa / Ma) | 0) * Ma) * Ka;
        let z = 0;
        for (let k = 0; k < Ka; k++) z += La[ia + k] * Ra[ja + k];
        const mu = sigmoidMean ? 1 / (1 + Math.exp(-z)) : z;
        const raw = mu + sigma * normalWord(words, spare);
        const a = raw < lo ? lo : raw > hi ? hi : raw;
        if (a - a !== 0) throw new RangeError(`${env.id}.step: action must be a finite number, got ${a}`);
        const fc = this.criticCells.cell(x);
        const ic = ((fc / Mc) | 0) * Kc;
        const jc = (fc - ((fc / Mc) | 0) * Mc) * Kc;
        let v = 0;
        for (let k = 0; k < Kc; k++) v += Lc[ic + k] * Rc[jc + k];
        cellA[t] = fa;
        cellC[t] = fc;
        Z[t] = z;
        V[t] = v;
        actions[t] = a;
        if (kind === ENV_PENDULUM) paperPendulumStep(x, 0, a, out);
        else if (kind === ENV_ACROBOT) paperAcrobotStep(x, 0, a, out);
        else goddardStep(x, 0, a, PAPER_ROCKET_REWARD_SCALE, out);
        rewards[t] = out.reward;
        t++;
        if (out.terminated) {
          terminated = true;
          break;
        }
      }
    } finally {
      rng.writeWords(words, spare);
      env.setState(x);
      buffer.length = t;
    }
    this.recorded = buffer;
    this.recordedLength = t;
    return { terminated, truncated: false };
  }

  learnRecorded(buffer: EpisodeBuffer): LearnResult {
    if (buffer !== this.recorded || buffer.length !== this.recordedLength)
      throw new Error(
        "learnRecorded: pass the buffer of the last runEpisode, unchanged (else use agent.learn)",
      );
    this.recorded = null;
    const T = buffer.length;
    const { actor, critic, head, actorOptimizer, criticOptimizer, gamma } = this.parts;
    const { cellA, cellC, Z, V, G, A, gZ } = this;
    discountedReturns(buffer.rewards, gamma, T, G);
    for (let t = 0; t < T; t++) A[t] = G[t] - V[t];

    actorOptimizer.zeroGrad();
    const lossActor = head.actorLoss(Z, buffer.actions, A, T, gZ);
    backward(actor, cellA, gZ, T);
    actorOptimizer.step();
    head.refresh();

    criticOptimizer.zeroGrad();
    const lossCritic = valueLoss(V, G, T, gZ);
    backward(critic, cellC, gZ, T);
    criticOptimizer.step();
    return { lossActor, lossCritic };
  }
}

/** GridLowRank.backwardBatch (one output per cell) on recorded flat cells: ∇ℓ_i += g·r_j, ∇r_j += g·ℓ_i. */
function backward(part: GridLowRank, cells: Int32Array, gZ: Float64Array, T: number): void {
  const M = part.grid.cols;
  const m = part.matrix;
  for (let t = 0; t < T; t++) {
    const g = gZ[t];
    if (g === 0) continue;
    const f = cells[t];
    const i = (f / M) | 0;
    m.accumulateEntryGrad(i, f - i * M, g);
  }
}
