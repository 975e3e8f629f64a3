import {
  copyKernel,
  createBackend,
  toFloat32,
  type DeviceArray,
  type BatchedEntries,
  type BatchedFactors,
  type FactorBackend,
  type FloatArray,
  type GpuKernel,
  type GpuMode,
  type GpuRuntime,
} from "../factor/backend/index.js";
import { GpuFactorBackend } from "../factor/backend/gpu-backend.js";
import { CpuFactorBackend } from "../factor/backend/cpu-backend.js";
import { Discretizer } from "../lrpg/discretizer.js";
import { fillReferenceOrder } from "../parametrizations/grid-low-rank.js";
import { LowRankMatrix } from "../factor/low-rank-matrix.js";
import { gaussianActorLoss } from "../heads/gaussian.js";
import { valueLoss } from "../pg/reinforce-baseline.js";
import { discountedReturns } from "../pg/returns.js";
import { makeParameter } from "../optim/parameter.js";
import { Rng } from "../random/rng.js";
import { kernelGrid, lowRankGaussianActKernel, type KernelGrid } from "./act-kernel.js";
import { CpuLockstep } from "./cpu-lockstep.js";
import type { PopulationTask } from "./tasks.js";

export interface LrpgPopulationOptions {
  /** The task (the paper's: `PAPER_POPULATION_TASKS` of src/presets). */
  task: PopulationTask;
  /** One seed per agent: agent p is exactly the single run with seed `seeds[p]` (see {@link LrpgPopulation}). */
  seeds: readonly number[];
  /** Rank K_p per agent (one value for all, or one per agent); default the task's rank. K_max = max. */
  ranks?: number | readonly number[];
  /** T; default the task's. */
  maxSteps?: number;
  /** `cpu` (float64, default), `gpu` (gpu.js float32), or an opened backend. */
  backend?: "cpu" | "gpu" | FactorBackend;
  /** gpu.js mode for `backend: "gpu"` (default auto). */
  gpuMode?: GpuMode;
}

/** What one lockstep episode of the whole population produced. */
export interface PopulationEpisode {
  /** 0-based episode index. */
  episode: number;
  /** Undiscounted return of each agent (length P). */
  returns: Float64Array;
  /** Steps of each agent (length P). */
  lengths: Int32Array;
  /** Env steps of all agents in this episode. */
  steps: number;
  /** Each agent's actor loss (1/T) Σ_t −log π(a_t|s_t)·A_t at the pre-step parameters (as LrpgAgent.learn). */
  lossActor: Float64Array;
  /** Each agent's critic loss (1/T) Σ_t (V_t − G_t)² at the pre-step parameters. */
  lossCritic: Float64Array;
}

/**
 * P independent LRPG agents (the reference's REINFORCE with a low-rank critic baseline, see
 * src/lrpg/gaussian-lrpg-agent.ts) on P copies of a vectorized env, stepping in lockstep: every
 * agent runs its episode e, agents that terminate early sit out until all are done (or hit T), then
 * every agent applies its own per-episode update as one batched kernel call per stage.
 *
 * Seeding, the same as a single run (`executeRun` in src/runner/run.ts): agent p draws its
 * initialisation from `rng = new Rng(seeds[p])` (actor L, actor R, critic L, critic R, in the
 * reference's order), then `envRng = rng.fork()` drives every env reset, and `rng` samples every
 * action (one normal per step). Ranks K_p < K_max are zero-padded columns, which stay exactly zero
 * (their gradients and Adam moments are zero), so on the cpu backend agent p's returns are
 * bit-identical to the single run; on a gpu backend they agree within float32 rounding (the
 * trajectories drift apart once a float32 difference flips an action's grid cell).
 *
 * On the cpu backend an episode and its update run synchronously over arrays laid out across
 * agents (`CpuLockstep`, src/population/cpu-lockstep.ts; {@link trainEpisodeSync}). On the gpu
 * backend, per step, one policy kernel and one env kernel over the active agents; per episode
 * (per agent, all agents at once): Monte-Carlo returns G_t (host, sequential in t);
 * z_t = X_actor[cell_t] and V_t = X_critic[cell_t] (batched gather kernels); the coefficients
 * g_t = (1/T)(G_t − V_t)·(−(a_t − μ_t)/σ²)[·μ_t(1−μ_t)], ∂J/∂ρ and 2(V_t − G_t)/T (host);
 * batched sparse entry-gradient kernels; one Adam kernel over all actor parameters [L | R | ρ] and
 * one over the critic's [L | R].
 */
