import type { Rng } from "../random/rng.js";

/** Index of the largest of q[offset … offset+n−1] (first one on ties, as numpy/torch argmax). */
export function argmax(q: ArrayLike<number>, offset = 0, n = q.length - offset): number {
  let best = 0;
  let bestValue = q[offset];
  for (let a = 1; a < n; a++) {
    const v = q[offset + a];
    if (v > bestValue) {
      bestValue = v;
      best = a;
    }
  }
  return best;
}

/**
 * ε-greedy action (Sutton & Barto 2018 §2.2): with probability ε a uniformly random action,
 * otherwise argmaxₐ Q(s, a). Draws one uniform, plus one integer when exploring.
 * `greedy` is only called when the greedy action is needed (saves a forward pass).
 */
export function epsilonGreedy(epsilon: number, numActions: number, rng: Rng, greedy: () => number): number {
  if (!(epsilon >= 0 && epsilon <= 1))
    throw new RangeError(`epsilonGreedy: epsilon must be in [0, 1], got ${epsilon}`);
  if (rng.uniform() < epsilon) return rng.integer(numActions);
  return greedy();
}
