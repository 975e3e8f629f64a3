/**
 * A sum tree with a min tree beside it (Schaul et al. 2016, proportional prioritization), on
 * typed arrays: leaves hold non-negative priorities pᵢ (i < capacity), every inner node the sum
 * (resp. the minimum over positive leaves) of its two children. Leaf i sits at P + i with
 * P = the smallest power of two ≥ capacity; node k has children 2k, 2k+1 and the root is node 1.
 *
 * An inner node is always recomputed as left + right (never updated by a difference), so the tree
 * is a pure function of its leaves: restoring the leaves and rebuilding gives bit-identical sums.
 */
export class SumTree {
  readonly capacity: number;
  /** Number of leaves of the complete tree (power of two ≥ capacity). */
  readonly leaves: number;
  private readonly sums: Float64Array;
  /** Minimum over positive leaves below each node (+∞ where all are 0). */
  private readonly mins: Float64Array;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`SumTree: capacity must be an integer >= 1, got ${capacity}`);
    this.capacity = capacity;
    let p = 1;
    while (p < capacity) p *= 2;
    this.leaves = p;
    this.sums = new Float64Array(2 * p);
    this.mins = new Float64Array(2 * p).fill(Infinity);
  }

  /** Σᵢ pᵢ. */
  get total(): number {
    return this.sums[1];
  }

  /** minᵢ pᵢ over positive leaves (+∞ when none). */
  get minPositive(): number {
    return this.mins[1];
  }

  get(i: number): number {
    return this.sums[this.leaves + i];
  }

  /** pᵢ ← value (finite, ≥ 0), then the path to the root is recomputed. */
  set(i: number, value: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.capacity)
      throw new RangeError(`SumTree.set: index must be an integer in [0, ${this.capacity - 1}], got ${i}`);
    if (!(value >= 0 && Number.isFinite(value)))
      throw new RangeError(`SumTree.set: priority must be a finite number >= 0, got ${value}`);
    let k = this.leaves + i;
    this.sums[k] = value;
    this.mins[k] = value > 0 ? value : Infinity;
    for (k >>= 1; k >= 1; k >>= 1) this.pull(k);
  }

  /** Sets every leaf from `values` (missing ones 0) and rebuilds all inner nodes bottom-up. */
  setAll(values: ArrayLike<number>): void {
    if (values.length > this.capacity)
      throw new RangeError(`SumTree.setAll: ${values.length} values for capacity ${this.capacity}`);
    for (let i = 0; i < this.leaves; i++) {
      const v = i < values.length ? values[i] : 0;
      if (!(v >= 0 && Number.isFinite(v)))
        throw new RangeError(`SumTree.setAll: priority ${i} must be a finite number >= 0, got ${v}`);
      this.sums[this.leaves + i] = v;
      this.mins[this.leaves + i] = v > 0 ? v : Infinity;
    }
    for (let k = this.leaves - 1; k >= 1; k--) this.pull(k);
  }

  /**
   * The leaf i whose prefix interval [Σ_{j<i} pⱼ, Σ_{j≤i} pⱼ) contains u ∈ [0, total): descend left
   * when u < sum(left), else subtract it and descend right. A subtree with sum 0 is never entered,
   * so round-off near an interval's end cannot land on an empty leaf.
   */
  find(u: number): number {
    if (!(this.sums[1] > 0)) throw new Error("SumTree.find: all priorities are 0");
    let k = 1;
    while (k < this.leaves) {
      const left = this.sums[2 * k];
      const right = this.sums[2 * k + 1];
      if ((u < left && left > 0) || right === 0) k = 2 * k;
      else {
        u -= left;
        k = 2 * k + 1;
      }
    }
    return k - this.leaves;
  }

  private pull(k: number): void {
    this.sums[k] = this.sums[2 * k] + this.sums[2 * k + 1];
    this.mins[k] = Math.min(this.mins[2 * k], this.mins[2 * k + 1]);
  }
}
