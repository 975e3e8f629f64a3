import * as z from "zod/mini";
import { TD_RULES, type TdRule } from "../valuelearning/td-targets.js";
import { allowedValues, asksForAlgo, ConfigError, parseAlgoFields, show } from "./config.js";
import {
  COMMON_ALLOWED,
  intIn,
  numberAbove,
  numberIn,
  prob,
  STEP_CONFIG_TAIL,
  stepConfigHead,
} from "./config.js";

/**
 * A low-rank Q-learning run's configuration (`algo: "lrq"`, src/valuelearning,
 * docs/value-learning.md): the Q model on the state grid, the TD rule, the behaviour policy and
 * the optimizer. Step counts are env steps. Fields left out come from the env's preset
 * ({@link LRQ_ENV_DEFAULTS}), so a resolved config is complete and is what the manifest records.
 */
export interface LrqRunConfig {
  algo: "lrq";
  env: LrqEnvId;
  seed: number;
  /** Env steps to train (the episode running when the budget is reached is cut there, as a truncation). */
  totalSteps: number;
  /**
   * `matrix`: Q = L Rᵀ over (state cell) × (action); `grid`: rows = the grid's row dims, cols =
   * (col dims, action); `cp`: a CP tensor with one mode per grid dimension and one for the action.
   */
  qModel: "matrix" | "grid" | "cp";
  /** Rank K of the Q matrix (the CP rank for `cp`). */
  rank: number;
  /** Grid points per observation dimension. */
  buckets: number[];
  /** Actions of the DiscretizeAction wrapper on a continuous-action env (null: discrete env). */
  actions: number | null;
  tdTarget: TdRule;
  nStep: number;
  gamma: number;
  optimizer: "adam" | "sgd";
  lr: number;
  behaviour: "epsilon-greedy" | "softmax";
  epsilonStart: number;
  epsilonEnd: number;
  /** Env steps of the linear ε decay. */
  epsilonDecaySteps: number;
  /** Softmax behaviour's temperature τ. */
  temperature: number;
  /** Initial factor entries ~ N(0, initScale²) … */
  initScale: number;
  /** … plus a constant that puts every initial Q(s, a) near this value (optimistic values explore). */
  initValue: number;
  /** Env steps between greedy evaluations (checked at episode ends; 0 = only at the end). */
  evalEvery: number;
  evalEpisodes: number;
  /** Env steps between checkpoints (written at the first episode end past each multiple; 0 = only at the end). */
  checkpointEvery: number;
  keepCheckpoints: number;
  /** false: no TensorBoard event file. */
  tensorboard?: false;
}

export const LRQ_ENVS = ["CartPole-v1", "Acrobot-v1", "Pendulum-v1", "MountainCarContinuous-v0"] as const;
export type LrqEnvId = (typeof LRQ_ENVS)[number];

/**
 * The box each env's grid spans, and how the grid model splits it into rows and columns. With
 * `angles`, those (cos θ, sin θ) observation pairs are read as one angle each (AngleFeatures):
 * the grid's dimensions are then the angles first, then the other observation dimensions.
 */
export interface LrqGrid {
  low: number[];
  high: number[];
  rowDims: number[];
  colDims: number[];
  angles?: [number, number][];
}

export const LRQ_GRIDS: Readonly<Record<LrqEnvId, LrqGrid>> = {
  // x, ẋ, θ, θ̇ (the pole's failure angle is 0.2095 rad).
  "CartPole-v1": { low: [-2.4, -3, -0.21, -3], high: [2.4, 3, 0.21, 3], rowDims: [0, 1], colDims: [2, 3] },
  // θ1, θ2 (from the cos/sin pairs), θ̇1, θ̇2.
  "Acrobot-v1": {
    low: [-Math.PI, -Math.PI, -4 * Math.PI, -9 * Math.PI],
    high: [Math.PI, Math.PI, 4 * Math.PI, 9 * Math.PI],
    rowDims: [0, 2],
    colDims: [1, 3],
    angles: [
      [0, 1],
      [2, 3],
    ],
  },
  // θ (from cos θ, sin θ), θ̇.
  "Pendulum-v1": { low: [-Math.PI, -8], high: [Math.PI, 8], rowDims: [0], colDims: [1], angles: [[0, 1]] },
  // position, velocity.
  "MountainCarContinuous-v0": { low: [-1.2, -0.07], high: [0.6, 0.07], rowDims: [0], colDims: [1] },
};

