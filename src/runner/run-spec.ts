import { defaultGrids } from "../envs/default-grid.js";
import type { DqnConfig } from "../dqn/config.js";
import { PAPER_TASKS } from "../presets/paper-agents.js";
import type { RunConfig } from "./config.js";
import { envRunDefaults } from "./env-defaults.js";
import type { ScheduleSpec } from "./schedule.js";
import type { LrqRunSpec } from "./lrq-run.js";

/**
 * What a run's manifest records about the model it trained (`manifest.spec`), so that reports
 * read grids, ranks and hyperparameters from the run folder and never rebuild an agent.
 */
export type RunSpec = PgRunSpec | DqnRunSpec | LrqRunSpec;

/** A state grid: per-dimension range and points, and which dimensions make the matrix rows/cols. */
export interface GridRecord {
  low: number[];
  high: number[];
  buckets: number[];
  rowDims: number[];
  colDims: number[];
  /** Matrix shape: products of the row / column dimensions' points. */
  rows: number;
  cols: number;
}

/** LRPG or NN-baseline run: the grids (NN: the task's LRPG grids, for tabulating), ranks, rates. */
export interface PgRunSpec {
  kind: "lrpg" | "nn";
  /** Gaussian policy (μ, σ over a continuous action), or the low-rank softmax over discrete actions. */
  policy: "gaussian" | "softmax";
  actorGrid: GridRecord;
  criticGrid: GridRecord;
  /** LRPG: rank K of the μ and V matrices. */
  rank?: number;
  /** NN: hidden width of the μ-net and V-net (one ReLU layer). */
  hidden?: number;
  lrActor: ScheduleSpec;
  lrCritic: ScheduleSpec;
  gamma: number;
  /** σ: one learned scalar log σ (initial value given). */
  sigma: { kind: "scalar"; logSigmaInit: number } | null;
  /** μ squashed by a sigmoid (unit-interval actions). */
  sigmoidMean: boolean;
  actionClamp: [number, number] | null;
  /** Names of the state dimensions (axis labels), when known. */
  stateNames: string[];
  /** Level of the 20-episode moving average reported as "episodes to threshold", or null. */
  threshold: number | null;
}

/** DQN run: the Q-network and every hyperparameter of the update. */
export interface DqnRunSpec {
  kind: "dqn";
  network: {
    spec: string;
    description: string;
    precision: string;
    layers: { name: string; shape: number[] }[];
  };
  hyperparameters: DqnConfig;
  observationDtype: string;
  evaluation: { episodes: number; epsilon: number; every: number; maxSteps: number; seedBase: number };
  returnWindow: number;
  threshold: number | null;
}

const STATE_NAMES: Record<string, string[]> = {
  pendulum: ["θ", "θ̇"],
  acrobot: ["θ1", "θ2", "θ̇1", "θ̇2"],
  rocket: ["v", "h", "m"],
};

interface GridLike {
  low: ArrayLike<number>;
  high: ArrayLike<number>;
  buckets: ArrayLike<number> | number;
  rowDims: readonly number[];
  colDims: readonly number[];
}

function gridRecord(g: GridLike, buckets: number | undefined): GridRecord {
  const dims = g.low.length;
  const b = buckets ?? g.buckets;
  const per = typeof b === "number" ? Array.from({ length: dims }, () => b) : Array.from(b);
  const prod = (ds: readonly number[]) => ds.reduce((p, d) => p * per[d], 1);
  return {
    low: Array.from(g.low),
    high: Array.from(g.high),
    buckets: per,
    rowDims: [...g.rowDims],
    colDims: [...g.colDims],
    rows: prod(g.rowDims),
    cols: prod(g.colDims),
  };
}

/** The spec of an LRPG / NN run as the agent factories build it (src/runner/paper-agent-factory.ts). */
export function pgRunSpec(config: RunConfig): PgRunSpec {
  const common = { lrActor: config.lrActor, lrCritic: config.lrCritic, gamma: config.gamma };
  if (config.task !== null) {
    const t = PAPER_TASKS[config.task];
    const m = config.algo === "lrpg" ? t.lrpg : t.nn;
    return {
      kind: config.algo,
      policy: "gaussian",
      actorGrid: gridRecord(t.lrpg.actorGrid, config.actorBuckets),
      criticGrid: gridRecord(t.lrpg.criticGrid, config.criticBuckets),
      ...(config.algo === "lrpg"
        ? { rank: config.rank ?? t.lrpg.rank }
        : { hidden: config.hidden ?? t.nn.hidden }),
      ...common,
      sigma: { kind: "scalar", logSigmaInit: 1 },
      sigmoidMean: m.sigmoidMean,
      actionClamp: m.actionClamp ? [m.actionClamp[0], m.actionClamp[1]] : null,
      stateNames: STATE_NAMES[config.task] ?? [],
      threshold: t.threshold,
    };
  }
  const d = envRunDefaults(config.env);
  const grids = defaultGrids(config.env);
  const discrete = d.actionKind === "discrete";
  return {
    kind: config.algo,
    policy: discrete ? "softmax" : "gaussian",
    actorGrid: gridRecord(grids.actor, config.actorBuckets),
    criticGrid: gridRecord(grids.critic, config.criticBuckets),
    ...(config.algo === "lrpg"
      ? { rank: config.rank ?? d.lrpg.rank }
      : { hidden: config.hidden ?? d.nn?.hidden ?? 0 }),
    ...common,
    sigma: discrete ? null : { kind: "scalar", logSigmaInit: 1 },
    sigmoidMean: !discrete && d.unitInterval,
    actionClamp: d.unitInterval ? [0, 1] : null,
    stateNames: [],
    threshold: d.threshold,
  };
}
