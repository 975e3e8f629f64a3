/**
 * LRPG and NN-baseline training throughput on the paper's tasks: env steps per second of
 * `trainReinforce` including `act` on every step and the per-episode `learn` (reference
 * hyperparameters, fresh seeded agents). Each figure is the best of a few repetitions.
 */
import { makeEnv } from "../../src/envs/index.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import {
  makePaperAgent,
  PAPER_TASKS,
  type PaperAgentKind,
  type PaperTask,
} from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";

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

export async function run(): Promise<Record<string, number>> {
  // Warm-up (JIT) on a short run of each agent.
  throughput("lrpg", "pendulum", 100, 1);
  throughput("nn", "pendulum", 20, 1);
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
  };
}
