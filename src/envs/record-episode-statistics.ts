import type { Action, Env, ResetOptions, ResetResult, StepResult, StepView } from "./env.js";
import { Wrapper } from "./wrapper.js";
import { checkFinite, checkInteger, describeValue, layerField, type LayerFields } from "./resumable.js";

/** Statistics of one finished episode (Gymnasium's `info["episode"]` without the wall time). */
export interface EpisodeStatistics {
  /** Undiscounted return Σ r_t. */
  r: number;
  /** Length in steps. */
  l: number;
}

/**
 * Gymnasium's `RecordEpisodeStatistics`: accumulates the return and length of the running
 * episode; on the step where `terminated || truncated`, `info.episode = {r, l}` (on `step`)
 * and the episode is appended to `returnQueue` / `lengthQueue` (the last `bufferLength`
 * episodes, both paths). `lastEpisode` holds the most recent finished episode.
 * `snapshot`/`restore` carry the running episode, the count, the queues and `lastEpisode`.
 */
export class RecordEpisodeStatistics<State = unknown, A extends Action = Action> extends Wrapper<State, A> {
  readonly bufferLength: number;
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  lastEpisode: EpisodeStatistics | null = null;
  /** Finished episodes since construction. */
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;

  constructor(env: Env<State, A>, bufferLength = 100) {
    super(env);
    if (!Number.isInteger(bufferLength) || bufferLength < 1) {
      throw new RangeError(
        `RecordEpisodeStatistics: bufferLength must be an integer >= 1, got ${bufferLength}`,
      );
    }
    this.bufferLength = bufferLength;
  }

  protected override layerFields(): LayerFields {
    const number = (
      read: () => number,
      write: (v: number) => void,
      min?: number,
    ): ReturnType<typeof layerField> =>
      layerField(read, (v, at) => (min === undefined ? checkFinite(v, at) : checkInteger(v, at, min)), write);
    const queue = (q: number[], min?: number): ReturnType<typeof layerField> =>
      layerField(
        () => [...q],
        (v, at) => {
          if (!Array.isArray(v) || v.length > this.bufferLength)
            throw new RangeError(
              `${at} must be an array of at most bufferLength = ${this.bufferLength} numbers, got ${describeValue(v)}`,
            );
          return v.map((x, i) =>
            min === undefined ? checkFinite(x, `${at}[${i}]`) : checkInteger(x, `${at}[${i}]`, min),
          );
        },
        (v) => {
          q.splice(0, q.length, ...v);
        },
      );
    return {
      episodeReturn: number(
        () => this.episodeReturn,
        (v) => (this.episodeReturn = v),
      ),
      episodeLength: number(
        () => this.episodeLength,
        (v) => (this.episodeLength = v),
        0,
      ),
      episodeCount: number(
        () => this.episodeCount,
        (v) => (this.episodeCount = v),
        0,
      ),
      returnQueue: queue(this.returnQueue),
      lengthQueue: queue(this.lengthQueue, 1),
      lastEpisode: layerField<EpisodeStatistics | null>(
        () => (this.lastEpisode === null ? null : { ...this.lastEpisode }),
        (v, at) => {
          if (v === null) return null;
          if (typeof v !== "object")
            throw new TypeError(`${at} must be null or {r, l}, got ${describeValue(v)}`);
          const ep = v as Partial<EpisodeStatistics>;
          return { r: checkFinite(ep.r, `${at}.r`), l: checkInteger(ep.l, `${at}.l`, 1) };
        },
        (v) => {
          this.lastEpisode = v;
        },
      ),
    };
  }

  protected override checkLayer(values: Readonly<Record<string, unknown>>, at: string): void {
    const returns = values.returnQueue as number[];
    const lengths = values.lengthQueue as number[];
    const count = values.episodeCount as number;
    if (returns.length !== lengths.length)
      throw new RangeError(
        `${at}.lengthQueue must have as many entries as returnQueue (${returns.length}), got ${lengths.length}`,
      );
    if (returns.length > count)
      throw new RangeError(`${at}.returnQueue has ${returns.length} entries but episodeCount is ${count}`);
    if ((values.lastEpisode === null) !== (count === 0))
      throw new RangeError(
        `${at}.lastEpisode must be null exactly when episodeCount is 0, got ${describeValue(values.lastEpisode)} with episodeCount ${count}`,
      );
  }

  override reset(options?: ResetOptions): ResetResult {
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return this.env.reset(options);
  }

  override step(action: A): StepResult {
    const r = this.env.step(action);
    const ep = this.record(r.reward, r.terminated || r.truncated);
    if (ep) r.info = { ...r.info, episode: ep };
    return r;
  }

  override stepInPlace(action: A): StepView {
    const v = super.stepInPlace(action);
    this.record(v.reward, v.terminated || v.truncated);
    return v;
  }

  private record(reward: number, done: boolean): EpisodeStatistics | null {
    this.episodeReturn += reward;
    this.episodeLength++;
    if (!done) return null;
    const ep = { r: this.episodeReturn, l: this.episodeLength };
    this.lastEpisode = ep;
    this.episodeCount++;
    this.returnQueue.push(ep.r);
    this.lengthQueue.push(ep.l);
    if (this.returnQueue.length > this.bufferLength) {
      this.returnQueue.shift();
      this.lengthQueue.shift();
    }
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return ep;
  }
}