export class LrpgPopulation {
  readonly task: PopulationTask;
  readonly count: number;
  readonly seeds: readonly number[];
  readonly ranks: Int32Array;
  readonly maxRank: number;
  readonly maxSteps: number;
  readonly backend: FactorBackend;
  readonly actorGrid: Discretizer;
  readonly criticGrid: Discretizer;
  /** Actor parameters of all agents, [L (P·N·K) | R (P·M·K) | ρ (P)], in the backend's precision. */
  readonly actorParams: FloatArray;
  /** Critic parameters [L (P·Nc·K) | R (P·Mc·K)]. */
  readonly criticParams: FloatArray;
  readonly actor: BatchedFactors;
  readonly critic: BatchedFactors;
  readonly logSigma: FloatArray;
  /** Episodes completed (= the Adam step count). */
  episodesDone = 0;
  /** Env steps taken by all agents so far. */
  totalSteps = 0;

  private readonly rngs: Rng[];
  private readonly envRngs: Rng[];
  private readonly S: number;
  private readonly actorGrad: FloatArray;
  private readonly criticGrad: FloatArray;
  private readonly adamActor: { m: FloatArray; v: FloatArray };
  private readonly adamCritic: { m: FloatArray; v: FloatArray };
  // Episode buffers (P × T).
  private readonly trajStates: Float64Array;
  private readonly trajActions: Float64Array;
  private readonly trajRewards: Float64Array;
  private readonly lengths: Int32Array;
  private readonly states: Float64Array;
  private readonly noise: Float64Array;
  private readonly actions: Float64Array;
  private readonly rewards: Float64Array;
  private readonly terminated: Uint8Array;
  private readonly active: Uint8Array;
  private readonly sigma: Float64Array;
  /** The cpu backend's synchronous lockstep (null on the gpu backend). */
  private readonly cpu: CpuLockstep | null;
  /** The gpu backend's per-step kernels (null on the cpu backend). */
  private readonly stepper: Stepper | null;
  /** Per-episode scratch of learn(), allocated once. */
  private readonly work: {
    actorRows: Int32Array;
    actorCols: Int32Array;
    criticRows: Int32Array;
    criticCols: Int32Array;
    G: Float64Array;
    A: Float64Array;
    gz: Float64Array;
    gc: Float64Array;
    gRho: Float64Array;
    lossActor: Float64Array;
    lossCritic: Float64Array;
  };

  private readonly ownsBackend: boolean;

