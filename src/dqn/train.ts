import type { Env } from "../envs/env.js";
import { Rng, type RngState } from "../random/rng.js";
import type { DqnAgent, DqnAgentState, UpdateStats } from "./agent.js";
import { captureEnv, restoreEnv, type EnvSnapshot } from "./env-snapshot.js";
import { evaluateDqn, type EvaluationOptions, type EvaluationResult } from "./evaluate.js";

export interface EpisodeRecord {
  /** Frames (env steps) done when the episode ended. */
  frame: number;
  episode: number;
  return: number;
  length: number;
  truncated: boolean;
}

export interface TrainLogRecord extends UpdateStats {
  frame: number;
  updates: number;
  epsilon: number;
  /** Frames per second since the start of training (CleanRL's `charts/SPS`). */
  sps: number;
}

export interface EvalRecord extends EvaluationResult {
  frame: number;
}

export interface TrainDqnOptions {
  env: Env<unknown, number>;
  agent: DqnAgent;
  /** Env steps to run. */
  totalFrames: number;
  /** Exploration draws and minibatch sampling. */
  rng: Rng;
  /** Seed of the first `env.reset`; later resets continue the env's generator. */
  envSeed: number;
  /** Frames between training-log records (mean of the updates in the window). Default 1000. */
  logInterval?: number;
  /** Periodic evaluation on a separate env. */
  evaluation?: EvaluationOptions & {
    env: Env<unknown, number>;
    interval: number;
    /** Stop training after an evaluation for which this returns true (e.g. "solved"). */
    stopWhen?: (e: EvalRecord) => boolean;
  };
  onEpisode?: (e: EpisodeRecord) => void;
  onLog?: (l: TrainLogRecord) => void;
  onEval?: (e: EvalRecord) => void;
  /** Called every frame after the update (for custom probes such as spectra). */
  onFrame?: (frame: number) => void;
  /**
   * Continue from a {@link DqnTrainState} (from `checkpoint.save`): the agent, the env, the
   * generator and the loop counters are restored, and the loop goes on at frame `loop.frame + 1`
   * with bit-identical results to the uninterrupted run. `rng` and `envSeed` are then not used
   * (the state's generator is); `result.episodes` holds only the episodes of this call.
   */
  resume?: DqnTrainState;
  /**
   * Periodic snapshots: after frame f (all callbacks of frame f done) and f < totalFrames, `save`
   * receives the full state (agent included; copies, safe to keep) when f % everyFrames === 0, or
   * when at least everySeconds of wall time passed since the previous save (or the start). Either
   * or both may be given; where the saves land does not change the run's numbers.
   */
  checkpoint?: { everyFrames?: number; everySeconds?: number; save: (state: DqnTrainState) => void };
}

/** The interaction loop's own state at the end of a frame (everything but the agent). */
export interface DqnLoopState {
  readonly kind: "dqn-loop";
  readonly version: 1;
  /** Frames (env steps) done. */
  readonly frame: number;
  /** Episodes finished. */
  readonly episodes: number;
  /** Return and length so far of the episode in progress. */
  readonly episodeReturn: number;
  readonly episodeLength: number;
  /** The observation the next action is chosen from. */
  readonly observation: Float64Array;
  readonly env: EnvSnapshot;
  /** The run's generator (exploration, minibatches). */
  readonly rng: RngState;
  /** Sums of the training-log window in progress. */
  readonly logWindow: LogWindow;
  /** Evaluations done so far (the schedule itself is `frame % interval`). */
  readonly evaluations: readonly EvalRecord[];
  /** Training seconds before this snapshot (for `sps` after a resume). */
  readonly seconds: number;
}

/**
 * Raised by {@link trainDqn} when an update's TD loss or mean Q value stops being finite (the
 * network's weights or the targets are NaN or infinite): the run cannot recover, so it stops at
 * that frame instead of training on NaN. The message names the frame and the quantity.
 */
export class DqnDivergedError extends Error {
  readonly frame: number;
  readonly quantity: string;
  readonly value: number;
  constructor(frame: number, quantity: string, value: number) {
    super(`diverged at frame ${frame}: ${quantity} = ${value}`);
    this.name = "DqnDivergedError";
    this.frame = frame;
    this.quantity = quantity;
    this.value = value;
  }
}

/** A checkpoint of a {@link trainDqn} call: loop plus agent. */
export interface DqnTrainState {
  readonly loop: DqnLoopState;
  readonly agent: DqnAgentState;
}

interface LogWindow {
  n: number;
  loss: number;
  q: number;
  norm: number;
  normCount: number;
}

