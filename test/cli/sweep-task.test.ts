import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { clusterOptionsFrom, defaultTaskCommand } from "../../src/cli/sweep-task.js";
import {
  indexRanges,
  JOB_LIST_FILE,
  K8S_MANIFEST_FILE,
  readJobList,
  runSweepTask,
  shellQuote,
  SLURM_SCRIPT_FILE,
  slurmMemMegabytes,
  slurmTimeSeconds,
  taskIndex,
  writeJobList,
} from "../../src/runner/cluster-emit.js";
import { listCheckpoints } from "../../src/runner/checkpoint.js";
import { readManifest, writeManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { parseSweepSpec, runSweep } from "../../src/runner/sweep.js";
import { cli } from "./cli-helpers.js";

const SPEC = {
  base: {
    env: "LRPG/Pendulum",
    algo: "lrpg",
    episodes: 20,
    checkpointEvery: 5,
    checkpointMinSeconds: 0,
    keepCheckpoints: 10,
    snapshotEvery: 0,
  },
  grid: { rank: [1, 2] },
  seeds: [0, 1],
};

/** Metric rows without the wall-clock column. */
const rowsOf = (dir: string): MetricRow[] =>
  readMetrics(dir).map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });

/** The emitted SLURM script, executed by bash as one array task. */
function runArrayTask(
  script: string,
  index: number,
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [script], {
    env: { ...process.env, SLURM_ARRAY_TASK_ID: String(index) },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("cluster emit helpers", () => {
  it("SLURM time limits, memory sizes, index ranges and shell words", () => {
    expect(slurmTimeSeconds("90")).toBe(5400);
    expect(slurmTimeSeconds("10:30")).toBe(630);
    expect(slurmTimeSeconds("01:00:00")).toBe(3600);
    expect(slurmTimeSeconds("2-12")).toBe(2 * 86400 + 12 * 3600);
    expect(slurmTimeSeconds("1-00:30")).toBe(86400 + 1800);
    expect(slurmTimeSeconds("1-00:00:05")).toBe(86405);
    for (const bad of ["", "0", "1:60", "1:00:60", "1-24", "1h", "-5", "1:2:3:4", "00:00:00"])
      expect(slurmTimeSeconds(bad), bad).toBeNull();
    expect(slurmMemMegabytes("4G")).toBe(4096);
    expect(slurmMemMegabytes("500")).toBe(500);
    expect(slurmMemMegabytes("1t")).toBe(1024 * 1024);
    for (const bad of ["0", "4GB", "-1G", "1.5G", ""]) expect(slurmMemMegabytes(bad), bad).toBeNull();
    expect(indexRanges([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
    expect(indexRanges([3])).toBe("3");
    expect(shellQuote("/a/b.json")).toBe("/a/b.json");
    expect(shellQuote("/a b/it's")).toBe(`'/a b/it'"'"'s'`);
    expect(
      spawnSync("sh", ["-c", `printf %s ${shellQuote("/a b/it's $HOME")}`], { encoding: "utf8" }).stdout,
    ).toBe("/a b/it's $HOME");
  });

  it("bad flags and indices are one-line errors naming the flag and what is allowed", () => {
    const flags = { jobName: "lowrank-rl-sweep", cpusPerTask: "1", time: "01:00:00", mem: "2G" };
    expect(clusterOptionsFrom("slurm", flags)).toMatchObject({
      cpusPerTask: 1,
      command: defaultTaskCommand(),
    });
    const err = (target: "slurm" | "k8s", o: Record<string, unknown>) => {
      try {
        clusterOptionsFrom(target, { ...flags, ...o });
      } catch (e) {
        const message = (e as Error).message;
        expect(message).not.toContain("\n");
        return message;
      }
      return "no error";
    };
    expect(err("slurm", { cpusPerTask: "0" })).toBe("--cpus-per-task 0: must be an integer in [1, 1024]");
    expect(err("slurm", { cpusPerTask: "two" })).toBe('--cpus-per-task "two": must be an integer');
    expect(err("slurm", { time: "1:75" })).toMatch(
      /^--time "1:75": must be a positive time limit as minutes, MM:SS/,
    );
    expect(err("slurm", { mem: "4GB" })).toMatch(
      /^--mem "4GB": must be a positive integer with an optional unit/,
    );
    expect(err("slurm", { maxParallel: "0" })).toMatch(
      /^--max-parallel 0: must be an integer in \[1, 100000\]/,
    );
    expect(err("slurm", { partition: "gpu; rm -rf /" })).toMatch(/^--partition "gpu; rm -rf \/": must be/);
    expect(err("slurm", { image: "node:20" })).toBe("--image applies to --emit k8s only");
    expect(err("k8s", {})).toMatch(/^--image "": must be a container image reference/);
    expect(err("k8s", { image: "x", jobName: "Big_Name" })).toMatch(
      /^--job-name "Big_Name": must be a Kubernetes name/,
    );
    expect(err("k8s", { image: "x", partition: "p" })).toBe("--partition applies to --emit slurm only");

    expect(taskIndex("3", 4, {})).toBe(3);
    expect(taskIndex(undefined, 4, { SLURM_ARRAY_TASK_ID: "2" })).toBe(2);
    expect(taskIndex(undefined, 4, { JOB_COMPLETION_INDEX: "1" })).toBe(1);
    expect(() => taskIndex("4", 4, {})).toThrow(
      'sweep-task: the index must be an integer in [0, 3] (the job list holds 4 jobs), got "4"',
    );
    expect(() => taskIndex(undefined, 4, { SLURM_ARRAY_TASK_ID: "" })).toThrow(
      /\$SLURM_ARRAY_TASK_ID must be an integer in \[0, 3\]/,
    );
    expect(() => taskIndex(undefined, 4, {})).toThrow(/no job index: give it as the second argument/);
  });
});

describe("lowrank-rl sweep --emit slurm / k8s and sweep-task", () => {
  it("the array tasks, run one by one with SLURM_ARRAY_TASK_ID, give the local sweep's results; re-runs skip finished jobs", async () => {
    const root = mkdtempSync(join(tmpdir(), "cli-slurm-"));
    const specPath = join(root, "spec.json");
    writeFileSync(specPath, JSON.stringify(SPEC));
    const local = await runSweep(parseSweepSpec(SPEC), join(root, "local"), { threads: 1 });
    expect(local.ran.every((r) => r.status === "completed")).toBe(true);

    const out = join(root, "cluster");
    const emit = await cli([
      "sweep",
      specPath,
      "--out",
      out,
      "--quiet",
      "--emit",
      "slurm",
      "--time",
      "30",
      "--mem",
      "1G",
      "--max-parallel",
      "2",
    ]);
    expect(emit.stderr).toBe("");
    expect(emit.code).toBe(0);
    const script = join(out, SLURM_SCRIPT_FILE);
    const text = readFileSync(script, "utf8");
    expect(text).toMatch(/^#!\/bin\/bash\n/);
    for (const line of [
      "#SBATCH --array=0-3%2",
      "#SBATCH --cpus-per-task=1",
      "#SBATCH --time=30",
      "#SBATCH --mem=1G",
    ])
      expect(text).toContain(line + "\n");
    expect(text).toContain(`sweep-task ${join(out, JOB_LIST_FILE)} "$SLURM_ARRAY_TASK_ID"`);
    const list = readJobList(join(out, JOB_LIST_FILE));
    expect(list.jobs.map((j) => j.jobId)).toEqual(local.jobs.map((j) => j.jobId));
    expect(existsSync(join(out, "sweep.json"))).toBe(true);

    for (let i = 0; i < 4; i++) {
      const r = runArrayTask(script, i);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^job ${i} \\(${list.jobs[i].jobId}\\) .*: completed\\n$`));
    }
    for (const [i, job] of local.jobs.entries()) {
      const dir = join(out, list.jobs[i].dir);
      expect(basename(dir)).toBe(basename(job.dir));
      expect(readManifest(dir).status).toBe("completed");
      expect(rowsOf(dir)).toEqual(rowsOf(job.dir));
      expect(readFileSync(join(dir, "final_params.json"), "utf8")).toBe(
        readFileSync(join(job.dir, "final_params.json"), "utf8"),
      );
    }

    // Re-running a task skips its finished job; emitting again finds nothing to submit.
    const again = runArrayTask(script, 2);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/: already completed; skipped\n$/);
    const none = await cli(["sweep", specPath, "--out", out, "--quiet", "--emit", "slurm"]);
    expect(none.stdout).toMatch(/all 4 jobs are finished; nothing to submit/);

    // A deleted result folder and an interrupted run: the array covers those two; one resumes.
    rmSync(join(out, list.jobs[1].dir), { recursive: true });
    const cut = join(out, list.jobs[3].dir);
    for (const c of listCheckpoints(join(cut, "checkpoints")))
      if (c.episode > 10) rmSync(join(cut, "checkpoints", c.name));
    writeManifest(cut, { ...readManifest(cut), status: "interrupted" });
    const partial = await cli(["sweep", specPath, "--out", out, "--quiet", "--emit", "slurm"]);
    expect(partial.code).toBe(0);
    expect(readFileSync(script, "utf8")).toContain("#SBATCH --array=1,3\n");
    const resumed = await runSweepTask(join(out, JOB_LIST_FILE), "3");
    expect(resumed).toMatchObject({ action: "resume", result: { status: "completed" } });
    expect(readManifest(cut).resumes).toBe(1);
    expect(rowsOf(cut)).toEqual(rowsOf(local.jobs[3].dir));
    const restarted = await runSweepTask(
      join(out, JOB_LIST_FILE),
      undefined,
      {},
      { SLURM_ARRAY_TASK_ID: "1" },
    );
    expect(restarted).toMatchObject({ action: "start", result: { status: "completed" } });
    expect(rowsOf(join(out, list.jobs[1].dir))).toEqual(rowsOf(local.jobs[1].dir));

    // The Kubernetes Indexed Job over the same list: its pod command runs the task for JOB_COMPLETION_INDEX.
    const k8s = await cli([
      "sweep",
      specPath,
      "--out",
      out,
      "--quiet",
      "--emit",
      "k8s",
      "--image",
      "node:20",
      "--pvc",
      "sweeps",
      "--cpus-per-task",
      "2",
      "--mem",
      "3G",
    ]);
    expect(k8s.code, k8s.stderr).toBe(0);
    const manifest = readFileSync(join(out, K8S_MANIFEST_FILE), "utf8");
    for (const line of [
      "completionMode: Indexed",
      "completions: 4",
      "parallelism: 4",
      'memory: "3Gi"',
      'cpu: "2"',
      'claimName: "sweeps"',
      `mountPath: ${JSON.stringify(out)}`,
    ])
      expect(manifest).toContain(line);
    const command = /- ("exec .*JOB_COMPLETION_INDEX.*")$/m.exec(manifest);
    expect(command).not.toBeNull();
    const pod = spawnSync("/bin/sh", ["-c", JSON.parse(command![1]) as string], {
      env: { ...process.env, JOB_COMPLETION_INDEX: "0" },
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(pod.status, pod.stderr).toBe(0);
    expect(pod.stdout).toMatch(/^job 0 .*: already completed; skipped\n$/);
  });

  it("a DQN job run as an array task equals its local-sweep run", async () => {
    const root = mkdtempSync(join(tmpdir(), "cli-slurm-dqn-"));
    const spec = parseSweepSpec({
      base: {
        algo: "dqn",
        env: "CartPole-v1",
        totalSteps: 300,
        learningStarts: 100,
        logEvery: 100,
        evalEvery: 300,
        evalEpisodes: 2,
        checkpointEvery: 0,
        spectrumEvery: 0,
      },
      seeds: [0],
    });
    const local = await runSweep(spec, join(root, "local"), { threads: 1 });
    const { path } = writeJobList(spec, join(root, "cluster"));
    const task = await runSweepTask(path, "0");
    expect(task).toMatchObject({ action: "start", result: { status: "completed" } });
    expect(basename(task.dir)).toBe(basename(local.jobs[0].dir));
    expect(rowsOf(task.dir)).toEqual(rowsOf(local.jobs[0].dir));
    expect(await runSweepTask(path, "0")).toMatchObject({ action: "skip", found: "completed" });
  });

  it("bad flags and task inputs exit 2 with one line", async () => {
    const root = mkdtempSync(join(tmpdir(), "cli-slurm-bad-"));
    const specPath = join(root, "spec.json");
    writeFileSync(specPath, JSON.stringify(SPEC));
    const bad = await cli([
      "sweep",
      specPath,
      "--out",
      join(root, "o"),
      "--quiet",
      "--emit",
      "slurm",
      "--time",
      "1:99",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^error: --time "1:99": must be a positive time limit as minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS \(minutes and seconds below 60\)\n$/,
    );
    expect(existsSync(join(root, "o", JOB_LIST_FILE))).toBe(false);
    writeFileSync(join(root, "not-a-list.json"), "{}");
    const task = await cli(["sweep-task", join(root, "not-a-list.json"), "0"]);
    expect(task.code).toBe(2);
    expect(task.stderr).toMatch(/^error: .*not-a-list\.json: not a job list \(format "lowrank-rl\/job-list"/);
    expect(task.stderr.trim().split("\n")).toHaveLength(1);
  });
});
