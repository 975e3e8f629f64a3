import { gaussianLogSigmaGrad, gaussianMeanGrad, gaussianNll } from "../heads/gaussian.js";
import { Adam } from "../optim/adam.js";
import type { Rng } from "../random/rng.js";
import { GridCellPair, nanState } from "./grid-cells.js";
import { roundHalfEvenNonNegative as roundTiesEven } from "../parametrizations/discretizer.js";
import type { StepOutcome } from "./vector-dynamics.js";
import type { Lockstep, LrpgPopulation } from "./lrpg-population.js";
import { NORMAL_BLOCK, RngBank } from "./rng-bank.js";
import { laneSines, type LaneSines } from "./lane-sines.js";
import { buildUpdateKernel, type FactorPointers, type LockstepLayout } from "./update-kernel.js";
import type { BatchedGridLowRank } from "../parametrizations/batched-grid-low-rank.js";
import type { WasmMemory } from "../wasm/runtime.js";

/**
 * The cpu (float64) lockstep episode of a population as synchronous loops over flat arrays.
 *
 * Rollout: the agents still running sit in a compacted index list, and one pass over it per step
 * ({@link stepListed}) does, per agent: its actor and critic cells (inline on 2-dimensional grids
 * with shared bounds, else from `GridCellPair.offsetsOf` run first for the list), the actor's
 * z = Σ_k L[i,k]·R[j,k] (k ascending), μ = z or sigmoid(z), a = clamp(μ + σ·ε) with ε the next
 * normal of its generator in a {@link RngBank}, the env's own `step`, the reward; an agent whose
 * env terminated leaves the list. What the update needs from a step — the factor offsets of both
 * cells and z — is kept, so learning reads them instead of discretizing the states again. Where
 * the env hoists its step's sin (`VectorDynamics.hoistedSine`), the sines of the whole list are
 * computed first on WebAssembly lanes ({@link laneSines}), the same doubles `Math.sin` gives.
 *
 * Update, per agent ({@link agentGradients}), REINFORCE with baseline (src/pg/reinforce-baseline.ts)
 * in one backward loop for G_t = r_t + γ·G_{t+1} and one forward loop for the rest: V_t at the kept
 * critic cell, A_t = G_t − V_t, the Gaussian head's per-step terms (`gaussianNll`,
 * `gaussianMeanGrad`, `gaussianLogSigmaGrad`, as `gaussianActorLoss` sums them), `valueLoss`'s
 * terms, both parametrizations' backward at the kept cells; then one Adam step over all actors'
 * [L | R | ρ] and one over all critics' [L | R]. Every sum runs in the single agent's order (t
 * ascending), so each agent is bit-identical to its independent run (docs/performance.md,
 * "Population"). With the population's `wasm` option (and an identity mean) the same operations
 * run as one WebAssembly function over all agents (src/population/update-kernel.ts).
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
  /** G_t of one agent's episode (length T). */
  private readonly G: Float64Array;
  /** ∂J/∂ρ_p of every agent (a view into the actors' gradient). */
  private readonly logSigmaGrad: Float64Array;
  /** The action's clip before the env's step: [a, lo, hi] (±∞ where the env declares none). */
  private readonly clipped: Float64Array;
  /**
   * The sines of the listed agents' states where the env hoists its step's sin
   * (`VectorDynamics.hoistedSine`) and lane sines are available: arguments in `input`, sines in
   * `output`, by list position; null otherwise (the env's step computes its own).
   */
  private readonly sines: LaneSines | null;
  /**
   * The update as one WebAssembly function over the population's memory (src/population/update-kernel.ts),
   * with its per-agent inputs and outputs; null where {@link agentGradients} runs instead.
   */
  private readonly update: UpdateKernel | null;
  /** Where the env's step writes one agent's reward and termination. */
  private readonly outcome: StepOutcome = { reward: 0, terminated: false };
  private readonly actorAdam: Adam;
  private readonly criticAdam: Adam;

  constructor(pop: LrpgPopulation) {
    this.pop = pop;
    const P = pop.count;
    const T = pop.maxSteps;
    this.bank = RngBank.fromRngs(pop.rngs, { laneTransform: pop.wasm });
    this.grids = new GridCellPair(pop.actor, pop.critic);
    this.list = new Int32Array(P);
    const clip = pop.task.dynamics.actionClip;
    this.clipped = Float64Array.of(0, clip ? clip[0] : -Infinity, clip ? clip[1] : Infinity);
    this.states = new Float64Array(P * pop.task.dynamics.stateDim);
    const records = pop.records;
    const ints = (at: number | undefined) =>
      records === null || at === undefined
        ? new Int32Array(P * T)
        : new Int32Array(records.memory.buffer, at, P * T);
    const layout = records?.layout;
    this.actorRowAt = ints(layout?.actorRow);
    this.actorColAt = ints(layout?.actorCol);
    this.criticRowAt = ints(layout?.criticRow);
    this.criticColAt = ints(layout?.criticCol);
    this.zAt =
      records === null
        ? new Float64Array(P * T)
        : new Float64Array(records.memory.buffer, records.layout.z, P * T);
    this.G = new Float64Array(T);
    this.logSigmaGrad = pop.actorParameter.grad.subarray(pop.actor.parameterCount);
    this.sines = pop.wasm && pop.task.dynamics.hoistedSine ? laneSines(P) : null;
    this.update = records === null || pop.task.sigmoidMean ? null : updateKernelOf(pop, records);
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
    const { task, lengths, returns, envRngs } = this.pop;
    const dyn = task.dynamics;
    const S = dyn.stateDim;
    const T = this.pop.maxSteps;
    const P = this.pop.count;
    const { list, states } = this;
    for (let p = 0; p < P; p++) {
      dyn.reset(states, p * S, envRngs[p]);
      lengths[p] = 0;
      returns[p] = 0;
      list[p] = p;
    }
    let n = P;
    for (let t = 0; t < T && n > 0; t++) n = this.stepListed(t, n);
  }

  /**
   * Step t of the n listed agents in one pass: cells, z, the action, the env's step, the reward;
   * returns how many agents are still running (the list compacted in place, order kept).
   */
  private stepListed(t: number, n: number): number {
    const { task, lengths, actions, rewards, returns, sigma, actor } = this.pop;
    const dyn = task.dynamics;
    const step = dyn.step;
    const S = dyn.stateDim;
    const T = this.pop.maxSteps;
    const sigmoid = task.sigmoidMean;
    const clamp = task.actionClamp;
    const lo = clamp ? clamp[0] : -Infinity;
    const hi = clamp ? clamp[1] : Infinity;
    const { bank, grids, list, actorRowAt, actorColAt, criticRowAt, criticColAt, zAt, states, outcome } =
      this;
    const L = actor.L;
    const R = actor.R;
    const K = actor.rank;
    const clipped = this.clipped;
    const clipLo = clipped[1];
    const clipHi = clipped[2];
    const normals = bank.block;
    const cursor = bank.cursor;
    const two = grids.two;
    if (!two) grids.offsetsOf(states, S, list, n, t, T, actorRowAt, actorColAt, criticRowAt, criticColAt);
    const c = grids.constants2;
    const lo0 = c[0];
    const hi0 = c[1];
    const range0 = c[2];
    const a0 = c[3];
    const b0 = c[4];
    const lo1 = c[5];
    const hi1 = c[6];
    const range1 = c[7];
    const a1 = c[8];
    const b1 = c[9];
    const m = grids.multipliers2;
    const ra0 = m[0];
    const ca0 = m[1];
    const rb0 = m[2];
    const cb0 = m[3];
    const ra1 = m[4];
    const ca1 = m[5];
    const rb1 = m[6];
    const cb1 = m[7];
    const sRa = m[8];
    const sCa = m[9];
    const sRb = m[10];
    const sCb = m[11];
    const hoisted = dyn.hoistedSine;
    const sines = this.sines;
    // The env's step with the sine computed here, or undefined (then its own step computes it).
    const stepFromSine = sines !== null && hoisted !== undefined ? hoisted.step : undefined;
    // (Any Float64Array where there are no lane sines: it is read only through stepFromSine.)
    const sineOf = sines !== null ? sines.output : this.clipped;
    if (sines !== null && hoisted !== undefined) sines.compute(list, n, states, S, hoisted.argument);
    let kept = 0;
    for (let x = 0; x < n; x++) {
      const p = list[x];
      const q = p * T + t;
      const so = p * S;
      let io: number, jo: number;
      if (two) {
        const v0 = states[so];
        const v1 = states[so + 1];
        if (v0 !== v0 || v1 !== v1) throw nanState(v0 !== v0 ? 0 : 1);
        const u0 = ((v0 < lo0 ? lo0 : v0 > hi0 ? hi0 : v0) - lo0) / range0;
        const u1 = ((v1 < lo1 ? lo1 : v1 > hi1 ? hi1 : v1) - lo1) / range1;
        const i0 = roundTiesEven(u0 * a0);
        const i1 = roundTiesEven(u1 * a1);
        const j0 = roundTiesEven(u0 * b0);
        const j1 = roundTiesEven(u1 * b1);
        io = p * sRa + i0 * ra0 + i1 * ra1;
        jo = p * sCa + i0 * ca0 + i1 * ca1;
        actorRowAt[q] = io;
        actorColAt[q] = jo;
        criticRowAt[q] = p * sRb + j0 * rb0 + j1 * rb1;
        criticColAt[q] = p * sCb + j0 * cb0 + j1 * cb1;
      } else {
        io = actorRowAt[q];
        jo = actorColAt[q];
      }
      let z: number;
      if (K === 4)
        z = 0 + L[io] * R[jo] + L[io + 1] * R[jo + 1] + L[io + 2] * R[jo + 2] + L[io + 3] * R[jo + 3];
      else {
        z = 0;
        for (let k = 0; k < K; k++) z += L[io + k] * R[jo + k];
      }
      zAt[q] = z;
      const mu = sigmoid ? 1 / (1 + Math.exp(-z)) : z;
      // ε: the next normal of generator p (RngBank.normal, its block read here).
      let c = cursor[p];
      if (c === NORMAL_BLOCK) {
        bank.refill(p);
        c = 0;
      }
      cursor[p] = c + 1;
      const sample = mu + sigma[p] * normals[p * NORMAL_BLOCK + c];
      const a = sample < lo ? lo : sample > hi ? hi : sample;
      actions[q] = a;
      // The env's own clip of a, without a branch (the action's side of the bounds is a coin flip
      // while σ is large): clipped[0] = a, [1] = lo, [2] = hi, indexed by which bound a passes.
      clipped[0] = a;
      const envAction = clipped[+(a < clipLo) | (+(a > clipHi) << 1)];
      if (stepFromSine !== undefined) stepFromSine(states, so, envAction, sineOf[x], outcome);
      else step(states, so, envAction, outcome);
      const r = outcome.reward;
      rewards[q] = r;
      returns[p] += r;
      lengths[p] = t + 1;
      if (!outcome.terminated) list[kept++] = p;
    }
    return kept;
  }

  /** Every agent's update from the last rollout (the optimizers count their steps from 1). */
  learn(): void {
    const pop = this.pop;
    const update = this.update;
    if (update !== null) {
      // The kernel's per-agent inputs as agentGradients computes them: σ = e^ρ, log σ, σ².
      const { lengths, logSigma, lossActor, lossCritic } = pop;
      for (let p = 0; p < pop.count; p++) {
        const sigma = Math.exp(logSigma[p]);
        update.logSigma[p] = Math.log(sigma);
        update.variance[p] = sigma * sigma;
        update.length[p] = lengths[p];
      }
      update.run();
      lossActor.set(update.lossActor);
      lossCritic.set(update.lossCritic);
    } else for (let p = 0; p < pop.count; p++) this.agentGradients(p);
    this.actorAdam.step();
    pop.refreshSigma();
    this.criticAdam.step();
  }

  /**
   * Agent p's losses and gradients from its last episode, REINFORCE with baseline in one pass over
   * t after the returns: G_t = r_t + γ G_{t+1} (`discountedReturns`), V_t at the kept critic cell,
   * A_t = G_t − V_t; the Gaussian head's −log N(a_t; μ_t, σ²)·A_t and ∂/∂z_t, ∂/∂ρ (`gaussianNll`,
   * `gaussianMeanGrad`, `gaussianLogSigmaGrad`: `gaussianActorLoss`'s terms, its order of sums);
   * the critic's (V_t − G_t)² and (2/T)(V_t − G_t) (`valueLoss`); both backwards at the kept cells.
   * Every sum runs over t ascending, as the single agent's separate passes sum.
   */
  private agentGradients(p: number): void {
    const pop = this.pop;
    const { task, lengths, actions, rewards, logSigma, lossActor, lossCritic, actor, critic } = pop;
    const T = pop.maxSteps;
    const { actorRowAt, actorColAt, criticRowAt, criticColAt, zAt, G } = this;
    const Tp = lengths[p];
    const base = p * T;
    const gamma = task.gamma;
    let g = rewards[base + Tp - 1];
    G[Tp - 1] = g;
    for (let t = Tp - 2; t >= 0; t--) {
      g = rewards[base + t] + gamma * g;
      G[t] = g;
    }
    const sigmoid = task.sigmoidMean;
    const sigma = Math.exp(logSigma[p]);
    const logSigmaP = Math.log(sigma);
    const variance = sigma * sigma;
    const invT = 1 / Tp;
    const norm = 2 / Tp;
    let lossA = 0;
    let gRho = 0;
    let lossC = 0;
    for (let t = 0; t < Tp; t++) {
      const q = base + t;
      const ic = criticRowAt[q];
      const jc = criticColAt[q];
      const v = critic.entryAt(ic, jc);
      const Gt = G[t];
      const adv = Gt - v;
      const z = zAt[q];
      const mu = sigmoid ? 1 / (1 + Math.exp(-z)) : z;
      const d = actions[q] - mu;
      const w = invT * adv;
      lossA += gaussianNll(d, variance, logSigmaP) * adv;
      let gz = gaussianMeanGrad(w, d, variance);
      if (sigmoid) gz *= mu * (1 - mu);
      gRho += gaussianLogSigmaGrad(w, d, variance);
      const e = v - Gt;
      lossC += e * e;
      const gc = norm * e;
      const ia = actorRowAt[q];
      const ja = actorColAt[q];
      actor.accumulateAt(ia, ja, gz);
      critic.accumulateAt(ic, jc, gc);
    }
    this.logSigmaGrad[p] = gRho;
    lossActor[p] = lossA / Tp;
    lossCritic[p] = lossC / Tp;
  }
}

