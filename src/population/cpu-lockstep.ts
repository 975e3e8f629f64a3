import { gaussianActorLoss } from "../heads/gaussian.js";
import { Adam } from "../optim/adam.js";
import { valueLoss } from "../pg/reinforce-baseline.js";
import { discountedReturns } from "../pg/returns.js";
import type { Rng } from "../random/rng.js";
import { GridCellPair } from "./grid-cells.js";
import type { Lockstep, LrpgPopulation } from "./lrpg-population.js";
import { RngBank } from "./rng-bank.js";

/**
 * The cpu (float64) lockstep episode of a population as synchronous loops over flat arrays.
 *
 * Rollout: the agents still running sit in a compacted index list. Per step, one pass over the list
 * finds every agent's actor and critic cells (`GridCellPair.offsetsOf`), a second acts — per agent
 * the actor's z at its cell (`BatchedGridLowRank.entryAt`), μ = z or sigmoid(z), a = clamp(μ + σ·ε) with ε from the agent's generator
 * in a {@link RngBank} — then the env steps every listed agent (`VectorDynamics.stepList`, in its
 * own function so that the env's code and the acting code each get inlined whole), and a last pass
 * stores the rewards and drops the agents whose env terminated. What the update needs from a step —
 * the factor offsets of both cells and z — is kept, so learning reads them instead of discretizing
 * the states again.
 *
 * Update, per agent, the stages of REINFORCE with baseline (src/pg/reinforce-baseline.ts):
 * `discountedReturns` G_t, V_t from the kept critic cells, A_t = G_t − V_t, the Gaussian head's
 * `gaussianActorLoss` (∂J/∂z_t, ∂J/∂ρ), `valueLoss` (∂J_c/∂V_t), both parametrizations' backward at
 * the kept cells (`accumulateAt`, t ascending); then one Adam step over all actors' [L | R | ρ] and
 * one over all critics' [L | R]. Every sum runs in the single agent's order,
 * so each agent is bit-identical to its independent run (docs/performance.md, "Population").
 */
export class CpuLockstep implements Lockstep {
  private readonly pop: LrpgPopulation;
  private readonly bank: RngBank;
  private readonly grids: GridCellPair;
  /** Active agents of the current step (first `n` entries). */
  private readonly list: Int32Array;
  /** Env state of every agent (P·S). */
  private readonly states: Float64Array;
  // Per (agent, step): offsets of the actor's and the critic's cell in their factors, and z.
  private readonly actorRowAt: Int32Array;
  private readonly actorColAt: Int32Array;
  private readonly criticRowAt: Int32Array;
  private readonly criticColAt: Int32Array;
  private readonly zAt: Float64Array;
  // Per-agent scratch of the update (length T).
  private readonly G: Float64Array;
  private readonly V: Float64Array;
  private readonly A: Float64Array;
  private readonly R: Float64Array;
  private readonly Z: Float64Array;
  private readonly act: Float64Array;
  private readonly gz: Float64Array;
  private readonly gc: Float64Array;
  // Per agent: the action, reward and termination of the current step (the env pass's in/outputs).
  private readonly stepAction: Float64Array;
  private readonly stepReward: Float64Array;
  private readonly stepTerminated: Uint8Array;
  private readonly actorAdam: Adam;
  private readonly criticAdam: Adam;

