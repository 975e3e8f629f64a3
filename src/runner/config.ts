import * as z from "zod/mini";
import { PAPER_TASKS, type PaperAgentKind, type PaperTask } from "../presets/paper-agents.js";
import { compileSchedule, ScheduleError, type ScheduleSpec } from "./schedule.js";
import { envRunDefaults, isGenericGridEnv } from "./env-defaults.js";
import { listGridEnvs } from "../envs/default-grid.js";
import { GPU_MODES, type GpuMode } from "../factor/backend/gpujs.js";
import type { BackendKind } from "../factor/backend/index.js";

/**
 * A run's configuration: everything that, with the seed, fixes the run. Given as JSON or CLI
 * flags, validated here; every field the user leaves out is filled from the paper preset of
 * the env's task (docs/lrpg.md §9) so a resolved config is complete and
 * is what the manifest records.
 */

export type Algo = PaperAgentKind;
export type Task = PaperTask;

/** Env id → the LRPG paper task whose preset supplies the defaults. */
export const TASK_OF_ENV: Readonly<Record<string, Task>> = Object.fromEntries(
  Object.values(PAPER_TASKS).map((spec) => [spec.envId, spec.task]),
);

function firstBuckets(buckets: number | ArrayLike<number>): number {
  return typeof buckets === "number" ? buckets : buckets[0];
}

/** Defaults of one task, flattened from the paper presets (src/presets; docs/lrpg.md §9). */
export function taskDefaults(task: Task) {
  const spec = PAPER_TASKS[task];
  return {
    episodes: spec.episodes,
    maxSteps: spec.maxSteps,
    gamma: spec.gamma,
    lrpg: {
      rank: spec.lrpg.rank,
      actorBuckets: firstBuckets(spec.lrpg.actorGrid.buckets),
      criticBuckets: firstBuckets(spec.lrpg.criticGrid.buckets),
      lrActor: spec.lrpg.lrActor,
      lrCritic: spec.lrpg.lrCritic,
    },
    nn: { hidden: spec.nn.hidden, lrActor: spec.nn.lrActor, lrCritic: spec.nn.lrCritic },
  };
}

/** One documented config field: the CLI `--help` and the error messages come from this table. */
export interface FieldDoc {
  name: keyof RunConfigInput;
  flag: string;
  allowed: string;
  description: string;
  defaultText: string;
}

const MAX_SEED = 2 ** 31 - 1;

