import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError, Option, type Command } from "commander";
import {
  checkClusterOptions,
  K8S_MANIFEST_FILE,
  k8sManifest,
  shellQuote,
  SLURM_SCRIPT_FILE,
  slurmScript,
  type ClusterOptions,
} from "../runner/cluster-scripts.js";
import { ConfigError } from "../runner/config.js";
import type { SweepSpec } from "../runner/sweep.js";
import { stopOnSignals } from "./signals.js";

/**
 * `sweep --emit slurm|k8s` (a job list and a scheduler file instead of running the sweep here)
 * and `sweep-task <job list> <index>` (one array task). docs/sweeps-slurm.md.
 */

/** This Node and this copy of lowrank-rl's bin script: what the compute nodes run by default. */
export function defaultTaskCommand(): string {
  const bin = fileURLToPath(new URL("../../bin/lowrank-rl.js", import.meta.url));
  return `${shellQuote(process.execPath)} ${shellQuote(bin)}`;
}

/** The cluster flags of `sweep`. */
export function addClusterEmitOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        "--emit <scheduler>",
        "write a job list and a SLURM array script (slurm) or a Kubernetes Indexed Job (k8s) into --out instead of running",
      ).choices(["slurm", "k8s"]),
    )
    .option(
      "--cpus-per-task <n>",
      "with --emit: CPUs per array task, an integer in [1, 1024]",
      positiveIntText(1024),
      "1",
    )
    .option(
      "--time <limit>",
      "with --emit: wall-clock limit per task (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)",
      "01:00:00",
    )
    .option("--mem <size>", "with --emit: memory per task, e.g. 2G or 500M (no unit: megabytes)", "2G")
    .option(
      "--max-parallel <n>",
      "with --emit: at most n tasks at once (SLURM %n, Kubernetes parallelism)",
      positiveIntText(100_000),
    )
    .option("--partition <name>", "with --emit slurm: the SLURM partition")
    .option("--account <name>", "with --emit slurm: the SLURM account")
    .option("--job-name <name>", "with --emit: the SLURM job name / Kubernetes Job name", "lowrank-rl-sweep")
    .option(
      "--command <cmd>",
      "with --emit: how a compute node runs lowrank-rl (default: this node binary and this copy's bin/lowrank-rl.js)",
    )
    .option("--image <ref>", "with --emit k8s: container image with node and lowrank-rl (required)")
    .option("--pvc <claim>", "with --emit k8s: PersistentVolumeClaim to mount at the sweep folder's path");
}

/** Commander check of an integer flag in [1, max], done when parsed (with or without --emit); keeps the text. */
function positiveIntText(max: number): (value: string) => string {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < 1 || n > max)
      throw new InvalidArgumentError(`must be an integer in [1, ${max}], got "${value}"`);
    return value;
  };
}

function intFlag(flag: string, text: unknown): number | undefined {
  if (text === undefined) return undefined;
  const s = String(text);
  if (!/^\d+$/.test(s.trim())) throw new ConfigError(flag, `--${flag} "${s}": must be an integer`);
  return Number(s);
}

/** The validated cluster flags of a `sweep --emit` command line. */
export function clusterOptionsFrom(target: "slurm" | "k8s", opts: Record<string, unknown>): ClusterOptions {
  const o: ClusterOptions = {
    jobName: String(opts.jobName),
    cpusPerTask: intFlag("cpus-per-task", opts.cpusPerTask)!,
    time: String(opts.time),
    mem: String(opts.mem),
    maxParallel: intFlag("max-parallel", opts.maxParallel),
    partition: opts.partition as string | undefined,
    account: opts.account as string | undefined,
    command: (opts.command as string | undefined) ?? defaultTaskCommand(),
    image: opts.image as string | undefined,
    pvc: opts.pvc as string | undefined,
  };
  if (target === "k8s")
    for (const flag of ["partition", "account"] as const)
      if (o[flag] !== undefined) throw new ConfigError(flag, `--${flag} applies to --emit slurm only`);
  if (target === "slurm")
    for (const flag of ["image", "pvc"] as const)
      if (o[flag] !== undefined) throw new ConfigError(flag, `--${flag} applies to --emit k8s only`);
  checkClusterOptions(target, o);
  return o;
}

/**
 * `sweep <spec> --emit slurm|k8s --out DIR`: validates the flags, then writes DIR/jobs.json,
 * DIR/sweep.json and the scheduler file; prints what to submit.
 */
export async function emitClusterJobs(
  spec: SweepSpec,
  out: string,
  opts: Record<string, unknown>,
): Promise<void> {
  const target = opts.emit as "slurm" | "k8s";
  const o = clusterOptionsFrom(target, opts);
  // The job list needs the sweep planner (and through it every runner): loaded here, not at start-up.
  const { writeJobList } = await import("../runner/cluster-emit.js");
  const { path, jobs } = writeJobList(spec, out);
  const pending = jobs.flatMap((j, i) => (j.action === "skip" ? [] : [i]));
  if (target === "slurm") {
    const script = join(out, SLURM_SCRIPT_FILE);
    if (pending.length === 0) {
      process.stdout.write(`${path}: all ${jobs.length} jobs are finished; nothing to submit\n`);
      return;
    }
    writeFileSync(script, slurmScript(path, pending, o), { mode: 0o755 });
    process.stdout.write(
      `wrote ${path} (${jobs.length} jobs) and ${script} (array over the ${pending.length} not finished); submit with: sbatch ${shellQuote(script)}\n`,
    );
    return;
  }
  const manifest = join(out, K8S_MANIFEST_FILE);
  writeFileSync(manifest, k8sManifest(path, jobs.length, o));
  process.stdout.write(
    `wrote ${path} (${jobs.length} jobs, ${pending.length} not finished) and ${manifest}; submit with: kubectl apply -f ${shellQuote(manifest)}\n`,
  );
}

/** `lowrank-rl sweep-task <job list> [index]`. */
export function addSweepTaskCommand(program: Command): void {
  program
    .command("sweep-task")
    .description(
      "run job <index> of a job list written by `sweep --emit` (a SLURM array or Kubernetes Indexed Job task): skips it when finished, resumes it from its newest checkpoint, else starts it",
    )
    .argument("<joblist>", "the jobs.json written by `sweep --emit`")
    .argument("[index]", "job index (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX)")
    .action(async (jobList: string, index: string | undefined) => {
      const stop = stopOnSignals((sig) =>
        process.stderr.write(`${sig}: checkpointing after this episode (send again to exit at once)\n`),
      );
      let r;
      try {
        const { runSweepTask } = await import("../runner/cluster-emit.js");
        r = await runSweepTask(jobList, index, { signal: stop.signal });
      } finally {
        stop.dispose();
      }
      const head = `job ${r.index} (${r.jobId}) ${r.dir}`;
      if (r.result === undefined) {
        process.stdout.write(`${head}: already ${r.found}; skipped\n`);
        return;
      }
      const res = r.result;
      process.stdout.write(`${head}: ${r.action === "resume" ? "resumed, " : ""}${res.status}\n`);
      if (res.message) process.stderr.write(`${res.message}\n`);
      const sig = stop.received();
      if (res.status === "interrupted") process.exitCode = sig === "SIGINT" ? 130 : 143;
      else if (res.status !== "completed") process.exitCode = 1;
    });
}
