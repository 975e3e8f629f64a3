import { existsSync, readdirSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { MessageChannel } from "node:worker_threads";
import runPoolTask, { type PoolResult, type PoolTask, type ProgressMessage } from "./pool-worker.js";
import type { RunResult } from "./run.js";
import { parseRunConfig } from "./config.js";
import { isDqnConfigInput, parseDqnRunConfig } from "./dqn-config.js";
import { groupIntoPopulations, type RunJob } from "./population-run.js";

/** Newest modification time (ms) of the files under `dir`. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/**
 * The worker module and whether it is compiled JavaScript. Built (this file is `.js`): the worker
 * next to it. Under tsx: the build's `dist/runner/pool-worker.js` when it exists and is newer than
 * every file under `src/` (a worker then starts in a fraction of the time, without tsx's
 * transform), else the `.ts` worker through tsx, so a stale build never runs.
 */
export function poolWorkerModule(): { url: string; compiled: boolean } {
  if (!import.meta.url.endsWith(".ts"))
    return { url: new URL("./pool-worker.js", import.meta.url).href, compiled: true };
  const srcDir = fileURLToPath(new URL("..", import.meta.url));
  const built = join(srcDir, "..", "dist", "runner", "pool-worker.js");
  try {
    if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(srcDir))
      return { url: pathToFileURL(built).href, compiled: true };
  } catch {
    // Unreadable build or sources: use the sources.
  }
  return { url: new URL("./pool-worker.ts", import.meta.url).href, compiled: false };
}

/**
 * Node flags for the workers: the parent's, plus tsx's loader when the worker is TypeScript and
 * the parent registered tsx programmatically (bin/lowrank-rl.js), which workers do not inherit.
 */
function workerExecArgv(compiled: boolean): string[] {
  const argv = [...process.execArgv];
  // tsx by its resolved path: a bare "tsx" would be looked up from the working directory, which
  // need not be this checkout (`node ~/lowrank-rl/bin/lowrank-rl.js sweep …` run from elsewhere).
  if (!compiled && !argv.some((a) => a.includes("tsx"))) argv.push("--import", import.meta.resolve("tsx"));
  return argv;
}

export interface PoolOptions {
  /** Worker threads (default: all cores, `os.availableParallelism()`). */
  threads?: number;
  /** Called with the number of episodes finished since the last call, from any job. */
  onProgress?: (episodes: number) => void;
  /** Called when a job finishes (in completion order). */
  onJobDone?: (result: RunResult, index: number) => void;
}

/**
 * Runs jobs in a piscina worker-thread pool, one job per task, all cores busy. Results are in
 * job order. The workers load compiled JavaScript where a current build exists (see
 * {@link poolWorkerModule}), else the `.ts` worker through tsx. With one thread (asked for, or one
 * task) the jobs run one after another in this thread instead: the same code on the same inputs,
 * without a worker's start-up.
 */
export async function runJobsInPool(
  tasks: readonly Omit<PoolTask, "port">[],
  options: PoolOptions = {},
): Promise<RunResult[]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.max(1, tasks.length)));
  if (threads === 1) return runJobsInProcess(tasks, options);
  const worker = poolWorkerModule();
  const { Piscina } = await import("piscina");
  const pool = new Piscina({
    filename: worker.url,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
    execArgv: workerExecArgv(worker.compiled),
  });
  try {
    return await Promise.all(
      tasks.map(async (task, index) => {
        let port: MessageChannel | null = null;
        let reported = 0;
        let finished = false;
        if (options.onProgress) {
          port = new MessageChannel();
          port.port1.on("message", (m: ProgressMessage) => {
            if (finished) return;
            reported += m.delta;
            options.onProgress!(m.delta);
          });
        }
        const full: PoolTask = port ? { ...task, port: port.port2 } : { ...task };
        try {
          const result = (await pool.run(full, port ? { transferList: [port.port2] } : {})) as PoolResult;
          finished = true;
          if (options.onProgress && result.sessionEpisodes > reported)
            options.onProgress(result.sessionEpisodes - reported);
          options.onJobDone?.(result, index);
          return result;
        } finally {
          port?.port1.close();
        }
      }),
    );
  } finally {
    await pool.destroy();
  }
}

