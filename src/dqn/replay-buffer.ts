import type { Rng } from "../random/rng.js";

/** Storage type of the observations in the buffer (uint8 for binary/pixel observations: 8× less memory). */
export type ObservationDtype = "float64" | "float32" | "uint8";

export interface ReplayBufferOptions {
  /** Maximum number of transitions kept; the oldest is overwritten first (FIFO ring). */
  capacity: number;
  /** Length of one flattened observation. */
  observationSize: number;
  observationDtype?: ObservationDtype;
}

/** A sampled minibatch with n-step returns already folded in (see {@link ReplayBuffer.sample}). */
export interface ReplayBatch {
  readonly size: number;
  /** B×D observations s_t. */
  readonly observations: Float64Array;
  readonly actions: Int32Array;
  /** G = Σ_{k<m} γᵏ r_{t+k}, m ≤ n the steps actually used. */
  readonly returns: Float64Array;
  /** B×D observations s_{t+m} to bootstrap from. */
  readonly nextObservations: Float64Array;
  /** γᵐ, or 0 when the episode terminated within the m steps (no bootstrap past a terminal state). */
  readonly discounts: Float64Array;
  /** Ring positions of the sampled s_t. */
  readonly indices: Int32Array;
  /**
   * The action taken at the bootstrap state s_{t+m} (the next row's action), or −1 where the buffer
   * does not hold it: after termination or truncation, and at the newest transition (for SARSA).
   */
  readonly nextActions: Int32Array;
  /** Importance-sampling weights wᵢ (all 1 under uniform sampling; see PrioritizedReplayBuffer). */
  readonly weights: Float64Array;
}

type ObsArray = Float64Array | Float32Array | Uint8Array;

/** Observation length from which gather copies rows with TypedArray.set (below it, two views cost more than the copy). */
const NATIVE_COPY_MIN_LENGTH = 64;

/**
 * A snapshot of a {@link ReplayBuffer} (plain object of typed-array copies, structured-clone and
 * v8.serialize friendly): the `size` stored rows of each array (rows [0, size) of the ring) and the
 * ring cursor (the row the next transition overwrites).
 */
export interface ReplayBufferState extends Pick<
  ReplayBuffer,
  "capacity" | "observationSize" | "observationDtype" | ReplayArrayKey
> {
  readonly kind: "replay-buffer";
  readonly cursor: number;
  readonly size: number;
  /** Prioritized buffers only: the sum tree's leaves pᵢ^α of rows [0, size), and the largest p seen. */
  readonly priorities?: Float64Array;
  readonly maxPriority?: number;
}

/** The per-transition arrays of a {@link ReplayBuffer} (one row each), as its state copies them. */
type ReplayArrayKey =
  "observations" | "nextObservations" | "actions" | "rewards" | "terminated" | "truncated";

const OBS_ARRAY_KIND: Record<ObservationDtype, string> = {
  float64: "Float64Array",
  float32: "Float32Array",
  uint8: "Uint8Array",
};

function typedArrayKind(x: unknown): string {
  if (x instanceof Float64Array) return "Float64Array";
  if (x instanceof Float32Array) return "Float32Array";
  if (x instanceof Uint8Array) return "Uint8Array";
  if (x instanceof Int32Array) return "Int32Array";
  return x === null ? "null" : Array.isArray(x) ? "Array" : typeof x;
}

function makeObsArray(dtype: ObservationDtype, length: number): ObsArray {
  if (dtype === "float64") return new Float64Array(length);
  if (dtype === "float32") return new Float32Array(length);
  return new Uint8Array(length);
}

/**
 * Circular experience-replay buffer (Lin 1992; Mnih et al. 2015) on typed arrays: one row per
 * transition (s, a, r, s′, terminated, truncated), uniform sampling with replacement from the
 * run's generator. Transitions must be added in time order from one environment, so that
 * row i+1 continues row i unless row i ended an episode (needed for n-step returns).
 */
