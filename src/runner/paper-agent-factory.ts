import { NnGaussianAgent } from "../baselines/gaussian-nn-agent.js";
import { LrpgAgent } from "../lrpg/gaussian-lrpg-agent.js";
import { PAPER_TASKS, agentGrids } from "../presets/paper-agents.js";
import type { Rng } from "../random/rng.js";
import type { AgentFactory, RunnableAgent } from "./agent-factory.js";
import type { RunConfig } from "./config.js";
import { compileSchedule } from "./schedule.js";
import { envAgentFactory } from "./env-agent-factory.js";

/**
 * Builds the paper agent of `config.task` (src/presets), overriding rank, grid points per
 * dimension or hidden width and the learning rates from the config (the agents' own
 * `setLearningRates` applies schedules). Envs outside
 * the paper (`config.task === null`) go to {@link envAgentFactory} (their default grid).
 */
export const paperAgentFactory: AgentFactory = (config: RunConfig, rng: Rng): RunnableAgent => {
  if (config.task === null) return envAgentFactory(config, rng);
  const spec = PAPER_TASKS[config.task];
  const lrActor = compileSchedule(config.lrActor, "lrActor", config.episodes)(0);
  const lrCritic = compileSchedule(config.lrCritic, "lrCritic", config.episodes)(0);
  const rates = { lrActor, lrCritic, gamma: config.gamma, rng };
  if (config.algo === "lrpg") {
    const { sigmoidMean, actionClamp, rank } = spec.lrpg;
    const grids = agentGrids(config);
    const lrpg = { actorGrid: grids.actor, criticGrid: grids.critic, rank: config.rank ?? rank };
    return new LrpgAgent({ ...lrpg, ...rates, sigmoidMean, actionClamp });
  }
  const { sigmoidMean, actionClamp, hidden } = spec.nn;
  const stateDim = spec.stateDim;
  return new NnGaussianAgent({
    stateDim,
    hidden: config.hidden ?? hidden,
    ...rates,
    sigmoidMean,
    actionClamp,
  });
};
