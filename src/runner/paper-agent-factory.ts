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
  if (config.algo === "lrpg") {
    const c = spec.lrpg;
    const grids = agentGrids(config);
    return new LrpgAgent({
      actorGrid: grids.actor,
      criticGrid: grids.critic,
      rank: config.rank ?? c.rank,
      lrActor,
      lrCritic,
      gamma: config.gamma,
      sigmoidMean: c.sigmoidMean,
      actionClamp: c.actionClamp,
      rng,
    });
  }
  const c = spec.nn;
  return new NnGaussianAgent({
    stateDim: spec.stateDim,
    hidden: config.hidden ?? c.hidden,
    lrActor,
    lrCritic,
    gamma: config.gamma,
    sigmoidMean: c.sigmoidMean,
    actionClamp: c.actionClamp,
    rng,
  });
};
