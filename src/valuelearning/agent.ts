import { argmax } from "../dqn/epsilon-greedy.js";
import { Adam } from "../optim/adam.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
import { Sgd } from "../optim/sgd.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import type { Rng } from "../random/rng.js";
import { Behaviour, type BehaviourKind } from "./behaviour.js";
import { bootstrapValue, TD_RULES, type TdRule } from "./td-targets.js";

/** Linear ε schedule over env steps: ε(t) = start + min(t / decaySteps, 1)·(end − start). */
export interface EpsilonSchedule {
  start: number;
  end: number;
  /** Env steps of the linear decay (0 = `end` from the first step). */
  decaySteps: number;
}

export interface TdAgentOptions {
  /** Q(s, ·): a parametrization with one output per action (a low-rank matrix or tensor on a grid, …). */
  q: Parametrization;
  rule: TdRule;
  /** n of the n-step target (default 1). */
  nStep?: number;
  gamma: number;
  /** Behaviour policy (default ε-greedy). */
  behaviour?: BehaviourKind;
  /** ε-greedy: the ε schedule (default constant 0.1). */
  epsilon?: EpsilonSchedule;
  /** Softmax: temperature τ (default 1). */
  temperature?: number;
  /** Optimizer of the squared TD error (default Adam). */
  optimizer?: "adam" | "sgd";
  lr: number;
}

/** Parameters as a JSON state dict: name → flat values (row-major). */
export type ValueStateDict = Record<string, number[]>;

/**
 * A value-learning agent (docs/value-learning.md): action values Q_θ(s, ·) from a
 * {@link Parametrization}, a behaviour policy over them, and one optimizer step per TD target on
 *
 *   ℓ(θ) = ½ (Q_θ(s_t, a_t) − y_t)²,   y_t held constant (semi-gradient),
 *
 * whose gradient is (Q_θ(s_t, a_t) − y_t)·∂Q_θ(s_t, a_t)/∂θ: ∂ℓ/∂z = −δ·e_{a_t} at the state's
 * outputs z = Q_θ(s_t, ·), passed to the parametrization's backward (δ = y_t − Q_θ(s_t, a_t)).
 * With plain SGD on a table this is the tabular update Q ← Q + α δ.
 */
export class TdAgent {
  readonly q: Parametrization;
  readonly rule: TdRule;
  readonly nStep: number;
  readonly gamma: number;
  readonly actions: number;
  readonly behaviour: Behaviour;
  readonly epsilon: EpsilonSchedule;
  readonly temperature: number;
  readonly optimizer: Optimizer;
  private readonly z: Float64Array;
  private readonly gradZ: Float64Array;
  private readonly stateBuf: Float64Array;
  private readonly probs: Float64Array;

