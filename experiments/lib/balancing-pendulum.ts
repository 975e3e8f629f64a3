import { PendulumEnv } from "../../src/envs/pendulum.js";
import { Rng } from "../../src/random/rng.js";
import type { RolloutEnv } from "./batch-train.js";

/**
 * The matrix-low-rank-trpo pendulum (docs/trpo.md §9): Pendulum-v1's dynamics and reward with
 * g = 10, started almost upright, θ and θ̇ ~ U(0, 0.01), observed as the raw [θ, θ̇] (θ not
 * wrapped), no time limit (the loop cuts episodes). A balancing task: the best return is ≈ 0.
 * The physics are the toolkit's `Pendulum-v1` (its state is overwritten after each reset).
 */
export class BalancingPendulum implements RolloutEnv {
  private readonly inner = new PendulumEnv({ g: 10 });
  private rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  private observe(): Float64Array {
    const s = this.inner.getState();
    return Float64Array.of(s[0], s[1]);
  }

  reset(options?: { seed?: number }): { observation: Float64Array } {
    if (options?.seed !== undefined) this.rng = new Rng(options.seed);
    this.inner.reset({ seed: 0 });
    this.inner.setState([0.01 * this.rng.uniform(), 0.01 * this.rng.uniform()]);
    return { observation: this.observe() };
  }

  step(action: number): {
    observation: Float64Array;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  } {
    const r = this.inner.step(action);
    return { observation: this.observe(), reward: r.reward, terminated: false, truncated: false };
  }
}
