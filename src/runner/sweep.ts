import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { outputPathProblem } from "./output-path.js";
import { join } from "node:path";
import * as z from "zod/mini";
import en from "zod/v4/locales/en.js";
import { Rng } from "../random/rng.js";
import { writeJsonAtomic } from "./atomic-file.js";
import { listCheckpoints } from "./checkpoint.js";
import { ConfigError, FIELD_DOCS, type RunConfigInput } from "./config.js";
import { checkNoDqnFields, DQN_FIELDS } from "./dqn-config.js";
import { dqnJobId } from "./dqn-run.js";
import { readManifest } from "./manifest.js";
import { runRunJobsInPool, type PoolJob, type PoolOptions } from "./pool.js";
import { runJobId, type RunResult } from "./run.js";
import { runName, RUN_FILES } from "./run-dir.js";
import { parseAnyRunConfig, type AnyRunConfig } from "./run-info.js";

/**
 * A sweep: a base config, a grid of field values (Cartesian product) and/or a random search
 * over field ranges, each configuration run once per seed. JSON form:
 *
 *   { "base": { "env": "LRPG/Pendulum", "algo": "lrpg", "episodes": 600 },
 *     "grid": { "rank": [1, 2, 4], "actorBuckets": [5, 10] },
 *     "random": { "samples": 8, "seed": 0, "space": { "lrActor": { "min": 1e-3, "max": 1e-1, "log": true } } },
 *     "seeds": [0, 1, 2] }
 */
export interface SweepSpec {
  base: RunConfigInput;
  grid?: Record<string, (number | string)[]>;
  random?: {
    samples: number;
    /** Seed of the sampler (fixed so a re-run draws the same configurations). */
    seed?: number;
    space: Record<
      string,
      { min: number; max: number; log?: boolean; integer?: boolean } | (number | string)[]
    >;
  };
  seeds: number[];
}

const rangeSchema = z.strictObject({
  min: z.number(),
  max: z.number(),
  log: z.optional(z.boolean()),
  integer: z.optional(z.boolean()),
});
const valueList = z.array(z.union([z.number(), z.string()])).check(z.minLength(1));
const sweepSchema = z.strictObject({
  base: z.record(z.string(), z.unknown()),
  grid: z.optional(z.record(z.string(), valueList)),
  random: z.optional(
    z.strictObject({
      samples: z.int().check(z.gte(1), z.lte(100_000)),
      seed: z.optional(z.int().check(z.gte(0))),
      space: z.record(z.string(), z.union([rangeSchema, valueList])),
    }),
  ),
  seeds: z.array(z.int().check(z.gte(0), z.lte(2 ** 31 - 1))).check(z.minLength(1)),
});
/**
 * The English issue texts of zod's classic API (`Too small: expected number to be >=1`, ...), which
 * sweep errors quote; `zod/mini` installs no locale of its own, so the parse passes this one.
 */
const issueText = en().localeError;

/** Default bound on a sweep's job count (grid × random samples × seeds); `--max-jobs` raises it. */
export const DEFAULT_MAX_SWEEP_JOBS = 100_000;

/** The number of jobs a spec expands to, counted without building them: ∏ |grid values| × samples × seeds. */
export function sweepJobCount(spec: Pick<SweepSpec, "grid" | "random" | "seeds">): number {
  let n = spec.seeds.length * (spec.random?.samples ?? 1);
  for (const values of Object.values(spec.grid ?? {})) n *= values.length;
  return n;
}

/**
 * Validates a sweep spec; errors (ConfigError) name the field path and what is allowed. The job
 * count is checked against `maxJobs` before any configuration is built, so a huge grid is an
 * error instead of an out-of-memory abort; `base.seed` is refused (seeds go in `seeds`).
 */
