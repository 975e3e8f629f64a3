/**
 * Checkpoint overhead of the run executor (`src/runner` `executeRun`, target ≤ 5 %):
 * a full LRPG and NN pendulum run with checkpoints only at the end (`checkpointEvery: 0`) against
 * the same run checkpointing every 100 episodes (`checkpointMinSeconds: 0`, so none is skipped).
 * Everything else (metrics files, parameter snapshots every 100 episodes, no evaluation) is the
 * executor's default in both. Each time is the best of a few alternating repetitions, in fresh
 * temporary directories; the same runs are also timed in process CPU time (less sensitive to
 * other jobs sharing the machine).
 * Keys: `runner_<algo>_pendulum_{plain,checkpoint}_{seconds,cpu_seconds}`,
 * `runner_<algo>_pendulum_checkpoint_overhead` (time with / time without − 1) and
 * `..._checkpoint_overhead_cpu` (the same from CPU time); `..._default_checkpoint_overhead[_cpu]`
 * for the executor's default throttle (every 100 episodes, but `checkpointMinSeconds` 1).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeRun } from "../../src/runner/run.js";

export const name = "runner";

interface Timing {
  seconds: number;
  cpuSeconds: number;
}

async function timeRun(
  algo: "lrpg" | "nn",
  episodes: number,
  checkpointEvery: number,
  checkpointMinSeconds?: number,
): Promise<Timing> {
  const root = mkdtempSync(join(tmpdir(), "lowrank-rl-bench-runner-"));
  try {
    const config = {
      env: "LRPG/Pendulum",
      algo,
      seed: 1,
      episodes,
      checkpointEvery,
      ...(checkpointMinSeconds === undefined ? {} : { checkpointMinSeconds }),
      evalEvery: 0,
    };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await executeRun(config, { dir: join(root, "run") });
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (result.status !== "completed")
      throw new Error(`bench runner: ${algo} run ended "${result.status}": ${result.message ?? ""}`);
    return { seconds, cpuSeconds: (c.user + c.system) / 1e6 };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function overhead(
  algo: "lrpg" | "nn",
  episodes: number,
  repeats: number,
): Promise<Record<string, number>> {
  await timeRun(algo, Math.min(episodes, 100), 0); // warm-up (JIT)
  let plain: Timing | null = null;
  let ckpt: Timing | null = null;
  let dflt: Timing | null = null;
  const best = (a: Timing | null, b: Timing): Timing =>
    a === null
      ? b
      : { seconds: Math.min(a.seconds, b.seconds), cpuSeconds: Math.min(a.cpuSeconds, b.cpuSeconds) };
  for (let r = 0; r < repeats; r++) {
    plain = best(plain, await timeRun(algo, episodes, 0));
    ckpt = best(ckpt, await timeRun(algo, episodes, 100, 0));
    dflt = best(dflt, await timeRun(algo, episodes, 100));
  }
  const p = plain!;
  const c = ckpt!;
  const d = dflt!;
  const key = `runner_${algo}_pendulum`;
  return {
    [`${key}_plain_seconds`]: p.seconds,
    [`${key}_checkpoint_seconds`]: c.seconds,
    [`${key}_checkpoint_overhead`]: c.seconds / p.seconds - 1,
    [`${key}_plain_cpu_seconds`]: p.cpuSeconds,
    [`${key}_checkpoint_cpu_seconds`]: c.cpuSeconds,
    [`${key}_checkpoint_overhead_cpu`]: c.cpuSeconds / p.cpuSeconds - 1,
    [`${key}_default_checkpoint_overhead`]: d.seconds / p.seconds - 1,
    [`${key}_default_checkpoint_overhead_cpu`]: d.cpuSeconds / p.cpuSeconds - 1,
  };
}

export async function run(): Promise<Record<string, number>> {
  return {
    ...(await overhead("lrpg", 3000, 3)),
    ...(await overhead("nn", 1000, 2)),
  };
}
