import {
  appendFileSync,
  existsSync,
  ftruncateSync,
  openSync,
  closeSync,
  statSync,
  truncateSync,
} from "node:fs";
import { join } from "node:path";
import { makeEnv } from "../envs/registry.js";
import type { Env } from "../envs/env.js";
import type { AgentTrainingState, StateDict } from "../pg/agent.js";
import { EpisodeBuffer } from "../pg/episode-buffer.js";
import { runEpisode } from "../pg/reinforce.js";
import { Rng, type RngState } from "../random/rng.js";
import type { AgentFactory, RunnableAgent } from "./agent-factory.js";
import { FileWriteError, removeStaleTempFiles, writeJsonAtomic } from "./atomic-file.js";
import { checkRunCheckpoint } from "./checkpoint-content.js";
import {
  CorruptCheckpointError,
  loadLatestCheckpoint,
  removePartialCheckpoints,
  saveCheckpoint,
  saveCheckpointAsync,
} from "./checkpoint.js";
import { parseRunConfig, resultDefiningConfig, type RunConfig } from "./config.js";
import {
  DivergenceError,
  findNonFiniteParameter,
  findNonFiniteTensor,
  keptCheckpointNote,
  writeFailureNote,
} from "./divergence.js";
import { evaluatePolicy } from "./evaluate.js";
import { jobId as makeJobId } from "./job-id.js";
import { completedRunResult, readManifest, type Manifest, type RunStatus } from "./manifest.js";
import { METRIC, MetricsWriter, type MetricsOffset, type MetricRow } from "./metrics.js";
import { paperAgentFactory } from "./paper-agent-factory.js";
import { packageVersion } from "./provenance.js";
import { RUN_FILES } from "./run-dir.js";
import { lockRunDir } from "./run-lock.js";
import { pgRunSpec } from "./run-spec.js";
import { compileSchedule } from "./schedule.js";
import {
  endRun,
  episodeReturns,
  eventLoopPauser,
  reopenManifest,
  runFolder,
  runNaming,
  startRun,
  warnOf,
} from "./step-run-lifecycle.js";

/** Everything a checkpoint holds to continue a run exactly (SB3 save format: params + optimizer + RNG + counters). */
export interface RunCheckpoint {
  /** Episodes finished. */
  episode: number;
  globalStep: number;
  params: StateDict;
  training: AgentTrainingState;
  /** The run's generator (actions) and the env's generator (initial states). */
  rng: RngState;
  envRng: RngState;
  metrics: MetricsOffset;
  snapshotsBytes: number;
}

export interface RunOptions {
  /** Creates `<outRoot>/<env>__<algo>__<seed>__<time>/` for the run. */
  outRoot?: string;
  /** Or: run in exactly this directory (created if missing). */
  dir?: string;
  /** Builds the agent (default: the paper presets with the config's overrides). */
  agentFactory?: AgentFactory;
  /** Called after every episode. */
  onEpisode?: (episode: number, episodes: number, episodeReturn: number) => void;
  /** A stop request (SIGINT/SIGTERM or a pool shutdown): checkpoint, mark "interrupted", return. */
  signal?: AbortSignal;
  /** Warnings (corrupt checkpoints skipped…). */
  warn?: (message: string) => void;
}

export interface RunResult {
  dir: string;
  jobId: string;
  status: RunStatus;
  message?: string;
  episodesDone: number;
  returns: number[];
  parameterCount: Record<string, number>;
}

/** The job id of a (config, seed): config fields that do not change results are left out. */
export function runJobId(config: RunConfig): string {
  return makeJobId(resultDefiningConfig(config), config.seed, packageVersion());
}

