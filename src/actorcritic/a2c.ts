import { Kfac, type KfacOptions } from "../nn/kfac.js";
import { Adam } from "../optim/adam.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
import { RmsProp } from "../optim/rmsprop.js";
import { Rng, type RngState } from "../random/rng.js";
import { a2cLoss, computeGae, fisherLossGradients, type A2cLossTerms } from "./loss.js";
import type { ActorCriticNetwork } from "./network.js";
import type { SyncVectorEnv, VectorEnvSnapshot, VectorEpisode } from "./vector-env.js";

/** The update rule: Adam, RMSProp (A2C's original) or K-FAC with a KL-clipped step (ACKTR). */
export type A2cOptimizerKind = "adam" | "rmsprop" | "kfac";

export interface A2cOptions {
  /** Steps per env per update, n ≥ 1 (the rollout is n × E). Default 5. */
  nSteps?: number;
  /** Discount γ ∈ [0, 1]. Default 0.99. */
  gamma?: number;
  /** GAE λ ∈ [0, 1]; 1 is the n-step advantage. Default 1. */
  gaeLambda?: number;
  /** Value-loss coefficient c_v ≥ 0. Default 0.5. */
  valueCoef?: number;
  /** Entropy-bonus coefficient c_e ≥ 0. Default 0.01. */
  entropyCoef?: number;
  optimizer?: A2cOptimizerKind;
  /** Learning rate (K-FAC: its largest step η). Default 7e-4 (Adam, RMSProp), 0.25 (K-FAC). */
  lr?: number;
  /** Global gradient-norm clip for Adam and RMSProp (null: none). Default 0.5. ACKTR clips by KL instead. */
  maxGradNorm?: number | null;
  /** K-FAC's other settings (damping, statDecay, inverseEvery, klClip, momentum, weightDecay). */
  kfac?: Omit<KfacOptions, "lr">;
  /** Standardize the advantages of each rollout to mean 0 and standard deviation 1. Default false. */
  normalizeAdvantages?: boolean;
}

/** What one update did. */
export interface A2cUpdateInfo extends A2cLossTerms {
  update: number;
  /** Gradient norm before clipping (Adam and RMSProp). */
  gradNorm: number;
  /** K-FAC's KL scale ν (1 otherwise). */
  stepScale: number;
}

/** The resumable state of an {@link A2c} run. */
export interface A2cState {
  readonly kind: "a2c";
  readonly updates: number;
  readonly parameters: Record<string, number[]>;
  readonly optimizer: OptimizerState;
  readonly rng: RngState;
  readonly envs: VectorEnvSnapshot;
}

function checkIn(value: number, lo: number, hi: number, field: string, integer = false): void {
  if (!(Number.isFinite(value) && value >= lo && value <= hi) || (integer && !Number.isInteger(value)))
    throw new RangeError(
      `A2C: ${field} must be ${integer ? "an integer" : "a number"} in [${lo}, ${hi}], got ${value}`,
    );
}

/**
 * Synchronous advantage actor-critic (Mnih et al. 2016, the synchronous "A2C" variant) and, with the
 * K-FAC optimizer, ACKTR (Wu et al. 2017); docs/actor-critic.md. Each update: E envs step n times in
 * lockstep under the current policy (actions drawn from π(·|s) with the run's Rng); advantages by
 * GAE(γ, λ) with the truncated episodes' bootstrap folded into their last reward; one gradient step
 * on J = −mean Â log π(a|s) + c_v mean ½(V − R)² − c_e mean H(π). With K-FAC, the curvature is
 * estimated first from the sampled Fisher loss on the same batch (`fisherLossGradients`).
 */
export class A2c {
  readonly network: ActorCriticNetwork;
  readonly envs: SyncVectorEnv;
  readonly optimizer: Optimizer;
  readonly nSteps: number;
  readonly gamma: number;
  readonly gaeLambda: number;
  readonly valueCoef: number;
  readonly entropyCoef: number;
  readonly maxGradNorm: number | null;
  readonly normalizeAdvantages: boolean;
  readonly optimizerKind: A2cOptimizerKind;
  private rng: Rng;
  private updates = 0;
  private readonly E: number;
  private readonly A: number;
  private readonly obs: Float64Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float64Array;
  private readonly values: Float64Array;
  private readonly ended: Uint8Array;
  private readonly advantages: Float64Array;
  private readonly returns: Float64Array;
  private readonly bootstrap: Float64Array;
  private readonly gradLogits: Float64Array;
  private readonly gradValues: Float64Array;
  private readonly fisherLogits: Float64Array;
  private readonly fisherValues: Float64Array;
  private readonly probs: Float64Array;

