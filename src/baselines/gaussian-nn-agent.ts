import { Adam } from "../optim/adam.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import { Rng } from "../random/rng.js";
import type {
  AgentTrainingState,
  Episode,
  EpisodeInput,
  GaussianPolicyAgent,
  LearnResult,
  ParameterCount,
  StateDict,
} from "../pg/agent.js";
import { episodeLength, toEpisode } from "../pg/episode-buffer.js";
import { gaussianActorLoss } from "../pg/gaussian.js";
import { discountedReturns } from "../pg/returns.js";
import { checkStateDictKeys, readTensor, writeTensor } from "../pg/state-dict.js";
import { ScalarMlp } from "./scalar-mlp.js";

/** Longest run of {@link NnGaussianAgent.act} calls remembered for the next learn. */
const MEMO_MAX_STEPS = 1 << 16;

export interface NnGaussianAgentOptions {
  /** S, the length of the (raw, unnormalised) state fed to both nets. */
  stateDim: number;
  /** H, hidden width of the μ-net and of the V-net (reference: 512 / 32 / 128). */
  hidden: number;
  lrActor: number;
  lrCritic: number;
  /** Discount γ of the Monte-Carlo returns, in [0, 1]. */
  gamma: number;
  /** μ = sigmoid(net(s)) (the reference's rocket). Default false. */
  sigmoidMean?: boolean;
  /** Clamp the sampled action to [lo, hi] before storing it and using it in the log-prob (rocket: [0, 1]). */
  actionClamp?: readonly [number, number];
  /** log σ₀ (reference: 1). */
  logSigmaInit?: number;
  /** Generator for the PyTorch-default init, drawn mu.0.weight, mu.0.bias, mu.2.weight, mu.2.bias, then value.*. */
  rng?: Rng;
  /** Seed of a fresh generator when `rng` is not given. */
  seed?: number;
}

/**
 * The LRPG paper's neural baseline ("RVFB", the reference's `GaussianPolicyNN`): separate
 * μ-net and V-net, each Linear(S,H)–ReLU–Linear(H,1) on the raw state, a scalar learned
 * σ = exp(ρ), and the same per-episode REINFORCE update as {@link LrpgAgent}: A_t = G_t − V(s_t)
 * (held constant), one Adam step (lrActor) on (μ-net, ρ) for J_a = (1/T) Σ_t −A_t log N(a_t; μ_t, σ²),
 * then one Adam step (lrCritic) on the V-net for (1/T) Σ_t (V_t − G_t)².
 */
export class NnGaussianAgent implements GaussianPolicyAgent {
  readonly actionKind = "continuous" as const;
  readonly stateDim: number;
  readonly gamma: number;
  readonly muNet: ScalarMlp;
  readonly valueNet: ScalarMlp;
  readonly logSigma: Parameter;
  readonly actorOptimizer: Adam;
  readonly criticOptimizer: Adam;
  readonly sigmoidMean: boolean;
  readonly actionClamp: readonly [number, number] | null;
  private readonly clampLo: number;
  private readonly clampHi: number;
  private sigmaScalar = Math.E;
  private G = new Float64Array(0);
  private V = new Float64Array(0);
  private Z = new Float64Array(0);
  private A = new Float64Array(0);
  private gz = new Float64Array(0);
  /**
   * Memo of the μ-net outputs z = net(s) computed by {@link act} since the last {@link learn}
   * (states and z, in call order), and a copy of the μ-net parameters they were computed with.
   * {@link learn} reuses them for the episode's pre-step forward pass when the episode's states are
   * exactly the last T memo states and the parameters still equal the copy: `forward` and
   * `forwardBatch` evaluate the same expression in the same order, so Z is bit-identical either way.
   */
  private memoStates = new Float64Array(0);
  private memoZ = new Float64Array(0);
  private memoCount = 0;
  private readonly memoParams: Float64Array;

