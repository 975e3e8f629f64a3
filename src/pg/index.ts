/**
 * Policy-gradient plumbing shared by every agent: the agent interfaces, Monte-Carlo returns,
 * the REINFORCE-with-baseline update rule and the composed agent (parametrization × head × rule),
 * preallocated episode buffers, and `trainReinforce` (the
 * LRPG reference's loop: one episode of ≤ T steps with `agent.act(s, rng)`, then one
 * `agent.learn(episode)`).
 *
 * Seeded-run protocol used by tests, presets and the runner:
 *   const rng = new Rng(seed);                       // the run's generator
 *   const agent = makePaperAgent("lrpg", task, { rng });   // init draws first
 *   const env = makeEnv(id, { rng: rng.fork() });    // env resets from a fork
 *   trainReinforce({ env, agent, rng, episodes, maxSteps });  // one normal() per step for Gaussian
 *                                                    // policies, one uniform() for softmax ones
 */
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
  FusedEpisodes,
} from "./agent.js";
export { discountedReturns } from "./returns.js";
export {
  LOG_SQRT_2PI,
  gaussianLogProb,
  gaussianLogProbSigma,
  softplus,
  softplusInverse,
  gaussianActorLoss,
} from "../heads/gaussian.js";
export {
  ReinforceWithBaseline,
  valueLoss,
  type ActorCriticParts,
  type UpdateRule,
  type UpdateRuleFactory,
} from "./reinforce-baseline.js";
export {
  TransitionBuffer,
  checkTransitionBatch,
  type TransitionBatch,
  type BatchUpdateRule,
  type BatchUpdateRuleFactory,
  type BatchUpdateResult,
} from "./batch-update.js";
export {
  trainBatched,
  everyKEpisodes,
  type TrainBatchedOptions,
  type TrainBatchedResult,
  type EpisodeProtocol,
} from "./batch-update-train.js";
export { gaeAdvantages, standardize } from "./gae.js";
export { ppoSurrogate } from "./ppo.js";
export {
  GaeActorCritic,
  gaeActorCriticRule,
  backpropLogProbs,
  headLogProbs,
  REFERENCE_CRITIC_LBFGS,
  type ActorCriticOptions,
  type ActorCriticObserver,
  type ActorEpochInfo,
  type CriticCallInfo,
  type CriticFit,
  type BlockMode,
  type GaeActorCriticState,
} from "./actor-critic.js";
export {
  trpoStep,
  trpoSolve,
  conjugateGradient,
  scaleToKl,
  backtrackingLineSearch,
  checkTrpoConfig,
  TRPO_EPS,
  type TrpoConfig,
  type TrpoStepInfo,
  type TrpoProblem,
  type ConjugateGradientResult,
  type LineSearchResult,
} from "./trpo.js";
export {
  gaussianPolicyView,
  GaussianFisher,
  gaussianKl,
  gaussianKlGrad,
  meanGaussianKl,
  surrogateLoss,
  type GaussianPolicyView,
  type GaussianPolicyViewOptions,
  type TrpoBatch,
} from "./trpo-gaussian.js";
export {
  stateSigmaPolicyView,
  StateSigmaFisher,
  stateSigmaSurrogateLoss,
  meanStateSigmaKl,
  trpoStepStateSigma,
  type StateSigmaPolicyView,
} from "./trpo-state-sigma.js";
export { TrpoRule, trpoRule, type TrpoRuleOptions, type TrpoUpdateResult } from "./trpo-rule.js";
export { ComposedAgent, checkAgentRates, type ComposedAgentParts } from "./composed-agent.js";
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