interface Session {
  dir: string;
  config: RunConfig;
  manifest: Manifest<RunConfig>;
  agent: RunnableAgent;
  env: Env;
  rng: Rng;
  envRng: Rng;
  metrics: MetricsWriter;
  snapshotsPath: string;
  snapshotsBytes: number;
  episode: number;
  globalStep: number;
  returns: number[];
  /** performance.now() of the last checkpoint started (−∞ before the first). */
  lastCheckpointAt: number;
  /** The checkpoint being written in the background (at most one), and whether it has settled. */
  pending: { promise: Promise<unknown>; settled: boolean } | null;
  /** Releases the run directory's lock file. */
  unlock: () => void;
}

function checkFinite(value: number, quantity: string, episode: number, globalStep: number): void {
  if (!Number.isFinite(value)) throw new DivergenceError(episode, globalStep, quantity, value);
}

function appendSnapshot(s: Session, params: StateDict): void {
  const line = JSON.stringify({ episode: s.episode, params }) + "\n";
  try {
    appendFileSync(s.snapshotsPath, line);
  } catch (err) {
    // A torn line is cut off, so the file still ends at the last whole snapshot.
    try {
      truncateSync(s.snapshotsPath, s.snapshotsBytes);
    } catch {
      // Resume cuts it back to its checkpoint's length in any case.
    }
    throw new FileWriteError(s.snapshotsPath, err, `the snapshots before episode ${s.episode} are kept`);
  }
  s.snapshotsBytes += Buffer.byteLength(line);
}

function checkpointPayload(s: Session): RunCheckpoint {
  return {
    episode: s.episode,
    globalStep: s.globalStep,
    params: s.agent.exportStateDict(),
    training: s.agent.getTrainingState(),
    rng: s.rng.getState(),
    envRng: s.envRng.getState(),
    metrics: s.metrics.getOffset(),
    snapshotsBytes: s.snapshotsBytes,
  };
}

/** Waits for the background checkpoint, if any (its errors surface here). */
async function settle(s: Session): Promise<void> {
  if (s.pending) {
    const p = s.pending;
    s.pending = null;
    await p.promise;
  }
}

/**
 * Starts a checkpoint of the current state in the background (the state is serialized now;
 * the write, fsync and rename run on the thread pool while training continues). A previous
 * one still in flight is awaited first, so at most one is pending.
 */
async function checkpointInBackground(s: Session): Promise<void> {
  await settle(s);
  s.lastCheckpointAt = performance.now();
  const pending = {
    promise: saveCheckpointAsync(
      join(s.dir, RUN_FILES.checkpointDir),
      s.episode,
      checkpointPayload(s),
      s.config.keepCheckpoints,
    ),
    settled: false,
  };
  // Mark settled either way; a failure is rethrown by the next settle() (the handler also keeps
  // Node from treating the rejection as unhandled meanwhile).
  pending.promise.then(
    () => (pending.settled = true),
    () => (pending.settled = true),
  );
  s.pending = pending;
}

/** A checkpoint written before returning (at the end of a run, or on a stop request). */
async function checkpointNow(s: Session): Promise<void> {
  await settle(s);
  saveCheckpoint(
    join(s.dir, RUN_FILES.checkpointDir),
    s.episode,
    checkpointPayload(s),
    s.config.keepCheckpoints,
  );
}

/** What {@link trainEpisode} needs besides the session: fixed for the whole training loop. */
interface EpisodeContext {
  lrActor: (episode: number) => number;
  lrCritic: (episode: number) => number;
  scheduled: boolean;
  buffer: EpisodeBuffer;
  fused: ReturnType<NonNullable<Session["agent"]["fusedEpisodes"]>> | null;
  sessionStart: number;
  sessionStartStep: number;
}

/**
 * One episode of a session: set the scheduled learning rates, roll out (a ~ π(·|s) from the run's
 * generator), learn once, guard against divergence, log the row, evaluate and snapshot when due.
 * Returns the episode's return. (Kept out of the asynchronous loop of {@link trainSession}: the
 * loop then stays small, and V8 does not spend an optimizing compile on it.)
 */
