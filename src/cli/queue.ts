import { mkdirSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import cliProgress from "cli-progress";
import { InvalidArgumentError, type Command } from "commander";
import type { SweepQueueStatus } from "../runner/queue.js";
import { ConfigError } from "../runner/config.js";
import { DEFAULT_RETRY, type RetryPolicy } from "../runner/queue-jobs.js";
import {
  checkQueueName,
  DEFAULT_QUEUE_NAME,
  describeRedisTarget,
  parseRedisUrl,
} from "../runner/queue-url.js";
import { DEFAULT_UPLOAD_MAX_BYTES } from "../runner/queue-upload.js";
import type { SweepJob, SweepSpec } from "../runner/sweep.js";

/**
 * The command line of sweeps on a Redis queue: `sweep --queue …` (enqueue, wait, status, retry)
 * and `worker --queue …`. The queue URL may hold a password; only its redacted form is printed.
 */

function intArg(name: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got "${value}"`);
    return n;
  };
}

const QUEUE_HELP =
  "Redis queue URL redis://[user[:password]@]host[:port][/db] (the password may instead come from $LOWRANK_RL_REDIS_PASSWORD)";

/** The queue flags of `sweep`. */
export function addQueueSweepOptions(cmd: Command): Command {
  return cmd
    .option("--queue <url>", `enqueue the jobs on a Redis queue for \`lowrank-rl worker\`s: ${QUEUE_HELP}`)
    .option("--name <queue>", "queue name (with --queue)", DEFAULT_QUEUE_NAME)
    .option("--detach", "with --queue: enqueue and return at once")
    .option(
      "--status",
      "with --queue: show the sweep's job counts and failed jobs with their errors, run nothing",
    )
    .option("--retry-failed", "with --queue: give the sweep's failed jobs fresh attempts")
    .option(
      "--collect",
      "with --queue: write the results that `worker --upload` stored in Redis into --out, then return (a waiting sweep does this as jobs finish)",
    )
    .option(
      "--attempts <n>",
      `with --queue: tries per job before it stays failed (default ${DEFAULT_RETRY.attempts})`,
      intArg("--attempts", 1, 100),
    )
    .option(
      "--backoff <ms>",
      `with --queue: wait before retry k is ms·2^(k−1) (default ${DEFAULT_RETRY.backoffMs})`,
      intArg("--backoff", 0, 86_400_000),
    );
}

/** Refuses the queue-only flags of `sweep` without `--queue` (they would silently run a local sweep). */
export function checkQueueFlags(opts: Record<string, unknown>): void {
  if (opts.queue !== undefined) return;
  const given = (
    [
      ["detach", "--detach"],
      ["status", "--status"],
      ["retryFailed", "--retry-failed"],
      ["collect", "--collect"],
      ["attempts", "--attempts"],
      ["backoff", "--backoff"],
    ] as const
  ).find(([key]) => opts[key] !== undefined);
  if (given) throw new ConfigError("queue", `${given[1]} needs --queue redis://HOST[:PORT][/DB]`);
}

function statusLine(s: SweepQueueStatus): string {
  return `${s.done}/${s.total} done, ${s.running} running, ${s.waiting} waiting, ${s.failed} failed, ${s.retried} retried`;
}

