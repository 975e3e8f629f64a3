import { NnGaussianAgent } from "../baselines/gaussian-nn-agent.js";
import { LrpgAgent } from "../lrpg/gaussian-lrpg-agent.js";
import { SoftmaxLrpgAgent } from "../lrpg/softmax-lrpg-agent.js";
import { agentGrids } from "../presets/paper-agents.js";
import type { Rng } from "../random/rng.js";
import type { RunnableAgent } from "./agent-factory.js";
import type { RunConfig } from "./config.js";
import { envRunDefaults } from "./env-defaults.js";
import { compileSchedule } from "./schedule.js";

/**
 * The agent of a run on a registered env outside the paper (config.task === null): LRPG on the
 * env's default grid (src/envs/default-grid.ts) — the low-rank softmax policy for Discrete
 * actions, the Gaussian one for a Box — or the NN baseline (Box actions only). `actorBuckets` /
 * `criticBuckets` in the config, when set, put that many points on every state dimension.
 */
export function envAgentFactory(config: RunConfig, rng: Rng): RunnableAgent {
  const d = envRunDefaults(config.env);
  const lrActor = compileSchedule(config.lrActor, "lrActor", config.episodes)(0);
  const lrCritic = compileSchedule(config.lrCritic, "lrCritic", config.episodes)(0);
  const rates = { lrActor, lrCritic, gamma: config.gamma, rng };
  const squash = { sigmoidMean: d.unitInterval, actionClamp: d.unitInterval ? ([0, 1] as const) : undefined };
  if (config.algo === "lrpg") {
    const { actor: actorGrid, critic: criticGrid } = agentGrids({ ...config, task: null });
    const rank = config.rank ?? d.lrpg.rank;
    if (d.actionKind === "discrete") {
      return new SoftmaxLrpgAgent({
        actorGrid,
        criticGrid,
        actionCount: d.actionCount!,
        rank,
        ...rates,
        actorInitScale: d.lrpg.actorInitScale,
        criticInitScale: d.lrpg.criticInitScale,
      });
    }
    return new LrpgAgent({ actorGrid, criticGrid, rank, ...rates, ...squash });
  }
  if (d.nn === null)
    throw new RangeError(
      `config.algo = "nn": the NN baseline needs a continuous (Box) action space, but ${config.env} has discrete actions; use algo "lrpg"`,
    );
  return new NnGaussianAgent({
    stateDim: d.stateDim,
    hidden: config.hidden ?? d.nn.hidden,
    ...rates,
    ...squash,
  });
}