function trainEpisode(s: Session, c: EpisodeContext): number {
  const { config } = s;
  const { buffer, fused } = c;
  const e = s.episode; // 0-based index of this episode
  const number = e + 1;
  const la = c.lrActor(e);
  const lc = c.lrCritic(e);
  if (c.scheduled) s.agent.setLearningRates!(la, lc);
  if (fused) fused.runEpisode(s.rng, buffer);
  else runEpisode(s.env, s.agent, s.rng, buffer);
  const steps = buffer.length;
  const stepAfter = s.globalStep + steps;
  const episodeReturn = buffer.totalReward();
  checkFinite(episodeReturn, METRIC.episodicReturn, number, stepAfter);
  const { lossActor, lossCritic } = fused ? fused.learnRecorded(buffer) : s.agent.learn(buffer);
  checkFinite(lossActor, METRIC.lossActor, number, stepAfter);
  checkFinite(lossCritic, METRIC.lossCritic, number, stepAfter);
  const bad = s.agent.parameters
    ? findNonFiniteTensor(s.agent.parameters())
    : findNonFiniteParameter(s.agent.exportStateDict());
  if (bad) throw new DivergenceError(number, stepAfter, `parameter ${bad.path}`, bad.value);
  s.globalStep = stepAfter;
  s.episode = number;
  s.returns.push(episodeReturn);
  const elapsed = (performance.now() - c.sessionStart) / 1000;
  const row: MetricRow = {
    episode: number,
    [METRIC.episodicReturn]: episodeReturn,
    [METRIC.episodicLength]: steps,
    global_step: s.globalStep,
    [METRIC.sps]: elapsed > 0 ? Math.round((s.globalStep - c.sessionStartStep) / elapsed) : null,
    [METRIC.lossActor]: lossActor,
    [METRIC.lossCritic]: lossCritic,
    [METRIC.learningRateActor]: la,
    [METRIC.learningRateCritic]: lc,
  };
  if (config.evalEvery > 0 && number % config.evalEvery === 0) {
    row[METRIC.evalReturn] = evaluatePolicy(s.agent, config, {
      episodes: config.evalEpisodes,
    }).meanReturn;
  }
  s.metrics.write(row);
  if (config.snapshotEvery > 0 && number % config.snapshotEvery === 0)
    appendSnapshot(s, s.agent.exportStateDict());
  return episodeReturn;
}

/**
 * The training loop of a session: {@link trainEpisode} per episode, then a checkpoint when due.
 * Yields to the event loop every ~25 ms so a stop request can land between episodes.
 */
