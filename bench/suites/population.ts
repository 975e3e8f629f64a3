/**
 * Population training throughput on the pendulum.
 *
 * 1. The population against independent runs, in this run: P = 64 agents (seeds 0…63) train
 *    `EPISODES` episodes each as one `LrpgPopulation` on the cpu backend, and as 64 independent
 *    runs (`makePaperAgent` + `trainReinforce`, seeded as the runner seeds them) on the library's
 *    fused single-agent path and on its generic path (`fused: false`). Rounds interleave the three,
 *    the order rotating; each is timed in CPU seconds of this process, agents and envs built
 *    before the clock starts. Every agent's returns must equal its independent run's to the bit
 *    (else the suite throws). Reported: steps per CPU-second (median of the rounds) and the
 *    population's ratio to each independent path per round, as median, min and max. P = 1 is
 *    reported too (one agent, no batching to gain from).
 * 2. Aggregate env steps per second (acting, env stepping and the per-episode updates of all P
 *    agents) for P ∈ {1, 64, 1024, 4096} on the cpu backend (float64) and the gpu backend (gpu.js,
 *    best available mode). Short horizons (T = 100, a few early episodes: the first episodes are
 *    short because the initial random policy drops the pendulum within ~10–30 steps) keep this
 *    part under a minute. Keys: `population_pendulum_p<P>_{cpu,gpu}_steps_per_s`, `…_gpu_over_cpu`.
 */
import { makeEnv } from "../../src/envs/index.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import { LrpgPopulation } from "../../src/population/index.js";
import { makePaperAgent, PAPER_TASKS } from "../../src/presets/paper-agents.js";
import { PAPER_POPULATION_TASKS } from "../../src/presets/population-tasks.js";
import { Rng } from "../../src/random/rng.js";

export const name = "population";

const SIZES = [1, 64, 1024, 4096];
/** Wall-clock budget per (P, backend) cell, after one warm-up episode (kernel compilation). */
const BUDGET_MS = 2500;
/** Episodes per agent in each round of the comparison with independent runs. */
const EPISODES = 300;
const ROUNDS = 7;

interface Timed {
  steps: number;
  cpu: number;
  returns: Float64Array[];
}

/** CPU seconds of this process spent in `fn`. */
function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** P agents as one cpu population, `episodes` lockstep episodes. */
async function populationRound(seeds: readonly number[], episodes: number): Promise<Timed> {
  const pop = await LrpgPopulation.create({ task: PAPER_POPULATION_TASKS.pendulum, seeds });
  const returns = seeds.map(() => new Float64Array(episodes));
  let steps = 0;
  const cpu = cpuSeconds(() => {
    for (let e = 0; e < episodes; e++) {
      const r = pop.trainEpisodeSync();
      steps += r.steps;
      for (let p = 0; p < seeds.length; p++) returns[p][e] = r.returns[p];
    }
  });
  await pop.dispose();
  return { steps, cpu, returns };
}

/** The same agents as independent single runs, one after the other. */
function independentRound(seeds: readonly number[], episodes: number, fused: boolean): Timed {
  const { maxSteps, envId } = PAPER_TASKS.pendulum;
  const runs = seeds.map((seed) => {
    const rng = new Rng(seed);
    const agent = makePaperAgent("lrpg", "pendulum", { rng });
    const env = makeEnv(envId, { rng: rng.fork(), maxEpisodeSteps: null });
    return { agent, env, rng };
  });
  const returns: Float64Array[] = [];
  let steps = 0;
  const cpu = cpuSeconds(() => {
    for (const { agent, env, rng } of runs) {
      const r = trainReinforce({ env, agent, rng, episodes, maxSteps, fused });
      steps += r.totalSteps;
      returns.push(r.returns);
    }
  });
  return { steps, cpu, returns };
}

function checkSame(a: Timed, b: Timed, what: string): void {
  a.returns.forEach((ret, p) => {
    for (let e = 0; e < ret.length; e++)
      if (!Object.is(ret[e], b.returns[p][e]))
        throw new Error(
          `population bench: agent ${p} episode ${e} returned ${ret[e]}, its ${what} run ${b.returns[p][e]}`,
        );
  });
}

/** Interleaved rounds of the population and the two independent paths (see the file doc). */
async function againstIndependent(
  P: number,
  episodes: number,
  rounds: number,
): Promise<Record<string, number>> {
  const seeds = Array.from({ length: P }, (_, p) => p);
  const rate = { population: [] as number[], fused: [] as number[], generic: [] as number[] };
  const kinds = ["population", "fused", "generic"] as const;
  for (let r = 0; r < rounds; r++) {
    const got: Partial<Record<(typeof kinds)[number], Timed>> = {};
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[(r + i) % kinds.length];
      got[kind] =
        kind === "population"
          ? await populationRound(seeds, episodes)
          : independentRound(seeds, episodes, kind === "fused");
    }
    const pop = got.population!;
    checkSame(pop, got.fused!, "fused single");
    checkSame(pop, got.generic!, "generic single");
    for (const kind of kinds) rate[kind].push(got[kind]!.steps / got[kind]!.cpu);
  }
  const key = `population_pendulum_p${P}`;
  const out: Record<string, number> = {
    [`${key}_steps_per_cpu_s_median`]: median(rate.population),
    [`${key}_independent_fused_steps_per_cpu_s_median`]: median(rate.fused),
    [`${key}_independent_generic_steps_per_cpu_s_median`]: median(rate.generic),
  };
  for (const kind of ["fused", "generic"] as const) {
    const ratios = rate.population.map((x, r) => x / rate[kind][r]);
    out[`${key}_over_independent_${kind}_median`] = median(ratios);
    out[`${key}_over_independent_${kind}_min`] = Math.min(...ratios);
    out[`${key}_over_independent_${kind}_max`] = Math.max(...ratios);
  }
  return out;
}

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
  // Warm-up (JIT) of all three paths, then the measured rounds.
  await againstIndependent(8, 100, 1);
  const out: Record<string, number> = {
    ...(await againstIndependent(64, EPISODES, ROUNDS)),
    ...(await againstIndependent(1, 4 * EPISODES, ROUNDS)),
  };
  for (const P of SIZES) {
    const cpu = await stepsPerSecond(P, "cpu");
    const gpu = await stepsPerSecond(P, "gpu");
    out[`population_pendulum_p${P}_cpu_steps_per_s`] = cpu;
    out[`population_pendulum_p${P}_gpu_steps_per_s`] = gpu;
    out[`population_pendulum_p${P}_gpu_over_cpu`] = gpu / cpu;
  }
  return out;
}
