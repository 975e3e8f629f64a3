import { Kfac } from "../nn/kfac.js";
import type { Layer } from "../nn/layer.js";
import { Adam } from "../optim/adam.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
import { zeroGrads, type Parameter } from "../optim/parameter.js";
import { RmsProp } from "../optim/rmsprop.js";
import type { Rng } from "../random/rng.js";
import { resolveDqnConfig, type DqnConfig } from "./config.js";
import {
  atomValues,
  categoricalLoss,
  expectedValues,
  projectDistribution,
  softmaxRows,
} from "./distributional.js";
import { argmax, epsilonGreedy } from "./epsilon-greedy.js";
import {
  categoricalFisherGradients,
  fisherNoise,
  fisherUniforms,
  gaussianFisherGradients,
} from "./fisher.js";
import { clipGradNorm } from "./grad-clip.js";
import { tdLoss } from "./loss.js";
import {
  ReplayBuffer,
  type ObservationDtype,
  type ReplayBatch,
  type ReplayBufferState,
} from "./replay-buffer.js";
import { PrioritizedReplayBuffer } from "./prioritized-replay.js";
import { LinearSchedule } from "./schedule.js";
import { polyakUpdate } from "./target-update.js";
import { bootstrapPolicyRow, tdTargets } from "./td-target.js";

export interface DqnAgentOptions {
  /**
   * Builds one Q-network (input: a flat observation; output: one value per action, or N logits per
   * action when `config.distributional` has N atoms, action-major). Called twice: online and target.
   */
  makeNetwork: () => Layer;
  config?: Partial<DqnConfig>;
  /** Replay storage of observations (uint8 for binary grids). Default float64. */
  observationDtype?: ObservationDtype;
  /**
   * Keep each update's (clipped) gradients in `Parameter.grad` after `learn` for inspection; they
   * are then zeroed before the next backward. Default false: the optimizer zeroes them right after
   * its step, fused into the update (one pass over θ less per update).
   */
  keepGradients?: boolean;
}

export interface UpdateStats {
  /** Mean TD loss of the minibatch. */
  tdLoss: number;
  /** Mean Q(s, a) of the minibatch's actions. */
  qMean: number;
  /** Global gradient norm before clipping; null when clipping is off (not computed: it costs a pass over θ). */
  gradNorm: number | null;
}

