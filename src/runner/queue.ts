import { Queue, type Job, type RedisOptions } from "bullmq";
import { Redis } from "ioredis";
import { jobAction, type SweepJob } from "./sweep.js";
import {
  queueJobData,
  queueJobId,
  queueJobOptions,
  type QueueJobData,
  type QueueJobOutcome,
  type RetryPolicy,
} from "./queue-jobs.js";
import { describeRedisTarget, type RedisTarget } from "./queue-url.js";
import { ConfigError } from "./config.js";
import { collectUpload, uploadKey, type UploadSize } from "./queue-upload.js";

/**
 * A sweep on a Redis queue (BullMQ): the submitter's side. `enqueueSweep` puts every unfinished
 * (config, seed) job of a planned sweep on the queue under its content-hash id; workers
 * (src/runner/queue-worker.ts) take them; `sweepQueueStatus` and `waitForSweep` read where each
 * job is. The sweep's folder stays the source of truth: a job whose run folder holds the
 * finished run is never enqueued, whatever Redis says.
 */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * ioredis options for a target. Commands wait through a lost connection (`maxRetriesPerRequest:
 * null`, as BullMQ requires for workers) and reconnect with a backoff capped at 2 s, so a
 * restarted Redis is picked up again.
 */
export function redisConnection(target: RedisTarget, _opts: { blocking?: boolean } = {}): RedisOptions {
  return {
    host: target.host,
    port: target.port,
    db: target.db,
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** A plain Redis connection (uploaded results), with the queue's reconnect behaviour; commands wait through an outage. */
export function openRedis(target: RedisTarget): Redis {
  const r = new Redis(redisConnection(target));
  // ioredis retries lost connections itself; an unhandled "error" event would end the process.
  r.on("error", () => {});
  return r;
}

/**
 * A Redis error that retrying cannot cure: wrong or missing credentials, or an ACL user without
 * the needed commands or keys. (Redis's messages name the user at most, never the password.)
 */
export function isRedisAuthError(err: Error): boolean {
  return /WRONGPASS|NOAUTH|NOPERM|invalid password|ERR AUTH/i.test(err.message);
}

/**
 * Opens the named queue; fails with one line naming the (redacted) server if it cannot be reached
 * in `timeoutMs`, or at once when the server refuses the credentials.
 */
export async function openQueue(target: RedisTarget, name: string, timeoutMs = 10_000): Promise<Queue> {
  const queue = new Queue(name, { connection: redisConnection(target) });
  const where = describeRedisTarget(target);
  let timer: NodeJS.Timeout | undefined;
  let lastError = "";
  let refuse: (err: Error) => void = () => {};
  // Connection errors are retried by ioredis; the timeout below reports an unreachable server.
  queue.on("error", (err: Error) => {
    lastError = err.message;
    if (isRedisAuthError(err))
      refuse(new ConfigError("queue", `--queue: the Redis server at ${where} refused: ${err.message}`));
  });
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise<never>((_, reject) => {
        refuse = reject;
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `cannot reach the queue's Redis server at ${where} within ${timeoutMs / 1000} s${lastError ? ` (${lastError})` : ""}`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } catch (err) {
    await Promise.race([queue.close().catch(() => {}), sleep(2_000)]);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return queue;
}

/** What `enqueueSweep` did with the sweep's jobs. */
export interface EnqueueReport {
  /** Added to the queue now. */
  added: number;
  /** Already waiting, running or scheduled for a retry there: nothing added. */
  alreadyQueued: number;
  /** Recorded as completed in Redis but the run folder is missing or unfinished: re-added. */
  readded: number;
  /** Failed in Redis after all attempts: left failed (`--retry-failed` re-enqueues them). */
  failed: number;
  /** The run folder holds the finished run: not enqueued. */
  done: number;
}

/**
 * Enqueues the sweep's unfinished jobs. Adding a job whose id the queue already holds adds
 * nothing, so enqueueing twice runs nothing twice; a job Redis calls completed whose folder
 * was deleted is removed and added again, so it runs alone.
 */
export async function enqueueSweep(
  queue: Queue,
  plan: readonly SweepJob[],
  sweepDir: string,
  retry: RetryPolicy,
): Promise<EnqueueReport> {
  const report: EnqueueReport = { added: 0, alreadyQueued: 0, readded: 0, failed: 0, done: 0 };
  const batch: { name: string; data: QueueJobData; opts: ReturnType<typeof queueJobOptions> }[] = [];
  for (const job of plan) {
    if (job.action === "skip") {
      report.done++;
      continue;
    }
    const data = queueJobData(job, sweepDir);
    const existing = await queue.getJob(queueJobId(job.jobId));
    if (existing) {
      const state = await existing.getState();
      if (state === "failed") {
        report.failed++;
        continue;
      }
      if (state !== "completed" && state !== "unknown") {
        report.alreadyQueued++;
        continue;
      }
      await existing.remove();
      report.readded++;
    } else report.added++;
    batch.push({ name: "run", data, opts: queueJobOptions(data, retry) });
  }
  for (let i = 0; i < batch.length; i += 500) await queue.addBulk(batch.slice(i, i + 500));
  return report;
}

/** Where one job of the sweep is. */
export type JobPhase = "done" | "running" | "waiting" | "failed" | "missing";

/** One job's record in the queue. */
export interface QueuedJobInfo {
  queueId: string;
  runName: string;
  phase: JobPhase;
  /** Attempts that failed so far. */
  attemptsFailed: number;
  error?: string;
  /** Epoch ms: added to the queue, last attempt started, moved to completed/failed. */
  enqueuedAt?: number;
  processedOn?: number;
  finishedOn?: number;
  outcome?: QueueJobOutcome;
  /** Epoch ms when the submitter had written the job's uploaded files into its sweep folder. */
  collectedAt?: number;
}

export interface SweepQueueStatus {
  total: number;
  done: number;
  running: number;
  waiting: number;
  failed: number;
  missing: number;
  /** Retries made so far (failed attempts that were tried again). */
  retried: number;
  jobs: QueuedJobInfo[];
}

async function jobInfo(queue: Queue, job: SweepJob): Promise<QueuedJobInfo> {
  const queueId = queueJobId(job.jobId);
  const runName = job.dir.split(/[/\\]/).at(-1) ?? job.dir;
  // The state first, then the record: a job moves to completed together with its return value
  // (one Lua script), so a record read after "completed" holds the outcome. Read the other way
  // round, a job finishing in between looked done without an outcome, and its upload was missed.
  const state = await queue.getJobState(queueId);
  const j =
    state === "unknown"
      ? undefined
      : ((await queue.getJob(queueId)) as Job<QueueJobData, QueueJobOutcome> | undefined);
  if (!j) return { queueId, runName, phase: "missing", attemptsFailed: 0 };
  const phase: JobPhase =
    state === "completed"
      ? "done"
      : state === "failed"
        ? "failed"
        : state === "active"
          ? "running"
          : state === "unknown"
            ? "missing"
            : "waiting";
  return {
    queueId,
    runName,
    phase,
    // BullMQ counts the successful attempt in attemptsMade too.
    attemptsFailed: Math.max(0, (j.attemptsMade ?? 0) - (phase === "done" ? 1 : 0)),
    ...(j.failedReason ? { error: j.failedReason } : {}),
    enqueuedAt: j.timestamp,
    ...(j.processedOn ? { processedOn: j.processedOn } : {}),
    ...(j.finishedOn ? { finishedOn: j.finishedOn } : {}),
    ...(phase === "done" && j.returnvalue ? { outcome: j.returnvalue } : {}),
  };
}

function tally(jobs: QueuedJobInfo[]): SweepQueueStatus {
  const s: SweepQueueStatus = {
    total: jobs.length,
    done: 0,
    running: 0,
    waiting: 0,
    failed: 0,
    missing: 0,
    retried: 0,
    jobs,
  };
  for (const j of jobs) {
    s[j.phase]++;
    s.retried += j.phase === "failed" ? Math.max(0, j.attemptsFailed - 1) : j.attemptsFailed;
  }
  return s;
}

/** Each job's phase: "done" for folders that hold the finished run, else what the queue records. */
export async function sweepQueueStatus(queue: Queue, plan: readonly SweepJob[]): Promise<SweepQueueStatus> {
  const jobs: QueuedJobInfo[] = [];
  for (const job of plan) {
    if (job.action === "skip") {
      jobs.push({
        queueId: queueJobId(job.jobId),
        runName: job.dir.split(/[/\\]/).at(-1) ?? job.dir,
        phase: "done",
        attemptsFailed: 0,
      });
      continue;
    }
    jobs.push(await jobInfo(queue, job));
  }
  return tally(jobs);
}

/** Moves the sweep's failed jobs back to waiting with fresh attempts; returns how many. */
export async function retryFailedJobs(queue: Queue, plan: readonly SweepJob[]): Promise<number> {
  let n = 0;
  for (const job of plan) {
    if (job.action === "skip") continue;
    const j = await queue.getJob(queueJobId(job.jobId));
    if (j && (await j.getState()) === "failed") {
      await j.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      n++;
    }
  }
  return n;
}

/** Where uploaded results (`worker --upload`) are read from: a plain connection and the queue's name. */
export interface UploadSource {
  redis: Redis;
  queueName: string;
}

/**
 * Writes a finished job's uploaded files into its folder of the sweep, unless the folder already
 * holds the finished run. Returns what was written, or null when there was nothing to write
 * (no upload waiting, or the folder was already finished).
 */
export async function collectJob(
  source: UploadSource,
  job: SweepJob,
  sweepDir: string,
): Promise<UploadSize | null> {
  if (jobAction(job.dir, job.jobId).action === "skip") return null;
  const runName = job.dir.split(/[/\\]/).at(-1) ?? job.dir;
  return collectUpload(source.redis, uploadKey(source.queueName, queueJobId(job.jobId)), sweepDir, {
    runName,
    jobId: job.jobId,
  });
}

/**
 * `--collect`: writes every uploaded result of the sweep's finished jobs that is not in the sweep
 * folder yet. Returns how many runs were written.
 */
export async function collectUploads(
  source: UploadSource,
  plan: readonly SweepJob[],
  sweepDir: string,
): Promise<{ runs: number; bytes: number }> {
  let runs = 0;
  let bytes = 0;
  for (const job of plan) {
    if (job.action === "skip") continue;
    const got = await collectJob(source, job, sweepDir);
    if (got) {
      runs++;
      bytes += got.bytes;
    }
  }
  return { runs, bytes };
}

/**
 * Waits until every job of the sweep is done or failed for good, calling `onTick` with the
 * status after each poll. A job missing from Redis (it restarted without persistence) is added
 * again unless its folder shows it finished. Finished jobs are not polled again.
 */
export async function waitForSweep(
  queue: Queue,
  plan: readonly SweepJob[],
  sweepDir: string,
  retry: RetryPolicy,
  options: {
    intervalMs?: number;
    onTick?: (s: SweepQueueStatus) => void;
    onReadded?: (n: number) => void;
    /** Uploaded results are written into the sweep folder as their jobs finish. */
    uploads?: UploadSource;
  } = {},
): Promise<SweepQueueStatus> {
  const interval = options.intervalMs ?? 1000;
  const infos = new Map<string, QueuedJobInfo>();
  for (;;) {
    let readded = 0;
    for (const job of plan) {
      const known = infos.get(job.jobId);
      if (known && (known.phase === "done" || known.phase === "failed")) continue;
      let info: QueuedJobInfo;
      if (job.action === "skip") {
        info = { queueId: queueJobId(job.jobId), runName: job.dir, phase: "done", attemptsFailed: 0 };
      } else {
        info = await jobInfo(queue, job);
        if (info.phase === "missing") {
          if (jobAction(job.dir, job.jobId).action === "skip") info.phase = "done";
          else {
            const data = queueJobData(job, sweepDir);
            await queue.add("run", data, queueJobOptions(data, retry));
            info.phase = "waiting";
            readded++;
          }
        } else if (info.phase === "done" && info.outcome?.uploaded && options.uploads) {
          if ((await collectJob(options.uploads, job, sweepDir)) !== null) info.collectedAt = Date.now();
          else if (jobAction(job.dir, job.jobId).action !== "skip") {
            // Reported uploaded, yet neither the upload nor the finished folder is here (Redis
            // lost it): run the job again; a worker that still holds the run uploads it at once.
            await (await queue.getJob(info.queueId))?.remove();
            const data = queueJobData(job, sweepDir);
            await queue.add("run", data, queueJobOptions(data, retry));
            info.phase = "waiting";
            delete info.outcome;
            readded++;
          }
        }
      }
      infos.set(job.jobId, info);
    }
    if (readded > 0) options.onReadded?.(readded);
    const status = tally(plan.map((j) => infos.get(j.jobId)!));
    options.onTick?.(status);
    if (status.done + status.failed === status.total) return status;
    await sleep(interval);
  }
}
