/**
 * Environments with the Gymnasium API (see env.ts), matched to golden data from the reference code.
 *
 * | id | reference | action (out-of-range rule) | time limit via makeEnv |
 * |---|---|---|---|
 * | LRPG/Pendulum | matrix-low-rank-pg pendulum.py (balancing) | Box [−2, 2], clipped | none (paper cuts at T = 100) |
 * | LRPG/Acrobot | matrix-low-rank-pg acrobot.py (continuous torque) | Box [−2, 2], clipped | none (T = 1000) |
 * | LRPG/Rocket | matrix-low-rank-pg rocket.py (Goddard, reward ×100) | Box [0, 1], NOT clipped | none (T = 1000) |
 * | Pendulum-v1 | Gymnasium 1.4.0 | Box [−2, 2], clipped | 200 |
 * | Acrobot-v1 | Gymnasium 1.4.0 | Discrete(3) | 500 |
 * | CartPole-v1 | Gymnasium 1.4.0 | Discrete(2) | 500 |
 * | MountainCarContinuous-v0 | Gymnasium 1.4.0 | Box [−1, 1], force clipped, penalty on the raw value | 999 |
 * | Goddard-v0 | osannolik/gym-goddard | Box [0, 1], NOT clipped | 400 |
 * | MinAtar/Breakout | kenjyoung/MinAtar (minatar-breakout.ts) | Discrete(6), or (3) with minimalActions | none |
 *
 * - `makeEnv(id, { rng, maxEpisodeSteps, ...envOptions })` wraps in `TimeLimit` like `gymnasium.make`
 *   (`maxEpisodeSteps: null` = no limit). Randomness: `rng` (the run's generator or a fork), else
 *   `reset({ seed })` re-seeds with `new Rng(seed)`, else `new Rng(DEFAULT_ENV_SEED)`.
 * - NaN/non-finite, wrong-length and (Discrete) non-integer or out-of-range actions throw, naming the space.
 * - `step` returns a fresh observation; `stepInPlace` (every env here; `fastStepper(env)` for any env)
 *   returns one reused view without allocating.
 * - `getState()`/`setState()` are the physical state only; `snapshot()`/`restore()` (the `Resumable`
 *   interface, every env and wrapper here) are the complete resumable state for checkpoints: generator,
 *   ready flag, CartPole's terminated flag, Breakout's sticky-action memory, TimeLimit's step counter,
 *   RecordEpisodeStatistics' counters, layer by layer along the wrapper chain. Custom envs and wrappers
 *   add hidden fields through `CoreEnv.extraLayerFields()` / `Wrapper.layerFields()`.
 */
export * from "./env.js";
export { Box, Discrete, type Space } from "./spaces.js";
export { CoreEnv, type CoreEnvSpec } from "./core-env.js";
export { angleNormalize } from "./angle.js";
export { PaperPendulumEnv } from "./paper-pendulum.js";
export { PendulumEnv, type PendulumOptions } from "./pendulum.js";
export { Wrapper } from "./wrapper.js";
export { TimeLimit } from "./time-limit.js";
export { makeEnv, listEnvs, registerEnv, envSpec, type EnvSpec, type MakeEnvOptions } from "./registry.js";
export { PaperAcrobotEnv } from "./paper-acrobot.js";
export { AcrobotEnv, type AcrobotOptions } from "./acrobot.js";
export { acrobotStep, wrapAngle, acrobotReachedGoal } from "./acrobot-dynamics.js";
export { CartPoleEnv, type CartPoleOptions } from "./cartpole.js";
export { MountainCarContinuousEnv } from "./mountain-car-continuous.js";
export { GoddardEnv, PaperRocketEnv, type GoddardSpec } from "./goddard.js";
export { RecordEpisodeStatistics, type EpisodeStatistics } from "./record-episode-statistics.js";
export { ClipAction } from "./clip-action.js";
export { checkEnv, EnvCheckError, type CheckEnvOptions, type EnvCheckReport } from "./check-env.js";
export { defaultGrid, defaultGrids, listGridEnvs, type GridSpec, type DefaultGrids } from "./default-grid.js";
export * from "./minatar-breakout.js";
export { fastStepper, type FastEnv } from "./fast-stepper.js";
export { DiscretizeAction } from "./discretize-action.js";
export {
  isResumable,
  LeafResumable,
  restoreSnapshot,
  takeSnapshot,
  layerField,
  rngField,
  checkBoolean,
  checkFinite,
  checkInteger,
  checkRng,
  type Resumable,
  type EnvSnapshot,
  type EnvLayerSnapshot,
  type LayerField,
  type LayerFields,
  type RestoreContext,
  type SnapshotTarget,
} from "./resumable.js";