  constructor(network: ActorCriticNetwork, envs: SyncVectorEnv, rng: Rng, options: A2cOptions = {}) {
    this.network = network;
    this.envs = envs;
    this.rng = rng;
    this.nSteps = options.nSteps ?? 5;
    this.gamma = options.gamma ?? 0.99;
    this.gaeLambda = options.gaeLambda ?? 1;
    this.valueCoef = options.valueCoef ?? 0.5;
    this.entropyCoef = options.entropyCoef ?? 0.01;
    this.maxGradNorm = options.maxGradNorm === undefined ? 0.5 : options.maxGradNorm;
    this.normalizeAdvantages = options.normalizeAdvantages ?? false;
    this.optimizerKind = options.optimizer ?? "adam";
    checkIn(this.nSteps, 1, 1e6, "nSteps", true);
    checkIn(this.gamma, 0, 1, "gamma");
    checkIn(this.gaeLambda, 0, 1, "gaeLambda");
    checkIn(this.valueCoef, 0, 1e6, "valueCoef");
    checkIn(this.entropyCoef, 0, 1e6, "entropyCoef");
    if (this.maxGradNorm !== null) checkIn(this.maxGradNorm, Number.MIN_VALUE, Infinity, "maxGradNorm");
    if (envs.observationSize !== network.observationSize)
      throw new RangeError(
        `A2C: the envs' observations have ${envs.observationSize} entries, the network reads ${network.observationSize}`,
      );
    const kind = this.optimizerKind;
    if (kind === "kfac") {
      this.optimizer = new Kfac(
        network.layers,
        { ...options.kfac, lr: options.lr ?? 0.25 },
        network.parameters,
      );
    } else if (kind === "adam") {
      this.optimizer = new Adam(network.parameters, { lr: options.lr ?? 7e-4 });
    } else if (kind === "rmsprop") {
      this.optimizer = new RmsProp(network.parameters, { lr: options.lr ?? 7e-4, alpha: 0.99, eps: 1e-5 });
    } else {
      throw new RangeError(`A2C: optimizer must be 'adam', 'rmsprop' or 'kfac', got ${String(kind)}`);
    }
    const E = (this.E = envs.numEnvs);
    const A = (this.A = network.numActions);
    const N = this.nSteps * E;
    this.obs = new Float64Array(N * envs.observationSize);
    this.actions = new Int32Array(N);
    this.rewards = new Float64Array(N);
    this.values = new Float64Array(N);
    this.ended = new Uint8Array(N);
    this.advantages = new Float64Array(N);
    this.returns = new Float64Array(N);
    this.bootstrap = new Float64Array(E);
    this.gradLogits = new Float64Array(N * A);
    this.gradValues = new Float64Array(N);
    this.fisherLogits = new Float64Array(N * A);
    this.fisherValues = new Float64Array(N);
    this.probs = new Float64Array(A);
  }

  get updateCount(): number {
    return this.updates;
  }

  /** Draws a ~ softmax(z) by inverting the CDF at one uniform draw. */
  private sample(logits: Float64Array, offset: number): number {
    const A = this.A;
    let max = -Infinity;
    for (let b = 0; b < A; b++) max = Math.max(max, logits[offset + b]);
    let sum = 0;
    for (let b = 0; b < A; b++) {
      this.probs[b] = Math.exp(logits[offset + b] - max);
      sum += this.probs[b];
    }
    const u = this.rng.uniform() * sum;
    let acc = 0;
    for (let b = 0; b < A - 1; b++) {
      acc += this.probs[b];
      if (u < acc) return b;
    }
    return A - 1;
  }

