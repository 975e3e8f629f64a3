/**
 * Throughput of a sweep on the Redis queue against the local thread-pool sweep, in one run, and
 * the queue's overhead per job (docs/sweeps.md, "Measured").
 *
 *   npx tsx experiments/queue-throughput.ts                       # 40 jobs; pool 1,2,3 threads; 1,2,3 workers
 *   npx tsx experiments/queue-throughput.ts --workers 1,2 --threads 2 --episodes 200 --out /tmp/qt
 *
 * Needs Debian's redis-server (apt-get install redis-server; `--redis-server PATH` or
 * $REDIS_SERVER name another binary): the script starts one on a free loopback port with a temp
 * folder and stops it at the end. Each queue row starts its worker processes (`lowrank-rl worker`,
 * concurrency 1 each), waits until all have connected, then times enqueue → every job done; the
 * row with `--upload` has its workers write to a folder of their own and the submitter write the
 * uploaded files. Every row's metrics and final parameters are compared with the first local
 * sweep's. Writes <out>/summary.json.
 */
import "./lib/script-errors.js";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import type { Queue } from "bullmq";
import { ConfigError } from "../src/runner/config.js";
import {
  enqueueSweep,
  openQueue,
  openRedis,
  waitForSweep,
  type SweepQueueStatus,
} from "../src/runner/queue.js";
import { DEFAULT_RETRY } from "../src/runner/queue-jobs.js";
import { parseRedisUrl } from "../src/runner/queue-url.js";
import { parseSweepSpec, planSweep, runSweep, writeSweepFile } from "../src/runner/sweep.js";
import { intInRange, outputDir } from "./lib/args.js";
import { usageExit } from "./lib/script-errors.js";

// ---------------------------------------------------------------- the sweep (the queue e2e test's 40 jobs)
const RANKS = [1, 2, 3, 4];
const SEEDS = 10;
const EPISODES = 36;
const MAX_STEPS = 60;
const CHECKPOINT_EVERY = 3;
const WORKERS = [1, 2, 3];
const THREADS = [1, 2, 3];
const OUT = "results/queue-throughput";
const POLL_MS = 100; // the submitter's status poll

const counts = (flag: string) => (value: string) => {
  const xs = value.split(",").map((s) => intInRange(flag, 1, 64)(s.trim()));
  return [...new Set(xs)];
};

const program = new Command()
  .exitOverride(usageExit)
  .name("queue-throughput")
  .description("sweep throughput: Redis queue with 1..k worker processes vs the local thread pool")
  .option("--workers <list>", "queue worker processes per row, e.g. 1,2,3", counts("--workers"), WORKERS)
  .option("--threads <list>", "local pool threads per row, e.g. 1,2,3", counts("--threads"), THREADS)
  .option("--seeds <n>", "seeds per rank (jobs = 4 ranks × seeds)", intInRange("--seeds", 1, 1000), SEEDS)
  .option("--episodes <n>", "episodes per job", intInRange("--episodes", 3, 1_000_000), EPISODES)
  .option("--no-upload", "skip the row whose workers upload their results through Redis")
  .option("--keep", "keep the sweep folders (printed at the end) instead of deleting them")
  .option("--redis-server <path>", "redis-server binary", process.env.REDIS_SERVER ?? "redis-server")
  .option("--out <dir>", "output folder (summary.json)", outputDir("--out"), OUT)
  .showHelpAfterError("(add --help for usage)")
  .parse();
const opts = program.opts<{
  workers: number[];
  threads: number[];
  seeds: number;
  episodes: number;
  upload: boolean;
  redisServer: string;
  out: string;
  keep?: boolean;
}>();

const probe = spawnSync(opts.redisServer, ["--version"], { encoding: "utf8" });
if (probe.error || probe.status !== 0)
  throw new ConfigError(
    "redis-server",
    `--redis-server: cannot run "${opts.redisServer}" (${probe.error?.message ?? `exit ${probe.status}`}); install Debian's redis-server (apt-get install redis-server) or name the binary with --redis-server`,
  );

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), "queue-throughput-"));
const port = await freePort();
const redisDir = join(scratch, "redis");
mkdirSync(redisDir);
const redis = spawn(
  opts.redisServer,
  ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDir],
  { stdio: "ignore" },
);
const children: ChildProcess[] = [redis];
const cleanUp = () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  if (opts.keep) process.stdout.write(`sweep folders kept in ${scratch}\n`);
  else rmSync(scratch, { recursive: true, force: true });
};
process.on("exit", cleanUp);
const url = `redis://127.0.0.1:${port}/0`;
const target = parseRedisUrl(url, {});