async function trainSession(s: Session, options: RunOptions): Promise<RunResult> {
  const { config } = s;
  const lrActor = compileSchedule(config.lrActor, "lrActor", config.episodes);
  const lrCritic = compileSchedule(config.lrCritic, "lrCritic", config.episodes);
  const scheduled = typeof config.lrActor === "string" || typeof config.lrCritic === "string";
  if (scheduled && typeof s.agent.setLearningRates !== "function") {
    throw new Error(
      `runner: learning-rate schedules need an agent with setLearningRates(); ${config.algo} has none`,
    );
  }
  const buffer = new EpisodeBuffer(s.agent.stateDim, config.maxSteps);
  const context: EpisodeContext = {
    lrActor,
    lrCritic,
    scheduled,
    buffer,
    // The agent's episode loop fused for this env where it has one (bit-identical to runEpisode + learn).
    fused: s.agent.fusedEpisodes?.(s.env) ?? null,
    sessionStart: performance.now(),
    sessionStartStep: s.globalStep,
  };
  const pause = eventLoopPauser();
  const finish = async (status: RunStatus, message?: string): Promise<RunResult> => {
    await settle(s).catch(() => {});
    return endRun({ ...s, parameterCount: { ...s.agent.parameterCount } }, status, s.episode, message);
  };
  try {
    while (s.episode < config.episodes) {
      const episodeReturn = trainEpisode(s, context);
      const number = s.episode;
      if (
        config.checkpointEvery > 0 &&
        number % config.checkpointEvery === 0 &&
        number < config.episodes &&
        performance.now() - s.lastCheckpointAt >= 1000 * config.checkpointMinSeconds
      ) {
        await checkpointInBackground(s);
      }
      options.onEpisode?.(number, config.episodes, episodeReturn);
      // While a checkpoint is in flight, yield every episode so its I/O callbacks run promptly.
      await pause(s.pending !== null && !s.pending.settled);
      if (options.signal?.aborted && s.episode < config.episodes) {
        await checkpointNow(s);
        return finish(
          "interrupted",
          `stopped after episode ${s.episode} of ${config.episodes}; continue with \`lowrank-rl resume ${s.dir}\``,
        );
      }
    }
  } catch (err) {
    if (err instanceof DivergenceError) {
      await settle(s).catch(() => {});
      const note = keptCheckpointNote(
        join(s.dir, RUN_FILES.checkpointDir),
        "episode",
        "lower the learning rates and start a new run",
      );
      return finish("diverged", `${err.message}; ${note}`);
    }
    if (err instanceof FileWriteError) {
      // Disk full (or read-only) mid-run: every file written so far is whole; say what resume has.
      await settle(s).catch(() => {});
      const restart = `\`lowrank-rl resume ${s.dir}\` starts it again from episode 0`;
      err.message += `; ${writeFailureNote(s.dir, "episode", restart)}`;
    }
    // The manifest write may fail on the same full disk: the original error is the one to report.
    await finish("failed", (err as Error).message).catch(() => {});
    throw err;
  }
  writeJsonAtomic(join(s.dir, RUN_FILES.finalParams), s.agent.exportStateDict());
  await checkpointNow(s);
  return finish("completed");
}

/** A session from its run's pieces: the training env drawn from `envRng`, no checkpoint yet. */
function openSession(
  fields: Omit<Session, "env" | "snapshotsPath" | "lastCheckpointAt" | "pending">,
): Session {
  const env = makeEnv(fields.config.env, { rng: fields.envRng, maxEpisodeSteps: null });
  const snapshotsPath = join(fields.dir, RUN_FILES.snapshots);
  return { ...fields, env, snapshotsPath, lastCheckpointAt: -Infinity, pending: null };
}

/**
 * Runs a policy-gradient `(config, seed) → run directory` on the cpu backend: creates the
 * directory, writes the manifest, trains with metrics/checkpoints, and returns the returns and
 * final status. Pure given the config: the seed fixes every random draw (agent init, actions and
 * the env's initial states). {@link executeRun} (./run.ts) takes any algorithm and backend.
 */
export async function executePgRun(config: RunConfig, options: RunOptions): Promise<RunResult> {
  if (config.backend === "gpu")
    throw new Error("executePgRun: the gpu backend runs as a population; use executeRun (runner/run.ts)");
  const dir = runFolder(options, config.env, config.algo, config.seed);
  const rng = new Rng(config.seed);
  const agent = (options.agentFactory ?? paperAgentFactory)(config, rng);
  const envRng = rng.fork();
  const { manifest, unlock } = startRun(dir, {
    ...runNaming(config, runJobId(config), config.algo),
    parameterCount: { ...agent.parameterCount },
    spec: pgRunSpec(config),
  });
  const snapshotsPath = join(dir, RUN_FILES.snapshots);
  closeSync(openSync(snapshotsPath, "w"));
  const metrics = MetricsWriter.create(dir, undefined, { tensorboard: config.tensorboard !== false });
  const counters = { snapshotsBytes: 0, episode: 0, globalStep: 0, returns: [] };
  const session = openSession({ dir, config, manifest, agent, rng, envRng, metrics, unlock, ...counters });
  if (config.snapshotEvery > 0) appendSnapshot(session, agent.exportStateDict());
  return trainSession(session, options);
}

