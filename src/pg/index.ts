export type {
  Episode,
  EpisodeInput,
  LearnResult,
  NumberTensor,
  StateDict,
  AgentTrainingState,
  ParameterCount,
  PolicyGradientAgent,
  GaussianPolicyAgent,
  DiscretePolicyAgent,
} from "./agent.js";
export { discountedReturns } from "./returns.js";
export {
  LOG_SQRT_2PI,
  gaussianLogProb,
  gaussianLogProbSigma,
  negLogProbGradMean,
  negLogProbGradLogSigma,
  negLogProbGradSigma,
  sigmoid,
  softplus,
  softplusInverse,
  gaussianActorLoss,
} from "./gaussian.js";
export { EpisodeBuffer, makeEpisode, episodeLength, toEpisode } from "./episode-buffer.js";
export {
  runEpisode,
  trainReinforce,
  episodesToThreshold,
  type EpisodeReport,
  type TrainReinforceOptions,
  type TrainReinforceResult,
} from "./reinforce.js";
export { readTensor, writeTensor, checkStateDictKeys } from "./state-dict.js";
