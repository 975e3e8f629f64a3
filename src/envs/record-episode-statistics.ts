import type { Action, Env, ResetOptions, ResetResult, StepResult, StepView } from "./env.js";
import { Wrapper } from "./wrapper.js";

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
