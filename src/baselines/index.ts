/** The LRPG paper's NN baseline: separate Linear–ReLU–Linear μ- and V-nets, hand-written on Float64Array. */
export { ScalarMlp } from "../parametrizations/mlp.js";
export { NnGaussianAgent, type NnGaussianAgentOptions } from "./gaussian-nn-agent.js";
