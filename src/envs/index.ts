export * from "./env.js";
export { Box, Discrete, type Space } from "./spaces.js";
export { CoreEnv, type CoreEnvSpec } from "./core-env.js";
export { angleNormalize } from "./angle.js";
export { PaperPendulumEnv } from "./paper-pendulum.js";
export { PendulumEnv, type PendulumOptions } from "./pendulum.js";
export { Wrapper } from "./wrapper.js";
export { TimeLimit } from "./time-limit.js";
export { makeEnv, listEnvs, registerEnv, envSpec, type EnvSpec, type MakeEnvOptions } from "./registry.js";
