import type { Layer } from "../nn/layer.js";
import { Adam } from "../optim/adam.js";
import type { Optimizer } from "../optim/optimizer.js";
import { zeroGrads, type Parameter } from "../optim/parameter.js";
import { RmsProp } from "../optim/rmsprop.js";
import type { Rng } from "../random/rng.js";
import { resolveDqnConfig, type DqnConfig } from "./config.js";
import { argmax, epsilonGreedy } from "./epsilon-greedy.js";
import { clipGradNorm } from "./grad-clip.js";
import { tdLoss } from "./loss.js";
import { ReplayBuffer, type ObservationDtype, type ReplayBatch } from "./replay-buffer.js";
import { LinearSchedule } from "./schedule.js";
import { polyakUpdate } from "./target-update.js";
import { tdTargets } from "./td-target.js";

export interface DqnAgentOptions {
  /** Builds one Q-network (input: a flat observation; output: one value per action). Called twice: online and target. */
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

/**
 * Deep Q-Network agent (Mnih et al. 2015; lecture 004): online network Q_θ trained on replayed
 * minibatches towards y = G + γᵐ max/argmax Q_θ⁻(s′, ·) (see tdTargets), target network θ⁻ synced
 * every `targetUpdateInterval` updates by Polyak averaging with τ (τ = 1: hard copy),
 * optional Double DQN, n-step returns, Huber loss, global-norm clipping, Adam or (centered) RMSProp.
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
  /** Gradient updates done so far. */
  updates = 0;
  readonly keepGradients: boolean;
  private readonly targets: Float64Array;
  private readonly predictions: Float64Array;
  private readonly lossGrad: Float64Array;
  private readonly gradOut: Float64Array;
  private readonly qNextOnlineCopy: Float64Array;

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
    this.numActions = outShape[0];
    this.observationSize = this.network.inputShape.reduce((a, b) => a * b, 1);
    polyakUpdate(this.network.parameters, this.targetNetwork.parameters, 1);
    const opt = this.config.optimizer;
    const params = this.network.parameters;
    this.keepGradients = options.keepGradients ?? false;
    const zeroGradAfterStep = !this.keepGradients;
    this.optimizer =
      opt.kind === "adam"
        ? new Adam(params, {
            lr: opt.lr,
            eps: opt.eps,
            beta1: opt.beta1,
            beta2: opt.beta2,
            zeroGradAfterStep,
          })
        : new RmsProp(params, {
            lr: opt.lr,
            alpha: opt.alpha,
            eps: opt.eps,
            centered: opt.centered,
            zeroGradAfterStep,
          });
    // Unless keepGradients, the online gradients are zero between updates (the optimizer clears
    // them after each step), so `learn` needs no separate zeroing pass over θ.
    zeroGrads(params);
    this.buffer = new ReplayBuffer({
      capacity: this.config.bufferSize,
      observationSize: this.observationSize,
      observationDtype: options.observationDtype,
    });
    const { batchSize } = this.config;
    this.targets = new Float64Array(batchSize);
    this.predictions = new Float64Array(batchSize);
    this.lossGrad = new Float64Array(batchSize);
    this.gradOut = new Float64Array(batchSize * this.numActions);
    this.qNextOnlineCopy = new Float64Array(batchSize * this.numActions);
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

  /** Q_θ(s, ·) of one observation (a copy). */
  qValues(observation: Float64Array): Float64Array {
    return Float64Array.from(this.network.forward(observation, 1));
  }

  greedyAction(observation: Float64Array): number {
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

  /** One gradient step on a uniformly sampled minibatch; syncs the target net when due. */
  update(rng: Rng): UpdateStats {
    const c = this.config;
    const batch = this.buffer.sample(c.batchSize, rng, c.nStep, c.gamma);
    const stats = this.learn(batch);
    this.updates++;
    if (this.updates % c.targetUpdateInterval === 0) this.syncTarget();
    return stats;
  }

  /** The gradient step on a given minibatch (no target sync, no update counting). */
  learn(batch: ReplayBatch): UpdateStats {
    const c = this.config;
    const B = batch.size;
    const A = this.numActions;
    if (B !== c.batchSize)
      throw new RangeError(`DqnAgent.learn: batch size ${B} differs from config.batchSize ${c.batchSize}`);
    let qNextOnline: Float64Array | undefined;
    if (c.doubleDqn) {
      // The online forward on s′ must not be the last forward before backward: copy it out.
      qNextOnline = this.qNextOnlineCopy;
      qNextOnline.set(this.network.forward(batch.nextObservations, B));
    }
    const qNextTarget = this.targetNetwork.forward(batch.nextObservations, B);
    tdTargets(
      { returns: batch.returns, discounts: batch.discounts, qNextTarget, qNextOnline, numActions: A },
      this.targets,
    );

    const q = this.network.forward(batch.observations, B);
    let qSum = 0;
    for (let i = 0; i < B; i++) {
      this.predictions[i] = q[i * A + batch.actions[i]];
      qSum += this.predictions[i];
    }
    const loss = tdLoss(c.loss, this.predictions, this.targets, this.lossGrad, c.huberKappa);
    // ∂L/∂Q(sᵢ, ·) is zero except at the taken action.
    const gradOut = this.gradOut;
    gradOut.fill(0);
    for (let i = 0; i < B; i++) gradOut[i * A + batch.actions[i]] = this.lossGrad[i];
    if (this.keepGradients) zeroGrads(this.network.parameters);
    this.network.backward(gradOut, B);
    const gradNorm = c.maxGradNorm !== null ? clipGradNorm(this.network.parameters, c.maxGradNorm) : null;
    this.optimizer.step();
    return { tdLoss: loss, qMean: qSum / B, gradNorm };
  }

  /** θ⁻ ← τθ + (1−τ)θ⁻. */
  syncTarget(): void {
    polyakUpdate(this.network.parameters, this.targetNetwork.parameters, this.config.tau);
  }
}
