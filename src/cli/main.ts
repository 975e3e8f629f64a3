#!/usr/bin/env node
/**
 * `lowrank-rl`: run, sweep, resume, evaluate and report low-rank RL experiments.
 *
 *   lowrank-rl run --env LRPG/Pendulum --algo lrpg --seed 3 --episodes 600 --out DIR
 *   lowrank-rl run --algo dqn --env MinAtar/Breakout --network trl-0.1 --total-steps 100000 --out DIR
 *   lowrank-rl run --algo a2c --env MinAtar/Breakout --optimizer kfac --network trl-0.2 --out DIR   # ACKTR
 *   lowrank-rl resume DIR
 *   lowrank-rl eval DIR --episodes 10
 *   lowrank-rl sweep spec.json --out SWEEPDIR
 *   lowrank-rl sweep spec.json --out SWEEPDIR --emit slurm   # then: sbatch SWEEPDIR/sweep.sbatch
 *   lowrank-rl sweep-task SWEEPDIR/jobs.json $SLURM_ARRAY_TASK_ID
 *   lowrank-rl report DIR... --out report.html
 *   lowrank-rl backends
 *   lowrank-rl laser DIR|policy.json --episodes 100   # LASER rank-reduction sweep (src/laser)
 *   lowrank-rl demo [--out page.html | --serve]        # the live training page (src/demo)
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ConfigError, parseRunConfig, type RunConfig } from "../runner/config.js";
import { CorruptCheckpointError, loadLatestCheckpoint } from "../runner/checkpoint.js";
import { evaluatePolicy, EVAL_SEED } from "../runner/evaluate.js";
import { readJsonFile } from "../runner/json-file.js";
import { outputPathProblem } from "../runner/output-path.js";
import { writeJsonAtomic } from "../runner/atomic-file.js";
import { readManifest, runDirAlgo } from "../runner/manifest.js";
import { paperAgentFactory } from "../runner/paper-agent-factory.js";
import { packageVersion } from "../runner/provenance.js";
import { Rng } from "../random/rng.js";
import { executePgRun, resumePgRun, type RunCheckpoint } from "../runner/pg-run.js";
import { checkNoDqnFields, isDqnConfigInput, parseDqnRunConfig } from "../runner/dqn-config.js";
import { RunLockedError } from "../runner/run-lock.js";
import { newestCheckpointCounter, RUN_FILES } from "../runner/run-dir.js";
import { ScheduleError } from "../runner/schedule.js";
import type { StateDict } from "../pg/agent.js";
import { addConfigOptions, rawConfigFromOptions } from "./config-options.js";
import { episodeProgressBar } from "./progress.js";
import { trainWithProgress } from "./train-progress.js";
import { addLaserCommand } from "./laser.js";
import { evalLrq, resumeLrq, runLrq } from "./lrq.js";
import { addA2cOptions, evalA2c, resumeA2c, runA2c, withA2cFlags } from "./a2c.js";
import { isA2cConfigInput } from "../runner/a2c-fields.js";
import { isLrqConfigInput, parseLrqRunConfig } from "../runner/lrq-config.js";
import { addClusterEmitOptions, addSweepTaskCommand, emitClusterJobs } from "./sweep-task.js";
import { addQueueSweepOptions, addWorkerCommand, checkQueueFlags, runQueueSweep } from "./queue.js";
import { addDemoCommand } from "./demo.js";
import { describeConfigs } from "./sweep-listing.js";

/** The runner of any algorithm and backend (runner/run.ts), loaded for gpu-backend runs only. */
const anyRunner = () => import("../runner/run.js");

/** The DQN runner, loaded when a DQN run is started, resumed or evaluated (other runs start without it). */
const dqnRunner = () => import("../runner/dqn-run.js");

/** Errors meant for the user: printed as one line, no stack trace. */
class UsageError extends Error {}

/** What `lowrank-rl eval` writes for a DQN run (its eval.json holds the evaluations during training). */
const DQN_EVAL_FILE = "eval_cli.json";

