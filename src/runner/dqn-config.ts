import * as z from "zod/mini";
import type { DqnConfig } from "../dqn/config.js";
import { TD_TARGET_RULES, type TdTargetRule } from "../dqn/td-target.js";
import type { MatmulPrecision } from "../factor/gemm.js";
import { allowedValues, asksForAlgo, ConfigError, parseAlgoFields, show } from "./config.js";
import { COMMON_ALLOWED, intIn, numberAbove, numberIn, prob, stepConfigHead } from "./config.js";

/**
 * A DQN run's configuration (`algo: "dqn"`): every DQN option is a field here and a flag of
 * `lowrank-rl run`. Step counts are env frames. Fields left out come from the env's defaults
 * ({@link DQN_ENV_DEFAULTS}: experiments/cartpole-dqn.ts for CartPole-v1, experiments/breakout.ts
 * for MinAtar/Breakout), so a resolved config is complete and is what the manifest records.
 */
export interface DqnRunConfig {
  algo: "dqn";
  env: DqnEnvId;
  seed: number;
  /** Env frames to train. */
  totalSteps: number;
  /**
   * Q-network: `dense`; `lowrank-<f>` / `trl-<f>` with f a parameter fraction in (0, 1) of the
   * dense hidden layer (written with a decimal point, `lowrank-0.2`); `lowrank-rank<K>` /
   * `trl-rank<K>` with K an integer rank; `cpconv`. A fraction and a rank are two differently
   * named forms: a bare integer (`lowrank-8`) is refused with a hint.
   */
  network: string;
  /** Arithmetic of the matrix products. */
  precision: MatmulPrecision;
  gamma: number;
  lr: number;
  optimizer: DqnOptimizerName;
  /**
   * K-FAC (`optimizer: "kfac"`, docs/kfac.md §10): damping λ, factor decay, updates between
   * inverse refreshes, KL trust region δ and momentum. Present exactly when the optimizer is
   * K-FAC (filled from {@link DQN_KFAC_DEFAULTS}); any of them with another optimizer is refused.
   */
  kfacDamping?: number;
  kfacStatDecay?: number;
  kfacInverseEvery?: number;
  kfacKlClip?: number;
  kfacMomentum?: number;
  /**
   * MinAtar: the first conv replaced by the fixed order-1 scattering transform (no weights;
   * docs/scattering.md, docs/dqn.md §15). Present only when true.
   */
  scattering?: true;
  batchSize: number;
  bufferSize: number;
  /** Frames of uniformly random play before the first update. */
  learningStarts: number;
  /** Frames between updates. */
  trainFrequency: number;
  /** `hard:<n>` (copy every n updates) or `polyak:<tau>` (θ⁻ ← τθ + (1−τ)θ⁻ after every update). */
  targetUpdate: string;
  double: boolean;
  nStep: number;
  loss: "huber" | "mse";
  /** Global gradient-norm clip; null = none. */
  maxGradNorm: number | null;
  epsilonStart: number;
  epsilonEnd: number;
  /** Frames over which ε decays linearly (after `learningStarts`). */
  epsilonDecaySteps: number;
  /** Frames between greedy(ish) evaluations on fixed seeds (0 = only at the end). */
  evalEvery: number;
  evalEpisodes: number;
  evalEpsilon: number;
  evalMaxSteps: number;
  /** Frames between training-log rows (losses, SPS, ε). */
  logEvery: number;
  /** Frames between singular-value records of the hidden layer (0 = never). */
  spectrumEvery: number;
  /** Episodes of the training-return moving average in reports. */
  returnWindow: number;
  /** Frames between checkpoints (0 = none). */
  checkpointEvery: number;
  keepCheckpoints: number;
  /** Named bundle of defaults the other fields start from (`none`: the env's DQN defaults). */
  preset: DqnPreset;
  /** Adam's ε (the denominator guard); ignored by RMSProp. */
  adamEps: number;
  /** Bootstrap action of the TD target. */
  tdTarget: TdTargetRule;
  /** `uniform` or `prioritized` (proportional, Schaul et al. 2016). */
  replay: "uniform" | "prioritized";
  /** Prioritized replay: priority exponent α. */
  priorityAlpha: number;
  /** Prioritized replay: importance-weight exponent β at replay start (annealed to 1). */
  priorityBeta: number;
  /** Prioritized replay: frames over which β reaches 1 after `learningStarts` (default: the rest of the run). */
  priorityBetaSteps: number;
  /** Prioritized replay: ε in p = |δ| + ε. */
  priorityEpsilon: number;
  /** Output head: `q` (linear), `dueling`, `c51` (distributional) or `dueling-c51`. */
  head: DqnHead;
  /** C51 atoms N and support [vMin, vMax]. */
  atoms: number;
  vMin: number;
  vMax: number;
  /** false: no TensorBoard event file (absent: the run writes one in `<run>/tb/`). */
  tensorboard?: false;
}