/**
 * Continues the policy-gradient run in `dir` from its newest valid checkpoint (a corrupt newest
 * one is reported and the previous one used; with none, the run restarts from episode 0). The
 * result is bit-identical to a run never interrupted: parameters, Adam moments and step
 * counts, both generators and the metric files are restored to the checkpoint.
 * {@link resumeRun} (./run.ts) takes a run of any algorithm. `restart` starts the run again
 * when no checkpoint is usable (default {@link executePgRun}; ./run.ts passes its `executeRun`,
 * which also restarts gpu-backend runs, written as populations of one without checkpoints).
 */
export async function resumePgRun(
  dir: string,
  options: Omit<RunOptions, "dir" | "outRoot">,
  restart: (config: RunConfig, options: RunOptions) => Promise<RunResult> = executePgRun,
): Promise<RunResult> {
  const old = readManifest<RunConfig>(dir);
  const config = parseRunConfig(old.config);
  if (old.status === "completed") {
    return completedRunResult(dir, old);
  }
  const warn = warnOf(options);
  // Held from here until the session ends (released at once when restarting or on an error).
  const unlock = lockRunDir(dir);
  let ckpt: { payload: RunCheckpoint } | null;
  try {
    ckpt = loadLatestCheckpoint<RunCheckpoint>(join(dir, RUN_FILES.checkpointDir), warn, (payload, episode) =>
      checkRunCheckpoint(payload, episode, config, options.agentFactory ?? paperAgentFactory),
    );
    removePartialCheckpoints(join(dir, RUN_FILES.checkpointDir));
    removeStaleTempFiles(dir);
  } catch (err) {
    unlock();
    throw err;
  }
  if (ckpt === null) {
    warn(`${dir}: no usable checkpoint; restarting the run from episode 0`);
    unlock();
    return restart(config, { ...options, dir });
  }
  try {
    return await resumeFromCheckpoint(dir, old, config, ckpt.payload, options, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function resumeFromCheckpoint(
  dir: string,
  old: Manifest<RunConfig>,
  config: RunConfig,
  p: RunCheckpoint,
  options: Omit<RunOptions, "dir" | "outRoot">,
  unlock: () => void,
): Promise<RunResult> {
  const rng = new Rng(config.seed);
  const agent = (options.agentFactory ?? paperAgentFactory)(config, rng);
  agent.importStateDict(p.params);
  agent.setTrainingState(p.training);
  const runRng = Rng.fromState(p.rng);
  const envRng = Rng.fromState(p.envRng);
  const snapshotsPath = join(dir, RUN_FILES.snapshots);
  const snapshotsSize = existsSync(snapshotsPath) ? statSync(snapshotsPath).size : 0;
  if (snapshotsSize < p.snapshotsBytes)
    throw new CorruptCheckpointError(
      `${snapshotsPath}: ${snapshotsSize} bytes, shorter than the ${p.snapshotsBytes} the checkpoint recorded; the file was cut or edited, so resume refuses to continue it`,
    );
  // Checks the metric files against the checkpoint before anything in the directory changes.
  const metrics = MetricsWriter.resume(dir, p.metrics, undefined, {
    tensorboard: config.tensorboard !== false,
  });
  if (existsSync(snapshotsPath)) {
    const fd = openSync(snapshotsPath, "r+");
    ftruncateSync(fd, p.snapshotsBytes);
    closeSync(fd);
  }
  const manifest = reopenManifest(dir, old);
  const { snapshotsBytes, episode, globalStep } = p;
  const returns = episodeReturns(dir);
  const counters = { snapshotsBytes, episode, globalStep, returns };
  const session = openSession({
    dir,
    config,
    manifest,
    agent,
    rng: runRng,
    envRng,
    metrics,
    unlock,
    ...counters,
  });
  if (session.returns.length !== p.episode)
    throw new Error(
      `${dir}: metrics hold ${session.returns.length} episodes, the checkpoint ${p.episode}; cannot resume`,
    );
  return trainSession(session, options);
}
