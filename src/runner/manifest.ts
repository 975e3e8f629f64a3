import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "./atomic-file.js";
import { gitCommit, packageVersion } from "./provenance.js";
import { RUN_FILES } from "./run-dir.js";
import type { RunResult } from "./run.js";
import type { RunSpec } from "./run-spec.js";

export type RunStatus = "running" | "completed" | "interrupted" | "diverged" | "failed";

/** What `manifest.json` of a run directory holds (SB3's save format "data + version + system info"). */
export interface Manifest<Config = unknown> {
  format: "lowrank-rl/run";
  formatVersion: 1;
  /** Content hash of (config, seed, package version): equal jobs have equal ids. */
  jobId: string;
  config: Config;
  seed: number;
  envId: string;
  algo: string;
  packageVersion: string;
  gitCommit: string | null;
  nodeVersion: string;
  platform: string;
  startTime: string;
  endTime: string | null;
  status: RunStatus;
  /** Why the run stopped, when it did not complete. */
  message?: string;
  /** Episodes finished so far (at the last manifest write). */
  episodesDone: number;
  /** Trainable parameter counts of what ran. */
  parameterCount?: Record<string, number>;
  /** Times the run was resumed from a checkpoint. */
  resumes?: number;
  /** Present when the run was trained as one agent of a lockstep population (src/population). */
  population?: PopulationInfo;
  /** The resolved model: grids, ranks and hyperparameters (PG), or network and DQN hyperparameters. */
  spec?: RunSpec;
  /** The experiment script that started the run, if any (e.g. "breakout"). */
  experiment?: string;
}

/** How a population run was trained; such runs keep no checkpoints (see docs/gpu.md). */
export interface PopulationInfo {
  /** Agents trained together (P of this batch). */
  size: number;
  /** This run's index in the batch. */
  index: number;
  /** Seeds of the whole batch, in index order. */
  seeds: number[];
  backend: { kind: "cpu" | "gpu"; mode: string; precision: "float64" | "float32" };
  /** Always false: the population path writes no checkpoints; `resume` restarts such a run from episode 0. */
  checkpoints: false;
}

export function newManifest<Config>(fields: {
  jobId: string;
  config: Config;
  seed: number;
  envId: string;
  algo: string;
  startTime?: Date;
}): Manifest<Config> {
  return {
    format: "lowrank-rl/run",
    formatVersion: 1,
    jobId: fields.jobId,
    config: fields.config,
    seed: fields.seed,
    envId: fields.envId,
    algo: fields.algo,
    packageVersion: packageVersion(),
    gitCommit: gitCommit(),
    nodeVersion: process.version,
    platform: `${process.platform}-${process.arch}`,
    startTime: (fields.startTime ?? new Date()).toISOString(),
    endTime: null,
    status: "running",
    episodesDone: 0,
  };
}

export function writeManifest(dir: string, manifest: Manifest): void {
  writeJsonAtomic(join(dir, RUN_FILES.manifest), manifest);
}

export function readManifest<Config = unknown>(dir: string): Manifest<Config> {
  const path = join(dir, RUN_FILES.manifest);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`${path}: not a readable run manifest (${(err as Error).message})`, { cause: err });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new Error(
      `${path}: not a lowrank-rl run manifest (expected a JSON object, got ${JSON.stringify(parsed)})`,
    );
  const m = parsed as Partial<Manifest<Config>>;
  if (m.format !== "lowrank-rl/run")
    throw new Error(`${path}: not a lowrank-rl run manifest (format = ${String(m.format)})`);
  if (m.config === null || typeof m.config !== "object" || Array.isArray(m.config))
    throw new Error(
      `${path}: a run manifest without its config (config = ${JSON.stringify(m.config) ?? "absent"})`,
    );
  return m as Manifest<Config>;
}

/** The algorithm a run folder's manifest names (`"lrpg"`, `"nn"`, `"dqn"`, `"a2c"`, `"lrq"`), or null. */
export function runDirAlgo(dir: string): string | null {
  const algo = (readManifest(dir).config as { algo?: unknown } | null)?.algo;
  return typeof algo === "string" ? algo : null;
}

/** What resuming a run that already completed returns: the run as its manifest records it. */
export function completedRunResult(dir: string, m: Manifest): RunResult {
  return {
    dir,
    jobId: m.jobId,
    status: "completed",
    episodesDone: m.episodesDone,
    returns: [],
    parameterCount: m.parameterCount ?? {},
  };
}