export const DQN_OPTIMIZERS = ["adam", "rmsprop", "kfac"] as const;
export type DqnOptimizerName = (typeof DQN_OPTIMIZERS)[number];

/** The K-FAC fields of a DQN config, with their defaults. */
export const DQN_KFAC_FIELDS = [
  "kfacDamping",
  "kfacStatDecay",
  "kfacInverseEvery",
  "kfacKlClip",
  "kfacMomentum",
] as const;

/**
 * K-FAC's defaults for DQN: ACKTR's settings as src/actorcritic uses them (damping 0.01, decay 0.95,
 * inverses every 10 updates, no momentum) with the KL trust region 0.001 of src/nn/kfac.ts, and the
 * step size `lr` used when the config names K-FAC without one (docs/dqn.md §15: chosen on
 * CartPole-v1 so the learning test reaches 195 in fewer updates than Adam at 1e-3).
 */
export const DQN_KFAC_DEFAULTS = {
  lr: 0.1,
  kfacDamping: 0.01,
  kfacStatDecay: 0.95,
  kfacInverseEvery: 10,
  kfacKlClip: 0.001,
  kfacMomentum: 0,
} as const;

export const DQN_HEADS = ["q", "dueling", "c51", "dueling-c51"] as const;
export type DqnHead = (typeof DQN_HEADS)[number];
export const DQN_PRESETS = ["none", "rainbow-denoised"] as const;
export type DqnPreset = (typeof DQN_PRESETS)[number];

export const DQN_ENVS = ["CartPole-v1", "MinAtar/Breakout"] as const;
export type DqnEnvId = (typeof DQN_ENVS)[number];

type DqnDefaults = Omit<
  DqnRunConfig,
  | "algo"
  | "env"
  | "seed"
  | "preset"
  | "priorityBetaSteps"
  | "tensorboard"
  | "scattering"
  | (typeof DQN_KFAC_FIELDS)[number]
>;

/** The defaults of the options that came with the Rainbow parts (the same for both envs). */
const PLAIN_DQN = {
  adamEps: 1e-8,
  tdTarget: "q-learning",
  replay: "uniform",
  priorityAlpha: 0.5,
  priorityBeta: 0.4,
  priorityEpsilon: 1e-6,
  head: "q",
  atoms: 51,
  vMin: -10,
  vMax: 10,
} as const;

/** Defaults per env: the hyperparameter blocks of the DQN experiment scripts. */
export const DQN_ENV_DEFAULTS: Readonly<Record<DqnEnvId, DqnDefaults>> = {
  "CartPole-v1": {
    totalSteps: 20_000,
    network: "dense",
    precision: "f64",
    gamma: 0.99,
    lr: 1e-3,
    optimizer: "adam",
    batchSize: 64,
    bufferSize: 50_000,
    learningStarts: 1000,
    trainFrequency: 1,
    targetUpdate: "polyak:0.005",
    double: true,
    nStep: 1,
    loss: "huber",
    maxGradNorm: 10,
    epsilonStart: 1,
    epsilonEnd: 0.05,
    epsilonDecaySteps: 10_000,
    evalEvery: 1000,
    evalEpisodes: 20,
    evalEpsilon: 0,
    evalMaxSteps: 500,
    logEvery: 1000,
    spectrumEvery: 5000,
    returnWindow: 20,
    checkpointEvery: 50_000,
    keepCheckpoints: 1,
    ...PLAIN_DQN,
  },
  "MinAtar/Breakout": {
    totalSteps: 100_000,
    network: "dense",
    precision: "f32",
    gamma: 0.99,
    lr: 2.5e-4,
    optimizer: "rmsprop",
    batchSize: 32,
    bufferSize: 100_000,
    learningStarts: 5000,
    trainFrequency: 1,
    targetUpdate: "hard:1000",
    double: false,
    nStep: 1,
    loss: "huber",
    maxGradNorm: null,
    epsilonStart: 1,
    epsilonEnd: 0.1,
    epsilonDecaySteps: 100_000,
    evalEvery: 25_000,
    evalEpisodes: 30,
    evalEpsilon: 0.05,
    evalMaxSteps: 20_000,
    logEvery: 5000,
    spectrumEvery: 10_000,
    returnWindow: 100,
    checkpointEvery: 50_000,
    keepCheckpoints: 1,
    ...PLAIN_DQN,
  },
};

