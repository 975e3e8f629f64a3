/**
 * Population training throughput on the pendulum.
 *
 * 1. The population against independent runs, in this run: P = 64 agents (seeds 0…63) train
 *    `EPISODES` episodes each as one `LrpgPopulation` on the cpu backend, and as 64 independent
 *    runs (`makePaperAgent` + `trainReinforce`, seeded as the runner seeds them) on the library's
 *    fused single-agent path and on its generic path (`fused: false`). Rounds interleave the three,
 *    the order rotating; each is timed in CPU seconds of this process, agents and envs built
 *    before the clock starts, after one untimed round of each (the JIT's warm-up). Every agent's
 *    returns must equal its independent run's to the bit (else the suite throws). Reported: steps per CPU-second (median of the rounds) and the
 *    population's ratio to each independent path per round, as median, min and max. P = 1 is
 *    reported too (one agent, no batching to gain from).
 * 1b. What one agent-step of the P = 64 population costs, part by part (CPU ns per agent-step,
 *    best of `PART_ROUNDS` rounds), on the states and actions of episodes 200–299 of seeds 0…63:
 *    the pendulum's own step, the same with the action clipped to ±2 first (without a branch, as
 *    the step pass calls it) and, alone, its Math.sin(θ + π), and those sines as the step pass
 *    computes them (64 agents at a time on lanes, `laneSines`); one normal from the `RngBank`
 *    (64 generators in turn; its transform on lanes, and scalar) and, alone, the scalar Box–Muller
 *    transcendentals (ln, √, cos, sin per pair, halved); the cells of both grids (`GridCellPair`); and the whole lockstep episode split into
 *    its rollout and its update (a `CpuLockstep` driven directly), with Adam per parameter.
 *    Keys `population_pendulum_p64_part_<part>_ns`.
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
import { CpuLockstep } from "../../src/population/cpu-lockstep.js";
import { GridCellPair } from "../../src/population/grid-cells.js";
import { RngBank } from "../../src/population/rng-bank.js";
import { laneSines } from "../../src/population/lane-sines.js";
import { paperPendulumStep } from "../../src/envs/paper-pendulum.js";
import { Adam } from "../../src/optim/adam.js";
import { makeParameter } from "../../src/optim/parameter.js";
import type { PopulationTask } from "../../src/population/index.js";

export const name = "population";

const SIZES = [1, 64, 1024, 4096];
/** Wall-clock budget per (P, backend) cell, after one warm-up episode (kernel compilation). */
const BUDGET_MS = 2500;
/** Episodes per agent in each round of the comparison with independent runs. */
const EPISODES = 300;
const ROUNDS = 7;
/** Rounds of each part's timing in the part-by-part costs (the best is reported). */
const PART_ROUNDS = 9;

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
  // One untimed round of each first: the JIT's and WebAssembly's tier-up of all three paths
  // happens there, so the timed rounds compare steady states (as a long run of many seeds sees them).
  await populationRound(seeds, episodes);
  independentRound(seeds, episodes, true);
  independentRound(seeds, episodes, false);
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

/** CPU ns per item of `fn` (which handles `count` items), best of PART_ROUNDS rounds. */
function bestNs(fn: () => void, count: number): number {
  let best = Infinity;
  for (let r = 0; r < PART_ROUNDS; r++) best = Math.min(best, (cpuSeconds(fn) * 1e9) / count);
  return best;
}

