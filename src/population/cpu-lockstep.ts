import type { BatchedFactors } from "../factor/backend/index.js";
import { Adam } from "../optim/adam.js";
import type { Parameter } from "../optim/parameter.js";
import { gaussianActorLoss } from "../heads/gaussian.js";
import type { Discretizer } from "../lrpg/discretizer.js";
import { valueLoss } from "../pg/reinforce-baseline.js";
import type { Rng } from "../random/rng.js";
import { GridCellPair } from "./grid-cells.js";
import { RngBank } from "./rng-bank.js";
import type { PopulationTask } from "./tasks.js";

/** P low-rank factor pairs in float64 (the cpu backend's precision). */
export interface Factors64 extends BatchedFactors {
  readonly L: Float64Array;
  readonly R: Float64Array;
}

/** The population's arrays the cpu path reads and writes (owned by `LrpgPopulation`, float64). */
export interface LockstepArrays {
  task: PopulationTask;
  maxSteps: number;
  actorGrid: Discretizer;
  criticGrid: Discretizer;
  actor: Factors64;
  critic: Factors64;
  /** [L | R | ρ] of all actors (data and gradient; `actor` views its data). */
  actorParameter: Parameter;
  /** [L | R] of all critics. */
  criticParameter: Parameter;
  /** ρ_p = log σ_p (a view into actorParameter.data) and σ_p = exp(ρ_p). */
  logSigma: Float64Array;
  sigma: Float64Array;
  /** Env state of every agent (P·S). */
  states: Float64Array;
  /** Each agent's env generator (one draw sequence per reset) and action generator. */
  envRngs: readonly Rng[];
  rngs: readonly Rng[];
  /** Per agent: steps of the current episode; per (agent, step) q = p·T + t: action and reward. */
  lengths: Int32Array;
  actions: Float64Array;
  rewards: Float64Array;
  /** Per agent: the losses of the last update. */
  lossActor: Float64Array;
  lossCritic: Float64Array;
}

/**
 * The cpu (float64) lockstep episode of a population as synchronous loops over flat arrays.
 *
 * Rollout: the agents still running sit in a compacted index list. Per step, one pass over the
 * list acts — per agent the actor and critic cells of the state (a `GridCellPair`),
 * z = Σ_k L[i,k]R[j,k], μ = z or sigmoid(z), a = clamp(μ + σ·ε) with ε from the agent's generator
 * in a {@link RngBank} — then the env steps every listed agent (`VectorDynamics.stepList`, in its
 * own function so that the env's code and the acting code each get inlined whole), and a last pass
 * stores the rewards and drops the agents whose env terminated. What the update needs from a step —
 * the factor offsets of both cells and z — is kept, so learning reads them instead of discretizing
 * the states again.
 *
 * Update, per agent: G_t (Monte-Carlo, sequential in t), V_t from the kept critic cells, A_t = G_t − V_t,
 * the Gaussian head's loss and ∂J/∂z_t, the critic's (2/T)(V_t − G_t), their scatter into the factor
 * gradients (∂/∂L[i,:] += g·R[j,:], ∂/∂R[j,:] += g·L[i,:], in t order); then one Adam step over all
 * actors' [L | R | ρ] and one over all critics' [L | R]. Every sum runs in the single agent's order,
 * so each agent is bit-identical to its independent run (docs/performance.md, "Population").
 */
export class CpuLockstep {
  private readonly a: LockstepArrays;
  private readonly bank: RngBank;
  private readonly grids: GridCellPair;
  /** Active agents of the current step (first `n` entries). */
  private readonly list: Int32Array;
  // Per (agent, step): offsets (p·N + i)·K and (p·M + j)·K of the actor and critic cells, and z.
  private readonly actorRowAt: Int32Array;
  private readonly actorColAt: Int32Array;
  private readonly criticRowAt: Int32Array;
  private readonly criticColAt: Int32Array;
  private readonly zAt: Float64Array;
  // Per-agent scratch of the update (length T).
  private readonly G: Float64Array;
  private readonly V: Float64Array;
  private readonly A: Float64Array;
  private readonly z: Float64Array;
  private readonly act: Float64Array;
  private readonly gz: Float64Array;
  private readonly gc: Float64Array;
  // Per agent: the action, reward and termination of the current step (the env pass's in/outputs).
  private readonly stepAction: Float64Array;
  private readonly stepReward: Float64Array;
  private readonly stepTerminated: Uint8Array;
  private readonly actorAdam: Adam;
  private readonly criticAdam: Adam;