/**
 * Presets: defaults laid over the env's before the config's own fields (docs/dqn.md §13).
 * `rainbow-denoised` is data-efficient Rainbow (van Hasselt et al. 2019) without NoisyNets, the
 * "Denoised" baseline of the TRL paper: prioritized replay (α 0.5, β 0.4 → 1), a dueling C51 head
 * (51 atoms), Double, n-step, Adam, grad-norm clip 10; ε-greedy exploration instead of noisy
 * layers. On MinAtar: the data-efficient schedule (1 600 warm-up frames, copy every 2 000 updates,
 * one update per frame, lr 1e-4, Adam ε 1.5e-4) at MinAtar's network sizes, with n = 3 (MinAtar
 * has no frame skip; Revisiting Rainbow's MinAtar n). On CartPole the same parts on the CartPole
 * schedule, support [0, 100] (returns discounted at 0.99 stay below 100).
 */
export const DQN_PRESET_DEFAULTS: Readonly<
  Record<DqnPreset, Partial<Record<DqnEnvId, Partial<DqnDefaults>>>>
> = {
  none: {},
  "rainbow-denoised": {
    "CartPole-v1": {
      replay: "prioritized",
      head: "dueling-c51",
      vMin: 0,
      vMax: 100,
      nStep: 3,
      double: true,
      maxGradNorm: 10,
    },
    "MinAtar/Breakout": {
      replay: "prioritized",
      head: "dueling-c51",
      optimizer: "adam",
      lr: 1e-4,
      adamEps: 1.5e-4,
      learningStarts: 1600,
      targetUpdate: "hard:2000",
      trainFrequency: 1,
      nStep: 3,
      double: true,
      maxGradNorm: 10,
      epsilonEnd: 0.01,
      epsilonDecaySteps: 20_000,
    },
  },
};

/** One documented DQN config field (flag, allowed range) for `--help` and error messages. */
export interface DqnFieldDoc {
  name: keyof DqnRunConfig;
  flag: string;
  allowed: string;
  description: string;
  /** The value is a number on the command line. */
  number?: boolean;
}

const TARGET = /^(?:hard:[1-9]\d*|polyak:(?:1(?:\.0*)?|0?\.\d*[1-9]\d*))$/;

