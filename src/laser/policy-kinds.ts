import { argmax } from "../dqn/epsilon-greedy.js";
import { minatarQNetwork, mlpQNetwork } from "../dqn/networks.js";
import type { Env } from "../envs/env.js";
import { makeEnv, type MakeEnvOptions } from "../envs/registry.js";
import type { Layer } from "../nn/layer.js";
import type { StateDict } from "../pg/agent.js";
import { Rng } from "../random/rng.js";
import { parseRunConfig } from "../runner/config.js";
import { paperAgentFactory } from "../runner/paper-agent-factory.js";
import { evaluateReturns, type ActingPolicy, type EvaluationMode } from "./evaluate.js";
import { loadParametersFromStateDict, parametersToStateDict } from "./parameters-state-dict.js";
import type { SavedPolicy } from "./saved-policy.js";
import type { LaserSubject } from "./subject.js";
import type { NestedStateDict } from "./tensor.js";
import { enumerateWeightMatrices } from "./weight-matrices.js";

/** How every trial of a sweep is evaluated. */
export interface EvaluationSettings {
  /** One episode per seed, shared by the baseline and every trial. */
  readonly episodeSeeds: readonly number[];
  readonly mode: EvaluationMode;
  /** Step cap per episode (default: the policy's own, e.g. the run's T). */
  readonly maxSteps?: number;
  /** DQN stochastic mode: ε of the ε-greedy evaluation policy (default 0.05). */
  readonly epsilon?: number;
}

/** A saved policy made evaluable. */
export interface BuiltPolicy {
  readonly subject: LaserSubject;
  /**
   * Weight matrices that act on the chosen actions: the default sweep. The others (critics, value
   * nets) cannot change the returns; sweeping them only adds rows whose delta is exactly zero.
   */
  readonly policyLayers: readonly string[];
  readonly envId: string;
  readonly maxSteps: number | undefined;
  readonly description: string;
}

export type PolicyKindBuilder = (saved: SavedPolicy, evaluation: EvaluationSettings) => BuiltPolicy;

const KINDS = new Map<string, PolicyKindBuilder>();

/** Registers how to rebuild and evaluate policies of `kind` (overrides an existing entry). */
export function registerPolicyKind(kind: string, builder: PolicyKindBuilder): void {
  KINDS.set(kind, builder);
}

export function listPolicyKinds(): string[] {
  return [...KINDS.keys()];
}

/** Rebuilds the agent of a saved policy, loads its weights and binds the evaluator. */
export function buildPolicy(saved: SavedPolicy, evaluation: EvaluationSettings): BuiltPolicy {
  const builder = KINDS.get(saved.kind);
  if (!builder)
    throw new RangeError(
      `saved policy kind "${saved.kind}" is not known; known kinds: ${listPolicyKinds().join(", ")}`,
    );
  return builder(saved, evaluation);
}

/**
 * `"pg-run"`: a policy-gradient agent trained by src/runner (the LRPG agent or the NN baseline of a
 * paper task). `options` is the run's config as its manifest records it; the agent is rebuilt with
 * `paperAgentFactory` and the env with `makeEnv(config.env)` (a fresh env per episode).
 * Policy layers: the μ (and low-rank σ) matrices, or the softmax policy's `pi`; `value.*` is the critic.
 */
export const pgRunKind: PolicyKindBuilder = (saved, evaluation) => {
  const config = parseRunConfig(saved.options ?? {});
  if (config.env !== saved.env)
    throw new RangeError(`saved policy: env "${saved.env}" differs from its config.env "${config.env}"`);
  const agent = paperAgentFactory(config, new Rng(config.seed));
  agent.importStateDict(saved.stateDict as unknown as StateDict);
  const maxSteps = evaluation.maxSteps ?? config.maxSteps;
  const makeFreshEnv = () => makeEnv(config.env) as Env<unknown, number>;
  const acting: ActingPolicy<number> = {
    act: (s, rng) => agent.act(s, rng),
    actDeterministic: (s) => agent.actDeterministic(s),
  };
  const subject: LaserSubject = {
    exportStateDict: () => agent.exportStateDict() as NestedStateDict,
    importStateDict: (d) => agent.importStateDict(d as unknown as StateDict),
    evaluate: () =>
      evaluateReturns(makeFreshEnv, acting, {
        episodeSeeds: evaluation.episodeSeeds,
        mode: evaluation.mode,
        maxSteps,
      }),
  };
  const policyLayers = enumerateWeightMatrices(saved.stateDict)
    .map((m) => m.name)
    .filter((n) => /^(mu|sigma|pi)(\.|$)/.test(n)); // Gaussian μ (and σ) or the softmax policy's logits
  return {
    subject,
    policyLayers,
    envId: config.env,
    maxSteps,
    description: `${config.algo} agent on ${config.env} (task ${config.task})`,
  };
};

