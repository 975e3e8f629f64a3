import * as z from "zod/mini";
import {
  minatarActorCritic,
  mlpActorCritic,
  type A2cOptimizerKind,
  type ActorCriticNetwork,
  type TrunkLayerSpec,
} from "../actorcritic/index.js";
import { Rng } from "../random/rng.js";
import { A2C_FIELD_DOCS } from "./a2c-fields.js";
import { allowedValues, ConfigError, parseAlgoFields, show } from "./config.js";
import { COMMON_ALLOWED, intIn, numberAbove, numberIn, STEP_CONFIG_TAIL, stepConfigHead } from "./config.js";
import { parseNetworkSpec } from "./dqn-config.js";

/**
 * An actor-critic run's configuration (`algo: "a2c"`, src/actorcritic, docs/actor-critic.md): A2C, or
 * ACKTR with `optimizer: "kfac"`. Step counts are env frames (all copies together). Fields left out
 * come from the env's preset ({@link A2C_ENV_DEFAULTS}), so a resolved config is complete.
 */
export interface A2cRunConfig {
  algo: "a2c";
  env: A2cEnvId;
  seed: number;
  /** Env frames to train, all copies together (the last update may pass it by less than one rollout). */
  totalSteps: number;
  /**
   * Trunk hidden layer, named as the DQN networks are: "dense"; "lowrank-<f>" / "trl-<f>" (f a
   * parameter fraction in (0, 1)); "lowrank-rank<K>" / "trl-rank<K>" (an integer rank K >= 1).
   */
  network: string;
  /** MinAtar: the first layer, a learned conv or the fixed scattering transform. */
  frontEnd: "conv" | "scattering";
  optimizer: A2cOptimizerKind;
  lr: number;
  numEnvs: number;
  /** Steps per env per update (A2C's n). */
  rolloutSteps: number;
  gamma: number;
  gaeLambda: number;
  valueCoef: number;
  entropyCoef: number;
  /** Adam/RMSProp global gradient-norm clip (null: none). */
  maxGradNorm: number | null;
  /** K-FAC: KL trust region δ and Tikhonov damping λ. */
  klClip: number;
  damping: number;
  /** Frames between evaluations (checked after each update; 0 = only at the end). */
  evalEvery: number;
  evalEpisodes: number;
  /** Frames between checkpoints (written after the first update past each multiple; 0 = only at the end). */
  checkpointEvery: number;
  keepCheckpoints: number;
  /** false: no TensorBoard event file. */
  tensorboard?: false;
}

export const A2C_ENVS = ["CartPole-v1", "MinAtar/Breakout"] as const;
export type A2cEnvId = (typeof A2C_ENVS)[number];

type A2cDefaults = Omit<A2cRunConfig, "algo" | "env" | "seed" | "tensorboard">;

/** What both presets share: ACKTR (K-FAC, step size 0.25, KL clip 0.01) on 8 envs, GAE λ 1, 10 evaluation episodes. */
const SHARED_DEFAULTS = {
  frontEnd: "conv",
  optimizer: "kfac",
  lr: 0.25,
  numEnvs: 8,
  gamma: 0.99,
  gaeLambda: 1,
  valueCoef: 0.5,
  entropyCoef: 0.01,
  maxGradNorm: 0.5,
  klClip: 0.01,
  damping: 0.01,
  evalEpisodes: 10,
  keepCheckpoints: 2,
} as const;

/** Per-env presets (docs/actor-critic.md §7 gives the measurements behind them). */
export const A2C_ENV_DEFAULTS: Readonly<Record<A2cEnvId, A2cDefaults>> = {
  "CartPole-v1": {
    ...SHARED_DEFAULTS,
    totalSteps: 100_000,
    network: "dense",
    rolloutSteps: 10,
    evalEvery: 20_000,
    checkpointEvery: 50_000,
  },
  "MinAtar/Breakout": {
    ...SHARED_DEFAULTS,
    totalSteps: 1_000_000,
    network: "trl-0.2",
    rolloutSteps: 5,
    evalEvery: 50_000,
    checkpointEvery: 100_000,
  },
};

export { A2C_FIELD_DOCS, isA2cConfigInput, type A2cFieldDoc } from "./a2c-fields.js";

const SHARED_ALLOWED: Record<string, string> = {
  ...COMMON_ALLOWED,
  algo: '"lrpg", "nn", "dqn", "lrq" or "a2c"',
  env: `one of ${A2C_ENVS.join(", ")} (algo "a2c")`,
  totalSteps: "an integer in [1, 1000000000] (env frames)",
  network:
    "dense, lowrank-<f> or trl-<f> (f a parameter fraction in (0, 1)), or lowrank-rank<K> or trl-rank<K> (K an integer rank >= 1)",
  optimizer: '"adam", "rmsprop" or "kfac" (algo "a2c")',
  lr: "a number in (0, 10]",
  maxGradNorm: "a number > 0, or null/none",
  evalEvery: "an integer in [0, 1000000000] (env frames; 0 = only at the end)",
  checkpointEvery: "an integer in [0, 1000000000] (env frames; 0 = only at the end)",
};

