import type { PolicyHead } from "../heads/head.js";
import { Adam } from "../optim/adam.js";
import type { Parameter } from "../optim/parameter.js";
import type { Parametrization, StateDictEntry } from "../parametrizations/parametrization.js";
import type { Rng } from "../random/rng.js";
import type {
  AgentTrainingState,
  Episode,
  EpisodeInput,
  LearnResult,
  ParameterCount,
  PolicyGradientAgent,
  StateDict,
} from "./agent.js";
import { episodeLength, toEpisode } from "./episode-buffer.js";
import { ReinforceWithBaseline, type UpdateRule, type UpdateRuleFactory } from "./reinforce-baseline.js";
import { checkStateDictKeys, readTensor, writeTensor } from "./state-dict.js";

/** Throws unless both learning rates are finite and > 0 and γ ∈ [0, 1] (messages name `owner`). */
export function checkAgentRates(owner: string, lrActor: number, lrCritic: number, gamma: number): void {
  checkRate(`${owner}: lrActor`, lrActor);
  checkRate(`${owner}: lrCritic`, lrCritic);
  if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${owner}: gamma must be in [0, 1], got ${gamma}`);
}

function checkRate(what: string, lr: number): void {
  if (!(Number.isFinite(lr) && lr > 0))
    throw new RangeError(`${what} must be a finite number > 0, got ${lr}`);
}

export interface ComposedAgentParts<
  H extends PolicyHead,
  A extends Parametrization,
  C extends Parametrization,
> {
  /** Name used in error messages. */
  owner: string;
  actor: A;
  head: H;
  critic: C;
  lrActor: number;
  lrCritic: number;
  gamma: number;
  /** State-dict tensors in export order (default: actor's, critic's, head's). */
  stateDict?: StateDictEntry[];
  /** The update rule (default {@link ReinforceWithBaseline}). */
  rule?: UpdateRuleFactory;
}

/**
 * A policy-gradient agent as a composition: actor parametrization × distribution head × critic
 * parametrization, trained by an update rule (default {@link ReinforceWithBaseline}) with one Adam per side. `act` samples
 * a ~ π(·|f_θ(s)); `learn` is one update per finished episode.
 */
export class ComposedAgent<
  H extends PolicyHead,
  A extends Parametrization = Parametrization,
  C extends Parametrization = Parametrization,
> implements PolicyGradientAgent {
  readonly stateDim: number;
  readonly gamma: number;
  readonly actor: A;
  readonly head: H;
  /** V(s) (state-dict names `value.*`). */
  readonly critic: C;
  readonly actorOptimizer: Adam;
  readonly criticOptimizer: Adam;
  readonly rule: UpdateRule;
  private readonly entries: StateDictEntry[];
  /** z of the last single state. */
  protected readonly z: Float64Array;
  private readonly v = new Float64Array(1);

  constructor(parts: ComposedAgentParts<H, A, C>) {
    const { owner, actor, head, critic, lrActor, lrCritic, gamma } = parts;
    checkAgentRates(owner, lrActor, lrCritic, gamma);
    if (actor.outputDim !== head.inputDim)
      throw new RangeError(
        `${owner}: the actor has ${actor.outputDim} outputs, the head reads ${head.inputDim}`,
      );
    if (critic.outputDim !== 1 || critic.inputDim !== actor.inputDim)
      throw new RangeError(`${owner}: the critic must map the actor's ${actor.inputDim} inputs to 1 output`);
    this.stateDim = actor.inputDim;
    this.gamma = gamma;
    this.actor = actor;
    this.head = head;
    this.critic = critic;
    this.actorOptimizer = new Adam([...actor.parameters, ...head.parameters], { lr: lrActor });
    this.criticOptimizer = new Adam(critic.parameters, { lr: lrCritic });
    const rule = parts.rule ?? ((p, g) => new ReinforceWithBaseline(p, g));
    this.rule = rule(
      { actor, head, critic, actorOptimizer: this.actorOptimizer, criticOptimizer: this.criticOptimizer },
      gamma,
    );
    this.entries = parts.stateDict ?? [
      ...actor.stateDictEntries(),
      ...critic.stateDictEntries(),
      ...head.stateDictEntries(),
    ];
    this.z = new Float64Array(head.inputDim);
  }

  /** Actor/critic parameter counts; σ is the head's own parameters (override when σ is part of the actor). */
  get parameterCount(): ParameterCount {
    const actor = this.actor.parameterCount;
    const critic = this.critic.parameterCount;
    const sigma = this.head.parameters.reduce((n, p) => n + p.data.length, 0);
    return { actor, critic, sigma, total: actor + critic, trained: actor + critic + sigma };
  }

  /** Validates one state (default: the parametrizations check it). */
  protected checkState(_state: ArrayLike<number>): void {}

  /** Validates an episode's first T states before learning (default: the parametrizations check them). */
  protected checkStates(_states: Float64Array, _T: number): void {}

  /** z = f_θ(s) into {@link z}. */
  protected forwardActor(state: ArrayLike<number>): Float64Array {
    this.checkState(state);
    this.actor.forwardOne(state, this.z, 0);
    return this.z;
  }

  act(state: ArrayLike<number>, rng: Rng): number {
    return this.head.sample(this.forwardActor(state), 0, rng);
  }

  actDeterministic(state: ArrayLike<number>): number {
    return this.head.mode(this.forwardActor(state), 0);
  }

  value(state: ArrayLike<number>): number {
    this.checkState(state);
    this.critic.forwardOne(state, this.v, 0);
    return this.v[0];
  }

  learn(input: Episode | EpisodeInput): LearnResult {
    const episode = toEpisode(input);
    const T = episodeLength(episode, this.stateDim);
    this.checkStates(episode.states, T);
    return this.rule.learn(episode.states, episode.actions, episode.rewards, T);
  }

  /** Parameters as plain nested arrays under the reference's PyTorch names and layouts. */
  exportStateDict(): StateDict {
    return this.dictOf("data");
  }

  /** The gradients left by the last {@link learn} (actor's and head's, critic's), in the state-dict layout. */
  exportGradients(): StateDict {
    return this.dictOf("grad");
  }

  private dictOf(which: "data" | "grad"): StateDict {
    const dict: StateDict = {};
    for (const { key, param, transpose } of this.entries)
      dict[key] = writeTensor(param[which], param.shape, transpose);
    return dict;
  }

  /** Loads {@link exportStateDict}'s format; validates everything first, so a bad dict leaves the agent unchanged. */
  importStateDict(dict: StateDict): void {
    checkStateDictKeys(
      dict,
      this.entries.map((e) => e.key),
    );
    const loaded = this.entries.map(({ key, param, transpose }) => {
      const tmp = new Float64Array(param.data.length);
      readTensor(dict, key, param.shape, tmp, transpose);
      return tmp;
    });
    this.entries.forEach(({ param }, q) => param.data.set(loaded[q]));
    this.head.refresh();
  }

  /** Sets the Adam learning rates of the actor and the critic (for schedules). */
  setLearningRates(actor: number, critic: number): void {
    checkRate("setLearningRates: actor lr", actor);
    checkRate("setLearningRates: critic lr", critic);
    this.actorOptimizer.lr = actor;
    this.criticOptimizer.lr = critic;
  }

  /** Every trainable tensor (actor's and head's, then critic's), internal layouts. */
  parameters(): Parameter[] {
    return [...this.actorOptimizer.params, ...this.criticOptimizer.params];
  }

  /** Optimizer moments and step counts (internal layouts: R buffers are M×K here). */
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
