import { makeEnv } from "../envs/registry.js";
import { LrpgAgent } from "../lrpg/gaussian-lrpg-agent.js";
import { SoftmaxLrpgAgent } from "../lrpg/softmax-lrpg-agent.js";
import type { DiscretizerOptions } from "../lrpg/discretizer.js";
import { Rng } from "../random/rng.js";
import { DISCRETE_TASKS, makeDiscreteLrpgAgent, type DiscreteTask } from "./discrete-agents.js";
import { agentGrids, makePaperAgent, PAPER_TASKS, type PaperTask } from "./paper-agents.js";

export interface LrpgForEnvOptions {
  /** Generator for the init draws (default `new Rng(seed ?? 0)`). */
  rng?: Rng;
  seed?: number;
  /** Overrides; defaults: the preset's for the paper and tuned discrete tasks, else K 4 / lr 1e-2, 1e-1 / γ 0.99 (continuous) and K 3 / lr 5e-2, 1e-1 / γ 0.99 (discrete). */
  rank?: number;
  lrActor?: number;
  lrCritic?: number;
  gamma?: number;
  /** Actor and critic grids (default: the env's `defaultGrids`, or the preset's). */
  grids?: { actor: DiscretizerOptions; critic: DiscretizerOptions };
}

/**
 * An LRPG agent for any registered env with a small vector observation: a Gaussian
 * {@link LrpgAgent} for Box actions (with a sigmoid mean and the action clamped to [0, 1] when
 * the action box is [0, 1], as the reference's rocket), a {@link SoftmaxLrpgAgent} for Discrete
 * ones. The paper's envs (LRPG/*) get exactly `makePaperAgent("lrpg", …)` and CartPole-v1 /
 * Acrobot-v1 the tested `DISCRETE_TASKS` settings, unless overrides are given.
 */
export function makeLrpgAgentForEnv(
  envId: string,
  options: LrpgForEnvOptions = {},
): LrpgAgent | SoftmaxLrpgAgent {
  const rng = options.rng ?? new Rng(options.seed ?? 0);
  const overridden =
    options.rank !== undefined ||
    options.lrActor !== undefined ||
    options.lrCritic !== undefined ||
    options.gamma !== undefined ||
    options.grids !== undefined;
  const paper = (Object.keys(PAPER_TASKS) as PaperTask[]).find((t) => PAPER_TASKS[t].envId === envId);
  if (paper && !overridden) return makePaperAgent("lrpg", paper, { rng });
  if (envId in DISCRETE_TASKS && !overridden) return makeDiscreteLrpgAgent(envId as DiscreteTask, { rng });

  const env = makeEnv(envId);
  const space = env.actionSpace;
  const grids = options.grids ?? agentGrids({ task: null, env: envId });
  const gamma = options.gamma ?? 0.99;
  if (space.kind === "discrete") {
    const discrete = DISCRETE_TASKS[envId as DiscreteTask];
    return new SoftmaxLrpgAgent({
      actorGrid: grids.actor,
      criticGrid: grids.critic,
      actionCount: space.n,
      rank: options.rank ?? discrete?.rank ?? 3,
      lrActor: options.lrActor ?? discrete?.lrActor ?? 5e-2,
      lrCritic: options.lrCritic ?? discrete?.lrCritic ?? 1e-1,
      gamma,
      criticInitScale: 0.1,
      rng,
    });
  }
  if (space.size !== 1) {
    throw new RangeError(
      `makeLrpgAgentForEnv: env "${envId}" has a ${space.size}-dimensional action box; LRPG supports scalar actions`,
    );
  }
  const unitInterval = space.low[0] === 0 && space.high[0] === 1;
  const preset = paper ? PAPER_TASKS[paper].lrpg : undefined;
  return new LrpgAgent({
    actorGrid: grids.actor,
    criticGrid: grids.critic,
    rank: options.rank ?? preset?.rank ?? 4,
    lrActor: options.lrActor ?? preset?.lrActor ?? 1e-2,
    lrCritic: options.lrCritic ?? preset?.lrCritic ?? 1e-1,
    gamma: options.gamma ?? (paper ? PAPER_TASKS[paper].gamma : gamma),
    sigmoidMean: unitInterval,
    actionClamp: unitInterval ? [0, 1] : undefined,
    rng,
  });
}