type LrqDefaults = Omit<LrqRunConfig, "algo" | "env" | "seed" | "tensorboard">;

const COMMON = {
  qModel: "matrix",
  tdTarget: "q-learning",
  nStep: 1,
  optimizer: "adam",
  behaviour: "epsilon-greedy",
  temperature: 1,
  initScale: 0.1,
  initValue: 0,
  evalEpisodes: 20,
  keepCheckpoints: 2,
} as const;

/** Per-env presets (docs/value-learning.md §7 gives the measurements behind them). */
export const LRQ_ENV_DEFAULTS: Readonly<Record<LrqEnvId, LrqDefaults>> = {
  "CartPole-v1": {
    ...COMMON,
    tdTarget: "expected-sarsa",
    totalSteps: 80_000,
    rank: 4,
    buckets: [3, 3, 8, 8],
    actions: null,
    gamma: 0.99,
    lr: 0.01,
    epsilonStart: 1,
    epsilonEnd: 0.01,
    epsilonDecaySteps: 40_000,
    evalEvery: 10_000,
    checkpointEvery: 20_000,
  },
  "Acrobot-v1": {
    ...COMMON,
    totalSteps: 100_000,
    rank: 4,
    buckets: [10, 10, 10, 10],
    actions: null,
    gamma: 0.99,
    lr: 0.01,
    epsilonStart: 1,
    epsilonEnd: 0.01,
    epsilonDecaySteps: 50_000,
    evalEvery: 10_000,
    checkpointEvery: 20_000,
  },
  "Pendulum-v1": {
    ...COMMON,
    totalSteps: 150_000,
    rank: 4,
    buckets: [21, 21],
    actions: 5,
    gamma: 0.99,
    lr: 0.05,
    initScale: 1,
    epsilonStart: 1,
    epsilonEnd: 0.01,
    epsilonDecaySteps: 20_000,
    evalEvery: 10_000,
    checkpointEvery: 20_000,
  },
  "MountainCarContinuous-v0": {
    ...COMMON,
    totalSteps: 100_000,
    rank: 4,
    buckets: [20, 20],
    actions: 3,
    gamma: 0.99,
    lr: 0.05,
    // Optimistic initial values (the goal pays 100) make ε-greedy explore until the goal is found.
    initValue: 100,
    initScale: 0.01,
    epsilonStart: 0.1,
    epsilonEnd: 0.01,
    epsilonDecaySteps: 50_000,
    evalEvery: 10_000,
    checkpointEvery: 20_000,
  },
};

/** One documented lrq-only config field (flag, allowed range) for `--help` and error messages. */
export interface LrqFieldDoc {
  name: keyof LrqRunConfig;
  flag: string;
  allowed: string;
  description: string;
  /** The value is a number on the command line. */
  number?: boolean;
}

const MAX_CELLS = 2 ** 24;

