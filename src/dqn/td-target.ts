import { argmax } from "./epsilon-greedy.js";

export interface TdTargetInputs {
  /** n-step returns G_i. */
  returns: ArrayLike<number>;
  /** γᵐ per sample, 0 where the episode terminated (see ReplayBuffer.nStepReturn). */
  discounts: ArrayLike<number>;
  /** B×A target-network values Q_θ⁻(s′, ·). */
  qNextTarget: ArrayLike<number>;
  /** B×A online-network values Q_θ(s′, ·); given → Double DQN. */
  qNextOnline?: ArrayLike<number>;
  numActions: number;
}

/**
 * TD targets, written into `out`:
 *   DQN (Mnih et al. 2015):        yᵢ = Gᵢ + dᵢ · maxₐ Q_θ⁻(s′ᵢ, a)
 *   Double DQN (van Hasselt 2016): yᵢ = Gᵢ + dᵢ · Q_θ⁻(s′ᵢ, argmaxₐ Q_θ(s′ᵢ, a))
 * with dᵢ = γᵐ (0 after termination, so nothing is bootstrapped past a terminal state;
 * time-limit truncation keeps dᵢ = γᵐ and bootstraps).
 */
export function tdTargets(inputs: TdTargetInputs, out: Float64Array): Float64Array {
  const { returns, discounts, qNextTarget, qNextOnline, numActions } = inputs;
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
  for (let i = 0; i < batch; i++) {
    const d = discounts[i];
    if (d === 0) {
      out[i] = returns[i];
      continue;
    }
    const off = i * numActions;
    const a = qNextOnline ? argmax(qNextOnline, off, numActions) : argmax(qNextTarget, off, numActions);
    out[i] = returns[i] + d * qNextTarget[off + a];
  }
  return out;
}
