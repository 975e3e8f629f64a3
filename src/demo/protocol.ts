import type { DemoRunOptions, PolicyMaps, ResolvedDemoRun } from "./session.js";
import type { ParameterCount } from "../pg/agent.js";
import type { PowTable } from "./fdlibm.js";

/** Messages between the live page and its training workers (structured-clone plain data). */

/** Page → worker: start a run (a worker trains one run, then waits for the next start). */
export interface StartMessage {
  type: "start";
  run: DemoRunOptions;
  /** Episodes to train. */
  episodes: number;
  /** Episodes per second to pace the run at; 0 = as fast as the worker can. */
  speed: number;
  /** Milliseconds between progress messages (each carries the maps). */
  reportEveryMs: number;
  /**
   * "fdlibm": compute Math.sin, cos, exp and log with src/demo/fdlibm.ts (the Node that wrote the
   * page does too), "engine": the browser's own.
   */
  math: "fdlibm" | "engine";
  /** Math.pow of the Node that wrote the page for Adam's β^t (see fdlibm.ts, PowTable). */
  powTable?: PowTable;
}

/** Page → worker: change the pace, or stop after the current episode. */
export type ControlMessage = { type: "speed"; speed: number } | { type: "stop" };

export type ToWorker = StartMessage | ControlMessage;

/** Worker → page: the run is built. */
export interface ReadyMessage {
  type: "ready";
  run: ResolvedDemoRun;
  parameterCount: ParameterCount;
  maps: PolicyMaps;
}

/** Worker → page: episodes since the last message, and the policy as it is now. */
export interface ProgressMessage {
  type: "progress";
  /** Episodes trained so far (the returns below end with this one). */
  episode: number;
  /** Returns of the episodes since the last progress message. */
  returns: number[];
  maps: PolicyMaps;
  /** Milliseconds spent training (roll-outs and updates, not waiting for the pace). */
  trainMs: number;
  /** Env steps so far. */
  steps: number;
  done: boolean;
}

export interface ErrorMessage {
  type: "error";
  message: string;
}

export type FromWorker = ReadyMessage | ProgressMessage | ErrorMessage;