/** Options of a `"dqn"` saved policy: which Q-network to rebuild and how to make its env. */
export interface DqnPolicyOptions {
  /** `"minatar"`: conv 3×3 → dense → actions (MinAtar's network); `"mlp"`: dense layers. */
  readonly network: "minatar" | "mlp";
  readonly numActions: number;
  /** minatar: grid side, input channels, conv channels, hidden units (defaults 10, 4, 16, 128). */
  readonly gridSize?: number;
  readonly inChannels?: number;
  readonly convChannels?: number;
  readonly hiddenUnits?: number;
  /** mlp: observation size and hidden widths. */
  readonly observationSize?: number;
  readonly hidden?: readonly number[];
  /** Options passed to makeEnv (e.g. `stickyActionProb`, `minimalActions`, `maxEpisodeSteps`). */
  readonly envOptions?: Record<string, unknown>;
  /** Step cap used when the env has no time limit (MinAtar has none). Default 10 000. */
  readonly maxSteps?: number;
}

/** The online Q-network a `"dqn"` saved policy describes (weights not loaded). */
export function makeDqnNetwork(options: DqnPolicyOptions): Layer {
  const rng = new Rng(0); // overwritten by the saved weights
  if (options.network === "minatar") {
    return minatarQNetwork({
      numActions: options.numActions,
      rng,
      gridSize: options.gridSize,
      inChannels: options.inChannels,
      convChannels: options.convChannels,
      hiddenUnits: options.hiddenUnits,
    });
  }
  if (options.network === "mlp") {
    if (options.observationSize === undefined || options.hidden === undefined) {
      throw new RangeError(`dqn policy options: network "mlp" needs observationSize and hidden`);
    }
    return mlpQNetwork({
      observationSize: options.observationSize,
      numActions: options.numActions,
      hidden: options.hidden,
      rng,
    });
  }
  throw new RangeError(
    `dqn policy options: network must be "minatar" or "mlp", got ${JSON.stringify((options as { network?: unknown }).network)}`,
  );
}

/**
 * `"dqn"`: the online Q-network of a DQN agent (src/dqn networks, parameter names as its layers give
 * them: `conv.weight` [O, C, 3, 3], `fc_hidden.weight`, `q.weight` …). Deterministic mode acts
 * greedily (argmax Q); stochastic mode is ε-greedy with `evaluation.epsilon` (default 0.05).
 * All weight matrices are policy layers.
 */
export const dqnKind: PolicyKindBuilder = (saved, evaluation) => {
  const options = (saved.options ?? {}) as unknown as DqnPolicyOptions;
  if (!Number.isInteger(options.numActions) || options.numActions < 1) {
    throw new RangeError(
      `dqn policy options: numActions must be an integer >= 1, got ${JSON.stringify(options.numActions)}`,
    );
  }
  checkDeclaredSize(options, countNumbers(saved.stateDict));
  const envOptions = (options.envOptions ?? {}) as MakeEnvOptions;
  checkSpaces(saved.env, makeEnv(saved.env, envOptions), options);
  const network = makeDqnNetwork(options);
  loadParametersFromStateDict(network.parameters, saved.stateDict, `saved ${saved.kind} policy`);
  const epsilon = evaluation.epsilon ?? 0.05;
  if (!(epsilon >= 0 && epsilon <= 1))
    throw new RangeError(`evaluation epsilon must be in [0, 1], got ${epsilon}`);
  const greedy = (s: Float64Array) => argmax(network.forward(s, 1), 0, options.numActions);
  const acting: ActingPolicy<number> = {
    actDeterministic: greedy,
    act: (s, rng) => (rng.uniform() < epsilon ? rng.integer(options.numActions) : greedy(s)),
  };
  const makeFreshEnv = () => makeEnv(saved.env, envOptions) as Env<unknown, number>;
  const maxSteps = evaluation.maxSteps ?? options.maxSteps ?? 10_000;
  const subject: LaserSubject = {
    exportStateDict: () => parametersToStateDict(network.parameters),
    importStateDict: (d) => loadParametersFromStateDict(network.parameters, d),
    evaluate: () =>
      evaluateReturns(makeFreshEnv, acting, {
        episodeSeeds: evaluation.episodeSeeds,
        mode: evaluation.mode,
        maxSteps,
      }),
  };
  return {
    subject,
    policyLayers: enumerateWeightMatrices(saved.stateDict).map((m) => m.name),
    envId: saved.env,
    maxSteps,
    description: `DQN (${options.network} Q-network, ${options.numActions} actions) on ${saved.env}`,
  };
};

