import type { Episode, EpisodeInput } from "./agent.js";

/**
 * Preallocated storage for one episode of at most `capacity` steps, reused across episodes so
 * the training loop allocates nothing per step. Implements {@link Episode} (`length` = steps
 * stored so far).
 */
export class EpisodeBuffer implements Episode {
  readonly stateDim: number;
  readonly capacity: number;
  readonly states: Float64Array;
  readonly actions: Float64Array;
  readonly rewards: Float64Array;
  length = 0;

  constructor(stateDim: number, capacity: number) {
    if (!Number.isInteger(stateDim) || stateDim < 1) {
      throw new RangeError(`EpisodeBuffer: stateDim must be an integer >= 1, got ${stateDim}`);
    }
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`EpisodeBuffer: capacity (max steps) must be an integer >= 1, got ${capacity}`);
    }
    this.stateDim = stateDim;
    this.capacity = capacity;
    this.states = new Float64Array(stateDim * capacity);
    this.actions = new Float64Array(capacity);
    this.rewards = new Float64Array(capacity);
  }

  clear(): void {
    this.length = 0;
  }

  /** Appends (s_t, a_t, r_t). */
  push(state: ArrayLike<number>, action: number, reward: number): void {
    if (this.length >= this.capacity) throw new RangeError(`EpisodeBuffer: full (capacity ${this.capacity})`);
    const t = this.length++;
    const S = this.stateDim;
    for (let d = 0; d < S; d++) this.states[t * S + d] = state[d];
    this.actions[t] = action;
    this.rewards[t] = reward;
  }

  /** Sum of the stored rewards (the undiscounted episode return). */
  totalReward(): number {
    let s = 0;
    for (let t = 0; t < this.length; t++) s += this.rewards[t];
    return s;
  }

  /** An independent copy holding exactly `length` steps. */
  snapshot(): Required<Episode> {
    const T = this.length;
    return {
      states: this.states.slice(0, T * this.stateDim),
      actions: this.actions.slice(0, T),
      rewards: this.rewards.slice(0, T),
      length: T,
    };
  }
}

/** Builds an {@link Episode} from plain arrays (states as T rows of S numbers, or flat). */
export function makeEpisode(data: {
  states: readonly (readonly number[])[] | ArrayLike<number>;
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
}): Required<Episode> {
  const T = data.rewards.length;
  if (data.actions.length !== T) {
    throw new RangeError(
      `makeEpisode: actions has ${data.actions.length} entries, expected ${T} (one per reward)`,
    );
  }
  let states: Float64Array;
  const first = (data.states as ArrayLike<unknown>)[0];
  if (T > 0 && Array.isArray(first)) {
    const rows = data.states as readonly (readonly number[])[];
    if (rows.length !== T)
      throw new RangeError(`makeEpisode: states has ${rows.length} rows, expected ${T} (one per reward)`);
    const S = rows[0].length;
    states = new Float64Array(T * S);
    rows.forEach((row, t) => {
      if (row.length !== S)
        throw new RangeError(`makeEpisode: states[${t}] has ${row.length} entries, expected ${S}`);
      states.set(row, t * S);
    });
  } else {
    states = Float64Array.from(data.states as ArrayLike<number>);
  }
  return {
    states,
    actions: Float64Array.from(data.actions),
    rewards: Float64Array.from(data.rewards),
    length: T,
  };
}

/**
 * The episode as typed arrays: returned as is when `states`, `actions` and `rewards` already are
 * Float64Arrays, else converted with {@link makeEpisode} (honouring `length`).
 */
export function toEpisode(input: Episode | EpisodeInput): Episode {
  if (
    input.states instanceof Float64Array &&
    input.actions instanceof Float64Array &&
    input.rewards instanceof Float64Array
  ) {
    return input as Episode;
  }
  const T = input.length ?? input.rewards.length;
  const slice = <X>(a: ArrayLike<X>): X[] => Array.prototype.slice.call(a, 0, T) as X[];
  const states = input.states as ArrayLike<unknown>;
  const rowsGiven = states.length > 0 && Array.isArray(states[0]);
  return makeEpisode({
    states: rowsGiven ? (slice(states) as number[][]) : (states as ArrayLike<number>),
    actions: slice(input.actions),
    rewards: slice(input.rewards),
  });
}

/** T of an episode, validated against its buffers (states must hold T·stateDim numbers). */
export function episodeLength(episode: Episode, stateDim: number): number {
  const T = episode.length ?? episode.rewards.length;
  if (!Number.isInteger(T) || T < 1)
    throw new RangeError(`learn: episode length must be an integer >= 1, got ${T}`);
  if (episode.rewards.length < T || episode.actions.length < T || episode.states.length < T * stateDim) {
    throw new RangeError(
      `learn: episode of length ${T} needs ${T} rewards, ${T} actions and ${T}×${stateDim} states; got ${episode.rewards.length}, ${episode.actions.length}, ${episode.states.length}`,
    );
  }
  return T;
}
