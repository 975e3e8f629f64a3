export { Discretizer, roundHalfEven, type DiscretizerOptions } from "./discretizer.js";
export { LowRankCritic, fillReferenceOrder } from "./low-rank-critic.js";
export { LrpgAgent, type LrpgAgentOptions, type SigmaOptions } from "./gaussian-lrpg-agent.js";
export { SoftmaxLrpgAgent, type SoftmaxLrpgAgentOptions } from "./softmax-lrpg-agent.js";