  constructor(options: NnGaussianAgentOptions) {
    const { stateDim, hidden, lrActor, lrCritic, gamma } = options;
    if (!Number.isInteger(stateDim) || stateDim < 1)
      throw new RangeError(`NnGaussianAgent: stateDim must be an integer >= 1, got ${stateDim}`);
    if (!Number.isInteger(hidden) || hidden < 1)
      throw new RangeError(`NnGaussianAgent: hidden must be an integer >= 1, got ${hidden}`);
    for (const [name, lr] of [
      ["lrActor", lrActor],
      ["lrCritic", lrCritic],
    ] as const) {
      if (!(Number.isFinite(lr) && lr > 0))
        throw new RangeError(`NnGaussianAgent: ${name} must be a finite number > 0, got ${lr}`);
    }
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`NnGaussianAgent: gamma must be in [0, 1], got ${gamma}`);
    this.stateDim = stateDim;
    this.gamma = gamma;
    this.sigmoidMean = options.sigmoidMean ?? false;
    if (options.actionClamp) {
      const [lo, hi] = options.actionClamp;
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
        throw new RangeError(
          `NnGaussianAgent: actionClamp must be [lo, hi] with finite lo < hi, got [${lo}, ${hi}]`,
        );
      }
      this.actionClamp = [lo, hi];
      this.clampLo = lo;
      this.clampHi = hi;
    } else {
      this.actionClamp = null;
      this.clampLo = -Infinity;
      this.clampHi = Infinity;
    }
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    this.muNet = new ScalarMlp(stateDim, hidden, "mu");
    this.valueNet = new ScalarMlp(stateDim, hidden, "value");
    this.muNet.initTorchDefault(rng);
    this.valueNet.initTorchDefault(rng);
    const rho = options.logSigmaInit ?? 1;
    if (!Number.isFinite(rho))
      throw new RangeError(`NnGaussianAgent: logSigmaInit must be finite, got ${rho}`);
    this.logSigma = makeParameter("log_sigma", [1], Float64Array.of(rho));
    this.actorOptimizer = new Adam([...this.muNet.parameters, this.logSigma], { lr: lrActor });
    this.criticOptimizer = new Adam(this.valueNet.parameters, { lr: lrCritic });
    this.memoParams = new Float64Array(this.muNet.parameterCount);
    this.refreshSigma();
  }

  get parameterCount(): ParameterCount {
    const actor = this.muNet.parameterCount;
    const critic = this.valueNet.parameterCount;
    return { actor, critic, sigma: 1, total: actor + critic };
  }

  private checkState(state: ArrayLike<number>): void {
    if (!state || state.length !== this.stateDim) {
      throw new RangeError(
        `NnGaussianAgent: state must have ${this.stateDim} entries, got ${state ? state.length : state}`,
      );
    }
    for (let d = 0; d < this.stateDim; d++) {
      if (state[d] !== state[d])
        throw new RangeError(`NnGaussianAgent: state[${d}] is NaN (expected a number)`);
    }
  }

  private meanOf(state: ArrayLike<number>): number {
    const z = this.muNet.forward(state);
    return this.sigmoidMean ? 1 / (1 + Math.exp(-z)) : z;
  }

  act(state: ArrayLike<number>, rng: Rng): number {
    this.checkState(state);
    const z = this.muNet.forward(state);
    this.remember(state, z);
    const mu = this.sigmoidMean ? 1 / (1 + Math.exp(-z)) : z;
    const a = mu + this.sigmaScalar * rng.normal();
    return a < this.clampLo ? this.clampLo : a > this.clampHi ? this.clampHi : a;
  }

  /** Appends (s, z) to the act memo; the first entry also copies the μ-net parameters. */
  private remember(state: ArrayLike<number>, z: number): void {
    const S = this.stateDim;
    let n = this.memoCount;
    if (n === 0) this.copyMuParams(this.memoParams);
    if (n === this.memoZ.length) {
      if (n >= MEMO_MAX_STEPS) {
        // An unusually long stretch without learn: start over (learn then recomputes).
        n = 0;
        this.copyMuParams(this.memoParams);
      } else {
        const cap = Math.max(128, 2 * n);
        const states = new Float64Array(cap * S);
        states.set(this.memoStates);
        const zs = new Float64Array(cap);
        zs.set(this.memoZ);
        this.memoStates = states;
        this.memoZ = zs;
      }
    }
    const base = n * S;
    for (let d = 0; d < S; d++) this.memoStates[base + d] = state[d];
    this.memoZ[n] = z;
    this.memoCount = n + 1;
  }

  private copyMuParams(out: Float64Array): void {
    let o = 0;
    for (const p of this.muNet.parameters) {
      out.set(p.data, o);
      o += p.data.length;
    }
  }

  /**
   * Writes the μ-net outputs for the T states into `Z` from the act memo when it covers exactly
   * these states (the last T acts, same bits, −0 ≠ +0) under the current parameters; false if not.
   */
  private recallZ(states: Float64Array, T: number, Z: Float64Array): boolean {
    const n = this.memoCount;
    if (n < T) return false;
    const S = this.stateDim;
    const first = n - T;
    const ms = this.memoStates;
    for (let i = 0; i < T * S; i++) {
      const a = ms[first * S + i];
      const b = states[i];
      if (a !== b || (a === 0 && 1 / a !== 1 / b)) return false;
    }
    const copy = this.memoParams;
    let o = 0;
    for (const p of this.muNet.parameters) {
      const d = p.data;
      for (let i = 0; i < d.length; i++) {
        const a = copy[o + i];
        const b = d[i];
        if (a !== b || (a === 0 && 1 / a !== 1 / b)) return false;
      }
      o += d.length;
    }
    const mz = this.memoZ;
    for (let t = 0; t < T; t++) Z[t] = mz[first + t];
    return true;
  }

  actDeterministic(state: ArrayLike<number>): number {
    this.checkState(state);
    const mu = this.meanOf(state);
    return mu < this.clampLo ? this.clampLo : mu > this.clampHi ? this.clampHi : mu;
  }

  mean(state: ArrayLike<number>): number {
    this.checkState(state);
    return this.meanOf(state);
  }

  sigma(state: ArrayLike<number>): number {
    this.checkState(state);
    return this.sigmaScalar;
  }

  value(state: ArrayLike<number>): number {
    this.checkState(state);
    return this.valueNet.forward(state);
  }

  learn(input: Episode | EpisodeInput): LearnResult {
    const episode = toEpisode(input);
    const T = episodeLength(episode, this.stateDim);
    if (this.G.length < T) {
      const n = Math.max(T, 2 * this.G.length);
      this.G = new Float64Array(n);
      this.V = new Float64Array(n);
      this.Z = new Float64Array(n);
      this.A = new Float64Array(n);
      this.gz = new Float64Array(n);
    }
    const { states, actions, rewards } = episode;
    const { G, V, Z, A, gz } = this;
    for (let t = 0; t < T * this.stateDim; t++) {
      if (states[t] !== states[t])
        throw new RangeError(`learn: states[${t}] is NaN (expected finite states)`);
    }
    for (let t = 0; t < T; t++) {
      if (actions[t] !== actions[t])
        throw new RangeError(`learn: actions[${t}] is NaN (expected a finite action)`);
    }
    discountedReturns(rewards, this.gamma, T, G);
    this.valueNet.forwardBatch(states, T, V);
    for (let t = 0; t < T; t++) A[t] = G[t] - V[t];

    this.actorOptimizer.zeroGrad();
    if (this.recallZ(states, T, Z)) this.muNet.setBatch(states, T);
    else this.muNet.forwardBatch(states, T, Z);
    this.memoCount = 0;
    const { loss: lossActor, gradLogSigma } = gaussianActorLoss(
      Z,
      actions,
      A,
      T,
      this.logSigma.data[0],
      this.sigmoidMean,
      gz,
    );
    this.muNet.backwardBatch(gz);
    this.logSigma.grad[0] = gradLogSigma;
    this.actorOptimizer.step();
    this.refreshSigma();

    this.criticOptimizer.zeroGrad();
    const norm = 2 / T;
    let lossSum = 0;
    for (let t = 0; t < T; t++) {
      const e = V[t] - G[t];
      lossSum += e * e;
      gz[t] = norm * e;
    }
    this.valueNet.backwardBatch(gz);
    this.criticOptimizer.step();
    return { lossActor, lossCritic: lossSum / T };
  }

  private refreshSigma(): void {
    this.sigmaScalar = Math.exp(this.logSigma.data[0]);
  }

  private allParams(): Parameter[] {
    return [...this.muNet.parameters, ...this.valueNet.parameters, this.logSigma];
  }

  /** PyTorch state_dict layout: `mu.0.weight` H×S, `mu.0.bias` [H], `mu.2.weight` 1×H, `mu.2.bias` [1], `value.*`, `log_sigma` [1]. */
  exportStateDict(): StateDict {
    const dict: StateDict = {};
    for (const p of this.allParams()) dict[p.name] = writeTensor(p.data, p.shape);
    return dict;
  }

  /** The gradients left by the last {@link learn}, in the state-dict layout. */
  exportGradients(): StateDict {
    const dict: StateDict = {};
    for (const p of this.allParams()) dict[p.name] = writeTensor(p.grad, p.shape);
    return dict;
  }

  importStateDict(dict: StateDict): void {
    const params = this.allParams();
    checkStateDictKeys(
      dict,
      params.map((p) => p.name),
    );
    const loaded = params.map((p) => {
      const tmp = new Float64Array(p.data.length);
      readTensor(dict, p.name, p.shape, tmp);
      return tmp;
    });
    params.forEach((p, q) => p.data.set(loaded[q]));
    this.memoCount = 0;
    this.refreshSigma();
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
    this.criticOptimizer.lr = critic;
  }

  /** Every trainable tensor (actor's, then critic's), internal layouts. */
  parameters(): Parameter[] {
    return [...this.actorOptimizer.params, ...this.criticOptimizer.params];
  }

  getTrainingState(): AgentTrainingState {
    return { actor: this.actorOptimizer.getState(), critic: this.criticOptimizer.getState() };
  }

  setTrainingState(state: AgentTrainingState): void {
    if (!state || !state.actor || !state.critic)
      throw new TypeError("setTrainingState: expected { actor, critic } optimizer states");
    this.actorOptimizer.setState(state.actor);
    this.criticOptimizer.setState(state.critic);
  }
}