const spec = parseSweepSpec({
  base: {
    env: "LRPG/Pendulum",
    algo: "lrpg",
    episodes: opts.episodes,
    maxSteps: MAX_STEPS,
    checkpointEvery: CHECKPOINT_EVERY,
    checkpointMinSeconds: 0,
  },
  grid: { rank: RANKS },
  seeds: Array.from({ length: opts.seeds }, (_, i) => i),
});
const jobs = planSweep(spec, join(scratch, "probe")).length;

interface Row {
  backend: string;
  parallel: number;
  seconds: number;
  jobsPerSecond: number;
  identical: boolean;
  /** Queue rows: seconds from spawning the worker processes to all connected (not in `seconds`). */
  workerStartSeconds?: number;
  /** Queue rows: seconds the submitter took to enqueue the jobs (inside `seconds`). */
  enqueueSeconds?: number;
  overhead?: Overhead;
}
interface Overhead {
  /** Median ms, per job: idle worker's pickup (enqueue → start, first job of each worker). */
  firstPickupMs: number;
  /** Median ms between a worker's job completed in Redis and its next job started. */
  nextPickupMs: number;
  /** Median ms from the job's start in BullMQ to training start (payload check, folder check). */
  toTrainingMs: number;
  /** Median ms from the run's files written to the job completed in Redis. */
  toCompletedMs: number;
  /** Median ms from the run's files written on the worker to written in the sweep folder (upload rows). */
  toCollectedMs?: number;
  /** Median training time of a job, ms. */
  trainingMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

function overheadOf(s: SweepQueueStatus): Overhead {
  const ran = s.jobs.filter((j) => j.outcome && j.processedOn && j.finishedOn && j.enqueuedAt);
  const byWorker = new Map<string, typeof ran>();
  for (const j of ran) byWorker.set(j.outcome!.worker, [...(byWorker.get(j.outcome!.worker) ?? []), j]);
  const first: number[] = [];
  const next: number[] = [];
  for (const list of byWorker.values()) {
    list.sort((a, b) => a.processedOn! - b.processedOn!);
    first.push(list[0].processedOn! - list[0].enqueuedAt!);
    for (let i = 1; i < list.length; i++) next.push(list[i].processedOn! - list[i - 1].finishedOn!);
  }
  const collected = ran.filter((j) => j.collectedAt !== undefined);
  return {
    firstPickupMs: median(first),
    nextPickupMs: median(next),
    toTrainingMs: median(ran.map((j) => j.outcome!.startedAt - j.processedOn!)),
    toCompletedMs: median(ran.map((j) => j.finishedOn! - j.outcome!.finishedAt)),
    ...(collected.length > 0
      ? { toCollectedMs: median(collected.map((j) => j.collectedAt! - j.outcome!.finishedAt)) }
      : {}),
    trainingMs: median(ran.map((j) => j.outcome!.finishedAt - j.outcome!.startedAt)),
  };
}

/** The run folders' metrics (time column aside) and final parameters, for comparing two sweeps. */
function fingerprint(dir: string): Map<string, string> {
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return new Map(
    names.map((name) => {
      const rows = readFileSync(join(dir, name, "metrics.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => {
          const r = JSON.parse(l);
          delete r["charts/SPS"];
          return JSON.stringify(r);
        });
      return [name, `${rows.join("\n")}\n${readFileSync(join(dir, name, "final_params.json"), "utf8")}`];
    }),
  );
}

/** Prints the run folders that differ from the reference sweep's (missing, extra, other metrics or parameters); true if none. */
function sameAsReference(label: string, fp: Map<string, string>): boolean {
  const bad: string[] = [];
  for (const [name, text] of reference!) {
    const got = fp.get(name);
    if (got === undefined) bad.push(`${name}: missing`);
    else if (got !== text) {
      const a = text.split("\n");
      const b = got.split("\n");
      const i = a.findIndex((line, k) => line !== b[k]);
      bad.push(
        `${name}: line ${i + 1} differs:\n  reference ${a[i]?.slice(0, 200)}\n  this row  ${b[i]?.slice(0, 200)}`,
      );
    }
  }
  for (const name of fp.keys()) if (!reference!.has(name)) bad.push(`${name}: not in the reference sweep`);
  for (const line of bad) process.stderr.write(`${label}: ${line}\n`);
  return bad.length === 0;
}

const rows: Row[] = [];
let reference: Map<string, string> | null = null;
const say = (line: string) => process.stdout.write(`${line}\n`);
say(
  `${jobs} jobs (ranks ${RANKS.join(",")} × ${opts.seeds} seeds, ${opts.episodes} episodes of ≤ ${MAX_STEPS} steps)`,
);

for (const threads of opts.threads) {
  const dir = join(scratch, `local-${threads}`);
  const t0 = performance.now();
  await runSweep(spec, dir, { threads });
  const seconds = (performance.now() - t0) / 1000;
  const fp = fingerprint(dir);
  reference ??= fp;
  const identical = sameAsReference(`local-${threads}`, fp);
  rows.push({
    backend: "local pool",
    parallel: threads,
    seconds,
    jobsPerSecond: jobs / seconds,
    identical,
  });
  say(`local pool, ${threads} thread(s): ${seconds.toFixed(2)} s`);
}

const main = join(import.meta.dirname, "..", "src", "cli", "main.ts");
function startWorker(args: string[]): ChildProcess {
  const c = spawn(process.execPath, ["--import", "tsx", main, "worker", "--quiet", ...args], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.push(c);
  return c;
}

async function connected(queue: Queue, n: number): Promise<void> {
  const end = Date.now() + 60_000;
  while ((await queue.getWorkersCount()) < n) {
    if (Date.now() > end)
      throw new Error(`only ${await queue.getWorkersCount()} of ${n} workers connected in 60 s`);
    await pause(50);
  }
}

const queueRows = [
  ...opts.workers.map((k) => ({ k, upload: false })),
  ...(opts.upload ? [{ k: Math.max(...opts.workers), upload: true }] : []),
];
for (const { k, upload } of queueRows) {
  const name = `throughput-${k}${upload ? "-upload" : ""}`;
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  const queue = await openQueue(target, name);
  const uploads = upload ? { redis: openRedis(target), queueName: name } : undefined;
  const spawned = performance.now();
  const workers = Array.from({ length: k }, (_, i) =>
    startWorker([
      "--queue",
      url,
      "--name",
      name,
      ...(upload ? ["--upload", "--out", join(scratch, `${name}-worker-${i}`)] : []),
    ]),
  );
  await connected(queue, k);
  const workerStartSeconds = (performance.now() - spawned) / 1000;
  const plan = planSweep(spec, dir);
  writeSweepFile(spec, dir, plan);
  const t0 = performance.now();
  await enqueueSweep(queue, plan, dir, DEFAULT_RETRY);
  const enqueueSeconds = (performance.now() - t0) / 1000;
  const status = await waitForSweep(queue, plan, dir, DEFAULT_RETRY, { intervalMs: POLL_MS, uploads });
  const seconds = (performance.now() - t0) / 1000;
  for (const w of workers) w.kill("SIGTERM");
  await Promise.all(workers.map((w) => (w.exitCode !== null ? null : new Promise((r) => w.once("exit", r)))));
  await queue.close();
  await uploads?.redis.quit();
  if (status.failed > 0) throw new Error(`${name}: ${status.failed} job(s) failed`);
  const overhead = overheadOf(status);
  rows.push({
    backend: upload ? "queue, --upload" : "queue",
    parallel: k,
    seconds,
    jobsPerSecond: jobs / seconds,
    identical: sameAsReference(name, fingerprint(dir)),
    workerStartSeconds,
    enqueueSeconds,
    overhead,
  });
  say(
    `queue${upload ? " --upload" : ""}, ${k} worker(s): ${seconds.toFixed(2)} s (enqueued in ${enqueueSeconds.toFixed(2)} s; workers started in ${workerStartSeconds.toFixed(1)} s before); overhead per job (median ms): ` +
      `pickup ${overhead.firstPickupMs.toFixed(0)} idle / ${overhead.nextPickupMs.toFixed(0)} next, ` +
      `to training ${overhead.toTrainingMs.toFixed(0)}, files → completed ${overhead.toCompletedMs.toFixed(0)}` +
      (overhead.toCollectedMs !== undefined
        ? `, files → written by the submitter ${overhead.toCollectedMs.toFixed(0)}`
        : "") +
      `; training ${overhead.trainingMs.toFixed(0)}`,
  );
}
redis.kill("SIGTERM");

const base = rows.find((r) => r.backend === "local pool" && r.parallel === 1) ?? rows[0];
say("");
say("| backend | threads / workers | wall s | jobs/s | vs local pool, 1 thread | same results |");
say("|---|---:|---:|---:|---:|---|");
for (const r of rows)
  say(
    `| ${r.backend} | ${r.parallel} | ${r.seconds.toFixed(2)} | ${r.jobsPerSecond.toFixed(2)} | ${(base.seconds / r.seconds).toFixed(2)}× | ${r.identical ? "yes" : "NO"} |`,
  );
mkdirSync(opts.out, { recursive: true });
writeFileSync(
  join(opts.out, "summary.json"),
  JSON.stringify({ jobs, episodes: opts.episodes, maxSteps: MAX_STEPS, pollMs: POLL_MS, rows }, null, 2) +
    "\n",
);
say(`\nwrote ${join(opts.out, "summary.json")}`);
if (rows.some((r) => !r.identical)) process.exitCode = 1;