/** The part-by-part costs of one agent-step of the P = 64 population (see the file doc, 1b). */
async function partCosts(): Promise<Record<string, number>> {
  const P = 64;
  const seeds = Array.from({ length: P }, (_, p) => p);
  const base = PAPER_POPULATION_TASKS.pendulum;
  // The states and actions the env sees in episodes 200–299 (the dynamics wrapped to record them).
  const seen: number[] = [];
  let recording = false;
  const dynamics = {
    ...base.dynamics,
    // Without the hoisted sine, so that every step goes through the recording `step`.
    hoistedSine: undefined,
    step(s: Float64Array, o: number, a: number, out: { reward: number; terminated: boolean }): void {
      if (recording) seen.push(s[o], s[o + 1], a);
      base.dynamics.step(s, o, a, out);
    },
  };
  const task: PopulationTask = { ...base, dynamics };
  const recorder = await LrpgPopulation.create({ task, seeds });
  for (let e = 0; e < 300; e++) {
    recording = e >= 200;
    recorder.trainEpisodeSync();
  }
  await recorder.dispose();
  const n = seen.length / 3;
  const rounds = Math.floor(n / P);
  const th = new Float64Array(n);
  const thdot = new Float64Array(n);
  const action = new Float64Array(n);
  for (let i = 0; i < n; i++) [th[i], thdot[i], action[i]] = [seen[3 * i], seen[3 * i + 1], seen[3 * i + 2]];
  let sink = 0;
  const out = { reward: 0, terminated: false };
  const s = new Float64Array(2);
  const envStep = bestNs(() => {
    for (let i = 0; i < n; i++) {
      s[0] = th[i];
      s[1] = thdot[i];
      paperPendulumStep(s, 0, action[i], out);
      sink += out.reward;
    }
  }, n);
  // As the step pass calls it: the action clipped to the env's bounds first, without a branch.
  const [clipLo, clipHi] = base.dynamics.actionClip ?? [-Infinity, Infinity];
  const sel = Float64Array.of(0, clipLo, clipHi);
  const envStepClipped = bestNs(() => {
    for (let i = 0; i < n; i++) {
      s[0] = th[i];
      s[1] = thdot[i];
      const a = action[i];
      sel[0] = a;
      paperPendulumStep(s, 0, sel[+(a < clipLo) | (+(a > clipHi) << 1)], out);
      sink += out.reward;
    }
  }, n);
  const envSin = bestNs(() => {
    for (let i = 0; i < n; i++) sink += Math.sin(th[i] + Math.PI);
  }, n);
  // The same sines as the step pass computes them: 64 listed agents at a time on lanes.
  const sines = laneSines(P);
  const sinList = Int32Array.from(seeds);
  const sinStates = new Float64Array(2 * P);
  const hoisted = base.dynamics.hoistedSine;
  const envSinLanes =
    sines === null || hoisted === undefined
      ? NaN
      : bestNs(() => {
          for (let i = 0; i + P <= n; i += P) {
            for (let p = 0; p < P; p++) sinStates[2 * p] = th[i + p];
            sines.compute(sinList, P, sinStates, 2, hoisted.argument);
            sink += sines.output[0];
          }
        }, rounds * P);
  const normalOf = (bank: RngBank) =>
    bestNs(() => {
      for (let i = 0; i < rounds; i++) for (let p = 0; p < P; p++) sink += bank.normal(p);
    }, rounds * P);
  const normal = normalOf(RngBank.fromRngs(seeds.map((p) => new Rng(p))));
  const normalScalar = normalOf(
    RngBank.fromRngs(
      seeds.map((p) => new Rng(p)),
      { laneTransform: false },
    ),
  );
  const uniforms = new Float64Array(n);
  const g = new Rng(1);
  for (let i = 0; i < n; i++) uniforms[i] = g.uniform() || 0.5;
  const boxMuller = bestNs(() => {
    for (let j = 0; j + 1 < n; j += 2) {
      const r = Math.sqrt(-2 * Math.log(uniforms[j]));
      const theta = 2 * Math.PI * uniforms[j + 1];
      sink += r * Math.cos(theta) + r * Math.sin(theta);
    }
  }, n);
  // The cells of both grids for 64 listed agents at a time (as the cpu lockstep computes them for
  // tasks other than the pendulum; the pendulum's step pass does the same arithmetic inline).
  const pop = await LrpgPopulation.create({ task: base, seeds });
  const grids = new GridCellPair(pop.actor, pop.critic);
  const T = pop.maxSteps;
  const states = new Float64Array(2 * P);
  const list = Int32Array.from(seeds);
  const offsets = Array.from({ length: 4 }, () => new Int32Array(P * T));
  const cells = bestNs(() => {
    for (let i = 0; i + P <= n; i += P) {
      for (let p = 0; p < P; p++) {
        states[2 * p] = th[i + p];
        states[2 * p + 1] = thdot[i + p];
      }
      grids.offsetsOf(states, 2, list, P, (i / P) % T, T, offsets[0], offsets[1], offsets[2], offsets[3]);
    }
  }, rounds * P);
  // Rollout and update of whole lockstep episodes (episodes 0–299 of a fresh population).
  const engine = new CpuLockstep(pop);
  let rollout = 0;
  let update = 0;
  let steps = 0;
  for (let e = 0; e < 300; e++) {
    rollout += cpuSeconds(() => engine.rollout());
    update += cpuSeconds(() => engine.learn());
    for (let p = 0; p < P; p++) steps += pop.lengths[p];
  }
  await pop.dispose();
  const nParams = 64 * (80 + 128 + 1);
  const adamParam = makeParameter("adam", [nParams]);
  adamParam.grad.fill(1e-3);
  const adam = new Adam([adamParam], { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  const adamNs = bestNs(() => {
    for (let k = 0; k < 50; k++) adam.step();
  }, 50 * nParams);
  if (sink === 0.5) process.stdout.write("");
  const key = "population_pendulum_p64_part";
  return {
    [`${key}_env_step_ns`]: envStep,
    [`${key}_env_step_clipped_ns`]: envStepClipped,
    [`${key}_env_sin_ns`]: envSin,
    [`${key}_env_sin_lanes_ns`]: envSinLanes,
    [`${key}_normal_ns`]: normal,
    [`${key}_normal_scalar_transform_ns`]: normalScalar,
    [`${key}_normal_transcendentals_ns`]: boxMuller,
    [`${key}_cells_ns`]: cells,
    [`${key}_rollout_ns`]: (rollout * 1e9) / steps,
    [`${key}_update_ns`]: (update * 1e9) / steps,
    [`${key}_adam_per_parameter_ns`]: adamNs,
    [`${key}_adam_parameters_per_agent_step`]: (nParams * 300) / steps,
  };
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
    ...(await partCosts()),
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
