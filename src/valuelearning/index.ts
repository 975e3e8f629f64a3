/**
 * Value learning with low-rank action values (docs/value-learning.md): Q(s, a) as a low-rank
 * matrix over (state cell) × (action), or any parametrization with one output per action (the grid
 * low-rank matrix with the action in the column, a CP tensor), trained online on TD targets
 * (Q-learning, SARSA, Expected SARSA, n-step) with an ε-greedy or softmax behaviour policy.
 */
export { CellActionLowRank } from "./cell-action-low-rank.js";
export { Behaviour, type BehaviourKind } from "./behaviour.js";
export { bootstrapValue, nStepTarget, TD_RULES, type TdRule } from "./td-targets.js";
export { TdAgent, type TdAgentOptions, type EpsilonSchedule, type ValueStateDict } from "./agent.js";
export {
  runTdEpisode,
  evaluateGreedy,
  type TdEpisodeOptions,
  type TdEpisodeResult,
  type GreedyEvaluation,
} from "./train.js";