/** One parameter tensor in a checkpoint: its name, shape and a copy of its values. */
export interface ParameterSnapshot {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/**
 * Everything `update` depends on, as a plain object of typed-array copies (v8.serialize /
 * structured-clone friendly; the optimizer's buffers are number arrays, JSON friendly): online and
 * target parameters in network order, optimizer state, update count, replay contents and cursor.
 * The caller's generator (`Rng.getState()`) and environment are not part of it.
 */
export interface DqnAgentState {
  readonly kind: "dqn-agent";
  readonly version: 1;
  readonly updates: number;
  readonly online: readonly ParameterSnapshot[];
  readonly target: readonly ParameterSnapshot[];
  readonly optimizer: OptimizerState;
  readonly replay: ReplayBufferState;
}

function snapshot(params: readonly Parameter[]): ParameterSnapshot[] {
  return params.map((p) => ({ name: p.name, shape: [...p.shape], data: Float64Array.from(p.data) }));
}

function checkSnapshots(saved: unknown, params: readonly Parameter[], field: string): void {
  const who = "DqnAgent.setState";
  if (!Array.isArray(saved)) throw new TypeError(`${who}: ${field} must be an array of parameters`);
  if (saved.length !== params.length)
    throw new RangeError(`${who}: ${field} has ${saved.length} parameters, the network ${params.length}`);
  params.forEach((p, q) => {
    const s = saved[q] as Partial<ParameterSnapshot> | null;
    const at = `${field}[${q}]`;
    if (s === null || typeof s !== "object") throw new TypeError(`${who}: ${at} must be an object`);
    if (s.name !== p.name)
      throw new RangeError(`${who}: ${at}.name is "${String(s.name)}", expected "${p.name}"`);
    if (
      !Array.isArray(s.shape) ||
      s.shape.length !== p.shape.length ||
      s.shape.some((d, i) => d !== p.shape[i])
    )
      throw new RangeError(
        `${who}: ${at} ("${p.name}") has shape [${String(s.shape)}], expected [${p.shape.join(",")}]`,
      );
    if (!(s.data instanceof Float64Array))
      throw new TypeError(`${who}: ${at} ("${p.name}").data must be a Float64Array`);
    if (s.data.length !== p.data.length)
      throw new RangeError(
        `${who}: ${at} ("${p.name}").data has length ${s.data.length}, expected ${p.data.length}`,
      );
  });
}

/**
 * Deep Q-Network agent (Mnih et al. 2015): online network Q_θ trained on replayed
 * minibatches towards y = G + γᵐ max/argmax Q_θ⁻(s′, ·) (see tdTargets), target network θ⁻ synced
 * every `targetUpdateInterval` updates by Polyak averaging with τ (τ = 1: hard copy),
 * optional Double DQN, n-step returns, Huber loss, global-norm clipping, Adam, (centered) RMSProp or
 * K-FAC (ACKTR's KL-clipped natural gradient; each update first estimates the curvature from the
 * sampled Fisher of the Q-network on the minibatch, with draws from the caller's Rng: docs/kfac.md §10).
 * Unless `keepGradients`, the online network's gradients are zero between updates (the optimizer
 * zeroes them after its step); code that runs `network.backward` outside `learn` must zero them again.
 */
export class DqnAgent {
  readonly config: DqnConfig;
  readonly network: Layer;
  readonly targetNetwork: Layer;
  readonly optimizer: Optimizer;
  readonly buffer: ReplayBuffer;
  readonly numActions: number;
  readonly observationSize: number;
  readonly epsilonSchedule: LinearSchedule;
  /** β of the importance weights (prioritized replay): betaStart → 1 after replay start. */
  readonly betaSchedule: LinearSchedule;
  /** Outputs per action: 1, or the C51 atom count. */
  readonly atoms: number;
  /** C51 atom values z (empty for scalar Q). */
  readonly support: Float64Array;
  /** Gradient updates done so far. */
  updates = 0;
  readonly keepGradients: boolean;
  private readonly targets: Float64Array;
  private readonly predictions: Float64Array;
  private readonly lossGrad: Float64Array;
  private readonly gradOut: Float64Array;
  private readonly qNextOnlineCopy: Float64Array;
  /** Per-sample TD errors (or C51 losses) of the last update: the new priorities. */
  private readonly errors: Float64Array;
  private readonly pi: Float64Array;
  private readonly qSelect: Float64Array;
  private readonly probsNext: Float64Array;
  private readonly probsScratch: Float64Array;
  private readonly targetDist: Float64Array;
  private readonly mixture: Float64Array;
  private readonly fisherOut: Float64Array;
  private readonly fisherDraws: Float64Array;