  /**
   * One rollout of n steps in every env and one update. Calls `onEpisode` for every episode that ends.
   * The envs must have been reset (or restored) before the first call.
   */
  update(onEpisode?: (episode: VectorEpisode) => void): A2cUpdateInfo {
    const { E, A, nSteps: T, envs, network } = this;
    const d = envs.observationSize;
    const N = T * E;
    const stepActions = new Int32Array(E);
    for (let t = 0; t < T; t++) {
      this.obs.set(envs.observations, t * E * d);
      const { logits, values } = network.forward(envs.observations, E);
      for (let e = 0; e < E; e++) {
        const a = this.sample(logits, e * A);
        stepActions[e] = a;
        this.actions[t * E + e] = a;
        this.values[t * E + e] = values[e];
      }
      envs.step(stepActions);
      for (let e = 0; e < E; e++) {
        const i = t * E + e;
        let r = envs.rewards[e];
        const term = envs.terminated[e] === 1;
        const trunc = envs.truncated[e] === 1;
        if (trunc && !term) {
          // The episode was cut, not finished: bootstrap from its last state inside this reward.
          const v = network.forward(envs.finalObservations.subarray(e * d, (e + 1) * d), 1).values[0];
          r += this.gamma * v;
        }
        this.rewards[i] = r;
        this.ended[i] = term || trunc ? 1 : 0;
      }
      if (onEpisode) for (const ep of envs.finished) onEpisode(ep);
    }
    this.bootstrap.set(network.forward(envs.observations, E).values);
    computeGae(
      this.rewards,
      this.values,
      this.bootstrap,
      this.ended,
      T,
      E,
      this.gamma,
      this.gaeLambda,
      this.advantages,
      this.returns,
    );
    if (this.normalizeAdvantages && N > 1) {
      let mean = 0;
      for (let i = 0; i < N; i++) mean += this.advantages[i];
      mean /= N;
      let v = 0;
      for (let i = 0; i < N; i++) v += (this.advantages[i] - mean) ** 2;
      const std = Math.sqrt(v / (N - 1));
      for (let i = 0; i < N; i++) this.advantages[i] = (this.advantages[i] - mean) / (std + 1e-8);
    }
    const { logits, values } = network.forward(this.obs, N);
    const opt = this.optimizer;
    if (opt instanceof Kfac) {
      const noise = this.rng.fillNormal(new Float64Array(N));
      fisherLossGradients(logits, this.actions, noise, N, A, this.fisherLogits, this.fisherValues);
      network.zeroGrad();
      network.backward(this.fisherLogits, this.fisherValues, N);
      opt.updateStatistics(N);
    }
    network.zeroGrad();
    const terms = a2cLoss(
      logits,
      values,
      this.actions,
      this.advantages,
      this.returns,
      N,
      A,
      this.valueCoef,
      this.entropyCoef,
      this.gradLogits,
      this.gradValues,
    );
    network.backward(this.gradLogits, this.gradValues, N);
    let gradNorm = 0;
    for (const p of network.parameters) for (let i = 0; i < p.grad.length; i++) gradNorm += p.grad[i] ** 2;
    gradNorm = Math.sqrt(gradNorm);
    if (!(opt instanceof Kfac) && this.maxGradNorm !== null && gradNorm > this.maxGradNorm) {
      const scale = this.maxGradNorm / (gradNorm + 1e-6);
      for (const p of network.parameters) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= scale;
    }
    opt.step();
    this.updates++;
    return {
      ...terms,
      update: this.updates,
      gradNorm,
      stepScale: opt instanceof Kfac ? opt.lastScale : 1,
    };
  }

  /** Parameters, optimizer, generator and envs: a restored run continues bit-identically. */
  getState(): A2cState {
    return {
      kind: "a2c",
      updates: this.updates,
      parameters: Object.fromEntries(this.network.parameters.map((p) => [p.name, Array.from(p.data)])),
      optimizer: this.optimizer.getState(),
      rng: this.rng.getState(),
      envs: this.envs.snapshot(),
    };
  }

  setState(state: A2cState): void {
    if (state?.kind !== "a2c")
      throw new Error(`A2C.setState: expected kind "a2c", got ${String(state?.kind)}`);
    for (const p of this.network.parameters) {
      const saved = state.parameters[p.name];
      if (!Array.isArray(saved) || saved.length !== p.data.length)
        throw new RangeError(
          `A2C.setState: parameter "${p.name}" is missing or not of length ${p.data.length}`,
        );
    }
    this.optimizer.setState(state.optimizer);
    this.envs.restore(state.envs);
    for (const p of this.network.parameters) p.data.set(state.parameters[p.name]);
    this.rng = Rng.fromState(state.rng);
    this.updates = state.updates;
  }
}
