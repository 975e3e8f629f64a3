import type { EvalFunction } from "mathjs";
import { mathjs } from "./mathjs.js";

/**
 * A learning-rate (or ε) schedule: a constant, or a mathjs expression of the episode compiled
 * once, e.g. `"1e-2 * 0.995^episode"` or `"max(1e-3, 1e-2 * (1 - episode / episodes))"`.
 * Variables in scope: `episode` (0-based index of the episode about to be learned from) and
 * `episodes` (the run's total).
 */
export type ScheduleSpec = number | string;
export type Schedule = (episode: number) => number;

const ALLOWED_VARIABLES = new Set(["episode", "episodes", "e", "pi", "E", "PI"]);

export class ScheduleError extends Error {}

/**
 * Compiles `spec` into a function of the episode and checks it gives a finite value > 0 at the
 * first and last episode. Errors name `field`, the expression and what went wrong.
 */
export function compileSchedule(spec: ScheduleSpec, field: string, episodes: number): Schedule {
  if (typeof spec === "number") {
    if (!Number.isFinite(spec) || spec <= 0)
      throw new ScheduleError(`${field}: must be a finite number > 0, got ${spec}`);
    return () => spec;
  }
  let code: EvalFunction;
  try {
    code = mathjs().compile(spec);
  } catch (err) {
    throw new ScheduleError(`${field}: "${spec}" is not a valid expression (${(err as Error).message})`);
  }
  const fn: Schedule = (episode) => {
    const v: unknown = code.evaluate({ episode, episodes });
    return typeof v === "number" ? v : Number.NaN;
  };
  for (const probe of [0, Math.max(0, episodes - 1)]) {
    let v: number;
    try {
      v = fn(probe);
    } catch (err) {
      const msg = (err as Error).message;
      const unknown = /Undefined symbol (\w+)/.exec(msg);
      const hint =
        unknown && !ALLOWED_VARIABLES.has(unknown[1]) ? ` (variables available: episode, episodes)` : "";
      throw new ScheduleError(`${field}: "${spec}" fails at episode ${probe}: ${msg}${hint}`);
    }
    if (!Number.isFinite(v) || v <= 0) {
      throw new ScheduleError(
        `${field}: "${spec}" must give a finite number > 0, got ${v} at episode ${probe}`,
      );
    }
  }
  return fn;
}
