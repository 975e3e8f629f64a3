/**
 * Shared driver of the DQN experiment scripts (experiments/cartpole-dqn.ts, experiments/breakout.ts):
 * runs every (variant, seed) sequentially on one core, writes one CleanRL-style run directory per run
 * (manifest.json, metrics.jsonl / metrics.csv, eval.json, spectra.jsonl) and, at the top of `out`,
 * summary.json, curves.json (learning curves and return-vs-parameter-count data) and report.html.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname, join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import { DqnAgent } from "../../src/dqn/agent.js";
import type { DqnConfig } from "../../src/dqn/config.js";
import type { ObservationDtype } from "../../src/dqn/replay-buffer.js";
import { evaluateDqn } from "../../src/dqn/evaluate.js";
import { singularValues, spectrumSummary } from "../../src/dqn/spectrum.js";
import { readDqnCheckpoint, writeDqnCheckpoint } from "../../src/dqn/checkpoint.js";
import { trainDqn, type EpisodeRecord, type EvalRecord } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import type { Layer } from "../../src/nn/layer.js";
import { parametersToStateDict } from "../../src/laser/parameters-state-dict.js";
import { makeSavedPolicy, writeSavedPolicy } from "../../src/laser/saved-policy.js";
import { Rng } from "../../src/random/rng.js";
import { linesFigure, returnVsParamsFigure, type ParamPoint } from "../../src/report/figures.js";
import { writeReport } from "../../src/report/html.js";
import { writeJsonAtomic } from "../../src/runner/atomic-file.js";
import { newManifest, readManifest, writeManifest, type Manifest } from "../../src/runner/manifest.js";
import { MetricsWriter, type MetricsOffset } from "../../src/runner/metrics.js";
import { gitCommit, packageVersion } from "../../src/runner/provenance.js";
import { createRunDir } from "../../src/runner/run-dir.js";
import { mean, spread } from "../../src/runner/stats.js";

/** One network variant: how to build it and, optionally, which dense matrix to track the spectrum of. */
export interface DqnVariant {
  name: string;
  /** Family for the return-vs-parameters plot (e.g. "dense", "low-rank", "TRL", "CP conv"). */
  family: string;
  makeNetwork: (rng: Rng) => Layer;
  /** Row-major rows×cols matrix whose singular values are recorded (the hidden layer's weight). */
  spectrumOf?: (net: Layer) => { data: Float64Array; rows: number; cols: number } | null;
  /**
   * Options of a `"dqn"` saved policy (src/laser/policy-kinds.ts) that rebuild this network; given →
   * the trained online network is written to `<run>/policy.json` for `lowrank-rl laser`.
   */
  savedPolicyOptions?: Record<string, unknown>;
}

export interface DqnExperimentOptions {
  experiment: string;
  envId: string;
  makeEnv: (rng: Rng) => Env<unknown, number>;
  makeEvalEnv: () => Env<unknown, number>;
  variants: readonly DqnVariant[];
  seeds: readonly number[];
  frames: number;
  config: Partial<DqnConfig>;
  observationDtype?: ObservationDtype;
  evalSeeds: readonly number[];
  evalEpsilon: number;
  evalInterval: number;
  evalMaxSteps: number;
  /** Frames between training-log rows and learning-curve points. */
  logInterval: number;
  /** Frames between spectrum records (0 = never). */
  spectrumInterval: number;
  /** Training-return moving-average window (MinAtar's curves: 100 episodes). */
  returnWindow: number;
  out: string;
  hyperparameters: Record<string, unknown>;
  reference?: Record<string, unknown>;
  quiet?: boolean;
  /**
   * Frames between checkpoints (`<run dir>/checkpoint.bin`, replacing the previous one atomically;
   * 0 or absent = none). A checkpoint holds the agent (networks, optimizer, replay buffer), the env,
   * the generator and the loop counters, plus the metric files' lengths at that frame.
   */
  checkpointEvery?: number;
  /**
   * Keep `checkpoint.bin` after the run completes (so `--resume --frames <more>` can extend it).
   * Default false: a finished run's checkpoint (≈ 86 MB for Breakout) is deleted.
   */
  keepCheckpoint?: boolean;
  /**
   * Continue the run in this directory from its checkpoint.bin: `variants` and `seeds` must name
   * exactly that run (see {@link readResumeTarget}); metric rows written after the checkpoint are
   * cut off and the run goes on to `frames`, giving the same numbers as an uninterrupted run.
   * The top-level summary/curves/report are written only if `out` has no summary.json yet.
   */
  resume?: string;
}

