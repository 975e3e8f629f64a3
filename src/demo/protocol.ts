import type { DemoRunOptions, PolicyMaps, ResolvedDemoRun } from "./session.js";
import type { ParameterCount } from "../pg/agent.js";
import type { PowTable } from "./fdlibm.js";
import type {
  PopulationBackendChoice,
  PopulationBackendInfo,
  PopulationEpisodeSummary,
  PopulationRunOptions,
} from "./population.js";

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

/** Page → worker: train a population of LRPG agents in lockstep (see src/demo/population.ts). */
export interface PopulationStartMessage {
  type: "population";
  run: PopulationRunOptions;
  /** Lockstep episodes to train. */
  episodes: number;
  /** "auto": gpu.js on WebGL when the browser has it, else the CPU path; "cpu": the CPU path. */
  backend: PopulationBackendChoice;
  /**
   * Before training, when on WebGL: the same small population (count agents, episodes of at most
   * maxSteps steps) on WebGL and on the CPU path, for their returns to be compared.
   */
  check?: { count: number; episodes: number; maxSteps: number };
  reportEveryMs: number;
  math: "fdlibm" | "engine";
  powTable?: PowTable;
}

/** Page → worker: change the pace, or stop after the current episode. */
export type ControlMessage = { type: "speed"; speed: number } | { type: "stop" };

export type ToWorker = StartMessage | PopulationStartMessage | ControlMessage;

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

/** Worker → page: the population is built on this backend. */
export interface PopulationReadyMessage {
  type: "population-ready";
  backend: PopulationBackendInfo;
  count: number;
  /** Parameters of one agent (actor L, R and σ; critic L, R). */
  agentParameters: number;
}

/** Worker → page: the WebGL population against the CPU population over a short horizon. */
export interface PopulationCheckMessage {
  type: "population-check";
  mode: string;
  count: number;
  episodes: number;
  maxSteps: number;
  /** returns[p][e] of each backend. */
  gpuReturns: number[][];
  cpuReturns: number[][];
  /** max |gpu − cpu| / max(|cpu|, 1). */
  maxRelativeDifference: number;
}

/** Worker → page: the lockstep episodes since the last message, summarized over the agents. */
export interface PopulationProgressMessage {
  type: "population-progress";
  /** Lockstep episodes trained so far. */
  episode: number;
  summaries: PopulationEpisodeSummary[];
  /** Env steps of all agents so far. */
  steps: number;
  /** Milliseconds spent training (roll-outs and updates). */
  trainMs: number;
  /** The first episode's milliseconds and env steps (its time includes compiling the kernels). */
  firstEpisodeMs: number;
  firstEpisodeSteps: number;
  done: boolean;
}

export type FromWorker =
  | ReadyMessage
  | ProgressMessage
  | ErrorMessage
  | PopulationReadyMessage
  | PopulationCheckMessage
  | PopulationProgressMessage;
