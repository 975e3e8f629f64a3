import { DiscretizeAction } from "../../src/envs/discretize-action.js";
import type { Env } from "../../src/envs/env.js";
import { makeEnv } from "../../src/envs/registry.js";
import type { PolicyHead } from "../../src/heads/head.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { trainBatched } from "../../src/pg/batch-update-train.js";
import {
  GYM_TASKS,
  gymMethodParts,
  makeGymNnQAgent,
  makeGymPgAgent,
  type GymMethod,
  type GymPgOverrides,
  type GymTaskId,
} from "../../src/presets/gym.js";
import { Rng } from "../../src/random/rng.js";
import { LRQ_ENV_DEFAULTS, type LrqRunConfig } from "../../src/runner/lrq-config.js";
import { buildLrqAgent } from "../../src/runner/lrq-run.js";
import type { TdAgent } from "../../src/valuelearning/agent.js";
import { runTdEpisode } from "../../src/valuelearning/train.js";

/** Evaluation episodes reset with seeds EVAL_SEED0 + i (never drawn from a run's generator). */
export const EVAL_SEED0 = 1_000_000;
/** Episodes of the final evaluation (the thresholds' "mean over 100 episodes"). */
export const FINAL_EVAL_EPISODES = 100;

export interface GymRunOptions {
  task: GymTaskId;
  method: GymMethod;
  seed: number;
  /** Env steps of training (default: the task's budget). */
  totalSteps?: number;
  /** Policy-gradient preset overrides (the search). */
  overrides?: GymPgOverrides;
  /** Episodes of the final evaluation (default 100). */
  finalEpisodes?: number;
}

export interface GymRunResult {
  task: GymTaskId;
  method: GymMethod;
  seed: number;
  params: number;
  /** Env steps at each evaluation and its mean deterministic return. */
  evalSteps: number[];
  evalReturns: number[];
  /** Training steps at the first evaluation whose mean reached the threshold, or null. */
  stepsToThreshold: number | null;
  /** Mean deterministic return over the final evaluation's episodes. */
  finalReturn: number;
  trainSteps: number;
  wallSeconds: number;
}

/** Mean return of `episodes` episodes of the deterministic policy `act` on seeds EVAL_SEED0 + i. */
export function evaluatePolicy(env: Env, act: (obs: Float64Array) => number, episodes: number): number {
  let total = 0;
  for (let i = 0; i < episodes; i++) {
    let obs = env.reset({ seed: EVAL_SEED0 + i }).observation;
    for (;;) {
      const v = env.step(act(obs));
      total += v.reward;
      if (v.terminated || v.truncated) break;
      obs = v.observation;
    }
  }
  return total / episodes;
}

/** The deterministic action of a policy: the head's mode (Gaussian mean, softmax argmax) at the actor's output. */
function modeAction(actor: Parametrization, head: PolicyHead): (obs: Float64Array) => number {
  const z = new Float64Array(head.inputDim);
  return (obs) => {
    actor.forwardOne(obs, z, 0);
    return head.mode(z, 0);
  };
}

/**
 * One run: trains for the budget, evaluating the deterministic policy every `evalEvery` env steps
 * (at the next episode end) on `evalEpisodes` fixed seeds, then once more on `finalEpisodes`.
 * Policy-gradient methods train with `trainBatched` (batches of whole episodes; the env's time
 * limit is a truncation, bootstrapped); `lowrank-q` is the `run --algo lrq` preset of the task
 * (its model, rule and ε schedule) and `nn-q` the same TD agent on a 64×64 network.
 */
export function runGym(o: GymRunOptions): GymRunResult {
  const task = GYM_TASKS[o.task];
  const total = o.totalSteps ?? task.totalSteps;
  const finalEpisodes = o.finalEpisodes ?? FINAL_EVAL_EPISODES;
  const rng = new Rng(o.seed);
  const { algo } = gymMethodParts(o.method);
  const evalEnv = makeEnv(task.id, { rng: new Rng(EVAL_SEED0) });
  const evalSteps: number[] = [];
  const evalReturns: number[] = [];
  let stepsToThreshold: number | null = null;
  let nextEval = task.evalEvery;
  const maybeEvaluate = (steps: number, env: Env, act: (obs: Float64Array) => number): void => {
    if (steps < nextEval) return;
    while (nextEval <= steps) nextEval += task.evalEvery;
    const m = evaluatePolicy(env, act, task.evalEpisodes);
    evalSteps.push(steps);
    evalReturns.push(m);
    if (stepsToThreshold === null && m >= task.threshold) stepsToThreshold = steps;
  };
  const t0 = performance.now();
  let steps = 0;
  if (algo === "q") {
    const lrq = LRQ_ENV_DEFAULTS[o.task];
    const config: LrqRunConfig = { ...lrq, algo: "lrq", env: o.task, seed: o.seed, totalSteps: total };
    const envRng = rng.fork();
    const base = makeEnv(o.task, { rng: envRng });
    const env = lrq.actions === null ? base : new DiscretizeAction(base, lrq.actions);
    const evalQ = lrq.actions === null ? evalEnv : new DiscretizeAction(evalEnv, lrq.actions);
    const A = lrq.actions ?? task.actions!;
    const agent: TdAgent =
      o.method === "lowrank-q"
        ? buildLrqAgent(config, rng, A)
        : makeGymNnQAgent(
            o.task,
            {
              rule: lrq.tdTarget,
              nStep: lrq.nStep,
              gamma: lrq.gamma,
              epsilon: { start: lrq.epsilonStart, end: lrq.epsilonEnd, decaySteps: lrq.epsilonDecaySteps },
              actions: A,
            },
            rng,
          );
    const act = (obs: Float64Array): number => agent.greedy(obs);
    let first = true;
    while (steps < total) {
      const r = runTdEpisode(env, agent, rng, {
        globalStep: steps,
        maxSteps: total - steps,
        resetSeed: first ? o.seed : undefined,
      });
      first = false;
      steps += r.length;
      maybeEvaluate(steps, evalQ, act);
    }
    const finalReturn = evaluatePolicy(evalQ, act, finalEpisodes);
    return finish(agent.q.parameterCount, finalReturn);
  }
  const agent = makeGymPgAgent(o.task, o.method, rng, o.overrides);
  const act = modeAction(agent.actor, agent.head);
  const env = makeEnv(o.task, { rng: rng.fork() });
  trainBatched({
    env,
    actor: agent.actor,
    head: agent.head,
    rule: agent.rule,
    rng,
    episodes: total, // an upper bound: every episode has a step
    maxSteps: 100_000,
    episodesPerUpdate: agent.preset.episodesPerUpdate,
    envSeed: o.seed,
    onEpisode: (_e, _ret, length) => {
      steps += length;
      maybeEvaluate(steps, evalEnv, act);
      return steps < total;
    },
  });
  return finish(agent.params.total, evaluatePolicy(evalEnv, act, finalEpisodes));

  function finish(params: number, finalReturn: number): GymRunResult {
    return {
      task: o.task,
      method: o.method,
      seed: o.seed,
      params,
      evalSteps,
      evalReturns,
      stepsToThreshold,
      finalReturn,
      trainSteps: steps,
      wallSeconds: (performance.now() - t0) / 1000,
    };
  }
}