/** DQN-only fields (the shared ones, env/seed/gamma/checkpoint…, are documented with the PG fields). */
export const DQN_FIELD_DOCS: readonly DqnFieldDoc[] = [
  {
    name: "totalSteps",
    flag: "--total-steps <frames>",
    allowed: "an integer in [1, 1000000000]",
    description: "DQN: env frames to train",
    number: true,
  },
  {
    name: "network",
    flag: "--network <spec>",
    allowed:
      "dense, lowrank-<f>, lowrank-rank<K>, trl-<f>, trl-rank<K> or cpconv (f: a fraction in (0, 1) of the dense hidden layer's parameters, e.g. 0.2; K: an integer rank >= 1; trl and cpconv need MinAtar/Breakout)",
    description: "DQN: Q-network",
  },
  {
    name: "precision",
    flag: "--precision <p>",
    allowed: '"f32" or "f64"',
    description: "DQN: arithmetic of the matrix products",
  },
  {
    name: "lr",
    flag: "--lr <x>",
    allowed: "a number in (0, 1]",
    description: "DQN: learning rate",
    number: true,
  },
  {
    name: "optimizer",
    flag: "--optimizer <name>",
    allowed:
      '"adam", "rmsprop" (centered, α 0.95, ε 0.01 as MinAtar) or "kfac" (K-FAC with ACKTR\'s KL clip, lr 0.1 unless given; not with cpconv)',
    description: "DQN: optimizer",
  },
  {
    name: "kfacDamping",
    flag: "--kfac-damping <x>",
    allowed: "a number in (0, 100] (optimizer kfac)",
    description: "DQN with kfac: Tikhonov damping λ (0.01 unless given)",
    number: true,
  },
  {
    name: "kfacStatDecay",
    flag: "--kfac-stat-decay <x>",
    allowed: "a number in [0, 1) (optimizer kfac)",
    description: "DQN with kfac: decay of the running Kronecker factors (0.95 unless given)",
    number: true,
  },
  {
    name: "kfacInverseEvery",
    flag: "--kfac-inverse-every <n>",
    allowed: "an integer in [1, 1000000] (optimizer kfac)",
    description: "DQN with kfac: updates between refreshes of the damped inverses (10 unless given)",
    number: true,
  },
  {
    name: "kfacKlClip",
    flag: "--kfac-kl-clip <x>",
    allowed: "a number in (0, 100] (optimizer kfac)",
    description: "DQN with kfac: KL trust region δ per update (0.001 unless given)",
    number: true,
  },
  {
    name: "kfacMomentum",
    flag: "--kfac-momentum <x>",
    allowed: "a number in [0, 1) (optimizer kfac)",
    description: "DQN with kfac: momentum on the preconditioned step (0 unless given)",
    number: true,
  },
  {
    name: "scattering",
    flag: "--scattering",
    allowed: "a flag (MinAtar/Breakout; not with cpconv)",
    description: "DQN: replace the first conv by the fixed order-1 scattering transform (no weights)",
  },
  {
    name: "batchSize",
    flag: "--batch-size <n>",
    allowed: "an integer in [1, 100000]",
    description: "DQN: minibatch size",
    number: true,
  },
  {
    name: "bufferSize",
    flag: "--buffer-size <n>",
    allowed: "an integer in [1, 100000000]",
    description: "DQN: replay capacity (transitions)",
    number: true,
  },
  {
    name: "learningStarts",
    flag: "--learning-starts <frames>",
    allowed: "an integer in [0, 1000000000]",
    description: "DQN: frames of random play before the first update",
    number: true,
  },
  {
    name: "trainFrequency",
    flag: "--train-frequency <frames>",
    allowed: "an integer in [1, 1000000]",
    description: "DQN: frames between updates",
    number: true,
  },
  {
    name: "targetUpdate",
    flag: "--target-update <rule>",
    allowed: "hard:<n> (copy every n updates, n >= 1) or polyak:<tau> (tau in (0, 1], every update)",
    description: "DQN: target-network sync",
  },
  {
    name: "double",
    flag: "--double",
    allowed: "a flag (--no-double turns it off)",
    description: "DQN: Double DQN targets",
  },
  {
    name: "nStep",
    flag: "--n-step <n>",
    allowed: "an integer in [1, 1000]",
    description: "DQN: n of the n-step return",
    number: true,
  },
  { name: "loss", flag: "--loss <kind>", allowed: '"huber" or "mse"', description: "DQN: TD loss" },
  {
    name: "maxGradNorm",
    flag: "--max-grad-norm <x>",
    allowed: 'a number > 0, or "none"',
    description: "DQN: global gradient-norm clip",
  },
  {
    name: "epsilonStart",
    flag: "--epsilon-start <x>",
    allowed: "a number in [0, 1]",
    description: "DQN: initial ε",
    number: true,
  },
  {
    name: "epsilonEnd",
    flag: "--epsilon-end <x>",
    allowed: "a number in [0, 1]",
    description: "DQN: final ε",
    number: true,
  },
  {
    name: "epsilonDecaySteps",
    flag: "--epsilon-decay-steps <frames>",
    allowed: "an integer in [0, 1000000000]",
    description: "DQN: frames of linear ε decay",
    number: true,
  },
  {
    name: "evalEpsilon",
    flag: "--eval-epsilon <x>",
    allowed: "a number in [0, 1]",
    description: "DQN: ε of the evaluation episodes",
    number: true,
  },
  {
    name: "evalMaxSteps",
    flag: "--eval-max-steps <n>",
    allowed: "an integer in [1, 10000000]",
    description: "DQN: steps per evaluation episode",
    number: true,
  },
  {
    name: "logEvery",
    flag: "--log-every <frames>",
    allowed: "an integer in [1, 1000000000]",
    description: "DQN: frames between training-log rows",
    number: true,
  },
  {
    name: "spectrumEvery",
    flag: "--spectrum-every <frames>",
    allowed: "an integer in [0, 1000000000] (0 = never)",
    description: "DQN: frames between hidden-layer spectra",
    number: true,
  },
  {
    name: "preset",
    flag: "--preset <name>",
    allowed:
      DQN_PRESETS.map((p) => `"${p}"`).join(" or ") +
      " (rainbow-denoised: data-efficient Rainbow without NoisyNets)",
    description: "DQN: bundle of defaults the other fields override",
  },
  {
    name: "adamEps",
    flag: "--adam-eps <x>",
    allowed: "a number in (0, 1]",
    description: "DQN: Adam's ε",
    number: true,
  },
  {
    name: "tdTarget",
    flag: "--td-target <rule>",
    allowed: TD_TARGET_RULES.map((r) => `"${r}"`).join(", ") + " (expected under the ε-greedy policy)",
    description: "DQN: bootstrap action of the TD target",
  },
  {
    name: "replay",
    flag: "--replay <kind>",
    allowed: '"uniform" or "prioritized"',
    description: "DQN: replay sampling",
  },
  {
    name: "priorityAlpha",
    flag: "--priority-alpha <x>",
    allowed: "a number in [0, 1]",
    description: "DQN: prioritized replay's exponent α",
    number: true,
  },
  {
    name: "priorityBeta",
    flag: "--priority-beta <x>",
    allowed: "a number in [0, 1]",
    description: "DQN: initial importance-weight exponent β (annealed to 1)",
    number: true,
  },
  {
    name: "priorityBetaSteps",
    flag: "--priority-beta-steps <frames>",
    allowed: "an integer in [0, 1000000000] (default: total steps − learning starts)",
    description: "DQN: frames over which β reaches 1",
    number: true,
  },
  {
    name: "priorityEpsilon",
    flag: "--priority-epsilon <x>",
    allowed: "a number in (0, 1]",
    description: "DQN: ε in the priority |δ| + ε",
    number: true,
  },
  {
    name: "head",
    flag: "--head <kind>",
    allowed: DQN_HEADS.map((h) => `"${h}"`).join(", "),
    description: "DQN: output head (dueling streams, C51 distribution)",
  },
  {
    name: "atoms",
    flag: "--atoms <n>",
    allowed: "an integer in [2, 1001]",
    description: "DQN: C51 atoms",
    number: true,
  },
  {
    name: "vMin",
    flag: "--v-min <x>",
    allowed: "a number in [-1000000000, 1000000000] below vMax",
    description: "DQN: C51 support's lower end",
    number: true,
  },
  {
    name: "vMax",
    flag: "--v-max <x>",
    allowed: "a number in [-1000000000, 1000000000] above vMin",
    description: "DQN: C51 support's upper end",
    number: true,
  },
  {
    name: "returnWindow",
    flag: "--return-window <n>",
    allowed: "an integer in [1, 100000]",
    description: "DQN: episodes of the moving-average return",
    number: true,
  },
];