function printFailures(s: SweepQueueStatus): void {
  for (const j of s.jobs)
    if (j.phase === "failed")
      process.stderr.write(
        `failed ${j.queueId} ${j.runName} after ${j.attemptsFailed} attempt(s): ${j.error ?? "(no error recorded)"}\n`,
      );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * Queue overhead of the jobs that ran: wait enqueue → start, run end → completed in Redis, and
 * (uploaded runs) run end → files written into the sweep folder.
 */
export function queueOverhead(
  s: SweepQueueStatus,
): { toStartMs: number; toCompletedMs: number; toCollectedMs?: number; n: number } | null {
  const ran = s.jobs.filter(
    (j) => j.phase === "done" && j.outcome && !j.outcome.skipped && j.processedOn && j.finishedOn,
  );
  if (ran.length === 0) return null;
  return {
    n: ran.length,
    toStartMs: median(ran.map((j) => j.processedOn! - j.enqueuedAt!)),
    toCompletedMs: median(ran.map((j) => j.finishedOn! - j.outcome!.finishedAt)),
    ...(ran.some((j) => j.collectedAt !== undefined)
      ? {
          toCollectedMs: median(
            ran.filter((j) => j.collectedAt !== undefined).map((j) => j.collectedAt! - j.outcome!.finishedAt),
          ),
        }
      : {}),
  };
}

/** `lowrank-rl sweep <spec> --queue …`. */
export async function runQueueSweep(
  spec: SweepSpec,
  planned: SweepJob[],
  out: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const target = parseRedisUrl(opts.queue as string);
  const name = checkQueueName(opts.name as string);
  const where = `${describeRedisTarget(target)} queue "${name}"`;
  const retry: RetryPolicy = {
    attempts: (opts.attempts as number | undefined) ?? DEFAULT_RETRY.attempts,
    backoffMs: (opts.backoff as number | undefined) ?? DEFAULT_RETRY.backoffMs,
  };
  const quiet = Boolean(opts.quiet);
  let plan = planned;
  // BullMQ and ioredis load here, not with the CLI: importing them costs every other command ≈ 0.2 s.
  const {
    collectUploads,
    enqueueSweep,
    openQueue,
    openRedis,
    retryFailedJobs,
    sweepQueueStatus,
    waitForSweep,
  } = await import("../runner/queue.js");
  const { jobAction, writeSweepFile } = await import("../runner/sweep.js");
  const queue = await openQueue(target, name);
  const uploads = { redis: openRedis(target), queueName: name };
  try {
    if (opts.status) {
      const s = await sweepQueueStatus(queue, plan);
      process.stdout.write(`sweep ${out} on ${where}: ${statusLine(s)}, ${s.missing} not enqueued\n`);
      const uncollected = s.jobs.filter(
        (j, i) => j.outcome?.uploaded && jobAction(plan[i].dir, plan[i].jobId).action !== "skip",
      );
      if (uncollected.length > 0)
        process.stdout.write(
          `${uncollected.length} finished run(s) uploaded by workers are not in ${out} yet: write them with --collect\n`,
        );
      printFailures(s);
      return;
    }
    if (opts.retryFailed) {
      const n = await retryFailedJobs(queue, plan);
      process.stdout.write(`retrying ${n} failed job(s)\n`);
    }
    mkdirSync(out, { recursive: true });
    // Results uploaded by workers since the last look land in the folder before anything is enqueued.
    const collected = await collectUploads(uploads, plan, out);
    if (collected.runs > 0 || opts.collect)
      process.stdout.write(
        `collected ${collected.runs} uploaded run(s) into ${out} (${(collected.bytes / 1024).toFixed(1)} KiB)\n`,
      );
    if (opts.collect) return;
    if (collected.runs > 0) plan = plan.map((j) => ({ ...j, ...jobAction(j.dir, j.jobId) }));
    writeSweepFile(spec, out, plan);
    const r = await enqueueSweep(queue, plan, out, retry);
    process.stdout.write(
      `enqueued on ${where}: ${r.added + r.readded} added${r.readded ? ` (${r.readded} whose folder was gone)` : ""}, ${r.alreadyQueued} already queued, ${r.done} already done, ${r.failed} failed\n`,
    );
    if (r.failed > 0)
      process.stdout.write(
        `${r.failed} job(s) failed earlier; see --status, re-run them with --retry-failed\n`,
      );
    if (opts.detach) {
      process.stdout.write(`workers: lowrank-rl worker --queue <url> --name ${name} --out ${resolve(out)}\n`);
      return;
    }
    const bar = quiet
      ? null
      : new cliProgress.SingleBar(
          {
            format:
              "queue [{bar}] {value}/{total} done | {running} running | {failed} failed | {retried} retried | {duration_formatted}",
            noTTYOutput: true,
            notTTYSchedule: 5000,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
    bar?.start(plan.length, 0, { running: 0, failed: 0, retried: 0 });
    const t0 = performance.now();
    let s: SweepQueueStatus;
    try {
      s = await waitForSweep(queue, plan, out, retry, {
        onTick: (st) => bar?.update(st.done, { running: st.running, failed: st.failed, retried: st.retried }),
        onReadded: (n) =>
          process.stderr.write(
            `\n${n} job(s) were missing from Redis or lost their results; enqueued again\n`,
          ),
        uploads,
      });
    } finally {
      bar?.stop();
    }
    const secs = (performance.now() - t0) / 1000;
    if (!quiet) {
      process.stdout.write(`sweep ${out}: ${statusLine(s)} in ${secs.toFixed(1)} s\n`);
      const o = queueOverhead(s);
      if (o)
        process.stdout.write(
          `queue overhead (median of ${o.n} runs): enqueue → start ${o.toStartMs.toFixed(0)} ms (includes waiting for a free worker), run end → completed ${o.toCompletedMs.toFixed(0)} ms${o.toCollectedMs !== undefined ? `, run end → uploaded files written here ${o.toCollectedMs.toFixed(0)} ms` : ""}\n`,
        );
    }
    const absent = plan.filter((j) => jobAction(j.dir, j.jobId).action !== "skip").length - s.failed;
    if (absent > 0)
      process.stderr.write(
        `${absent} finished job(s) have no finished folder in ${out}: their workers' --out is not this folder; run workers with --upload, or on a shared results folder\n`,
      );
    printFailures(s);
    if (s.failed > 0) process.exitCode = 1;
  } finally {
    await queue.close();
    await uploads.redis.quit().catch(() => uploads.redis.disconnect());
  }
}

/** `lowrank-rl worker --queue …`. */
export function addWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description(
      "take sweep jobs from a Redis queue and run them (each as a local sweep would; killed workers' jobs resume from their newest checkpoint elsewhere)",
    )
    .requiredOption("--queue <url>", QUEUE_HELP)
    .option("--name <queue>", "queue name", DEFAULT_QUEUE_NAME)
    .option("--concurrency <n>", "jobs trained at once, one thread each", intArg("--concurrency", 1, 1024), 1)
    .option(
      "--out <dir>",
      "shared results folder (default: the folder each sweep was submitted with; with --upload: this machine's folder, default <tmp>/lowrank-rl-worker/<queue>)",
    )
    .option(
      "--upload",
      "store each finished run's files in Redis for the submitter to write into its sweep folder (for workers that do not share the results folder)",
    )
    .option(
      "--upload-max-mb <n>",
      `with --upload: largest upload of one run in MB (default ${DEFAULT_UPLOAD_MAX_BYTES / 2 ** 20})`,
      intArg("--upload-max-mb", 1, 500),
    )
    .option(
      "--lock-duration <ms>",
      "a job's lock lifetime; a dead worker's job is taken over after about this long",
      intArg("--lock-duration", 1000, 3_600_000),
      30_000,
    )
    .option(
      "--idle-exit <s>",
      "exit after this many seconds without a job",
      intArg("--idle-exit", 1, 31_536_000),
    )
    .option("--quiet", "print only errors")
    .action(
      async (opts: {
        queue: string;
        name: string;
        concurrency: number;
        out?: string;
        upload?: boolean;
        uploadMaxMb?: number;
        lockDuration: number;
        idleExit?: number;
        quiet?: boolean;
      }) => {
        const target = parseRedisUrl(opts.queue);
        const name = checkQueueName(opts.name);
        if (opts.uploadMaxMb !== undefined && !opts.upload)
          throw new ConfigError("upload-max-mb", "--upload-max-mb needs --upload");
        const out = opts.out ?? (opts.upload ? join(tmpdir(), "lowrank-rl-worker", name) : undefined);
        const stamp = () => new Date().toISOString().slice(11, 23);
        const log = (line: string) => {
          if (!opts.quiet || line.startsWith("fail") || line.startsWith("redis"))
            process.stdout.write(`${stamp()} ${line}\n`);
        };
        log(
          `worker ${hostname()}:${process.pid} on ${describeRedisTarget(target)} queue "${name}", concurrency ${opts.concurrency}, results in ${out ? resolve(out) : "each sweep's folder"}${opts.upload ? ", uploaded to Redis" : ""}`,
        );
        const { startQueueWorker } = await import("../runner/queue-worker.js");
        const worker = startQueueWorker({
          target,
          name,
          concurrency: opts.concurrency,
          out,
          ...(opts.upload
            ? { upload: { maxBytes: (opts.uploadMaxMb ?? DEFAULT_UPLOAD_MAX_BYTES / 2 ** 20) * 2 ** 20 } }
            : {}),
          lockDurationMs: opts.lockDuration,
          log,
          onRefused: (message) => {
            // No job can have started without a connection; nothing to checkpoint, exit at once.
            process.stderr.write(
              `error: the queue's Redis server at ${describeRedisTarget(target)} refused: ${message}\n`,
            );
            process.exit(2);
          },
        });
        let signalled: NodeJS.Signals | null = null;
        const stopRequested = new Promise<void>((done) => {
          const handler = (sig: NodeJS.Signals) => {
            if (signalled !== null) process.exit(sig === "SIGINT" ? 130 : 143);
            signalled = sig;
            log(
              `${sig}: stopping; running jobs checkpoint and go back to the queue (send again to exit at once)`,
            );
            done();
          };
          process.on("SIGINT", handler);
          process.on("SIGTERM", handler);
        });
        const idle =
          opts.idleExit !== undefined ? worker.idleFor(opts.idleExit * 1000) : new Promise<void>(() => {});
        await Promise.race([stopRequested, idle]);
        await worker.stop();
        log(`worker stopped after ${worker.finished()} job(s)`);
        // Redis sockets of a connection that never closed must not keep the process alive.
        process.exit(Number(process.exitCode ?? 0));
      },
    );
}