  private constructor(
    task: PopulationTask,
    seeds: readonly number[],
    ranks: Int32Array,
    maxSteps: number,
    backend: FactorBackend,
    ownsBackend: boolean,
  ) {
    this.task = task;
    this.ownsBackend = ownsBackend;
    this.count = seeds.length;
    this.seeds = [...seeds];
    this.ranks = ranks;
    this.maxRank = ranks.reduce((a, b) => (b > a ? b : a), 1);
    this.maxSteps = maxSteps;
    this.backend = backend;
    this.actorGrid = new Discretizer(task.actorGrid);
    this.criticGrid = new Discretizer(task.criticGrid);
    const dyn = task.dynamics;
    if (this.actorGrid.stateDim !== dyn.obsDim || this.criticGrid.stateDim !== dyn.obsDim) {
      throw new RangeError(
        `task ${task.name}: grids must have ${dyn.obsDim} dimensions (the observation of ${dyn.envId})`,
      );
    }
    this.S = dyn.stateDim;
    const P = this.count;
    const K = this.maxRank;
    const Float = backend.precision === "float64" ? Float64Array : Float32Array;
    const { rows: N, cols: M } = this.actorGrid;
    const { rows: Nc, cols: Mc } = this.criticGrid;
    const aL = P * N * K;
    const aR = P * M * K;
    const cL = P * Nc * K;
    const cR = P * Mc * K;
    const onCpu = backend instanceof CpuFactorBackend;
    // On the cpu backend the parameters are optimizer Parameters (large ones live in WebAssembly
    // memory, where Adam's f64x2 kernel updates them in place); the gpu path keeps plain arrays.
    const actorParameter = onCpu ? makeParameter("actor", [aL + aR + P]) : null;
    const criticParameter = onCpu ? makeParameter("critic", [cL + cR]) : null;
    this.actorParams = actorParameter?.data ?? new Float(aL + aR + P);
    this.criticParams = criticParameter?.data ?? new Float(cL + cR);
    this.actor = {
      count: P,
      rows: N,
      cols: M,
      rank: K,
      L: this.actorParams.subarray(0, aL),
      R: this.actorParams.subarray(aL, aL + aR),
    };
    this.logSigma = this.actorParams.subarray(aL + aR);
    this.critic = {
      count: P,
      rows: Nc,
      cols: Mc,
      rank: K,
      L: this.criticParams.subarray(0, cL),
      R: this.criticParams.subarray(cL),
    };
    const gpuLength = (n: number): number => (onCpu ? 0 : n);
    this.actorGrad = actorParameter?.grad ?? new Float(this.actorParams.length);
    this.criticGrad = criticParameter?.grad ?? new Float(this.criticParams.length);
    this.adamActor = {
      m: new Float(gpuLength(this.actorParams.length)),
      v: new Float(gpuLength(this.actorParams.length)),
    };
    this.adamCritic = {
      m: new Float(gpuLength(this.criticParams.length)),
      v: new Float(gpuLength(this.criticParams.length)),
    };
    this.sigma = new Float64Array(P);

    // Initialisation, agent by agent, exactly as LrpgAgent({ rng }) followed by rng.fork().
    this.rngs = [];
    this.envRngs = [];
    for (let p = 0; p < P; p++) {
      const rng = new Rng(seeds[p]);
      const Kp = ranks[p];
      this.initFactors(this.actor, p, Kp, rng);
      this.initFactors(this.critic, p, Kp, rng);
      this.logSigma[p] = task.logSigmaInit;
      this.envRngs.push(rng.fork());
      this.rngs.push(rng);
    }
    this.refreshSigma();

    const T = maxSteps;
    // The gpu path keeps the states and discretizes them when learning; the cpu path keeps the cells.
    const gpuPT = onCpu ? 0 : P * T;
    this.trajStates = new Float64Array(gpuPT * dyn.obsDim);
    this.trajActions = new Float64Array(P * T);
    this.trajRewards = new Float64Array(P * T);
    this.lengths = new Int32Array(P);
    this.states = new Float64Array(P * this.S);
    this.noise = new Float64Array(P);
    this.actions = new Float64Array(P);
    this.rewards = new Float64Array(P);
    this.terminated = new Uint8Array(P);
    this.active = new Uint8Array(P);
    this.work = {
      actorRows: new Int32Array(gpuPT),
      actorCols: new Int32Array(gpuPT),
      criticRows: new Int32Array(gpuPT),
      criticCols: new Int32Array(gpuPT),
      G: new Float64Array(T),
      A: new Float64Array(T),
      gz: new Float64Array(gpuPT),
      gc: new Float64Array(gpuPT),
      gRho: new Float64Array(P),
      lossActor: new Float64Array(P),
      lossCritic: new Float64Array(P),
    };
    if (actorParameter !== null && criticParameter !== null) {
      const f64 = (a: FloatArray): Float64Array => {
        if (!(a instanceof Float64Array)) throw new TypeError("the cpu backend holds float64 parameters");
        return a;
      };
      this.stepper = null;
      this.cpu = new CpuLockstep({
        task,
        maxSteps,
        actorGrid: this.actorGrid,
        criticGrid: this.criticGrid,
        actor: { ...this.actor, L: f64(this.actor.L), R: f64(this.actor.R) },
        critic: { ...this.critic, L: f64(this.critic.L), R: f64(this.critic.R) },
        actorParameter,
        criticParameter,
        logSigma: f64(this.logSigma),
        sigma: this.sigma,
        states: this.states,
        envRngs: this.envRngs,
        rngs: this.rngs,
        lengths: this.lengths,
        actions: this.trajActions,
        rewards: this.trajRewards,
        lossActor: this.work.lossActor,
        lossCritic: this.work.lossCritic,
      });
    } else if (backend instanceof GpuFactorBackend) {
      this.cpu = null;
      this.stepper = new GpuStepper(this, backend.runtime);
    } else {
      throw new TypeError(
        `backend must be the cpu or the gpu backend (createBackend("cpu" | "gpu")), got ${backend.kind}`,
      );
    }
  }

