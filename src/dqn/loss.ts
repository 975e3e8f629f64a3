/** Loss on the TD error δ = Q(s, a) − y. */
export type TdLoss = "huber" | "mse";

/**
 * Mean TD loss over the batch and its gradient w.r.t. each prediction, written into `grad`.
 *  - Huber / smooth-L1 (Huber 1964; torch `smooth_l1_loss` with β = κ):
 *    ℓ(δ) = ½δ²/κ for |δ| < κ, |δ| − ½κ otherwise;  ℓ′(δ) = clip(δ/κ, −1, 1).
 *    (κ = 1 gives MinAtar's and SB3's loss.)
 *  - MSE: ℓ(δ) = δ², ℓ′ = 2δ (CleanRL).
 * L = (1/B) Σᵢ ℓ(δᵢ), ∂L/∂Qᵢ = ℓ′(δᵢ)/B. With importance weights wᵢ (prioritized replay):
 * L = (1/B) Σᵢ wᵢ ℓ(δᵢ), ∂L/∂Qᵢ = wᵢ ℓ′(δᵢ)/B.
 */
export function tdLoss(
  kind: TdLoss,
  predictions: ArrayLike<number>,
  targets: ArrayLike<number>,
  grad: Float64Array,
  kappa = 1,
  weights: ArrayLike<number> | null = null,
): number {
  const b = predictions.length;
  if (targets.length !== b || grad.length !== b)
    throw new RangeError(`tdLoss: predictions, targets and grad must have the same length ${b}`);
  if (!(kappa > 0)) throw new RangeError(`tdLoss: kappa must be > 0, got ${kappa}`);
  if (weights !== null && weights.length !== b)
    throw new RangeError(`tdLoss: weights must have one entry per sample (${b})`);
  let loss = 0;
  for (let i = 0; i < b; i++) {
    const d = predictions[i] - targets[i];
    let l: number;
    if (kind === "mse") {
      l = d * d;
      grad[i] = (2 * d) / b;
    } else if (Math.abs(d) < kappa) {
      l = (0.5 * d * d) / kappa;
      grad[i] = d / kappa / b;
    } else {
      l = Math.abs(d) - 0.5 * kappa;
      grad[i] = Math.sign(d) / b;
    }
    if (weights !== null) {
      const w = weights[i];
      loss += w * l;
      grad[i] *= w;
    } else loss += l;
  }
  return loss / b;
}