export function parseSweepSpec(raw: unknown, options: { maxJobs?: number } = {}): SweepSpec {
  // zod's records drop keys such as "__proto__": name them before they vanish.
  const r0 = raw as { base?: unknown; grid?: unknown; random?: { space?: unknown } } | null;
  for (const [where, rec] of [
    ["base", r0?.base],
    ["grid", r0?.grid],
    ["random.space", r0?.random?.space],
  ] as const) {
    if (rec === null || typeof rec !== "object") continue;
    for (const key of Object.keys(rec))
      if (key === "__proto__" || key === "constructor" || key === "prototype")
        throw new ConfigError(
          where,
          `sweep.${where}: "${key}" is not a ${where === "base" ? "config" : "sweepable config"} field`,
        );
  }
  const r = sweepSchema.safeParse(raw, { error: issueText });
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.map(String).join(".") || "sweep";
    if (issue.path[0] === "seeds" && issue.path.length === 2) {
      const value = (raw as { seeds: unknown[] }).seeds[Number(issue.path[1])];
      throw new ConfigError(
        path,
        `sweep.${path}: must be an integer in [0, 2147483647], got ${String(value)}`,
      );
    }
    throw new ConfigError(path, `sweep.${path}: ${issue.message}`);
  }
  const spec = r.data as SweepSpec;
  if (Object.hasOwn(spec.base, "seed"))
    throw new ConfigError(
      "base.seed",
      `sweep.base.seed: seeds go in "seeds" (a list of integers in [0, 2147483647])`,
    );
  const maxJobs = options.maxJobs ?? DEFAULT_MAX_SWEEP_JOBS;
  const count = sweepJobCount(spec);
  if (count > maxJobs)
    throw new ConfigError(
      "grid",
      `sweep: the spec expands to ${count} jobs (grid × samples × seeds), more than the limit ${maxJobs}; narrow it or raise the limit with --max-jobs`,
    );
  const known = new Set([...FIELD_DOCS.map((d) => d.name as string), ...DQN_FIELDS]);
  for (const field of [...Object.keys(spec.grid ?? {}), ...Object.keys(spec.random?.space ?? {})]) {
    if (!known.has(field) || field === "seed") {
      throw new ConfigError(
        field,
        `sweep: "${field}" is not a sweepable config field (fields: ${[...known].filter((f) => f !== "seed").join(", ")}; seeds go in "seeds")`,
      );
    }
  }
  for (const [field, range] of Object.entries(spec.random?.space ?? {})) {
    if (!Array.isArray(range) && (!(range.min <= range.max) || (range.log && range.min <= 0))) {
      throw new ConfigError(
        field,
        `sweep.random.space.${field}: needs min ≤ max (and min > 0 with log), got min ${range.min}, max ${range.max}`,
      );
    }
  }
  return spec;
}

/** The grid's configurations: the Cartesian product in field order, last field varying fastest. */
export function expandGrid(
  base: RunConfigInput,
  grid: Record<string, (number | string)[]> = {},
): RunConfigInput[] {
  let out: RunConfigInput[] = [{ ...base }];
  for (const [field, values] of Object.entries(grid)) {
    out = out.flatMap((c) => values.map((v) => ({ ...c, [field]: v })));
  }
  return out;
}

/** `samples` configurations drawn from `space` with a generator seeded by `seed` (log-uniform when `log`). */
export function sampleRandom(
  base: RunConfigInput,
  random: NonNullable<SweepSpec["random"]>,
): RunConfigInput[] {
  const rng = new Rng(random.seed ?? 0);
  const out: RunConfigInput[] = [];
  for (let i = 0; i < random.samples; i++) {
    const c: Record<string, unknown> = { ...base };
    for (const [field, range] of Object.entries(random.space)) {
      if (Array.isArray(range)) {
        c[field] = range[rng.integer(range.length)];
        continue;
      }
      let v = range.log
        ? Math.exp(rng.uniformRange(Math.log(range.min), Math.log(range.max)))
        : rng.uniformRange(range.min, range.max);
      if (range.integer) v = Math.min(range.max, Math.max(range.min, Math.round(v)));
      c[field] = v;
    }
    out.push(c as RunConfigInput);
  }
  return out;
}

export interface SweepJob {
  jobId: string;
  config: AnyRunConfig;
  /** Training length: episodes (LRPG, NN) or frames (DQN). */
  steps: number;
  dir: string;
  /** What the sweep will do with it: skip (completed or diverged before), resume (a checkpoint exists) or start. */
  action: "skip" | "resume" | "start";
  /** Status found on disk (for skips and resumes). */
  found?: string;
}

