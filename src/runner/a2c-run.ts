import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { A2c, SyncVectorEnv, type A2cState, type ActorCriticNetwork } from "../actorcritic/index.js";
import type { Env } from "../envs/env.js";
import { makeEnv } from "../envs/registry.js";
import { Rng } from "../random/rng.js";
import {
  buildA2cNetwork,
  parseA2cRunConfig,
  resultDefiningA2cConfig,
  type A2cRunConfig,
} from "./a2c-config.js";
import { writeJsonAtomic } from "./atomic-file.js";
import {
  CorruptCheckpointError,
  loadLatestCheckpoint,
  sameIdentity,
  removePartialCheckpoints,
  saveCheckpoint,
} from "./checkpoint.js";
import { DivergenceError, findNonFiniteTensor, stoppedRunEnding, closingWrite } from "./divergence.js";
import { EVAL_SEED } from "./evaluate.js";
import { jobId as makeJobId } from "./job-id.js";
import { completedRunResult, newManifest, readManifest, writeManifest, type Manifest } from "./manifest.js";
import { METRIC, MetricsWriter, metricColumn, readMetrics, type MetricsOffset } from "./metrics.js";
import { packageVersion } from "./provenance.js";
import { createRunDir, RUN_FILES } from "./run-dir.js";
import { lockRunDir } from "./run-lock.js";
import type { RunResult } from "./run.js";

/** Metric columns of an a2c run (CleanRL names where there is one). */
export const A2C_METRIC_COLUMNS: readonly string[] = [
  "global_step",
  "episode",
  METRIC.episodicReturn,
  METRIC.episodicLength,
  METRIC.sps,
  "update",
  METRIC.lossActor,
  METRIC.lossCritic,
  "losses/entropy",
  "charts/step_scale",
  METRIC.evalReturn,
  "eval/episodic_return_std",
];

/** What an a2c checkpoint holds: everything to continue exactly, and what it belongs to. */
export interface A2cRunCheckpoint {
  identity: Record<string, unknown>;
  episode: number;
  globalStep: number;
  lastEvalStep: number;
  /** Parameters, optimizer (K-FAC factors included), generator and every env copy. */
  state: A2cState;
  metrics: MetricsOffset;
}

