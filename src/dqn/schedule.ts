/**
 * Linear schedule (Mnih et al. 2015's ε annealing): value(t) = start for t ≤ begin,
 * start + (end − start)·(t − begin)/duration for begin < t < begin + duration, end afterwards.
 */
export class LinearSchedule {
  constructor(
    readonly start: number,
    readonly end: number,
    readonly duration: number,
    readonly begin = 0,
  ) {
    if (!Number.isFinite(start) || !Number.isFinite(end))
      throw new RangeError(`LinearSchedule: start and end must be finite, got ${start}, ${end}`);
    if (!(duration >= 0)) throw new RangeError(`LinearSchedule: duration must be >= 0, got ${duration}`);
    if (!(begin >= 0)) throw new RangeError(`LinearSchedule: begin must be >= 0, got ${begin}`);
  }

  value(t: number): number {
    if (t <= this.begin) return this.start;
    if (this.duration === 0 || t >= this.begin + this.duration) return this.end;
    return this.start + ((this.end - this.start) * (t - this.begin)) / this.duration;
  }
}