export class ReplayBuffer {
  readonly capacity: number;
  readonly observationSize: number;
  readonly observationDtype: ObservationDtype;
  readonly observations: ObsArray;
  readonly nextObservations: ObsArray;
  readonly actions: Int32Array;
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  protected cursor = 0;
  protected count = 0;
  private batchCache: { size: number; batch: ReplayBatch } | null = null;

  constructor(options: ReplayBufferOptions) {
    const { capacity, observationSize } = options;
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`ReplayBuffer: capacity must be an integer >= 1, got ${capacity}`);
    if (!Number.isInteger(observationSize) || observationSize < 1) {
      throw new RangeError(`ReplayBuffer: observationSize must be an integer >= 1, got ${observationSize}`);
    }
    this.capacity = capacity;
    this.observationSize = observationSize;
    this.observationDtype = options.observationDtype ?? "float64";
    this.observations = makeObsArray(this.observationDtype, capacity * observationSize);
    this.nextObservations = makeObsArray(this.observationDtype, capacity * observationSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float64Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
  }

  /** Number of transitions stored (≤ capacity). */
  get size(): number {
    return this.count;
  }

  /** Ring position of the most recently added transition (−1 when empty). */
  get newest(): number {
    return this.count === 0 ? -1 : (this.cursor - 1 + this.capacity) % this.capacity;
  }

