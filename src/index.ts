/**
 * lowrank-rl — low-rank reinforcement learning.
 *
 * Layers (each imports only from the ones above it):
 *   wasm                 the WebAssembly SIMD assembler and runtime behind the GEMM, conv and optimizer kernels
 *   random, optim        seeded generator; torch-exact Adam, SGD, RMSProp
 *   factor, nn           low-rank matrices, CP/Tucker tensors, decompositions, cpu/gpu.js backends; NN layers
 *   envs                 Gymnasium-style environments, wrappers, env checker, default grids
 *   pg, lrpg, baselines  REINFORCE plumbing; low-rank policies (LRPG); the NN baseline
 *   dqn, population      DQN with factorized layers; many LRPG agents in lockstep
 *   presets              the LRPG paper's agents and hyperparameters
 *   runner, report, laser  run directories, checkpoints, sweeps; HTML reports; rank reduction of trained policies
 */
export * from "./random/index.js";
export * from "./optim/index.js";
export * from "./factor/index.js";
export * from "./factor/backend/index.js";
export * from "./nn/index.js";
export * from "./envs/index.js";
export * from "./parametrizations/index.js";
export * from "./heads/index.js";
export * from "./pg/index.js";
export * from "./lrpg/index.js";
export * from "./baselines/index.js";
export * from "./presets/index.js";
export * from "./population/index.js";
// Higher-level modules under namespaces (their names overlap: e.g. each has an `evaluate`).
export * as dqn from "./dqn/index.js";
export * as runner from "./runner/index.js";
export * as report from "./report/index.js";
export * as laser from "./laser/index.js";
