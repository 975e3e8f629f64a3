/**
 * LRPG and NN-baseline training throughput on the paper's tasks: env steps per second of
 * `trainReinforce` including `act` on every step and the per-episode `learn` (reference
 * hyperparameters, fresh seeded agents). Each figure is the best of a few repetitions.
 */
import { makeEnv } from "../../src/envs/index.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import { makePaperAgent, PAPER_TASKS, type PaperAgentKind, type PaperTask } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";

export const name = "lrpg";

function stepsPerSecond(kind: PaperAgentKind, task: PaperTask, episodes: number, repeats: number): number {
  const spec = PAPER_TASKS[task];
  let best = 0;
  for (let r = 0; r < repeats; r++) {
    const rng = new Rng(1000 + r);
    const agent = makePaperAgent(kind, task, { rng });
    const env = makeEnv(spec.envId, { rng: rng.fork() });
    const t0 = performance.now();
    const result = trainReinforce({ env, agent, rng, episodes, maxSteps: spec.maxSteps });
    const seconds = (performance.now() - t0) / 1000;
    best = Math.max(best, result.totalSteps / seconds);
  }
  return best;
}

export async function run(): Promise<Record<string, number>> {
  // Warm-up (JIT) on a short run of each agent.
  stepsPerSecond("lrpg", "pendulum", 100, 1);
  stepsPerSecond("nn", "pendulum", 20, 1);
  const lrpg = stepsPerSecond("lrpg", "pendulum", 1000, 3);
  const nn = stepsPerSecond("nn", "pendulum", 300, 2);
  const out: Record<string, number> = {
    lrpg_pendulum_steps_per_s: lrpg,
    nn_pendulum_steps_per_s: nn,
    lrpg_over_nn_pendulum_ratio: lrpg / nn,
  };
  out.lrpg_acrobot_steps_per_s = stepsPerSecond("lrpg", "acrobot", 200, 2);
  out.lrpg_rocket_steps_per_s = stepsPerSecond("lrpg", "rocket", 300, 2);
  out.nn_acrobot_steps_per_s = stepsPerSecond("nn", "acrobot", 100, 1);
  out.nn_rocket_steps_per_s = stepsPerSecond("nn", "rocket", 100, 1);
  return out;
}
