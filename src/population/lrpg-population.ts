import { createBackend, type FactorBackend, type GpuMode } from "../factor/backend/index.js";
import { GpuFactorBackend } from "../factor/backend/gpu-backend.js";
import { CpuFactorBackend } from "../factor/backend/cpu-backend.js";
import { Discretizer } from "../lrpg/discretizer.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import { placeParameterGroup } from "../optim/parameter-memory.js";
import type { WasmMemory } from "../wasm/runtime.js";
import { lockstepLayout, type LockstepLayout } from "./update-kernel.js";
import { BatchedGridLowRank } from "../parametrizations/batched-grid-low-rank.js";
import { Rng } from "../random/rng.js";
import { CpuLockstep } from "./cpu-lockstep.js";
import { GpuLockstep } from "./gpu-lockstep.js";
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
  /**
   * cpu backend: run the Box–Muller transform and the env's hoisted sine
   * (`VectorDynamics.hoistedSine`) on WebAssembly f64x2 lanes, and the update as one WebAssembly
   * function over the population's memory (src/population/update-kernel.ts), where the runtime
   * allows (default true). The numbers are the same either way; `false` keeps everything in JS
   * (for tests and benches).
   */
  wasm?: boolean;
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

/** One lockstep episode and its updates on one backend (the cpu's synchronous, the gpu's kernels). */
export interface Lockstep {
  rollout(): void | Promise<void>;
  learn(): void | Promise<void>;
  /** Agent p's action generator in its current state (an independent copy). */
  actionRng(p: number): Rng;
}

