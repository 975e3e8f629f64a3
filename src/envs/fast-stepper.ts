import type { Action, Env, StepView } from "./env.js";
import { Wrapper } from "./wrapper.js";

/** An env whose allocation-free `stepInPlace` is guaranteed. */
export type FastEnv<State = unknown, A extends Action = Action> = Env<State, A> & {
  stepInPlace(action: A): StepView;
};

/**
 * `env` itself when it has `stepInPlace` (every env and wrapper in this folder), otherwise a
 * pass-through {@link Wrapper} whose `stepInPlace` copies `step`'s result into one reused view
 * (same semantics, one copy per step).
 */
export function fastStepper<State, A extends Action>(env: Env<State, A>): FastEnv<State, A> {
  if (typeof env.stepInPlace === "function") return env as FastEnv<State, A>;
  return new Wrapper(env);
}