  add(
    observation: ArrayLike<number>,
    action: number,
    reward: number,
    nextObservation: ArrayLike<number>,
    terminated: boolean,
    truncated: boolean,
  ): void {
    const d = this.observationSize;
    if (observation.length !== d || nextObservation.length !== d) {
      throw new RangeError(
        `ReplayBuffer.add: observations must have length ${d}, got ${observation.length} and ${nextObservation.length}`,
      );
    }
    if (!Number.isInteger(action))
      throw new RangeError(`ReplayBuffer.add: action must be an integer, got ${action}`);
    if (!Number.isFinite(reward))
      throw new RangeError(`ReplayBuffer.add: reward must be finite, got ${reward}`);
    const i = this.cursor;
    const off = i * d;
    if (this.observationDtype === "uint8") {
      for (let k = 0; k < d; k++) {
        const a = observation[k];
        const b = nextObservation[k];
        if (!(a >= 0 && a <= 255 && a === Math.floor(a) && b >= 0 && b <= 255 && b === Math.floor(b))) {
          throw new RangeError(
            `ReplayBuffer.add: uint8 storage needs integer observations in [0, 255], got ${a} / ${b} at index ${k}`,
          );
        }
      }
    }
    for (let k = 0; k < d; k++) {
      this.observations[off + k] = observation[k];
      this.nextObservations[off + k] = nextObservation[k];
    }
    this.actions[i] = action;
    this.rewards[i] = reward;
    this.terminated[i] = terminated ? 1 : 0;
    this.truncated[i] = truncated ? 1 : 0;
    this.cursor = (i + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** A copy of the buffer's contents and cursor (see {@link ReplayBufferState}). */
  getState(): ReplayBufferState {
    const rows = this.count;
    const d = this.observationSize;
    return {
      kind: "replay-buffer",
      capacity: this.capacity,
      observationSize: d,
      observationDtype: this.observationDtype,
      cursor: this.cursor,
      size: rows,
      observations: this.observations.slice(0, rows * d),
      nextObservations: this.nextObservations.slice(0, rows * d),
      actions: this.actions.slice(0, rows),
      rewards: this.rewards.slice(0, rows),
      terminated: this.terminated.slice(0, rows),
      truncated: this.truncated.slice(0, rows),
    };
  }

  /**
   * Restores a {@link getState} snapshot into this buffer (same capacity, observation size and
   * dtype). Everything is validated (see {@link checkState}) before anything changes.
   */
  setState(state: ReplayBufferState): void {
    this.checkState(state);
    this.observations.set(state.observations);
    this.nextObservations.set(state.nextObservations);
    this.actions.set(state.actions);
    this.rewards.set(state.rewards);
    this.terminated.set(state.terminated);
    this.truncated.set(state.truncated);
    this.count = state.size;
    this.cursor = state.cursor;
  }

  /** Throws, naming the field, unless `state` is a snapshot this buffer can restore. */
  checkState(state: ReplayBufferState): void {
    const who = "ReplayBuffer.setState";
    if (state === null || typeof state !== "object" || state.kind !== "replay-buffer")
      throw new TypeError(
        `${who}: expected an object of kind "replay-buffer", got ${String(state?.kind ?? state)}`,
      );
    if (!this.prioritized && (state.priorities !== undefined || state.maxPriority !== undefined))
      throw new RangeError(
        `${who}: priorities is set (a prioritized buffer's state), this buffer is uniform`,
      );
    const expectValue = (field: string, got: unknown, want: unknown): void => {
      if (got !== want)
        throw new RangeError(`${who}: ${field} is ${String(got)}, this buffer has ${String(want)}`);
    };
    expectValue("capacity", state.capacity, this.capacity);
    expectValue("observationSize", state.observationSize, this.observationSize);
    expectValue("observationDtype", state.observationDtype, this.observationDtype);
    const rows = state.size;
    if (!Number.isInteger(rows) || rows < 0 || rows > this.capacity)
      throw new RangeError(`${who}: size must be an integer in [0, ${this.capacity}], got ${rows}`);
    const cursorOk =
      Number.isInteger(state.cursor) &&
      (rows < this.capacity
        ? state.cursor === rows % this.capacity
        : state.cursor >= 0 && state.cursor < this.capacity);
    if (!cursorOk)
      throw new RangeError(
        `${who}: cursor ${state.cursor} is inconsistent with size ${rows} (a partly filled ring has cursor = size; a full one cursor in [0, ${this.capacity - 1}])`,
      );
    const d = this.observationSize;
    const arrays: [keyof ReplayBufferState, string, number][] = [
      ["observations", OBS_ARRAY_KIND[this.observationDtype], rows * d],
      ["nextObservations", OBS_ARRAY_KIND[this.observationDtype], rows * d],
      ["actions", "Int32Array", rows],
      ["rewards", "Float64Array", rows],
      ["terminated", "Uint8Array", rows],
      ["truncated", "Uint8Array", rows],
    ];
    for (const [field, kind, length] of arrays) {
      const value = state[field] as unknown;
      const got = typedArrayKind(value);
      if (got !== kind) throw new TypeError(`${who}: ${field} must be a ${kind}, got ${got}`);
      const n = (value as ArrayLike<number>).length;
      if (n !== length)
        throw new RangeError(
          `${who}: ${field} has length ${n}, expected ${length} (size ${rows} × ${field.endsWith("bservations") ? d : 1})`,
        );
    }
  }

  /** Whether sampling is prioritized (false here; see PrioritizedReplayBuffer). */
  get prioritized(): boolean {
    return false;
  }

  /** Ring position of the k-th oldest transition (0 = oldest). */
  physicalIndex(k: number): number {
    return this.count < this.capacity ? k : (this.cursor + k) % this.capacity;
  }

  /**
   * n-step return from ring position i (Sutton & Barto 2018 §7.1; Hessel et al. 2018):
   * walk j = i, i+1, … accumulating G = Σ γᵏ r_j and stop at the first of
   *  - a terminated transition → bootstrap weight 0 (the value of a terminal state is 0);
   *  - a truncated transition (time limit) → bootstrap from its s′ with weight γ^{k+1};
   *  - the n-th transition, or the newest one in the buffer → bootstrap from its s′ with γ^{k+1}.
   * Returns G, the discount of the bootstrap term and the ring position whose s′ is bootstrapped.
   */
  nStepReturn(i: number, nStep: number, gamma: number): { ret: number; discount: number; last: number } {
    const newest = this.newest;
    let ret = 0;
    let g = 1;
    let j = i;
    for (let k = 0; ; k++) {
      ret += g * this.rewards[j];
      g *= gamma;
      if (this.terminated[j] === 1) return { ret, discount: 0, last: j };
      if (this.truncated[j] === 1 || k === nStep - 1 || j === newest) return { ret, discount: g, last: j };
      j = (j + 1) % this.capacity;
    }
  }

  /**
   * Uniform minibatch of `batchSize` transitions (with replacement) with n-step returns.
   * The returned arrays are reused by the next call with the same batch size.
   */
  sample(batchSize: number, rng: Rng, nStep = 1, gamma = 0.99): ReplayBatch {
    this.checkSampleArgs(batchSize, nStep, gamma);
    const batch = this.batchBuffers(batchSize);
    const indices = batch.indices as Int32Array;
    for (let b = 0; b < batchSize; b++) indices[b] = this.physicalIndex(rng.integer(this.count));
    this.gather(indices, nStep, gamma, batch);
    return batch;
  }

  /** Checks sample's arguments (shared with prioritized sampling). */
  protected checkSampleArgs(batchSize: number, nStep: number, gamma: number): void {
    if (this.count === 0) throw new Error("ReplayBuffer.sample: the buffer is empty");
    if (!Number.isInteger(batchSize) || batchSize < 1)
      throw new RangeError(`ReplayBuffer.sample: batchSize must be an integer >= 1, got ${batchSize}`);
    if (!Number.isInteger(nStep) || nStep < 1)
      throw new RangeError(`ReplayBuffer.sample: nStep must be an integer >= 1, got ${nStep}`);
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`ReplayBuffer.sample: gamma must be in [0, 1], got ${gamma}`);
  }

  /** Fills `batch` for the given ring positions (exposed for tests and prioritized variants). */
  gather(indices: ArrayLike<number>, nStep: number, gamma: number, batch: ReplayBatch): void {
    const d = this.observationSize;
    const obs = batch.observations;
    const next = batch.nextObservations;
    const returns = batch.returns as Float64Array;
    const discounts = batch.discounts as Float64Array;
    const actions = batch.actions as Int32Array;
    const nextActions = batch.nextActions as Int32Array;
    const newest = this.newest;
    for (let b = 0; b < indices.length; b++) {
      const i = indices[b];
      actions[b] = this.actions[i];
      let last = i;
      if (nStep === 1) {
        returns[b] = this.rewards[i];
        discounts[b] = this.terminated[i] === 1 ? 0 : gamma;
      } else {
        const r = this.nStepReturn(i, nStep, gamma);
        returns[b] = r.ret;
        discounts[b] = r.discount;
        last = r.last;
      }
      nextActions[b] =
        this.terminated[last] === 1 || this.truncated[last] === 1 || last === newest
          ? -1
          : this.actions[(last + 1) % this.capacity];
      const src = i * d;
      const srcNext = last * d;
      const dst = b * d;
      if (d >= NATIVE_COPY_MIN_LENGTH) {
        // TypedArray.set converts uint8/float32 → float64 natively (exactly), ~2–3× faster than a JIT loop.
        obs.set(this.observations.subarray(src, src + d), dst);
        next.set(this.nextObservations.subarray(srcNext, srcNext + d), dst);
      } else {
        for (let k = 0; k < d; k++) {
          obs[dst + k] = this.observations[src + k];
          next[dst + k] = this.nextObservations[srcNext + k];
        }
      }
    }
  }

  /** The reused minibatch arrays for a batch size (weights start at 1). */
  protected batchBuffers(size: number): ReplayBatch {
    if (this.batchCache?.size !== size) {
      const d = this.observationSize;
      this.batchCache = {
        size,
        batch: {
          size,
          observations: new Float64Array(size * d),
          actions: new Int32Array(size),
          returns: new Float64Array(size),
          nextObservations: new Float64Array(size * d),
          discounts: new Float64Array(size),
          indices: new Int32Array(size),
          nextActions: new Int32Array(size),
          weights: new Float64Array(size).fill(1),
        },
      };
    }
    return this.batchCache.batch;
  }
}