/** Largest layer width a saved policy may declare. */
const MAX_DECLARED_WIDTH = 65_536;

/** Numbers held by a (nested) state dict: what a saved policy really carries. */
function countNumbers(value: unknown): number {
  if (typeof value === "number") return 1;
  if (ArrayBuffer.isView(value)) return (value as Float64Array).length;
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + countNumbers(v), 0);
  if (value !== null && typeof value === "object") {
    const t = value as { shape?: unknown; data?: unknown };
    if (Array.isArray(t.shape) && t.data !== undefined) return countNumbers(t.data);
    return Object.values(value).reduce((n: number, v) => n + countNumbers(v), 0);
  }
  return 0;
}

/** A declared width: an integer in [1, MAX_DECLARED_WIDTH], else a one-line error naming the field. */
function width(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_DECLARED_WIDTH)
    throw new RangeError(
      `dqn policy options: ${field} must be an integer in [1, ${MAX_DECLARED_WIDTH}], got ${JSON.stringify(value)}`,
    );
  return value;
}

/**
 * Checks the sizes a saved DQN policy declares against the numbers it carries, before any layer is
 * allocated: a policy declaring `hidden: [1e8, 64]` with a few thousand weights is refused at once.
 * The dense parameter count (weights and biases; low-rank and TRL layers have fewer) bounds what
 * the network can hold.
 */
function checkDeclaredSize(options: DqnPolicyOptions, saved: number): void {
  const a = options.numActions;
  let dense: number;
  if (options.network === "mlp") {
    if (!Array.isArray(options.hidden))
      throw new RangeError(
        `dqn policy options: hidden must be a list of layer widths, got ${JSON.stringify(options.hidden)}`,
      );
    let prev = width(options.observationSize, "observationSize");
    dense = 0;
    options.hidden.forEach((h, i) => {
      const w = width(h, `hidden[${i}]`);
      dense += prev * w + w;
      prev = w;
    });
    dense += prev * a + a;
  } else if (options.network === "minatar") {
    const n = width(options.gridSize ?? 10, "gridSize");
    const c = width(options.inChannels ?? 4, "inChannels");
    const f = width(options.convChannels ?? 16, "convChannels");
    const h = width(options.hiddenUnits ?? 128, "hiddenUnits");
    if (n < 3) throw new RangeError(`dqn policy options: gridSize must be >= 3 for the 3×3 conv, got ${n}`);
    dense = f * c * 9 + f + (n - 2) ** 2 * f * h + h + h * a + a;
  } else return; // makeDqnNetwork names the bad network kind
  if (dense > 4 * saved + 1_000_000)
    throw new RangeError(
      `dqn policy: the declared network has ${dense} parameters but the saved weights hold ${saved} numbers; the options do not describe these weights`,
    );
}

/** The env a DQN policy is evaluated on must give its input size and take its actions. */
function checkSpaces(envId: string, env: Env, options: DqnPolicyOptions): void {
  const obs = env.observationSpace.size;
  const expected =
    options.network === "minatar"
      ? (options.gridSize ?? 10) ** 2 * (options.inChannels ?? 4)
      : options.observationSize;
  if (expected !== undefined && obs !== expected)
    throw new RangeError(
      `dqn policy: ${envId} gives observations of ${obs} numbers, but the Q-network takes ${expected}; the policy was trained on another env`,
    );
  const space = env.actionSpace as { kind?: string; n?: number };
  if (space.kind !== "discrete" || space.n !== options.numActions)
    throw new RangeError(
      `dqn policy: ${envId} has ${space.kind === "discrete" ? `${space.n} actions` : "continuous actions"}, but the Q-network outputs ${options.numActions}; the policy was trained on another env`,
    );
}

registerPolicyKind("pg-run", pgRunKind);
registerPolicyKind("dqn", dqnKind);