function intArg(name: string, min: number, max: number) {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got "${value}"`);
    return n;
  };
}

function seedsArg(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) > 2 ** 31 - 1))
    throw new InvalidArgumentError(
      `--seeds must be a comma-separated list of integers in [0, 2147483647], got "${value}"`,
    );
  return parts.map(Number);
}

/**
 * Checks `run`'s output folder before anything is written: `--out` (or `--root` without it) must
 * not be empty nor an existing non-directory, and `--out` must not hold a run (manifest.json) nor
 * leftover checkpoints of one (checkpoints/ without manifest.json; `--force` deletes them).
 */
function checkRunOut(out: string | undefined, root: string, force: boolean): void {
  const flag = out === undefined ? "--root" : "--out";
  const dir = out ?? root;
  const problem = outputPathProblem(flag, dir, "dir");
  if (problem !== null) throw new UsageError(problem);
  if (out === undefined) return;
  if (existsSync(join(out, RUN_FILES.manifest)))
    throw new UsageError(
      `--out ${out} already holds a run; continue it with \`lowrank-rl resume ${out}\` or choose another directory`,
    );
  const ckptDir = join(out, RUN_FILES.checkpointDir);
  if (existsSync(ckptDir) && statSync(ckptDir).isDirectory() && readdirSync(ckptDir).length > 0) {
    if (!force)
      throw new UsageError(
        `--out ${out}: ${ckptDir} holds checkpoints but there is no ${RUN_FILES.manifest}; choose a new directory, or pass --force to delete them`,
      );
    rmSync(ckptDir, { recursive: true, force: true });
  }
  const others = existsSync(out) ? readdirSync(out) : [];
  if (others.length > 0 && !force)
    throw new UsageError(
      `--out ${out} is not empty and holds no run (${others.slice(0, 3).join(", ")}${others.length > 3 ? ", …" : ""}); choose a new or empty directory, or pass --force to write into it`,
    );
}

function loadParams(dir: string, which: "final" | "checkpoint"): StateDict {
  const finalPath = join(dir, RUN_FILES.finalParams);
  if (which === "final" && existsSync(finalPath))
    return readJsonFile<StateDict>(finalPath, "the final parameters (a state dict)");
  const ckpt = loadLatestCheckpoint<RunCheckpoint>(join(dir, RUN_FILES.checkpointDir), (m) =>
    process.stderr.write(`warning: ${m}\n`),
  );
  if (!ckpt) throw new UsageError(`${dir}: no final_params.json and no usable checkpoint to evaluate`);
  return ckpt.payload.params;
}

