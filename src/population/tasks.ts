import type { DiscretizerOptions } from "../lrpg/discretizer.js";
import type { VectorDynamics } from "./vector-dynamics.js";

/**
 * Everything a population of LRPG agents on one task needs: the env dynamics and the agent's
 * hyperparameters. The caller passes it in (the paper's are `PAPER_POPULATION_TASKS` in src/presets).
 */
export interface PopulationTask {
  readonly name: string;
  readonly dynamics: VectorDynamics;
  readonly actorGrid: DiscretizerOptions;
  readonly criticGrid: DiscretizerOptions;
  /** Default K of actor and critic. */
  readonly rank: number;
  readonly lrActor: number;
  readonly lrCritic: number;
  readonly gamma: number;
  /** T: episodes are cut after this many steps (no bootstrap). */
  readonly maxSteps: number;
  /** μ = sigmoid(z) (rocket). */
  readonly sigmoidMean: boolean;
  /** Clamp of the sampled action before it is stored and sent (rocket [0, 1]); null = raw sample. */
  readonly actionClamp: readonly [number, number] | null;
  /** ρ₀ = log σ₀ (reference 1). */
  readonly logSigmaInit: number;
}
