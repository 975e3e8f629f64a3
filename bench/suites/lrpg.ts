/**
 * LRPG and NN-baseline training throughput on the paper's tasks: env steps per second of
 * `trainReinforce` including `act` on every step and the per-episode `learn` (reference
 * hyperparameters, fresh seeded agents). Each figure is the best of a few repetitions.
 *
 * The pendulum LRPG figure is also given as a ratio to a hand-fused probe of the same loop
 * (bench/probe/lrpg-pendulum-probe.ts, same trajectories to the bit), measured in this run:
 * rounds interleave the library's fused path, its generic path (`runEpisode` + `learn`) and the
 * probe on the same seed, each timed in CPU seconds of this process; the ratios of each round
 * are reported as median, min and max.
 */
import { makeEnv } from "../../src/envs/index.js";
import type { Env } from "../../src/envs/env.js";
import type { LrpgAgent } from "../../src/lrpg/gaussian-lrpg-agent.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import {
  makePaperAgent,
  PAPER_TASKS,
  type PaperAgentKind,
  type PaperTask,
} from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";
import { runPendulumProbe, type ProbeStart } from "../probe/lrpg-pendulum-probe.js";

export const name = "lrpg";

/**
 * Best of `repeats` fresh training runs: steps per wall-clock second, and steps per second of
 * this process's CPU time (less sensitive to other jobs sharing the machine).
 */
function throughput(
  kind: PaperAgentKind,
  task: PaperTask,
  episodes: number,
  repeats: number,
): { wall: number; cpu: number } {
  const spec = PAPER_TASKS[task];
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(1000 + r);
    const agent = makePaperAgent(kind, task, { rng });
    const env = makeEnv(spec.envId, { rng: rng.fork() });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = trainReinforce({ env, agent, rng, episodes, maxSteps: spec.maxSteps });
    const seconds = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    wall = Math.max(wall, result.totalSteps / seconds);
    cpu = Math.max(cpu, result.totalSteps / ((c.user + c.system) / 1e6));
  }
  return { wall, cpu };
}

/**
 * The paper's pendulum LRPG run of `seed` as the library builds it, and the probe's start: copies
 * of the agent's initial factors and ρ, the run's generator and the env's generator.
 */
export function pendulumStart(seed: number): { agent: LrpgAgent; env: Env; rng: Rng; start: ProbeStart } {
  const rng = new Rng(seed);
  const agent = makePaperAgent("lrpg", "pendulum", { rng });
  const envRng = rng.fork();
  const envWords = envRng.getState().words;
  const env = makeEnv(PAPER_TASKS.pendulum.envId, { rng: envRng });
  const state = rng.getState();
  const critic = agent.critic.matrix;
  const start: ProbeStart = {
    muL: agent.mu.L.data.slice(),
    muR: agent.mu.R.data.slice(),
    vL: critic.L.data.slice(),
    vR: critic.R.data.slice(),
    logSigma: agent.logSigma!.data[0],
    words: state.words,
    spare: state.spareNormal ?? NaN,
    envWords,
  };
  return { agent, env, rng, start };
}

/** CPU seconds of this process spent in `fn`. */
function cpuSeconds(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * `rounds` interleaved rounds of 1000 pendulum episodes each by the library's fused path, its
 * generic path and the probe (same seed per round, the order rotating): steps per CPU-second of each.
 */
export function probeRounds(
  rounds: number,
  episodes = 1000,
): { fused: number[]; generic: number[]; probe: number[] } {
  const out = { fused: [] as number[], generic: [] as number[], probe: [] as number[] };
  const maxSteps = PAPER_TASKS.pendulum.maxSteps;
  const runs: Record<keyof typeof out, (seed: number) => number> = {
    fused: (seed) => {
      const { agent, env, rng } = pendulumStart(seed);
      let steps = 0;
      const cpu = cpuSeconds(
        () => (steps = trainReinforce({ env, agent, rng, episodes, maxSteps }).totalSteps),
      );
      return steps / cpu;
    },
    generic: (seed) => {
      const { agent, env, rng } = pendulumStart(seed);
      let steps = 0;
      const cpu = cpuSeconds(
        () => (steps = trainReinforce({ env, agent, rng, episodes, maxSteps, fused: false }).totalSteps),
      );
      return steps / cpu;
    },
    probe: (seed) => {
      const { start } = pendulumStart(seed);
      let steps = 0;
      const cpu = cpuSeconds(() => (steps = runPendulumProbe(start, episodes).steps));
      return steps / cpu;
    },
  };
  const order: (keyof typeof out)[] = ["fused", "generic", "probe"];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < order.length; i++) {
      const which = order[(r + i) % order.length];
      out[which].push(runs[which](2000 + r));
    }
  }
  return out;
}

export async function run(): Promise<Record<string, number>> {
  // Warm-up (JIT) on a short run of each agent and of the probe.
  throughput("lrpg", "pendulum", 100, 1);
  throughput("nn", "pendulum", 20, 1);
  probeRounds(2, 200);
  const rounds = probeRounds(15);
  const ratio = (lib: number[]) => lib.map((x, r) => x / rounds.probe[r]);
  const fusedRatio = ratio(rounds.fused);
  const genericRatio = ratio(rounds.generic);
  const lrpg = throughput("lrpg", "pendulum", 1000, 3);
  const nn = throughput("nn", "pendulum", 600, 2);
  const acrobot = throughput("lrpg", "acrobot", 200, 2);
  const rocket = throughput("lrpg", "rocket", 300, 2);
  const nnAcrobot = throughput("nn", "acrobot", 100, 1);
  const nnRocket = throughput("nn", "rocket", 100, 1);
  return {
    lrpg_pendulum_steps_per_s: lrpg.wall,
    nn_pendulum_steps_per_s: nn.wall,
    lrpg_over_nn_pendulum_ratio: lrpg.wall / nn.wall,
    lrpg_acrobot_steps_per_s: acrobot.wall,
    lrpg_rocket_steps_per_s: rocket.wall,
    nn_acrobot_steps_per_s: nnAcrobot.wall,
    nn_rocket_steps_per_s: nnRocket.wall,
    lrpg_pendulum_steps_per_cpu_s: lrpg.cpu,
    nn_pendulum_steps_per_cpu_s: nn.cpu,
    lrpg_acrobot_steps_per_cpu_s: acrobot.cpu,
    lrpg_rocket_steps_per_cpu_s: rocket.cpu,
    probe_pendulum_steps_per_cpu_s_median: median(rounds.probe),
    lrpg_pendulum_fused_steps_per_cpu_s_median: median(rounds.fused),
    lrpg_pendulum_generic_steps_per_cpu_s_median: median(rounds.generic),
    lrpg_pendulum_fused_over_probe_median: median(fusedRatio),
    lrpg_pendulum_fused_over_probe_min: Math.min(...fusedRatio),
    lrpg_pendulum_fused_over_probe_max: Math.max(...fusedRatio),
    lrpg_pendulum_generic_over_probe_median: median(genericRatio),
    lrpg_pendulum_generic_over_probe_min: Math.min(...genericRatio),
    lrpg_pendulum_generic_over_probe_max: Math.max(...genericRatio),
  };
}