  /** Builds a population; opens the backend when given by name. */
  static async create(options: LrpgPopulationOptions): Promise<LrpgPopulation> {
    const task = options.task;
    if (!task || typeof task !== "object" || !task.dynamics)
      throw new TypeError(`task must be a PopulationTask object, got ${JSON.stringify(task)}`);
    const seeds = options.seeds;
    if (!Array.isArray(seeds) || seeds.length < 1)
      throw new RangeError(`seeds must be a non-empty array of integers, got ${JSON.stringify(seeds)}`);
    seeds.forEach((s, p) => {
      if (!Number.isInteger(s)) throw new RangeError(`seeds[${p}] must be an integer, got ${s}`);
    });
    const P = seeds.length;
    const ranksIn = options.ranks ?? task.rank;
    const ranks = new Int32Array(P);
    if (typeof ranksIn === "number") ranks.fill(ranksIn);
    else {
      if (ranksIn.length !== P)
        throw new RangeError(
          `ranks must be one integer or one per seed (${P}), got ${ranksIn.length} values`,
        );
      ranks.set(ranksIn);
    }
    const rankList = typeof ranksIn === "number" ? [ranksIn] : ranksIn;
    rankList.forEach((k, p) => {
      if (!Number.isInteger(k) || k < 1)
        throw new RangeError(`ranks[${p}] must be an integer >= 1, got ${k}`);
    });
    const maxSteps = options.maxSteps ?? task.maxSteps;
    if (!Number.isInteger(maxSteps) || maxSteps < 1)
      throw new RangeError(`maxSteps must be an integer >= 1, got ${maxSteps}`);
    const b = options.backend ?? "cpu";
    if (b === "cpu" && options.gpuMode !== undefined)
      throw new RangeError(
        `gpuMode applies to backend "gpu" only, got gpuMode ${options.gpuMode} with backend "cpu"`,
      );
    const backend =
      typeof b === "string"
        ? await createBackend(b, b === "gpu" ? { mode: options.gpuMode ?? "auto" } : {})
        : b;
    return new LrpgPopulation(task, seeds, ranks, maxSteps, backend, typeof b === "string");
  }

  /** Agent p's parameters in the single agent's layout (L N×K_p, R M×K_p), for checks and export. */
  agentParameters(p: number): {
    actorL: Float64Array;
    actorR: Float64Array;
    criticL: Float64Array;
    criticR: Float64Array;
    logSigma: number;
  } {
    if (!Number.isInteger(p) || p < 0 || p >= this.count)
      throw new RangeError(`agent index must be an integer in [0, ${this.count - 1}], got ${p}`);
    const unpad = (f: BatchedFactors, which: "L" | "R"): Float64Array => {
      const n = which === "L" ? f.rows : f.cols;
      const Kp = this.ranks[p];
      const out = new Float64Array(n * Kp);
      const src = f[which];
      for (let i = 0; i < n; i++)
        for (let k = 0; k < Kp; k++) out[i * Kp + k] = src[(p * n + i) * f.rank + k];
      return out;
    };
    return {
      actorL: unpad(this.actor, "L"),
      actorR: unpad(this.actor, "R"),
      criticL: unpad(this.critic, "L"),
      criticR: unpad(this.critic, "R"),
      logSigma: this.logSigma[p],
    };
  }

  /** Runs one lockstep episode of every agent, then every agent's update. */
  async trainEpisode(): Promise<PopulationEpisode> {
    if (this.cpu !== null) return this.trainEpisodeSync();
    await this.rollout();
    await this.learn();
    return this.endEpisode();
  }

  /**
   * {@link trainEpisode} without a promise, on the cpu backend (the whole episode and its updates
   * run synchronously); the gpu backend throws (its kernels are asynchronous).
   */
  trainEpisodeSync(): PopulationEpisode {
    const cpu = this.cpu;
    if (cpu === null)
      throw new TypeError(
        `trainEpisodeSync needs the cpu backend (this population runs on ${this.backend.kind})`,
      );
    cpu.rollout();
    cpu.learn();
    return this.endEpisode();
  }

  /** Agent p's action generator in its current state (an independent copy). */
  actionRng(p: number): Rng {
    if (!Number.isInteger(p) || p < 0 || p >= this.count)
      throw new RangeError(`agent index must be an integer in [0, ${this.count - 1}], got ${p}`);
    return this.cpu !== null ? this.cpu.actionRng(p) : Rng.fromState(this.rngs[p].getState());
  }

