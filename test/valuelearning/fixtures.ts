import type { Env, ResetResult, StepResult } from "../../src/envs/env.js";
import { Box, Discrete } from "../../src/envs/spaces.js";
import { makeParameter, type Parameter } from "../../src/optim/parameter.js";
import type { Parametrization, StateDictEntry } from "../../src/parametrizations/parametrization.js";

/**
 * Q as a plain table indexed by the state's first coordinate (an integer): Q(s, a) = W[s₀, a].
 * Lets the TD tests fix every Q value by hand.
 */
export class TableQ implements Parametrization {
  readonly inputDim = 1;
  readonly outputDim: number;
  readonly W: Parameter;
  private rows: number[] = [];

  constructor(states: number, actions: number, values?: number[]) {
    this.outputDim = actions;
    this.W = makeParameter("q.W", [states, actions], values ? Float64Array.from(values) : undefined);
  }

  get parameters(): Parameter[] {
    return [this.W];
  }

  get parameterCount(): number {
    return this.W.data.length;
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    const A = this.outputDim;
    for (let a = 0; a < A; a++) out[outOffset + a] = this.W.data[state[0] * A + a];
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.rows = Array.from(states.subarray(0, T));
    for (let t = 0; t < T; t++) this.forwardOne(states.subarray(t, t + 1), out, t * this.outputDim);
  }

  backwardBatch(gradZ: Float64Array): void {
    const A = this.outputDim;
    this.rows.forEach((s, t) => {
      for (let a = 0; a < A; a++) this.W.grad[s * A + a] += gradZ[t * A + a];
    });
  }

  stateDictEntries(): StateDictEntry[] {
    return [{ key: "q.W", param: this.W, transpose: false }];
  }
}

/**
 * A scripted chain: state k = 0, 1, 2, …, reward r_k = rewards[k] whatever the action; the episode
 * ends after rewards.length steps, as a termination or as a time-limit truncation.
 */
export class ChainEnv implements Env<number, number> {
  readonly id = "Test/Chain";
  readonly observationSpace = new Box([0], [100]);
  readonly actionSpace: Discrete;
  readonly actionsTaken: number[] = [];
  private k = 0;

  constructor(
    readonly rewards: number[],
    readonly end: "terminated" | "truncated",
    actions = 2,
  ) {
    this.actionSpace = new Discrete(actions);
  }

  reset(): ResetResult {
    this.k = 0;
    return { observation: Float64Array.of(0), info: {} };
  }

  step(action: number): StepResult {
    this.actionsTaken.push(action);
    const reward = this.rewards[this.k];
    this.k++;
    const last = this.k === this.rewards.length;
    return {
      observation: Float64Array.of(this.k),
      reward,
      terminated: last && this.end === "terminated",
      truncated: last && this.end === "truncated",
      info: {},
    };
  }

  getState(): number {
    return this.k;
  }

  setState(k: number): void {
    this.k = k;
  }
}