/** Allowed ranges of the fields DQN shares with the PG config (frames where PG counts episodes). */
const SHARED_ALLOWED: Record<string, string> = {
  ...COMMON_ALLOWED,
  algo: '"lrpg", "nn" or "dqn"',
  env: `one of ${DQN_ENVS.join(", ")} (algo "dqn")`,
  evalEvery: "an integer in [0, 1000000000] (frames; 0 = only at the end)",
  checkpointEvery: "an integer in [0, 1000000000] (frames; 0 = none)",
};

const dqnSchema = z.strictObject({
  ...stepConfigHead("dqn", DQN_ENVS),
  network: z.optional(z.string()),
  precision: z.optional(z.enum(["f32", "f64"])),
  gamma: z.optional(prob),
  lr: z.optional(numberAbove(0, 1)),
  optimizer: z.optional(z.enum(DQN_OPTIMIZERS)),
  kfacDamping: z.optional(numberAbove(0, 100)),
  kfacStatDecay: z.optional(z.number().check(z.gte(0), z.lt(1))),
  kfacInverseEvery: z.optional(intIn(1, 1_000_000)),
  kfacKlClip: z.optional(numberAbove(0, 100)),
  kfacMomentum: z.optional(z.number().check(z.gte(0), z.lt(1))),
  scattering: z.optional(z.boolean()),
  batchSize: z.optional(intIn(1, 100_000)),
  bufferSize: z.optional(intIn(1, 100_000_000)),
  learningStarts: z.optional(intIn(0, 1_000_000_000)),
  trainFrequency: z.optional(intIn(1, 1_000_000)),
  targetUpdate: z.optional(z.string().check(z.regex(TARGET))),
  double: z.optional(z.boolean()),
  nStep: z.optional(intIn(1, 1000)),
  loss: z.optional(z.enum(["huber", "mse"])),
  maxGradNorm: z.optional(z.nullable(z.number().check(z.gt(0)))),
  epsilonStart: z.optional(prob),
  epsilonEnd: z.optional(prob),
  epsilonDecaySteps: z.optional(intIn(0, 1_000_000_000)),
  evalEvery: z.optional(intIn(0, 1_000_000_000)),
  evalEpisodes: z.optional(intIn(1, 100_000)),
  evalEpsilon: z.optional(prob),
  evalMaxSteps: z.optional(intIn(1, 10_000_000)),
  logEvery: z.optional(intIn(1, 1_000_000_000)),
  spectrumEvery: z.optional(intIn(0, 1_000_000_000)),
  returnWindow: z.optional(intIn(1, 100_000)),
  checkpointEvery: z.optional(intIn(0, 1_000_000_000)),
  keepCheckpoints: z.optional(intIn(1, 1000)),
  preset: z.optional(z.enum(DQN_PRESETS)),
  adamEps: z.optional(numberAbove(0, 1)),
  tdTarget: z.optional(z.enum(TD_TARGET_RULES as [TdTargetRule, ...TdTargetRule[]])),
  replay: z.optional(z.enum(["uniform", "prioritized"])),
  priorityAlpha: z.optional(prob),
  priorityBeta: z.optional(prob),
  priorityBetaSteps: z.optional(intIn(0, 1_000_000_000)),
  priorityEpsilon: z.optional(numberAbove(0, 1)),
  head: z.optional(z.enum(DQN_HEADS)),
  atoms: z.optional(intIn(2, 1001)),
  vMin: z.optional(numberIn(-1e9, 1e9)),
  vMax: z.optional(numberIn(-1e9, 1e9)),
  tensorboard: z.optional(z.boolean()),
});

