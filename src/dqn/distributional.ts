/**
 * Categorical (C51) distributional RL (Bellemare et al. 2017): the return of (s, a) is a
 * distribution on N fixed atoms zⱼ = V_min + j·Δz, Δz = (V_max − V_min)/(N − 1), with
 * probabilities pⱼ(s, a) = softmax_j of the network's N logits for action a. Q(s, a) = Σⱼ zⱼ pⱼ.
 * Derivations: docs/dqn.md §12.
 */
export interface CategoricalSupport {
  /** N ≥ 2 atoms. */
  readonly atoms: number;
  readonly vMin: number;
  readonly vMax: number;
}

/** z₀ … z_{N−1}. */
export function atomValues(support: CategoricalSupport): Float64Array {
  const { atoms, vMin, vMax } = support;
  const dz = (vMax - vMin) / (atoms - 1);
  return Float64Array.from({ length: atoms }, (_, j) => vMin + j * dz);
}

/** Throws unless N ≥ 2 is an integer and V_min < V_max are finite. */
export function checkSupport(support: CategoricalSupport, who: string): void {
  const { atoms, vMin, vMax } = support;
  if (!Number.isInteger(atoms) || atoms < 2)
    throw new RangeError(`${who}: atoms must be an integer >= 2, got ${atoms}`);
  if (!(Number.isFinite(vMin) && Number.isFinite(vMax) && vMin < vMax))
    throw new RangeError(`${who}: vMin < vMax must be finite, got [${vMin}, ${vMax}]`);
}

/** Row-wise softmax of `rows` rows of n logits (max subtracted first), into `out`. */
export function softmaxRows(
  logits: ArrayLike<number>,
  rows: number,
  n: number,
  out: Float64Array,
): Float64Array {
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let m = -Infinity;
    for (let j = 0; j < n; j++) if (logits[o + j] > m) m = logits[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(logits[o + j] - m);
      out[o + j] = e;
      s += e;
    }
    for (let j = 0; j < n; j++) out[o + j] /= s;
  }
  return out;
}

/** Q(s, a) = Σⱼ zⱼ pⱼ(s, a) for each of `rows` (sample, action) rows of probabilities, into `out`. */
export function expectedValues(
  probs: ArrayLike<number>,
  rows: number,
  z: Float64Array,
  out: Float64Array,
): Float64Array {
  const n = z.length;
  for (let r = 0; r < rows; r++) {
    let q = 0;
    for (let j = 0; j < n; j++) q += z[j] * probs[r * n + j];
    out[r] = q;
  }
  return out;
}

/**
 * The projected distributional Bellman target Φ T̂ for one sample: each atom zⱼ of the bootstrap
 * distribution m̂ (probabilities `next[nextOffset + j]`) moves to T̂zⱼ = clip(G + d·zⱼ, V_min, V_max),
 * and its mass is split between the two neighbouring atoms l = ⌊b⌋, u = ⌈b⌉ of b = (T̂zⱼ − V_min)/Δz
 * in proportion to closeness: m_l += m̂ⱼ(u − b), m_u += m̂ⱼ(b − l) (all of it to l when b is an
 * atom). With d = 0 (terminal) every atom maps to clip(G). Writes N values into out[outOffset …].
 */
export function projectDistribution(
  next: ArrayLike<number>,
  nextOffset: number,
  ret: number,
  discount: number,
  support: CategoricalSupport,
  out: Float64Array,
  outOffset = 0,
): void {
  const { atoms: n, vMin, vMax } = support;
  const dz = (vMax - vMin) / (n - 1);
  out.fill(0, outOffset, outOffset + n);
  for (let j = 0; j < n; j++) {
    const mass = next[nextOffset + j];
    if (mass === 0) continue;
    const tz = Math.min(vMax, Math.max(vMin, ret + discount * (vMin + j * dz)));
    const b = Math.min(n - 1, Math.max(0, (tz - vMin) / dz));
    const l = Math.floor(b);
    const u = Math.ceil(b);
    if (l === u) out[outOffset + l] += mass;
    else {
      out[outOffset + l] += mass * (u - b);
      out[outOffset + u] += mass * (b - l);
    }
  }
}

/**
 * Cross-entropy of the projected targets m (B×N) under the predicted distributions of the taken
 * actions, weighted: L = (1/B) Σᵢ wᵢ ℓᵢ with ℓᵢ = −Σⱼ mᵢⱼ log pⱼ(sᵢ, aᵢ) and p the softmax of the
 * logits (B×A×N). Its gradient w.r.t. the logits is zero except at the taken action, where
 *   ∂L/∂logitᵢⱼ = (wᵢ/B)·(pᵢⱼ·Σₖ mᵢₖ − mᵢⱼ)   (= (wᵢ/B)(pᵢⱼ − mᵢⱼ) since Σₖ mᵢₖ = 1),
 * written into `grad` (B×A×N). Per-sample ℓᵢ go to `perSample` (the priorities of prioritized
 * replay). log p is computed as logit − logsumexp.
 */
export function categoricalLoss(
  logits: ArrayLike<number>,
  actions: ArrayLike<number>,
  targets: ArrayLike<number>,
  weights: ArrayLike<number> | null,
  numActions: number,
  atoms: number,
  grad: Float64Array,
  perSample: Float64Array,
): number {
  const B = actions.length;
  const A = numActions;
  const N = atoms;
  if (logits.length !== B * A * N || grad.length !== B * A * N)
    throw new RangeError(`categoricalLoss: logits and grad must be B×A×N = ${B * A * N} long`);
  if (targets.length !== B * N) throw new RangeError(`categoricalLoss: targets must be B×N = ${B * N} long`);
  grad.fill(0);
  let total = 0;
  for (let i = 0; i < B; i++) {
    const o = (i * A + actions[i]) * N;
    let m = -Infinity;
    for (let j = 0; j < N; j++) if (logits[o + j] > m) m = logits[o + j];
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.exp(logits[o + j] - m);
    const lse = m + Math.log(s);
    let loss = 0;
    let mass = 0;
    for (let j = 0; j < N; j++) {
      const t = targets[i * N + j];
      mass += t;
      if (t !== 0) loss -= t * (logits[o + j] - lse);
    }
    perSample[i] = loss;
    const w = weights ? weights[i] : 1;
    total += w * loss;
    const scale = w / B;
    for (let j = 0; j < N; j++)
      grad[o + j] = scale * (Math.exp(logits[o + j] - lse) * mass - targets[i * N + j]);
  }
  return total / B;
}