  constructor(options: DqnAgentOptions) {
    this.config = resolveDqnConfig(options.config);
    this.network = options.makeNetwork();
    this.targetNetwork = options.makeNetwork();
    if (this.network === this.targetNetwork)
      throw new Error("DqnAgent: makeNetwork must return a new network on each call");
    const outShape = this.network.outputShape;
    if (outShape.length !== 1)
      throw new RangeError(
        `DqnAgent: the network must output a vector of action values, got shape [${outShape}]`,
      );
    this.atoms = this.config.distributional?.atoms ?? 1;
    if (outShape[0] % this.atoms !== 0)
      throw new RangeError(
        `DqnAgent: the network outputs ${outShape[0]} values, not a multiple of the ${this.atoms} atoms`,
      );
    this.numActions = outShape[0] / this.atoms;
    this.support = this.config.distributional ? atomValues(this.config.distributional) : new Float64Array(0);
    this.observationSize = this.network.inputShape.reduce((a, b) => a * b, 1);
    polyakUpdate(this.network.parameters, this.targetNetwork.parameters, 1);
    const opt = this.config.optimizer;
    const params = this.network.parameters;
    this.keepGradients = options.keepGradients ?? false;
    const zeroGradAfterStep = !this.keepGradients;
    if (opt.kind === "kfac") {
      const kfac = new Kfac(
        this.network,
        {
          lr: opt.lr,
          damping: opt.damping,
          statDecay: opt.statDecay,
          inverseEvery: opt.inverseEvery,
          klClip: opt.klClip,
          momentum: opt.momentum,
        },
        params,
      );
      const covered = new Set(kfac.kroneckerBlocks.flatMap((b) => [b.weight, b.bias]));
      const bare = params.filter((p) => !covered.has(p)).map((p) => p.name);
      if (bare.length > 0)
        throw new RangeError(
          `K-FAC has no Kronecker block for ${bare.join(", ")} (a CP conv has none); use a dense conv or optimizer adam/rmsprop`,
        );
      this.optimizer = kfac;
    } else if (opt.kind === "adam") {
      this.optimizer = new Adam(params, {
        lr: opt.lr,
        eps: opt.eps,
        beta1: opt.beta1,
        beta2: opt.beta2,
        zeroGradAfterStep,
      });
    } else {
      this.optimizer = new RmsProp(params, {
        lr: opt.lr,
        alpha: opt.alpha,
        eps: opt.eps,
        centered: opt.centered,
        zeroGradAfterStep,
      });
    }
    // Unless keepGradients, the online gradients are zero between updates (the optimizer clears
    // them after each step), so `learn` needs no separate zeroing pass over θ.
    zeroGrads(params);
    const replay = {
      capacity: this.config.bufferSize,
      observationSize: this.observationSize,
      observationDtype: options.observationDtype,
    };
    const per = this.config.prioritized;
    this.buffer = per
      ? new PrioritizedReplayBuffer({ ...replay, alpha: per.alpha, priorityEpsilon: per.epsilon })
      : new ReplayBuffer(replay);
    const { batchSize } = this.config;
    const A = this.numActions;
    const N = this.atoms;
    this.targets = new Float64Array(batchSize);
    this.predictions = new Float64Array(batchSize);
    this.lossGrad = new Float64Array(batchSize);
    this.gradOut = new Float64Array(batchSize * A * N);
    this.qNextOnlineCopy = new Float64Array(batchSize * A);
    this.errors = new Float64Array(batchSize);
    this.pi = new Float64Array(A);
    this.qSelect = new Float64Array(batchSize * A);
    this.probsNext = new Float64Array(N > 1 ? batchSize * A * N : 0);
    this.probsScratch = new Float64Array(N > 1 ? batchSize * A * N : 0);
    this.targetDist = new Float64Array(N > 1 ? batchSize * N : 0);
    this.mixture = new Float64Array(N);
    const kfac = this.optimizer instanceof Kfac;
    this.fisherOut = new Float64Array(kfac ? batchSize * A * N : 0);
    this.fisherDraws = new Float64Array(kfac ? batchSize : 0);
    this.betaSchedule = new LinearSchedule(
      per?.betaStart ?? 1,
      1,
      per?.betaFrames ?? 0,
      this.config.learningStarts,
    );
    this.epsilonSchedule = new LinearSchedule(
      this.config.epsilonStart,
      this.config.epsilonEnd,
      this.config.epsilonDecayFrames,
      this.config.learningStarts,
    );
  }

  get parameters(): readonly Parameter[] {
    return this.network.parameters;
  }

  /** ε at a given frame count: ε_start during replay warm-up, then linear to ε_end. */
  epsilon(frame: number): number {
    return this.epsilonSchedule.value(frame);
  }

  /** β of the importance weights at a given frame (1 without prioritized replay). */
  beta(frame: number): number {
    return this.betaSchedule.value(frame);
  }

