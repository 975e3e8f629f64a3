import { LowRankMatrix } from "../factor/low-rank-matrix.js";
import { Adam } from "../optim/adam.js";
import type { Parameter } from "../optim/parameter.js";
import { Rng } from "../random/rng.js";
import type {
  AgentTrainingState,
  DiscretePolicyAgent,
  Episode,
  EpisodeInput,
  LearnResult,
  ParameterCount,
  StateDict,
} from "../pg/agent.js";
import { episodeLength, toEpisode } from "../pg/episode-buffer.js";
import { discountedReturns } from "../pg/returns.js";
import { checkStateDictKeys, readTensor, writeTensor } from "../pg/state-dict.js";
import { Discretizer, type DiscretizerOptions } from "./discretizer.js";
import { LowRankCritic, fillReferenceOrder } from "./low-rank-critic.js";

export interface SoftmaxLrpgAgentOptions {
  /** Grid of the policy: state cell (i, j). */
  actorGrid: Discretizer | DiscretizerOptions;
  /** Grid of the low-rank critic. */
  criticGrid: Discretizer | DiscretizerOptions;
  /** Number of discrete actions n (integer ≥ 2). */
  actionCount: number;
  /** K of the logit matrix and of the critic (integer ≥ 1). */
  rank: number;
  criticRank?: number;
  lrActor: number;
  lrCritic: number;
  gamma: number;
  /** Std of the N(0, s²) init of the logit factors (default 0.1: near-uniform initial policy). */
  actorInitScale?: number;
  /** Std of the N(0, s²) init of the critic factors (default 1, as the Gaussian LRPG). */
  criticInitScale?: number;
  rng?: Rng;
  seed?: number;
}

/**
 * Low-rank softmax policy for discrete actions (an extension of LRPG; the reference code has
 * continuous actions only). The logits form one N × (M·n) low-rank matrix Θ = L Rᵀ: rows are the
 * actor grid's rows, and column j·n + a holds action a at grid column j, so
 *
 *   θ(s, a) = ℓ_{i(s)} · r_{j(s)·n + a},   π(a|s) = exp θ(s,a) / Σ_b exp θ(s,b).
 *
 * Each state cell's n logits share the row factor ℓ_i, and the rank bounds the whole
 * state×action table. With the REINFORCE loss J_a = (1/T) Σ_t −A_t log π(a_t|s_t):
 *   ∂J_a/∂θ(s_t, b) = (A_t/T)·(π(b|s_t) − 1[b = a_t]),
 * then ∂θ/∂ℓ_i = r_{j·n+b}, ∂θ/∂r_{j·n+b} = ℓ_i. Critic and update order as {@link LrpgAgent}.
 * Parameters: `pi.L` N×K, `pi.R` K×(M·n) in the state dict; critic `value.L`, `value.R`.
 */
export class SoftmaxLrpgAgent implements DiscretePolicyAgent {
  readonly actionKind = "discrete" as const;
  readonly stateDim: number;
  readonly gamma: number;
  readonly actionCount: number;
  readonly actorGrid: Discretizer;
  readonly criticGrid: Discretizer;
  readonly logits: LowRankMatrix;
  readonly critic: LowRankCritic;
  readonly actorOptimizer: Adam;
  private readonly probs: Float64Array;
  private G = new Float64Array(0);
  private V = new Float64Array(0);

