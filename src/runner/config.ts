import { z } from "zod";
import { PAPER_TASKS, type PaperAgentKind, type PaperTask } from "../presets/paper-agents.js";
import { compileSchedule, ScheduleError, type ScheduleSpec } from "./schedule.js";
import { envRunDefaults, isGenericGridEnv } from "./env-defaults.js";
import { listGridEnvs } from "../envs/default-grid.js";

/**
 * A run's configuration: everything that, with the seed, fixes the run. Given as JSON or CLI
 * flags, validated here; every field the user leaves out is filled from the paper preset of
 * the env's task (../shared/docs/lrpg-reference.md §1.5) so a resolved config is complete and
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

/** Defaults of one task, flattened from the paper presets (src/presets, lrpg-reference.md §1.5). */
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
    allowed: `one of ${[...new Set([...Object.keys(TASK_OF_ENV), ...listGridEnvs()])].join(", ")} (registered envs with a default grid)`,
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
    allowed: `"lrpg" or "nn"`,
    description: "low-rank policy gradient, or the NN baseline (RVFB)",
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
    name: "snapshotEvery",
    flag: "--snapshot-every <n>",
    allowed: "an integer in [0, 10000000] (0 = never)",
    description: "episodes between parameter snapshots (for singular values over training)",
    defaultText: "100",
  },
];

const positiveSchedule = z.union([z.number(), z.string()]);
const intIn = (lo: number, hi: number) => z.int().min(lo).max(hi);

/** Raw config as accepted from JSON or flags (all fields optional except what has no default). */
const runConfigSchema = z.strictObject({
  env: z.string().optional(),
  /** Derived from `env`; accepted (when consistent) so a resolved config parses again. */
  task: z.enum(["pendulum", "acrobot", "rocket"]).nullable().optional(),
  algo: z.enum(["lrpg", "nn"]).optional(),
  seed: intIn(0, MAX_SEED).optional(),
  episodes: intIn(1, 10_000_000).optional(),
  maxSteps: intIn(1, 1_000_000).optional(),
  gamma: z.number().gt(0).lte(1).optional(),
  lrActor: positiveSchedule.optional(),
  lrCritic: positiveSchedule.optional(),
  rank: intIn(1, 1000).optional(),
  actorBuckets: intIn(2, 1000).optional(),
  criticBuckets: intIn(2, 1000).optional(),
  hidden: intIn(1, 100_000).optional(),
  checkpointEvery: intIn(0, 10_000_000).optional(),
  checkpointMinSeconds: z.number().min(0).max(86_400).optional(),
  keepCheckpoints: intIn(1, 1000).optional(),
  evalEvery: intIn(0, 10_000_000).optional(),
  evalEpisodes: intIn(1, 100_000).optional(),
  snapshotEvery: intIn(0, 10_000_000).optional(),
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

function show(value: unknown): string {
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
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(
      "config",
      `config must be a JSON object of fields (${FIELD_DOCS.map((d) => d.name).join(", ")}), got ${show(raw)}`,
    );
  }
  const input = raw as Record<string, unknown>;
  const parsed = runConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0];
      throw new ConfigError(
        key,
        `config.${key}: unknown field; known fields: ${FIELD_DOCS.map((d) => d.name).join(", ")}`,
      );
    }
    const field = String(issue.path[0] ?? "config");
    throw new ConfigError(field, `config.${field} = ${show(input[field])}: must be ${allowedFor(field)}`);
  }
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
  const episodes = c.episodes ?? preset.episodes;
  const lrActor = c.lrActor ?? preset[algo].lrActor;
  const lrCritic = c.lrCritic ?? preset[algo].lrCritic;
  checkSchedulesAndAlgoFields(input, algo, lrActor, lrCritic, episodes);
  const base = {
    env,
    task,
    algo,
    seed: c.seed ?? 0,
    episodes,
    maxSteps: c.maxSteps ?? preset.maxSteps,
    gamma: c.gamma ?? preset.gamma,
    lrActor,
    lrCritic,
    checkpointEvery: c.checkpointEvery ?? 100,
    checkpointMinSeconds: c.checkpointMinSeconds ?? 1,
    keepCheckpoints: c.keepCheckpoints ?? 2,
    evalEvery: c.evalEvery ?? 0,
    evalEpisodes: c.evalEpisodes ?? 10,
    snapshotEvery: c.snapshotEvery ?? 100,
  };
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
  const episodes = c.episodes ?? d.episodes;
  const lrActor = c.lrActor ?? (algo === "lrpg" ? d.lrpg.lrActor : d.nn!.lrActor);
  const lrCritic = c.lrCritic ?? (algo === "lrpg" ? d.lrpg.lrCritic : d.nn!.lrCritic);
  checkSchedulesAndAlgoFields(input, algo, lrActor, lrCritic, episodes);
  const base = {
    env,
    task: null,
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
  };
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
export function resultDefiningConfig(
  config: RunConfig,
): Omit<RunConfig, "checkpointEvery" | "checkpointMinSeconds" | "keepCheckpoints"> {
  const rest: Partial<RunConfig> = { ...config };
  delete rest.checkpointEvery;
  delete rest.checkpointMinSeconds;
  delete rest.keepCheckpoints;
  return rest as Omit<RunConfig, "checkpointEvery" | "checkpointMinSeconds" | "keepCheckpoints">;
}