/** Names of every DQN config field. */
export const DQN_FIELDS: readonly string[] = Object.keys(dqnSchema.shape);

const allowed = allowedValues(DQN_FIELD_DOCS, SHARED_ALLOWED);

/** True when a raw config asks for DQN. */
export const isDqnConfigInput = (raw: unknown): boolean => asksForAlgo(raw, "dqn");

/**
 * Validates a raw DQN config and fills the env's defaults. Throws {@link ConfigError} naming
 * the field, the value and the allowed range, e.g. `config.nStep = 0: must be an integer in [1, 1000]`.
 */
export function parseDqnRunConfig(raw: unknown): DqnRunConfig {
  const c = parseAlgoFields(dqnSchema, raw, "dqn", "DQN", allowed);
  if (c.network !== undefined) parseNetworkSpec(c.network);
  const preset = c.preset ?? "none";
  const d: DqnDefaults = { ...DQN_ENV_DEFAULTS[c.env], ...DQN_PRESET_DEFAULTS[preset][c.env] };
  const totalSteps = c.totalSteps ?? d.totalSteps;
  const optimizer = c.optimizer ?? d.optimizer;
  const kfac = optimizer === "kfac";
  if (!kfac)
    for (const f of DQN_KFAC_FIELDS)
      if (c[f] !== undefined)
        throw new ConfigError(
          f,
          `config.${f} = ${show(c[f])}: only applies to optimizer "kfac", but optimizer is ${show(optimizer)}`,
        );
  const config: DqnRunConfig = {
    algo: "dqn",
    env: c.env,
    seed: c.seed ?? 0,
    totalSteps,
    network: c.network ?? d.network,
    precision: c.precision ?? d.precision,
    gamma: c.gamma ?? d.gamma,
    lr: c.lr ?? (kfac && d.optimizer !== "kfac" ? DQN_KFAC_DEFAULTS.lr : d.lr),
    optimizer,
    ...(kfac
      ? {
          kfacDamping: c.kfacDamping ?? DQN_KFAC_DEFAULTS.kfacDamping,
          kfacStatDecay: c.kfacStatDecay ?? DQN_KFAC_DEFAULTS.kfacStatDecay,
          kfacInverseEvery: c.kfacInverseEvery ?? DQN_KFAC_DEFAULTS.kfacInverseEvery,
          kfacKlClip: c.kfacKlClip ?? DQN_KFAC_DEFAULTS.kfacKlClip,
          kfacMomentum: c.kfacMomentum ?? DQN_KFAC_DEFAULTS.kfacMomentum,
        }
      : {}),
    ...(c.scattering === true ? { scattering: true as const } : {}),
    batchSize: c.batchSize ?? d.batchSize,
    bufferSize: c.bufferSize ?? d.bufferSize,
    learningStarts: c.learningStarts ?? d.learningStarts,
    trainFrequency: c.trainFrequency ?? d.trainFrequency,
    targetUpdate: c.targetUpdate ?? d.targetUpdate,
    double: c.double ?? d.double,
    nStep: c.nStep ?? d.nStep,
    loss: c.loss ?? d.loss,
    maxGradNorm: c.maxGradNorm === undefined ? d.maxGradNorm : c.maxGradNorm,
    epsilonStart: c.epsilonStart ?? d.epsilonStart,
    epsilonEnd: c.epsilonEnd ?? d.epsilonEnd,
    epsilonDecaySteps: c.epsilonDecaySteps ?? d.epsilonDecaySteps,
    // Interval defaults never exceed the budget, so a short run still logs and evaluates.
    evalEvery: c.evalEvery ?? Math.min(d.evalEvery, totalSteps),
    evalEpisodes: c.evalEpisodes ?? d.evalEpisodes,
    evalEpsilon: c.evalEpsilon ?? d.evalEpsilon,
    evalMaxSteps: c.evalMaxSteps ?? d.evalMaxSteps,
    logEvery: c.logEvery ?? Math.min(d.logEvery, totalSteps),
    spectrumEvery: c.spectrumEvery ?? d.spectrumEvery,
    returnWindow: c.returnWindow ?? d.returnWindow,
    checkpointEvery: c.checkpointEvery ?? d.checkpointEvery,
    keepCheckpoints: c.keepCheckpoints ?? d.keepCheckpoints,
    preset,
    adamEps: c.adamEps ?? d.adamEps,
    tdTarget: c.tdTarget ?? d.tdTarget,
    replay: c.replay ?? d.replay,
    priorityAlpha: c.priorityAlpha ?? d.priorityAlpha,
    priorityBeta: c.priorityBeta ?? d.priorityBeta,
    priorityBetaSteps:
      c.priorityBetaSteps ?? Math.max(0, totalSteps - (c.learningStarts ?? d.learningStarts)),
    priorityEpsilon: c.priorityEpsilon ?? d.priorityEpsilon,
    head: c.head ?? d.head,
    atoms: c.atoms ?? d.atoms,
    vMin: c.vMin ?? d.vMin,
    vMax: c.vMax ?? d.vMax,
    ...(c.tensorboard === false ? { tensorboard: false as const } : {}),
  };
  if (!(config.vMin < config.vMax))
    throw new ConfigError(
      "vMax",
      `config.vMax = ${show(config.vMax)}: must be ${allowed("vMax")} (vMin = ${show(config.vMin)})`,
    );
  const net = parseNetworkSpec(config.network);
  if (config.env === "CartPole-v1" && (net.hidden.kind === "trl" || net.conv !== undefined))
    throw new ConfigError(
      "network",
      `config.network = ${show(config.network)}: CartPole-v1's MLP takes dense, lowrank-<f> or lowrank-rank<K> (trl and cpconv need MinAtar/Breakout's conv network)`,
    );
  if (config.scattering && config.env !== "MinAtar/Breakout")
    throw new ConfigError(
      "scattering",
      `config.scattering = true: needs an image env (MinAtar/Breakout); ${config.env} has a vector observation`,
    );
  if (config.scattering && net.conv !== undefined)
    throw new ConfigError(
      "scattering",
      `config.scattering = true: replaces the conv, so network ${show(config.network)} (a CP conv) cannot have it; use dense, lowrank-* or trl-*`,
    );
  if (kfac && net.conv !== undefined)
    throw new ConfigError(
      "optimizer",
      `config.optimizer = "kfac": K-FAC has no Kronecker block for the CP conv of network ${show(config.network)}; use adam or rmsprop, or a dense conv`,
    );
  return config;
}