function checkLoopState(s: DqnLoopState, agent: DqnAgent, totalFrames: number): void {
  const who = "trainDqn: resume.loop";
  if (s === null || typeof s !== "object" || s.kind !== "dqn-loop")
    throw new TypeError(`${who} must be a loop state (kind "dqn-loop")`);
  if (s.version !== 1) throw new RangeError(`${who}.version is ${String(s.version)}, expected 1`);
  const int = (field: keyof DqnLoopState, hi: number): void => {
    const v = s[field];
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > hi)
      throw new RangeError(`${who}.${field} must be an integer in [0, ${hi}], got ${String(v)}`);
  };
  int("frame", totalFrames);
  int("episodes", s.frame);
  int("episodeLength", s.frame);
  if (!Number.isFinite(s.episodeReturn))
    throw new RangeError(`${who}.episodeReturn must be a finite number, got ${String(s.episodeReturn)}`);
  if (!Number.isFinite(s.seconds) || s.seconds < 0)
    throw new RangeError(`${who}.seconds must be a finite number >= 0, got ${String(s.seconds)}`);
  if (!(s.observation instanceof Float64Array) || s.observation.length !== agent.observationSize)
    throw new RangeError(
      `${who}.observation must be a Float64Array of length ${agent.observationSize} (the network's input size)`,
    );
  const bad = s.observation.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new RangeError(`${who}.observation[${bad}] must be finite, got ${s.observation[bad]}`);
  const w = s.logWindow;
  if (w === null || typeof w !== "object")
    throw new TypeError(`${who}.logWindow must be an object {n, loss, q, norm, normCount}`);
  for (const k of ["n", "loss", "q", "norm", "normCount"] as const) {
    if (typeof w[k] !== "number" || Number.isNaN(w[k]))
      throw new RangeError(`${who}.logWindow.${k} must be a number, got ${String(w[k])}`);
  }
  if (!Array.isArray(s.evaluations)) throw new TypeError(`${who}.evaluations must be an array`);
}

export interface TrainDqnResult {
  episodes: EpisodeRecord[];
  evaluations: EvalRecord[];
  /** Frames actually run (less than totalFrames when `evaluation.stopWhen` fired). */
  frames: number;
  updates: number;
  /** Training wall seconds, including those before a resume. */
  seconds: number;
}

/**
 * The DQN interaction loop (Mnih et al. 2015, Algorithm 1, with MinAtar's schedule): act ε-greedily
 * (ε from the agent's schedule; uniformly random during the `learningStarts` warm-up), store
 * (s, a, r, s′, terminated, truncated), and after the warm-up do one update every
 * `trainFrequency` frames. Episodes reset on termination or truncation.
 */
export function trainDqn(options: TrainDqnOptions): TrainDqnResult {
  const loop = startDqnTraining(options);
  loop.runTo(options.totalFrames);
  return loop.result();
}

/**
 * A {@link trainDqn} call run in pieces, so that a caller can yield to the event loop between
 * them (signal handlers run) and stop at any frame with a full snapshot. Running the pieces
 * back to back is exactly `trainDqn`: the same frames, draws and callbacks in the same order.
 */
export interface DqnTrainingLoop {
  /** Frames done so far. */
  readonly frame: number;
  /** True once `totalFrames` is reached or `evaluation.stopWhen` ended the run. */
  readonly done: boolean;
  /** Runs frames until `lastFrame` (at most `totalFrames`) is done, or the run ends. */
  runTo(lastFrame: number): void;
  /** The full state after the last frame run, as `checkpoint.save` receives it (copies). */
  snapshot(): DqnTrainState;
  /** What the frames run so far give (`frames` = frames done). */
  result(): TrainDqnResult;
}