/** {@link runJobsInPool} with one thread: each task through the pool worker's entry, in this thread, in order. */
async function runJobsInProcess(
  tasks: readonly Omit<PoolTask, "port">[],
  options: PoolOptions,
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let index = 0; index < tasks.length; index++) {
    let reported = 0;
    const onProgress = options.onProgress;
    const port = onProgress
      ? {
          postMessage: (m: ProgressMessage) => {
            reported += m.delta;
            onProgress(m.delta);
          },
          close: () => {},
        }
      : undefined;
    const result = await runPoolTask(port ? { ...tasks[index], port } : { ...tasks[index] });
    if (onProgress && result.sessionEpisodes > reported) onProgress(result.sessionEpisodes - reported);
    options.onJobDone?.(result, index);
    results.push(result);
  }
  return results;
}

/** A job for {@link runRunJobsInPool}: a raw or resolved config, and where its run goes. */
export interface PoolJob {
  config: unknown;
  outRoot?: string;
  dir?: string;
  resume?: boolean;
}

/**
 * Runs jobs like {@link runJobsInPool}, but jobs asking for the population path (`backend` gpu or
 * `population` P > 1) that are equal but for the seed are trained P at a time as one population
 * per pool task (see `groupIntoPopulations`). Results are per job, in job order, each with its
 * own run directory as a single run would have.
 */
export async function runRunJobsInPool(
  jobs: readonly PoolJob[],
  options: PoolOptions = {},
): Promise<RunResult[]> {
  // DQN jobs run one per task; policy-gradient jobs may share a population task.
  const pgIndex = jobs.flatMap((j, i) => (isDqnConfigInput(j.config) ? [] : [i]));
  const resolved: RunJob[] = pgIndex.map((i) => ({ ...jobs[i], config: parseRunConfig(jobs[i].config) }));
  const groups = groupIntoPopulations(resolved).map((g) => g.map((k) => pgIndex[k]));
  const tasks: Omit<PoolTask, "port">[] = groups.map((g) => {
    const j = resolved[pgIndex.indexOf(g[0])];
    if (g.length === 1 && (j.resume || (j.config.backend === "cpu" && j.config.population === 1)))
      return {
        config: j.config,
        ...(j.dir ? { dir: j.dir } : { outRoot: j.outRoot }),
        ...(j.resume ? { resume: true } : {}),
      };
    const dirs = g.map((i) => jobs[i].dir);
    return {
      config: j.config,
      population: {
        configs: g.map((i) => resolved[pgIndex.indexOf(i)].config),
        ...(dirs.every((d) => d !== undefined) ? { dirs: dirs as string[] } : { outRoot: j.outRoot }),
      },
    };
  });
  jobs.forEach((j, i) => {
    if (!isDqnConfigInput(j.config)) return;
    groups.push([i]);
    tasks.push({
      config: parseDqnRunConfig(j.config),
      ...(j.dir ? { dir: j.dir } : { outRoot: j.outRoot }),
      ...(j.resume ? { resume: true } : {}),
    });
  });
  const byTask = await runJobsInPool(tasks, {
    ...options,
    onJobDone: undefined,
  });
  const out: RunResult[] = new Array(jobs.length);
  groups.forEach((g, t) => {
    const r = byTask[t] as RunResult & { population?: RunResult[] };
    g.forEach((jobIndex, k) => {
      const one = r.population ? r.population[k] : r;
      out[jobIndex] = stripPoolFields(one);
      options.onJobDone?.(out[jobIndex], jobIndex);
    });
  });
  return out;
}

function stripPoolFields(r: RunResult & { sessionEpisodes?: number; population?: RunResult[] }): RunResult {
  const copy: RunResult & { sessionEpisodes?: number; population?: RunResult[] } = { ...r };
  delete copy.sessionEpisodes;
  delete copy.population;
  return copy;
}
