import { appendFileSync, existsSync, rmSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { DqnAgent } from "../dqn/agent.js";
import { evaluateDqn, type EvaluationResult as DqnEvaluationResult } from "../dqn/evaluate.js";
import { singularValues, spectrumSummary } from "../dqn/spectrum.js";
import {
  DqnDivergedError,
  startDqnTraining,
  trainDqn,
  type DqnTrainingLoop,
  type DqnTrainState,
  type EvalRecord,
} from "../dqn/train.js";
import { stoppedRunEnding } from "./divergence.js";
import type { Layer } from "../nn/layer.js";
import { Rng } from "../random/rng.js";
import { FileWriteError, removeStaleTempFiles, writeJsonAtomic } from "./atomic-file.js";
import {
  CorruptCheckpointError,
  loadLatestCheckpoint,
  removePartialCheckpoints,
  saveCheckpoint,
} from "./checkpoint.js";
import { ConfigError } from "./config.js";
import {
  dqnAgentConfig,
  parseDqnRunConfig,
  resultDefiningDqnConfig,
  type DqnRunConfig,
} from "./dqn-config.js";
import { DQN_ENV_SPECS } from "./dqn-envs.js";
import { jobId as makeJobId } from "./job-id.js";
import { readManifest, type Manifest } from "./manifest.js";
import { METRIC, MetricsWriter, type MetricsOffset } from "./metrics.js";
import { packageVersion } from "./provenance.js";
import { RUN_FILES } from "./run-dir.js";
import { lockRunDir } from "./run-lock.js";
import type { RunResult } from "./run.js";
import type { DqnRunSpec } from "./run-spec.js";
import {
  endRun,
  episodeReturns,
  evaluationSeeds,
  eventLoopPauser,
  reopenManifest,
  restoreRunParams,
  runFolder,
  runNaming,
  startRun,
  stepMetricColumns,
  warnOf,
  type RunEvalOptions,
  type OpenRun,
} from "./step-run-lifecycle.js";

/** CleanRL's DQN metric names (cleanrl/dqn.py), plus evaluation and hidden-layer spectrum. */
export const DQN_METRIC_COLUMNS = stepMetricColumns(
  ["charts/epsilon", "losses/td_loss", "losses/q_values", "losses/grad_norm"],
  ["spectrum/effective_rank", "spectrum/energy90_rank", "spectrum/sigma_max"],
);

/** Singular values of the hidden layer over training, one JSON line per record. */
export const DQN_SPECTRA_FILE = "spectra.jsonl";

/** What a DQN checkpoint holds: the training state, what it belongs to, and the run files' lengths. */
export interface DqnRunCheckpoint {
  identity: Record<string, unknown>;
  train: DqnTrainState;
  metrics: MetricsOffset;
  spectraBytes: number;
}

export interface DqnRunOptions {
  /** Creates `<outRoot>/<env>__dqn-[<preset>-]<network>__<seed>__<time>/`. */
  outRoot?: string;
  /** Or: run in exactly this directory. */
  dir?: string;
  /** Progress lines (frame, evaluations, checkpoints); default none. */
  log?: (line: string) => void;
  /** Called every `logEvery` frames with the frames done. */
  onProgress?: (frame: number) => void;
  /** Delete the run's checkpoints once it completes (default: keep them, so it can be extended). */
  removeCheckpointsOnCompletion?: boolean;
  /** Extra manifest field naming the experiment script that started the run. */
  experiment?: string;
  warn?: (message: string) => void;
}

/** Options of the interruptible runs ({@link executeDqnRunAsync}, {@link resumeDqnRunAsync}). */
export interface DqnRunAsyncOptions extends DqnRunOptions {
  /** A stop request (SIGINT/SIGTERM): checkpoint at the current frame, mark "interrupted", return. */
  signal?: AbortSignal;
}

/** The run's network and agent, built from its config and seed (the same draws as ever). */
function buildAgent(config: DqnRunConfig): { agent: DqnAgent; rng: Rng; envRng: Rng } {
  const spec = DQN_ENV_SPECS[config.env];
  const rng = new Rng(config.seed);
  const netRng = rng.fork();
  const envRng = rng.fork();
  let agent: DqnAgent;
  try {
    agent = new DqnAgent({
      makeNetwork: () => spec.buildNetwork(config, netRng),
      config: dqnAgentConfig(config),
      observationDtype: spec.observationDtype,
    });
  } catch (err) {
    throw new ConfigError("network", `config.network = "${config.network}": ${(err as Error).message}`);
  }
  return { agent, rng, envRng };
}

/** What a checkpoint must match to be resumed by a run (the frame budget may grow). */
function identityOf(config: DqnRunConfig, agent: DqnAgent): Record<string, unknown> {
  const c: Partial<DqnRunConfig> = { ...resultDefiningDqnConfig(config) };
  delete c.totalSteps;
  return JSON.parse(
    JSON.stringify({
      config: c,
      network: agent.network.parameters.map((p) => `${p.name} [${p.shape.join("x")}]`),
    }),
  ) as Record<string, unknown>;
}

/** The manifest's record of what ran: network, every hyperparameter of the update. */
export function dqnRunSpec(config: DqnRunConfig, agent?: DqnAgent): DqnRunSpec {
  const spec = DQN_ENV_SPECS[config.env];
  return {
    kind: "dqn",
    network: {
      spec: config.network,
      description: spec.describe,
      precision: config.precision,
      layers: agent ? agent.network.parameters.map((p) => ({ name: p.name, shape: [...p.shape] })) : [],
    },
    hyperparameters: dqnAgentConfig(config),
    observationDtype: spec.observationDtype ?? "float64",
    evaluation: {
      episodes: config.evalEpisodes,
      epsilon: config.evalEpsilon,
      every: config.evalEvery,
      maxSteps: config.evalMaxSteps,
      seedBase: spec.evalSeedBase,
    },
    returnWindow: config.returnWindow,
    threshold: spec.threshold,
  };
}

/** The job id of a DQN (config, seed). */
export function dqnJobId(config: DqnRunConfig): string {
  return makeJobId(resultDefiningDqnConfig(config), config.seed, packageVersion());
}

/** Parameters as a JSON state dict (name → flat values, row-major). */
export function networkStateDict(net: Layer): Record<string, number[]> {
  return Object.fromEntries(net.parameters.map((p) => [p.name, Array.from(p.data)]));
}

function loadStateDict(net: Layer, dict: Record<string, number[]>, source: string): void {
  for (const p of net.parameters) {
    const v = dict[p.name];
    if (!Array.isArray(v) || v.length !== p.data.length)
      throw new Error(`${source}: parameter ${p.name} missing or not ${p.data.length} numbers`);
    p.data.set(v);
  }
}

interface DqnSession {
  dir: string;
  config: DqnRunConfig;
  manifest: Manifest<DqnRunConfig>;
  agent: DqnAgent;
  rng: Rng;
  envRng: Rng;
  metrics: MetricsWriter;
  identity: Record<string, unknown>;
  resume?: DqnTrainState;
  returns: number[];
  unlock: () => void;
}

function evalOptions(config: DqnRunConfig) {
  const spec = DQN_ENV_SPECS[config.env];
  return {
    seeds: evaluationSeeds(config.evalEpisodes, spec.evalSeedBase),
    epsilon: config.evalEpsilon,
    maxSteps: config.evalMaxSteps,
  };
}

/** How a session's training loop ends: completed, interrupted (with a last checkpoint) or failed. */
interface SessionRun {
  loop: DqnTrainingLoop;
  complete: () => RunResult;
  interrupt: () => RunResult;
}

/**
 * Sets a session up to train to its budget: metric rows, spectra, periodic checkpoints; then
 * `complete` writes the final evaluation and files, `interrupt` a last checkpoint at the frame
 * reached (so `resume` goes on from exactly there) and the "interrupted" manifest.
 */
function sessionRun(s: DqnSession, options: DqnRunOptions): SessionRun {
  const { config, agent, metrics, dir } = s;
  const spec = DQN_ENV_SPECS[config.env];
  const log = options.log ?? (() => {});
  const ckptDir = join(dir, RUN_FILES.checkpointDir);
  const spectraPath = join(dir, DQN_SPECTRA_FILE);
  const recordSpectrum = (frame: number): void => {
    const m = spec.spectrumOf(agent.network);
    if (!m) return;
    const sigma = singularValues(m.data, m.rows, m.cols);
    const sum = spectrumSummary(sigma);
    try {
      appendFileSync(spectraPath, JSON.stringify({ global_step: frame, singular_values: sigma }) + "\n");
    } catch (err) {
      // A torn last line is cut off by resume (the checkpoint records the file's length).
      throw new FileWriteError(spectraPath, err, `the spectra before frame ${frame} are kept`);
    }
    metrics.write({
      global_step: frame,
      "spectrum/effective_rank": sum.effectiveRank,
      "spectrum/energy90_rank": sum.energyRank,
      "spectrum/sigma_max": sum.top,
    });
  };
  let savedFrame = -1;
  const save = (train: DqnTrainState): void => {
    const t = performance.now();
    const payload: DqnRunCheckpoint = {
      identity: s.identity,
      train,
      metrics: metrics.getOffset(),
      spectraBytes: existsSync(spectraPath) ? statSync(spectraPath).size : 0,
    };
    const path = saveCheckpoint(ckptDir, train.loop.frame, payload, config.keepCheckpoints, "v8");
    savedFrame = train.loop.frame;
    log(
      `checkpoint at frame ${train.loop.frame}: ${(statSync(path).size / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(2)} s`,
    );
  };
  const env = spec.makeEnv(s.envRng);
  const ev = evalOptions(config);
  if (config.spectrumEvery > 0 && s.resume === undefined) recordSpectrum(0);
  const loop = startDqnTraining({
    env,
    agent,
    resume: s.resume,
    checkpoint: config.checkpointEvery > 0 ? { everyFrames: config.checkpointEvery, save } : undefined,
    totalFrames: config.totalSteps,
    rng: s.rng,
    envSeed: config.seed,
    logInterval: config.logEvery,
    evaluation:
      config.evalEvery > 0 ? { env: spec.makeEvalEnv(), ...ev, interval: config.evalEvery } : undefined,
    onEpisode: (e) => {
      s.returns.push(e.return);
      metrics.write({
        global_step: e.frame,
        episode: e.episode,
        [METRIC.episodicReturn]: e.return,
        [METRIC.episodicLength]: e.length,
      });
    },
    onLog: (l) =>
      metrics.write({
        global_step: l.frame,
        [METRIC.sps]: l.sps,
        "charts/epsilon": l.epsilon,
        "losses/td_loss": l.tdLoss,
        "losses/q_values": l.qMean,
        "losses/grad_norm": l.gradNorm,
      }),
    onEval: (e) => {
      metrics.write({
        global_step: e.frame,
        [METRIC.evalReturn]: e.mean,
        "eval/episodic_return_std": e.std,
      });
      log(`frame ${e.frame}/${config.totalSteps}: eval ${e.mean.toFixed(2)} ± ${e.std.toFixed(2)}`);
    },
    onFrame: (frame) => {
      if (frame % config.logEvery === 0) options.onProgress?.(frame);
      if (config.spectrumEvery > 0 && frame % config.spectrumEvery === 0) recordSpectrum(frame);
    },
  });
  return {
    loop,
    complete: () => {
      const res = loop.result();
      const evaluations: EvalRecord[] = res.evaluations;
      if (evaluations.at(-1)?.frame !== res.frames) {
        // Always end with an evaluation of the final network.
        const e = { frame: res.frames, ...evaluateDqn(agent, spec.makeEvalEnv(), ev) };
        evaluations.push(e);
        metrics.write({
          global_step: e.frame,
          [METRIC.evalReturn]: e.mean,
          "eval/episodic_return_std": e.std,
        });
        log(`final eval ${e.mean.toFixed(2)} ± ${e.std.toFixed(2)}`);
      }
      metrics.close();
      writeJsonAtomic(join(dir, RUN_FILES.evalJson), evaluations);
      writeJsonAtomic(join(dir, RUN_FILES.finalParams), networkStateDict(agent.network));
      if (options.removeCheckpointsOnCompletion) rmSync(ckptDir, { recursive: true, force: true });
      return endRun(openRun(s), "completed", episodeReturns(dir).length, undefined, false);
    },
    interrupt: () => {
      const frame = loop.frame;
      if (savedFrame !== frame) save(loop.snapshot());
      const resume = `continue with \`lowrank-rl resume ${dir}\``;
      const message = `stopped at frame ${frame} of ${config.totalSteps} (checkpoint written); ${resume}`;
      return endRun(openRun(s), "interrupted", s.returns.length, message);
    },
  };
}

/** A session as {@link endRun} closes it. */
function openRun(s: DqnSession): OpenRun {
  return { ...s, parameterCount: { q_network: s.agent.network.parameterCount } };
}

/**
 * The end of a session whose loop threw: a divergence is a result, anything else is rethrown with
 * the manifest "failed". A refused write (disk full) says which checkpoint is kept and how to go on.
 */
function sessionFailed(s: DqnSession, err: unknown): RunResult {
  const end = stoppedRunEnding(err, s.dir, "frame", {
    restart: "start it again with `lowrank-rl run` and its config",
    diverged: (e) => e instanceof DqnDivergedError,
  });
  // The metric files end at their last whole row; resume cuts them back to its checkpoint.
  const closeMetrics = end.status === "diverged" || err instanceof FileWriteError;
  const result = endRun(openRun(s), end.status, s.returns.length, end.message, closeMetrics);
  if (end.status === "diverged") return result;
  throw err;
}

/** Trains a session to its budget in one synchronous call (no stop request can arrive). */
function trainSession(s: DqnSession, options: DqnRunOptions): RunResult {
  try {
    const run = sessionRun(s, options);
    run.loop.runTo(s.config.totalSteps);
    return run.complete();
  } catch (err) {
    return sessionFailed(s, err);
  } finally {
    s.unlock();
  }
}

/** Frames run between clock reads. */
const FRAMES_PER_SLICE = 32;

/**
 * Trains a session to its budget in slices of frames, yielding to the event loop every
 * ~25 ms so that SIGINT/SIGTERM handlers run. Once `signal` is aborted it stops
 * after the current frame: a last checkpoint at that frame, manifest "interrupted". The frames,
 * draws and files are exactly those of {@link trainSession}; only where the run stops differs.
 */
async function trainSessionAsync(s: DqnSession, options: DqnRunAsyncOptions): Promise<RunResult> {
  try {
    const run = sessionRun(s, options);
    const pause = eventLoopPauser();
    while (!run.loop.done) {
      run.loop.runTo(run.loop.frame + FRAMES_PER_SLICE);
      await pause();
      if (options.signal?.aborted && !run.loop.done) return run.interrupt();
    }
    return run.complete();
  } catch (err) {
    return sessionFailed(s, err);
  } finally {
    s.unlock();
  }
}

/**
 * Checks a DQN checkpoint by content before a resume trusts it (its checksum is already verified):
 * the frame is an integer in [0, totalSteps] equal to the header's, the episode counter an
 * integer, the loop's generator valid (never all-zero words), the online and target weights
 * finite, and the optimizer step count no larger than the frames done. The agent's own
 * `setState` then checks shapes and layouts. Throws an Error naming the defect, so
 * {@link loadLatestCheckpoint} falls back to the previous checkpoint.
 */
function checkDqnCheckpoint(p: DqnRunCheckpoint, headerFrame: number, totalSteps: number): void {
  const loop = p?.train?.loop;
  const agent = p?.train?.agent;
  if (!loop || !agent) throw new Error("payload lacks train.loop or train.agent");
  const { frame, episodes } = loop;
  if (!Number.isInteger(frame) || frame < 0 || frame > totalSteps)
    throw new Error(`train.loop.frame must be an integer in [0, ${totalSteps}], got ${String(frame)}`);
  if (frame !== headerFrame)
    throw new Error(`train.loop.frame ${frame} differs from the header's ${headerFrame}`);
  if (!Number.isInteger(episodes) || episodes < 0 || episodes > frame)
    throw new Error(`train.loop.episodes must be an integer in [0, ${frame}], got ${String(episodes)}`);
  Rng.fromState(loop.rng);
  for (const [which, params] of [
    ["online", agent.online],
    ["target", agent.target],
  ] as const) {
    for (const q of params ?? []) {
      const bad = q.data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0)
        throw new Error(
          `train.agent.${which} "${q.name}" has a non-finite weight ${q.data[bad]} at [${bad}]`,
        );
    }
  }
  const step = agent.optimizer?.step;
  if (!Number.isInteger(step) || step < 0 || step > frame)
    throw new Error(`train.agent.optimizer.step must be an integer in [0, ${frame}], got ${String(step)}`);
}