/** The update kernel of a population and the views of its per-agent inputs and outputs. */
interface UpdateKernel {
  readonly run: () => void;
  readonly length: Int32Array;
  readonly variance: Float64Array;
  readonly logSigma: Float64Array;
  readonly lossActor: Float64Array;
  readonly lossCritic: Float64Array;
}

/** {@link buildUpdateKernel} on `pop`'s memory; null where WebAssembly rejects it. */
function updateKernelOf(
  pop: LrpgPopulation,
  records: { readonly memory: WasmMemory; readonly layout: LockstepLayout },
): UpdateKernel | null {
  const { memory, layout } = records;
  const buffer = memory.buffer;
  const { actor, critic } = pop;
  const pointers = (f: BatchedGridLowRank): FactorPointers => {
    for (const a of [f.L, f.R, f.gradL, f.gradR])
      if (a.buffer !== buffer)
        throw new Error("update kernel: the factors are not in the population's memory");
    return { L: f.L.byteOffset, R: f.R.byteOffset, gradL: f.gradL.byteOffset, gradR: f.gradR.byteOffset };
  };
  const logSigmaGrad = pop.actorParameter.grad.subarray(actor.parameterCount);
  const run = buildUpdateKernel(
    {
      agents: pop.count,
      maxSteps: pop.maxSteps,
      rank: actor.rank,
      criticRank: critic.rank,
      gamma: pop.task.gamma,
      actor: pointers(actor),
      critic: pointers(critic),
      logSigmaGrad: logSigmaGrad.byteOffset,
      layout,
    },
    memory,
  );
  if (run === null) return null;
  const P = pop.count;
  return {
    run,
    length: new Int32Array(buffer, layout.length, P),
    variance: new Float64Array(buffer, layout.variance, P),
    logSigma: new Float64Array(buffer, layout.logSigma, P),
    lossActor: new Float64Array(buffer, layout.lossActor, P),
    lossCritic: new Float64Array(buffer, layout.lossCritic, P),
  };
}
