import type { Rng } from "../random/rng.js";

/**
 * Output gradients of the sampled Fisher loss of a scalar Q-network (docs/kfac.md §10). The network
 * is read as a model of the taken action's return, p(ỹ | s, a) = N(Q(s, a), 1); K-FAC's curvature
 * is that of −(1/B) Σᵢ log p(ỹᵢ | sᵢ, aᵢ) at draws ỹᵢ = Q(sᵢ, aᵢ) + εᵢ, εᵢ ~ N(0, 1), whose gradient is
 *
 *   ∂/∂Q(sᵢ, aᵢ) = −(ỹᵢ − Q(sᵢ, aᵢ))/B = −εᵢ/B,   ∂/∂Q(sᵢ, b) = 0 for b ≠ aᵢ.
 *
 * `noise` holds the εᵢ; `out` (B × A, action-major rows) is overwritten.
 */
export function gaussianFisherGradients(
  actions: Int32Array,
  noise: Float64Array,
  B: number,
  A: number,
  out: Float64Array,
): Float64Array {
  out.fill(0, 0, B * A);
  for (let i = 0; i < B; i++) out[i * A + actions[i]] = -noise[i] / B;
  return out;
}

/**
 * Output gradients of the sampled Fisher loss of a C51 network (docs/kfac.md §10): the taken
 * action's atom distribution p = softmax(z(sᵢ, aᵢ)) is the model, an atom jᵢ ~ p is drawn by
 * inverting its CDF at the uniform uᵢ, and −(1/B) Σᵢ log p_{jᵢ} has the gradient
 *
 *   ∂/∂z(sᵢ, aᵢ)_k = (p_k − 1[k = jᵢ])/B,   zero at the other actions' logits.
 *
 * `logits` are B × A × N (action-major), `out` the same shape (overwritten).
 */
export function categoricalFisherGradients(
  logits: Float64Array,
  actions: Int32Array,
  uniforms: Float64Array,
  B: number,
  A: number,
  N: number,
  out: Float64Array,
): Float64Array {
  out.fill(0, 0, B * A * N);
  for (let i = 0; i < B; i++) {
    const o = (i * A + actions[i]) * N;
    let max = -Infinity;
    for (let k = 0; k < N; k++) max = Math.max(max, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < N; k++) {
      const e = Math.exp(logits[o + k] - max);
      out[o + k] = e;
      sum += e;
    }
    const u = uniforms[i] * sum;
    let acc = 0;
    let j = N - 1;
    for (let k = 0; k < N - 1; k++) {
      acc += out[o + k];
      if (u < acc) {
        j = k;
        break;
      }
    }
    for (let k = 0; k < N; k++) out[o + k] = (out[o + k] / sum - (k === j ? 1 : 0)) / B;
  }
  return out;
}

/** One standard-normal draw per sample from the run's generator (in sample order). */
export function fisherNoise(rng: Rng, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal();
  return out;
}

/** One uniform draw in [0, 1) per sample from the run's generator (in sample order). */
export function fisherUniforms(rng: Rng, out: Float64Array): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform();
  return out;
}
