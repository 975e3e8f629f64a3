import { LowRankMatrix } from "../factor/low-rank-matrix.js";
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
import { LOG_SQRT_2PI, softplus, softplusInverse } from "../pg/gaussian.js";
import { discountedReturns } from "../pg/returns.js";
import { checkStateDictKeys, readTensor, writeTensor } from "../pg/state-dict.js";
import { Discretizer, type DiscretizerOptions } from "./discretizer.js";
import { LowRankCritic, fillReferenceOrder } from "./low-rank-critic.js";

/** How σ is parametrised. */
export type SigmaOptions =
  | {
      /** The reference: one state-independent σ = exp(ρ), ρ learned by the actor's Adam. */
      kind: "scalar";
      /** ρ₀ = log σ₀ (reference: 1, i.e. σ₀ = e). */
      logSigmaInit?: number;
    }
  | {
      /**
       * Beyond the reference: σ(s) = φ([L_σ R_σᵀ]_{i(s), j(s)}) on the actor's grid, φ a positive map
       * (exp or softplus), with its own rank, initialised so that σ₀(s) = `sigmaInit` everywhere
       * (its only random draws come after the actor's and critic's, which are unchanged).
       */
      kind: "low-rank";
      rank: number;
      map?: "exp" | "softplus";
      /** σ₀ at every cell (default e, as the reference's scalar). */
      sigmaInit?: number;
    };

export interface LrpgAgentOptions {
  /** Grid of the actor (and of the σ matrix): rows and columns of μ's matrix. */
  actorGrid: Discretizer | DiscretizerOptions;
  /** Grid of the critic (the reference's pendulum uses a finer one). */
  criticGrid: Discretizer | DiscretizerOptions;
  /** K, the rank of the actor and critic factorisations (integer ≥ 1). */
  rank: number;
  /** Rank of the critic when it differs from the actor's (default `rank`). */
  criticRank?: number;
  /** Adam learning rate of L_μ, R_μ and σ's parameters. */
  lrActor: number;
  /** Adam learning rate of the critic. */
  lrCritic: number;
  /** Discount γ of the Monte-Carlo returns, in [0, 1]. */
  gamma: number;
  /** μ = sigmoid([L Rᵀ]_{ij}) (the reference's rocket, `bool_output=True`). Default false. */
  sigmoidMean?: boolean;
  /**
   * Clamp the sampled action to [lo, hi] before it is stored, sent to the env and used in the
   * log-prob (the reference's rocket: [0, 1]). Default: none (the raw sample, the env clips).
   */
  actionClamp?: readonly [number, number];
  /** σ parametrisation; default the reference's scalar with log σ₀ = 1. */
  sigma?: SigmaOptions;
  /** Std of the N(0, s²) init of every factor entry (reference 1). */
  initScale?: number;
  /** Generator for the init draws (order mu.L, mu.R, value.L, value.R, each in the reference's layout). */
  rng?: Rng;
  /** Seed of a fresh generator for the init when `rng` is not given. */
  seed?: number;
}

/**
 * LRPG (Rozada & Marques, ICASSP 2023) as its official code runs it
 * (sergiorozada12/matrix-low-rank-pg `GaussianPolicyLR`): a Gaussian policy
 * π(a|s) = N(μ(s), σ²) with μ(s) = [L_μ R_μᵀ]_{i(s), j(s)} on the actor grid (optionally through
 * a sigmoid), a low-rank critic on its own grid, trained by REINFORCE with the critic as a
 * Monte-Carlo baseline. Per episode ({@link learn}):
 *   1. G_t Monte-Carlo returns; V_t = critic(s_t); A_t = G_t − V_t (held constant);
 *   2. actor: J_a = (1/T) Σ_t −A_t log π(a_t|s_t), one Adam step on (L_μ, R_μ, ρ = log σ);
 *      with z_t = ℓ_{i_t}·r_{j_t} and g_t = −(a_t − μ_t)/σ² (× μ_t(1−μ_t) under the sigmoid):
 *      ∇ℓ_i = (1/T) Σ_{t: i_t = i} A_t g_t r_{j_t}, ∇r_j = (1/T) Σ_{t: j_t = j} A_t g_t ℓ_{i_t},
 *      ∂J_a/∂ρ = (1/T) Σ_t −A_t ((a_t − μ_t)²/σ² − 1);
 *      low-rank σ: ∂(−log π)/∂σ_t = 1/σ_t − (a_t − μ_t)²/σ_t³, chained through φ'(z^σ_t);
 *   3. critic: one Adam step on (1/T) Σ_t (V_t − G_t)² (see {@link LowRankCritic}).
 * Derivation: docs/lrpg-reference.md §1.4.
 */
