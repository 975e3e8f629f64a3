/**
 * LRPG: low-rank policy-gradient agents on a state grid.
 * - `Discretizer`: the reference grid (clip, snap to the nearest of b points, half-to-even, row/col flattening).
 * - `LrpgAgent`: Gaussian policy, μ = [L Rᵀ] at the state's cell (optional sigmoid + action clamp),
 *   scalar log σ (reference) or a low-rank σ matrix; low-rank critic; REINFORCE with baseline.
 * - `SoftmaxLrpgAgent`: discrete actions, logits low-rank over (state row) × (state col, action).
 * - `LowRankCritic`: the Monte-Carlo value baseline on its own grid.
 */
export { Discretizer, roundHalfEven, type DiscretizerOptions } from "./discretizer.js";
export { LowRankCritic, fillReferenceOrder } from "./low-rank-critic.js";
export { LrpgAgent, type LrpgAgentOptions, type SigmaOptions } from "./gaussian-lrpg-agent.js";
export { SoftmaxLrpgAgent, type SoftmaxLrpgAgentOptions } from "./softmax-lrpg-agent.js";