export const FIELD_DOCS: readonly FieldDoc[] = [
  {
    name: "env",
    flag: "--env <id>",
    allowed: `one of ${[...new Set([...Object.keys(TASK_OF_ENV), ...listGridEnvs()])].join(", ")} (registered envs with a default grid); DQN: CartPole-v1 or MinAtar/Breakout`,
    description: "environment id",
    defaultText: "LRPG/Pendulum",
  },
  {
    name: "task",
    flag: "",
    allowed: "the task of `env` (derived; may be left out; null for envs outside the paper)",
    description: "paper task whose preset supplies defaults",
    defaultText: "from env",
  },
  {
    name: "algo",
    flag: "--algo <name>",
    allowed: `"lrpg", "nn", "dqn" or "lrq"`,
    description:
      "low-rank policy gradient, the NN baseline (RVFB), DQN (flags marked DQN; steps are frames), or low-rank Q-learning (flags marked lrq, with --rank, --lr, --n-step, --td-target, --optimizer adam|sgd and the ε flags; steps are env steps)",
    defaultText: "lrpg",
  },
  {
    name: "seed",
    flag: "--seed <n>",
    allowed: `an integer in [0, ${MAX_SEED}]`,
    description: "seed of the run's generator",
    defaultText: "0",
  },
  {
    name: "episodes",
    flag: "--episodes <n>",
    allowed: "an integer in [1, 10000000]",
    description: "training episodes",
    defaultText: "task preset (pendulum 1000)",
  },
  {
    name: "maxSteps",
    flag: "--max-steps <n>",
    allowed: "an integer in [1, 1000000]",
    description: "steps per episode T (the reference cuts here, no bootstrap)",
    defaultText: "task preset (pendulum 100)",
  },
  {
    name: "gamma",
    flag: "--gamma <x>",
    allowed: "a number in (0, 1]",
    description: "discount γ",
    defaultText: "task preset (pendulum 0.99)",
  },
  {
    name: "lrActor",
    flag: "--lr-actor <x|expr>",
    allowed: "a number > 0, or a mathjs expression of `episode` (and `episodes`) that is > 0",
    description: "actor Adam learning rate (schedule)",
    defaultText: "preset (pendulum lrpg 1e-2, nn 1e-3)",
  },
  {
    name: "lrCritic",
    flag: "--lr-critic <x|expr>",
    allowed: "a number > 0, or a mathjs expression of `episode` (and `episodes`) that is > 0",
    description: "critic Adam learning rate (schedule)",
    defaultText: "preset (pendulum lrpg 1e-1, nn 1e-3)",
  },
  {
    name: "rank",
    flag: "--rank <k>",
    allowed: "an integer in [1, 1000]",
    description: "LRPG rank K of the actor and critic matrices",
    defaultText: "preset (pendulum 4)",
  },
  {
    name: "actorBuckets",
    flag: "--actor-buckets <n>",
    allowed: "an integer in [2, 1000]",
    description: "LRPG actor grid points per state dimension",
    defaultText: "preset (pendulum 10)",
  },
  {
    name: "criticBuckets",
    flag: "--critic-buckets <n>",
    allowed: "an integer in [2, 1000]",
    description: "LRPG critic grid points per state dimension",
    defaultText: "preset (pendulum 16)",
  },
  {
    name: "hidden",
    flag: "--hidden <n>",
    allowed: "an integer in [1, 100000]",
    description: "NN hidden width (μ-net and V-net)",
    defaultText: "preset (pendulum 512)",
  },
  {
    name: "checkpointEvery",
    flag: "--checkpoint-every <n>",
    allowed: "an integer in [0, 10000000] (0 = only at the end and on SIGINT/SIGTERM)",
    description: "episodes between checkpoints",
    defaultText: "100",
  },
  {
    name: "checkpointMinSeconds",
    flag: "--checkpoint-min-seconds <s>",
    allowed: "a number in [0, 86400] (0 = strictly every checkpointEvery episodes)",
    description:
      "skip a due checkpoint if the previous one is younger than this (bounds the overhead of fast runs; SIGINT/SIGTERM and the end always checkpoint)",
    defaultText: "1",
  },
  {
    name: "keepCheckpoints",
    flag: "--keep-checkpoints <n>",
    allowed: "an integer in [1, 1000]",
    description: "checkpoints kept (older ones are deleted)",
    defaultText: "2",
  },
  {
    name: "evalEvery",
    flag: "--eval-every <n>",
    allowed: "an integer in [0, 10000000] (0 = never)",
    description: "episodes between evaluations (deterministic mean action)",
    defaultText: "0",
  },
  {
    name: "evalEpisodes",
    flag: "--eval-episodes <n>",
    allowed: "an integer in [1, 100000]",
    description: "episodes per evaluation",
    defaultText: "10",
  },
  {
    name: "backend",
    flag: "--backend <kind>",
    allowed: `"cpu" or "gpu"`,
    description:
      "factor backend: cpu (float64; a population is bit-identical to single runs) or gpu (gpu.js, float32; always trains as a population)",
    defaultText: "cpu",
  },
  {
    name: "gpuMode",
    flag: "--gpu-mode <mode>",
    allowed: `one of ${GPU_MODES.map((m) => `"${m}"`).join(", ")} (backend "gpu" only)`,
    description: "gpu.js mode of the gpu backend (`lowrank-rl backends` lists what this machine has)",
    defaultText: "auto (with --backend gpu)",
  },
  {
    name: "population",
    flag: "--population <P>",
    allowed: "an integer in [1, 100000]",
    description:
      "train runs that differ only in seed P at a time as one lockstep population (src/population; scalar-σ LRPG on the paper tasks, constant learning rates); each run still gets its own directory",
    defaultText: "1",
  },
  {
    name: "snapshotEvery",
    flag: "--snapshot-every <n>",
    allowed: "an integer in [0, 10000000] (0 = never)",
    description: "episodes between parameter snapshots (for singular values over training)",
    defaultText: "100",
  },
  {
    name: "tensorboard",
    flag: "--no-tensorboard",
    allowed: "true or false (false is kept in the resolved config; true is the default and left out)",
    description:
      "write every metric row's scalars to a TensorBoard event file <run>/tb/events.out.tfevents.* (docs/tensorboard.md); the flag turns it off",
    defaultText: "true",
  },
];

