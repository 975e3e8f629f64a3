import type { Env } from "../envs/env.js";
import type { LowRankMatrix } from "../factor/low-rank-matrix.js";
import { GaussianHead, softplusInverse } from "../heads/gaussian.js";
import type { Parameter } from "../optim/parameter.js";
import { GridLowRank, fillReferenceOrder } from "../parametrizations/grid-low-rank.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import { StackedParametrization } from "../parametrizations/stack.js";
import type { GaussianPolicyAgent, ParameterCount } from "../pg/agent.js";
import { ComposedAgent, checkAgentRates } from "../pg/composed-agent.js";
import { ReinforceWithBaseline } from "../pg/reinforce-baseline.js";
import { Rng } from "../random/rng.js";
import { Discretizer, type DiscretizerOptions } from "./discretizer.js";
import { FusedLrpgEpisodes } from "./fused-rollout.js";

/** How σ is parametrised. */
export type SigmaOptions =
  | {
      /** The reference: one state-independent σ = exp(ρ), ρ learned by the actor's Adam. */
      kind: "scalar";
      /** ρ₀ = log σ₀ (reference: 1, i.e. σ₀ = e). */
      logSigmaInit?: number;
    }
  | {
      /**
       * Beyond the reference: σ(s) = φ([L_σ R_σᵀ]_{i(s), j(s)}) on the actor's grid, φ a positive map
       * (exp or softplus), with its own rank, initialised so that σ₀(s) = `sigmaInit` everywhere
       * (its only random draws come after the actor's and critic's, which are unchanged).
       */
      kind: "low-rank";
      rank: number;
      map?: "exp" | "softplus";
      /** σ₀ at every cell (default e, as the reference's scalar). */
      sigmaInit?: number;
    };

export interface LrpgAgentOptions {
  /** Grid of the actor (and of the σ matrix): rows and columns of μ's matrix. */
  actorGrid: Discretizer | DiscretizerOptions;
  /** Grid of the critic (the reference's pendulum uses a finer one). */
  criticGrid: Discretizer | DiscretizerOptions;
  /** K, the rank of the actor and critic factorisations (integer ≥ 1). */
  rank: number;
  /** Rank of the critic when it differs from the actor's (default `rank`). */
  criticRank?: number;
  /** Adam learning rate of L_μ, R_μ and σ's parameters. */
  lrActor: number;
  /** Adam learning rate of the critic. */
  lrCritic: number;
  /** Discount γ of the Monte-Carlo returns, in [0, 1]. */
  gamma: number;
  /** μ = sigmoid([L Rᵀ]_{ij}) (the reference's rocket, `bool_output=True`). Default false. */
  sigmoidMean?: boolean;
  /**
   * Clamp the sampled action to [lo, hi] before it is stored, sent to the env and used in the
   * log-prob (the reference's rocket: [0, 1]). Default: none (the raw sample, the env clips).
   */
  actionClamp?: readonly [number, number];
  /** σ parametrisation; default the reference's scalar with log σ₀ = 1. */
  sigma?: SigmaOptions;
  /** Std of the N(0, s²) init of every factor entry (reference 1). */
  initScale?: number;
  /** Generator for the init draws (order mu.L, mu.R, value.L, value.R, each in the reference's layout). */
  rng?: Rng;
  /** Seed of a fresh generator for the init when `rng` is not given. */
  seed?: number;
}

/** A grid from options, or the given one. */
export function toDiscretizer(grid: Discretizer | DiscretizerOptions): Discretizer {
  return grid instanceof Discretizer ? grid : new Discretizer(grid);
}

/** Throws unless `k` is an integer ≥ 1. */
export function checkRank(owner: string, name: string, k: number): void {
  if (!Number.isInteger(k) || k < 1)
    throw new RangeError(`${owner}: ${name} must be an integer >= 1, got ${k}`);
}

/**
 * LRPG (Rozada & Marques, ICASSP 2023) as its official code runs it: a {@link GridLowRank} μ on
 * the actor grid, z = [L_μ R_μᵀ]_{i(s), j(s)}, a {@link GaussianHead} (μ = z or sigmoid(z), scalar
 * σ = exp ρ or a second low-rank matrix on the same grid through φ), a {@link GridLowRank} critic on
 * its own grid, trained by REINFORCE with the critic as a Monte-Carlo baseline
 * ({@link ReinforceWithBaseline}). Gradients and derivation: docs/lrpg.md.
 */
