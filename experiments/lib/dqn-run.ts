/**
 * Shared driver of the DQN experiment scripts (experiments/cartpole-dqn.ts, experiments/breakout.ts):
 * runs every (variant, seed) sequentially on one core, writes one CleanRL-style run directory per run
 * (manifest.json, metrics.jsonl / metrics.csv, eval.json, spectra.jsonl) and, at the top of `out`,
 * summary.json, curves.json (learning curves and return-vs-parameter-count data) and report.html.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { DqnAgent } from "../../src/dqn/agent.js";
import type { DqnConfig } from "../../src/dqn/config.js";
import type { ObservationDtype } from "../../src/dqn/replay-buffer.js";
import { evaluateDqn } from "../../src/dqn/evaluate.js";
import { singularValues, spectrumSummary } from "../../src/dqn/spectrum.js";
import { trainDqn, type EpisodeRecord, type EvalRecord } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import type { Layer } from "../../src/nn/layer.js";
import { parametersToStateDict } from "../../src/laser/parameters-state-dict.js";
import { makeSavedPolicy, writeSavedPolicy } from "../../src/laser/saved-policy.js";
import { Rng } from "../../src/random/rng.js";
import { linesFigure, returnVsParamsFigure, type ParamPoint } from "../../src/report/figures.js";
import { writeReport } from "../../src/report/html.js";
import { writeJsonAtomic } from "../../src/runner/atomic-file.js";
import { newManifest, writeManifest } from "../../src/runner/manifest.js";
import { MetricsWriter } from "../../src/runner/metrics.js";
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
      const dir = createRunDir(runsRoot, o.envId, algo, seed);
      const runConfig = {
        experiment: o.experiment,
        variant: variant.name,
        frames: o.frames,
        dqn: agent.config,
        ...o.hyperparameters,
      };
      const manifest = newManifest({
        jobId: `${o.experiment}-${variant.name}-${seed}`,
        config: runConfig,
        seed,
        envId: o.envId,
        algo,
      });
      manifest.parameterCount = { q_network: params };
      writeManifest(dir, manifest);
      const metrics = MetricsWriter.create(dir, COLUMNS);
      const spectraPath = join(dir, "spectra.jsonl");
      const episodes: EpisodeRecord[] = [];
      const curve: number[] = [];
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
      if (o.spectrumInterval > 0) recordSpectrum(0);
      log(`[${variant.name} seed ${seed}] ${params} parameters → ${dir}`);
      const res = trainDqn({
        env: o.makeEnv(envRng),
        agent,
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
              `[${variant.name} seed ${seed}] frame ${frame}/${o.frames}: avg${o.returnWindow} ${avg?.toFixed(2) ?? "–"}, ε ${agent.epsilon(frame).toFixed(3)}, ${episodes.length} episodes, ${sec.toFixed(0)} s`,
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
      manifest.status = "completed";
      manifest.endTime = new Date().toISOString();
      manifest.episodesDone = res.episodes.length;
      writeManifest(dir, manifest);
      outcomes.push({
        variant: variant.name,
        seed,
        dir,
        params,
        curve,
        finalTrainReturn: movingAverage(episodes, o.returnWindow),
        finalEval: res.evaluations.at(-1)?.mean ?? null,
        evals: res.evaluations,
        episodes: res.episodes.length,
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
