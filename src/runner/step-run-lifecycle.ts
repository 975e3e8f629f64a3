import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "./atomic-file.js";
import {
  CorruptCheckpointError,
  loadLatestCheckpoint,
  removePartialCheckpoints,
  sameIdentity,
  saveCheckpoint,
} from "./checkpoint.js";
import { closingWrite, stoppedRunEnding } from "./divergence.js";
import { EVAL_SEED } from "./evaluate.js";
import { jobId as makeJobId } from "./job-id.js";
import {
  completedRunResult,
  newManifest,
  readManifest,
  writeManifest,
  type Manifest,
  type RunStatus,
} from "./manifest.js";
import {
  METRIC,
  MetricsWriter,
  metricColumn,
  readMetrics,
  type MetricRow,
  type MetricsOffset,
} from "./metrics.js";
import { packageVersion } from "./provenance.js";
import { createRunDir, RUN_FILES } from "./run-dir.js";
import { lockRunDir } from "./run-lock.js";
import type { RunResult } from "./run.js";

/**
 * The lifecycle every runner shares — run folder, lock and manifest; resume's manifest and returns;
 * yields to the event loop; the final-or-checkpoint parameters of `eval` — and, for the step-based
 * runners (A2C, low-rank Q), the whole training loop {@link runSteps}: an algorithm hands in its
 * {@link StepAlgorithm} (config parser, learner, state dict, metric columns) and gets execute,
 * resume, checkpoints every `checkpointEvery` env steps, evaluations, divergence and disk-full endings.
 */

/** Where a new run writes: exactly `dir`, or a new auto-named folder under `outRoot`. */
export interface RunFolderOptions {
  /** Creates `<outRoot>/<env>__<name>__<seed>__<time>/`. */
  outRoot?: string;
  /** Or: run in exactly this directory (created if missing). */
  dir?: string;
}

/** The folder of a new run: `options.dir` (created if missing) or a new one under `options.outRoot` (default `runs`). */
export function runFolder(options: RunFolderOptions, envId: string, name: string, seed: number): string {
  if (options.dir === undefined) return createRunDir(options.outRoot ?? "runs", envId, name, seed);
  if (options.dir.trim() === "")
    throw new Error(
      "run directory: the path is empty (name a folder, or leave it out for an auto-named one)",
    );
  mkdirSync(options.dir, { recursive: true });
  return options.dir;
}

/** The manifest fields that name a run: job id, config, seed, env and algo. */
export function runNaming<Config extends { seed: number; env: string }>(
  config: Config,
  jobId: string,
  algo: string,
) {
  return { jobId, config, seed: config.seed, envId: config.env, algo };
}

/** What a new run's manifest records besides the fields {@link newManifest} fills. */
export interface NewRunFields<Config> {
  jobId: string;
  config: Config;
  seed: number;
  envId: string;
  algo: string;
  parameterCount: Record<string, number>;
  /** The resolved model (grids, ranks, network, hyperparameters). */
  spec: unknown;
  experiment?: string;
}

/** Locks a new run's folder (run.lock) and writes its first manifest ("running"). */
export function startRun<Config>(
  dir: string,
  fields: NewRunFields<Config>,
): { manifest: Manifest<Config>; unlock: () => void } {
  const { parameterCount, spec, experiment, ...identity } = fields;
  const unlock = lockRunDir(dir);
  const manifest = newManifest(identity);
  manifest.parameterCount = parameterCount;
  (manifest as { spec?: unknown }).spec = spec;
  if (experiment !== undefined) manifest.experiment = experiment;
  writeManifest(dir, manifest);
  return { manifest, unlock };
}

/** A resumed run's manifest: "running" again, one more resume (and `config` when given), written. */
export function reopenManifest<Config>(
  dir: string,
  old: Manifest<Config>,
  config?: Config,
): Manifest<Config> {
  const manifest: Manifest<Config> = {
    ...old,
    ...(config !== undefined ? { config } : {}),
    status: "running",
    endTime: null,
    resumes: (old.resumes ?? 0) + 1,
  };
  delete manifest.message;
  writeManifest(dir, manifest);
  return manifest;
}