/** Hidden-layer and conv parametrization of a network spec string (validated by the config). */
export interface DqnNetworkSpec {
  hidden:
    | { kind: "dense" }
    | { kind: "lowrank" | "trl"; rank: number }
    | { kind: "lowrank" | "trl"; parameterFraction: number };
  conv?: { kind: "cp"; parameterFraction: number };
}

/** The CP conv keeps ½ of the 4→16 3×3 kernel's parameters (rank 11). */
export const CP_CONV_FRACTION = 0.5;

/**
 * Reads a network spec: `dense`, `cpconv`, `<kind>-<f>` (a parameter fraction f in (0, 1), written
 * with a decimal point) or `<kind>-rank<K>` (an integer rank K >= 1), kind `lowrank` or `trl`.
 * A bare integer, a fractional rank or a fraction outside (0, 1) is a {@link ConfigError} that
 * says which form to write instead.
 */
export function parseNetworkSpec(spec: string): DqnNetworkSpec {
  if (spec === "dense") return { hidden: { kind: "dense" } };
  if (spec === "cpconv")
    return { hidden: { kind: "dense" }, conv: { kind: "cp", parameterFraction: CP_CONV_FRACTION } };
  const bad = (why: string): never => {
    throw new ConfigError("network", `config.network = ${show(spec)}: ${why}`);
  };
  const m = /^(lowrank|trl)-(.*)$/.exec(spec);
  if (!m) return bad(`must be ${allowed("network")}`);
  const kind = m[1] as "lowrank" | "trl";
  const value = m[2];
  const rank = /^rank(.*)$/.exec(value);
  if (rank) {
    if (!/^[1-9]\d*$/.test(rank[1]))
      return bad(
        `the rank in ${kind}-rank<K> must be an integer >= 1, got ${show(rank[1])}` +
          (/^0?\.\d+$/.test(rank[1]) ? `; for a parameter fraction write ${kind}-${rank[1]}` : ""),
      );
    return { hidden: { kind, rank: Number(rank[1]) } };
  }
  if (/^\d+$/.test(value))
    return bad(
      `a bare number is not accepted (rank or fraction?): write ${kind}-rank${Number(value)} for the integer rank ${Number(value)}, or ${kind}-<f> with f in (0, 1), e.g. ${kind}-0.2, for a fraction of the dense layer's parameters`,
    );
  if (/^\d*\.\d*$/.test(value) && value !== ".") {
    const f = Number(value);
    if (!(f > 0 && f < 1))
      return bad(
        `the parameter fraction in ${kind}-<f> must be in (0, 1), got ${value}` +
          (Number.isInteger(f) && f >= 1 ? `; for an integer rank write ${kind}-rank${f}` : ""),
      );
    return { hidden: { kind, parameterFraction: f } };
  }
  return bad(`must be ${allowed("network")}`);
}