export interface A2cRunOptions {
  /** Creates `<outRoot>/<env>__a2c__<seed>__<time>/`. */
  outRoot?: string;
  /** Or: run in exactly this directory. */
  dir?: string;
  /** Called after every update with the frames done. */
  onProgress?: (globalStep: number) => void;
  /** A stop request (SIGINT/SIGTERM): checkpoint after the current update, mark "interrupted", return. */
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

/** The resolved model of an a2c run, for the manifest's `spec`. */
export interface A2cRunSpec {
  kind: "a2c";
  network: string;
  frontEnd: string;
  optimizer: string;
  /** Each layer of the trunk and head with its parameter count. */
  layers: { name: string; parameters: number }[];
  parameters: number;
}

/** Most steps of one evaluation episode (MinAtar Breakout has no time limit of its own). */
const EVAL_MAX_STEPS = 10_000;

function makeA2cEnv(config: A2cRunConfig, rng?: Rng): Env {
  return makeEnv(config.env, rng ? { rng } : {});
}

/** The network, the envs and the learner of a config, all drawn from one generator seeded by the config. */
function buildA2c(config: A2cRunConfig): { a2c: A2c; envs: SyncVectorEnv; network: ActorCriticNetwork } {
  const rng = new Rng(config.seed);
  const network = buildA2cNetwork(config, rng);
  const envs = new SyncVectorEnv(
    Array.from({ length: config.numEnvs }, () => makeA2cEnv(config, rng.fork())),
  );
  envs.reset(config.seed);
  const a2c = new A2c(network, envs, rng, {
    nSteps: config.rolloutSteps,
    gamma: config.gamma,
    gaeLambda: config.gaeLambda,
    valueCoef: config.valueCoef,
    entropyCoef: config.entropyCoef,
    optimizer: config.optimizer,
    lr: config.lr,
    maxGradNorm: config.maxGradNorm,
    kfac: { klClip: config.klClip, damping: config.damping },
  });
  return { a2c, envs, network };
}

/** The manifest's record of the model a config trains. */
export function a2cRunSpec(config: A2cRunConfig): A2cRunSpec {
  const network = buildA2cNetwork(config, new Rng(config.seed));
  const layers = [...network.trunk.layers, network.policy, network.value]
    .filter((l) => l.parameterCount > 0)
    .map((l) => ({ name: l.name, parameters: l.parameterCount }));
  return {
    kind: "a2c",
    network: config.network,
    frontEnd: config.frontEnd,
    optimizer: config.optimizer,
    layers,
    parameters: network.parameterCount,
  };
}

export function a2cJobId(config: A2cRunConfig): string {
  return makeJobId(resultDefiningA2cConfig(config), config.seed, packageVersion());
}

/** What a checkpoint must match to be resumed (the frame budget may differ). */
function identityOf(config: A2cRunConfig): Record<string, unknown> {
  const c: Partial<A2cRunConfig> = { ...resultDefiningA2cConfig(config) };
  delete c.totalSteps;
  return JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
}

/** Greedy evaluation: action argmax_a π(a|s), episode i reset with seed base + i. */
export function evaluateA2cPolicy(
  network: ActorCriticNetwork,
  env: Env,
  seeds: readonly number[],
  maxSteps = EVAL_MAX_STEPS,
): { mean: number; std: number; returns: number[] } {
  const returns = seeds.map((seed) => {
    let obs = env.reset({ seed }).observation;
    let total = 0;
    for (let t = 0; t < maxSteps; t++) {
      const { logits } = network.forward(obs, 1);
      let best = 0;
      for (let a = 1; a < network.numActions; a++) if (logits[a] > logits[best]) best = a;
      const r = env.step(best);
      total += r.reward;
      obs = r.observation;
      if (r.terminated || r.truncated) break;
    }
    return total;
  });
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { mean, std, returns };
}

interface A2cSession {
  dir: string;
  config: A2cRunConfig;
  manifest: Manifest<A2cRunConfig>;
  a2c: A2c;
  envs: SyncVectorEnv;
  network: ActorCriticNetwork;
  metrics: MetricsWriter;
  episode: number;
  lastEvalStep: number;
  returns: number[];
  unlock: () => void;
}

const YIELD_EVERY_MS = 25;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function evaluationSeeds(config: A2cRunConfig, count = config.evalEpisodes, base = EVAL_SEED): number[] {
  return Array.from({ length: count }, (_, i) => base + i);
}

function checkpoint(s: A2cSession): void {
  const payload: A2cRunCheckpoint = {
    identity: identityOf(s.config),
    episode: s.episode,
    globalStep: s.envs.globalStep,
    lastEvalStep: s.lastEvalStep,
    state: s.a2c.getState(),
    metrics: s.metrics.getOffset(),
  };
  saveCheckpoint(join(s.dir, RUN_FILES.checkpointDir), s.envs.globalStep, payload, s.config.keepCheckpoints);
}

function exportParams(network: ActorCriticNetwork): Record<string, number[]> {
  return Object.fromEntries(network.parameters.map((p) => [p.name, Array.from(p.data)]));
}

function importParams(network: ActorCriticNetwork, params: Record<string, number[]>): void {
  for (const p of network.parameters) {
    const v = params[p.name];
    if (!Array.isArray(v) || v.length !== p.data.length)
      throw new CorruptCheckpointError(
        `parameters: "${p.name}" is missing or not of length ${p.data.length}`,
      );
    p.data.set(v);
  }
}

/**
 * The training loop: one A2C update (a rollout of every env copy, then one gradient step) at a
 * time; a metric row per finished episode and one per update; a greedy evaluation on fixed seeds
 * every `evalEvery` frames and at the end; a checkpoint after the first update past every
 * `checkpointEvery` frames. Yields to the event loop every ~25 ms so a stop request lands between updates.
 */
async function trainSession(s: A2cSession, options: A2cRunOptions): Promise<RunResult> {
  const { config, a2c, envs, network, metrics, dir } = s;
  const evalEnv = makeA2cEnv(config);
  const seeds = evaluationSeeds(config);
  const sessionStart = performance.now();
  const startStep = envs.globalStep;
  let lastYield = sessionStart;
  let lastCheckpointStep = envs.globalStep;
  const finish = (status: RunResult["status"], message?: string): RunResult => {
    const write = (f: () => void): void => closingWrite(status, f);
    write(() => metrics.close());
    s.unlock();
    s.manifest.status = status;
    s.manifest.episodesDone = s.episode;
    if (message !== undefined) s.manifest.message = message;
    else delete s.manifest.message;
    if (status === "completed") s.manifest.endTime = new Date().toISOString();
    write(() => writeManifest(dir, s.manifest));
    return {
      dir,
      jobId: s.manifest.jobId,
      status,
      message,
      episodesDone: s.episode,
      returns: s.returns,
      parameterCount: { actorCritic: network.parameterCount },
    };
  };
  const evaluate = () => {
    const e = evaluateA2cPolicy(network, evalEnv, seeds);
    metrics.write({
      global_step: envs.globalStep,
      [METRIC.evalReturn]: e.mean,
      "eval/episodic_return_std": e.std,
    });
    s.lastEvalStep = envs.globalStep;
    return e;
  };
  try {
    while (envs.globalStep < config.totalSteps) {
      const info = a2c.update((ep) => {
        s.episode++;
        s.returns.push(ep.return);
        const elapsed = (performance.now() - sessionStart) / 1000;
        metrics.write({
          global_step: ep.globalStep,
          episode: s.episode,
          [METRIC.episodicReturn]: ep.return,
          [METRIC.episodicLength]: ep.length,
          [METRIC.sps]: elapsed > 0 ? Math.round((ep.globalStep - startStep) / elapsed) : null,
        });
      });
      const bad = findNonFiniteTensor(network.parameters);
      if (bad || !Number.isFinite(info.total))
        throw new DivergenceError(
          s.episode,
          envs.globalStep,
          bad ? `parameter ${bad.path}` : "losses/total",
          bad ? bad.value : info.total,
        );
      metrics.write({
        global_step: envs.globalStep,
        update: info.update,
        [METRIC.lossActor]: info.policy,
        [METRIC.lossCritic]: info.value,
        "losses/entropy": info.entropy,
        "charts/step_scale": info.stepScale,
      });
      if (
        config.evalEvery > 0 &&
        envs.globalStep - s.lastEvalStep >= config.evalEvery &&
        envs.globalStep < config.totalSteps
      )
        evaluate();
      options.onProgress?.(envs.globalStep);
      if (
        config.checkpointEvery > 0 &&
        envs.globalStep < config.totalSteps &&
        Math.floor(envs.globalStep / config.checkpointEvery) >
          Math.floor(lastCheckpointStep / config.checkpointEvery)
      ) {
        checkpoint(s);
        lastCheckpointStep = envs.globalStep;
      }
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (options.signal?.aborted && envs.globalStep < config.totalSteps) {
        checkpoint(s);
        return finish(
          "interrupted",
          `stopped at frame ${envs.globalStep} of ${config.totalSteps}; continue with \`lowrank-rl resume ${dir}\``,
        );
      }
    }
    const final = evaluate();
    writeJsonAtomic(join(dir, RUN_FILES.evalJson), {
      protocol: "greedy action argmax_a π(a|s); episode i resets with seed base+i",
      global_step: envs.globalStep,
      seedBase: seeds[0],
      ...final,
    });
    writeJsonAtomic(join(dir, RUN_FILES.finalParams), exportParams(network));
    checkpoint(s);
    return finish("completed");
  } catch (err) {
    const end = stoppedRunEnding(err, dir, "frame");
    if (end.status === "diverged") return finish("diverged", end.message);
    finish("failed", end.message);
    throw err;
  }
}

/**
 * Runs an actor-critic `(config, seed) → run directory`: manifest (config and the resolved model),
 * metrics.jsonl/csv, checkpoints under `checkpoints/`, eval.json and final_params.json. Deterministic
 * given the config. The directory is locked (run.lock) while this process writes it.
 */
export async function executeA2cRun(rawConfig: unknown, options: A2cRunOptions = {}): Promise<RunResult> {
  const config = parseA2cRunConfig(rawConfig);
  let dir: string;
  if (options.dir !== undefined) {
    if (options.dir.trim() === "")
      throw new Error(
        "run directory: the path is empty (name a folder, or leave it out for an auto-named one)",
      );
    dir = options.dir;
    mkdirSync(dir, { recursive: true });
  } else dir = createRunDir(options.outRoot ?? "runs", config.env, "a2c", config.seed);
  const { a2c, envs, network } = buildA2c(config);
  const unlock = lockRunDir(dir);
  const manifest = newManifest({
    jobId: a2cJobId(config),
    config,
    seed: config.seed,
    envId: config.env,
    algo: "a2c",
  });
  manifest.parameterCount = { actorCritic: network.parameterCount };
  (manifest as unknown as { spec: A2cRunSpec }).spec = a2cRunSpec(config);
  writeManifest(dir, manifest);
  return trainSession(
    {
      dir,
      config,
      manifest,
      a2c,
      envs,
      network,
      metrics: MetricsWriter.create(dir, A2C_METRIC_COLUMNS, { tensorboard: config.tensorboard !== false }),
      episode: 0,
      lastEvalStep: 0,
      returns: [],
      unlock,
    },
    options,
  );
}

/**
 * Continues the a2c run in `dir` from its newest valid checkpoint, bit-identically to an
 * uninterrupted run: parameters, optimizer (K-FAC's factors and inverses), generator, every env
 * copy and the metric files are restored (rows after the checkpoint are cut).
 */
export async function resumeA2cRun(
  dir: string,
  options: Omit<A2cRunOptions, "dir" | "outRoot"> = {},
): Promise<RunResult> {
  const old = readManifest<A2cRunConfig>(dir);
  const config = parseA2cRunConfig(old.config);
  if (old.status === "completed") return completedRunResult(dir, old);
  const warn = options.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const unlock = lockRunDir(dir);
  try {
    const ckptDir = join(dir, RUN_FILES.checkpointDir);
    const ckpt = loadLatestCheckpoint<A2cRunCheckpoint>(ckptDir, warn, sameIdentity(identityOf(config)));
    if (ckpt === null) {
      warn(`${dir}: no usable checkpoint; restarting the run from frame 0`);
      unlock();
      return executeA2cRun(config, { ...options, dir });
    }
    const p = ckpt.payload;
    const { a2c, envs, network } = buildA2c(config);
    a2c.setState(p.state);
    const metrics = MetricsWriter.resume(dir, p.metrics, A2C_METRIC_COLUMNS, {
      tensorboard: config.tensorboard !== false,
    });
    removePartialCheckpoints(ckptDir);
    const manifest: Manifest<A2cRunConfig> = {
      ...old,
      status: "running",
      endTime: null,
      resumes: (old.resumes ?? 0) + 1,
    };
    delete manifest.message;
    writeManifest(dir, manifest);
    const returns = metricColumn(readMetrics(dir), METRIC.episodicReturn).filter((x) => !Number.isNaN(x));
    if (returns.length !== p.episode)
      throw new CorruptCheckpointError(
        `${dir}: metrics hold ${returns.length} episodes, the checkpoint ${p.episode}; cannot resume`,
      );
    return await trainSession(
      {
        dir,
        config,
        manifest,
        a2c,
        envs,
        network,
        metrics,
        episode: p.episode,
        lastEvalStep: p.lastEvalStep,
        returns,
        unlock,
      },
      options,
    );
  } catch (err) {
    unlock();
    throw err;
  }
}

/**
 * Greedy evaluation of an a2c run's policy (final_params.json, or the newest checkpoint's) on
 * `episodes` fixed seeds from `seed` (default: the run's evaluation seeds).
 */
export function evaluateA2cRunDir(
  dir: string,
  opts: { episodes?: number; seed?: number; maxSteps?: number; params?: "final" | "checkpoint" } = {},
): { mean: number; std: number; returns: number[]; seeds: number[] } {
  const config = parseA2cRunConfig(readManifest(dir).config);
  const network = buildA2cNetwork(config, new Rng(config.seed));
  const finalPath = join(dir, RUN_FILES.finalParams);
  if ((opts.params ?? "final") === "final" && existsSync(finalPath)) {
    importParams(network, JSON.parse(readFileSync(finalPath, "utf8")) as Record<string, number[]>);
  } else {
    const ckpt = loadLatestCheckpoint<A2cRunCheckpoint>(join(dir, RUN_FILES.checkpointDir));
    if (!ckpt)
      throw new CorruptCheckpointError(`${dir}: no final_params.json and no usable checkpoint to evaluate`);
    importParams(network, ckpt.payload.state.parameters);
  }
  const seeds = evaluationSeeds(config, opts.episodes ?? config.evalEpisodes, opts.seed ?? EVAL_SEED);
  return { ...evaluateA2cPolicy(network, makeA2cEnv(config), seeds, opts.maxSteps), seeds };
}