const positiveSchedule = z.union([z.number(), z.string()]);
/** An integer in [lo, hi] (schema). */
export const intIn = (lo: number, hi: number) => z.int().check(z.gte(lo), z.lte(hi));
/** A number in [0, 1] (schema). */
export const prob = z.number().check(z.gte(0), z.lte(1));
/** A number in (lo, hi] (schema). */
export const numberAbove = (lo: number, hi: number) => z.number().check(z.gt(lo), z.lte(hi));
/** A number in [lo, hi] (schema). */
export const numberIn = (lo: number, hi: number) => z.number().check(z.gte(lo), z.lte(hi));

/** The schema fields that open every step-based algo's config: algo, env, seed and the step budget. */
export function stepConfigHead<Algo extends string, Envs extends readonly [string, ...string[]]>(
  algo: Algo,
  envs: Envs,
) {
  return {
    algo: z.literal(algo),
    env: z.enum(envs),
    seed: z.optional(intIn(0, MAX_SEED)),
    totalSteps: z.optional(intIn(1, 1_000_000_000)),
  };
}

/** The schema fields that close the A2C and low-rank-Q configs: evaluation, checkpoints, TensorBoard. */
export const STEP_CONFIG_TAIL = {
  evalEvery: z.optional(intIn(0, 1_000_000_000)),
  evalEpisodes: z.optional(intIn(1, 100_000)),
  checkpointEvery: z.optional(intIn(0, 1_000_000_000)),
  keepCheckpoints: z.optional(intIn(1, 1000)),
  tensorboard: z.optional(z.boolean()),
};

/** Allowed values of fields every step-based algo shares with the PG config. */
export const COMMON_ALLOWED: Record<string, string> = {
  seed: `an integer in [0, ${MAX_SEED}]`,
  gamma: "a number in [0, 1]",
  evalEpisodes: "an integer in [1, 100000]",
  keepCheckpoints: "an integer in [1, 1000]",
  tensorboard: "true or false",
};

/** Raw config as accepted from JSON or flags (all fields optional except what has no default). */
const runConfigSchema = z.strictObject({
  env: z.optional(z.string()),
  /** Derived from `env`; accepted (when consistent) so a resolved config parses again. */
  task: z.optional(z.nullable(z.enum(["pendulum", "acrobot", "rocket"]))),
  algo: z.optional(z.enum(["lrpg", "nn"])),
  seed: z.optional(intIn(0, MAX_SEED)),
  episodes: z.optional(intIn(1, 10_000_000)),
  maxSteps: z.optional(intIn(1, 1_000_000)),
  gamma: z.optional(numberAbove(0, 1)),
  lrActor: z.optional(positiveSchedule),
  lrCritic: z.optional(positiveSchedule),
  rank: z.optional(intIn(1, 1000)),
  actorBuckets: z.optional(intIn(2, 1000)),
  criticBuckets: z.optional(intIn(2, 1000)),
  hidden: z.optional(intIn(1, 100_000)),
  checkpointEvery: z.optional(intIn(0, 10_000_000)),
  checkpointMinSeconds: z.optional(numberIn(0, 86_400)),
  keepCheckpoints: z.optional(intIn(1, 1000)),
  evalEvery: z.optional(intIn(0, 10_000_000)),
  evalEpisodes: z.optional(intIn(1, 100_000)),
  snapshotEvery: z.optional(intIn(0, 10_000_000)),
  backend: z.optional(z.enum(["cpu", "gpu"])),
  gpuMode: z.optional(z.enum(GPU_MODES as [GpuMode, ...GpuMode[]])),
  population: z.optional(intIn(1, 100_000)),
  tensorboard: z.optional(z.boolean()),
});

export type RunConfigInput = z.input<typeof runConfigSchema>;