/** Fields only `lrq` has (its other fields share the PG and DQN flags: --rank, --lr, --n-step, --td-target, ε …). */
export const LRQ_FIELD_DOCS: readonly LrqFieldDoc[] = [
  {
    name: "qModel",
    flag: "--q-model <kind>",
    allowed:
      '"matrix" (state cells × actions), "grid" (row dims × (col dims, action)) or "cp" (CP tensor: one mode per grid dimension and one for the action)',
    description: "lrq: low-rank Q model",
  },
  {
    name: "buckets",
    flag: "--buckets <n|n,n,…>",
    allowed: `integers in [2, 1000], one per observation dimension or one for all (at most ${MAX_CELLS} cells)`,
    description: "lrq: grid points per observation dimension",
  },
  {
    name: "actions",
    flag: "--actions <n>",
    allowed: "an integer in [2, 1000] (continuous-action envs only)",
    description: "lrq: discrete actions of the DiscretizeAction wrapper",
    number: true,
  },
  {
    name: "behaviour",
    flag: "--behaviour <kind>",
    allowed: '"epsilon-greedy" or "softmax"',
    description: "lrq: behaviour policy",
  },
  {
    name: "temperature",
    flag: "--temperature <x>",
    allowed: "a number in (0, 1000000]",
    description: "lrq: softmax behaviour's temperature τ",
    number: true,
  },
  {
    name: "initValue",
    flag: "--init-value <x>",
    allowed: "a number in [-100000, 100000]",
    description: "lrq: initial Q(s, a) ≈ x (a constant added to the factors; optimistic values explore)",
    number: true,
  },
  {
    name: "initScale",
    flag: "--init-scale <x>",
    allowed: "a number in (0, 100]",
    description: "lrq: initial factor entries ~ N(0, x²)",
    number: true,
  },
];

/** Allowed values of the fields lrq shares with the PG and DQN configs. */
const SHARED_ALLOWED: Record<string, string> = {
  ...COMMON_ALLOWED,
  algo: '"lrpg", "nn", "dqn" or "lrq"',
  env: `one of ${LRQ_ENVS.join(", ")} (algo "lrq")`,
  totalSteps: "an integer in [1, 1000000000] (env steps)",
  rank: "an integer in [1, 1000]",
  tdTarget: TD_RULES.map((r) => `"${r}"`).join(", "),
  nStep: "an integer in [1, 1000]",
  optimizer: '"adam" or "sgd" (algo "lrq")',
  lr: "a number in (0, 10]",
  epsilonStart: "a number in [0, 1]",
  epsilonEnd: "a number in [0, 1]",
  epsilonDecaySteps: "an integer in [0, 1000000000] (env steps)",
  evalEvery: "an integer in [0, 1000000000] (env steps; 0 = only at the end)",
  checkpointEvery: "an integer in [0, 1000000000] (env steps; 0 = only at the end)",
};

const lrqSchema = z.strictObject({
  ...stepConfigHead("lrq", LRQ_ENVS),
  qModel: z.optional(z.enum(["matrix", "grid", "cp"])),
  rank: z.optional(intIn(1, 1000)),
  buckets: z.optional(z.union([intIn(2, 1000), z.array(intIn(2, 1000)), z.string()])),
  actions: z.optional(z.nullable(intIn(2, 1000))),
  tdTarget: z.optional(z.enum(TD_RULES as [TdRule, ...TdRule[]])),
  nStep: z.optional(intIn(1, 1000)),
  gamma: z.optional(prob),
  optimizer: z.optional(z.enum(["adam", "sgd"])),
  lr: z.optional(numberAbove(0, 10)),
  behaviour: z.optional(z.enum(["epsilon-greedy", "softmax"])),
  epsilonStart: z.optional(prob),
  epsilonEnd: z.optional(prob),
  epsilonDecaySteps: z.optional(intIn(0, 1_000_000_000)),
  temperature: z.optional(numberAbove(0, 1_000_000)),
  initScale: z.optional(numberAbove(0, 100)),
  initValue: z.optional(numberIn(-100_000, 100_000)),
  ...STEP_CONFIG_TAIL,
});

/** Names of every lrq config field. */
export const LRQ_FIELDS: readonly string[] = Object.keys(lrqSchema.shape);

const allowed = allowedValues(LRQ_FIELD_DOCS, SHARED_ALLOWED);

/** True when a raw config asks for low-rank Q-learning. */
export const isLrqConfigInput = (raw: unknown): boolean => asksForAlgo(raw, "lrq");

/** Grid dimensions of each env (angles counted once). */
function stateDim(env: LrqEnvId): number {
  return LRQ_GRIDS[env].low.length;
}

