/**
 * The scheduler files of a cluster sweep (docs/sweeps-slurm.md): the validated cluster flags, a
 * SLURM job-array script and a Kubernetes Indexed Job over a job list's indices. No training code
 * is imported here, so the CLI registers the flags without loading the runners.
 */
import { basename, dirname, join, resolve } from "node:path";
import { ConfigError } from "./config.js";

export const SLURM_SCRIPT_FILE = "sweep.sbatch";
export const K8S_MANIFEST_FILE = "sweep-job.yaml";
/** Folder of the SLURM task logs, inside the sweep folder. */
export const SLURM_LOG_DIR = "slurm-logs";

/** Flags of a cluster emit, validated. */
export interface ClusterOptions {
  /** SLURM job name / Kubernetes Job name. */
  jobName: string;
  cpusPerTask: number;
  /** Wall-clock limit per task, SLURM syntax (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS). */
  time: string;
  /** Memory per task, SLURM syntax: an integer with an optional K/M/G/T suffix (no suffix: megabytes). */
  mem: string;
  /** At most this many tasks at once (SLURM `%N`, Kubernetes `parallelism`). */
  maxParallel?: number;
  partition?: string;
  account?: string;
  /** The command that runs lowrank-rl on the compute node (default: this node and this copy of lowrank-rl). */
  command: string;
  /** Kubernetes: the container image holding node and lowrank-rl. */
  image?: string;
  /** Kubernetes: a PersistentVolumeClaim mounted at the sweep folder's path. */
  pvc?: string;
}

