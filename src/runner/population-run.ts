import { closeSync, mkdirSync, openSync, appendFileSync } from "node:fs";
import { join } from "node:path";
import { LrpgAgent } from "../lrpg/gaussian-lrpg-agent.js";
import { LrpgPopulation, type PopulationTask } from "../population/index.js";
import { PAPER_POPULATION_TASKS } from "../presets/population-tasks.js";
import type { StateDict } from "../pg/agent.js";
import { Rng } from "../random/rng.js";
import { writeJsonAtomic } from "./atomic-file.js";
import { parseRunConfig, usesPopulation, type RunConfig } from "./config.js";
import { DivergenceError } from "./divergence.js";
import { evaluatePolicy } from "./evaluate.js";
import { canonicalJson } from "./job-id.js";
import { newManifest, writeManifest, type Manifest, type RunStatus } from "./manifest.js";
import { METRIC, MetricsWriter, type MetricRow } from "./metrics.js";
import { paperAgentFactory } from "./paper-agent-factory.js";
import { runJobId, type RunResult } from "./run.js";
import { createRunDir, RUN_FILES } from "./run-dir.js";
import { pgRunSpec } from "./run-spec.js";

/**
 * Trains runs that differ only in their seed as one lockstep population (src/population,
 * `LrpgPopulation`) and writes each agent's run directory in the single-run layout: manifest.json
 * (the config, plus a `population` block), metrics.jsonl/csv (same columns; `charts/SPS` is the
 * agent's steps over the population's wall time), snapshots.jsonl, final_params.json (the same
 * state-dict keys and shapes as `LrpgAgent.exportStateDict`). No checkpoints are written: an
 * interrupted population run restarts from episode 0 on `resume` (on the cpu backend the
 * result is the same, bit for bit, as the single run's).
 */

export interface PopulationRunOptions {
  /** Creates `<outRoot>/<env>__<algo>__<seed>__<time>/` per run. */
  outRoot?: string;
  /** Or: one directory per config (created if missing). */
  dirs?: readonly string[];
  /** Called after each agent's episode (P calls per lockstep episode). */
  onEpisode?: (episode: number, episodes: number, episodeReturn: number) => void;
  /** A stop request: every unfinished run is marked "interrupted" (no checkpoint; resume restarts it). */
  signal?: AbortSignal;
}

/** The population task of a config: the paper task's dynamics with the config's grids, rates, γ. */
export function populationTaskOf(config: RunConfig): PopulationTask {
  if (config.task === null) throw new Error(`population: env ${config.env} is not a paper task`);
  const base = PAPER_POPULATION_TASKS[config.task];
  return {
    ...base,
    actorGrid:
      config.actorBuckets === undefined
        ? base.actorGrid
        : { ...base.actorGrid, buckets: config.actorBuckets },
    criticGrid:
      config.criticBuckets === undefined
        ? base.criticGrid
        : { ...base.criticGrid, buckets: config.criticBuckets },
    rank: config.rank ?? base.rank,
    lrActor: config.lrActor as number,
    lrCritic: config.lrCritic as number,
    gamma: config.gamma,
    maxSteps: config.maxSteps,
  };
}

/** The config with the seed blanked: runs with equal keys can share a population. */
export function populationGroupKey(config: RunConfig): string {
  return canonicalJson({ ...config, seed: 0 });
}

/** Scans one agent's parameters for a non-finite value. */
function nonFiniteOf(pop: LrpgPopulation, p: number): { path: string; value: number } | null {
  const w = pop.agentParameters(p);
  const blocks = { "mu.L": w.actorL, "mu.R": w.actorR, "value.L": w.criticL, "value.R": w.criticR };
  for (const [path, data] of Object.entries({ ...blocks, log_sigma: [w.logSigma] }))
    for (const value of data) if (!Number.isFinite(value)) return { path, value };
  return null;
}

interface AgentSlot {
  config: RunConfig;
  dir: string;
  manifest: Manifest<RunConfig>;
  /** A single-run agent holding this agent's parameters when exported (state dict, evaluation). */
  shell: LrpgAgent;
  metrics: MetricsWriter;
  snapshotsPath: string;
  returns: number[];
  globalStep: number;
  status: RunStatus | null;
  message?: string;
}

