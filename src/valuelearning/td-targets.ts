import { argmax } from "../dqn/epsilon-greedy.js";
import { TD_TARGET_RULES, type TdTargetRule } from "../dqn/td-target.js";

/**
 * The TD rules of value learning (docs/value-learning.md §3), the same names as DQN's targets.
 * Each bootstraps from the action values Q(s′, ·) of the state m steps later:
 *
 *   Q-learning:      B = max_a Q(s′, a)
 *   SARSA:           B = Q(s′, a′), a′ the action the behaviour policy takes (or would take) in s′
 *   Expected SARSA:  B = Σ_a π(a|s′) Q(s′, a), π the behaviour policy (ε-greedy or softmax)
 */
export type TdRule = TdTargetRule;

export const TD_RULES: readonly TdRule[] = TD_TARGET_RULES;

/**
 * B(s′) of `rule` from the A values q[offset … offset+A−1] = Q(s′, ·): `nextAction` is a′ (SARSA),
 * `probs` the behaviour's π(·|s′) (Expected SARSA); the other rules ignore them.
 */
export function bootstrapValue(
  rule: TdRule,
  q: ArrayLike<number>,
  offset: number,
  A: number,
  nextAction: number,
  probs: ArrayLike<number> | null,
): number {
  switch (rule) {
    case "q-learning":
      return q[offset + argmax(q, offset, A)];
    case "sarsa":
      if (!(Number.isInteger(nextAction) && nextAction >= 0 && nextAction < A))
        throw new RangeError(`bootstrapValue: SARSA needs a next action in [0, ${A - 1}], got ${nextAction}`);
      return q[offset + nextAction];
    case "expected-sarsa": {
      if (probs === null || probs.length < A)
        throw new RangeError(`bootstrapValue: Expected SARSA needs the behaviour's ${A} probabilities`);
      let s = 0;
      for (let a = 0; a < A; a++) s += probs[a] * q[offset + a];
      return s;
    }
  }
}

/**
 * The m-step TD target of the transition at index `from`:
 *
 *   y = Σ_{k=0}^{m−1} γᵏ r_{from+k} + (terminated ? 0 : γᵐ · B),
 *
 * `terminated` meaning the episode reached a terminal state at step from+m (nothing follows it, so
 * nothing is bootstrapped). A time-limit cut (truncation) is not terminal: pass terminated = false
 * and B from the last observation. Horner order: y = r₀ + γ(r₁ + γ(… + γ(r_{m−1} + γB))).
 */
export function nStepTarget(
  rewards: ArrayLike<number>,
  from: number,
  m: number,
  gamma: number,
  terminated: boolean,
  bootstrap: number,
): number {
  if (!(Number.isInteger(m) && m >= 1))
    throw new RangeError(`nStepTarget: m must be an integer >= 1, got ${m}`);
  let y = terminated ? 0 : bootstrap;
  for (let k = m - 1; k >= 0; k--) y = rewards[from + k] + gamma * y;
  return y;
}
