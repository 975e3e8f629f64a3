/**
 * The NN baseline's kernels and the command line's start-up (docs/performance.md, "NN baseline"
 * and "Start-up"), each against its own baseline in the same run:
 * - NN pendulum training (2→512→1 ReLU μ- and V-nets, `trainReinforce` with act on every step and
 *   the per-episode learn) and NN rocket training (3→128→1) in env steps per CPU-second, on the
 *   WebAssembly f64x2 kernels and on the scalar loops; the runs must give the same returns (they
 *   are bit-identical);
 * - `lowrank-rl run --env LRPG/Pendulum --algo lrpg --episodes 1000`, whole-process CPU seconds
 *   (start-up, training, files), from the sources through tsx, from a current dist/ build and
 *   from its bundle (dist/cli-bundle, what the installed `lowrank-rl` command runs: `_bundle_`
 *   with the code cache the first start wrote, `_bundle_first_` the first start itself);
 * - writing 1 000 and 10 000 metric rows (with and without their TensorBoard events) in a fresh
 *   process, CPU ms of the writing (bench/probe/metrics-rows.ts);
 * - loading the sweep pool's worker module, CPU seconds of a process that only imports it, as
 *   TypeScript through tsx and as the compiled JavaScript the pool now prefers.
 * Figures that need a build are NaN without a current one (`npm run build`).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";
import { makeEnv } from "../../src/envs/index.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import { PAPER_TASKS } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";
import { poolWorkerModule } from "../../src/runner/pool.js";
import { COMPILE_CACHE_ENV } from "../../src/cli/compile-cache.js";

export const name = "nn-startup";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Best of `repeats` fresh NN pendulum trainings: env steps per CPU-second, and the returns of the last one. */
function nnThroughput(
  task: "pendulum" | "rocket",
  kernels: boolean,
  episodes: number,
  repeats: number,
): { cpu: number; returns: ArrayLike<number> } {
  const spec = PAPER_TASKS[task];
  let cpu = 0;
  let returns: ArrayLike<number> = [];
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(1000 + r);
    const agent = new NnGaussianAgent({
      stateDim: spec.stateDim,
      ...spec.nn,
      gamma: spec.gamma,
      rng,
      kernels,
    });
    const env = makeEnv(spec.envId, { rng: rng.fork() });
    const c0 = process.cpuUsage();
    const result = trainReinforce({ env, agent, rng, episodes, maxSteps: spec.maxSteps });
    const c = process.cpuUsage(c0);
    cpu = Math.max(cpu, result.totalSteps / ((c.user + c.system) / 1e6));
    returns = result.returns;
  }
  return { cpu, returns };
}

/** Prints the process's CPU seconds (all threads) to stderr as it exits. */
const REPORT_CPU =
  "data:text/javascript," +
  encodeURIComponent(
    'process.on("exit", () => { const u = process.cpuUsage(); process.stderr.write(`\\ncpu-seconds ${(u.user + u.system) / 1e6}\\n`); });',
  );

/**
 * Whole-process CPU seconds of `node [flags] args` (the smallest of `repeats` runs), NaN if it
 * fails. `compileCache`: the CLI bundle's code-cache folder (src/cli/compile-cache.ts) for every
 * run, or "fresh" for an empty one each run (the first start after an install or an upgrade).
 */