function parseBuckets(value: number | number[] | string, env: LrqEnvId): number[] {
  const S = stateDim(env);
  const bad = () =>
    new ConfigError(
      "buckets",
      `config.buckets = ${show(value)}: must be ${allowed("buckets")}; ${env}'s grid has ${S} dimensions`,
    );
  let list: number[];
  if (typeof value === "number") list = Array(S).fill(value);
  else if (Array.isArray(value)) list = value;
  else {
    const parts = value.split(",").map((p) => p.trim());
    if (parts.some((p) => !/^\d+$/.test(p))) throw bad();
    list = parts.map(Number);
    if (list.length === 1) list = Array(S).fill(list[0]);
  }
  if (list.length !== S || list.some((b) => !Number.isInteger(b) || b < 2 || b > 1000)) throw bad();
  if (list.reduce((p, b) => p * b, 1) > MAX_CELLS) throw bad();
  return list;
}

/**
 * Validates a raw lrq config and fills the env's preset. Throws {@link ConfigError} naming the
 * field, the value and the allowed range, e.g. `config.rank = 0: must be an integer in [1, 1000]`.
 */
export function parseLrqRunConfig(raw: unknown): LrqRunConfig {
  const c = parseAlgoFields(lrqSchema, raw, "lrq", "lrq", allowed);
  const d = LRQ_ENV_DEFAULTS[c.env];
  const continuous = d.actions !== null;
  if (!continuous && c.actions !== undefined && c.actions !== null)
    throw new ConfigError(
      "actions",
      `config.actions = ${show(c.actions)}: ${c.env} has discrete actions; actions applies to continuous-action envs only`,
    );
  if (continuous && c.actions === null)
    throw new ConfigError(
      "actions",
      `config.actions = null: ${c.env} has continuous actions; must be ${allowed("actions")}`,
    );
  const totalSteps = c.totalSteps ?? d.totalSteps;
  return {
    algo: "lrq",
    env: c.env,
    seed: c.seed ?? 0,
    totalSteps,
    qModel: c.qModel ?? d.qModel,
    rank: c.rank ?? d.rank,
    buckets: c.buckets === undefined ? [...d.buckets] : parseBuckets(c.buckets, c.env),
    actions: continuous ? (c.actions ?? d.actions) : null,
    tdTarget: c.tdTarget ?? d.tdTarget,
    nStep: c.nStep ?? d.nStep,
    gamma: c.gamma ?? d.gamma,
    optimizer: c.optimizer ?? d.optimizer,
    lr: c.lr ?? d.lr,
    behaviour: c.behaviour ?? d.behaviour,
    epsilonStart: c.epsilonStart ?? d.epsilonStart,
    epsilonEnd: c.epsilonEnd ?? d.epsilonEnd,
    epsilonDecaySteps: c.epsilonDecaySteps ?? d.epsilonDecaySteps,
    temperature: c.temperature ?? d.temperature,
    initScale: c.initScale ?? d.initScale,
    initValue: c.initValue ?? d.initValue,
    // Interval defaults never exceed the budget, so a short run still evaluates.
    evalEvery: c.evalEvery ?? Math.min(d.evalEvery, totalSteps),
    evalEpisodes: c.evalEpisodes ?? d.evalEpisodes,
    checkpointEvery: c.checkpointEvery ?? d.checkpointEvery,
    keepCheckpoints: c.keepCheckpoints ?? d.keepCheckpoints,
    ...(c.tensorboard === false ? { tensorboard: false as const } : {}),
  };
}

/** The config without bookkeeping fields that do not change results (for job ids). */
export function resultDefiningLrqConfig(
  c: LrqRunConfig,
): Omit<LrqRunConfig, "checkpointEvery" | "keepCheckpoints" | "tensorboard"> {
  const rest: Partial<LrqRunConfig> = { ...c };
  delete rest.checkpointEvery;
  delete rest.keepCheckpoints;
  delete rest.tensorboard;
  return rest as Omit<LrqRunConfig, "checkpointEvery" | "keepCheckpoints" | "tensorboard">;
}
