import {
  copyKernel,
  toFloat32,
  type BatchedEntries,
  type GpuKernel,
  type GpuRuntime,
} from "../factor/backend/index.js";
import { gaussianActorLoss } from "../heads/gaussian.js";
import type { Discretizer } from "../lrpg/discretizer.js";
import { valueLoss } from "../pg/reinforce-baseline.js";
import { discountedReturns } from "../pg/returns.js";
import { Rng } from "../random/rng.js";
import { kernelGrid, lowRankGaussianActKernel, type KernelGrid } from "./act-kernel.js";
import type { Lockstep, LrpgPopulation } from "./lrpg-population.js";

/**
 * The gpu backend's lockstep episode (gpu.js, float32). Per step, one policy kernel and one env kernel
 * over the agents still active (compacted through an index list padded to a power of two, so each
 * kernel needs ≤ log2(P) + 2 compiled lengths); the policy moves to the device once per episode.
 * Per episode (all agents at once): Monte-Carlo returns G_t (host, sequential in t);
 * z_t = X_actor[cell_t] and V_t = X_critic[cell_t] (batched gather kernels); the Gaussian head's
 * ∂J/∂z_t and ∂J/∂ρ and the critic's ∂J_c/∂V_t (host, the shared loss functions); batched sparse
 * entry-gradient kernels; one Adam kernel over all actors' [L | R | ρ] and one over the critics' [L | R].
 * The population's float64 arrays hold the float32 values the kernels return.
 */
export class GpuLockstep implements Lockstep {
  private readonly actKernel: GpuKernel<Parameters<typeof lowRankGaussianActKernel>>;
  private readonly stepKernel: GpuKernel<[Float32Array, Float32Array, Float32Array]>;
  private readonly toDevice: GpuKernel<[Float32Array]>[];
  private readonly grid: KernelGrid;
  private readonly states32: Float32Array;
  private readonly noise32: Float32Array;
  private readonly actions32: Float32Array;
  private readonly agentIdx: Float32Array;
  /** Env state of every agent (P·S, float64 as reset draws it; then the kernel's float32 values). */
  private readonly states: Float64Array;
  /** Per (agent, step): the observation, kept for the update's cells. */
  private readonly trajStates: Float64Array;
  private readonly adam: { m: Float32Array; v: Float32Array }[];
  private readonly G: Float64Array;
  private readonly A: Float64Array;
  private readonly gz: Float64Array;
  private readonly gc: Float64Array;
  private readonly gRho: Float64Array;

  constructor(
    private readonly pop: LrpgPopulation,
    runtime: GpuRuntime,
  ) {
    const P = pop.count;
    const T = pop.maxSteps;
    const opts = { loopMaxIterations: 1 << 10, specializations: Math.ceil(Math.log2(P)) + 2 };
    this.actKernel = runtime.compile(lowRankGaussianActKernel, opts);
    this.stepKernel = runtime.compile(pop.task.dynamics.stepKernel, opts);
    this.toDevice = [0, 1, 2].map(() => runtime.compile(copyKernel, { resident: true, specializations: 1 }));
    this.grid = kernelGrid(pop.actorGrid);
    this.states32 = new Float32Array(P * pop.task.dynamics.stateDim);
    this.noise32 = new Float32Array(P);
    this.actions32 = new Float32Array(P);
    this.agentIdx = new Float32Array(P);
    this.states = new Float64Array(P * pop.task.dynamics.stateDim);
    this.trajStates = new Float64Array(P * T * pop.task.dynamics.obsDim);
    this.adam = [pop.actorParameter, pop.critic.parameter].map((q) => ({
      m: new Float32Array(q.data.length),
      v: new Float32Array(q.data.length),
    }));
    this.G = new Float64Array(T);
    this.A = new Float64Array(T);
    this.gz = new Float64Array(P * T);
    this.gc = new Float64Array(P * T);
    this.gRho = new Float64Array(P);
  }

  actionRng(p: number): Rng {
    return Rng.fromState(this.pop.rngs[p].getState());
  }

