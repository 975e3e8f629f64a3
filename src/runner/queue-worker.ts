import { mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { Worker as Thread } from "node:worker_threads";
import { Worker, WaitingError, type Job } from "bullmq";
import type { RunResult } from "./run.js";
import { packageVersion } from "./provenance.js";
import { parseAnyRunConfig } from "./run-info.js";
import { runLockHolder } from "./run-lock.js";
import { jobAction } from "./sweep.js";
import { parseQueueJobData, queueRunDir, type QueueJobData, type QueueJobOutcome } from "./queue-jobs.js";
import { isRedisAuthError, openRedis, redisConnection } from "./queue.js";
import { storeUpload, uploadKey, type UploadSize } from "./queue-upload.js";
import type { RedisTarget } from "./queue-url.js";
import type { ThreadReply, ThreadRequest } from "./queue-thread.js";

/** The thread module next to this file (`.ts` under tsx, `.js` once built). */
function threadUrl(): URL {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./queue-thread${ext}`, import.meta.url);
}

/**
 * The thread's plain-JS entry: it imports the thread module, after registering tsx's loader in
 * the thread when that module is TypeScript (a repository checkout; loaders of the parent's
 * `--import` flags are not registered in worker threads).
 */
function threadEntry(): string {
  const url = threadUrl().href;
  if (!url.endsWith(".ts")) return `import(${JSON.stringify(url)});`;
  const api = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
}

/** One training thread: runs one job at a time; a crashed thread rejects its job and is replaced. */
class TrainingThread {
  private thread: Thread | null = null;
  private pending: { resolve: (r: RunResult) => void; reject: (e: Error) => void } | null = null;

  private ensure(): Thread {
    if (this.thread) return this.thread;
    const t = new Thread(threadEntry(), { eval: true });
    t.on("message", (m: ThreadReply) => {
      const p = this.pending;
      this.pending = null;
      if (!p) return;
      if (m.type === "done") p.resolve(m.result);
      else p.reject(Object.assign(new Error(m.message), { name: m.name }));
    });
    const lost = (why: string) => {
      // Only the current thread's end concerns the job in flight.
      if (this.thread !== t) return;
      this.thread = null;
      const p = this.pending;
      this.pending = null;
      p?.reject(new Error(`training thread ${why}`));
    };
    t.on("error", (err) => lost(`failed: ${err.message}`));
    t.on("exit", (code) => lost(`exited with code ${code}`));
    this.thread = t;
    return t;
  }

  run(config: unknown, dir: string, resume: boolean): Promise<RunResult> {
    const t = this.ensure();
    return new Promise<RunResult>((resolve, reject) => {
      this.pending = { resolve, reject };
      t.postMessage({ type: "run", config, dir, resume } satisfies ThreadRequest);
    });
  }

  /** Asks the running job to checkpoint and return "interrupted" at its next episode boundary. */
  stop(): void {
    this.thread?.postMessage({ type: "stop" } satisfies ThreadRequest);
  }

  async terminate(): Promise<void> {
    const t = this.thread;
    this.thread = null;
    if (t) await t.terminate();
  }
}

export interface QueueWorkerOptions {
  target: RedisTarget;
  /** The queue's name (`--name`). */
  name: string;
  /** Jobs trained at once, one thread each. */
  concurrency: number;
  /** The shared results folder (replaces the submitter's sweep folder in every job). */
  out?: string;
  /**
   * Results through Redis (`--upload`): each finished run's files are stored in Redis for the
   * submitter to write into its sweep folder (src/runner/queue-upload.ts); `out` is then this
   * machine's own folder. `maxBytes` caps one run's upload.
   */
  upload?: { maxBytes: number };
  /**
   * How long a job's lock lives without renewal (ms). A worker that dies loses its lock after
   * this long; another worker then takes the job and resumes it from its newest checkpoint.
   */
  lockDurationMs?: number;
  /** One line per event (job started, finished, waiting for a run lock…). */
  log?: (line: string) => void;
  /**
   * Called once when the server refuses the credentials (wrong password, ACL): retrying cannot
   * help, so the caller should stop the worker.
   */
  onRefused?: (message: string) => void;
}

export interface QueueWorkerHandle {
  /**
   * Stops taking jobs; running policy-gradient jobs checkpoint at their next episode and go back
   * to the queue (another worker resumes them), DQN jobs finish. Resolves once all have.
   */
  stop(): Promise<void>;
  /** Jobs this worker finished (completed or diverged, skipped included). */
  finished(): number;
  /** Resolves when the worker has been idle (no job) for `ms` milliseconds. */
  idleFor(ms: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Starts a BullMQ worker on the queue: each job is checked, then run in a training thread
 * through the local sweep's lifecycle — skipped if its folder already holds the finished run,
 * resumed from the newest checkpoint if one exists (a worker died or stopped mid-run), started
 * otherwise. A folder still held by a live process (run.lock) is waited for, never written twice.
 */
export function startQueueWorker(options: QueueWorkerOptions): QueueWorkerHandle {
  const log = options.log ?? (() => {});
  const me = `${hostname()}:${process.pid}`;
  const idle: TrainingThread[] = Array.from({ length: options.concurrency }, () => new TrainingThread());
  const all = [...idle];
  const busy = new Set<TrainingThread>();
  let stopping = false;
  let finished = 0;
  let lastBusyAt = Date.now();
  const uploads = options.upload ? openRedis(options.target) : null;

  /** With --upload: stores the finished run folder's files for the submitter. */
  const upload = async (job: Job, data: QueueJobData, dir: string): Promise<UploadSize | undefined> => {
    if (!uploads) return undefined;
    const size = await storeUpload(
      uploads,
      uploadKey(options.name, String(job.id)),
      dir,
      { runName: data.runName, jobId: data.jobId },
      options.upload!.maxBytes,
    );
    log(`upload ${job.id} ${data.runName}: ${size.files} files, ${(size.bytes / 1024).toFixed(1)} KiB`);
    return size;
  };

  const processJob = async (job: Job, token?: string): Promise<QueueJobOutcome> => {
    const data: QueueJobData = parseQueueJobData(job.data);
    if (data.version !== packageVersion())
      throw new Error(
        `queue job ${job.id}: submitted by lowrank-rl ${data.version}, this worker is ${packageVersion()} (job ids and results depend on the version; run the same version on both sides)`,
      );
    // A config that does not validate fails here, before its folder is touched.
    parseAnyRunConfig(data.config);
    const dir = queueRunDir(data, options.out);
    mkdirSync(dir, { recursive: true });
    let waited = false;
    for (let holder = runLockHolder(dir); holder !== null; holder = runLockHolder(dir)) {
      if (stopping) return requeue(job, token);
      if (!waited) log(`wait  ${job.id} ${data.runName}: held by live process ${holder}`);
      waited = true;
      await sleep(500);
    }
    const { action } = jobAction(dir, data.jobId);
    const startedAt = Date.now();
    if (action === "skip") {
      const uploaded = await upload(job, data, dir);
      finished++;
      log(`skip  ${job.id} ${data.runName}: already finished`);
      return {
        status: "completed",
        runName: data.runName,
        episodesDone: data.steps,
        skipped: true,
        resumed: false,
        startedAt,
        finishedAt: startedAt,
        worker: me,
        ...(uploaded ? { uploaded } : {}),
      };
    }
    if (stopping) return requeue(job, token);
    const thread = idle.pop();
    if (!thread) throw new Error("queue worker: no free training thread (concurrency mismatch)");
    busy.add(thread);
    log(
      `${action === "resume" ? "resume" : "start"} ${job.id} ${data.runName} (attempt ${job.attemptsMade + 1})`,
    );
    let result: RunResult;
    try {
      result = await thread.run(data.config, dir, action === "resume");
    } finally {
      busy.delete(thread);
      idle.push(thread);
      lastBusyAt = Date.now();
    }
    if (result.status === "interrupted") return requeue(job, token);
    const finishedAt = Date.now();
    const uploaded = await upload(job, data, dir);
    finished++;
    log(`done  ${job.id} ${data.runName}: ${result.status} after ${result.episodesDone} steps`);
    return {
      status: result.status,
      runName: data.runName,
      episodesDone: result.episodesDone,
      skipped: false,
      resumed: action === "resume",
      startedAt,
      finishedAt,
      worker: me,
      ...(uploaded ? { uploaded } : {}),
    };
  };

  /** Puts a job this worker is stopping back in the waiting list (no attempt is counted). */
  const requeue = async (job: Job, token?: string): Promise<never> => {
    await job.moveToWait(token);
    log(`stop  ${job.id}: checkpointed and returned to the queue`);
    throw new WaitingError();
  };

  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker(options.name, processJob, {
    connection: redisConnection(options.target, { blocking: true }),
    concurrency: options.concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    // A job whose worker died more often than this is failed (it may be what kills them).
    maxStalledCount: 5,
  });
  let lastError = "";
  let refused = false;
  worker.on("error", (err) => {
    if (isRedisAuthError(err) && !refused) {
      refused = true;
      options.onRefused?.(err.message);
    }
    // Connection losses are retried by ioredis; print each distinct message once.
    if (err.message !== lastError) log(`redis: ${err.message} (retrying)`);
    lastError = err.message;
  });
  worker.on("ready", () => (lastError = ""));
  worker.on("failed", (job, err) => {
    if (job && !(err instanceof WaitingError))
      log(`fail  ${job.id}: ${err.message} (attempt ${job.attemptsMade} of ${job.opts.attempts ?? 1})`);
  });

  let stopped: Promise<void> | null = null;
  return {
    stop: () => {
      if (stopped) return stopped;
      stopping = true;
      for (const t of busy) t.stop();
      stopped = (async () => {
        // After a Redis outage the blocking connection can keep close() waiting indefinitely; the
        // running jobs have checkpointed by then, and a job left "active" goes back to the queue
        // when its lock expires (stalled-job recovery), so stop waiting after 10 s.
        const closed = worker.close().then(
          () => true,
          () => false,
        );
        if (!(await Promise.race([closed, sleep(10_000).then(() => false)])))
          await Promise.race([worker.close(true).catch(() => {}), sleep(5_000)]);
        await Promise.all(all.map((t) => t.terminate()));
        if (uploads) await Promise.race([uploads.quit().catch(() => uploads.disconnect()), sleep(2_000)]);
      })();
      return stopped;
    },
    finished: () => finished,
    idleFor: async (ms) => {
      for (;;) {
        const since = busy.size > 0 ? 0 : Date.now() - lastBusyAt;
        if (busy.size === 0 && since >= ms) return;
        await sleep(Math.min(500, ms - since > 0 ? ms - since : 500));
      }
    },
  };
}