/** The returns of the episodes a run's metric files hold (rows without one left out). */
export function episodeReturns(dir: string): number[] {
  return metricColumn(readMetrics(dir), METRIC.episodicReturn).filter((x) => !Number.isNaN(x));
}

/** `options.warn`, or a `warning:` line on stderr. */
export function warnOf(options: { warn?: (message: string) => void }): (message: string) => void {
  return options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
}

/** Evaluation seeds `base, base + 1, …` (`count` of them). */
export function evaluationSeeds(count: number, base = EVAL_SEED): number[] {
  return Array.from({ length: count }, (_, i) => base + i);
}

/**
 * The metric columns of a step-based run: global step, episode, return, length and SPS (CleanRL's
 * names), then the algorithm's own, the evaluation's mean and std, then `after`.
 */
export function stepMetricColumns(own: readonly string[], after: readonly string[] = []): readonly string[] {
  const episode = ["global_step", "episode", METRIC.episodicReturn, METRIC.episodicLength, METRIC.sps];
  return [...episode, ...own, METRIC.evalReturn, "eval/episodic_return_std", ...after];
}

/** What `eval` on a run folder takes: episodes, first seed, step cap, and which parameters to score. */
export interface RunEvalOptions {
  episodes?: number;
  seed?: number;
  maxSteps?: number;
  params?: "final" | "checkpoint";
}

/** Wall-clock budget between yields to the event loop (lets SIGINT/SIGTERM handlers run). */
const YIELD_EVERY_MS = 25;

/**
 * A yield to the event loop every ~25 ms of training: `await pause()` between updates lets a stop
 * request land; `pause(true)` yields at once (while a background write is in flight).
 */