/** File name of a DQN run's checkpoint inside its run directory. */
export const DQN_CHECKPOINT_FILE = "checkpoint.bin";

/** What {@link runDqnExperiment} stores next to the training state in a checkpoint. */
interface RunCheckpointExtra {
  metrics: MetricsOffset;
  spectraBytes: number;
  /** The last `returnWindow` episodes (moving average) and the learning curve so far. */
  recentEpisodes: EpisodeRecord[];
  curve: number[];
}

/** The `config` a DQN experiment writes into each run's manifest. */
export interface DqnRunConfig {
  experiment: string;
  variant: string;
  frames: number;
  checkpoint_every?: number;
  [key: string]: unknown;
}

/**
 * Reads what `--resume <run dir>` needs from a run directory's manifest: the experiment, variant,
 * seed, frame budget and the run's hyperparameters (to rebuild the same network). Errors name the
 * directory and the missing piece.
 */
export function readResumeTarget(
  runDir: string,
  experiment: string,
): { manifest: Manifest<DqnRunConfig>; variant: string; seed: number; frames: number; config: DqnRunConfig } {
  if (!existsSync(runDir)) throw new Error(`--resume: run directory ${runDir} does not exist`);
  const manifest = readManifest<DqnRunConfig>(runDir);
  const c = manifest.config;
  if (c?.experiment !== experiment)
    throw new Error(
      `--resume: ${runDir} is a run of experiment "${String(c?.experiment)}", not "${experiment}"`,
    );
  if (typeof c.variant !== "string" || !Number.isInteger(c.frames) || !Number.isInteger(manifest.seed))
    throw new Error(`--resume: ${runDir}/manifest.json lacks config.variant, config.frames or seed`);
  if (!existsSync(join(runDir, DQN_CHECKPOINT_FILE)) && manifest.status === "completed")
    throw new Error(
      `--resume: ${runDir} already completed its ${c.frames} frames and its ${DQN_CHECKPOINT_FILE} was deleted on completion (run with --keep-checkpoint to be able to extend a finished run)`,
    );
  if (!existsSync(join(runDir, DQN_CHECKPOINT_FILE)))
    throw new Error(
      `--resume: ${runDir} has no ${DQN_CHECKPOINT_FILE} (the run was started without --checkpoint-every, or stopped before its first checkpoint)`,
    );
  return { manifest, variant: c.variant, seed: manifest.seed, frames: c.frames, config: c };
}

/** What `--resume <run dir>` sets for a DQN experiment script (see {@link resumeSettings}). */
export interface ResumeSettings {
  runDir: string;
  variant: string;
  seed: number;
  frames: number;
  checkpointEvery: number;
  /** The experiment's output folder (two levels above the run directory). */
  out: string;
  /** The run's manifest config (the script's hyperparameters at the time, e.g. matmul_precision). */
  config: DqnRunConfig;
}

/**
 * Resolves `--resume <run dir>` of a DQN experiment script: variant, seed, output folder and
 * (unless given on the command line) the frame budget and checkpoint interval come from the run's
 * manifest. Flags that would contradict the run (`fixedFlags`, e.g. --variants, --seeds, --out)
 * are refused with an error naming them.
 */
export function resumeSettings(
  program: Command,
  experiment: string,
  fixedFlags: readonly string[],
  cli: { resume: string; frames: number; checkpointEvery: number },
): ResumeSettings {
  for (const flag of fixedFlags) {
    const key = flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (program.getOptionValueSource(key) === "cli")
      throw new InvalidArgumentError(
        `--resume takes ${fixedFlags.join(", ")} from the run's manifest; do not pass ${flag}`,
      );
  }
  const runDir = resolve(cli.resume);
  const t = readResumeTarget(runDir, experiment);
  const fromCli = (key: string): boolean => program.getOptionValueSource(key) === "cli";
  return {
    runDir,
    variant: t.variant,
    seed: t.seed,
    frames: fromCli("frames") ? cli.frames : t.frames,
    checkpointEvery: fromCli("checkpointEvery")
      ? cli.checkpointEvery
      : (t.config.checkpoint_every ?? cli.checkpointEvery),
    out: dirname(dirname(runDir)),
    config: t.config,
  };
}