/** Copies agent p's parameters into its shell agent (single-agent layout, σ refreshed). */
function syncShell(pop: LrpgPopulation, p: number, shell: LrpgAgent): void {
  const w = pop.agentParameters(p);
  shell.mu.L.data.set(w.actorL);
  shell.mu.R.data.set(w.actorR);
  shell.critic.matrix.L.data.set(w.criticL);
  shell.critic.matrix.R.data.set(w.criticR);
  shell.logSigma!.data[0] = w.logSigma;
  shell.importStateDict(shell.exportStateDict());
}

function stateDictOf(pop: LrpgPopulation, p: number, shell: LrpgAgent): StateDict {
  syncShell(pop, p, shell);
  return shell.exportStateDict();
}

const YIELD_EVERY_MS = 25;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Trains `configs` (equal but for the seed; each must satisfy `parseRunConfig`'s population
 * checks) as one population of P = configs.length agents on `config.backend`, writing P run
 * directories. Results are in config order. On the cpu backend every number logged equals the
 * single run's (`executeRun`) except `charts/SPS`.
 */
export async function executePopulation(
  rawConfigs: readonly unknown[],
  options: PopulationRunOptions = {},
): Promise<RunResult[]> {
  if (rawConfigs.length < 1) throw new RangeError("executePopulation: needs at least one config");
  const configs = rawConfigs.map((c) => parseRunConfig(c));
  const first = configs[0];
  const key = populationGroupKey(first);
  configs.forEach((c, p) => {
    if (populationGroupKey(c) !== key)
      throw new RangeError(`executePopulation: configs[${p}] differs from configs[0] in more than the seed`);
    if (c.algo !== "lrpg" || c.task === null)
      throw new RangeError(`executePopulation: configs[${p}] is not LRPG on a paper task`);
  });
  if (options.dirs && options.dirs.length !== configs.length)
    throw new RangeError(
      `executePopulation: dirs has ${options.dirs.length} entries for ${configs.length} configs`,
    );
  const seeds = configs.map((c) => c.seed);
  // Open the backend first: an unavailable gpu mode fails before any directory is written.
  const pop = await LrpgPopulation.create({
    task: populationTaskOf(first),
    seeds,
    ranks: first.rank,
    maxSteps: first.maxSteps,
    backend: first.backend,
    ...(first.backend === "gpu" ? { gpuMode: first.gpuMode } : {}),
  });
  const P = configs.length;
  const episodes = first.episodes;
  const backendInfo = { kind: pop.backend.kind, mode: pop.backend.mode, precision: pop.backend.precision };
  const slots: AgentSlot[] = configs.map((config, p) => {
    const dir =
      options.dirs?.[p] ?? createRunDir(options.outRoot ?? "runs", config.env, config.algo, config.seed);
    mkdirSync(dir, { recursive: true });
    const shell = paperAgentFactory(config, new Rng(config.seed));
    if (!(shell instanceof LrpgAgent))
      throw new Error("executePopulation: the paper factory did not build an LrpgAgent");
    const manifest = newManifest({
      jobId: runJobId(config),
      config,
      seed: config.seed,
      envId: config.env,
      algo: config.algo,
    });
    manifest.parameterCount = { ...shell.parameterCount };
    manifest.spec = pgRunSpec(config);
    manifest.population = { size: P, index: p, seeds: [...seeds], backend: backendInfo, checkpoints: false };
    writeManifest(dir, manifest);
    const snapshotsPath = join(dir, RUN_FILES.snapshots);
    closeSync(openSync(snapshotsPath, "w"));
    const slot: AgentSlot = {
      config,
      dir,
      manifest,
      shell,
      metrics: MetricsWriter.create(dir, undefined, { tensorboard: config.tensorboard !== false }),
      snapshotsPath,
      returns: [],
      globalStep: 0,
      status: null,
    };
    if (config.snapshotEvery > 0) appendSnapshot(slot, 0, stateDictOf(pop, p, shell));
    return slot;
  });

  const finish = (slot: AgentSlot, status: RunStatus, episodesDone: number, message?: string) => {
    slot.status = status;
    slot.message = message;
    slot.metrics.close();
    slot.manifest.status = status;
    slot.manifest.episodesDone = episodesDone;
    if (message !== undefined) slot.manifest.message = message;
    if (status === "completed") slot.manifest.endTime = new Date().toISOString();
    writeManifest(slot.dir, slot.manifest);
  };

  const start = performance.now();
  let lastYield = start;
  let done = 0;
  try {
    while (done < episodes && slots.some((s) => s.status === null)) {
      const r = await pop.trainEpisode();
      const number = done + 1;
      const elapsed = (performance.now() - start) / 1000;
      for (let p = 0; p < P; p++) {
        const s = slots[p];
        if (s.status !== null) continue;
        const stepAfter = s.globalStep + r.lengths[p];
        const bad: [string, number] | null = !Number.isFinite(r.returns[p])
          ? [METRIC.episodicReturn, r.returns[p]]
          : !Number.isFinite(r.lossActor[p])
            ? [METRIC.lossActor, r.lossActor[p]]
            : !Number.isFinite(r.lossCritic[p])
              ? [METRIC.lossCritic, r.lossCritic[p]]
              : null;
        const badParam = bad ? null : nonFiniteOf(pop, p);
        if (bad || badParam) {
          const err = bad
            ? new DivergenceError(number, stepAfter, bad[0], bad[1])
            : new DivergenceError(number, stepAfter, `parameter ${badParam!.path}`, badParam!.value);
          finish(s, "diverged", done, err.message);
          continue;
        }
        s.globalStep = stepAfter;
        s.returns.push(r.returns[p]);
        const row: MetricRow = {
          episode: number,
          [METRIC.episodicReturn]: r.returns[p],
          [METRIC.episodicLength]: r.lengths[p],
          global_step: s.globalStep,
          [METRIC.sps]: elapsed > 0 ? Math.round(s.globalStep / elapsed) : null,
          [METRIC.lossActor]: r.lossActor[p],
          [METRIC.lossCritic]: r.lossCritic[p],
          [METRIC.learningRateActor]: s.config.lrActor as number,
          [METRIC.learningRateCritic]: s.config.lrCritic as number,
        };
        const c = s.config;
        if (c.evalEvery > 0 && number % c.evalEvery === 0) {
          syncShell(pop, p, s.shell);
          row[METRIC.evalReturn] = evaluatePolicy(s.shell, c, { episodes: c.evalEpisodes }).meanReturn;
        }
        s.metrics.write(row);
        if (c.snapshotEvery > 0 && number % c.snapshotEvery === 0)
          appendSnapshot(s, number, stateDictOf(pop, p, s.shell));
        options.onEpisode?.(number, episodes, r.returns[p]);
      }
      done = number;
      const now = performance.now();
      if (now - lastYield > YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
      if (options.signal?.aborted && done < episodes) {
        for (const s of slots) {
          if (s.status === null)
            finish(
              s,
              "interrupted",
              done,
              `stopped after episode ${done} of ${episodes}; population runs keep no checkpoints, so \`lowrank-rl resume ${s.dir}\` restarts it from episode 0`,
            );
        }
        break;
      }
    }
    for (let p = 0; p < P; p++) {
      const s = slots[p];
      if (s.status !== null) continue;
      writeJsonAtomic(join(s.dir, RUN_FILES.finalParams), stateDictOf(pop, p, s.shell));
      finish(s, "completed", done);
    }
  } catch (err) {
    for (const s of slots) if (s.status === null) finish(s, "failed", done, (err as Error).message);
    throw err;
  } finally {
    await pop.dispose();
  }
  return slots.map((s) => ({
    dir: s.dir,
    jobId: s.manifest.jobId,
    status: s.status!,
    message: s.message,
    episodesDone: s.manifest.episodesDone,
    returns: s.returns,
    parameterCount: { ...s.shell.parameterCount },
  }));
}

function appendSnapshot(s: AgentSlot, episode: number, params: StateDict): void {
  appendFileSync(s.snapshotsPath, JSON.stringify({ episode, params }) + "\n");
}

/** A job for {@link groupIntoPopulations}: a resolved config and where its run goes. */
export interface RunJob {
  config: RunConfig;
  dir?: string;
  outRoot?: string;
  resume?: boolean;
}

/**
 * Groups jobs for execution: jobs whose config uses the population path (backend gpu or
 * population > 1) and that are equal but for the seed go together, `config.population` at a
 * time, in job order; every other job (and every resume) stays alone. Returns lists of job indices.
 */
export function groupIntoPopulations(jobs: readonly RunJob[]): number[][] {
  const groups: number[][] = [];
  const open = new Map<string, number[]>();
  jobs.forEach((job, i) => {
    if (job.resume || !usesPopulation(job.config)) {
      groups.push([i]);
      return;
    }
    const key = populationGroupKey(job.config) + "\u0000" + (job.outRoot ?? "");
    let group = open.get(key);
    if (!group || group.length >= job.config.population) {
      group = [];
      open.set(key, group);
      groups.push(group);
    }
    group.push(i);
  });
  return groups;
}
