import { availableParallelism } from "node:os";
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { PoolResult, PoolTask, ProgressMessage } from "./pool-worker.js";
import type { RunResult } from "./run.js";
import { parseRunConfig } from "./config.js";
import { isDqnConfigInput, parseDqnRunConfig } from "./dqn-config.js";
import { groupIntoPopulations, type RunJob } from "./population-run.js";

/** The worker module next to this file (`.ts` under tsx, `.js` once built). */
function workerUrl(): string {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  return new URL(`./pool-worker${ext}`, import.meta.url).href;
}

/**
 * Node flags for the workers: the parent's, plus tsx's loader when the worker is TypeScript and
 * the parent registered tsx programmatically (bin/lowrank-rl.js), which workers do not inherit.
 */
function workerExecArgv(): string[] {
  const argv = [...process.execArgv];
  if (import.meta.url.endsWith(".ts") && !argv.some((a) => a.includes("tsx"))) argv.push("--import", "tsx");
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
 * job order. Under tsx the workers inherit its loader, so the `.ts` worker runs as is.
 */
export async function runJobsInPool(
  tasks: readonly Omit<PoolTask, "port">[],
  options: PoolOptions = {},
): Promise<RunResult[]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.max(1, tasks.length)));
  const pool = new Piscina({
    filename: workerUrl(),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 1000,
    execArgv: workerExecArgv(),
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