  /** One episode of every agent in lockstep (≤ T steps), filling the trajectory buffers. */
  async rollout(): Promise<void> {
    const pop = this.pop;
    const { count: P, maxSteps: T, lengths, actor, task, sigma } = pop;
    const dyn = task.dynamics;
    const S = dyn.stateDim;
    const D = dyn.obsDim;
    const clamp = task.actionClamp;
    const { states, agentIdx } = this;
    const [L, R, sig] = [actor.L, actor.R, sigma].map((a, k) =>
      this.toDevice[k].toDevice(a.length, toFloat32(a)),
    );
    const policy = { L: await L, R: await R, sigma: await sig };
    for (let p = 0; p < P; p++) {
      dyn.reset(states, p * S, pop.envRngs[p]);
      lengths[p] = 0;
      pop.returns[p] = 0;
      agentIdx[p] = p;
    }
    let n = P;
    for (let t = 0; t < T && n > 0; t++) {
      for (let x = 0; x < n; x++) {
        const p = agentIdx[x];
        for (let d = 0; d < D; d++) this.trajStates[(p * T + t) * D + d] = states[p * S + d];
        this.noise32[p] = pop.rngs[p].normal();
      }
      // Pad the list to a power of two (repeating an active agent; those outputs are ignored).
      let padded = 1;
      while (padded < n) padded *= 2;
      padded = Math.min(padded, P);
      for (let x = n; x < padded; x++) agentIdx[x] = agentIdx[0];
      this.states32.set(states);
      // a_p = clamp(μ_p(s_p) + σ_p·ε_p) of the x-th listed agent at actions[x].
      const g = this.grid;
      const actions = await this.actKernel.run(
        padded,
        agentIdx,
        this.states32,
        this.noise32,
        policy.L,
        policy.R,
        policy.sigma,
        g.low,
        g.range,
        g.steps,
        g.axis,
        g.mult,
        S,
        D,
        actor.rows,
        actor.cols,
        actor.rank,
        task.sigmoidMean ? 1 : 0,
        clamp ? 1 : 0,
        clamp ? clamp[0] : 0,
        clamp ? clamp[1] : 0,
      );
      for (let x = 0; x < n; x++) {
        const p = agentIdx[x];
        pop.actions[p * T + t] = actions[x];
        this.actions32[p] = actions[x];
      }
      const out = await this.stepKernel.run([S + 2, padded], agentIdx, this.states32, this.actions32);
      let kept = 0;
      for (let x = 0; x < n; x++) {
        const p = agentIdx[x];
        const o = x * (S + 2);
        for (let c = 0; c < S; c++) states[p * S + c] = out[o + c];
        pop.rewards[p * T + t] = out[o + S];
        pop.returns[p] += out[o + S];
        lengths[p] = t + 1;
        if (!(out[o + S + 1] > 0.5)) agentIdx[kept++] = p;
      }
      n = kept;
    }
  }

  /** Every agent's per-episode update from the trajectory buffers (see the class doc). */
  async learn(): Promise<void> {
    const pop = this.pop;
    const { count: P, maxSteps: T, backend, actor, critic, task } = pop;
    const { G, A, gz, gc, gRho } = this;
    const actorEntries = this.cellsOf(pop.actorGrid);
    const criticEntries = this.cellsOf(pop.criticGrid);
    const z = await backend.gatherEntries(actor, actorEntries);
    const V = await backend.gatherEntries(critic, criticEntries);
    for (let p = 0; p < P; p++) {
      const Tp = pop.lengths[p];
      const [from, to] = [p * T, p * T + Tp];
      discountedReturns(pop.rewards.subarray(from, to), task.gamma, Tp, G);
      for (let t = 0; t < Tp; t++) A[t] = G[t] - V[from + t];
      const zp = z.subarray(from, to);
      const actions = pop.actions.subarray(from, to);
      const loss = gaussianActorLoss(
        zp,
        actions,
        A,
        Tp,
        pop.logSigma[p],
        task.sigmoidMean,
        gz.subarray(from, to),
      );
      gRho[p] = loss.gradLogSigma;
      pop.lossActor[p] = loss.loss;
      pop.lossCritic[p] = valueLoss(V.subarray(from, to), G, Tp, gc.subarray(from, to));
    }
    const step = pop.episodesDone + 1;
    const parts = [
      { f: actor, entries: actorEntries, g: gz, q: pop.actorParameter, lr: task.lrActor },
      { f: critic, entries: criticEntries, g: gc, q: critic.parameter, lr: task.lrCritic },
    ];
    for (let k = 0; k < 2; k++) {
      const { f, entries, g, q, lr } = parts[k];
      const grads = await backend.entryGradients(f, entries, g);
      q.grad.set(grads.gradL, 0);
      q.grad.set(grads.gradR, f.L.length);
      if (k === 0) q.grad.set(gRho, f.parameterCount);
      const { m, v } = this.adam[k];
      await backend.adamStep(q.data, q.grad, m, v, { lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, step });
      if (k === 0) pop.refreshSigma();
    }
  }

  /** Each kept observation's (row, column) on `grid`, in the backend's entry-list layout. */
  private cellsOf(grid: Discretizer): BatchedEntries {
    const { count: P, maxSteps: T, lengths } = this.pop;
    const D = grid.stateDim;
    const rowIdx = new Int32Array(P * T);
    const colIdx = new Int32Array(P * T);
    for (let p = 0; p < P; p++)
      for (let q = p * T; q < p * T + lengths[p]; q++) {
        const f = grid.flatCell(this.trajStates, q * D);
        const i = (f / grid.cols) | 0;
        rowIdx[q] = i;
        colIdx[q] = f - i * grid.cols;
      }
    return { capacity: T, rowIdx, colIdx, counts: lengths };
  }
}
