export { A2c, type A2cOptions, type A2cOptimizerKind, type A2cState, type A2cUpdateInfo } from "./a2c.js";
export { a2cLoss, computeGae, fisherLossGradients, type A2cLossTerms } from "./loss.js";
export {
  ActorCriticNetwork,
  minatarActorCritic,
  mlpActorCritic,
  vectorModes,
  type MinAtarActorCriticOptions,
  type MlpActorCriticOptions,
  type TrunkLayerSpec,
} from "./network.js";
export { SyncVectorEnv, type VectorEnvSnapshot, type VectorEpisode } from "./vector-env.js";