function childCpuSeconds(args: readonly string[], repeats: number, compileCache: string = "fresh"): number {
  let best = Number.NaN;
  for (let r = 0; r < repeats; r++) {
    const out = mkdtempSync(join(tmpdir(), "bench-startup-"));
    try {
      const cache = compileCache === "fresh" ? join(out, "compile-cache") : compileCache;
      const child = spawnSync(
        process.execPath,
        ["--import", REPORT_CPU, ...args.map((a) => a.replace("{out}", join(out, "run")))],
        { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", [COMPILE_CACHE_ENV]: cache } },
      );
      const m = /cpu-seconds ([\d.e+-]+)/.exec(child.stderr ?? "");
      if (child.status !== 0 || m === null) return Number.NaN;
      const s = Number(m[1]);
      if (!(s >= best)) best = s;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  return best;
}

/** Whether dist/ holds a build at least as new as the CLI's and the pool's sources. */
function currentBuild(): boolean {
  const built = join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(built)) return false;
  return (
    poolWorkerModule().compiled &&
    statSync(built).mtimeMs >= statSync(join(ROOT, "src", "cli", "main.ts")).mtimeMs
  );
}

export async function run(): Promise<Record<string, number>> {
  nnThroughput("pendulum", true, 20, 1); // JIT warm-up of both paths
  nnThroughput("pendulum", false, 20, 1);
  const scalar = nnThroughput("pendulum", false, 1500, 2);
  const simd = nnThroughput("pendulum", true, 1500, 2);
  const rocketScalar = nnThroughput("rocket", false, 150, 2);
  const rocketSimd = nnThroughput("rocket", true, 150, 2);
  for (const [a, b] of [
    [simd, scalar],
    [rocketSimd, rocketScalar],
  ])
    if (!Array.from(a.returns).every((x, i) => Object.is(x, b.returns[i])))
      throw new Error("bench nn-startup: the kernels' training returns differ from the scalar loops'");

  const runArgs = [
    "run",
    "--env",
    "LRPG/Pendulum",
    "--algo",
    "lrpg",
    "--episodes",
    "1000",
    "--quiet",
    "--out",
    "{out}",
  ];
  const tsxRun = childCpuSeconds(["--import", "tsx", "src/cli/main.ts", ...runArgs], 2);
  const build = currentBuild();
  const distRun = build ? childCpuSeconds(["dist/cli/main.js", ...runArgs], 2) : Number.NaN;
  // The installed package's command: the bundle of the same build (tools/build-cli-bundle.mjs),
  // with its code cache as a second start finds it (the first run writes it), and from scratch.
  const bundled = join(ROOT, "dist", "cli-bundle", "main.js");
  const bundleCurrent =
    build &&
    existsSync(bundled) &&
    statSync(bundled).mtimeMs >= statSync(join(ROOT, "dist", "cli", "main.js")).mtimeMs;
  const cacheDir = mkdtempSync(join(tmpdir(), "bench-compile-cache-"));
  let bundleRun = Number.NaN;
  let bundleColdRun = Number.NaN;
  try {
    if (bundleCurrent) {
      bundleColdRun = childCpuSeconds([bundled, ...runArgs], 3, "fresh");
      childCpuSeconds([bundled, ...runArgs], 1, cacheDir); // writes the cache
      bundleRun = childCpuSeconds([bundled, ...runArgs], 3, cacheDir);
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  // Metric rows in a fresh process (bench/probe/metrics-rows.ts): CPU ms of the writing, median of 5.
  const rowsCpuMs = (rows: number, tb: boolean): number => {
    const ms: number[] = [];
    for (let r = 0; r < 5; r++) {
      const child = spawnSync(
        process.execPath,
        ["--import", "tsx", "bench/probe/metrics-rows.ts", String(rows), tb ? "tb" : "no-tb"],
        { cwd: ROOT, encoding: "utf8" },
      );
      ms.push(child.status === 0 ? Number(child.stdout.trim()) : Number.NaN);
    }
    return ms.sort((a, b) => a - b)[2];
  };
  const rows1000 = rowsCpuMs(1000, true);
  const rows1000NoTb = rowsCpuMs(1000, false);
  const rows10000 = rowsCpuMs(10_000, true);
  const importOnly = (url: string) => ["--input-type=module", "-e", `await import(${JSON.stringify(url)})`];
  const tsxWorker = childCpuSeconds(
    ["--import", "tsx", ...importOnly(new URL("../../src/runner/pool-worker.ts", import.meta.url).href)],
    2,
  );
  const distWorker = build
    ? childCpuSeconds(importOnly(new URL("../../dist/runner/pool-worker.js", import.meta.url).href), 2)
    : Number.NaN;
  return {
    nn_pendulum_scalar_steps_per_cpu_s: scalar.cpu,
    nn_pendulum_simd_steps_per_cpu_s: simd.cpu,
    nn_pendulum_simd_over_scalar_ratio: simd.cpu / scalar.cpu,
    nn_rocket_scalar_steps_per_cpu_s: rocketScalar.cpu,
    nn_rocket_simd_steps_per_cpu_s: rocketSimd.cpu,
    startup_run_lrpg_1000_tsx_cpu_s: tsxRun,
    startup_run_lrpg_1000_dist_cpu_s: distRun,
    startup_run_lrpg_1000_bundle_cpu_s: bundleRun,
    startup_run_lrpg_1000_bundle_first_cpu_s: bundleColdRun,
    metric_rows_1000_tensorboard_cpu_ms: rows1000,
    metric_rows_1000_no_tensorboard_cpu_ms: rows1000NoTb,
    metric_rows_10000_tensorboard_cpu_ms: rows10000,
    startup_pool_worker_load_tsx_cpu_s: tsxWorker,
    startup_pool_worker_load_dist_cpu_s: distWorker,
  };
}