/** A complete, validated config (every default filled in). */
export interface RunConfig {
  env: string;
  /** The paper task of `env`; null for other registered envs with a default grid (defaults from env-defaults.ts). */
  task: Task | null;
  algo: Algo;
  seed: number;
  episodes: number;
  maxSteps: number;
  gamma: number;
  lrActor: ScheduleSpec;
  lrCritic: ScheduleSpec;
  /** LRPG only. Buckets undefined (envs outside the paper): the env's default grid as is. */
  rank?: number;
  actorBuckets?: number;
  criticBuckets?: number;
  /** NN only. */
  hidden?: number;
  checkpointEvery: number;
  checkpointMinSeconds: number;
  keepCheckpoints: number;
  evalEvery: number;
  evalEpisodes: number;
  snapshotEvery: number;
  /** Factor backend (`cpu` unless asked); `gpu` always trains through the population path. */
  backend: BackendKind;
  /** gpu.js mode; present only with backend "gpu". */
  gpuMode?: GpuMode;
  /** Runs differing only in seed are trained P at a time as one population (1 = one run per job). */
  population: number;
  /** false: no TensorBoard event file (absent: the run writes one in `<run>/tb/`). */
  tensorboard?: false;
}

/** A config error: `message` names the field, the value given and the allowed range. No stack is meant for users. */
export class ConfigError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = "ConfigError";
    this.field = field;
  }
}

/** A config value as it appears in an error message (JSON, cut at 60 characters). */
export function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    const s = JSON.stringify(value);
    return s.length > 60 ? s.slice(0, 57) + "..." : s;
  } catch {
    return String(value);
  }
}

function allowedFor(field: string): string {
  return FIELD_DOCS.find((d) => d.name === field)?.allowed ?? "see `lowrank-rl run --help`";
}

/**
 * Validates a raw config (parsed JSON or flags) and fills defaults. Throws {@link ConfigError}
 * (never anything else) with a message like `config.rank = 0: must be an integer in [1, 1000]`.
 */
export function parseRunConfig(raw: unknown): RunConfig {
  const config = parseFields(raw);
  checkPopulationSupport(config);
  return config;
}

/** The backend / gpuMode / population fields of a resolved config (gpuMode only with backend gpu). */
function executionFields(
  c: ParsedInput,
  input: Record<string, unknown>,
): { backend: BackendKind; gpuMode?: GpuMode; population: number; tensorboard?: false } {
  const backend = c.backend ?? "cpu";
  if (backend === "cpu" && c.gpuMode !== undefined) {
    throw new ConfigError(
      "gpuMode",
      `config.gpuMode = ${show(input.gpuMode)}: only applies to backend "gpu", but backend is "cpu" (add --backend gpu)`,
    );
  }
  return {
    backend,
    ...(backend === "gpu" ? { gpuMode: c.gpuMode ?? "auto" } : {}),
    population: c.population ?? 1,
    ...(c.tensorboard === false ? { tensorboard: false as const } : {}),
  };
}

/** True when a config trains through the population path (src/population) rather than one agent per job. */
export function usesPopulation(config: Pick<RunConfig, "backend" | "population">): boolean {
  return config.backend === "gpu" || config.population > 1;
}

/**
 * Population training (src/population) covers scalar-σ LRPG on the paper tasks (pendulum, acrobot,
 * rocket) with constant learning rates; anything else asked to run as a population (or on the gpu
 * backend) is a config error naming what is not supported.
 */
function checkPopulationSupport(config: RunConfig): void {
  if (!usesPopulation(config)) return;
  const field = config.population > 1 ? "population" : "backend";
  const asked = config.population > 1 ? `config.population = ${config.population}` : `config.backend = "gpu"`;
  const scope =
    "population training (and the gpu backend) supports scalar-σ LRPG on the paper tasks (LRPG/Pendulum, LRPG/Acrobot, LRPG/Rocket) with constant learning rates";
  if (config.algo !== "lrpg") throw new ConfigError(field, `${asked}: algo is "${config.algo}"; ${scope}`);
  if (config.task === null)
    throw new ConfigError(field, `${asked}: env ${config.env} is not a paper task; ${scope}`);
  for (const key of ["lrActor", "lrCritic"] as const) {
    if (typeof config[key] !== "number")
      throw new ConfigError(field, `${asked}: ${key} is the schedule ${show(config[key])}; ${scope}`);
  }
}

