import type { Env } from "../envs/env.js";
import type { Rng } from "../random/rng.js";
import type { DqnAgent, UpdateStats } from "./agent.js";
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
}

export interface TrainDqnResult {
  episodes: EpisodeRecord[];
  evaluations: EvalRecord[];
  /** Frames actually run (less than totalFrames when `evaluation.stopWhen` fired). */
  frames: number;
  updates: number;
  seconds: number;
}

/**
 * The DQN interaction loop (Mnih et al. 2015, Algorithm 1, with MinAtar's schedule): act ε-greedily
 * (ε from the agent's schedule; uniformly random during the `learningStarts` warm-up), store
 * (s, a, r, s′, terminated, truncated), and after the warm-up do one update every
 * `trainFrequency` frames. Episodes reset on termination or truncation.
 */
export function trainDqn(options: TrainDqnOptions): TrainDqnResult {
  const { env, agent, totalFrames, rng } = options;
  const cfg = agent.config;
  if (!Number.isInteger(totalFrames) || totalFrames < 0)
    throw new RangeError(`trainDqn: totalFrames must be an integer >= 0, got ${totalFrames}`);
  const logInterval = options.logInterval ?? 1000;
  const evaluation = options.evaluation;
  if (evaluation && !(Number.isInteger(evaluation.interval) && evaluation.interval >= 1)) {
    throw new RangeError(`trainDqn: evaluation.interval must be an integer >= 1, got ${evaluation.interval}`);
  }
  const episodes: EpisodeRecord[] = [];
  const evaluations: EvalRecord[] = [];
  const start = performance.now();
  let { observation } = env.reset({ seed: options.envSeed });
  let epReturn = 0;
  let epLength = 0;
  let window = { n: 0, loss: 0, q: 0, norm: 0, normCount: 0 };
  let framesDone = totalFrames;
  for (let frame = 1; frame <= totalFrames; frame++) {
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
        episode: episodes.length + 1,
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
      const s = agent.update(rng);
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
      const sec = (performance.now() - start) / 1000;
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
        framesDone = frame;
        break;
      }
    }
  }
  return {
    episodes,
    evaluations,
    frames: framesDone,
    updates: agent.updates,
    seconds: (performance.now() - start) / 1000,
  };
}
