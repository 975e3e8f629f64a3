/**
 * Generalized advantage estimation (Schulman et al. 2016) over a rollout of T steps × E envs stored
 * row-major (index t·E + e), docs/actor-critic.md:
 *   δ_t = r_t + γ (1 − end_t) V(s_{t+1}) − V(s_t),
 *   Â_t = δ_t + γ λ (1 − end_t) Â_{t+1},   Â_T ≡ 0,
 * where V(s_{t+1}) is `values` of step t + 1 (for t = T − 1, `bootstrap`) and end_t says the episode
 * ended at step t (terminated or truncated): the env was then reset, so s_{t+1} belongs to a new
 * episode and neither its value nor its advantages may flow back. A terminated step has no value
 * after it; a truncated one does, and the caller folds it into the reward, r_t + γ V(s_final)
 * (A2c does). λ = 1 gives the n-step advantage of A2C (discounted rewards up to the rollout's
 * or the episode's end plus the bootstrapped value, minus V(s_t)); λ = 0 the one-step TD error.
 * Writes Â into `advantages` and the value targets Â + V into `returns`.
 */
export function computeGae(
  rewards: Float64Array,
  values: Float64Array,
  bootstrap: Float64Array,
  ended: Uint8Array,
  T: number,
  E: number,
  gamma: number,
  lambda: number,
  advantages: Float64Array,
  returns: Float64Array,
): void {
  for (let e = 0; e < E; e++) {
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * E + e;
      const nextValue = t === T - 1 ? bootstrap[e] : values[i + E];
      const delta = rewards[i] + (ended[i] ? 0 : gamma * nextValue) - values[i];
      next = delta + (ended[i] ? 0 : gamma * lambda * next);
      advantages[i] = next;
      returns[i] = next + values[i];
    }
  }
}

/** The three terms of the A2C loss on a batch, each a mean over the N samples. */
export interface A2cLossTerms {
  /** −(1/N) Σ Â_i log π(a_i|s_i). */
  policy: number;
  /** (1/N) Σ ½ (V(s_i) − R_i)². */
  value: number;
  /** (1/N) Σ H(π(·|s_i)). */
  entropy: number;
  /** policy + c_v·value − c_e·entropy. */
  total: number;
}

/**
 * The A2C loss J = policy + c_v·value − c_e·entropy (terms in {@link A2cLossTerms}) and its gradients
 * with respect to the logits z (N × A) and values V (N), with π = softmax(z) (docs/actor-critic.md):
 *   ∂J/∂z_{i,b} = (1/N) [Â_i (π_{i,b} − 1[b = a_i]) + c_e π_{i,b} (log π_{i,b} + H_i)],
 *   ∂J/∂V_i     = (c_v/N) (V_i − R_i).
 * Â and R are constants (no gradient flows into the targets).
 */
export function a2cLoss(
  logits: Float64Array,
  values: Float64Array,
  actions: Int32Array,
  advantages: Float64Array,
  returns: Float64Array,
  N: number,
  A: number,
  valueCoef: number,
  entropyCoef: number,
  gradLogits: Float64Array,
  gradValues: Float64Array,
): A2cLossTerms {
  let policy = 0;
  let value = 0;
  let entropy = 0;
  const logp = new Float64Array(A);
  for (let i = 0; i < N; i++) {
    const o = i * A;
    let max = -Infinity;
    for (let b = 0; b < A; b++) max = Math.max(max, logits[o + b]);
    let sum = 0;
    for (let b = 0; b < A; b++) sum += Math.exp(logits[o + b] - max);
    const lse = max + Math.log(sum);
    let H = 0;
    for (let b = 0; b < A; b++) {
      logp[b] = logits[o + b] - lse;
      H -= Math.exp(logp[b]) * logp[b];
    }
    const a = actions[i];
    const adv = advantages[i];
    policy -= adv * logp[a];
    entropy += H;
    for (let b = 0; b < A; b++) {
      const p = Math.exp(logp[b]);
      gradLogits[o + b] = (adv * (p - (b === a ? 1 : 0)) + entropyCoef * p * (logp[b] + H)) / N;
    }
    const err = values[i] - returns[i];
    value += 0.5 * err * err;
    gradValues[i] = (valueCoef * err) / N;
  }
  policy /= N;
  value /= N;
  entropy /= N;
  return { policy, value, entropy, total: policy + valueCoef * value - entropyCoef * entropy };
}

/**
 * Gradients of ACKTR's sampled Fisher loss, the curvature K-FAC estimates (docs/kfac.md): the policy's
 * −(1/N) Σ log π(a_i|s_i) at actions drawn from π (on-policy rollouts are such draws) and the value
 * head read as a unit-variance Gaussian N(V_i, 1), whose log-likelihood at a draw ṽ_i = V_i + ε_i has
 * gradient −ε_i:  ∂/∂z_{i,b} = (π_{i,b} − 1[b = a_i])/N,  ∂/∂V_i = −ε_i/N. `noise` holds the ε_i.
 */
export function fisherLossGradients(
  logits: Float64Array,
  actions: Int32Array,
  noise: Float64Array,
  N: number,
  A: number,
  gradLogits: Float64Array,
  gradValues: Float64Array,
): void {
  for (let i = 0; i < N; i++) {
    const o = i * A;
    let max = -Infinity;
    for (let b = 0; b < A; b++) max = Math.max(max, logits[o + b]);
    let sum = 0;
    for (let b = 0; b < A; b++) sum += Math.exp(logits[o + b] - max);
    for (let b = 0; b < A; b++) {
      const p = Math.exp(logits[o + b] - max) / sum;
      gradLogits[o + b] = (p - (b === actions[i] ? 1 : 0)) / N;
    }
    gradValues[i] = -noise[i] / N;
  }
}
