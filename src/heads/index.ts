/**
 * Distribution heads π(·|z) over the outputs z of a parametrization: sample, log-prob, entropy and
 * the REINFORCE actor loss with its gradient ∂J/∂z (docs/distributions.md).
 */
export type { PolicyHead } from "./head.js";
export { GaussianHead, gaussianLoss, type GaussianHeadOptions, type SigmaMap } from "./gaussian.js";
export { SoftmaxHead, type SoftmaxLogitClamp } from "./softmax.js";