export function eventLoopPauser(): (force?: boolean) => Promise<void> {
  let lastYield = performance.now();
  return async (force = false) => {
    if (force || performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  };
}

/**
 * Loads the parameters `eval` scores: final_params.json into `fromFinal` (unless `which` is
 * "checkpoint" or the run has none), else the newest usable checkpoint's payload into `fromCheckpoint`.
 */
export function restoreRunParams<Payload>(
  dir: string,
  which: "final" | "checkpoint" | undefined,
  fromFinal: (params: Record<string, number[]>, path: string) => void,
  fromCheckpoint: (payload: Payload) => void,
): void {
  const finalPath = join(dir, RUN_FILES.finalParams);
  if ((which ?? "final") === "final" && existsSync(finalPath)) {
    fromFinal(JSON.parse(readFileSync(finalPath, "utf8")) as Record<string, number[]>, finalPath);
    return;
  }
  const ckpt = loadLatestCheckpoint<Payload>(join(dir, RUN_FILES.checkpointDir));
  if (!ckpt)
    throw new CorruptCheckpointError(`${dir}: no final_params.json and no usable checkpoint to evaluate`);
  fromCheckpoint(ckpt.payload);
}

/** What {@link endRun} closes and reports. */
export interface OpenRun {
  dir: string;
  manifest: Manifest;
  metrics: MetricsWriter;
  unlock: () => void;
  returns: number[];
  parameterCount: Record<string, number>;
}

/**
 * Ends a run with `status`: closes its metric files (unless `closeMetrics` is false: the caller
 * already has), releases run.lock and writes the manifest (status, episodes done, message; end
 * time when completed). A failed run's closing writes are best effort ({@link closingWrite}).
 */
export function endRun(
  run: OpenRun,
  status: RunStatus,
  episodesDone: number,
  message?: string,
  closeMetrics = true,
): RunResult {
  const { dir, manifest } = run;
  const write = (f: () => void): void => closingWrite(status, f);
  if (closeMetrics) write(() => run.metrics.close());
  run.unlock();
  manifest.status = status;
  manifest.episodesDone = episodesDone;
  if (message !== undefined) manifest.message = message;
  else delete manifest.message;
  if (status === "completed") manifest.endTime = new Date().toISOString();
  write(() => writeManifest(dir, manifest));
  const { returns, parameterCount } = run;
  return { dir, jobId: manifest.jobId, status, message, episodesDone, returns, parameterCount };
}

/** The config fields the step loop reads. */
export interface StepRunConfig {
  env: string;
  seed: number;
  /** Env steps (frames) of the run. */
  totalSteps: number;
  /** Env steps between greedy evaluations (0: only at the end). */
  evalEvery: number;
  evalEpisodes: number;
  /** Env steps between checkpoints (0: only at the end). */
  checkpointEvery: number;
  keepCheckpoints: number;
  tensorboard?: false;
}

/** What a step-based run's checkpoint holds: the loop's counters, the learner's state `S` and the metric files' lengths. */
export type StepRunCheckpoint<S> = {
  identity: Record<string, unknown>;
  episode: number;
  globalStep: number;
  /** Step of the last evaluation (evaluations are due every `evalEvery` steps after it). */
  lastEvalStep: number;
} & S & { metrics: MetricsOffset };

/** How a learner reports what it did in one {@link StepLearner.advance}. */
export interface StepLog {
  /** Episodes finished so far. */
  readonly episodes: number;
  /** A finished episode: counted, its return kept, its row written (global step, return, length, SPS, then `extra`). */
  episode(globalStep: number, episodeReturn: number, length: number, extra?: MetricRow): void;
  /** Any other metric row (losses of an update…). */
  write(row: MetricRow): void;
}

/** One algorithm's trainer inside a step-based run. */
export interface StepLearner<S> {
  parameterCount: Record<string, number>;
  /** Env steps (frames) done. */
  readonly globalStep: number;
  /** One unit of training (an update, an episode); throws a DivergenceError on a non-finite loss or parameter. */
  advance(log: StepLog): void;
  /** Greedy evaluation on `seeds` (mean and std of the returns, then whatever eval.json should hold). */
  evaluate(seeds: readonly number[]): { mean: number; std: number };
  /** Everything a checkpoint needs to continue exactly (parameters, optimizer, generators, envs). */
  state(): S;
  /** final_params.json. */
  finalParams(): unknown;
}

/** The pieces an algorithm hands to {@link runSteps} and {@link resumeSteps}. */
export interface StepAlgorithm<C extends StepRunConfig, S> {
  /** Manifest `algo` and the run folder's name part. */
  algo: string;
  /** How messages and checkpoint notes count progress. */
  counter: "frame" | "step";
  columns: readonly string[];
  /** The policy eval.json describes. */
  evalProtocol: string;
  parse(raw: unknown): C;
  /** The config fields that change results: the job id hashes them, and a checkpoint must match them but for `totalSteps`. */
  resultDefining(config: C): object;
  /** The manifest's `spec`. */
  spec(config: C): unknown;
  /** The learner of a new run, or of a resumed one restored from its checkpoint. */
  learner(config: C, checkpoint?: StepRunCheckpoint<S>): StepLearner<S>;
}

export interface StepRunOptions extends RunFolderOptions {
  /** Called after every update (or episode) with the env steps done. */
  onProgress?: (globalStep: number) => void;
  /** A stop request (SIGINT/SIGTERM): checkpoint after the current update, mark "interrupted", return. */
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

interface StepSession<C extends StepRunConfig, S> {
  dir: string;
  config: C;
  manifest: Manifest<C>;
  learner: StepLearner<S>;
  metrics: MetricsWriter;
  episode: number;
  lastEvalStep: number;
  returns: number[];
  unlock: () => void;
}

/**
 * Runs `(config, seed) → run directory` for a step-based algorithm: manifest (config and the
 * resolved model), metrics.jsonl/csv, checkpoints under `checkpoints/`, eval.json and
 * final_params.json. The directory is locked (run.lock) while this process writes it.
 */
export async function runSteps<C extends StepRunConfig, S>(
  algorithm: StepAlgorithm<C, S>,
  rawConfig: unknown,
  options: StepRunOptions,
): Promise<RunResult> {
  const config = algorithm.parse(rawConfig);
  const dir = runFolder(options, config.env, algorithm.algo, config.seed);
  const learner = algorithm.learner(config);
  const { manifest, unlock } = startRun(dir, {
    ...runNaming(
      config,
      makeJobId(algorithm.resultDefining(config), config.seed, packageVersion()),
      algorithm.algo,
    ),
    parameterCount: learner.parameterCount,
    spec: algorithm.spec(config),
  });
  const metrics = MetricsWriter.create(dir, algorithm.columns, { tensorboard: config.tensorboard !== false });
  const session = {
    dir,
    config,
    manifest,
    learner,
    metrics,
    episode: 0,
    lastEvalStep: 0,
    returns: [],
    unlock,
  };
  return trainSteps(algorithm, session, options);
}

/** An algorithm's entry points: `execute(config, options)` ({@link runSteps}) and `resume(dir, options)` ({@link resumeSteps}). */
export function stepRunner<C extends StepRunConfig, S>(algorithm: StepAlgorithm<C, S>) {
  return {
    execute: (rawConfig: unknown, options: StepRunOptions = {}) => runSteps(algorithm, rawConfig, options),
    resume: (dir: string, options: Omit<StepRunOptions, "dir" | "outRoot"> = {}) =>
      resumeSteps(algorithm, dir, options),
  };
}

/**
 * Continues the run in `dir` from its newest valid checkpoint, bit-identically to an uninterrupted
 * run: the learner's state and the metric files are restored (rows after the checkpoint are cut).
 * A completed run is returned as it is; one without a usable checkpoint restarts from step 0.
 */
export async function resumeSteps<C extends StepRunConfig, S>(
  algorithm: StepAlgorithm<C, S>,
  dir: string,
  options: Omit<StepRunOptions, "dir" | "outRoot">,
): Promise<RunResult> {
  const old = readManifest<C>(dir);
  const config = algorithm.parse(old.config);
  if (old.status === "completed") return completedRunResult(dir, old);
  const warn = warnOf(options);
  const unlock = lockRunDir(dir);
  try {
    const ckptDir = join(dir, RUN_FILES.checkpointDir);
    const identity = sameIdentity(checkpointIdentity(algorithm, config));
    const ckpt = loadLatestCheckpoint<StepRunCheckpoint<S>>(ckptDir, warn, identity);
    if (ckpt === null) {
      warn(`${dir}: no usable checkpoint; restarting the run from ${algorithm.counter} 0`);
      unlock();
      return runSteps(algorithm, config, { ...options, dir });
    }
    const p = ckpt.payload;
    const learner = algorithm.learner(config, p);
    const metrics = MetricsWriter.resume(dir, p.metrics, algorithm.columns, {
      tensorboard: config.tensorboard !== false,
    });
    removePartialCheckpoints(ckptDir);
    const manifest = reopenManifest(dir, old);
    const returns = episodeReturns(dir);
    if (returns.length !== p.episode)
      throw new CorruptCheckpointError(
        `${dir}: metrics hold ${returns.length} episodes, the checkpoint ${p.episode}; cannot resume`,
      );
    const session = { dir, config, manifest, learner, metrics, episode: p.episode, returns, unlock };
    return await trainSteps(algorithm, { ...session, lastEvalStep: p.lastEvalStep }, options);
  } catch (err) {
    unlock();
    throw err;
  }
}

/** What a checkpoint must match to be resumed: the result-defining config but for the step budget. */
function checkpointIdentity<C extends StepRunConfig, S>(
  algorithm: StepAlgorithm<C, S>,
  config: C,
): Record<string, unknown> {
  const c: { totalSteps?: number } = { ...algorithm.resultDefining(config) };
  delete c.totalSteps;
  return JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
}

function checkpoint<C extends StepRunConfig, S>(algorithm: StepAlgorithm<C, S>, s: StepSession<C, S>): void {
  const payload = {
    identity: checkpointIdentity(algorithm, s.config),
    episode: s.episode,
    globalStep: s.learner.globalStep,
    lastEvalStep: s.lastEvalStep,
    ...s.learner.state(),
    metrics: s.metrics.getOffset(),
  };
  const dir = join(s.dir, RUN_FILES.checkpointDir);
  saveCheckpoint(dir, s.learner.globalStep, payload, s.config.keepCheckpoints);
}

/**
 * The training loop: one `advance` (an update, an episode) at a time; a greedy evaluation on fixed
 * seeds every `evalEvery` env steps and at the end; a checkpoint after the first advance past
 * every `checkpointEvery` steps. Yields to the event loop every ~25 ms so a stop request lands
 * between advances; a stop writes a checkpoint and marks the run "interrupted".
 */
async function trainSteps<C extends StepRunConfig, S>(
  algorithm: StepAlgorithm<C, S>,
  s: StepSession<C, S>,
  options: StepRunOptions,
): Promise<RunResult> {
  const { config, learner, metrics, dir } = s;
  const total = config.totalSteps;
  const seeds = evaluationSeeds(config.evalEpisodes);
  const sessionStart = performance.now();
  const startStep = learner.globalStep;
  const pause = eventLoopPauser();
  let lastCheckpointStep = learner.globalStep;
  const log: StepLog = {
    get episodes() {
      return s.episode;
    },
    episode(globalStep, episodeReturn, length, extra) {
      s.episode++;
      s.returns.push(episodeReturn);
      const elapsed = (performance.now() - sessionStart) / 1000;
      metrics.write({
        global_step: globalStep,
        episode: s.episode,
        [METRIC.episodicReturn]: episodeReturn,
        [METRIC.episodicLength]: length,
        [METRIC.sps]: elapsed > 0 ? Math.round((globalStep - startStep) / elapsed) : null,
        ...extra,
      });
    },
    write: (row) => metrics.write(row),
  };
  const finish = (status: RunStatus, message?: string): RunResult =>
    endRun({ ...s, parameterCount: learner.parameterCount }, status, s.episode, message);
  const evaluate = () => {
    const e = learner.evaluate(seeds);
    const row = {
      global_step: learner.globalStep,
      [METRIC.evalReturn]: e.mean,
      "eval/episodic_return_std": e.std,
    };
    metrics.write(row);
    s.lastEvalStep = learner.globalStep;
    return e;
  };
  try {
    while (learner.globalStep < total) {
      learner.advance(log);
      const step = learner.globalStep;
      if (config.evalEvery > 0 && step - s.lastEvalStep >= config.evalEvery && step < total) evaluate();
      options.onProgress?.(step);
      const every = config.checkpointEvery;
      if (every > 0 && step < total && Math.floor(step / every) > Math.floor(lastCheckpointStep / every)) {
        checkpoint(algorithm, s);
        lastCheckpointStep = step;
      }
      await pause();
      if (options.signal?.aborted && step < total) {
        checkpoint(algorithm, s);
        const resume = `continue with \`lowrank-rl resume ${dir}\``;
        return finish("interrupted", `stopped at ${algorithm.counter} ${step} of ${total}; ${resume}`);
      }
    }
    const final = evaluate();
    writeJsonAtomic(join(dir, RUN_FILES.evalJson), {
      protocol: algorithm.evalProtocol,
      global_step: learner.globalStep,
      seedBase: seeds[0],
      ...final,
    });
    writeJsonAtomic(join(dir, RUN_FILES.finalParams), learner.finalParams());
    checkpoint(algorithm, s);
    return finish("completed");
  } catch (err) {
    const end = stoppedRunEnding(err, dir, algorithm.counter);
    if (end.status === "diverged") return finish("diverged", end.message);
    finish("failed", end.message);
    throw err;
  }
}