function parseFields(raw: unknown): RunConfig {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(
      "config",
      `config must be a JSON object of fields (${FIELD_DOCS.map((d) => d.name).join(", ")}), got ${show(raw)}`,
    );
  }
  const input = raw as Record<string, unknown>;
  const parsed = runConfigSchema.safeParse(input);
  if (!parsed.success)
    throw schemaError(
      parsed.error,
      input,
      (key) => `config.${key}: unknown field; known fields: ${FIELD_DOCS.map((d) => d.name).join(", ")}`,
      allowedFor,
    );
  const c = parsed.data;
  const env = c.env ?? "LRPG/Pendulum";
  if (TASK_OF_ENV[env] === undefined && isGenericGridEnv(env, Object.keys(TASK_OF_ENV)))
    return parseGenericEnvConfig(c, input, env);
  const task = TASK_OF_ENV[env];
  if (task === undefined)
    throw new ConfigError("env", `config.env = ${show(env)}: must be ${allowedFor("env")}`);
  if (c.task !== undefined && c.task !== task) {
    throw new ConfigError(
      "task",
      `config.task = ${show(c.task)}: must be "${task}" (the task of env ${env}) or left out`,
    );
  }
  const algo: Algo = c.algo ?? "lrpg";
  const preset = taskDefaults(task);
  const base = commonFields(c, input, env, task, algo, { ...preset, ...preset[algo] });
  if (algo === "lrpg") {
    return {
      ...base,
      rank: c.rank ?? preset.lrpg.rank,
      actorBuckets: c.actorBuckets ?? preset.lrpg.actorBuckets,
      criticBuckets: c.criticBuckets ?? preset.lrpg.criticBuckets,
    };
  }
  return { ...base, hidden: c.hidden ?? preset.nn.hidden };
}

type ParsedInput = z.output<typeof runConfigSchema>;

/** The defaults {@link commonFields} falls back on: the task's or env's, with the algo's learning rates. */
interface CommonDefaults {
  episodes: number;
  maxSteps: number;
  gamma: number;
  lrActor: ScheduleSpec;
  lrCritic: ScheduleSpec;
}

/** The fields of every PG config (the algo's own come after), from the input or `d`; schedules checked. */
function commonFields(
  c: ParsedInput,
  input: Record<string, unknown>,
  env: string,
  task: Task | null,
  algo: Algo,
  d: CommonDefaults,
) {
  const episodes = c.episodes ?? d.episodes;
  const lrActor = c.lrActor ?? d.lrActor;
  const lrCritic = c.lrCritic ?? d.lrCritic;
  checkSchedulesAndAlgoFields(input, algo, lrActor, lrCritic, episodes);
  return {
    env,
    task,
    algo,
    seed: c.seed ?? 0,
    episodes,
    maxSteps: c.maxSteps ?? d.maxSteps,
    gamma: c.gamma ?? d.gamma,
    lrActor,
    lrCritic,
    checkpointEvery: c.checkpointEvery ?? 100,
    checkpointMinSeconds: c.checkpointMinSeconds ?? 1,
    keepCheckpoints: c.keepCheckpoints ?? 2,
    evalEvery: c.evalEvery ?? 0,
    evalEpisodes: c.evalEpisodes ?? 10,
    snapshotEvery: c.snapshotEvery ?? 100,
    ...executionFields(c, input),
  };
}

/** Shared checks of the learning-rate schedules and of algo-only fields. */
function checkSchedulesAndAlgoFields(
  input: Record<string, unknown>,
  algo: Algo,
  lrActor: ScheduleSpec,
  lrCritic: ScheduleSpec,
  episodes: number,
): void {
  for (const [field, spec] of [
    ["lrActor", lrActor],
    ["lrCritic", lrCritic],
  ] as const) {
    try {
      compileSchedule(spec, `config.${field}`, episodes);
    } catch (err) {
      if (err instanceof ScheduleError) throw new ConfigError(field, err.message);
      throw new ConfigError(field, `config.${field} = ${show(spec)}: must be ${allowedFor(field)}`);
    }
  }
  const algoOnly = algo === "lrpg" ? ["hidden"] : ["rank", "actorBuckets", "criticBuckets"];
  for (const field of algoOnly) {
    if (input[field] !== undefined) {
      throw new ConfigError(
        field,
        `config.${field} = ${show(input[field])}: only applies to algo "${algo === "lrpg" ? "nn" : "lrpg"}", but algo is "${algo}"`,
      );
    }
  }
}

/**
 * A registered env outside the paper (one with a default grid): task null, defaults from
 * env-defaults.ts; algo "nn" only for Box actions.
 */