/** Validates `options`, restores a resume state, resets the env; runs no frame. */
export function startDqnTraining(options: TrainDqnOptions): DqnTrainingLoop {
  const { env, agent, totalFrames } = options;
  const cfg = agent.config;
  if (!Number.isInteger(totalFrames) || totalFrames < 0)
    throw new RangeError(`trainDqn: totalFrames must be an integer >= 0, got ${totalFrames}`);
  const logInterval = options.logInterval ?? 1000;
  const evaluation = options.evaluation;
  if (evaluation && !(Number.isInteger(evaluation.interval) && evaluation.interval >= 1)) {
    throw new RangeError(`trainDqn: evaluation.interval must be an integer >= 1, got ${evaluation.interval}`);
  }
  const ckpt = options.checkpoint;
  if (ckpt) {
    const { everyFrames, everySeconds } = ckpt;
    if (everyFrames !== undefined && !(Number.isInteger(everyFrames) && everyFrames >= 1))
      throw new RangeError(`trainDqn: checkpoint.everyFrames must be an integer >= 1, got ${everyFrames}`);
    if (everySeconds !== undefined && !(everySeconds > 0 && Number.isFinite(everySeconds)))
      throw new RangeError(
        `trainDqn: checkpoint.everySeconds must be a finite number > 0, got ${everySeconds}`,
      );
    if (everyFrames === undefined && everySeconds === undefined)
      throw new RangeError("trainDqn: checkpoint needs everyFrames and/or everySeconds");
  }
  const ckptFrames = ckpt?.everyFrames ?? 0;
  const ckptMs = (ckpt?.everySeconds ?? Infinity) * 1000;
  let lastSave = performance.now();
  const episodes: EpisodeRecord[] = [];
  const evaluations: EvalRecord[] = [];
  const start = performance.now();
  let rng = options.rng;
  let observation: Float64Array;
  let epReturn = 0;
  let epLength = 0;
  let episodeCount = 0;
  let firstFrame = 1;
  let secondsBefore = 0;
  let window: LogWindow = { n: 0, loss: 0, q: 0, norm: 0, normCount: 0 };
  const resume = options.resume;
  if (resume) {
    const loop = resume.loop;
    checkLoopState(loop, agent, totalFrames);
    let resumedRng: Rng;
    try {
      resumedRng = Rng.fromState(loop.rng);
    } catch (err) {
      throw new TypeError(`trainDqn: resume.loop.rng: ${(err as Error).message}`, { cause: err });
    }
    agent.setState(resume.agent); // validates everything before changing anything
    restoreEnv(env, loop.env, "trainDqn: resume.loop");
    rng = resumedRng;
    observation = Float64Array.from(loop.observation);
    epReturn = loop.episodeReturn;
    epLength = loop.episodeLength;
    episodeCount = loop.episodes;
    firstFrame = loop.frame + 1;
    secondsBefore = loop.seconds;
    window = { ...loop.logWindow };
    evaluations.push(...loop.evaluations);
  } else {
    observation = env.reset({ seed: options.envSeed }).observation;
  }
  const elapsed = (): number => secondsBefore + (performance.now() - start) / 1000;
  const snapshot = (frame: number): DqnTrainState => ({
    loop: {
      kind: "dqn-loop",
      version: 1,
      frame,
      episodes: episodeCount,
      episodeReturn: epReturn,
      episodeLength: epLength,
      observation: Float64Array.from(observation),
      env: captureEnv(env),
      rng: rng.getState(),
      logWindow: { ...window },
      evaluations: evaluations.map((e) => ({ ...e, returns: [...e.returns], lengths: [...e.lengths] })),
      seconds: elapsed(),
    },
    agent: agent.getState(),
  });
  let nextFrame = firstFrame;
  let stopped = false;
  const runTo = (lastFrame: number): void => {
    const last = Math.min(lastFrame, totalFrames);
    while (!stopped && nextFrame <= last) {
      const frame = nextFrame;
      runFrame(frame);
      nextFrame = frame + 1;
    }
  };
  /** One frame: act, store, maybe update, callbacks, log, evaluation, periodic checkpoint. */
  const runFrame = (frame: number): void => {
    const warm = frame <= cfg.learningStarts;
    const epsilon = agent.epsilon(frame - 1);
    const action = warm ? rng.integer(agent.numActions) : agent.act(observation, epsilon, rng);
    const r = env.step(action);
    agent.observe(observation, action, r.reward, r.observation, r.terminated, r.truncated);
    epReturn += r.reward;
    epLength++;
    if (r.terminated || r.truncated) {
      const rec = {
        frame,
        episode: ++episodeCount,
        return: epReturn,
        length: epLength,
        truncated: !r.terminated,
      };
      episodes.push(rec);
      options.onEpisode?.(rec);
      observation = env.reset().observation;
      epReturn = 0;
      epLength = 0;
    } else {
      observation = r.observation;
    }
    if (!warm && agent.buffer.size >= cfg.batchSize && frame % cfg.trainFrequency === 0) {
      const s = agent.update(rng, frame - 1);
      if (!Number.isFinite(s.tdLoss)) throw new DqnDivergedError(frame, "losses/td_loss", s.tdLoss);
      if (!Number.isFinite(s.qMean)) throw new DqnDivergedError(frame, "losses/q_values", s.qMean);
      window.n++;
      window.loss += s.tdLoss;
      window.q += s.qMean;
      if (s.gradNorm !== null) {
        window.norm += s.gradNorm;
        window.normCount++;
      }
    }
    options.onFrame?.(frame);
    if (frame % logInterval === 0 && window.n > 0) {
      const sec = elapsed();
      options.onLog?.({
        frame,
        updates: agent.updates,
        epsilon,
        sps: frame / sec,
        tdLoss: window.loss / window.n,
        qMean: window.q / window.n,
        gradNorm: window.normCount > 0 ? window.norm / window.normCount : null,
      });
      window = { n: 0, loss: 0, q: 0, norm: 0, normCount: 0 };
    }
    if (evaluation && frame % evaluation.interval === 0) {
      const e = { frame, ...evaluateDqn(agent, evaluation.env, evaluation) };
      evaluations.push(e);
      options.onEval?.(e);
      if (evaluation.stopWhen?.(e)) {
        stopped = true;
        return;
      }
    }
    if (
      ckpt &&
      frame < totalFrames &&
      ((ckptFrames > 0 && frame % ckptFrames === 0) || performance.now() - lastSave >= ckptMs)
    ) {
      ckpt.save(snapshot(frame));
      lastSave = performance.now();
    }
  };
  const framesDone = (): number => nextFrame - 1;
  return {
    get frame() {
      return framesDone();
    },
    get done() {
      return stopped || nextFrame > totalFrames;
    },
    runTo,
    snapshot: () => snapshot(framesDone()),
    result: () => ({
      episodes,
      evaluations,
      frames: framesDone(),
      updates: agent.updates,
      seconds: elapsed(),
    }),
  };
}
