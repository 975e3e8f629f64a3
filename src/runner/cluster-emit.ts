import { mkdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { writeJsonAtomic } from "./atomic-file.js";
import { ConfigError } from "./config.js";
import { dqnJobId } from "./dqn-run.js";
import { packageVersion } from "./provenance.js";
import { executeRun, resumeRun, runJobId, type RunOptions, type RunResult } from "./run.js";
import { parseAnyRunConfig } from "./run-info.js";
import { jobAction, planSweep, writeSweepFile, type SweepJob, type SweepSpec } from "./sweep.js";

/**
 * Sweeps on a cluster scheduler (docs/sweeps-slurm.md): the sweep's jobs written once as a job
 * list, a SLURM job-array script or a Kubernetes Indexed Job over its indices, and the array task
 * that runs job i of the list exactly as the local sweep would (same folder, skip when finished,
 * resume from the newest checkpoint).
 */

export const JOB_LIST_FORMAT = "lowrank-rl/job-list";
export const JOB_LIST_FILE = "jobs.json";
// The scheduler files themselves (flags, SLURM script, Kubernetes Job) live in ./cluster-scripts.ts.
export * from "./cluster-scripts.js";

/** One entry of a job list: its index, id, folder (relative to the list's folder) and resolved config. */
export interface JobListEntry {
  index: number;
  jobId: string;
  dir: string;
  config: unknown;
}

export interface JobList {
  format: typeof JOB_LIST_FORMAT;
  /** lowrank-rl version that computed the job ids (a task run by another version refuses the list). */
  packageVersion: string;
  spec: SweepSpec;
  jobs: JobListEntry[];
}

/**
 * Writes `<sweepDir>/jobs.json` (and `sweep.json`, as a local sweep does): every job of the spec
 * in plan order, index i = array task i. Returns the path and the plan.
 */
export function writeJobList(spec: SweepSpec, sweepDir: string): { path: string; jobs: SweepJob[] } {
  mkdirSync(sweepDir, { recursive: true });
  const jobs = planSweep(spec, sweepDir);
  const list: JobList = {
    format: JOB_LIST_FORMAT,
    packageVersion: packageVersion(),
    spec,
    jobs: jobs.map((j, index) => ({
      index,
      jobId: j.jobId,
      dir: relative(sweepDir, j.dir),
      config: j.config,
    })),
  };
  const path = join(sweepDir, JOB_LIST_FILE);
  writeJsonAtomic(path, list);
  writeSweepFile(spec, sweepDir, jobs);
  return { path, jobs };
}

/** Reads and checks a job list file (ConfigError naming the file otherwise). */
export function readJobList(path: string): JobList {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ConfigError("joblist", `${path}: not a readable job list (${(err as Error).message})`);
  }
  const list = raw as Partial<JobList> | null;
  if (
    list === null ||
    typeof list !== "object" ||
    list.format !== JOB_LIST_FORMAT ||
    !Array.isArray(list.jobs)
  )
    throw new ConfigError(
      "joblist",
      `${path}: not a job list (format "${JOB_LIST_FORMAT}" written by \`lowrank-rl sweep --emit\`)`,
    );
  return list as JobList;
}

/**
 * The array index of a task: `text` (the command line's index, else $SLURM_ARRAY_TASK_ID, else
 * $JOB_COMPLETION_INDEX) as an integer in [0, jobs − 1].
 */
export function taskIndex(
  text: string | undefined,
  jobs: number,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const source =
    text !== undefined
      ? { value: text, name: "the index" }
      : env.SLURM_ARRAY_TASK_ID !== undefined
        ? { value: env.SLURM_ARRAY_TASK_ID, name: "$SLURM_ARRAY_TASK_ID" }
        : env.JOB_COMPLETION_INDEX !== undefined
          ? { value: env.JOB_COMPLETION_INDEX, name: "$JOB_COMPLETION_INDEX" }
          : null;
  if (source === null)
    throw new ConfigError(
      "index",
      "sweep-task: no job index: give it as the second argument, or run inside a SLURM array task ($SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job ($JOB_COMPLETION_INDEX)",
    );
  const n = Number(source.value);
  if (!/^\d+$/.test(source.value.trim()) || n > jobs - 1)
    throw new ConfigError(
      "index",
      `sweep-task: ${source.name} must be an integer in [0, ${jobs - 1}] (the job list holds ${jobs} jobs), got "${source.value}"`,
    );
  return n;
}

export interface SweepTaskResult {
  index: number;
  jobId: string;
  dir: string;
  /** What the task did: the job was finished already (skip), or it resumed or started it. */
  action: SweepJob["action"];
  found?: string;
  /** The run's result (absent on skip). */
  result?: RunResult;
}

/**
 * Runs job `index` of the job list at `path` as the local sweep does: its folder is the list's
 * folder joined with the job's, a completed (or diverged) run of the same job id there is skipped,
 * one with a checkpoint resumes from it, anything else starts (afresh). The job id is recomputed
 * from the config, so a list written by another version of lowrank-rl is refused rather than
 * mixed into the sweep.
 */
export async function runSweepTask(
  path: string,
  indexText: string | undefined,
  options: Pick<RunOptions, "onEpisode" | "signal" | "warn"> = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<SweepTaskResult> {
  const list = readJobList(path);
  const index = taskIndex(indexText, list.jobs.length, env);
  const entry = list.jobs[index];
  const config = parseAnyRunConfig(entry.config);
  const id = config.algo === "dqn" ? dqnJobId(config) : runJobId(config);
  if (id !== entry.jobId)
    throw new ConfigError(
      "joblist",
      `${path}: job ${index} has id ${entry.jobId}, but lowrank-rl ${packageVersion()} gives its config the id ${id} (the list was written by version ${list.packageVersion}); emit the job list again`,
    );
  if (isAbsolute(entry.dir) || entry.dir.split(/[\\/]/).includes(".."))
    throw new ConfigError(
      "joblist",
      `${path}: job ${index}'s folder "${entry.dir}" is not inside the sweep folder`,
    );
  const dir = join(dirname(path), entry.dir);
  const todo = jobAction(dir, id);
  const base = { index, jobId: id, dir, ...todo };
  if (todo.action === "skip") return base;
  mkdirSync(dir, { recursive: true });
  const result =
    todo.action === "resume" ? await resumeRun(dir, options) : await executeRun(config, { ...options, dir });
  return { ...base, result };
}