/** The options of a DQN experiment script that `--resume` overrides. */
export interface ResumableScriptOptions {
  variants: string[];
  seeds: number[];
  frames: number;
  checkpointEvery: number;
  out: string;
  resume?: string;
}

/**
 * Applies `--resume <run dir>` to a DQN script's parsed options (see {@link resumeSettings}): the
 * run's variant (which must be one of `knownVariants`), seed, budget, interval and output folder;
 * `extra` reads further settings from the run's config. Any error ends the process through
 * commander with exit code 2, before anything is written.
 */
export function applyResume(
  program: Command,
  experiment: string,
  fixedFlags: readonly string[],
  opts: ResumableScriptOptions,
  knownVariants: readonly string[],
  extra?: (settings: ResumeSettings) => void,
): void {
  if (opts.resume === undefined) return;
  try {
    const r = resumeSettings(program, experiment, fixedFlags, {
      resume: opts.resume,
      frames: opts.frames,
      checkpointEvery: opts.checkpointEvery,
    });
    if (!knownVariants.includes(r.variant))
      throw new InvalidArgumentError(`--resume: unknown variant "${r.variant}" in the manifest`);
    opts.variants = [r.variant];
    opts.seeds = [r.seed];
    opts.frames = r.frames;
    opts.checkpointEvery = r.checkpointEvery;
    opts.out = r.out;
    opts.resume = r.runDir;
    extra?.(r);
  } catch (err) {
    program.error(`error: ${(err as Error).message}`, { exitCode: 2 });
  }
}

/** Lock file of a run directory while a process writes to it: `<pid>@<hostname>`. */
export const DQN_RUN_LOCK_FILE = "run.lock";

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Claims `dir` for this process (so a `--resume` cannot write into a run that is still going):
 * refuses when run.lock names a live process on this host; a lock of a dead process (a crashed
 * run) is taken over. Returns the release function.
 */
function lockRunDir(dir: string): () => void {
  const path = join(dir, DQN_RUN_LOCK_FILE);
  const me = `${process.pid}@${hostname()}`;
  if (existsSync(path)) {
    const [pidText, host] = readFileSync(path, "utf8").trim().split("@");
    const pid = Number(pidText);
    if (host === hostname() && Number.isInteger(pid) && pid !== process.pid && processAlive(pid))
      throw new Error(
        `${dir} is in use by process ${pid} (${DQN_RUN_LOCK_FILE}); stop it first, or delete ${path} if that process is not this run`,
      );
    rmSync(path, { force: true });
  }
  writeFileSync(path, me + "\n", { flag: "wx" });
  return () => rmSync(path, { force: true });
}

function checkExtra(x: unknown, path: string): RunCheckpointExtra {
  const e = x as Partial<RunCheckpointExtra> | null;
  const nonNegInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0;
  if (
    e === null ||
    typeof e !== "object" ||
    !nonNegInt(e.metrics?.jsonlBytes) ||
    !nonNegInt(e.metrics?.csvBytes) ||
    !nonNegInt(e.metrics?.rows)
  )
    throw new Error(`${path}: extra.metrics must be {jsonlBytes, csvBytes, rows} integers >= 0`);
  if (!nonNegInt(e.spectraBytes)) throw new Error(`${path}: extra.spectraBytes must be an integer >= 0`);
  if (!Array.isArray(e.recentEpisodes)) throw new Error(`${path}: extra.recentEpisodes must be an array`);
  if (!Array.isArray(e.curve)) throw new Error(`${path}: extra.curve must be an array`);
  return e as RunCheckpointExtra;
}

const COLUMNS = [
  "global_step",
  "episode",
  "charts/episodic_return",
  "charts/episodic_length",
  "charts/SPS",
  "charts/epsilon",
  "losses/td_loss",
  "losses/q_values",
  "losses/grad_norm",
  "eval/episodic_return",
  "eval/episodic_return_std",
  "spectrum/effective_rank",
  "spectrum/energy90_rank",
  "spectrum/sigma_max",
];

