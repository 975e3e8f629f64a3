import { basename, isAbsolute, join, resolve } from "node:path";
import { packageVersion } from "./provenance.js";
import type { SweepJob } from "./sweep.js";

/**
 * What a sweep puts on the queue for one (config, seed) job, and how the queue retries it.
 * Pure: no Redis here, so it is tested with Node alone (test/runner/queue.test.ts).
 */
export const QUEUE_JOB_FORMAT = "lowrank-rl/queue-job";

/** A queued job's payload: the resolved config and where its run folder goes. */
export interface QueueJobData {
  format: typeof QUEUE_JOB_FORMAT;
  /** The sweep's content-hash job id (`planSweep`): same config, seed and version → same id. */
  jobId: string;
  /** The resolved run config (seed included), exactly as a local sweep would run it. */
  config: unknown;
  /** The run folder's name, `<env>__<algo>__<seed>__<jobId>`. */
  runName: string;
  /** The submitter's sweep folder (absolute); a worker's `--out` replaces it. */
  sweepDir: string;
  /** Training length: episodes (LRPG, NN) or frames (DQN). */
  steps: number;
  /** The submitter's lowrank-rl version (job ids and results depend on it; workers check it). */
  version: string;
}

/**
 * The queue's id of a job: `run-` + the content-hash job id. BullMQ adds nothing for an id it
 * already holds, so enqueueing the same job twice adds it once. (The prefix keeps an all-digit
 * hash from being taken for one of BullMQ's own integer ids, which it refuses as a custom id.)
 */
export function queueJobId(jobId: string): string {
  return `run-${jobId}`;
}

/** How failed jobs are retried: `attempts` tries in all, waiting backoffMs·2^(k−1) before retry k. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 5000 };

/** The payload of a planned sweep job. */
export function queueJobData(job: SweepJob, sweepDir: string): QueueJobData {
  return {
    format: QUEUE_JOB_FORMAT,
    jobId: job.jobId,
    config: job.config,
    runName: basename(job.dir),
    sweepDir: resolve(sweepDir),
    steps: job.steps,
    version: packageVersion(),
  };
}

/** BullMQ options of a job: its id, retries with exponential backoff, and finished jobs kept for `--status`. */
export function queueJobOptions(data: QueueJobData, retry: RetryPolicy = DEFAULT_RETRY) {
  return {
    jobId: queueJobId(data.jobId),
    attempts: retry.attempts,
    backoff: { type: "exponential" as const, delay: retry.backoffMs },
    removeOnComplete: false,
    removeOnFail: false,
  };
}

/**
 * Checks a payload taken from the queue (another process wrote it): the format, a 16-hex-digit
 * job id, and a run name that is one plain path component, so no job can write outside the
 * sweep folder. Throws an Error naming the field.
 */
export function parseQueueJobData(raw: unknown): QueueJobData {
  const d = raw as Partial<QueueJobData> | null;
  const fail = (why: string) => new Error(`queue job: ${why}`);
  if (d === null || typeof d !== "object") throw fail("the payload is not an object");
  if (d.format !== QUEUE_JOB_FORMAT)
    throw fail(`format must be "${QUEUE_JOB_FORMAT}", got ${JSON.stringify(d.format)}`);
  if (typeof d.jobId !== "string" || !/^[0-9a-f]{16}$/.test(d.jobId))
    throw fail(`jobId must be 16 hex digits, got ${JSON.stringify(d.jobId)}`);
  if (
    typeof d.runName !== "string" ||
    d.runName === "" ||
    d.runName === "." ||
    d.runName === ".." ||
    /[/\\\0]/.test(d.runName)
  )
    throw fail(`runName must be one folder name, got ${JSON.stringify(d.runName)}`);
  if (typeof d.sweepDir !== "string" || !isAbsolute(d.sweepDir))
    throw fail(`sweepDir must be an absolute path, got ${JSON.stringify(d.sweepDir)}`);
  if (typeof d.steps !== "number" || !Number.isInteger(d.steps) || d.steps < 0)
    throw fail(`steps must be an integer ≥ 0, got ${JSON.stringify(d.steps)}`);
  if (d.config === null || typeof d.config !== "object") throw fail("config must be an object");
  if (typeof d.version !== "string") throw fail(`version must be a string, got ${JSON.stringify(d.version)}`);
  return d as QueueJobData;
}

/** Where a worker writes a job's run: `<out>/<runName>`, with `out` the worker's `--out` or else the submitter's folder. */
export function queueRunDir(data: QueueJobData, out?: string): string {
  return join(out !== undefined ? resolve(out) : data.sweepDir, data.runName);
}

/** What a worker returns for a finished job (stored by BullMQ as the job's return value). */
export interface QueueJobOutcome {
  /** completed or diverged (a diverged run is a finished result, as in a local sweep). */
  status: string;
  runName: string;
  episodesDone: number;
  /** The run folder already held this finished job: nothing ran. */
  skipped: boolean;
  /** The run continued from a checkpoint (its worker had died or stopped). */
  resumed: boolean;
  /** Epoch ms when training started and when the run's files were all written (before any upload). */
  startedAt: number;
  finishedAt: number;
  /** `<hostname>:<pid>` of the worker. */
  worker: string;
  /** With `worker --upload`: the run's files wait in Redis for the submitter (src/runner/queue-upload.ts). */
  uploaded?: { files: number; bytes: number };
}