  private endEpisode(): PopulationEpisode {
    const P = this.count;
    const T = this.maxSteps;
    const returns = new Float64Array(P);
    let steps = 0;
    for (let p = 0; p < P; p++) {
      let s = 0;
      for (let t = 0; t < this.lengths[p]; t++) s += this.trajRewards[p * T + t];
      returns[p] = s;
      steps += this.lengths[p];
    }
    this.totalSteps += steps;
    const episode = this.episodesDone;
    this.episodesDone++;
    return {
      episode,
      returns,
      lengths: Int32Array.from(this.lengths),
      steps,
      lossActor: Float64Array.from(this.work.lossActor),
      lossCritic: Float64Array.from(this.work.lossCritic),
    };
  }

  /** One episode of every agent in lockstep (≤ T steps), filling the trajectory buffers. */
  async rollout(): Promise<void> {
    if (this.cpu !== null) return this.cpu.rollout();
    const stepper = this.stepper!;
    const P = this.count;
    const T = this.maxSteps;
    const S = this.S;
    const D = this.task.dynamics.obsDim;
    const { states, noise, actions, rewards, terminated, active, lengths } = this;
    await stepper.beginEpisode();
    for (let p = 0; p < P; p++) {
      this.task.dynamics.reset(states, p * S, this.envRngs[p]);
      active[p] = 1;
      lengths[p] = 0;
    }
    let remaining = P;
    for (let t = 0; t < T && remaining > 0; t++) {
      for (let p = 0; p < P; p++) {
        if (active[p] === 0) continue;
        const so = (p * T + t) * D;
        for (let d = 0; d < D; d++) this.trajStates[so + d] = states[p * S + d];
        noise[p] = this.rngs[p].normal();
      }
      await stepper.act(noise, actions);
      for (let p = 0; p < P; p++) if (active[p] === 1) this.trajActions[p * T + t] = actions[p];
      await stepper.envStep(actions, rewards, terminated);
      for (let p = 0; p < P; p++) {
        if (active[p] === 0) continue;
        this.trajRewards[p * T + t] = rewards[p];
        lengths[p] = t + 1;
        if (terminated[p] === 1) {
          active[p] = 0;
          remaining--;
        }
      }
    }
  }

  /** Every agent's per-episode REINFORCE update from the trajectory buffers (see the class doc). */
  async learn(): Promise<void> {
    if (this.cpu !== null) return this.cpu.learn();
    const P = this.count;
    const T = this.maxSteps;
    const w = this.work;
    const actorEntries = this.cellsOf(this.actorGrid, w.actorRows, w.actorCols);
    const criticEntries = this.cellsOf(this.criticGrid, w.criticRows, w.criticCols);
    const z = await this.backend.gatherEntries(this.actor, actorEntries);
    const V = await this.backend.gatherEntries(this.critic, criticEntries);
    const { G, A, gz, gc, gRho } = w;
    for (let p = 0; p < P; p++) {
      const Tp = this.lengths[p];
      discountedReturns(this.trajRewards.subarray(p * T, p * T + Tp), this.task.gamma, Tp, G);
      // Actor, as LrpgAgent.learn: the Gaussian head's loss on A_t = G_t − V_t.
      for (let t = 0; t < Tp; t++) A[t] = G[t] - V[p * T + t];
      const actor = gaussianActorLoss(
        z.subarray(p * T, p * T + Tp),
        this.trajActions.subarray(p * T, p * T + Tp),
        A,
        Tp,
        this.logSigma[p],
        this.task.sigmoidMean,
        gz.subarray(p * T, p * T + Tp),
      );
      gRho[p] = actor.gradLogSigma;
      w.lossActor[p] = actor.loss;
      // Critic, as ReinforceWithBaseline.
      w.lossCritic[p] = valueLoss(V.subarray(p * T, p * T + Tp), G, Tp, gc.subarray(p * T, p * T + Tp));
    }
    const step = this.episodesDone + 1;
    const actorAdam = { lr: this.task.lrActor, beta1: 0.9, beta2: 0.999, eps: 1e-8, step };
    const criticAdam = { lr: this.task.lrCritic, beta1: 0.9, beta2: 0.999, eps: 1e-8, step };
    const aL = this.actor.L.length;
    const aR = this.actor.R.length;
    const cL = this.critic.L.length;
    const actorGrads = await this.backend.entryGradients(this.actor, actorEntries, gz);
    this.actorGrad.set(actorGrads.gradL, 0);
    this.actorGrad.set(actorGrads.gradR, aL);
    this.actorGrad.set(gRho, aL + aR);
    await this.backend.adamStep(
      this.actorParams,
      this.actorGrad,
      this.adamActor.m,
      this.adamActor.v,
      actorAdam,
    );
    this.refreshSigma();
    const criticGrads = await this.backend.entryGradients(this.critic, criticEntries, gc);
    this.criticGrad.set(criticGrads.gradL, 0);
    this.criticGrad.set(criticGrads.gradR, cL);
    await this.backend.adamStep(
      this.criticParams,
      this.criticGrad,
      this.adamCritic.m,
      this.adamCritic.v,
      criticAdam,
    );
  }

