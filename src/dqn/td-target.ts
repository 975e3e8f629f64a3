import { argmax } from "./epsilon-greedy.js";

/**
 * Which next action the bootstrap term values (docs/dqn.md §2 and §10):
 *  - q-learning: the greedy one, max_a Q(s′, a);
 *  - sarsa: the action the behaviour policy actually took at s′ (stored in the next replay row);
 *  - expected-sarsa: the expectation under the ε-greedy policy, Σ_a π_ε(a|s′) Q(s′, a).
 */
export type TdTargetRule = "q-learning" | "sarsa" | "expected-sarsa";

export const TD_TARGET_RULES: readonly TdTargetRule[] = ["q-learning", "sarsa", "expected-sarsa"];

export interface TdTargetInputs {
  /** n-step returns G_i. */
  returns: ArrayLike<number>;
  /** γᵐ per sample, 0 where the episode terminated (see ReplayBuffer.nStepReturn). */
  discounts: ArrayLike<number>;
  /** B×A target-network values Q_θ⁻(s′, ·). */
  qNextTarget: ArrayLike<number>;
  /** B×A online-network values Q_θ(s′, ·); given → Double: the online net picks the greedy action. */
  qNextOnline?: ArrayLike<number>;
  numActions: number;
  /** Default "q-learning". */
  rule?: TdTargetRule;
  /** ε of the ε-greedy policy (expected-sarsa, and sarsa rows whose next action is unknown). */
  epsilon?: number;
  /** SARSA: the action taken at s′ per sample, −1 where the buffer does not hold it. */
  nextActions?: ArrayLike<number>;
}

/**
 * Row i of the bootstrap policy π_i(·) over the next actions, written into out[0 … A−1]:
 * a* = argmax of `qSelect` row i (online values under Double, else target values), then
 *   q-learning:      π = 1 at a*;
 *   expected-sarsa:  π(a) = ε/A + (1 − ε)·[a = a*]   (the ε-greedy policy);
 *   sarsa:           π = 1 at the stored next action, or the expected-sarsa row where it is −1
 *                    (truncated or newest transitions: no action was taken from that s′ in the
 *                    buffer; the expectation is the mean of SARSA's target over that action).
 * Returns a* (or the SARSA action) when π is one-hot, −1 when it is spread.
 */
export function bootstrapPolicyRow(
  rule: TdTargetRule,
  qSelect: ArrayLike<number>,
  offset: number,
  numActions: number,
  epsilon: number,
  nextAction: number,
  out: Float64Array,
): number {
  const A = numActions;
  if (rule === "sarsa" && nextAction >= 0) {
    out.fill(0, 0, A);
    out[nextAction] = 1;
    return nextAction;
  }
  const greedy = argmax(qSelect, offset, A);
  if (rule === "q-learning") {
    out.fill(0, 0, A);
    out[greedy] = 1;
    return greedy;
  }
  out.fill(epsilon / A, 0, A);
  out[greedy] += 1 - epsilon;
  return -1;
}

/**
 * TD targets, written into `out`:  yᵢ = Gᵢ + dᵢ · Σₐ πᵢ(a) Q_θ⁻(s′ᵢ, a)  with π from
 * {@link bootstrapPolicyRow}. For q-learning that is
 *   DQN (Mnih et al. 2015):        yᵢ = Gᵢ + dᵢ · maxₐ Q_θ⁻(s′ᵢ, a)
 *   Double DQN (van Hasselt 2016): yᵢ = Gᵢ + dᵢ · Q_θ⁻(s′ᵢ, argmaxₐ Q_θ(s′ᵢ, a))
 * with dᵢ = γᵐ (0 after termination, so nothing is bootstrapped past a terminal state;
 * time-limit truncation keeps dᵢ = γᵐ and bootstraps).
 */
export function tdTargets(inputs: TdTargetInputs, out: Float64Array): Float64Array {
  const { returns, discounts, qNextTarget, qNextOnline, numActions } = inputs;
  const rule = inputs.rule ?? "q-learning";
  const epsilon = inputs.epsilon ?? 0;
  const nextActions = inputs.nextActions;
  const batch = returns.length;
  if (discounts.length !== batch || out.length !== batch) {
    throw new RangeError(`tdTargets: returns, discounts and out must have one entry per sample (${batch})`);
  }
  if (
    qNextTarget.length !== batch * numActions ||
    (qNextOnline && qNextOnline.length !== batch * numActions)
  ) {
    throw new RangeError(`tdTargets: Q arrays must be batch × numActions = ${batch * numActions} long`);
  }
  if (!(epsilon >= 0 && epsilon <= 1))
    throw new RangeError(`tdTargets: epsilon must be in [0, 1], got ${epsilon}`);
  if (rule === "sarsa" && (!nextActions || nextActions.length !== batch))
    throw new RangeError(`tdTargets: the sarsa rule needs nextActions, one per sample (${batch})`);
  const pi = new Float64Array(numActions);
  const select = qNextOnline ?? qNextTarget;
  for (let i = 0; i < batch; i++) {
    const d = discounts[i];
    if (d === 0) {
      out[i] = returns[i];
      continue;
    }
    const off = i * numActions;
    const a = bootstrapPolicyRow(rule, select, off, numActions, epsilon, nextActions?.[i] ?? -1, pi);
    if (a >= 0) {
      out[i] = returns[i] + d * qNextTarget[off + a];
    } else {
      let v = 0;
      for (let b = 0; b < numActions; b++) v += pi[b] * qNextTarget[off + b];
      out[i] = returns[i] + d * v;
    }
  }
  return out;
}