const a2cSchema = z.strictObject({
  ...stepConfigHead("a2c", A2C_ENVS),
  network: z.optional(z.string()),
  frontEnd: z.optional(z.enum(["conv", "scattering"])),
  optimizer: z.optional(z.enum(["adam", "rmsprop", "kfac"])),
  lr: z.optional(numberAbove(0, 10)),
  numEnvs: z.optional(intIn(1, 1024)),
  rolloutSteps: z.optional(intIn(1, 10_000)),
  gamma: z.optional(numberIn(0, 1)),
  gaeLambda: z.optional(numberIn(0, 1)),
  valueCoef: z.optional(numberIn(0, 1000)),
  entropyCoef: z.optional(numberIn(0, 1000)),
  maxGradNorm: z.optional(z.nullable(z.number().check(z.gt(0)))),
  klClip: z.optional(numberAbove(0, 100)),
  damping: z.optional(numberAbove(0, 100)),
  ...STEP_CONFIG_TAIL,
});

/** Names of every a2c config field. */
export const A2C_FIELDS: readonly string[] = Object.keys(a2cSchema.shape);

const allowed = allowedValues(A2C_FIELD_DOCS, SHARED_ALLOWED);

/**
 * The trunk's hidden layer of a `network` value, or a ConfigError. The names are the DQN
 * networks' ({@link parseNetworkSpec}): a fraction and an integer rank are written differently.
 */
export function parseTrunkSpec(network: string): TrunkLayerSpec {
  const spec = network.trim();
  if (spec === "dense") return { kind: "dense" };
  if (!/^(lowrank|trl)-/.test(spec))
    throw new ConfigError("network", `config.network = ${show(network)}: must be ${allowed("network")}`);
  const hidden = parseNetworkSpec(spec).hidden;
  if (hidden.kind === "dense") return { kind: "dense" };
  // rankOrFraction (src/nn/rank.ts) reads a number in (0, 1) as a fraction, an integer as a rank.
  return { kind: hidden.kind, rank: "rank" in hidden ? hidden.rank : hidden.parameterFraction };
}

/**
 * Validates a raw a2c config and fills the env's preset. Throws {@link ConfigError} naming the
 * field, the value and the allowed range, e.g. `config.gaeLambda = 2: must be a number in [0, 1] …`.
 */
export function parseA2cRunConfig(raw: unknown): A2cRunConfig {
  const c = parseAlgoFields(a2cSchema, raw, "a2c", "a2c", allowed);
  const d = A2C_ENV_DEFAULTS[c.env];
  const network = c.network ?? d.network;
  parseTrunkSpec(network);
  const frontEnd = c.frontEnd ?? d.frontEnd;
  if (c.env === "CartPole-v1" && frontEnd === "scattering")
    throw new ConfigError("frontEnd", `config.frontEnd = "scattering": must be ${allowed("frontEnd")}`);
  const out: A2cRunConfig = {
    algo: "a2c",
    env: c.env,
    seed: c.seed ?? 0,
    totalSteps: c.totalSteps ?? d.totalSteps,
    network,
    frontEnd,
    optimizer: c.optimizer ?? d.optimizer,
    lr: c.lr ?? d.lr,
    numEnvs: c.numEnvs ?? d.numEnvs,
    rolloutSteps: c.rolloutSteps ?? d.rolloutSteps,
    gamma: c.gamma ?? d.gamma,
    gaeLambda: c.gaeLambda ?? d.gaeLambda,
    valueCoef: c.valueCoef ?? d.valueCoef,
    entropyCoef: c.entropyCoef ?? d.entropyCoef,
    maxGradNorm: c.maxGradNorm === undefined ? d.maxGradNorm : c.maxGradNorm,
    klClip: c.klClip ?? d.klClip,
    damping: c.damping ?? d.damping,
    evalEvery: c.evalEvery ?? d.evalEvery,
    evalEpisodes: c.evalEpisodes ?? d.evalEpisodes,
    checkpointEvery: c.checkpointEvery ?? d.checkpointEvery,
    keepCheckpoints: c.keepCheckpoints ?? d.keepCheckpoints,
  };
  if (c.tensorboard === false) out.tensorboard = false;
  try {
    buildA2cNetwork(out, new Rng(0));
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ConfigError("network", `config.network = ${show(network)}: ${err.message}`);
  }
  return out;
}

/** Actions of each env (MinAtar Breakout: the full set of 6). */
export const A2C_ACTIONS: Readonly<Record<A2cEnvId, number>> = { "CartPole-v1": 2, "MinAtar/Breakout": 6 };

/**
 * The network of a config: CartPole, an MLP 64-64 whose second layer follows `network`; Breakout,
 * MinAtar's conv (or scattering) → 128 hidden layer following `network`; both with policy and value heads.
 */
export function buildA2cNetwork(config: A2cRunConfig, rng: Rng): ActorCriticNetwork {
  const hiddenLayer = parseTrunkSpec(config.network);
  if (config.env === "CartPole-v1")
    return mlpActorCritic({ observationSize: 4, numActions: 2, hidden: [64, 64], hiddenLayer, rng });
  return minatarActorCritic({
    numActions: A2C_ACTIONS[config.env],
    rng,
    hiddenLayer,
    frontEnd: config.frontEnd === "scattering" ? { kind: "scattering" } : { kind: "conv" },
  });
}

/** The fields that decide a run's numbers (not where or how often it saves). */
export function resultDefiningA2cConfig(
  c: A2cRunConfig,
): Omit<A2cRunConfig, "checkpointEvery" | "keepCheckpoints" | "tensorboard"> {
  const rest: Partial<A2cRunConfig> = { ...c };
  delete rest.checkpointEvery;
  delete rest.keepCheckpoints;
  delete rest.tensorboard;
  return rest as Omit<A2cRunConfig, "checkpointEvery" | "keepCheckpoints" | "tensorboard">;
}