  /** Releases the backend when the population opened it (a backend passed in stays open). */
  async dispose(): Promise<void> {
    if (this.ownsBackend) await this.backend.dispose();
  }

  // --- internals used by the steppers ---------------------------------------------------------

  /** @internal */ get stepState(): StepState {
    return { states: this.states, active: this.active, sigma: this.sigma };
  }

  private cellsOf(grid: Discretizer, rowIdx: Int32Array, colIdx: Int32Array): BatchedEntries {
    const P = this.count;
    const T = this.maxSteps;
    const D = this.task.dynamics.obsDim;
    const M = grid.cols;
    for (let p = 0; p < P; p++) {
      const Tp = this.lengths[p];
      for (let t = 0; t < T; t++) {
        const q = p * T + t;
        if (t >= Tp) {
          rowIdx[q] = 0;
          colIdx[q] = 0;
          continue;
        }
        const f = grid.flatCell(this.trajStates, q * D);
        const i = (f / M) | 0;
        rowIdx[q] = i;
        colIdx[q] = f - i * M;
      }
    }
    return { capacity: T, rowIdx, colIdx, counts: this.lengths };
  }

  private initFactors(f: BatchedFactors, p: number, Kp: number, rng: Rng): void {
    // Draw exactly what LrpgAgent draws for a rank-K_p matrix, then place it in the K_max-padded slot.
    const m = new LowRankMatrix(f.rows, f.cols, Kp);
    fillReferenceOrder(m, rng, 1);
    const K = f.rank;
    for (let i = 0; i < f.rows; i++)
      for (let k = 0; k < Kp; k++) f.L[(p * f.rows + i) * K + k] = m.L.data[i * Kp + k];
    for (let j = 0; j < f.cols; j++)
      for (let k = 0; k < Kp; k++) f.R[(p * f.cols + j) * K + k] = m.R.data[j * Kp + k];
  }

  private refreshSigma(): void {
    for (let p = 0; p < this.count; p++) this.sigma[p] = Math.exp(this.logSigma[p]);
  }
}

/** @internal */
interface StepState {
  states: Float64Array;
  active: Uint8Array;
  sigma: Float64Array;
}

/** Acting and env stepping for all agents (the per-step part of a lockstep episode). */
interface Stepper {
  /** Called before each rollout, after the previous update (e.g. to move the new policy to the device). */
  beginEpisode(): Promise<void>;
  /** a_p = clamp(μ_p(s_p) + σ_p·ε_p) for every active agent. */
  act(noise: Float64Array, actions: Float64Array): Promise<void>;
  /** Steps every active agent's env in place. */
  envStep(actions: Float64Array, rewards: Float64Array, terminated: Uint8Array): Promise<void>;
}

/**
 * gpu.js kernels (float32): one policy kernel and one env kernel per lockstep step, each over the
 * agents still active in this episode only (compacted through an index list padded to a power of two).
 */
class GpuStepper implements Stepper {
  private readonly actKernel: GpuKernel<Parameters<typeof lowRankGaussianActKernel>>;
  private readonly stepKernel: GpuKernel<[Float32Array, Float32Array, Float32Array]>;
  private readonly grid: KernelGrid;
  private readonly states32: Float32Array;
  private readonly noise32: Float32Array;
  private readonly actions32: Float32Array;
  private readonly sigma32: Float32Array;
  private readonly agentIdx: Float32Array;
  private activeCount = 0;
  private paddedCount = 0;
  // The policy of the current episode, moved to the device once per episode (resident kernels).
  private readonly toDeviceL: GpuKernel<[Float32Array]>;
  private readonly toDeviceR: GpuKernel<[Float32Array]>;
  private readonly toDeviceSigma: GpuKernel<[Float32Array]>;
  private policy: { L: DeviceArray; R: DeviceArray; sigma: DeviceArray } | null = null;