interface RunOutcome {
  variant: string;
  seed: number;
  dir: string;
  params: number;
  /** Training-return moving average at each log point (frames = curveFrames). */
  curve: number[];
  finalTrainReturn: number | null;
  finalEval: number | null;
  evals: EvalRecord[];
  episodes: number;
  seconds: number;
  framesPerSecond: number;
}

function movingAverage(episodes: readonly EpisodeRecord[], window: number): number | null {
  if (episodes.length === 0) return null;
  const tail = episodes.slice(-window);
  return tail.reduce((a, e) => a + e.return, 0) / tail.length;
}

export function runDqnExperiment(o: DqnExperimentOptions): void {
  const log = (s: string): void => {
    if (!o.quiet) process.stderr.write(s + "\n");
  };
  mkdirSync(o.out, { recursive: true });
  const runsRoot = join(o.out, "runs");
  const curveFrames: number[] = [];
  for (let f = o.logInterval; f <= o.frames; f += o.logInterval) curveFrames.push(f);
  const outcomes: RunOutcome[] = [];
  const t0 = performance.now();

  const checkpointEvery = o.checkpointEvery ?? 0;
  if (!(Number.isInteger(checkpointEvery) && checkpointEvery >= 0))
    throw new RangeError(`checkpointEvery must be an integer >= 0 (0 = off), got ${checkpointEvery}`);
  if (o.resume !== undefined && (o.variants.length !== 1 || o.seeds.length !== 1))
    throw new RangeError(
      `resume: pass exactly the resumed run's variant and seed (got ${o.variants.length} variants, ${o.seeds.length} seeds)`,
    );

  for (const variant of o.variants) {
    for (const seed of o.seeds) {
      const rng = new Rng(seed);
      const netRng = rng.fork();
      const envRng = rng.fork();
      const agent = new DqnAgent({
        makeNetwork: () => variant.makeNetwork(netRng),
        config: o.config,
        observationDtype: o.observationDtype,
      });
      const params = agent.network.parameterCount;
      const algo = `dqn-${variant.name}`;
      const runConfig: DqnRunConfig = {
        experiment: o.experiment,
        variant: variant.name,
        frames: o.frames,
        checkpoint_every: checkpointEvery,
        dqn: agent.config,
        ...o.hyperparameters,
      };
      // What a checkpoint must match to be resumed by this run (the frame budget may grow).
      const identity = JSON.parse(
        JSON.stringify({
          experiment: o.experiment,
          envId: o.envId,
          variant: variant.name,
          seed,
          dqn: agent.config,
          observationDtype: o.observationDtype ?? "float64",
          network: agent.network.parameters.map((p) => `${p.name} [${p.shape.join("x")}]`),
          hyperparameters: o.hyperparameters,
        }),
      ) as Record<string, unknown>;
      const env = o.makeEnv(envRng);
      let dir: string;
      let manifest: Manifest<DqnRunConfig>;
      let metrics: MetricsWriter;
      let resumeFrom: Parameters<typeof trainDqn>[0]["resume"];
      let unlock: () => void;
      const episodes: EpisodeRecord[] = [];
      let curve: number[] = [];
      if (o.resume !== undefined) {
        dir = o.resume;
        const target = readResumeTarget(dir, o.experiment);
        unlock = lockRunDir(dir);
        if (target.variant !== variant.name || target.seed !== seed)
          throw new RangeError(
            `resume: ${dir} is variant "${target.variant}" seed ${target.seed}, not "${variant.name}" seed ${seed}`,
          );
        manifest = target.manifest;
        const ckptPath = join(dir, DQN_CHECKPOINT_FILE);
        // Everything is read and validated before any file of the run is touched.
        const ckpt = readDqnCheckpoint(ckptPath, identity);
        const extra = checkExtra(ckpt.extra, ckptPath);
        if (o.frames < ckpt.frame)
          throw new RangeError(`resume: frames ${o.frames} is below the checkpoint's frame ${ckpt.frame}`);
        if (manifest.status === "completed" && o.frames <= target.frames)
          throw new RangeError(
            `resume: ${dir} already completed its ${target.frames} frames; pass a larger --frames to extend it`,
          );
        // Dry run with no frames to go: restores (and so validates) agent, env and loop state.
        trainDqn({ env, agent, totalFrames: ckpt.frame, rng, envSeed: seed, resume: ckpt.train });
        // Partial checkpoint writes of the interrupted process (tmp files never renamed).
        for (const f of readdirSync(dir))
          if (f.startsWith(`${DQN_CHECKPOINT_FILE}.tmp-`)) rmSync(join(dir, f), { force: true });
        metrics = MetricsWriter.resume(dir, extra.metrics, COLUMNS);
        const spectra = join(dir, "spectra.jsonl");
        if (extra.spectraBytes > 0) {
          if (!existsSync(spectra) || statSync(spectra).size < extra.spectraBytes)
            throw new Error(
              `${spectra}: shorter than the checkpoint's ${extra.spectraBytes} bytes; cannot resume`,
            );
          truncateSync(spectra, extra.spectraBytes);
        } else if (existsSync(spectra)) truncateSync(spectra, 0);
        episodes.push(...extra.recentEpisodes);
        curve = [...extra.curve];
        resumeFrom = ckpt.train;
        manifest.config = runConfig;
        manifest.status = "running";
        manifest.endTime = null;
        manifest.resumes = (manifest.resumes ?? 0) + 1;
        writeManifest(dir, manifest);
        log(`[${variant.name} seed ${seed}] resuming ${dir} at frame ${ckpt.frame}/${o.frames}`);
      } else {
        dir = createRunDir(runsRoot, o.envId, algo, seed);
        unlock = lockRunDir(dir);
        manifest = newManifest({
          jobId: `${o.experiment}-${variant.name}-${seed}`,
          config: runConfig,
          seed,
          envId: o.envId,
          algo,
        });
        manifest.parameterCount = { q_network: params };
        writeManifest(dir, manifest);
        metrics = MetricsWriter.create(dir, COLUMNS);
      }
      const spectraPath = join(dir, "spectra.jsonl");
      const recordSpectrum = (frame: number): void => {
        const m = variant.spectrumOf?.(agent.network);
        if (!m) return;
        const sigma = singularValues(m.data, m.rows, m.cols);
        const s = spectrumSummary(sigma);
        appendFileSync(spectraPath, JSON.stringify({ global_step: frame, singular_values: sigma }) + "\n");
        metrics.write({
          global_step: frame,
          "spectrum/effective_rank": s.effectiveRank,
          "spectrum/energy90_rank": s.energyRank,
          "spectrum/sigma_max": s.top,
        });
      };
      if (o.spectrumInterval > 0 && resumeFrom === undefined) recordSpectrum(0);
      log(`[${variant.name} seed ${seed}] ${params} parameters → ${dir}`);
      const checkpointPath = join(dir, DQN_CHECKPOINT_FILE);
      const res = trainDqn({
        env,
        agent,
        resume: resumeFrom,
        checkpoint:
          checkpointEvery > 0
            ? {
                everyFrames: checkpointEvery,
                save: (train) => {
                  const t = performance.now();
                  const extra: RunCheckpointExtra = {
                    metrics: metrics.getOffset(),
                    spectraBytes: existsSync(spectraPath) ? statSync(spectraPath).size : 0,
                    recentEpisodes: episodes.slice(-o.returnWindow),
                    curve: [...curve],
                  };
                  const bytes = writeDqnCheckpoint(checkpointPath, { identity, train, extra });
                  log(
                    `[${variant.name} seed ${seed}] checkpoint at frame ${train.loop.frame}: ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(2)} s`,
                  );
                },
              }
            : undefined,
        totalFrames: o.frames,
        rng,
        envSeed: seed,
        logInterval: o.logInterval,
        evaluation: {
          env: o.makeEvalEnv(),
          seeds: o.evalSeeds,
          epsilon: o.evalEpsilon,
          interval: o.evalInterval,
          maxSteps: o.evalMaxSteps,
        },
        onEpisode: (e) => {
          episodes.push(e);
          metrics.write({
            global_step: e.frame,
            episode: e.episode,
            "charts/episodic_return": e.return,
            "charts/episodic_length": e.length,
          });
        },
        onLog: (l) => {
          metrics.write({
            global_step: l.frame,
            "charts/SPS": l.sps,
            "charts/epsilon": l.epsilon,
            "losses/td_loss": l.tdLoss,
            "losses/q_values": l.qMean,
            "losses/grad_norm": l.gradNorm,
          });
        },
        onEval: (e) => {
          metrics.write({
            global_step: e.frame,
            "eval/episodic_return": e.mean,
            "eval/episodic_return_std": e.std,
          });
          log(
            `[${variant.name} seed ${seed}] frame ${e.frame}/${o.frames}: eval ${e.mean.toFixed(2)} ± ${e.std.toFixed(2)}`,
          );
        },
        onFrame: (frame) => {
          if (frame % o.logInterval === 0) {
            const avg = movingAverage(episodes, o.returnWindow);
            curve.push(avg ?? Number.NaN);
            const sec = (performance.now() - t0) / 1000;
            log(
              `[${variant.name} seed ${seed}] frame ${frame}/${o.frames}: avg${o.returnWindow} ${avg?.toFixed(2) ?? "–"}, ε ${agent.epsilon(frame).toFixed(3)}, ${episodes.at(-1)?.episode ?? 0} episodes, ${sec.toFixed(0)} s`,
            );
          }
          if (o.spectrumInterval > 0 && frame % o.spectrumInterval === 0) recordSpectrum(frame);
        },
      });
      if (res.evaluations.at(-1)?.frame !== res.frames) {
        // Always end with an evaluation of the final network.
        const e = {
          frame: res.frames,
          ...evaluateDqn(agent, o.makeEvalEnv(), {
            seeds: o.evalSeeds,
            epsilon: o.evalEpsilon,
            maxSteps: o.evalMaxSteps,
          }),
        };
        res.evaluations.push(e);
        metrics.write({
          global_step: e.frame,
          "eval/episodic_return": e.mean,
          "eval/episodic_return_std": e.std,
        });
        log(`[${variant.name} seed ${seed}] final eval ${e.mean.toFixed(2)} ± ${e.std.toFixed(2)}`);
      }
      metrics.close();
      writeJsonAtomic(join(dir, "eval.json"), res.evaluations);
      if (variant.savedPolicyOptions) {
        writeSavedPolicy(
          join(dir, "policy.json"),
          makeSavedPolicy({
            kind: "dqn",
            env: o.envId,
            options: variant.savedPolicyOptions,
            stateDict: parametersToStateDict(agent.network.parameters),
            meta: { run_dir: dir, seed, variant: variant.name, frames: res.frames, experiment: o.experiment },
          }),
        );
      }
      if (!o.keepCheckpoint) rmSync(checkpointPath, { force: true });
      manifest.status = "completed";
      manifest.endTime = new Date().toISOString();
      manifest.episodesDone = episodes.at(-1)?.episode ?? 0;
      writeManifest(dir, manifest);
      unlock();
      outcomes.push({
        variant: variant.name,
        seed,
        dir,
        params,
        curve,
        finalTrainReturn: movingAverage(episodes, o.returnWindow),
        finalEval: res.evaluations.at(-1)?.mean ?? null,
        evals: res.evaluations,
        episodes: episodes.at(-1)?.episode ?? 0,
        seconds: res.seconds,
        framesPerSecond: o.frames / res.seconds,
      });
      log(
        `[${variant.name} seed ${seed}] done: last-${o.returnWindow} average ${outcomes.at(-1)?.finalTrainReturn?.toFixed(2)}, ${res.seconds.toFixed(0)} s (${(o.frames / res.seconds).toFixed(0)} frames/s overall)`,
      );
    }
  }

  const perVariant = o.variants.map((v) => {
    const runs = outcomes.filter((r) => r.variant === v.name);
    const finals = runs.map((r) => r.finalTrainReturn);
    const evals = runs.map((r) => r.finalEval);
    return {
      name: v.name,
      family: v.family,
      params: runs[0]?.params ?? null,
      seeds: runs.map((r) => r.seed),
      [`final_train_return_last${o.returnWindow}`]: mean(finals),
      final_train_return_per_seed: finals,
      final_eval_return: mean(evals),
      final_eval_return_per_seed: evals,
      frames_per_s: mean(runs.map((r) => r.framesPerSecond)),
      run_dirs: runs.map((r) => r.dir),
      spread: spread(finals),
    };
  });
  const curves = {
    frames: curveFrames,
    window: o.returnWindow,
    variants: o.variants.map((v) => ({
      name: v.name,
      family: v.family,
      per_seed: outcomes
        .filter((r) => r.variant === v.name)
        .map((r) => ({
          seed: r.seed,
          train_return_avg: r.curve,
          eval: r.evals.map((e) => ({ frame: e.frame, mean: e.mean })),
        })),
    })),
    return_vs_params: perVariant.map((p) => ({
      variant: p.name,
      family: p.family,
      params: p.params,
      final_train_return: p[`final_train_return_last${o.returnWindow}`],
      final_eval_return: p.final_eval_return,
    })),
  };
  const summary = {
    experiment: o.experiment,
    env: o.envId,
    seeds: o.seeds,
    frames: o.frames,
    package_version: packageVersion(),
    git_commit: gitCommit(),
    wall_time_s: Math.round((performance.now() - t0) / 1000),
    hyperparameters: o.hyperparameters,
    dqn_config: o.config,
    reference: o.reference ?? null,
    variants: perVariant,
  };
  if (o.resume !== undefined && existsSync(join(o.out, "summary.json"))) {
    log(
      `resume: ${join(o.out, "summary.json")} exists; the top-level summary, curves and report are left as they are`,
    );
    return;
  }
  writeJsonAtomic(join(o.out, "summary.json"), summary);
  writeJsonAtomic(join(o.out, "curves.json"), curves);

  const medianCurve = (name: string): number[] => {
    const runs = outcomes.filter((r) => r.variant === name);
    return curveFrames.map((_, i) => spread(runs.map((r) => r.curve[i] ?? Number.NaN)).median ?? Number.NaN);
  };
  const points: ParamPoint[] = perVariant.map((p) => ({
    series: p.family,
    label: p.name,
    params: p.params ?? 0,
    median: p.spread.median,
    q25: p.spread.q25,
    q75: p.spread.q75,
  }));
  writeReport(join(o.out, "report.html"), {
    title: `${o.experiment}: DQN, ${o.variants.map((v) => v.name).join(" / ")}`,
    notes: [
      `${o.seeds.length} seed(s) (${o.seeds.join(", ")}), ${o.frames} frames per run, package ${summary.package_version}, commit ${summary.git_commit ?? "unknown"}, ${summary.wall_time_s} s wall.`,
      `Curves: median over seeds of the ${o.returnWindow}-episode moving average of training (ε-greedy) returns, against frames. Right: that average at the end of training against the Q-network's parameter count.`,
    ],
    tables: [
      {
        title: "Summary",
        columns: [
          "variant",
          "params",
          `last-${o.returnWindow} training return (mean over seeds)`,
          "final eval return",
          "frames/s",
        ],
        rows: perVariant.map((p) => [
          p.name,
          p.params,
          p[`final_train_return_last${o.returnWindow}`] as number | null,
          p.final_eval_return,
          p.frames_per_s,
        ]),
      },
    ],
    figures: [
      linesFigure(
        "learning-curves",
        "Learning curves",
        curveFrames,
        o.variants.map((v) => ({ name: v.name, y: medianCurve(v.name) })),
        { x: "frames", y: `training return (${o.returnWindow}-episode average)` },
      ),
      returnVsParamsFigure("return-vs-params", "Final training return against Q-network parameters", points),
    ],
  });
  log("");
  log(`${o.experiment}: ${summary.wall_time_s} s wall; summary in ${join(o.out, "summary.json")}`);
  for (const p of perVariant) {
    log(
      `  ${p.name.padEnd(16)} ${String(p.params).padStart(8)} params  last-${o.returnWindow} ${fmt(p[`final_train_return_last${o.returnWindow}`] as number | null)}  eval ${fmt(p.final_eval_return)}  ${fmt(p.frames_per_s)} frames/s`,
    );
  }
}

function fmt(v: number | null): string {
  return v === null || !Number.isFinite(v) ? "–" : v.toFixed(2);
}
