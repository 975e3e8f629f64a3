/**
 * LRPG: low-rank policy-gradient agents on a state grid, composed from src/parametrizations
 * (GridLowRank), src/heads and the REINFORCE rule of src/pg.
 * - `Discretizer`: the reference grid (clip, snap to the nearest of b points, half-to-even, row/col flattening).
 * - `LrpgAgent`: Gaussian policy, μ = [L Rᵀ] at the state's cell (optional sigmoid + action clamp),
 *   scalar log σ (reference) or a low-rank σ matrix; low-rank critic; REINFORCE with baseline.
 * - `SoftmaxLrpgAgent`: discrete actions, logits low-rank over (state row) × (state col, action).
 * - `FusedLrpgEpisodes`: `LrpgAgent.fusedEpisodes(env)`, the episode loop fused for the paper's envs
 *   (bit-identical to `runEpisode` + `learn`, docs/performance.md).
 */
export { Discretizer, roundHalfEven, type DiscretizerOptions } from "./discretizer.js";
export { fillReferenceOrder } from "../parametrizations/grid-low-rank.js";
export { LrpgAgent, type LrpgAgentOptions, type SigmaOptions } from "./gaussian-lrpg-agent.js";
export { SoftmaxLrpgAgent, type SoftmaxLrpgAgentOptions } from "./softmax-lrpg-agent.js";
export { CellIndexer, FusedLrpgEpisodes, type FusedLrpgParts } from "./fused-rollout.js";