  constructor(
    private readonly pop: LrpgPopulation,
    runtime: GpuRuntime,
  ) {
    // Active-agent counts are padded to powers of two, so each kernel needs ≤ log2(P) + 2 compiled lengths.
    const opts = { loopMaxIterations: 1 << 10, specializations: Math.ceil(Math.log2(pop.count)) + 2 };
    this.actKernel = runtime.compile(lowRankGaussianActKernel, opts);
    this.stepKernel = runtime.compile(pop.task.dynamics.stepKernel, opts);
    this.grid = kernelGrid(pop.actorGrid);
    this.toDeviceL = runtime.compile(copyKernel, { resident: true, specializations: 1 });
    this.toDeviceR = runtime.compile(copyKernel, { resident: true, specializations: 1 });
    this.toDeviceSigma = runtime.compile(copyKernel, { resident: true, specializations: 1 });
    this.states32 = new Float32Array(pop.count * pop.task.dynamics.stateDim);
    this.noise32 = new Float32Array(pop.count);
    this.actions32 = new Float32Array(pop.count);
    this.sigma32 = new Float32Array(pop.count);
    this.agentIdx = new Float32Array(pop.count);
  }

  async beginEpisode(): Promise<void> {
    const pop = this.pop;
    this.sigma32.set(pop.stepState.sigma);
    this.policy = {
      L: await this.toDeviceL.toDevice(pop.actor.L.length, toFloat32(pop.actor.L)),
      R: await this.toDeviceR.toDevice(pop.actor.R.length, toFloat32(pop.actor.R)),
      sigma: await this.toDeviceSigma.toDevice(pop.count, this.sigma32),
    };
  }

  async act(noise: Float64Array, actions: Float64Array): Promise<void> {
    const pop = this.pop;
    const { states, active } = pop.stepState;
    const policy = this.policy;
    if (policy === null) throw new Error("GpuStepper.act before beginEpisode");
    let A = 0;
    for (let p = 0; p < pop.count; p++) if (active[p] === 1) this.agentIdx[A++] = p;
    this.activeCount = A;
    if (A === 0) return;
    // Pad the list to a power of two (repeating an active agent; those outputs are ignored).
    let padded = 1;
    while (padded < A) padded *= 2;
    padded = Math.min(padded, pop.count);
    for (let x = A; x < padded; x++) this.agentIdx[x] = this.agentIdx[0];
    this.paddedCount = padded;
    this.states32.set(states);
    this.noise32.set(noise);
    const clamp = pop.task.actionClamp;
    const out = await this.actKernel.run(
      padded,
      this.agentIdx,
      this.states32,
      this.noise32,
      policy.L,
      policy.R,
      policy.sigma,
      this.grid.low,
      this.grid.range,
      this.grid.steps,
      this.grid.axis,
      this.grid.mult,
      pop.task.dynamics.stateDim,
      pop.actorGrid.stateDim,
      pop.actor.rows,
      pop.actor.cols,
      pop.actor.rank,
      pop.task.sigmoidMean ? 1 : 0,
      clamp ? 1 : 0,
      clamp ? clamp[0] : 0,
      clamp ? clamp[1] : 0,
    );
    for (let x = 0; x < A; x++) actions[this.agentIdx[x]] = out[x];
  }

  /** Steps the agents listed by the preceding {@link act} (the active ones). */
  async envStep(actions: Float64Array, rewards: Float64Array, terminated: Uint8Array): Promise<void> {
    const pop = this.pop;
    const { states } = pop.stepState;
    const S = pop.task.dynamics.stateDim;
    const A = this.activeCount;
    if (A === 0) return;
    this.actions32.set(actions);
    const out = await this.stepKernel.run(
      [S + 2, this.paddedCount],
      this.agentIdx,
      this.states32,
      this.actions32,
    );
    for (let x = 0; x < A; x++) {
      const p = this.agentIdx[x];
      const o = x * (S + 2);
      for (let c = 0; c < S; c++) states[p * S + c] = out[o + c];
      rewards[p] = out[o + S];
      terminated[p] = out[o + S + 1] > 0.5 ? 1 : 0;
    }
  }
}