function parseGenericEnvConfig(c: ParsedInput, input: Record<string, unknown>, env: string): RunConfig {
  if (c.task !== undefined && c.task !== null) {
    throw new ConfigError(
      "task",
      `config.task = ${show(c.task)}: env ${env} is not a paper task; leave task out (or null)`,
    );
  }
  const d = envRunDefaults(env);
  const algo: Algo = c.algo ?? "lrpg";
  if (algo === "nn" && d.nn === null) {
    throw new ConfigError(
      "algo",
      `config.algo = "nn": ${env} has discrete actions and the NN baseline is Gaussian (continuous actions only); use "lrpg"`,
    );
  }
  const base = commonFields(c, input, env, null, algo, { ...d, ...(algo === "lrpg" ? d.lrpg : d.nn!) });
  if (algo === "lrpg") {
    return {
      ...base,
      rank: c.rank ?? d.lrpg.rank,
      ...(c.actorBuckets !== undefined ? { actorBuckets: c.actorBuckets } : {}),
      ...(c.criticBuckets !== undefined ? { criticBuckets: c.criticBuckets } : {}),
    };
  }
  return { ...base, hidden: c.hidden ?? d.nn!.hidden };
}

/** The config without run-bookkeeping fields that do not change results (for job ids). */
export function resultDefiningConfig(config: RunConfig): Omit<
  RunConfig,
  "checkpointEvery" | "checkpointMinSeconds" | "keepCheckpoints" | "population" | "backend" | "tensorboard"
> & {
  backend?: BackendKind;
} {
  const rest: Partial<RunConfig> = { ...config };
  delete rest.checkpointEvery;
  delete rest.checkpointMinSeconds;
  delete rest.keepCheckpoints;
  // Execution fields that do not change results: the population size (agents are independent;
  // bit-identical on cpu), and the backend when it is the default cpu. Job ids of runs made before
  // these fields existed stay the same.
  delete rest.population;
  delete rest.tensorboard;
  if (rest.backend === "cpu") delete rest.backend;
  return rest as Omit<
    RunConfig,
    "checkpointEvery" | "checkpointMinSeconds" | "keepCheckpoints" | "population" | "backend" | "tensorboard"
  > & { backend?: BackendKind };
}

/** An algo's allowed-values text of a field: its own field docs first, then the fields it shares with the other algos. */
export function allowedValues(
  docs: readonly { name: string; allowed: string }[],
  shared: Record<string, string>,
): (field: string) => string {
  return (field) =>
    docs.find((d) => d.name === field)?.allowed ?? shared[field] ?? "see `lowrank-rl run --help`";
}

/** True when a raw config asks for `algo` (its `algo` field). */
export function asksForAlgo(raw: unknown, algo: string): boolean {
  return raw !== null && typeof raw === "object" && (raw as Record<string, unknown>).algo === algo;
}

/**
 * An algo's config fields parsed by `schema`, or the one-line {@link ConfigError} of the first
 * defect: an unknown key (listing the algo's fields, `label` naming them) or a value outside `allowed`.
 */
export function parseAlgoFields<Schema extends z.ZodMiniObject>(
  schema: Schema,
  raw: unknown,
  algo: string,
  label: string,
  allowed: (field: string) => string,
): z.output<Schema> {
  const input = raw as Record<string, unknown>;
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields = Object.keys(schema.shape).join(", ");
  const unknownKey = (key: string) =>
    `config.${key}: not a field of algo "${algo}" (${label} fields: ${fields})`;
  throw schemaError(parsed.error, input, unknownKey, allowed);
}

/**
 * The one-line {@link ConfigError} for a failed schema parse: its first issue, as an unknown key
 * (`unknownKey` words it) or as a field whose value is outside `allowed(field)`.
 */
export function schemaError(
  error: z.core.$ZodError,
  input: Record<string, unknown>,
  unknownKey: (key: string) => string,
  allowed: (field: string) => string,
): ConfigError {
  const issue = error.issues[0];
  if (issue.code === "unrecognized_keys") return new ConfigError(issue.keys[0], unknownKey(issue.keys[0]));
  const field = String(issue.path[0] ?? "config");
  return new ConfigError(field, `config.${field} = ${show(input[field])}: must be ${allowed(field)}`);
}