export class LrpgAgent implements GaussianPolicyAgent {
  readonly actionKind = "continuous" as const;
  readonly stateDim: number;
  readonly gamma: number;
  readonly actorGrid: Discretizer;
  readonly criticGrid: Discretizer;
  /** μ's pre-activation matrix Z = L_μ R_μᵀ (parameters `mu.L`, `mu.R`). */
  readonly mu: LowRankMatrix;
  /** ρ = log σ when σ is a scalar (parameter `log_sigma`), else null. */
  readonly logSigma: Parameter | null;
  /** σ's pre-activation matrix when σ is low-rank (parameters `sigma.L`, `sigma.R`), else null. */
  readonly sigmaMatrix: LowRankMatrix | null;
  readonly critic: LowRankCritic;
  readonly actorOptimizer: Adam;
  readonly sigmoidMean: boolean;
  readonly actionClamp: readonly [number, number] | null;
  private readonly sigmaExp: boolean;
  /** exp(ρ), refreshed after every change of ρ. */
  private sigmaScalar = Math.E;
  private readonly clampLo: number;
  private readonly clampHi: number;
  // Scratch buffers, grown on demand (never per step).
  private G = new Float64Array(0);
  private V = new Float64Array(0);

  constructor(options: LrpgAgentOptions) {
    const { rank, lrActor, lrCritic, gamma } = options;
    if (!Number.isInteger(rank) || rank < 1)
      throw new RangeError(`LrpgAgent: rank must be an integer >= 1, got ${rank}`);
    const criticRank = options.criticRank ?? rank;
    if (!Number.isInteger(criticRank) || criticRank < 1) {
      throw new RangeError(`LrpgAgent: criticRank must be an integer >= 1, got ${criticRank}`);
    }
    checkLr(lrActor, "lrActor");
    checkLr(lrCritic, "lrCritic");
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`LrpgAgent: gamma must be in [0, 1], got ${gamma}`);
    const initScale = options.initScale ?? 1;
    if (!(initScale >= 0 && Number.isFinite(initScale))) {
      throw new RangeError(`LrpgAgent: initScale must be a finite number >= 0, got ${initScale}`);
    }
    this.actorGrid =
      options.actorGrid instanceof Discretizer ? options.actorGrid : new Discretizer(options.actorGrid);
    this.criticGrid =
      options.criticGrid instanceof Discretizer ? options.criticGrid : new Discretizer(options.criticGrid);
    if (this.actorGrid.stateDim !== this.criticGrid.stateDim) {
      throw new RangeError(
        `LrpgAgent: actorGrid has ${this.actorGrid.stateDim} state dimensions but criticGrid has ${this.criticGrid.stateDim}`,
      );
    }
    this.stateDim = this.actorGrid.stateDim;
    this.gamma = gamma;
    this.sigmoidMean = options.sigmoidMean ?? false;
    if (options.actionClamp) {
      const [lo, hi] = options.actionClamp;
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) {
        throw new RangeError(
          `LrpgAgent: actionClamp must be [lo, hi] with finite lo < hi, got [${lo}, ${hi}]`,
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
    this.mu = new LowRankMatrix(this.actorGrid.rows, this.actorGrid.cols, rank, "mu");
    fillReferenceOrder(this.mu, rng, initScale);
    this.critic = new LowRankCritic(this.criticGrid, criticRank, lrCritic, rng, initScale);

    const sigma = options.sigma ?? { kind: "scalar" };
    const actorParams: Parameter[] = [this.mu.L, this.mu.R];
    if (sigma.kind === "scalar") {
      const rho = sigma.logSigmaInit ?? 1;
      if (!Number.isFinite(rho))
        throw new RangeError(`LrpgAgent: sigma.logSigmaInit must be finite, got ${rho}`);
      this.logSigma = makeParameter("log_sigma", [1], Float64Array.of(rho));
      this.sigmaMatrix = null;
      this.sigmaExp = true;
      actorParams.push(this.logSigma);
    } else if (sigma.kind === "low-rank") {
      const sr = sigma.rank;
      if (!Number.isInteger(sr) || sr < 1)
        throw new RangeError(`LrpgAgent: sigma.rank must be an integer >= 1, got ${sr}`);
      const map = sigma.map ?? "exp";
      if (map !== "exp" && map !== "softplus")
        throw new RangeError(`LrpgAgent: sigma.map must be "exp" or "softplus", got ${String(map)}`);
      const s0 = sigma.sigmaInit ?? Math.E;
      if (!(s0 > 0 && Number.isFinite(s0)))
        throw new RangeError(`LrpgAgent: sigma.sigmaInit must be a finite number > 0, got ${s0}`);
      this.sigmaExp = map === "exp";
      const z0 = this.sigmaExp ? Math.log(s0) : softplusInverse(s0);
      // Component 0 carries the constant: ℓ_i[0] = √|z0|, r_j[0] = ±√|z0|, so Z_σ = z0 at every
      // cell. Components k ≥ 1 start with ℓ_i[k] ~ N(0, 0.1²) (drawn after the critic) and
      // r_j[k] = 0: Z_σ is still exactly z0, but ∇r_j[k] = g·ℓ_i[k] differs between components,
      // so the factorisation is not stuck at rank 1.
      const c = Math.sqrt(Math.abs(z0));
      const m = new LowRankMatrix(this.actorGrid.rows, this.actorGrid.cols, sr, "sigma");
      for (let i = 0; i < m.rows; i++) {
        m.L.data[i * sr] = c;
        for (let k = 1; k < sr; k++) m.L.data[i * sr + k] = 0.1 * rng.normal();
      }
      for (let j = 0; j < m.cols; j++) m.R.data[j * sr] = z0 >= 0 ? c : -c;
      this.sigmaMatrix = m;
      this.logSigma = null;
      actorParams.push(this.sigmaMatrix.L, this.sigmaMatrix.R);
    } else {
      throw new RangeError(`LrpgAgent: sigma.kind must be "scalar" or "low-rank"`);
    }
    this.actorOptimizer = new Adam(actorParams, { lr: lrActor });
    this.refreshSigma();
  }

  get parameterCount(): ParameterCount {
    const actor = this.mu.parameterCount;
    const critic = this.critic.matrix.parameterCount;
    const sigma = this.sigmaMatrix ? this.sigmaMatrix.parameterCount : 1;
    return { actor, critic, sigma, total: actor + critic };
  }

  /** μ at flat actor cell f (after the sigmoid when enabled). */
  private meanAtFlat(f: number): number {
    const M = this.actorGrid.cols;
    const i = (f / M) | 0;
    const z = this.mu.entry(i, f - i * M);
    return this.sigmoidMean ? 1 / (1 + Math.exp(-z)) : z;
  }

  /** σ at flat actor cell f. */
  private sigmaAtFlat(f: number): number {
    const sm = this.sigmaMatrix;
    if (sm === null) return this.sigmaScalar;
    const M = this.actorGrid.cols;
    const i = (f / M) | 0;
    const z = sm.entry(i, f - i * M);
    return this.sigmaExp ? Math.exp(z) : softplus(z);
  }

  private cellOf(state: ArrayLike<number>): number {
    this.actorGrid.checkLength(state);
    return this.actorGrid.flatCell(state);
  }

  act(state: ArrayLike<number>, rng: Rng): number {
    const f = this.cellOf(state);
    const a = this.meanAtFlat(f) + this.sigmaAtFlat(f) * rng.normal();
    return a < this.clampLo ? this.clampLo : a > this.clampHi ? this.clampHi : a;
  }

  actDeterministic(state: ArrayLike<number>): number {
    const mu = this.meanAtFlat(this.cellOf(state));
    return mu < this.clampLo ? this.clampLo : mu > this.clampHi ? this.clampHi : mu;
  }

  mean(state: ArrayLike<number>): number {
    return this.meanAtFlat(this.cellOf(state));
  }

  sigma(state: ArrayLike<number>): number {
    return this.sigmaAtFlat(this.cellOf(state));
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
    const G = this.G;
    const V = this.V;
    discountedReturns(rewards, this.gamma, T, G);
    this.critic.evaluate(states, T, V);

    // Actor: J_a = mean_t(−log π(a_t|s_t)·A_t), gradients at the pre-step parameters.
    this.actorOptimizer.zeroGrad();
    const grid = this.actorGrid;
    const M = grid.cols;
    const K = this.mu.rank;
    const L = this.mu.L.data;
    const R = this.mu.R.data;
    const gL = this.mu.L.grad;
    const gR = this.mu.R.grad;
    const sm = this.sigmaMatrix;
    const sigmoid = this.sigmoidMean;
    const invT = 1 / T;
    const logSigmaScalar = Math.log(this.sigmaScalar);
    let lossSum = 0;
    let gRho = 0;
    for (let t = 0; t < T; t++) {
      const a = actions[t];
      if (a !== a) throw new RangeError(`learn: actions[${t}] is NaN (expected a finite action)`);
      const f = grid.flatCell(states, t * S);
      const i = (f / M) | 0;
      const j = f - i * M;
      const io = i * K;
      const jo = j * K;
      let z = 0;
      for (let k = 0; k < K; k++) z += L[io + k] * R[jo + k];
      const mu = sigmoid ? 1 / (1 + Math.exp(-z)) : z;
      const adv = G[t] - V[t];
      const w = invT * adv; // ∂J_a/∂(−log π_t)
      const d = a - mu;
      let sigma: number;
      let logSigma: number;
      let zs = 0;
      if (sm === null) {
        sigma = this.sigmaScalar;
        logSigma = logSigmaScalar;
      } else {
        zs = sm.entry(i, j);
        sigma = this.sigmaExp ? Math.exp(zs) : softplus(zs);
        logSigma = Math.log(sigma);
      }
      const variance = sigma * sigma;
      const logProb = -(d * d) / (2 * variance) - logSigma - LOG_SQRT_2PI;
      lossSum += -logProb * adv;
      // ∂(−log π)/∂μ = −(a − μ)/σ², chained through the sigmoid when present.
      let gz = w * (-d / variance);
      if (sigmoid) gz *= mu * (1 - mu);
      for (let k = 0; k < K; k++) {
        gL[io + k] += gz * R[jo + k];
        gR[jo + k] += gz * L[io + k];
      }
      if (sm === null) {
        gRho += w * (1 - (d * d) / variance);
      } else {
        // ∂(−log π)/∂σ = 1/σ − (a−μ)²/σ³; φ' = σ (exp) or sigmoid(z) (softplus).
        const gSigma = w * (1 / sigma - (d * d) / (variance * sigma));
        const dPhi = this.sigmaExp ? sigma : 1 / (1 + Math.exp(-zs));
        sm.accumulateEntryGrad(i, j, gSigma * dPhi);
      }
    }
    if (this.logSigma) this.logSigma.grad[0] = gRho;
    const lossActor = lossSum / T;
    this.actorOptimizer.step();
    this.refreshSigma();

    const lossCritic = this.critic.step(V, G, T);
    return { lossActor, lossCritic };
  }

  private refreshSigma(): void {
    if (this.logSigma) this.sigmaScalar = Math.exp(this.logSigma.data[0]);
  }

  private stateDictKeys(): string[] {
    const keys = ["mu.L", "mu.R", "value.L", "value.R"];
    if (this.sigmaMatrix) keys.push("sigma.L", "sigma.R");
    else keys.push("log_sigma");
    return keys;
  }

  /**
   * The reference's PyTorch names and layouts: `mu.L` N×K, `mu.R` K×M (the transpose of the
   * R stored here), `value.L`, `value.R` likewise, `log_sigma` [1]; the low-rank σ option
   * exports `sigma.L` N×K_σ and `sigma.R` K_σ×M instead of `log_sigma`.
   */
  exportStateDict(): StateDict {
    const dict: StateDict = {};
    const put = (key: string, p: Parameter, transpose: boolean) =>
      (dict[key] = writeTensor(p.data, p.shape, transpose));
    put("mu.L", this.mu.L, false);
    put("mu.R", this.mu.R, true);
    put("value.L", this.critic.matrix.L, false);
    put("value.R", this.critic.matrix.R, true);
    if (this.sigmaMatrix) {
      put("sigma.L", this.sigmaMatrix.L, false);
      put("sigma.R", this.sigmaMatrix.R, true);
    } else if (this.logSigma) {
      put("log_sigma", this.logSigma, false);
    }
    return dict;
  }

  /** The gradients left by the last {@link learn} (actor's for mu.* and σ, critic's for value.*), in the state-dict layout. */
  exportGradients(): StateDict {
    const dict: StateDict = {};
    const put = (key: string, p: Parameter, transpose: boolean) =>
      (dict[key] = writeTensor(p.grad, p.shape, transpose));
    put("mu.L", this.mu.L, false);
    put("mu.R", this.mu.R, true);
    put("value.L", this.critic.matrix.L, false);
    put("value.R", this.critic.matrix.R, true);
    if (this.sigmaMatrix) {
      put("sigma.L", this.sigmaMatrix.L, false);
      put("sigma.R", this.sigmaMatrix.R, true);
    } else if (this.logSigma) {
      put("log_sigma", this.logSigma, false);
    }
    return dict;
  }

  importStateDict(dict: StateDict): void {
    checkStateDictKeys(dict, this.stateDictKeys());
    // Validate everything into scratch copies first so a bad dict leaves the agent unchanged.
    const targets: [string, Parameter, boolean][] = [
      ["mu.L", this.mu.L, false],
      ["mu.R", this.mu.R, true],
      ["value.L", this.critic.matrix.L, false],
      ["value.R", this.critic.matrix.R, true],
    ];
    if (this.sigmaMatrix)
      targets.push(["sigma.L", this.sigmaMatrix.L, false], ["sigma.R", this.sigmaMatrix.R, true]);
    else if (this.logSigma) targets.push(["log_sigma", this.logSigma, false]);
    const loaded = targets.map(([key, p, transpose]) => {
      const tmp = new Float64Array(p.data.length);
      readTensor(dict, key, p.shape, tmp, transpose);
      return tmp;
    });
    targets.forEach(([, p], q) => p.data.set(loaded[q]));
    this.refreshSigma();
  }

  /** Adam state of the actor (mu.L, mu.R, log_sigma | sigma.*) and critic (value.*); R buffers are M×K here. */
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

function checkLr(lr: number, name: string): void {
  if (!(Number.isFinite(lr) && lr > 0))
    throw new RangeError(`LrpgAgent: ${name} must be a finite number > 0, got ${lr}`);
}