/**
 * Runs a DQN `(config, seed) → run directory`: manifest (config, network and hyperparameters),
 * metrics.jsonl/csv with CleanRL's names, spectra.jsonl, checkpoints every `checkpointEvery`
 * frames under `checkpoints/` (v8 payload: the replay buffer is large), eval.json and
 * final_params.json. The directory is locked (run.lock) while this process writes it.
 * The loop is synchronous: a DQN run stops on SIGINT/SIGTERM without a last checkpoint, and
 * `resume` continues from the newest periodic one ({@link executeDqnRunAsync} stops with one).
 */
export function executeDqnRun(rawConfig: DqnRunConfig | unknown, options: DqnRunOptions = {}): RunResult {
  return trainSession(newSession(rawConfig, options), options);
}

/**
 * {@link executeDqnRun} that yields to the event loop while it trains, so a stop request can
 * arrive: once `options.signal` is aborted, the run writes a checkpoint at the frame it reached,
 * marks the manifest "interrupted" and returns; `resume` then continues bit-identically.
 */
export async function executeDqnRunAsync(
  rawConfig: DqnRunConfig | unknown,
  options: DqnRunAsyncOptions = {},
): Promise<RunResult> {
  return trainSessionAsync(newSession(rawConfig, options), options);
}

/** A new run's directory, manifest, lock and session (validates the config first). */
function newSession(rawConfig: DqnRunConfig | unknown, options: DqnRunOptions): DqnSession {
  const config = parseDqnRunConfig(rawConfig);
  const { agent, rng, envRng } = buildAgent(config);
  // A preset, K-FAC and scattering name the run too: `dqn-rainbow-denoised-trl-0.2`,
  // `dqn-kfac-trl-0.2-scattering` beside `dqn-trl-0.2`.
  const preset = config.preset === "none" ? "" : `${config.preset}-`;
  const kfac = config.optimizer === "kfac" ? "kfac-" : "";
  const front = config.scattering ? "-scattering" : "";
  const dir = runFolder(options, config.env, `dqn-${preset}${kfac}${config.network}${front}`, config.seed);
  const { manifest, unlock } = startRun(dir, {
    ...runNaming(config, dqnJobId(config), "dqn"),
    parameterCount: { q_network: agent.network.parameterCount },
    spec: dqnRunSpec(config, agent),
    experiment: options.experiment,
  });
  rmSync(join(dir, DQN_SPECTRA_FILE), { force: true });
  options.log?.(`${agent.network.parameterCount} parameters → ${dir}`);
  return {
    dir,
    config,
    manifest,
    agent,
    rng,
    envRng,
    metrics: MetricsWriter.create(dir, DQN_METRIC_COLUMNS, { tensorboard: config.tensorboard !== false }),
    identity: identityOf(config, agent),
    returns: [],
    unlock,
  };
}