  constructor(options: SoftmaxLrpgAgentOptions) {
    const { actionCount, rank, lrActor, lrCritic, gamma } = options;
    if (!Number.isInteger(actionCount) || actionCount < 2) {
      throw new RangeError(`SoftmaxLrpgAgent: actionCount must be an integer >= 2, got ${actionCount}`);
    }
    if (!Number.isInteger(rank) || rank < 1)
      throw new RangeError(`SoftmaxLrpgAgent: rank must be an integer >= 1, got ${rank}`);
    const criticRank = options.criticRank ?? rank;
    if (!Number.isInteger(criticRank) || criticRank < 1) {
      throw new RangeError(`SoftmaxLrpgAgent: criticRank must be an integer >= 1, got ${criticRank}`);
    }
    for (const [name, lr] of [
      ["lrActor", lrActor],
      ["lrCritic", lrCritic],
    ] as const) {
      if (!(Number.isFinite(lr) && lr > 0))
        throw new RangeError(`SoftmaxLrpgAgent: ${name} must be a finite number > 0, got ${lr}`);
    }
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`SoftmaxLrpgAgent: gamma must be in [0, 1], got ${gamma}`);
    const actorScale = options.actorInitScale ?? 0.1;
    const criticScale = options.criticInitScale ?? 1;
    for (const [name, s] of [
      ["actorInitScale", actorScale],
      ["criticInitScale", criticScale],
    ] as const) {
      if (!(Number.isFinite(s) && s >= 0))
        throw new RangeError(`SoftmaxLrpgAgent: ${name} must be a finite number >= 0, got ${s}`);
    }
    this.actorGrid =
      options.actorGrid instanceof Discretizer ? options.actorGrid : new Discretizer(options.actorGrid);
    this.criticGrid =
      options.criticGrid instanceof Discretizer ? options.criticGrid : new Discretizer(options.criticGrid);
    if (this.actorGrid.stateDim !== this.criticGrid.stateDim) {
      throw new RangeError(
        `SoftmaxLrpgAgent: actorGrid has ${this.actorGrid.stateDim} state dimensions but criticGrid has ${this.criticGrid.stateDim}`,
      );
    }
    this.stateDim = this.actorGrid.stateDim;
    this.gamma = gamma;
    this.actionCount = actionCount;
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    this.logits = new LowRankMatrix(this.actorGrid.rows, this.actorGrid.cols * actionCount, rank, "pi");
    fillReferenceOrder(this.logits, rng, actorScale);
    this.critic = new LowRankCritic(this.criticGrid, criticRank, lrCritic, rng, criticScale);
    this.actorOptimizer = new Adam(this.logits.parameters, { lr: lrActor });
    this.probs = new Float64Array(actionCount);
  }

  get parameterCount(): ParameterCount {
    const actor = this.logits.parameterCount;
    const critic = this.critic.matrix.parameterCount;
    return { actor, critic, sigma: 0, total: actor + critic };
  }

  /** π(·|cell f) into `out` (softmax with the max subtracted); returns the row index i. */
  private probsAtFlat(f: number, out: Float64Array): number {
    const M = this.actorGrid.cols;
    const n = this.actionCount;
    const i = (f / M) | 0;
    const j = f - i * M;
    const K = this.logits.rank;
    const L = this.logits.L.data;
    const R = this.logits.R.data;
    const io = i * K;
    let max = -Infinity;
    for (let a = 0; a < n; a++) {
      const ro = (j * n + a) * K;
      let z = 0;
      for (let k = 0; k < K; k++) z += L[io + k] * R[ro + k];
      out[a] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let a = 0; a < n; a++) {
      const e = Math.exp(out[a] - max);
      out[a] = e;
      sum += e;
    }
    for (let a = 0; a < n; a++) out[a] /= sum;
    return i;
  }

  private cellOf(state: ArrayLike<number>): number {
    this.actorGrid.checkLength(state);
    return this.actorGrid.flatCell(state);
  }

  probabilities(
    state: ArrayLike<number>,
    out: Float64Array = new Float64Array(this.actionCount),
  ): Float64Array {
    if (out.length < this.actionCount)
      throw new RangeError(`probabilities: out must have >= ${this.actionCount} entries`);
    this.probsAtFlat(this.cellOf(state), out);
    return out;
  }

  /** Samples a ~ π(·|s) by inverting the CDF at one uniform draw. */
  act(state: ArrayLike<number>, rng: Rng): number {
    const p = this.probs;
    this.probsAtFlat(this.cellOf(state), p);
    const u = rng.uniform();
    let c = 0;
    const n = this.actionCount;
    for (let a = 0; a < n - 1; a++) {
      c += p[a];
      if (u < c) return a;
    }
    return n - 1;
  }

  /** argmax_a π(a|s) (lowest index on ties). */
  actDeterministic(state: ArrayLike<number>): number {
    const p = this.probs;
    this.probsAtFlat(this.cellOf(state), p);
    let best = 0;
    for (let a = 1; a < this.actionCount; a++) if (p[a] > p[best]) best = a;
    return best;
  }

  value(state: ArrayLike<number>): number {
    return this.critic.value(state);
  }

  learn(input: Episode | EpisodeInput): LearnResult {
    const episode = toEpisode(input);
    const S = this.stateDim;
    const T = episodeLength(episode, S);
    if (this.G.length < T) {
      const n = Math.max(T, 2 * this.G.length);
      this.G = new Float64Array(n);
      this.V = new Float64Array(n);
    }
    const { states, actions, rewards } = episode;
    const { G, V } = this;
    discountedReturns(rewards, this.gamma, T, G);
    this.critic.evaluate(states, T, V);

    this.actorOptimizer.zeroGrad();
    const n = this.actionCount;
    const M = this.actorGrid.cols;
    const p = this.probs;
    const invT = 1 / T;
    let lossSum = 0;
    for (let t = 0; t < T; t++) {
      const a = actions[t];
      if (!Number.isInteger(a) || a < 0 || a >= n) {
        throw new RangeError(`learn: actions[${t}] must be an integer in [0, ${n - 1}], got ${a}`);
      }
      const f = this.actorGrid.flatCell(states, t * S);
      const i = this.probsAtFlat(f, p);
      const j = f - i * M;
      const adv = G[t] - V[t];
      lossSum += -Math.log(p[a]) * adv;
      const w = invT * adv;
      for (let b = 0; b < n; b++) {
        const g = w * (p[b] - (b === a ? 1 : 0));
        if (g !== 0) this.logits.accumulateEntryGrad(i, j * n + b, g);
      }
    }
    this.actorOptimizer.step();
    const lossCritic = this.critic.step(V, G, T);
    return { lossActor: lossSum / T, lossCritic };
  }

  private tensors(): [string, Parameter, boolean][] {
    return [
      ["pi.L", this.logits.L, false],
      ["pi.R", this.logits.R, true],
      ["value.L", this.critic.matrix.L, false],
      ["value.R", this.critic.matrix.R, true],
    ];
  }

  /** `pi.L` N×K, `pi.R` K×(M·n), `value.L` N_c×K, `value.R` K×M_c (R transposed as in the Gaussian LRPG). */
  exportStateDict(): StateDict {
    const dict: StateDict = {};
    for (const [key, p, tr] of this.tensors()) dict[key] = writeTensor(p.data, p.shape, tr);
    return dict;
  }

  exportGradients(): StateDict {
    const dict: StateDict = {};
    for (const [key, p, tr] of this.tensors()) dict[key] = writeTensor(p.grad, p.shape, tr);
    return dict;
  }

  importStateDict(dict: StateDict): void {
    const targets = this.tensors();
    checkStateDictKeys(
      dict,
      targets.map(([k]) => k),
    );
    const loaded = targets.map(([key, p, tr]) => {
      const tmp = new Float64Array(p.data.length);
      readTensor(dict, key, p.shape, tmp, tr);
      return tmp;
    });
    targets.forEach(([, p], q) => p.data.set(loaded[q]));
  }

  /** Sets the Adam learning rates of the actor and the critic (for schedules). */
  setLearningRates(actor: number, critic: number): void {
    for (const [name, lr] of [
      ["actor", actor],
      ["critic", critic],
    ] as const) {
      if (!(Number.isFinite(lr) && lr > 0))
        throw new RangeError(`setLearningRates: ${name} lr must be a finite number > 0, got ${lr}`);
    }
    this.actorOptimizer.lr = actor;
    this.critic.optimizer.lr = critic;
  }

  /** Every trainable tensor (actor's, then critic's), internal layouts. */
  parameters(): Parameter[] {
    return [...this.actorOptimizer.params, ...this.critic.optimizer.params];
  }

  getTrainingState(): AgentTrainingState {
    return { actor: this.actorOptimizer.getState(), critic: this.critic.optimizer.getState() };
  }

  setTrainingState(state: AgentTrainingState): void {
    if (!state || !state.actor || !state.critic)
      throw new TypeError("setTrainingState: expected { actor, critic } optimizer states");
    this.actorOptimizer.setState(state.actor);
    this.critic.optimizer.setState(state.critic);
  }
}
