/**
 * Population training throughput on the pendulum: aggregate env steps per second (acting, env
 * stepping and the per-episode updates of all P agents) for P ∈ {1, 64, 1024, 4096}, on the cpu
 * backend (float64 loops) and the gpu backend (gpu.js, best available mode), in one run.
 * Short horizons (T = 100, a few early episodes: the first episodes are short because the initial
 * random policy drops the pendulum within ~10–30 steps) keep the suite under a minute.
 * Keys: `population_pendulum_p<P>_{cpu,gpu}_steps_per_s` and `..._gpu_over_cpu`.
 */
import { LrpgPopulation } from "../../src/population/index.js";
import { PAPER_POPULATION_TASKS } from "../../src/presets/population-tasks.js";

export const name = "population";

const SIZES = [1, 64, 1024, 4096];
/** Wall-clock budget per (P, backend) cell, after one warm-up episode (kernel compilation). */
const BUDGET_MS = 2500;

async function stepsPerSecond(P: number, backend: "cpu" | "gpu"): Promise<number> {
  const seeds = Array.from({ length: P }, (_, p) => p);
  const pop = await LrpgPopulation.create({
    task: PAPER_POPULATION_TASKS.pendulum,
    seeds,
    backend,
    gpuMode: backend === "gpu" ? "auto" : undefined,
  });
  try {
    await pop.trainEpisode();
    let steps = 0;
    let episodes = 0;
    const t0 = performance.now();
    while (episodes < 2 || performance.now() - t0 < BUDGET_MS) {
      steps += (await pop.trainEpisode()).steps;
      episodes++;
      if (episodes >= 200) break;
    }
    return steps / ((performance.now() - t0) / 1000);
  } finally {
    await pop.dispose();
  }
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const P of SIZES) {
    const cpu = await stepsPerSecond(P, "cpu");
    const gpu = await stepsPerSecond(P, "gpu");
    out[`population_pendulum_p${P}_cpu_steps_per_s`] = cpu;
    out[`population_pendulum_p${P}_gpu_steps_per_s`] = gpu;
    out[`population_pendulum_p${P}_gpu_over_cpu`] = gpu / cpu;
  }
  return out;
}