/**
 * P independent LRPG agents (REINFORCE with a low-rank critic baseline, docs/lrpg.md) on P copies
 * of a vectorized env, stepping in lockstep: every agent runs its episode e, agents that terminate
 * early sit out until all are done (or hit T), then every agent applies its own per-episode update.
 *
 * The model is two batched parametrizations (src/parametrizations/batched-grid-low-rank.ts): the
 * actors' μ and the critics' V, each P copies of the grid low-rank matrix, with the Gaussian head's
 * ρ_p = log σ_p stored after the actors' factors, so one optimizer step covers [L | R | ρ] of all
 * agents. The update is REINFORCE with baseline (src/pg/reinforce-baseline.ts) per agent, through the
 * shared pieces: `discountedReturns`, the Gaussian head's `gaussianActorLoss`, `valueLoss`, the
 * parametrizations' backward, torch's Adam.
 *
 * Seeding, the same as a single run (`executeRun` in src/runner/run.ts): agent p draws its
 * initialisation from `rng = new Rng(seeds[p])` (actor L, actor R, critic L, critic R, in the
 * reference's order), then `envRng = rng.fork()` drives every env reset, and `rng` samples every
 * action (one normal per step). Ranks K_p < K_max are zero-padded columns, which stay exactly zero,
 * so on the cpu backend agent p's returns are bit-identical to the single run; on a gpu backend
 * they agree within float32 rounding (the trajectories drift apart once a float32 difference flips
 * an action's grid cell).
 *
 * The cpu backend runs an episode and its update synchronously ({@link CpuLockstep},
 * {@link trainEpisodeSync}); the gpu backend runs one policy and one env kernel per step and the
 * update's gathers, gradients and Adam as batched kernels ({@link GpuLockstep}).
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
  /** μ of every agent. */
  readonly actor: BatchedGridLowRank;
  /** V of every agent. */
  readonly critic: BatchedGridLowRank;
  /** [actor L | actor R | ρ] of all agents: what the actor's optimizer steps. */
  readonly actorParameter: Parameter;
  /** ρ_p = log σ_p (a view into actorParameter) and σ_p = exp(ρ_p). */
  readonly logSigma: Float64Array;
  readonly sigma: Float64Array;
  /** Episodes completed (= the Adam step count). */
  episodesDone = 0;
  /** Env steps taken by all agents so far. */
  totalSteps = 0;
  /** Each agent's env generator (one draw sequence per reset) and action generator. */
  readonly envRngs: readonly Rng[];
  readonly rngs: readonly Rng[];
  /** Per agent: steps of the current episode; per (agent, step) q = p·T + t: action and reward. */
  readonly lengths: Int32Array;
  readonly actions: Float64Array;
  readonly rewards: Float64Array;
  /** Per agent: the undiscounted return of the current episode (Σ_t r_t, t ascending). */
  readonly returns: Float64Array;
  /** Per agent: the losses of the last update. */
  readonly lossActor: Float64Array;
  readonly lossCritic: Float64Array;
  private readonly engine: Lockstep;
  private readonly ownsBackend: boolean;
  /** See {@link LrpgPopulationOptions.wasm}. */
  readonly wasm: boolean;
  /**
   * cpu backend with `wasm`: the memory holding both parametrizations' factors and gradients and,
   * at `layout`, the lockstep's records (`actions` and `rewards` are views of them); else null.
   */
  readonly records: { readonly memory: WasmMemory; readonly layout: LockstepLayout } | null;

  private constructor(
    task: PopulationTask,
    seeds: readonly number[],
    ranks: Int32Array,
    maxSteps: number,
    backend: FactorBackend,
    ownsBackend: boolean,
    wasm: boolean,
  ) {
    const P = seeds.length;
    this.wasm = wasm;
    this.task = task;
    this.ownsBackend = ownsBackend;
    this.count = P;
    this.seeds = [...seeds];
    this.ranks = ranks;
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
    const K = ranks.reduce((a, b) => (b > a ? b : a), 1);
    this.maxRank = K;
    const nActor = P * (this.actorGrid.rows + this.actorGrid.cols) * K;
    const nCritic = P * (this.criticGrid.rows + this.criticGrid.cols) * K;
    const T = maxSteps;
    // On the cpu backend with `wasm`, both parametrizations and the records share one memory, so
    // the update kernel reaches all of them.
    const group =
      wasm && backend instanceof CpuFactorBackend
        ? placeParameterGroup([nActor + P, nCritic], lockstepLayout(P, T).bytes)
        : null;
    this.records =
      group === null ? null : { memory: group.memory, layout: lockstepLayout(P, T, group.extraPtr) };
    const [actorStore, criticStore] = group?.parameters ?? [];
    this.actorParameter =
      actorStore === undefined
        ? makeParameter("actor", [nActor + P])
        : { name: "actor", shape: [nActor + P], ...actorStore };
    const criticParameter: Parameter | undefined =
      criticStore === undefined ? undefined : { name: "value", shape: [nCritic], ...criticStore };
    this.actor = new BatchedGridLowRank(this.actorGrid, ranks, "mu", this.actorParameter);
    this.critic = new BatchedGridLowRank(this.criticGrid, ranks, "value", criticParameter);
    this.logSigma = this.actorParameter.data.subarray(nActor);
    this.sigma = new Float64Array(P);
    // Initialisation, agent by agent, exactly as LrpgAgent({ rng }) followed by rng.fork().
    const rngs: Rng[] = [];
    const envRngs: Rng[] = [];
    for (let p = 0; p < P; p++) {
      const rng = new Rng(seeds[p]);
      this.actor.init(p, rng);
      this.critic.init(p, rng);
      this.logSigma[p] = task.logSigmaInit;
      envRngs.push(rng.fork());
      rngs.push(rng);
    }
    this.rngs = rngs;
    this.envRngs = envRngs;
    this.lengths = new Int32Array(P);
    const records = this.records;
    this.actions =
      records === null
        ? new Float64Array(P * T)
        : new Float64Array(records.memory.buffer, records.layout.action, P * T);
    this.rewards =
      records === null
        ? new Float64Array(P * T)
        : new Float64Array(records.memory.buffer, records.layout.reward, P * T);
    this.returns = new Float64Array(P);
    this.lossActor = new Float64Array(P);
    this.lossCritic = new Float64Array(P);
    if (backend instanceof CpuFactorBackend) this.engine = new CpuLockstep(this);
    else if (backend instanceof GpuFactorBackend) {
      // float32 from the start: the values the gpu's parameters hold after every kernel call.
      for (const a of [this.actorParameter.data, this.critic.parameter.data])
        for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i]);
      this.engine = new GpuLockstep(this, backend.runtime);
    } else
      throw new TypeError(
        `backend must be the cpu or the gpu backend (createBackend("cpu" | "gpu")), got ${backend.kind}`,
      );
    this.refreshSigma();
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
    if (typeof ranksIn !== "number" && ranksIn.length !== P)
      throw new RangeError(`ranks must be one integer or one per seed (${P}), got ${ranksIn.length} values`);
    const rankList = typeof ranksIn === "number" ? [ranksIn] : ranksIn;
    rankList.forEach((k, p) => {
      if (!Number.isInteger(k) || k < 1)
        throw new RangeError(`ranks[${p}] must be an integer >= 1, got ${k}`);
    });
    const ranks = typeof ranksIn === "number" ? new Int32Array(P).fill(ranksIn) : Int32Array.from(ranksIn);
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
    const wasm = options.wasm ?? true;
    if (typeof wasm !== "boolean") throw new TypeError(`wasm must be true or false, got ${String(wasm)}`);
    return new LrpgPopulation(task, seeds, ranks, maxSteps, backend, typeof b === "string", wasm);
  }

  /** Agent p's parameters in the single agent's layout (L N×K_p, R M×K_p), for checks and export. */
  agentParameters(
    p: number,
  ): Record<"actorL" | "actorR" | "criticL" | "criticR", Float64Array> & { logSigma: number } {
    this.checkAgent(p);
    const actor = this.actor.agentFactors(p);
    const critic = this.critic.agentFactors(p);
    return {
      actorL: actor.L,
      actorR: actor.R,
      criticL: critic.L,
      criticR: critic.R,
      logSigma: this.logSigma[p],
    };
  }

  /** Runs one lockstep episode of every agent, then every agent's update. */
  async trainEpisode(): Promise<PopulationEpisode> {
    await this.engine.rollout();
    await this.engine.learn();
    return this.endEpisode();
  }

  /**
   * {@link trainEpisode} without a promise, on the cpu backend (the whole episode and its updates
   * run synchronously); the gpu backend throws (its kernels are asynchronous).
   */
  trainEpisodeSync(): PopulationEpisode {
    const cpu = this.engine;
    if (!(cpu instanceof CpuLockstep))
      throw new TypeError(
        `trainEpisodeSync needs the cpu backend (this population runs on ${this.backend.kind})`,
      );
    cpu.rollout();
    cpu.learn();
    return this.endEpisode();
  }

  /** Agent p's action generator in its current state (an independent copy). */
  actionRng(p: number): Rng {
    return this.engine.actionRng(this.checkAgent(p));
  }

  /** σ_p = exp(ρ_p), after every change of ρ. */
  refreshSigma(): void {
    for (let p = 0; p < this.count; p++) this.sigma[p] = Math.exp(this.logSigma[p]);
  }

  /** Releases the backend when the population opened it (a backend passed in stays open). */
  async dispose(): Promise<void> {
    if (this.ownsBackend) await this.backend.dispose();
  }

  private endEpisode(): PopulationEpisode {
    let steps = 0;
    for (let p = 0; p < this.count; p++) steps += this.lengths[p];
    this.totalSteps += steps;
    const episode = this.episodesDone;
    this.episodesDone++;
    return {
      episode,
      returns: Float64Array.from(this.returns),
      lengths: Int32Array.from(this.lengths),
      steps,
      lossActor: Float64Array.from(this.lossActor),
      lossCritic: Float64Array.from(this.lossCritic),
    };
  }

  private checkAgent(p: number): number {
    if (!Number.isInteger(p) || p < 0 || p >= this.count)
      throw new RangeError(`agent index must be an integer in [0, ${this.count - 1}], got ${p}`);
    return p;
  }
}