  constructor(arrays: LockstepArrays) {
    this.a = arrays;
    const P = arrays.actor.count;
    const T = arrays.maxSteps;
    this.bank = RngBank.fromRngs(arrays.rngs);
    this.grids = new GridCellPair(arrays.actorGrid, arrays.criticGrid);
    this.list = new Int32Array(P);
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
    this.z = new Float64Array(T);
    this.act = new Float64Array(T);
    this.gz = new Float64Array(T);
    this.gc = new Float64Array(T);
    // torch's Adam (β = 0.9, 0.999, ε = 1e-8) over all agents at once: element-wise, so each agent's
    // entries take exactly its own optimizer's step; gradients are zeroed after each step.
    const adam = { beta1: 0.9, beta2: 0.999, eps: 1e-8, zeroGradAfterStep: true };
    this.actorAdam = new Adam([arrays.actorParameter], { lr: arrays.task.lrActor, ...adam });
    this.criticAdam = new Adam([arrays.criticParameter], { lr: arrays.task.lrCritic, ...adam });
  }

  /** Agent p's action generator as an `Rng` (its state after the draws so far). */
  actionRng(p: number): Rng {
    return this.bank.toRng(p);
  }

  /** One episode of every agent (≤ T steps each), filling lengths, actions and rewards. */
  rollout(): void {
    const arr = this.a;
    const { task, states, lengths, actions, rewards, sigma, envRngs } = arr;
    const dyn = task.dynamics;
    const S = dyn.stateDim;
    const T = arr.maxSteps;
    const P = arr.actor.count;
    const K = arr.actor.rank;
    const { rows: N, cols: M, L: aL, R: aR } = arr.actor;
    const { rows: Nc, cols: Mc } = arr.critic;
    const sigmoid = task.sigmoidMean;
    const clamp = task.actionClamp;
    const lo = clamp ? clamp[0] : -Infinity;
    const hi = clamp ? clamp[1] : Infinity;
    const { bank, grids, list, actorRowAt, actorColAt, criticRowAt, criticColAt, zAt } = this;
    const { stepAction, stepReward, stepTerminated } = this;
    const cells = grids.cells;
    for (let p = 0; p < P; p++) {
      dyn.reset(states, p * S, envRngs[p]);
      lengths[p] = 0;
      list[p] = p;
    }
    let n = P;
    for (let t = 0; t < T && n > 0; t++) {
      for (let x = 0; x < n; x++) {
        const p = list[x];
        const so = p * S;
        const q = p * T + t;
        grids.cellsOf(states, so);
        const io = (p * N + cells[0]) * K;
        const jo = (p * M + cells[1]) * K;
        let z = 0;
        if (K === 4)
          z =
            z + aL[io] * aR[jo] + aL[io + 1] * aR[jo + 1] + aL[io + 2] * aR[jo + 2] + aL[io + 3] * aR[jo + 3];
        else for (let k = 0; k < K; k++) z += aL[io + k] * aR[jo + k];
        actorRowAt[q] = io;
        actorColAt[q] = jo;
        criticRowAt[q] = (p * Nc + cells[2]) * K;
        criticColAt[q] = (p * Mc + cells[3]) * K;
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
        rewards[p * T + t] = stepReward[p];
        lengths[p] = t + 1;
        if (stepTerminated[p] === 0) list[kept++] = p;
      }
      n = kept;
    }
  }