/** All jobs of a sweep (configs × seeds), validated up front, with what a run of the sweep would do for each. */
export function planSweep(spec: SweepSpec, sweepDir: string): SweepJob[] {
  const configs = [
    ...(spec.grid || !spec.random ? expandGrid(spec.base, spec.grid) : []),
    ...(spec.random ? sampleRandom(spec.base, spec.random) : []),
  ];
  const jobs: SweepJob[] = [];
  const seen = new Set<string>();
  for (const raw of configs) {
    for (const seed of spec.seeds) {
      checkNoDqnFields(raw);
      const config = parseAnyRunConfig({ ...raw, seed });
      const id = config.algo === "dqn" ? dqnJobId(config) : runJobId(config);
      if (seen.has(id)) continue;
      seen.add(id);
      const algo = config.algo === "dqn" ? `dqn-${config.network}` : config.algo;
      const dir = join(sweepDir, runName(config.env, algo, seed, id));
      const steps = config.algo === "dqn" ? config.totalSteps : config.episodes;
      jobs.push({ jobId: id, config, steps, dir, ...jobAction(dir, id) });
    }
  }
  return jobs;
}

/** What a sweep does with job `id` in `dir`: skip a completed or diverged run of it, resume one with a checkpoint, else start. */
export function jobAction(dir: string, id: string): Pick<SweepJob, "action" | "found"> {
  if (!existsSync(join(dir, RUN_FILES.manifest))) return { action: "start" };
  try {
    const m = readManifest(dir);
    if (m.jobId !== id) return { action: "start", found: `a different job (${m.jobId})` };
    if (m.status === "completed" || m.status === "diverged") return { action: "skip", found: m.status };
    if (listCheckpoints(join(dir, RUN_FILES.checkpointDir)).length > 0)
      return { action: "resume", found: m.status };
    return { action: "start", found: m.status };
  } catch {
    return { action: "start", found: "unreadable manifest" };
  }
}

/** Writes `<sweepDir>/sweep.json`: the spec and the job table (id, folder, seed, resolved config). */
export function writeSweepFile(spec: SweepSpec, sweepDir: string, jobs: readonly SweepJob[]): void {
  writeJsonAtomic(join(sweepDir, "sweep.json"), {
    format: "lowrank-rl/sweep",
    spec,
    jobs: jobs.map((j) => ({ jobId: j.jobId, dir: j.dir, seed: j.config.seed, config: j.config })),
  });
}

export interface SweepResult {
  jobs: SweepJob[];
  ran: RunResult[];
  skipped: number;
}

/**
 * Runs a sweep into `sweepDir` on a worker pool: jobs whose directory already holds a completed
 * (or diverged) run of the same job id are skipped, interrupted ones resume from their newest
 * checkpoint, the rest start. Writes `sweep.json` (spec + job table) first.
 */
export async function runSweep(
  spec: SweepSpec,
  sweepDir: string,
  options: PoolOptions = {},
): Promise<SweepResult> {
  // An empty path or a file there: refuse before anything is written (mkdir would say ENOENT/EEXIST).
  const problem = outputPathProblem("--out", sweepDir, "dir");
  if (problem !== null) throw new ConfigError("out", problem);
  mkdirSync(sweepDir, { recursive: true });
  const jobs = planSweep(spec, sweepDir);
  writeSweepFile(spec, sweepDir, jobs);
  const todo = jobs.filter((j) => j.action !== "skip");
  // Jobs with `population` P > 1 (or backend gpu) that differ only in seed train P at a time as
  // one population task; each still gets its own directory and job id.
  const tasks: PoolJob[] = todo.map((j) =>
    j.action === "resume" ? { config: j.config, dir: j.dir, resume: true } : { config: j.config, dir: j.dir },
  );
  const ran = tasks.length > 0 ? await runRunJobsInPool(tasks, options) : [];
  return { jobs, ran, skipped: jobs.length - todo.length };
}

/** Reads a sweep spec JSON file (ConfigError on bad JSON or fields). */
export function readSweepSpec(path: string, options: { maxJobs?: number } = {}): SweepSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError("sweep", `${path}: not a readable JSON sweep spec (${(err as Error).message})`);
  }
  try {
    return parseSweepSpec(raw, options);
  } catch (err) {
    // Name the file: "spec.json: sweep.seeds: …".
    if (err instanceof ConfigError) throw new ConfigError(err.field, `${path}: ${err.message}`);
    throw err;
  }
}
