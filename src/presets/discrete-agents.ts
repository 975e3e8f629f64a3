import type { DiscretizerOptions } from "../lrpg/discretizer.js";
import { SoftmaxLrpgAgent } from "../lrpg/softmax-lrpg-agent.js";
import { Rng } from "../random/rng.js";

export type DiscreteTask = "CartPole-v1" | "Acrobot-v1";

/** Settings of the discrete-action LRPG (low-rank softmax) on a Gymnasium task; chosen here, not from a paper. */
export interface DiscreteTaskSpec {
  readonly envId: DiscreteTask;
  readonly stateDim: number;
  readonly actionCount: number;
  /** Registered time limit (the loop's T). */
  readonly maxSteps: number;
  readonly gamma: number;
  /** "Solved" level of the 20-episode moving average used in tests and reports. */
  readonly threshold: number;
  /** Episodes within which the seeded learning test must reach `threshold`. */
  readonly budgetEpisodes: number;
  readonly grid: DiscretizerOptions;
  readonly rank: number;
  readonly lrActor: number;
  readonly lrCritic: number;
  readonly actorInitScale: number;
  readonly criticInitScale: number;
}

/**
 * Low-rank softmax LRPG settings for the discrete Gymnasium tasks.
 * - CartPole-v1, obs [x, ẋ, θ, θ̇]: rows (θ ∈ ±0.21 rad, θ̇ ∈ ±3) 6×6 points, cols (x ∈ ±2.4, ẋ ∈ ±3) 3×3,
 *   2 actions → a 36 × 18 logit matrix of rank 3. Seeds 0–5 reached MA20 ≥ 195 in 49–151 episodes.
 * - Acrobot-v1, obs [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]: rows (cos θ1, sin θ1) 3×3 points,
 *   θ2 ignored (1 point), cols (θ̇1 ∈ ±π, θ̇2 ∈ ±2.25π) 4×4, 3 actions → 9 × 48 of rank 3. Seeds 0–3
 *   reached MA20 ≥ −150 in 121–445 episodes (from ≈ −500).
 */
export const DISCRETE_TASKS: Readonly<Record<DiscreteTask, DiscreteTaskSpec>> = {
  "CartPole-v1": {
    envId: "CartPole-v1",
    stateDim: 4,
    actionCount: 2,
    maxSteps: 500,
    gamma: 0.99,
    threshold: 195,
    budgetEpisodes: 300,
    grid: {
      low: [-2.4, -3, -0.21, -3],
      high: [2.4, 3, 0.21, 3],
      buckets: [3, 3, 6, 6],
      rowDims: [2, 3],
      colDims: [0, 1],
    },
    rank: 3,
    lrActor: 0.05,
    lrCritic: 0.1,
    actorInitScale: 0.1,
    criticInitScale: 0.1,
  },
  "Acrobot-v1": {
    envId: "Acrobot-v1",
    stateDim: 6,
    actionCount: 3,
    maxSteps: 500,
    gamma: 0.99,
    threshold: -150,
    budgetEpisodes: 500,
    grid: {
      low: [-1, -1, -1, -1, -Math.PI, -2.25 * Math.PI],
      high: [1, 1, 1, 1, Math.PI, 2.25 * Math.PI],
      buckets: [3, 3, 1, 1, 4, 4],
      rowDims: [0, 1, 2, 3],
      colDims: [4, 5],
    },
    rank: 3,
    lrActor: 0.05,
    lrCritic: 0.1,
    actorInitScale: 0.1,
    criticInitScale: 0.1,
  },
};

/** A low-rank softmax LRPG agent with the {@link DISCRETE_TASKS} settings (actor and critic on the same grid). */
export function makeDiscreteLrpgAgent(
  task: DiscreteTask,
  options: { seed?: number; rng?: Rng } = {},
): SoftmaxLrpgAgent {
  const spec = (DISCRETE_TASKS as Record<string, DiscreteTaskSpec | undefined>)[task];
  if (!spec)
    throw new RangeError(
      `discrete task must be one of ${Object.keys(DISCRETE_TASKS).join(", ")}; got "${String(task)}"`,
    );
  return new SoftmaxLrpgAgent({
    actorGrid: spec.grid,
    criticGrid: spec.grid,
    actionCount: spec.actionCount,
    rank: spec.rank,
    lrActor: spec.lrActor,
    lrCritic: spec.lrCritic,
    gamma: spec.gamma,
    actorInitScale: spec.actorInitScale,
    criticInitScale: spec.criticInitScale,
    rng: options.rng ?? new Rng(options.seed ?? 0),
  });
}