  constructor(options: TdAgentOptions) {
    const { q, rule, gamma, lr } = options;
    if (!TD_RULES.includes(rule))
      throw new RangeError(`TdAgent: rule must be one of ${TD_RULES.join(", ")}, got ${String(rule)}`);
    const nStep = options.nStep ?? 1;
    if (!Number.isInteger(nStep) || nStep < 1)
      throw new RangeError(`TdAgent: nStep must be an integer >= 1, got ${nStep}`);
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`TdAgent: gamma must be in [0, 1], got ${gamma}`);
    const eps = options.epsilon ?? { start: 0.1, end: 0.1, decaySteps: 0 };
    for (const key of ["start", "end"] as const)
      if (!(eps[key] >= 0 && eps[key] <= 1))
        throw new RangeError(`TdAgent: epsilon.${key} must be in [0, 1], got ${eps[key]}`);
    if (!Number.isInteger(eps.decaySteps) || eps.decaySteps < 0)
      throw new RangeError(`TdAgent: epsilon.decaySteps must be an integer >= 0, got ${eps.decaySteps}`);
    const temperature = options.temperature ?? 1;
    if (!(temperature > 0 && Number.isFinite(temperature)))
      throw new RangeError(`TdAgent: temperature must be a finite number > 0, got ${temperature}`);
    this.q = q;
    this.rule = rule;
    this.nStep = nStep;
    this.gamma = gamma;
    this.actions = q.outputDim;
    this.behaviour = new Behaviour(options.behaviour ?? "epsilon-greedy", this.actions);
    this.epsilon = { ...eps };
    this.temperature = temperature;
    const kind = options.optimizer ?? "adam";
    if (kind === "adam") this.optimizer = new Adam(q.parameters, { lr, zeroGradAfterStep: true });
    else if (kind === "sgd") this.optimizer = new Sgd(q.parameters, { lr, zeroGradAfterStep: true });
    else throw new RangeError(`TdAgent: optimizer must be "adam" or "sgd", got ${String(kind)}`);
    this.z = new Float64Array(this.actions);
    this.gradZ = new Float64Array(this.actions);
    this.stateBuf = new Float64Array(q.inputDim);
    this.probs = new Float64Array(this.actions);
  }

  get parameterCount(): number {
    return this.q.parameterCount;
  }

  /** The behaviour's parameter after `step` env steps: ε(step) for ε-greedy, τ for softmax. */
  explorationAt(step: number): number {
    if (this.behaviour.kind === "softmax") return this.temperature;
    const { start, end, decaySteps } = this.epsilon;
    if (decaySteps === 0) return end;
    return start + Math.min(step / decaySteps, 1) * (end - start);
  }

  /** Q(s, ·) into `out` (length A). */
  values(state: ArrayLike<number>, out: Float64Array = this.z): Float64Array {
    this.q.forwardOne(state, out, 0);
    return out;
  }

  /** a ~ π(·|s) of the behaviour policy after `step` env steps, from the run's generator. */
  act(state: ArrayLike<number>, rng: Rng, step: number): number {
    return this.behaviour.sample(this.values(state), 0, this.explorationAt(step), rng);
  }

  /** argmax_a Q(s, a) (first maximum on ties). */
  greedy(state: ArrayLike<number>): number {
    return argmax(this.values(state), 0, this.actions);
  }

  /** The rule's bootstrap value B(s′) with the current parameters (a′ for SARSA, ε/τ at `step` for Expected SARSA). */
  bootstrap(next: ArrayLike<number>, nextAction: number, step: number): number {
    const q = this.values(next);
    const probs =
      this.rule === "expected-sarsa"
        ? this.behaviour.probabilities(q, 0, this.explorationAt(step), this.probs)
        : null;
    return bootstrapValue(this.rule, q, 0, this.actions, nextAction, probs);
  }

  /**
   * Adds ∇_θ ½(Q(s, a) − y)² to the parameters' gradients for the state at states[offset …]
   * (∂/∂z_b = (Q(s, a) − y)·1[b = a], through the parametrization's backward); returns the loss.
   */
  accumulateTdGradient(states: ArrayLike<number>, offset: number, action: number, target: number): number {
    if (!(Number.isInteger(action) && action >= 0 && action < this.actions))
      throw new RangeError(`TdAgent: action must be an integer in [0, ${this.actions - 1}], got ${action}`);
    const S = this.q.inputDim;
    const s = this.stateBuf;
    for (let d = 0; d < S; d++) s[d] = states[offset + d];
    this.q.forwardBatch(s, 1, this.z);
    const diff = this.z[action] - target;
    this.gradZ.fill(0);
    this.gradZ[action] = diff;
    this.q.backwardBatch(this.gradZ);
    return 0.5 * diff * diff;
  }

  /** One optimizer step on ½(Q(s, a) − y)² (see {@link accumulateTdGradient}); returns the loss before the step. */
  tdStep(states: ArrayLike<number>, offset: number, action: number, target: number): number {
    const loss = this.accumulateTdGradient(states, offset, action, target);
    this.optimizer.step();
    return loss;
  }

  /** Parameters as name → flat values. */
  exportStateDict(): ValueStateDict {
    return Object.fromEntries(this.q.parameters.map((p) => [p.name, Array.from(p.data)]));
  }

  /** Loads {@link exportStateDict}'s format; throws naming the parameter on a missing or wrong-length entry. */
  importStateDict(dict: ValueStateDict): void {
    for (const p of this.q.parameters) {
      const v = dict[p.name];
      if (!Array.isArray(v) || v.length !== p.data.length)
        throw new Error(`TdAgent: parameter ${p.name} missing or not ${p.data.length} numbers`);
    }
    for (const p of this.q.parameters) p.data.set(dict[p.name]);
  }

  getTrainingState(): OptimizerState {
    return this.optimizer.getState();
  }

  setTrainingState(state: OptimizerState): void {
    this.optimizer.setState(state);
  }
}