  /** Q_θ(s, ·) of one observation (a copy; C51: Σⱼ zⱼ pⱼ(s, ·)). */
  qValues(observation: Float64Array): Float64Array {
    const out = this.network.forward(observation, 1);
    if (this.atoms === 1) return Float64Array.from(out);
    const probs = softmaxRows(out, this.numActions, this.atoms, new Float64Array(out.length));
    return expectedValues(probs, this.numActions, this.support, new Float64Array(this.numActions));
  }

  greedyAction(observation: Float64Array): number {
    if (this.atoms > 1) return argmax(this.qValues(observation));
    return argmax(this.network.forward(observation, 1), 0, this.numActions);
  }

  act(observation: Float64Array, epsilon: number, rng: Rng): number {
    return epsilonGreedy(epsilon, this.numActions, rng, () => this.greedyAction(observation));
  }

  /** Stores a transition; `truncated` transitions are bootstrapped, `terminated` ones are not. */
  observe(
    observation: ArrayLike<number>,
    action: number,
    reward: number,
    nextObservation: ArrayLike<number>,
    terminated: boolean,
    truncated: boolean,
  ): void {
    if (!Number.isInteger(action) || action < 0 || action >= this.numActions) {
      throw new RangeError(
        `DqnAgent.observe: action must be an integer in [0, ${this.numActions - 1}], got ${action}`,
      );
    }
    this.buffer.add(observation, action, reward, nextObservation, terminated, truncated);
  }

  /**
   * One gradient step on a sampled minibatch (uniform, or prioritized with β at `frame`); syncs the
   * target net when due. `frame` also sets the ε of Expected SARSA's policy; without it ε = ε_end
   * and β = 1.
   */
  update(rng: Rng, frame?: number): UpdateStats {
    const c = this.config;
    const epsilon = frame === undefined ? c.epsilonEnd : this.epsilon(frame);
    const batch =
      this.buffer instanceof PrioritizedReplayBuffer
        ? this.buffer.sample(c.batchSize, rng, c.nStep, c.gamma, frame === undefined ? 1 : this.beta(frame))
        : this.buffer.sample(c.batchSize, rng, c.nStep, c.gamma);
    const stats = this.learn(batch, epsilon, rng);
    this.updates++;
    if (this.updates % c.targetUpdateInterval === 0) this.syncTarget();
    return stats;
  }

  /**
   * The gradient step on a given minibatch (no target sync, no update counting); `epsilon` is the
   * ε of the bootstrap policy for SARSA / Expected SARSA targets. With prioritized replay, each
   * sample's loss is weighted by `batch.weights` and its priority becomes |δᵢ| + ε (C51: its
   * cross-entropy + ε). With K-FAC, `rng` (the run's generator) draws the sampled Fisher's targets.
   */
  learn(batch: ReplayBatch, epsilon = this.config.epsilonEnd, rng?: Rng): UpdateStats {
    const c = this.config;
    const B = batch.size;
    if (B !== c.batchSize)
      throw new RangeError(`DqnAgent.learn: batch size ${B} differs from config.batchSize ${c.batchSize}`);
    if (this.optimizer instanceof Kfac && rng === undefined)
      throw new RangeError("DqnAgent.learn: K-FAC's sampled Fisher needs the run's Rng as third argument");
    const stats =
      this.atoms > 1 ? this.learnCategorical(batch, epsilon, rng) : this.learnScalar(batch, epsilon, rng);
    if (this.buffer instanceof PrioritizedReplayBuffer)
      this.buffer.updatePriorities(batch.indices, this.errors);
    return stats;
  }