/** The `DqnConfig` of the agent (src/dqn) a run config describes. */
export function dqnAgentConfig(c: DqnRunConfig): DqnConfig {
  const [rule, value] = c.targetUpdate.split(":");
  const hard = rule === "hard";
  return {
    gamma: c.gamma,
    batchSize: c.batchSize,
    bufferSize: c.bufferSize,
    learningStarts: c.learningStarts,
    trainFrequency: c.trainFrequency,
    targetUpdateInterval: hard ? Number(value) : 1,
    tau: hard ? 1 : Number(value),
    doubleDqn: c.double,
    nStep: c.nStep,
    loss: c.loss,
    huberKappa: 1,
    maxGradNorm: c.maxGradNorm,
    optimizer:
      c.optimizer === "adam"
        ? { kind: "adam", lr: c.lr, eps: c.adamEps }
        : c.optimizer === "kfac"
          ? {
              kind: "kfac",
              lr: c.lr,
              damping: c.kfacDamping ?? DQN_KFAC_DEFAULTS.kfacDamping,
              statDecay: c.kfacStatDecay ?? DQN_KFAC_DEFAULTS.kfacStatDecay,
              inverseEvery: c.kfacInverseEvery ?? DQN_KFAC_DEFAULTS.kfacInverseEvery,
              klClip: c.kfacKlClip ?? DQN_KFAC_DEFAULTS.kfacKlClip,
              momentum: c.kfacMomentum ?? DQN_KFAC_DEFAULTS.kfacMomentum,
            }
          : { kind: "rmsprop", lr: c.lr, alpha: 0.95, eps: 0.01, centered: true },
    epsilonStart: c.epsilonStart,
    epsilonEnd: c.epsilonEnd,
    epsilonDecayFrames: c.epsilonDecaySteps,
    tdTarget: c.tdTarget,
    prioritized:
      c.replay === "prioritized"
        ? {
            alpha: c.priorityAlpha,
            betaStart: c.priorityBeta,
            betaFrames: c.priorityBetaSteps,
            epsilon: c.priorityEpsilon,
          }
        : null,
    distributional: isDistributional(c.head) ? { atoms: c.atoms, vMin: c.vMin, vMax: c.vMax } : null,
  };
}

/** Whether a head outputs a C51 distribution per action. */
export function isDistributional(head: DqnHead): boolean {
  return head === "c51" || head === "dueling-c51";
}

/** The network builders' head spec of a run config. */
export function dqnHeadSpec(c: DqnRunConfig): { dueling: boolean; atoms: number } {
  return { dueling: c.head.startsWith("dueling"), atoms: isDistributional(c.head) ? c.atoms : 1 };
}

/** The config without bookkeeping fields that do not change results (for job ids). */
export function resultDefiningDqnConfig(
  c: DqnRunConfig,
): Omit<DqnRunConfig, "checkpointEvery" | "keepCheckpoints" | "tensorboard"> {
  const rest: Partial<DqnRunConfig> = { ...c };
  delete rest.checkpointEvery;
  delete rest.keepCheckpoints;
  delete rest.tensorboard;
  return rest as Omit<DqnRunConfig, "checkpointEvery" | "keepCheckpoints" | "tensorboard">;
}

/** Fields only DQN has (a PG config giving one is told which algo it belongs to). */
const DQN_ONLY = DQN_FIELDS.filter((f) => !(f in SHARED_ALLOWED));

/**
 * Rejects DQN-only fields in a policy-gradient config with a message naming the field and the
 * algo it belongs to (the PG parser would call them unknown).
 */
export function checkNoDqnFields(raw: unknown): void {
  if (raw === null || typeof raw !== "object" || isDqnConfigInput(raw)) return;
  const input = raw as Record<string, unknown>;
  for (const f of DQN_ONLY) {
    if (input[f] !== undefined)
      throw new ConfigError(
        f,
        `config.${f} = ${show(input[f])}: only applies to algo "dqn", but algo is ${show(input.algo ?? "lrpg")}`,
      );
  }
}