export function buildProgram(): Command {
  const program = new Command()
    .name("lowrank-rl")
    .description(
      "Low-rank RL toolkit: train, sweep, resume, evaluate and report LRPG, NN-baseline and DQN runs",
    )
    .version(packageVersion())
    .showHelpAfterError("(add --help for usage)")
    .enablePositionalOptions();

  addConfigOptions(
    addA2cOptions(program.command("run"))
      .description(
        "train one (config, seed) into a run directory (manifest, metrics.jsonl/csv, checkpoints, final params)",
      )
      .addOption(
        new Option("--out <dir>", "the run directory (default: <root>/<env>__<algo>__<seed>__<time>)"),
      )
      .addOption(new Option("--root <dir>", "parent folder of auto-named run directories").default("runs"))
      .option("--quiet", "no progress bar")
      .option("--force", "delete leftover checkpoints/ in --out (a folder without manifest.json) first"),
  ).action(async (opts: Record<string, unknown>) => {
    const raw = rawConfigFromOptions(opts);
    const out = opts.out as string | undefined;
    const taken = () => checkRunOut(out, opts.root as string, Boolean(opts.force));
    if (isA2cConfigInput(raw)) {
      // Validating an a2c config builds its network: the actor-critic code loads only for a2c runs.
      const { parseA2cRunConfig } = await import("../runner/a2c-config.js");
      const config = parseA2cRunConfig(withA2cFlags(raw, opts));
      taken();
      process.exitCode = await runA2c(config, { out, root: opts.root as string, quiet: Boolean(opts.quiet) });
      return;
    }
    if (isLrqConfigInput(raw)) {
      const config = parseLrqRunConfig(raw);
      taken();
      const root = opts.root as string;
      process.exitCode = await runLrq(config, { out, root, quiet: Boolean(opts.quiet) });
      return;
    }
    if (isDqnConfigInput(raw)) {
      const config = parseDqnRunConfig(raw);
      taken();
      const { executeDqnRunAsync } = await dqnRunner();
      // The first SIGINT/SIGTERM checkpoints at the current frame and exits 130/143; `resume` continues.
      process.exitCode = await trainWithProgress(
        config.totalSteps,
        0,
        Boolean(opts.quiet),
        (onProgress, signal) =>
          executeDqnRunAsync(config, { dir: out, outRoot: opts.root as string, onProgress, signal }),
        "frames",
        "frame",
      );
      return;
    }
    checkNoDqnFields(raw);
    const config = parseRunConfig(raw);
    taken();
    // The gpu backend trains as a population of one (runner/run.ts), loaded only then.
    const execute = config.backend === "gpu" ? (await anyRunner()).executeRun : executePgRun;
    process.exitCode = await trainWithProgress(config.episodes, 0, Boolean(opts.quiet), (onEpisode, signal) =>
      execute(config, { dir: out, outRoot: opts.root as string, onEpisode, signal }),
    );
  });

  program
    .command("resume")
    .description(
      "continue a run from its newest valid checkpoint; the result is bit-identical to an uninterrupted run",
    )
    .argument("<dir>", "run directory")
    .option("--quiet", "no progress bar")
    .option(
      "--total-steps <frames>",
      "DQN: raise the frame budget (extends a completed run that kept its checkpoints)",
      intArg("--total-steps", 1, 1_000_000_000),
    )
    .action(async (dir: string, opts: { quiet?: boolean; totalSteps?: number }) => {
      if (!existsSync(join(dir, RUN_FILES.manifest)))
        throw new UsageError(`${dir}: not a run directory (no manifest.json)`);
      if (runDirAlgo(dir) === "a2c") {
        if (opts.totalSteps !== undefined) throw new UsageError("--total-steps applies to DQN runs only");
        process.exitCode = await resumeA2c(dir, Boolean(opts.quiet));
        return;
      }
      if (runDirAlgo(dir) === "lrq") {
        if (opts.totalSteps !== undefined) throw new UsageError("--total-steps applies to DQN runs only");
        process.exitCode = await resumeLrq(dir, Boolean(opts.quiet));
        return;
      }
      if (runDirAlgo(dir) === "dqn") {
        const m = readManifest<{ totalSteps: number }>(dir);
        const total = opts.totalSteps ?? m.config.totalSteps;
        if (m.status === "completed" && total <= m.config.totalSteps) {
          process.stdout.write(`${dir}: already completed (${m.config.totalSteps} frames); nothing to do\n`);
          return;
        }
        const { resumeDqnRunAsync } = await dqnRunner();
        process.exitCode = await trainWithProgress(
          total,
          newestCheckpointCounter(dir),
          Boolean(opts.quiet),
          (onProgress, signal) => resumeDqnRunAsync(dir, { onProgress, signal, totalSteps: opts.totalSteps }),
          "frames",
          "frame",
        );
        return;
      }
      if (opts.totalSteps !== undefined) throw new UsageError("--total-steps applies to DQN runs only");
      const m = readManifest<RunConfig>(dir);
      const config = parseRunConfig(m.config);
      if (m.status === "completed") {
        process.stdout.write(`${dir}: already completed (${m.episodesDone} episodes); nothing to do\n`);
        return;
      }
      // gpu-backend runs (populations of one) restart through runner/run.ts, loaded only then.
      const resume = config.backend === "gpu" ? (await anyRunner()).resumeRun : resumePgRun;
      // Where the bar starts: the newest checkpoint's episode (the resume verifies it, falling back if corrupt).
      process.exitCode = await trainWithProgress(
        config.episodes,
        newestCheckpointCounter(dir),
        Boolean(opts.quiet),
        (onEpisode, signal) => resume(dir, { onEpisode, signal }),
      );
    });

  program
    .command("eval")
    .description(
      "evaluate a saved policy: N episodes with fixed eval seeds, deterministic mean action (SB3 evaluate_policy); writes eval.json",
    )
    .argument("<dir>", "run directory")
    .option("--episodes <n>", "evaluation episodes", intArg("--episodes", 1, 1_000_000), 10)
    .option(
      "--seed <n>",
      "base eval seed: episode i resets with seed + i",
      intArg("--seed", 0, 2 ** 31 - 1),
      EVAL_SEED,
    )
    .option(
      "--max-steps <n>",
      "steps per episode (default: the run's T)",
      intArg("--max-steps", 1, 10_000_000),
    )
    .addOption(
      new Option("--params <which>", "final parameters or the newest checkpoint")
        .choices(["final", "checkpoint"])
        .default("final"),
    )
    .option("--json", "print the result as JSON")
    .action(
      async (
        dir: string,
        opts: {
          episodes: number;
          seed: number;
          seedGiven?: boolean;
          maxSteps?: number;
          params: "final" | "checkpoint";
          json?: boolean;
        },
        cmd: Command,
      ) => {
        opts.seedGiven = cmd.getOptionValueSource("seed") === "cli";
        if (!existsSync(join(dir, RUN_FILES.manifest)))
          throw new UsageError(`${dir}: not a run directory (no manifest.json)`);
        if (runDirAlgo(dir) === "a2c") {
          await evalA2c(dir, { ...opts, seed: opts.seedGiven ? opts.seed : undefined });
          return;
        }
        if (runDirAlgo(dir) === "lrq") {
          await evalLrq(dir, { ...opts, seed: opts.seedGiven ? opts.seed : undefined });
          return;
        }
        if (runDirAlgo(dir) === "dqn") {
          const { evaluateDqnRunDir } = await dqnRunner();
          const r = evaluateDqnRunDir(dir, {
            episodes: opts.episodes,
            seed: opts.seedGiven ? opts.seed : undefined,
            maxSteps: opts.maxSteps,
            params: opts.params,
          });
          const record = {
            protocol:
              "ε-greedy with the run's evaluation ε; episode i resets with seed base+i; cut at maxSteps",
            params: opts.params,
            episodes: opts.episodes,
            seedBase: r.seeds[0],
            ...r,
          };
          writeJsonAtomic(join(dir, DQN_EVAL_FILE), record);
          process.stdout.write(
            opts.json
              ? JSON.stringify(record) + "\n"
              : `eval/episodic_return: ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} over ${opts.episodes} episodes (seeds ${r.seeds[0]}…${r.seeds.at(-1)}, ε ${r.epsilon}); wrote ${join(dir, DQN_EVAL_FILE)}\n`,
          );
          return;
        }
        const config = parseRunConfig(readManifest<RunConfig>(dir).config);
        const agent = paperAgentFactory(config, new Rng(config.seed));
        agent.importStateDict(loadParams(dir, opts.params));
        const r = evaluatePolicy(agent, config, {
          episodes: opts.episodes,
          seed: opts.seed,
          maxSteps: opts.maxSteps,
        });
        const record = {
          protocol: "deterministic mean action; episode i resets with seed base+i; cut at maxSteps",
          params: opts.params,
          episodes: opts.episodes,
          seedBase: opts.seed,
          maxSteps: opts.maxSteps ?? config.maxSteps,
          ...r,
        };
        writeJsonAtomic(join(dir, RUN_FILES.evalJson), record);
        process.stdout.write(
          opts.json
            ? JSON.stringify(record) + "\n"
            : `eval/episodic_return: ${r.meanReturn.toFixed(4)} ± ${r.stdReturn.toFixed(4)} over ${opts.episodes} episodes (seeds ${opts.seed}…${opts.seed + opts.episodes - 1})\n`,
        );
      },
    );

  const sweep = program
    .command("sweep")
    .description(
      "run a grid (and/or random search) of configs × seeds on all cores; re-running skips done jobs and resumes interrupted ones",
    )
    .argument(
      "[spec.json]",
      'sweep spec: {"base": {...}, "grid": {"rank": [1,2]}, "random": {...}, "seeds": [0,1]}',
    )
    .option("--out <dir>", "sweep directory (one run directory per job)", "runs/sweep")
    .option(
      "--grid <field=v1,v2...>",
      "grid values of a config field (repeatable); with flags for the base config",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--seeds <list>", "seeds, comma-separated (with --grid)", seedsArg)
    .option("--threads <n>", "worker threads (default: all cores)", intArg("--threads", 1, 1024))
    .option("--dry-run", "print the plan (start / resume / skip per job) and exit")
    .option(
      "--max-jobs <n>",
      "refuse specs that expand to more jobs than this (default 100000)",
      intArg("--max-jobs", 1, 100_000_000),
    )
    .option("--quiet", "no progress bar");
  addClusterEmitOptions(sweep);
  addQueueSweepOptions(sweep);
  addConfigOptions(sweep).action(async (specPath: string | undefined, opts: Record<string, unknown>) => {
    // The sweep modules (worker pool, every algorithm's job ids) load when `sweep` runs.
    const { parseSweepSpec, planSweep, readSweepSpec, runSweep } = await import("../runner/sweep.js");
    let spec;
    if (specPath) {
      spec = readSweepSpec(specPath, { maxJobs: opts.maxJobs as number | undefined });
      // Config flags given with a spec file (e.g. --population 10 --backend gpu) override its base.
      const overlay = rawConfigFromOptions(opts);
      if (Object.keys(overlay).length > 0) spec = { ...spec, base: { ...spec.base, ...overlay } };
    } else {
      const entries: [string, (number | string)[]][] = [];
      for (const g of opts.grid as string[]) {
        const m = /^(\w+)=(.+)$/.exec(g);
        if (!m) throw new ConfigError("grid", `--grid must look like field=v1,v2; got "${g}"`);
        entries.push([
          m[1],
          m[2].split(",").map((s) => (Number.isFinite(Number(s)) && s.trim() !== "" ? Number(s) : s)),
        ]);
      }
      // Own properties only (a "__proto__" field stays a field name, and validation names it).
      const grid: Record<string, (number | string)[]> = Object.fromEntries(entries);
      spec = parseSweepSpec(
        { base: rawConfigFromOptions(opts), grid, seeds: (opts.seeds as number[] | undefined) ?? [0] },
        { maxJobs: opts.maxJobs as number | undefined },
      );
    }
    const out = opts.out as string;
    const plan = planSweep(spec, out);
    const counts = { start: 0, resume: 0, skip: 0 };
    for (const j of plan) counts[j.action]++;
    if (!opts.quiet || opts.dryRun)
      process.stdout.write(
        `sweep ${out}: ${plan.length} jobs — ${counts.start} to start, ${counts.resume} to resume, ${counts.skip} already done\n`,
      );
    if (opts.dryRun) {
      const described = describeConfigs(plan.map((j) => j.config as unknown as Record<string, unknown>));
      plan.forEach((j, i) =>
        process.stdout.write(
          `${j.action.padEnd(6)} ${j.jobId} ${described[i]} ${j.dir}${j.found ? ` (${j.found})` : ""}\n`,
        ),
      );
      return;
    }
    checkQueueFlags(opts);
    if (opts.emit !== undefined) return emitClusterJobs(spec, out, opts);
    if (opts.queue !== undefined) return runQueueSweep(spec, plan, out, opts);
    // Progress counts policy-gradient episodes (DQN jobs report no progress while they run).
    const total = plan
      .filter((j) => j.action !== "skip" && j.config.algo !== "dqn")
      .reduce((s, j) => s + j.steps, 0);
    const bar = opts.quiet || total === 0 ? null : episodeProgressBar(total, "sweep");
    const t0 = performance.now();
    let res;
    try {
      res = await runSweep(spec, out, {
        threads: opts.threads as number | undefined,
        onProgress: (n) => bar?.add(n),
      });
    } finally {
      bar?.stop();
    }
    const bad = res.ran.filter((r) => r.status !== "completed");
    if (!opts.quiet)
      process.stdout.write(
        `ran ${res.ran.length} job(s), skipped ${res.skipped}, in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${bad.length} not completed\n`,
      );
    for (const r of bad) process.stderr.write(`${r.dir}: ${r.status}${r.message ? ` — ${r.message}` : ""}\n`);
    if (bad.length > 0) process.exitCode = 1;
  });

  program
    .command("report")
    .description("write a self-contained HTML page (opens offline) from run and/or sweep directories")
    .argument("<dirs...>", "run directories, or folders holding run directories")
    .option("--out <file>", "HTML file to write", "report.html")
    .option("--inline", "embed plotly.js in the page (one ~10 MB file) instead of copying it next to it")
    .option("--png <dir>", "also export every figure as PNG (needs Chromium at /usr/bin/chromium)")
    .option("--svg <dir>", "also export every figure as SVG (needs Chromium)")
    .option("--chromium <path>", "Chromium executable", "/usr/bin/chromium")
    .action(
      async (
        dirs: string[],
        opts: { out: string; inline?: boolean; png?: string; svg?: string; chromium: string },
      ) => {
        const outProblem = outputPathProblem("--out", opts.out, "file");
        if (outProblem !== null) throw new UsageError(outProblem);
        for (const [flag, dir] of [
          ["--png", opts.png],
          ["--svg", opts.svg],
        ] as const) {
          if (dir === undefined) continue;
          const problem = outputPathProblem(flag, dir, "dir");
          if (problem !== null) throw new UsageError(problem);
          if (!existsSync(opts.chromium))
            throw new UsageError(
              `${flag} needs Chromium: ${opts.chromium} does not exist (install chromium, or pass --chromium <path>)`,
            );
        }
        // The report modules load when `report` runs, so other commands start without them.
        const [{ buildRunReport }, { writeReport }, { exportFigures }] = await Promise.all([
          import("../report/run-report.js"),
          import("../report/html.js"),
          import("../report/export.js"),
        ]);
        const page = buildRunReport(dirs);
        const path = writeReport(opts.out, page, { plotly: opts.inline ? "inline" : "copy" });
        process.stdout.write(`wrote ${path} (${page.figures.length} figures)\n`);
        for (const [format, dir] of [
          ["png", opts.png],
          ["svg", opts.svg],
        ] as const) {
          if (!dir) continue;
          const r = await exportFigures(path, page.figures, dir, format, { executablePath: opts.chromium });
          if (r.skipped) {
            process.stderr.write(`error: ${format} export failed: ${r.skipped}\n`);
            process.exitCode = 1;
          } else process.stdout.write(`exported ${r.files.length} ${format} file(s) to ${dir}\n`);
        }
      },
    );

  program
    .command("backends")
    .description("which compute backends (cpu, gpu.js modes) work on this machine")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => {
      const { printBackends } = await import("./backends.js");
      await printBackends({ json: Boolean(opts.json) });
    });

  addLaserCommand(program);
  addSweepTaskCommand(program);
  addWorkerCommand(program);
  addDemoCommand(program);

  return program;
}