/**
 * Continues the DQN run in `dir` from its newest valid checkpoint (corrupt ones are reported and
 * skipped), bit-identically to an uninterrupted run: metric rows and spectra after the checkpoint
 * are cut, agent, replay buffer, env and generator restored. `totalSteps` may raise the budget
 * (extending a completed run that kept its checkpoints). Everything is read and validated before
 * any file of the run changes; a run whose writing process is alive is refused.
 */
export function resumeDqnRun(
  dir: string,
  options: Omit<DqnRunOptions, "dir" | "outRoot"> & { totalSteps?: number } = {},
): RunResult {
  return trainSession(resumedSession(dir, options), options);
}

/** {@link resumeDqnRun} that a stop request can interrupt (as {@link executeDqnRunAsync}). */
export async function resumeDqnRunAsync(
  dir: string,
  options: Omit<DqnRunAsyncOptions, "dir" | "outRoot"> & { totalSteps?: number } = {},
): Promise<RunResult> {
  return trainSessionAsync(resumedSession(dir, options), options);
}

/** The session of a resumed run: everything read and validated, files cut back to the checkpoint. */
function resumedSession(
  dir: string,
  options: Omit<DqnRunOptions, "dir" | "outRoot"> & { totalSteps?: number },
): DqnSession {
  const old = readManifest<DqnRunConfig>(dir);
  const config = parseDqnRunConfig({
    ...old.config,
    ...(options.totalSteps !== undefined ? { totalSteps: options.totalSteps } : {}),
  });
  const unlock = lockRunDir(dir);
  try {
    const ckptDir = join(dir, RUN_FILES.checkpointDir);
    const warnings: string[] = [];
    const warn = warnOf(options);
    const ckpt = loadLatestCheckpoint<DqnRunCheckpoint>(
      ckptDir,
      (m) => {
        warnings.push(m);
        warn(m);
      },
      (payload, frame) => checkDqnCheckpoint(payload, frame, config.totalSteps),
    );
    if (ckpt === null)
      throw new CorruptCheckpointError(
        warnings.length > 0
          ? `${dir}: no usable checkpoint (${warnings.join("; ")})`
          : `${dir}: has no checkpoint in ${RUN_FILES.checkpointDir}/ (the run was started with checkpointEvery 0, or stopped before its first checkpoint)`,
      );
    const p = ckpt.payload;
    const frame = p.train.loop.frame;
    if (config.totalSteps < frame)
      throw new ConfigError(
        "totalSteps",
        `config.totalSteps = ${config.totalSteps}: below the checkpoint's frame ${frame}`,
      );
    const { agent, rng, envRng } = buildAgent(config);
    const identity = identityOf(config, agent);
    const diff: string[] = [];
    differences(p.identity, identity, "", diff);
    if (diff.length > 0)
      throw new CorruptCheckpointError(
        `${ckpt.path}: the checkpoint is from a different run setup; differing fields: ${diff.join("; ")}`,
      );
    // Dry run with no frames to go: restores (and so validates) agent, env and loop state.
    trainDqn({
      env: DQN_ENV_SPECS[config.env].makeEnv(envRng),
      agent,
      totalFrames: frame,
      rng,
      envSeed: config.seed,
      resume: p.train,
    });
    const spectra = join(dir, DQN_SPECTRA_FILE);
    if (p.spectraBytes > 0 && (!existsSync(spectra) || statSync(spectra).size < p.spectraBytes))
      throw new CorruptCheckpointError(
        `${spectra}: shorter than the checkpoint's ${p.spectraBytes} bytes; cannot resume`,
      );
    const metrics = MetricsWriter.resume(dir, p.metrics, DQN_METRIC_COLUMNS, {
      tensorboard: config.tensorboard !== false,
    });
    if (existsSync(spectra)) truncateSync(spectra, p.spectraBytes);
    removePartialCheckpoints(ckptDir);
    removeStaleTempFiles(dir);
    const manifest = reopenManifest(dir, old, config);
    options.log?.(`resuming ${dir} at frame ${frame}/${config.totalSteps}`);
    const returns = episodeReturns(dir);
    return {
      dir,
      config,
      manifest,
      agent,
      rng: new Rng(config.seed), // replaced by the checkpoint's generator
      envRng,
      metrics,
      identity,
      resume: p.train,
      returns,
      unlock,
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

/**
 * Evaluates a DQN run's network (final_params.json, or the newest checkpoint's online network)
 * on `episodes` fixed seeds from `seedBase` with ε `epsilon` (defaults: the run's evaluation).
 */
export function evaluateDqnRunDir(
  dir: string,
  opts: RunEvalOptions & { epsilon?: number },
): DqnEvaluationResult & { seeds: number[]; epsilon: number; maxSteps: number } {
  const config = parseDqnRunConfig(readManifest(dir).config);
  const { agent } = buildAgent(config);
  restoreRunParams<DqnRunCheckpoint>(
    dir,
    opts.params,
    (params, path) => loadStateDict(agent.network, params, path),
    (p) => agent.setState(p.train.agent),
  );
  const spec = DQN_ENV_SPECS[config.env];
  const seeds = evaluationSeeds(opts.episodes ?? config.evalEpisodes, opts.seed ?? spec.evalSeedBase);
  const epsilon = opts.epsilon ?? config.evalEpsilon;
  const maxSteps = opts.maxSteps ?? config.evalMaxSteps;
  return {
    ...evaluateDqn(agent, spec.makeEvalEnv(), { seeds, epsilon, maxSteps }),
    seeds,
    epsilon,
    maxSteps,
  };
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + "..." : s;
}

/** Keys (dotted paths) where two JSON-like values differ. */
function differences(a: unknown, b: unknown, path: string, out: string[]): void {
  if (
    a !== null &&
    b !== null &&
    typeof a === "object" &&
    typeof b === "object" &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of [...keys].sort())
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
        out,
      );
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b))
    out.push(`${path || "(root)"}: checkpoint ${describe(a)}, this run ${describe(b)}`);
}