  private learnScalar(batch: ReplayBatch, epsilon: number, rng?: Rng): UpdateStats {
    const c = this.config;
    const B = batch.size;
    const A = this.numActions;
    let qNextOnline: Float64Array | undefined;
    if (c.doubleDqn) {
      // The online forward on s′ must not be the last forward before backward: copy it out.
      qNextOnline = this.qNextOnlineCopy;
      qNextOnline.set(this.network.forward(batch.nextObservations, B));
    }
    const qNextTarget = this.targetNetwork.forward(batch.nextObservations, B);
    tdTargets(
      {
        returns: batch.returns,
        discounts: batch.discounts,
        qNextTarget,
        qNextOnline,
        numActions: A,
        rule: c.tdTarget,
        epsilon,
        nextActions: batch.nextActions,
      },
      this.targets,
    );

    const q = this.network.forward(batch.observations, B);
    let qSum = 0;
    for (let i = 0; i < B; i++) {
      this.predictions[i] = q[i * A + batch.actions[i]];
      qSum += this.predictions[i];
    }
    const weights = c.prioritized ? batch.weights : null;
    const loss = tdLoss(c.loss, this.predictions, this.targets, this.lossGrad, c.huberKappa, weights);
    for (let i = 0; i < B; i++) this.errors[i] = this.predictions[i] - this.targets[i];
    // ∂L/∂Q(sᵢ, ·) is zero except at the taken action.
    const gradOut = this.gradOut;
    gradOut.fill(0);
    for (let i = 0; i < B; i++) gradOut[i * A + batch.actions[i]] = this.lossGrad[i];
    if (this.optimizer instanceof Kfac)
      this.curvature(this.optimizer, B, () =>
        gaussianFisherGradients(batch.actions, fisherNoise(rng!, this.fisherDraws), B, A, this.fisherOut),
      );
    return { tdLoss: loss, qMean: qSum / B, gradNorm: this.step(gradOut, B) };
  }

  /**
   * K-FAC's curvature pass on the last forward at batch B: backward of the sampled Fisher loss whose
   * output gradients `fisherGrad` returns, then the factor update; leaves the gradients zero.
   */
  private curvature(kfac: Kfac, B: number, fisherGrad: () => Float64Array): void {
    const params = this.network.parameters;
    zeroGrads(params);
    this.network.backward(fisherGrad(), B);
    kfac.updateStatistics(B);
    zeroGrads(params);
  }

  /** Backward of ∂L/∂outputs, optional clipping, optimizer step; returns the pre-clip norm or null. */
  private step(gradOut: Float64Array, B: number): number | null {
    const c = this.config;
    const kfac = this.optimizer instanceof Kfac;
    if (this.keepGradients && !kfac) zeroGrads(this.network.parameters);
    this.network.backward(gradOut, B);
    const gradNorm = c.maxGradNorm !== null ? clipGradNorm(this.network.parameters, c.maxGradNorm) : null;
    this.optimizer.step();
    // K-FAC does not zero its gradients itself (Adam and RMSProp fuse that into their step).
    if (kfac && !this.keepGradients) zeroGrads(this.network.parameters);
    return gradNorm;
  }