let quietOnEpipe = false;

/**
 * A reader that closes early (`lowrank-rl sweep spec.json --dry-run | head -1`) makes writes to
 * stdout fail with EPIPE: end quietly (exit 0) instead of an unhandled 'error' event's stack trace.
 */
function exitQuietlyOnEpipe(): void {
  if (quietOnEpipe) return;
  quietOnEpipe = true;
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });
}

/**
 * Commander's own refusals (an unknown option, a flag value its parser rejects, a missing
 * argument) throw instead of exiting, so that they exit 2 like every other usage error.
 */
function throwOnExit(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwOnExit(sub);
  return cmd;
}

/** Runs the CLI; user errors print one line (no stack) and exit 2 (usage/config) or 1. */
export async function main(argv = process.argv): Promise<void> {
  exitQuietlyOnEpipe();
  try {
    await throwOnExit(buildProgram()).parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help or version text): 0 for those, 2 otherwise.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    if (
      err instanceof ConfigError ||
      err instanceof UsageError ||
      err instanceof CorruptCheckpointError ||
      err instanceof RunLockedError
    ) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (err instanceof ScheduleError) {
      // A learning-rate schedule gave a value that is not a finite number > 0 during the run.
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    if (process.env.LOWRANK_RL_DEBUG) throw err;
    process.stderr.write(
      `error: ${(err as Error).message ?? String(err)}\n(set LOWRANK_RL_DEBUG=1 for the stack trace)\n`,
    );
    process.exitCode = 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(?:^|[\\/])main\.(?:ts|js)$/.test(process.argv[1]);
// Not awaited at the top level: the CommonJS bundle of the CLI (tools/build-cli-bundle.mjs) cannot
// hold a top-level await; main() handles its own errors either way.
if (invokedDirectly) void main();
