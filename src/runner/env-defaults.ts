import { Box, Discrete } from "../envs/spaces.js";
import { envSpec } from "../envs/registry.js";
import { listGridEnvs } from "../envs/default-grid.js";
import { makeEnv } from "../envs/registry.js";
import { DISCRETE_TASKS, type DiscreteTaskSpec } from "../presets/discrete-agents.js";

/**
 * Run defaults for a registered env outside the LRPG paper (those have a paper preset, see
 * config.ts): any env with a default grid (src/envs/default-grid.ts). The LRPG agent uses that
 * grid for actor and critic; a discrete action space gets the low-rank softmax policy
 * (src/lrpg/softmax-lrpg-agent.ts), a Box one the Gaussian policy (sigmoid mean and [0, 1]
 * clamp when the box is [0, 1], as the paper's rocket). Numbers are this toolkit's choices:
 * the discrete tasks take their rank and learning rates from src/presets/discrete-agents.ts,
 * the rest K = 2, Adam 1e-2 / 1e-1 (the paper's rocket), NN 64 hidden units, Adam 1e-3.
 */
export interface EnvRunDefaults {
  actionKind: "discrete" | "continuous";
  /** Number of discrete actions (discrete only). */
  actionCount?: number;
  stateDim: number;
  episodes: number;
  maxSteps: number;
  gamma: number;
  /** Level of the 20-episode moving average reported as "episodes to threshold". */
  threshold: number;
  lrpg: {
    rank: number;
    lrActor: number;
    lrCritic: number;
    actorInitScale?: number;
    criticInitScale?: number;
  };
  /** The NN baseline (continuous actions only; there is no discrete NN baseline). */
  nn: { hidden: number; lrActor: number; lrCritic: number } | null;
  /** Gaussian LRPG/NN on a [0, 1] box: sigmoid mean, sampled action clamped to [0, 1] before log π. */
  unitInterval: boolean;
}

/** "Solved"-style levels for the reports (toolkit choices; Gymnasium's reward thresholds where they exist). */
const THRESHOLDS: Record<string, number> = {
  "CartPole-v1": 195,
  "Acrobot-v1": -150,
  "Pendulum-v1": -200,
  "MountainCarContinuous-v0": 90,
  "Goddard-v0": 0.0115,
};

/** True when `id` is a registered env with a default grid that is not one of the paper's envs. */
export function isGenericGridEnv(id: string, paperEnvs: readonly string[]): boolean {
  return !paperEnvs.includes(id) && listGridEnvs().includes(id);
}

/** Defaults of a non-paper grid env (throws for envs without a default grid, naming those that have one). */
export function envRunDefaults(id: string): EnvRunDefaults {
  if (!listGridEnvs().includes(id)) {
    envSpec(id); // unknown id: throws listing the registered ids
    throw new RangeError(`env "${id}" has no default grid; envs with one: ${listGridEnvs().join(", ")}`);
  }
  const env = makeEnv(id);
  const obs = env.observationSpace;
  const act = env.actionSpace;
  const stateDim = obs instanceof Box ? obs.size : 1;
  const limit = envSpec(id).maxEpisodeSteps ?? 1000;
  const preset = (DISCRETE_TASKS as Record<string, DiscreteTaskSpec | undefined>)[id];
  const threshold = THRESHOLDS[id] ?? preset?.threshold ?? 0;
  if (act instanceof Discrete) {
    return {
      actionKind: "discrete",
      actionCount: act.n,
      stateDim,
      episodes: preset?.budgetEpisodes ?? 1000,
      maxSteps: preset?.maxSteps ?? limit,
      gamma: preset?.gamma ?? 0.99,
      threshold,
      lrpg: {
        rank: preset?.rank ?? 2,
        lrActor: preset?.lrActor ?? 5e-2,
        lrCritic: preset?.lrCritic ?? 1e-1,
        actorInitScale: preset?.actorInitScale ?? 0.1,
        criticInitScale: preset?.criticInitScale ?? 0.1,
      },
      nn: null,
      unitInterval: false,
    };
  }
  if (!(act instanceof Box) || act.size !== 1)
    throw new RangeError(`env "${id}": the runner supports Discrete or 1-D Box actions, got ${String(act)}`);
  return {
    actionKind: "continuous",
    stateDim,
    episodes: 1000,
    maxSteps: limit,
    gamma: 0.99,
    threshold,
    lrpg: { rank: 2, lrActor: 1e-2, lrCritic: 1e-1 },
    nn: { hidden: 64, lrActor: 1e-3, lrCritic: 1e-3 },
    unitInterval: act.low[0] === 0 && act.high[0] === 1,
  };
}