  constructor(pop: LrpgPopulation) {
    this.pop = pop;
    const P = pop.count;
    const T = pop.maxSteps;
    this.bank = RngBank.fromRngs(pop.rngs);
    this.grids = new GridCellPair(pop.actor, pop.critic);
    this.list = new Int32Array(P);
    this.states = new Float64Array(P * pop.task.dynamics.stateDim);
    this.stepAction = new Float64Array(P);
    this.stepReward = new Float64Array(P);
    this.stepTerminated = new Uint8Array(P);
    this.actorRowAt = new Int32Array(P * T);
    this.actorColAt = new Int32Array(P * T);
    this.criticRowAt = new Int32Array(P * T);
    this.criticColAt = new Int32Array(P * T);
    this.zAt = new Float64Array(P * T);
    this.G = new Float64Array(T);
    this.V = new Float64Array(T);
    this.A = new Float64Array(T);
    this.R = new Float64Array(T);
    this.Z = new Float64Array(T);
    this.act = new Float64Array(T);
    this.gz = new Float64Array(T);
    this.gc = new Float64Array(T);
    // torch's Adam (β = 0.9, 0.999, ε = 1e-8) over all agents at once: element-wise, so each agent's
    // entries take exactly its own optimizer's step; gradients are zeroed after each step.
    const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, zeroGradAfterStep: true };
    this.actorAdam = new Adam([pop.actorParameter], { lr: pop.task.lrActor, ...adam });
    this.criticAdam = new Adam(pop.critic.parameters, { lr: pop.task.lrCritic, ...adam });
  }

  actionRng(p: number): Rng {
    return this.bank.toRng(p);
  }

  /** One episode of every agent (≤ T steps each), filling lengths, actions and rewards. */
  rollout(): void {
    const { task, lengths, actions, rewards, returns, sigma, envRngs, actor } = this.pop;
    const dyn = task.dynamics;
    const S = dyn.stateDim;
    const T = this.pop.maxSteps;
    const P = this.pop.count;
    const sigmoid = task.sigmoidMean;
    const clamp = task.actionClamp;
    const lo = clamp ? clamp[0] : -Infinity;
    const hi = clamp ? clamp[1] : Infinity;
    const { bank, grids, list, actorRowAt, actorColAt, criticRowAt, criticColAt, zAt } = this;
    const { stepAction, stepReward, stepTerminated } = this;
    const states = this.states;
    for (let p = 0; p < P; p++) {
      dyn.reset(states, p * S, envRngs[p]);
      lengths[p] = 0;
      returns[p] = 0;
      list[p] = p;
    }
    let n = P;
    for (let t = 0; t < T && n > 0; t++) {
      grids.offsetsOf(states, S, list, n, t, T, actorRowAt, actorColAt, criticRowAt, criticColAt);
      for (let x = 0; x < n; x++) {
        const p = list[x];
        const q = p * T + t;
        const z = actor.entryAt(actorRowAt[q], actorColAt[q]);
        zAt[q] = z;
        const mu = sigmoid ? 1 / (1 + Math.exp(-z)) : z;
        const sample = mu + sigma[p] * bank.normal(p);
        const a = sample < lo ? lo : sample > hi ? hi : sample;
        actions[q] = a;
        stepAction[p] = a;
      }
      dyn.stepList(states, stepAction, list, n, stepReward, stepTerminated);
      let kept = 0;
      for (let x = 0; x < n; x++) {
        const p = list[x];
        const r = stepReward[p];
        rewards[p * T + t] = r;
        returns[p] += r;
        lengths[p] = t + 1;
        if (stepTerminated[p] === 0) list[kept++] = p;
      }
      n = kept;
    }
  }

  /** Every agent's update from the last rollout (the optimizers count their steps from 1). */
  learn(): void {
    const pop = this.pop;
    const { task, lengths, actions, rewards, logSigma, lossActor, lossCritic, actor, critic } = pop;
    const T = pop.maxSteps;
    const logSigmaGrad = pop.actorParameter.grad.subarray(actor.parameterCount);
    const { actorRowAt, actorColAt, criticRowAt, criticColAt, zAt, G, V, A, R, Z, act, gz, gc } = this;
    for (let p = 0; p < pop.count; p++) {
      const Tp = lengths[p];
      const base = p * T;
      // The episode's slices copied into scratch (no subarray objects per agent and episode).
      for (let t = 0; t < Tp; t++) {
        R[t] = rewards[base + t];
        Z[t] = zAt[base + t];
        act[t] = actions[base + t];
      }
      discountedReturns(R, task.gamma, Tp, G);
      for (let t = 0; t < Tp; t++) {
        const v = critic.entryAt(criticRowAt[base + t], criticColAt[base + t]);
        V[t] = v;
        A[t] = G[t] - v;
      }
      const at = base + Tp;
      const loss = gaussianActorLoss(Z, act, A, Tp, logSigma[p], task.sigmoidMean, gz);
      logSigmaGrad[p] = loss.gradLogSigma;
      lossActor[p] = loss.loss;
      lossCritic[p] = valueLoss(V, G, Tp, gc);
      // The backward of both parametrizations, t ascending (each gradient entry sums its terms in the
      // single agent's order). One loop for both keeps independent chains of read-add-write in flight
      // (consecutive steps mostly hit the same cells).
      for (let q = base; q < at; q++) {
        actor.accumulateAt(actorRowAt[q], actorColAt[q], gz[q - base]);
        critic.accumulateAt(criticRowAt[q], criticColAt[q], gc[q - base]);
      }
    }
    this.actorAdam.step();
    pop.refreshSigma();
    this.criticAdam.step();
  }
}