const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** A word for a POSIX shell: as is when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return SHELL_SAFE.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** Seconds of a SLURM time limit, or null when `text` is not one of its formats. */
export function slurmTimeSeconds(text: string): number | null {
  const m = /^(?:(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?|(\d+)(?::(\d+)(?::(\d+))?)?)$/.exec(text.trim()) ?? null;
  if (!m) return null;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  let seconds: number;
  if (m[1] !== undefined) {
    // D-HH[:MM[:SS]]
    if (n(m[2]) > 23 || n(m[3]) > 59 || n(m[4]) > 59) return null;
    seconds = ((n(m[1]) * 24 + n(m[2])) * 60 + n(m[3])) * 60 + n(m[4]);
  } else if (m[7] !== undefined) {
    // HH:MM:SS
    if (n(m[6]) > 59 || n(m[7]) > 59) return null;
    seconds = (n(m[5]) * 60 + n(m[6])) * 60 + n(m[7]);
  } else if (m[6] !== undefined) {
    // MM:SS
    if (n(m[6]) > 59) return null;
    seconds = n(m[5]) * 60 + n(m[6]);
  } else seconds = n(m[5]) * 60; // minutes
  return seconds > 0 ? seconds : null;
}

/** Megabytes of a SLURM memory size (`4G`, `500M`, `2000`), or null when it is not one. */
export function slurmMemMegabytes(text: string): number | null {
  const m = /^([1-9]\d{0,9})([KMGT]?)$/i.exec(text.trim());
  if (!m) return null;
  const scale = { K: 1 / 1024, M: 1, G: 1024, T: 1024 * 1024, "": 1 }[m[2].toUpperCase() as "K"];
  return Number(m[1]) * scale;
}

/** Checks the flags of a cluster emit; one-line ConfigErrors name the flag, the value and what is allowed. */
export function checkClusterOptions(target: "slurm" | "k8s", o: ClusterOptions): void {
  const bad = (flag: string, value: unknown, allowed: string) =>
    new ConfigError(flag, `--${flag} ${JSON.stringify(value)}: must be ${allowed}`);
  if (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1 || o.cpusPerTask > 1024)
    throw bad("cpus-per-task", o.cpusPerTask, "an integer in [1, 1024]");
  if (slurmTimeSeconds(o.time) === null)
    throw bad(
      "time",
      o.time,
      "a positive time limit as minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (minutes and seconds below 60)",
    );
  if (slurmMemMegabytes(o.mem) === null)
    throw bad(
      "mem",
      o.mem,
      "a positive integer with an optional unit K, M, G or T (no unit: megabytes), e.g. 4G",
    );
  if (
    o.maxParallel !== undefined &&
    (!Number.isInteger(o.maxParallel) || o.maxParallel < 1 || o.maxParallel > 100_000)
  )
    throw bad("max-parallel", o.maxParallel, "an integer in [1, 100000]");
  if (o.command.trim() === "" || /[\n\r]/.test(o.command))
    throw bad("command", o.command, "a non-empty one-line shell command");
  if (target === "slurm") {
    if (!/^[A-Za-z0-9_.+-]{1,128}$/.test(o.jobName))
      throw bad("job-name", o.jobName, "1 to 128 letters, digits, '_', '.', '+' or '-'");
    for (const [flag, v] of [
      ["partition", o.partition],
      ["account", o.account],
    ] as const)
      if (v !== undefined && !/^[A-Za-z0-9_.,-]{1,128}$/.test(v))
        throw bad(flag, v, "1 to 128 letters, digits, '_', '.', ',' or '-'");
  } else {
    if (!/^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$/.test(o.jobName))
      throw bad(
        "job-name",
        o.jobName,
        "a Kubernetes name: at most 50 lower-case letters, digits or '-', starting and ending with a letter or digit",
      );
    if (o.image === undefined || !/^\S+$/.test(o.image))
      throw bad(
        "image",
        o.image ?? "",
        "a container image reference holding node and lowrank-rl (required with --emit k8s)",
      );
    if (o.pvc !== undefined && !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(o.pvc))
      throw bad("pvc", o.pvc, "a PersistentVolumeClaim name (lower-case letters, digits, '-' or '.')");
  }
}

/** Array indices as SLURM ranges: [0,1,2,5,7,8] → "0-2,5,7-8". */
export function indexRanges(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * The `sbatch` script: one array task per job index in `indices` (the jobs not finished when it
 * was written), each running `<command> sweep-task <job list> $SLURM_ARRAY_TASK_ID`. SLURM sends
 * SIGTERM two minutes before the time limit, so a policy-gradient run checkpoints and a re-submit
 * resumes it.
 */
export function slurmScript(jobListPath: string, indices: readonly number[], o: ClusterOptions): string {
  const list = resolve(jobListPath);
  const logs = join(dirname(list), SLURM_LOG_DIR);
  const array = indexRanges(indices) + (o.maxParallel !== undefined ? `%${o.maxParallel}` : "");
  return [
    "#!/bin/bash",
    `# lowrank-rl sweep as a SLURM job array: task i runs job i of ${basename(list)} (${indices.length} job(s) to run).`,
    "# Submit with `sbatch` on a node that sees this folder; re-submitting skips finished jobs and",
    "# resumes interrupted ones from their newest checkpoint.",
    `#SBATCH --job-name=${o.jobName}`,
    `#SBATCH --array=${array}`,
    "#SBATCH --ntasks=1",
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    `#SBATCH --time=${o.time}`,
    `#SBATCH --mem=${o.mem}`,
    ...(o.partition !== undefined ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.account !== undefined ? [`#SBATCH --account=${o.account}`] : []),
    `#SBATCH --output=${join(logs, "%x-%A_%a.out")}`,
    "#SBATCH --signal=B:TERM@120",
    "set -euo pipefail",
    `exec ${o.command} sweep-task ${shellQuote(list)} "$SLURM_ARRAY_TASK_ID"`,
    "",
  ].join("\n");
}

/** A YAML scalar: JSON's double-quoted string is valid YAML. */
const y = (s: string) => JSON.stringify(s);

/** Kubernetes memory quantity of a SLURM size (`4G` → `4Gi`, `500` → `500Mi`). */
function k8sMemory(mem: string): string {
  const m = /^(\d+)([KMGT]?)$/i.exec(mem.trim())!;
  return `${m[1]}${m[2] === "" ? "M" : m[2].toUpperCase()}i`;
}

/**
 * A Kubernetes Indexed Job (`completionMode: Indexed`) over all `jobs` indices: pod i runs
 * `<command> sweep-task <job list> $JOB_COMPLETION_INDEX`; finished jobs end at once, so the whole
 * list can be applied again. The sweep folder must be at the same path in the pod (`--pvc`
 * mounts a claim there).
 */
export function k8sManifest(jobListPath: string, jobs: number, o: ClusterOptions): string {
  const list = resolve(jobListPath);
  const mount = dirname(list);
  const seconds = slurmTimeSeconds(o.time)!;
  const lines = [
    "# lowrank-rl sweep as a Kubernetes Indexed Job: pod i runs job i of the job list.",
    "# kubectl apply -f this file; re-applying (after deleting the finished Job) skips finished jobs.",
    "apiVersion: batch/v1",
    "kind: Job",
    "metadata:",
    `  name: ${y(o.jobName)}`,
    "spec:",
    "  completionMode: Indexed",
    `  completions: ${jobs}`,
    `  parallelism: ${Math.min(o.maxParallel ?? jobs, jobs)}`,
    "  template:",
    "    spec:",
    "      restartPolicy: Never",
    `      activeDeadlineSeconds: ${seconds}`,
    "      terminationGracePeriodSeconds: 120",
    "      containers:",
    "        - name: sweep-task",
    `          image: ${y(o.image!)}`,
    "          command:",
    '            - "/bin/sh"',
    '            - "-c"',
    `            - ${y(`exec ${o.command} sweep-task ${shellQuote(list)} "$JOB_COMPLETION_INDEX"`)}`,
    "          resources:",
    "            requests:",
    `              cpu: ${y(String(o.cpusPerTask))}`,
    `              memory: ${y(k8sMemory(o.mem))}`,
    "            limits:",
    `              cpu: ${y(String(o.cpusPerTask))}`,
    `              memory: ${y(k8sMemory(o.mem))}`,
  ];
  if (o.pvc !== undefined)
    lines.push(
      "          volumeMounts:",
      "            - name: sweep",
      `              mountPath: ${y(mount)}`,
      "      volumes:",
      "        - name: sweep",
      "          persistentVolumeClaim:",
      `            claimName: ${y(o.pvc)}`,
    );
  return lines.join("\n") + "\n";
}
