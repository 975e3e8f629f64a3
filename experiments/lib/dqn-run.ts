/**
 * Shared driver of the DQN experiment scripts (experiments/cartpole-dqn.ts, experiments/breakout.ts):
 * each (variant, seed) is one run of the runner's DQN lifecycle (src/runner/dqn-run.ts: run folder,
 * manifest, metrics, checkpoints under `<run>/checkpoints/`, lock, resume), trained sequentially on
 * one core under `<out>/runs/`. This file adds what is particular to an experiment: the saved policy
 * of dense variants (policy.json, for `lowrank-rl laser`) and, at the top of `out`, summary.json,
 * curves.json (learning curves, return against parameter count) and report.html.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { InvalidArgumentError, type Command } from "commander";
import type { EvalRecord } from "../../src/dqn/train.js";
import { parametersToStateDict } from "../../src/laser/parameters-state-dict.js";
import { makeSavedPolicy, writeSavedPolicy } from "../../src/laser/saved-policy.js";
import { linesFigure, returnVsParamsFigure, type ParamPoint } from "../../src/report/figures.js";
import { writeReport } from "../../src/report/html.js";
import { writeJsonAtomic } from "../../src/runner/atomic-file.js";
import { listCheckpoints } from "../../src/runner/checkpoint.js";
import type { DqnRunConfig } from "../../src/runner/dqn-config.js";
import { DQN_ENV_SPECS } from "../../src/runner/dqn-envs.js";
import { executeDqnRun, resumeDqnRun } from "../../src/runner/dqn-run.js";
import { readManifest, type Manifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics } from "../../src/runner/metrics.js";
import { gitCommit, packageVersion } from "../../src/runner/provenance.js";
import { RUN_FILES } from "../../src/runner/run-dir.js";
import type { DqnRunSpec } from "../../src/runner/run-spec.js";
import { mean, spread } from "../../src/runner/stats.js";

/** One network variant (its name is the runner's `network` spec, e.g. "lowrank-0.1") and its plot family. */
export interface DqnVariant {
  name: string;
  /** Family for the return-vs-parameters plot (e.g. "dense", "low-rank", "TRL", "CP conv"). */
  family: string;
  /** The runner's network spec (default: the name). */
  network?: string;
  /** Fields of this variant that replace the script's block (e.g. the Rainbow-style settings). */
  config?: Partial<DqnRunConfig>;
}

/** Config fields that came with the Rainbow parts (optional in a script's block). */
type RainbowField =
  | "preset"
  | "adamEps"
  | "tdTarget"
  | "replay"
  | "priorityAlpha"
  | "priorityBeta"
  | "priorityBetaSteps"
  | "priorityEpsilon"
  | "head"
  | "atoms"
  | "vMin"
  | "vMax";

export interface DqnExperimentOptions {
  experiment: string;
  variants: readonly DqnVariant[];
  seeds: readonly number[];
  /**
   * The runs' config (the script's hyperparameter block) but for network and seed; the Rainbow
   * options (replay, head, TD-target rule, preset…) may be left out (their defaults: plain DQN).
   */
  config: Omit<DqnRunConfig, "network" | "seed" | RainbowField> & Partial<Pick<DqnRunConfig, RainbowField>>;
  out: string;
  /** Recorded in summary.json. */
  hyperparameters: Record<string, unknown>;
  reference?: Record<string, unknown>;
  quiet?: boolean;
  /** Keep `<run>/checkpoints/` when a run completes (to extend it with `--resume --frames`); default: delete. */
  keepCheckpoint?: boolean;
  /** Continue this run directory from its newest checkpoint (`variants`/`seeds` must name exactly it). */
  resume?: string;
}

/**
 * Resolves `--resume <run dir>` of a DQN experiment script: variant, seed, output folder and
 * (unless given on the command line) the frame budget and checkpoint interval come from the run's
 * manifest; `extra` reads further settings from the run's config. Flags that would contradict the
 * run (`fixedFlags`, e.g. --variants, --seeds, --out) and runs that cannot continue are refused
 * through commander (exit code 2) before anything is written.
 */