  /** Every agent's update from the last rollout (the optimizers count their steps from 1). */
  learn(): void {
    const arr = this.a;
    const { task, lengths, actions, rewards, logSigma, sigma, lossActor, lossCritic } = arr;
    const T = arr.maxSteps;
    const P = arr.actor.count;
    const K = arr.actor.rank;
    const gamma = task.gamma;
    const sigmoid = task.sigmoidMean;
    const { L: aL, R: aR } = arr.actor;
    const { L: cL, R: cR } = arr.critic;
    const actorGrad = arr.actorParameter.grad;
    const criticGrad = arr.criticParameter.grad;
    const aLn = aL.length;
    const aRn = aR.length;
    const cLn = cL.length;
    const { actorRowAt, actorColAt, criticRowAt, criticColAt, zAt, G, V, A, z, act, gz, gc } = this;
    for (let p = 0; p < P; p++) {
      const Tp = lengths[p];
      const base = p * T;
      // G_{T−1} = r_{T−1}, G_t = r_t + γ·G_{t+1} (as discountedReturns).
      let g = rewards[base + Tp - 1];
      G[Tp - 1] = g;
      for (let t = Tp - 2; t >= 0; t--) {
        g = rewards[base + t] + gamma * g;
        G[t] = g;
      }
      for (let t = 0; t < Tp; t++) {
        const q = base + t;
        const io = criticRowAt[q];
        const jo = criticColAt[q];
        let s = 0;
        if (K === 4)
          s =
            s + cL[io] * cR[jo] + cL[io + 1] * cR[jo + 1] + cL[io + 2] * cR[jo + 2] + cL[io + 3] * cR[jo + 3];
        else for (let k = 0; k < K; k++) s += cL[io + k] * cR[jo + k];
        V[t] = s;
        A[t] = G[t] - s;
        z[t] = zAt[q];
        act[t] = actions[q];
      }
      const actor = gaussianActorLoss(z, act, A, Tp, logSigma[p], sigmoid, gz);
      actorGrad[aLn + aRn + p] = actor.gradLogSigma;
      lossActor[p] = actor.loss;
      lossCritic[p] = valueLoss(V, G, Tp, gc);
      // ∂/∂L[i,:] += g·R[j,:] and ∂/∂R[j,:] += g·L[i,:] for the actor (g = ∂J/∂z_t) and the critic
      // (g = ∂J_c/∂V_t), t ascending. One loop for both keeps four independent chains of
      // read-add-write in flight (consecutive steps mostly hit the same cells).
      if (K === 4) {
        for (let t = 0; t < Tp; t++) {
          const q = base + t;
          const ga = gz[t];
          const ia = actorRowAt[q];
          const ja = actorColAt[q];
          const jaR = aLn + ja;
          const gb = gc[t];
          const ic = criticRowAt[q];
          const jc = criticColAt[q];
          const jcR = cLn + jc;
          actorGrad[ia] += ga * aR[ja];
          actorGrad[ia + 1] += ga * aR[ja + 1];
          actorGrad[ia + 2] += ga * aR[ja + 2];
          actorGrad[ia + 3] += ga * aR[ja + 3];
          actorGrad[jaR] += ga * aL[ia];
          actorGrad[jaR + 1] += ga * aL[ia + 1];
          actorGrad[jaR + 2] += ga * aL[ia + 2];
          actorGrad[jaR + 3] += ga * aL[ia + 3];
          criticGrad[ic] += gb * cR[jc];
          criticGrad[ic + 1] += gb * cR[jc + 1];
          criticGrad[ic + 2] += gb * cR[jc + 2];
          criticGrad[ic + 3] += gb * cR[jc + 3];
          criticGrad[jcR] += gb * cL[ic];
          criticGrad[jcR + 1] += gb * cL[ic + 1];
          criticGrad[jcR + 2] += gb * cL[ic + 2];
          criticGrad[jcR + 3] += gb * cL[ic + 3];
        }
      } else {
        for (let t = 0; t < Tp; t++) {
          const q = base + t;
          const ga = gz[t];
          const ia = actorRowAt[q];
          const ja = actorColAt[q];
          const gb = gc[t];
          const ic = criticRowAt[q];
          const jc = criticColAt[q];
          for (let k = 0; k < K; k++) {
            actorGrad[ia + k] += ga * aR[ja + k];
            actorGrad[aLn + ja + k] += ga * aL[ia + k];
            criticGrad[ic + k] += gb * cR[jc + k];
            criticGrad[cLn + jc + k] += gb * cL[ic + k];
          }
        }
      }
    }
    this.actorAdam.step();
    for (let p = 0; p < P; p++) sigma[p] = Math.exp(logSigma[p]);
    this.criticAdam.step();
  }
}
