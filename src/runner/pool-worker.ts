import { executePopulation } from "./population-run.js";
import { resumeRun, executeRun, type RunResult } from "./run.js";

/** A job sent to a pool worker: train `config` into `dir` (or a new dir under `outRoot`), or resume `dir`. */
export interface PoolTask {
  config: unknown;
  outRoot?: string;
  dir?: string;
  /** Continue the run in `dir` from its checkpoint instead of starting it. */
  resume?: boolean;
  /** Or: train these configs (equal but for the seed) as one population, one directory each. */
  population?: { configs: unknown[]; dirs?: string[]; outRoot?: string };
  /** Receives `{ episode, episodes }` progress messages (every `progressEvery` episodes and at the end). */
  port?: ProgressPort;
  progressEvery?: number;
}

/** Where a task reports progress: a worker's MessagePort, or a callback when the task runs in-process. */
export interface ProgressPort {
  postMessage(message: ProgressMessage): void;
  close(): void;
}

export interface ProgressMessage {
  /** Episodes done since the last message. */
  delta: number;
}

/** A job's result plus the episodes this session ran (for progress accounting). */
export interface PoolResult extends RunResult {
  sessionEpisodes: number;
  /** A population task's results, one per config (the first is also spread into this object). */
  population?: RunResult[];
}

/** Piscina worker entry: runs one job in this worker thread. */
export default async function runPoolTask(task: PoolTask): Promise<PoolResult> {
  const every = task.progressEvery ?? 10;
  let ran = 0;
  let reported = 0;
  const onEpisode = () => {
    ran += 1;
    if (task.port && ran - reported >= every) {
      task.port.postMessage({ delta: ran - reported } satisfies ProgressMessage);
      reported = ran;
    }
  };
  try {
    if (task.population) {
      const { configs, dirs, outRoot } = task.population;
      const rs = await executePopulation(configs, { dirs, outRoot, onEpisode });
      return { ...rs[0], sessionEpisodes: ran, population: rs };
    }
    const r =
      task.resume && task.dir
        ? await resumeRun(task.dir, { onEpisode })
        : await executeRun(task.config, { outRoot: task.outRoot, dir: task.dir, onEpisode });
    return { ...r, sessionEpisodes: ran };
  } finally {
    task.port?.close();
  }
}