export function applyResume(
  program: Command,
  experiment: string,
  fixedFlags: readonly string[],
  opts: {
    variants: string[];
    seeds: number[];
    frames: number;
    checkpointEvery: number;
    out: string;
    resume?: string;
  },
  knownVariants: readonly string[],
  extra?: (config: DqnRunConfig) => void,
  /** The variant name a run's config belongs to (default: its network spec). */
  variantOf: (config: DqnRunConfig) => string = (c) => c.network,
): void {
  if (opts.resume === undefined) return;
  const fromCli = (key: string): boolean => program.getOptionValueSource(key) === "cli";
  try {
    for (const flag of fixedFlags) {
      const key = flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
      if (fromCli(key))
        throw new InvalidArgumentError(
          `--resume takes ${fixedFlags.join(", ")} from the run's manifest; do not pass ${flag}`,
        );
    }
    const runDir = resolve(opts.resume);
    if (!existsSync(runDir)) throw new Error(`--resume: run directory ${runDir} does not exist`);
    const m = readManifest<DqnRunConfig>(runDir);
    if (m.experiment !== experiment || m.config?.algo !== "dqn")
      throw new Error(`--resume: ${runDir} is not a run of experiment "${experiment}"`);
    const c = m.config;
    const variant = variantOf(c);
    if (!knownVariants.includes(variant))
      throw new InvalidArgumentError(`--resume: unknown variant "${variant}" in the manifest`);
    const frames = fromCli("frames") ? opts.frames : c.totalSteps;
    const hasCheckpoint = listCheckpoints(join(runDir, RUN_FILES.checkpointDir)).length > 0;
    if (!hasCheckpoint && m.status === "completed")
      throw new Error(
        `--resume: ${runDir} already completed its ${c.totalSteps} frames and its checkpoints were deleted on completion (run with --keep-checkpoint to be able to extend a finished run)`,
      );
    if (!hasCheckpoint)
      throw new Error(
        `--resume: ${runDir} has no checkpoint in ${RUN_FILES.checkpointDir}/ (the run was started without --checkpoint-every, or stopped before its first checkpoint)`,
      );
    if (m.status === "completed" && frames <= c.totalSteps)
      throw new Error(
        `--resume: ${runDir} already completed its ${c.totalSteps} frames; pass a larger --frames to extend it`,
      );
    opts.variants = [variant];
    opts.seeds = [m.seed];
    opts.frames = frames;
    opts.checkpointEvery = fromCli("checkpointEvery") ? opts.checkpointEvery : c.checkpointEvery;
    opts.out = dirname(dirname(runDir));
    opts.resume = runDir;
    extra?.(c);
  } catch (err) {
    program.error(`error: ${(err as Error).message}`, { exitCode: 2 });
  }
}

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

/** Moving average of the last `window` training returns at each of `frames` (episodes ended by then). */
function curveOf(
  dir: string,
  frames: readonly number[],
  window: number,
): { curve: number[]; returns: number[] } {
  const episodes = readMetrics(dir)
    .filter((r) => typeof r[METRIC.episodicReturn] === "number")
    .map((r) => ({ frame: r.global_step as number, ret: r[METRIC.episodicReturn] as number }));
  const curve = frames.map((f) => {
    const done = episodes.filter((e) => e.frame <= f).slice(-window);
    return done.length === 0 ? Number.NaN : done.reduce((a, e) => a + e.ret, 0) / done.length;
  });
  return { curve, returns: episodes.map((e) => e.ret) };
}

/** Writes `<run>/policy.json` (a `"dqn"` saved policy) from the run's final parameters. */
function writePolicy(dir: string, manifest: Manifest<DqnRunConfig>, experiment: string): void {
  const c = manifest.config;
  const options = DQN_ENV_SPECS[c.env].savedPolicyOptions(c);
  if (!options) return;
  const flat = JSON.parse(readFileSync(join(dir, RUN_FILES.finalParams), "utf8")) as Record<string, number[]>;
  const layers = (manifest.spec as DqnRunSpec).network.layers;
  const params = layers.map((l) => ({
    name: l.name,
    shape: l.shape,
    data: Float64Array.from(flat[l.name]),
    grad: new Float64Array(0),
  }));
  writeSavedPolicy(
    join(dir, "policy.json"),
    makeSavedPolicy({
      kind: "dqn",
      env: c.env,
      options,
      stateDict: parametersToStateDict(params),
      meta: { run_dir: dir, seed: c.seed, variant: c.network, frames: c.totalSteps, experiment },
    }),
  );
}

