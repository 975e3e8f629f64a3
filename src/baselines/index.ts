export { ScalarMlp } from "./scalar-mlp.js";
export { NnGaussianAgent, type NnGaussianAgentOptions } from "./gaussian-nn-agent.js";
