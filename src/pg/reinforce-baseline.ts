import type { PolicyHead } from "../heads/head.js";
import type { Optimizer } from "../optim/optimizer.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import type { LearnResult } from "./agent.js";
import { discountedReturns } from "./returns.js";

/** What a policy-gradient update rule trains: actor f_θ → head π(·|z), critic V_φ, one optimizer each. */
export interface ActorCriticParts {
  /** z_t = f_θ(s_t), `head.inputDim` outputs per state. */
  actor: Parametrization;
  head: PolicyHead;
  /** V_φ(s), one output per state. */
  critic: Parametrization;
  /** Over the actor's then the head's parameters. */
  actorOptimizer: Optimizer;
  criticOptimizer: Optimizer;
}

/** A per-episode update rule over {@link ActorCriticParts} (REINFORCE with baseline; later GAE, PPO, TRPO). */
export interface UpdateRule {
  learn(states: Float64Array, actions: Float64Array, rewards: Float64Array, T: number): LearnResult;
}

/** Builds a rule for an agent's parts and discount γ. */
export type UpdateRuleFactory = (parts: ActorCriticParts, gamma: number) => UpdateRule;

/**
 * REINFORCE with a learned value baseline, per finished episode (the LRPG reference's update;
 * docs/lrpg.md):
 *   1. G_t Monte-Carlo returns (no bootstrap), V_t = V_φ(s_t), A_t = G_t − V_t (held constant);
 *   2. actor: one optimizer step on J_a = (1/T) Σ_t −A_t log π(a_t | f_θ(s_t)), gradients at the
 *      pre-step parameters (the head gives ∂J_a/∂z, the actor backpropagates it);
 *   3. critic: one optimizer step on J_c = (1/T) Σ_t (V_t − G_t)², ∂J_c/∂V_t = (2/T)(V_t − G_t)
 *      (torch's mse_loss backward), with the V_t of step 1.
 * Returns J_a and J_c at the pre-step parameters. Scratch buffers grow on demand (never per step).
 * Siblings (actor-critic with GAE, PPO, TRPO) take the same {@link ActorCriticParts}.
 */
export class ReinforceWithBaseline implements UpdateRule {
  private G = new Float64Array(0);
  private V = new Float64Array(0);
  private A = new Float64Array(0);
  private Z = new Float64Array(0);
  private gZ = new Float64Array(0);

  constructor(
    readonly parts: ActorCriticParts,
    readonly gamma: number,
  ) {}

  learn(states: Float64Array, actions: Float64Array, rewards: Float64Array, T: number): LearnResult {
    const { actor, head, critic, actorOptimizer, criticOptimizer } = this.parts;
    const D = head.inputDim;
    if (this.G.length < T) {
      const n = Math.max(T, 2 * this.G.length);
      this.G = new Float64Array(n);
      this.V = new Float64Array(n);
      this.A = new Float64Array(n);
    }
    if (this.Z.length < T * D) {
      this.Z = new Float64Array(Math.max(T * D, 2 * this.Z.length));
      this.gZ = new Float64Array(this.Z.length);
    }
    const { G, V, A, Z, gZ } = this;
    discountedReturns(rewards, this.gamma, T, G);
    critic.forwardBatch(states, T, V);
    head.checkActions(actions, T);
    for (let t = 0; t < T; t++) A[t] = G[t] - V[t];

    actorOptimizer.zeroGrad();
    actor.forwardBatch(states, T, Z);
    const lossActor = head.actorLoss(Z, actions, A, T, gZ);
    actor.backwardBatch(gZ);
    actorOptimizer.step();
    head.refresh();

    criticOptimizer.zeroGrad();
    const lossCritic = valueLoss(V, G, T, gZ);
    critic.backwardBatch(gZ);
    criticOptimizer.step();
    return { lossActor, lossCritic };
  }
}

/**
 * The critic's Monte-Carlo loss J_c = (1/T) Σ_t (V_t − G_t)² and ∂J_c/∂V_t = (2/T)(V_t − G_t)
 * (torch's mse_loss backward) into `grad`; returns J_c.
 */
export function valueLoss(V: ArrayLike<number>, G: ArrayLike<number>, T: number, grad: Float64Array): number {
  const norm = 2 / T;
  let lossSum = 0;
  for (let t = 0; t < T; t++) {
    const e = V[t] - G[t];
    lossSum += e * e;
    grad[t] = norm * e;
  }
  return lossSum / T;
}