  /**
   * C51 update (Bellemare et al. 2017): the bootstrap distribution at s′ is the π-mixture of the
   * target net's next distributions (π from the TD-target rule; the greedy action by expected value,
   * chosen by the online net under Double), projected onto the support after r + γᵐz, and the loss
   * is its cross-entropy under the online distribution of the taken action (docs/dqn.md §12).
   */
  private learnCategorical(batch: ReplayBatch, epsilon: number, rng?: Rng): UpdateStats {
    const c = this.config;
    const B = batch.size;
    const A = this.numActions;
    const N = this.atoms;
    const support = c.distributional!;
    const qSelect = this.qSelect;
    if (c.doubleDqn) {
      const online = this.network.forward(batch.nextObservations, B);
      softmaxRows(online, B * A, N, this.probsScratch);
      expectedValues(this.probsScratch, B * A, this.support, qSelect);
    }
    const pNext = softmaxRows(
      this.targetNetwork.forward(batch.nextObservations, B),
      B * A,
      N,
      this.probsNext,
    );
    if (!c.doubleDqn) expectedValues(pNext, B * A, this.support, qSelect);
    const pi = this.pi;
    const mix = this.mixture;
    for (let i = 0; i < B; i++) {
      const a = bootstrapPolicyRow(c.tdTarget, qSelect, i * A, A, epsilon, batch.nextActions[i], pi);
      if (a >= 0) mix.set(pNext.subarray((i * A + a) * N, (i * A + a + 1) * N));
      else {
        mix.fill(0);
        for (let b = 0; b < A; b++) {
          const w = pi[b];
          const o = (i * A + b) * N;
          for (let j = 0; j < N; j++) mix[j] += w * pNext[o + j];
        }
      }
      projectDistribution(mix, 0, batch.returns[i], batch.discounts[i], support, this.targetDist, i * N);
    }
    const logits = this.network.forward(batch.observations, B);
    const weights = c.prioritized ? batch.weights : null;
    const loss = categoricalLoss(
      logits,
      batch.actions,
      this.targetDist,
      weights,
      A,
      N,
      this.gradOut,
      this.errors,
    );
    // Mean Q of the taken actions, for the training log.
    let qSum = 0;
    const z = this.support;
    for (let i = 0; i < B; i++) {
      const o = (i * A + batch.actions[i]) * N;
      softmaxRows(logits.subarray(o, o + N), 1, N, mix);
      for (let j = 0; j < N; j++) qSum += z[j] * mix[j];
    }
    if (this.optimizer instanceof Kfac)
      this.curvature(this.optimizer, B, () =>
        categoricalFisherGradients(
          logits,
          batch.actions,
          fisherUniforms(rng!, this.fisherDraws),
          B,
          A,
          N,
          this.fisherOut,
        ),
      );
    return { tdLoss: loss, qMean: qSum / B, gradNorm: this.step(this.gradOut, B) };
  }

  /**
   * A checkpoint of everything training depends on (see {@link DqnAgentState}); with the caller's
   * Rng state, `setState` on an agent built with the same options continues bit-identically.
   */
  getState(): DqnAgentState {
    return {
      kind: "dqn-agent",
      version: 1,
      updates: this.updates,
      online: snapshot(this.network.parameters),
      target: snapshot(this.targetNetwork.parameters),
      optimizer: this.optimizer.getState(),
      replay: this.buffer.getState(),
    };
  }

  /**
   * Restores a {@link getState} checkpoint. Everything is validated before anything changes;
   * errors name the offending field (parameter shapes and lengths, array kinds, replay layout).
   */
  setState(state: DqnAgentState): void {
    const who = "DqnAgent.setState";
    if (state === null || typeof state !== "object" || state.kind !== "dqn-agent")
      throw new TypeError(
        `${who}: expected an object of kind "dqn-agent", got ${String(state?.kind ?? state)}`,
      );
    if (state.version !== 1)
      throw new RangeError(`${who}: unsupported version ${String(state.version)} (expected 1)`);
    if (!Number.isInteger(state.updates) || state.updates < 0)
      throw new RangeError(`${who}: updates must be an integer >= 0, got ${state.updates}`);
    checkSnapshots(state.online, this.network.parameters, "online");
    checkSnapshots(state.target, this.targetNetwork.parameters, "target");
    if (state.optimizer?.kind !== this.optimizer.getState().kind)
      throw new RangeError(
        `${who}: optimizer.kind is "${String(state.optimizer?.kind)}", this agent uses "${this.config.optimizer.kind}"`,
      );
    // Nothing below throws once these pass: the optimizer validates its whole state before it
    // changes anything, and the replay state has been checked.
    this.buffer.checkState(state.replay);
    this.optimizer.setState(state.optimizer);
    this.buffer.setState(state.replay);
    this.network.parameters.forEach((p, q) => p.data.set(state.online[q].data));
    this.targetNetwork.parameters.forEach((p, q) => p.data.set(state.target[q].data));
    if (!this.keepGradients) zeroGrads(this.network.parameters);
    this.updates = state.updates;
  }

  /** θ⁻ ← τθ + (1−τ)θ⁻. */
  syncTarget(): void {
    polyakUpdate(this.network.parameters, this.targetNetwork.parameters, this.config.tau);
  }
}