export class LrpgAgent
  extends ComposedAgent<GaussianHead, Parametrization, GridLowRank>
  implements GaussianPolicyAgent
{
  readonly actionKind = "continuous" as const;
  readonly actorGrid: Discretizer;
  readonly criticGrid: Discretizer;
  /** μ's pre-activation matrix Z = L_μ R_μᵀ (parameters `mu.L`, `mu.R`). */
  readonly mu: LowRankMatrix;
  /** ρ = log σ when σ is a scalar (parameter `log_sigma`), else null. */
  readonly logSigma: Parameter | null;
  /** σ's pre-activation matrix when σ is low-rank (parameters `sigma.L`, `sigma.R`), else null. */
  readonly sigmaMatrix: LowRankMatrix | null;
  readonly sigmoidMean: boolean;
  readonly actionClamp: readonly [number, number] | null;

  constructor(options: LrpgAgentOptions) {
    const owner = "LrpgAgent";
    const { rank, lrActor, lrCritic, gamma } = options;
    checkRank(owner, "rank", rank);
    const criticRank = options.criticRank ?? rank;
    checkRank(owner, "criticRank", criticRank);
    checkAgentRates(owner, lrActor, lrCritic, gamma);
    const initScale = options.initScale ?? 1;
    if (!(initScale >= 0 && Number.isFinite(initScale)))
      throw new RangeError(`${owner}: initScale must be a finite number >= 0, got ${initScale}`);
    const actorGrid = toDiscretizer(options.actorGrid);
    const criticGrid = toDiscretizer(options.criticGrid);
    if (actorGrid.stateDim !== criticGrid.stateDim)
      throw new RangeError(
        `${owner}: actorGrid has ${actorGrid.stateDim} state dimensions but criticGrid has ${criticGrid.stateDim}`,
      );
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const mu = new GridLowRank(actorGrid, rank, "mu");
    fillReferenceOrder(mu.matrix, rng, initScale);
    const critic = new GridLowRank(criticGrid, criticRank, "value");
    fillReferenceOrder(critic.matrix, rng, initScale);
    const headOptions = { sigmoidMean: options.sigmoidMean ?? false, actionClamp: options.actionClamp };
    const sigma = options.sigma ?? { kind: "scalar" };
    let sigmaPart: GridLowRank | null = null;
    let head: GaussianHead;
    if (sigma.kind === "scalar") {
      const rho = sigma.logSigmaInit ?? 1;
      if (!Number.isFinite(rho))
        throw new RangeError(`${owner}: sigma.logSigmaInit must be finite, got ${rho}`);
      head = new GaussianHead({ ...headOptions, sigma: { kind: "scalar", logSigmaInit: rho } }, owner);
    } else if (sigma.kind === "low-rank") {
      checkRank(owner, "sigma.rank", sigma.rank);
      const map = sigma.map ?? "exp";
      if (map !== "exp" && map !== "softplus")
        throw new RangeError(`${owner}: sigma.map must be "exp" or "softplus", got ${String(map)}`);
      const s0 = sigma.sigmaInit ?? Math.E;
      if (!(s0 > 0 && Number.isFinite(s0)))
        throw new RangeError(`${owner}: sigma.sigmaInit must be a finite number > 0, got ${s0}`);
      sigmaPart = new GridLowRank(actorGrid, sigma.rank, "sigma");
      initConstant(sigmaPart.matrix, map === "exp" ? Math.log(s0) : softplusInverse(s0), rng);
      head = new GaussianHead({ ...headOptions, sigma: { kind: "state", map } }, owner);
    } else {
      throw new RangeError(`${owner}: sigma.kind must be "scalar" or "low-rank"`);
    }
    super({
      owner,
      actor: sigmaPart ? new StackedParametrization([mu, sigmaPart]) : mu,
      head,
      critic,
      lrActor,
      lrCritic,
      gamma,
      stateDict: [
        ...mu.stateDictEntries(),
        ...critic.stateDictEntries(),
        ...(sigmaPart ? sigmaPart.stateDictEntries() : head.stateDictEntries()),
      ],
    });
    this.actorGrid = actorGrid;
    this.criticGrid = criticGrid;
    this.mu = mu.matrix;
    this.sigmaMatrix = sigmaPart ? sigmaPart.matrix : null;
    this.logSigma = head.logSigma;
    this.sigmoidMean = head.sigmoidMean;
    this.actionClamp = head.actionClamp;
  }

  override get parameterCount(): ParameterCount {
    const actor = this.mu.parameterCount;
    const critic = this.critic.parameterCount;
    const sigma = this.sigmaMatrix ? this.sigmaMatrix.parameterCount : 1;
    const stateSigma = this.sigmaMatrix ? sigma : 0;
    return { actor, critic, sigma, total: actor + critic + stateSigma, trained: actor + critic + sigma };
  }

  mean(state: ArrayLike<number>): number {
    return this.head.mean(this.forwardActor(state), 0);
  }

  sigma(state: ArrayLike<number>): number {
    return this.head.sigma(this.forwardActor(state), 0);
  }

  /**
   * The fused episode loop ({@link FusedLrpgEpisodes}, bit-identical to `runEpisode` + `learn`) for
   * a scalar σ on an unwrapped LRPG/Pendulum, LRPG/Acrobot or LRPG/Rocket; null otherwise (and for
   * subclasses, which may override `act` or `learn`).
   */
  fusedEpisodes(env: Env): FusedLrpgEpisodes | null {
    if (Object.getPrototypeOf(this) !== LrpgAgent.prototype || this.sigmaMatrix !== null) return null;
    if (!(this.rule instanceof ReinforceWithBaseline) || !(this.actor instanceof GridLowRank)) return null;
    return FusedLrpgEpisodes.create(
      {
        actor: this.actor,
        critic: this.critic,
        head: this.head,
        actorOptimizer: this.actorOptimizer,
        criticOptimizer: this.criticOptimizer,
        gamma: this.gamma,
      },
      env,
    );
  }
}

/**
 * Sets X = L Rᵀ to the constant z0 with a full-rank start: component 0 carries the constant
 * (ℓ_i[0] = √|z0|, r_j[0] = ±√|z0|); components k ≥ 1 start with ℓ_i[k] ~ N(0, 0.1²) and r_j[k] = 0,
 * so X is still exactly z0, but ∇r_j[k] = g·ℓ_i[k] differs between components (not stuck at rank 1).
 */
function initConstant(m: LowRankMatrix, z0: number, rng: Rng): void {
  const K = m.rank;
  const c = Math.sqrt(Math.abs(z0));
  for (let i = 0; i < m.rows; i++) {
    m.L.data[i * K] = c;
    for (let k = 1; k < K; k++) m.L.data[i * K + k] = 0.1 * rng.normal();
  }
  for (let j = 0; j < m.cols; j++) m.R.data[j * K] = z0 >= 0 ? c : -c;
}
