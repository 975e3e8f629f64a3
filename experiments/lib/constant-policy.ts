import { makeEnv } from "../../src/envs/registry.js";
import { Rng } from "../../src/random/rng.js";

/** The outcome of one episode of a fixed-action policy. */
export interface ConstantPolicyResult {
  envId: string;
  action: number[];
  /** Undiscounted return Σ_t r_t of the episode. */
  episodeReturn: number;
  steps: number;
  terminated: boolean;
}

/**
 * Runs one episode of the policy a_t = `action` for every t (no learning) on a registered env,
 * cut at `maxSteps` like the training loop, and returns its undiscounted return. Used as a
 * sanity baseline: on the paper's rocket, constant full thrust (a = 1) already reaches
 * 100·(h_max − 1) ≈ 1.1887 (docs/results/paper.md), about what both learners converge to.
 */
export function constantPolicyReturn(
  envId: string,
  action: readonly number[],
  maxSteps: number,
  seed = 0,
): ConstantPolicyResult {
  if (!Number.isInteger(maxSteps) || maxSteps < 1)
    throw new RangeError(`constantPolicyReturn: maxSteps must be an integer >= 1, got ${maxSteps}`);
  const env = makeEnv(envId, { rng: new Rng(seed), maxEpisodeSteps: null });
  env.reset({ seed });
  const a = Float64Array.from(action);
  let total = 0;
  let steps = 0;
  let terminated = false;
  while (steps < maxSteps) {
    const s = env.step(a);
    total += s.reward;
    steps++;
    if (s.terminated || s.truncated) {
      terminated = s.terminated;
      break;
    }
  }
  return { envId, action: [...action], episodeReturn: total, steps, terminated };
}
