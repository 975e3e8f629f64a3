import type { Rng } from "../random/rng.js";
import type { KernelFunction, KernelSource } from "../factor/backend/index.js";

/** Arguments of a step kernel: agentIdx (the listed copies), states, actions (float32). */
export type StepKernelArgs = [agentIdx: Float32Array, states: Float32Array, actions: Float32Array];

/** Where one copy's step writes its reward and termination flag. */
export interface StepOutcome {
  reward: number;
  terminated: boolean;
}

/**
 * One env id's dynamics on flat typed arrays: copy p's internal state at `states[p·S … p·S + S)`.
 * `reset` and `step` are the single env's own functions (src/envs), applied at an offset; the
 * observation is the first `obsDim` components of the state.
 */
export interface CopyDynamics {
  /** The single env this is (its `makeEnv` id). */
  readonly envId: string;
  /** S: internal state components per copy. */
  readonly stateDim: number;
  /** Observation components (a prefix of the state). */
  readonly obsDim: number;
  /** Draws a copy's initial state into `states` at `offset` from its env generator, exactly as the env's `reset()`. */
  reset(states: Float64Array, offset: number, envRng: Rng): void;
  /** One step of the copy at `offset` under `action`, exactly as the env's `step` (float64). */
  step(states: Float64Array, offset: number, action: number, out: StepOutcome): void;
  /**
   * [lo, hi] where `step` first clips its action to [lo, hi] (a < lo → lo, a > hi → hi) and then
   * uses only the clipped value: `step` under clip(a) is then `step` under a, bit for bit, so a
   * caller may clip without branches before the call (the env's own clip then always takes the
   * same path). Omitted where the env does not clip that way.
   */
  readonly actionClip?: readonly [number, number];
  /**
   * Where `step`'s one transcendental is sin(g(state)): `argument(states, offset)` gives g and
   * `step(states, offset, action, sine, out)` is {@link step} with that sine passed in, bit for bit
   * when `sine` = Math.sin(argument). A population then computes the sines of all its copies in one
   * batch (src/wasm/sincos.ts, two lanes per instruction) before their steps.
   */
  readonly hoistedSine?: {
    argument(states: Float64Array, offset: number): number;
    step(states: Float64Array, offset: number, action: number, sine: number, out: StepOutcome): void;
  };
  /**
   * gpu.js kernel of one step of the listed copies, output [S + 2, slots]: thread (x = c, y = slot)
   * with p = agentIdx[slot] returns component c of p's next state for c < S, its reward for c = S,
   * and 1/0 for terminated at c = S + 1 (float32).
   */
  readonly stepKernel: KernelFunction<StepKernelArgs> | KernelSource<StepKernelArgs>;
}

/** The dynamics of one env id vectorized over a population: P copies stepping in lockstep. */
export interface VectorDynamics extends CopyDynamics {
  /**
   * One step of every copy p with `active[p] = 1`, in float64, bit-identical to the single env's
   * `step`: states updated in place, `rewards[p]`, `terminated[p]` written (inactive copies untouched).
   */
  stepCpu(
    states: Float64Array,
    actions: Float64Array,
    active: Uint8Array,
    rewards: Float64Array,
    terminated: Uint8Array,
    count: number,
  ): void;
  /**
   * {@link stepCpu} over a list instead of a mask: one step of copy p = list[x] for x < n, under
   * `actions[p]`, writing `rewards[p]` and `terminated[p]` (the env's own `step`, float64).
   */
  stepList(
    states: Float64Array,
    actions: Float64Array,
    list: Int32Array,
    n: number,
    rewards: Float64Array,
    terminated: Uint8Array,
  ): void;
}

/** `d` over P copies: `stepCpu` and `stepList` run the env's own `step` on each active or listed copy. */
export function vectorize(d: CopyDynamics): VectorDynamics {
  const { step, stateDim } = d;
  const outcome: StepOutcome = { reward: 0, terminated: false };
  return {
    ...d,
    stepCpu(states, actions, active, rewards, terminated, count): void {
      for (let p = 0; p < count; p++) {
        if (active[p] === 0) continue;
        step(states, p * stateDim, actions[p], outcome);
        rewards[p] = outcome.reward;
        terminated[p] = outcome.terminated ? 1 : 0;
      }
    },
    stepList(states, actions, list, n, rewards, terminated): void {
      for (let x = 0; x < n; x++) {
        const p = list[x];
        step(states, p * stateDim, actions[p], outcome);
        rewards[p] = outcome.reward;
        terminated[p] = outcome.terminated ? 1 : 0;
      }
    },
  };
}

/** gpu.js kernel text returning `values[c]` for output component c (the last one for every c beyond). */
export function selectComponent(values: readonly string[]): string {
  const last = values.length - 1;
  return [
    ...values.slice(0, last).map((v, c) => `if (c === ${c}) {\n    return ${v};\n  }`),
    `return ${values[last]};`,
  ].join("\n  ");
}