export function runDqnExperiment(o: DqnExperimentOptions): void {
  const log = (s: string): void => {
    if (!o.quiet) process.stderr.write(s + "\n");
  };
  const frames = o.config.totalSteps;
  const logInterval = o.config.logEvery;
  const window = o.config.returnWindow;
  const curveFrames: number[] = [];
  for (let f = logInterval; f <= frames; f += logInterval) curveFrames.push(f);
  const outcomes: RunOutcome[] = [];
  const t0 = performance.now();
  if (o.resume !== undefined && (o.variants.length !== 1 || o.seeds.length !== 1))
    throw new RangeError(
      `resume: pass exactly the resumed run's variant and seed (got ${o.variants.length} variants, ${o.seeds.length} seeds)`,
    );

  for (const variant of o.variants) {
    for (const seed of o.seeds) {
      const tag = `[${variant.name} seed ${seed}]`;
      const runOptions = {
        log: (line: string) => log(`${tag} ${line}`),
        onProgress: (frame: number) =>
          log(`${tag} frame ${frame}/${frames}, ${((performance.now() - t0) / 1000).toFixed(0)} s`),
        removeCheckpointsOnCompletion: !o.keepCheckpoint,
        experiment: o.experiment,
      };
      const r =
        o.resume !== undefined
          ? resumeDqnRun(o.resume, { ...runOptions, totalSteps: frames })
          : executeDqnRun(
              { ...o.config, ...variant.config, network: variant.network ?? variant.name, seed },
              { ...runOptions, outRoot: join(o.out, "runs") },
            );
      const manifest = readManifest<DqnRunConfig>(r.dir);
      writePolicy(r.dir, manifest, o.experiment);
      const evals = JSON.parse(readFileSync(join(r.dir, RUN_FILES.evalJson), "utf8")) as EvalRecord[];
      const { curve, returns } = curveOf(r.dir, curveFrames, window);
      const seconds = (Date.parse(manifest.endTime ?? "") - Date.parse(manifest.startTime)) / 1000;
      const tail = returns.slice(-window);
      outcomes.push({
        variant: variant.name,
        seed,
        dir: r.dir,
        params: r.parameterCount.q_network,
        curve,
        finalTrainReturn: tail.length === 0 ? null : tail.reduce((a, b) => a + b, 0) / tail.length,
        finalEval: evals.at(-1)?.mean ?? null,
        evals,
        episodes: returns.length,
        seconds,
        framesPerSecond: frames / seconds,
      });
      log(
        `${tag} done: last-${window} average ${outcomes.at(-1)?.finalTrainReturn?.toFixed(2)}, ${seconds.toFixed(0)} s`,
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
      [`final_train_return_last${window}`]: mean(finals),
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
    window,
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
      final_train_return: p[`final_train_return_last${window}`],
      final_eval_return: p.final_eval_return,
    })),
  };
  const summary = {
    experiment: o.experiment,
    env: o.config.env,
    seeds: o.seeds,
    frames,
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
      `${o.seeds.length} seed(s) (${o.seeds.join(", ")}), ${frames} frames per run, package ${summary.package_version}, commit ${summary.git_commit ?? "unknown"}, ${summary.wall_time_s} s wall.`,
      `Curves: median over seeds of the ${window}-episode moving average of training (ε-greedy) returns, against frames. Right: that average at the end of training against the Q-network's parameter count.`,
    ],
    tables: [
      {
        title: "Summary",
        columns: [
          "variant",
          "params",
          `last-${window} training return (mean over seeds)`,
          "final eval return",
          "frames/s",
        ],
        rows: perVariant.map((p) => [
          p.name,
          p.params,
          p[`final_train_return_last${window}`] as number | null,
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
        { x: "frames", y: `training return (${window}-episode average)` },
      ),
      returnVsParamsFigure(
        "return-vs-params",
        "Final training return against Q-network parameters",
        points,
        "return",
        "Q-network parameters",
      ),
    ],
  });
  log("");
  log(`${o.experiment}: ${summary.wall_time_s} s wall; summary in ${join(o.out, "summary.json")}`);
  for (const p of perVariant) {
    log(
      `  ${p.name.padEnd(16)} ${String(p.params).padStart(8)} params  last-${window} ${fmt(p[`final_train_return_last${window}`] as number | null)}  eval ${fmt(p.final_eval_return)}  ${fmt(p.frames_per_s)} frames/s`,
    );
  }
}

function fmt(v: number | null): string {
  return v === null || !Number.isFinite(v) ? "–" : v.toFixed(2);
}
