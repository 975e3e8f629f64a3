import type { PolicyHead } from "../heads/head.js";
import { Adam } from "../optim/adam.js";
import { Lbfgs, type LbfgsOptions, type LbfgsState } from "../optim/lbfgs.js";
import type { Optimizer, OptimizerState } from "../optim/optimizer.js";
import type { Parameter } from "../optim/parameter.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import {
  checkTransitionBatch,
  type BatchUpdateResult,
  type BatchUpdateRule,
  type BatchUpdateRuleFactory,
  type TransitionBatch,
} from "./batch-update.js";
import { gaeAdvantages, standardize } from "./gae.js";
import { ppoGaussianEpoch, ppoSurrogate, type ScalarGaussianHead } from "./ppo.js";
import type { ActorCriticParts } from "./reinforce-baseline.js";

/**
 * The critic's regression on the returns: `lbfgs` = one L-BFGS step (torch's, strong Wolfe) per
 * critic call with its history kept across calls and updates, as the reference; `optimizer` =
 * `epochs` full-batch steps of the parts' critic optimizer (Adam or SGD).
 */
export type CriticFit =
  | {
      kind: "lbfgs";
      options?: LbfgsOptions;
      /** Skip the gradient (leave it 0) when the loss exceeds this: the reference's REINFORCE/TRPO guard 1e10. */
      skipGradientAbove?: number;
    }
  | { kind: "optimizer"; epochs?: number };

/**
 * Block-coordinate ("bcd") semantics. `reference`: each block call zeroes the other blocks'
 * gradients after backward but steps the one shared optimizer (Adam keeps moving the other
 * blocks through its moments; the one L-BFGS history spans all blocks), as the LRPG authors'
 * code. `strict`: each block has its own optimizer over its own parameters only (its own
 * L-BFGS history; an Adam with the side's learning rate for a first-order fit and the actor).
 */
export type BlockMode = "reference" | "strict";

/** What an observer sees after each critic call (views valid during the call only). */
export interface CriticCallInfo {
  block: number | null;
  /** V(s_i) before this call's fit (what GAE used). */
  values: Float64Array;
  returns: Float64Array;
  rawAdvantages: Float64Array;
  /** Â (standardized): what the actor receives from the last call; writing it replaces them (teacher forcing in tests). */
  advantages: Float64Array;
  /** Every loss the fit evaluated, in order (L-BFGS closures, or each epoch's loss). */
  losses: number[];
}

/** What an observer sees after each actor epoch's optimizer step (parameters and gradients are read from the parts). */
export interface ActorEpochInfo {
  block: number | null;
  epoch: number;
  /** log π(a_i|s_i) at the parameters before this epoch's step. */
  logProbs: Float64Array;
  loss: number;
}

export interface ActorCriticObserver {
  criticCall?(info: CriticCallInfo): void;
  actorEpoch?(info: ActorEpochInfo): void;
}

export interface ActorCriticOptions {
  /** GAE λ (the reference's τ), in [0, 1]. */
  tau: number;
  /** Full-batch actor epochs per update (default 10). */
  epochs?: number;
  /** PPO's clip ε in (0, 1): the clipped surrogate; omitted: the advantage-weighted log-likelihood. */
  clip?: number;
  /** Standardize the advantages (default true, as the reference). */
  standardizeAdvantages?: boolean;
  /** Critic fit (default L-BFGS with the reference's settings: maxIter 25, history 100, strong Wolfe). */
  critic?: CriticFit;
  /** Critic blocks, one critic call each, in order (default: one joint call). */
  criticBlocks?: readonly (readonly Parameter[])[] | null;
  /** Actor blocks (default: one joint call); parameters of the actor optimizer. */
  actorBlocks?: readonly (readonly Parameter[])[] | null;
  /** How blocks share optimizers (default "reference"). */
  blockMode?: BlockMode;
  observer?: ActorCriticObserver;
}

/** {@link GaeActorCritic.getState}'s output (plain JSON). */
export interface GaeActorCriticState {
  lbfgs: LbfgsState[];
  actorBlocks: OptimizerState[];
  criticBlocks: OptimizerState[];
}

/** The L-BFGS settings of the tensor-low-rank reference critic. */
export const REFERENCE_CRITIC_LBFGS: LbfgsOptions = {
  lr: 1,
  maxIter: 25,
  historySize: 100,
  lineSearch: "strongWolfe",
};

/**
 * Adds Σ_t c_t ∂log π(a_t|z_t)/∂θ for per-step weights c_t = ∂L/∂log π_t, through the head's
 * REINFORCE loss (its gradient is (w_t/T)·∂(−log π_t)/∂z with w_t = −T·c_t) and the actor's
 * backward. Any surrogate that depends on the parameters only through log π (PPO, TRPO) uses it.
 */
export function backpropLogProbs(
  parts: Pick<ActorCriticParts, "actor" | "head">,
  z: Float64Array,
  actions: Float64Array,
  c: Float64Array,
  T: number,
  scratch: { w: Float64Array; gradZ: Float64Array },
): void {
  const { w, gradZ } = scratch;
  for (let t = 0; t < T; t++) w[t] = -T * c[t];
  parts.head.actorLoss(z, actions, w, T, gradZ);
  parts.actor.backwardBatch(gradZ);
}

/** A head that evaluates a batch's log-probs at once (the Gaussian head), the numbers of its `logProb`. */
interface BatchLogProbs {
  logProbs(z: Float64Array, actions: Float64Array, T: number, out: Float64Array): Float64Array;
}

/** log π(a_t | z_t) for t < T into `out`. */
export function headLogProbs(
  head: PolicyHead,
  z: Float64Array,
  actions: Float64Array,
  T: number,
  out: Float64Array,
): Float64Array {
  const batched = (head as PolicyHead & Partial<BatchLogProbs>).logProbs;
  if (typeof batched === "function") return batched.call(head, z, actions, T, out);
  const D = head.inputDim;
  for (let t = 0; t < T; t++) out[t] = head.logProb(z, t * D, actions[t]);
  return out;
}

/**
 * Actor-critic over a multi-episode batch (the tensor-low-rank reference's "REINFORCE" and PPO,
 * docs/tensor-pg.md). Per update:
 *   1. per critic block: V_i = V_φ(s_i); GAE(γ, τ) gives R_i and A_i (standardized: Â_i);
 *      fit V_φ to R (mean (V_i − R_i)²) by L-BFGS or the critic optimizer;
 *   2. per actor block, `epochs` full-batch steps of the actor optimizer on, with the Â of the
 *      last critic call,
 *        REINFORCE: L = (1/N) Σ −Â_i log π_i,
 *        PPO:       L = −(1/N) Σ min(ρ_i Â_i, clip(ρ_i, 1 − ε, 1 + ε) Â_i),  ρ_i = exp(log π_i − log π_old,i),
 *      log π_old from the batch (or the parameters before the update).
 */
export class GaeActorCritic implements BatchUpdateRule {
  readonly parts: ActorCriticParts;
  readonly gamma: number;
  readonly tau: number;
  readonly epochs: number;
  readonly clip: number | null;
  readonly standardizeAdvantages: boolean;
  readonly critic: CriticFit;
  readonly blockMode: BlockMode;
  private readonly criticBlocks: readonly (readonly Parameter[])[] | null;
  private readonly actorBlocks: readonly (readonly Parameter[])[] | null;
  private readonly observer: ActorCriticObserver | undefined;
  /** Reference mode: one L-BFGS over all critic parameters; strict: one per block. */
  private readonly lbfgs: Lbfgs[] = [];
  /** Strict mode: one Adam per actor block. */
  private readonly blockOptimizers: Optimizer[] = [];
  /** Strict mode with a first-order critic fit: one Adam per critic block (the critic optimizer's lr). */
  private readonly criticBlockOptimizers: Optimizer[] = [];
  private buf = {
    V: new Float64Array(0),
    Vfit: new Float64Array(0),
    R: new Float64Array(0),
    A: new Float64Array(0),
    Adv: new Float64Array(0),
    lpOld: new Float64Array(0),
    lp: new Float64Array(0),
    c: new Float64Array(0),
    w: new Float64Array(0),
    Z: new Float64Array(0),
    gradZ: new Float64Array(0),
    gradV: new Float64Array(0),
    boot: new Float64Array(0),
  };

  constructor(parts: ActorCriticParts, gamma: number, options: ActorCriticOptions) {
    const who = "GaeActorCritic";
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${who}: gamma must be in [0, 1], got ${gamma}`);
    const { tau } = options;
    if (!(tau >= 0 && tau <= 1)) throw new RangeError(`${who}: tau (GAE λ) must be in [0, 1], got ${tau}`);
    const epochs = options.epochs ?? 10;
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new RangeError(`${who}: epochs must be an integer >= 1, got ${epochs}`);
    const clip = options.clip ?? null;
    if (clip !== null && !(clip > 0 && clip < 1))
      throw new RangeError(`${who}: clip (PPO ε) must be in (0, 1), got ${clip}`);
    if (parts.critic.outputDim !== 1)
      throw new RangeError(`${who}: the critic must have 1 output, got ${parts.critic.outputDim}`);
    this.parts = parts;
    this.gamma = gamma;
    this.tau = tau;
    this.epochs = epochs;
    this.clip = clip;
    this.standardizeAdvantages = options.standardizeAdvantages ?? true;
    this.critic = options.critic ?? { kind: "lbfgs", options: REFERENCE_CRITIC_LBFGS };
    if (this.critic.kind === "optimizer") {
      const e = this.critic.epochs ?? 1;
      if (!Number.isInteger(e) || e < 1)
        throw new RangeError(`${who}: critic.epochs must be an integer >= 1, got ${e}`);
    }
    this.blockMode = options.blockMode ?? "reference";
    if (this.blockMode !== "reference" && this.blockMode !== "strict")
      throw new RangeError(
        `${who}: blockMode must be "reference" or "strict", got ${String(this.blockMode)}`,
      );
    const criticParams = new Set(parts.critic.parameters);
    const actorParams = new Set(parts.actorOptimizer.params);
    this.criticBlocks = checkBlocks(options.criticBlocks ?? null, criticParams, `${who}: criticBlocks`);
    this.actorBlocks = checkBlocks(options.actorBlocks ?? null, actorParams, `${who}: actorBlocks`);
    this.observer = options.observer;
    if (this.critic.kind === "lbfgs") {
      const lb = this.critic.options ?? REFERENCE_CRITIC_LBFGS;
      if (this.blockMode === "strict" && this.criticBlocks)
        for (const b of this.criticBlocks) this.lbfgs.push(new Lbfgs(b, lb));
      else this.lbfgs.push(new Lbfgs(parts.critic.parameters, lb));
    }
    if (this.critic.kind === "optimizer" && this.blockMode === "strict" && this.criticBlocks)
      for (const b of this.criticBlocks)
        this.criticBlockOptimizers.push(new Adam(b, { lr: parts.criticOptimizer.lr }));
    if (this.blockMode === "strict" && this.actorBlocks)
      for (const b of this.actorBlocks)
        this.blockOptimizers.push(new Adam(b, { lr: parts.actorOptimizer.lr }));
  }

  /**
   * What the rule keeps across updates besides the parts' optimizers (for checkpoints): the
   * critic's L-BFGS state(s) and, in strict block mode, the per-block Adam states.
   */
  getState(): GaeActorCriticState {
    return {
      lbfgs: this.lbfgs.map((o) => o.getState()),
      actorBlocks: this.blockOptimizers.map((o) => o.getState()),
      criticBlocks: this.criticBlockOptimizers.map((o) => o.getState()),
    };
  }

  setState(state: GaeActorCriticState): void {
    const who = "GaeActorCritic.setState";
    const counts: [string, number, number][] = [
      ["lbfgs", state?.lbfgs?.length, this.lbfgs.length],
      ["actorBlocks", state?.actorBlocks?.length, this.blockOptimizers.length],
      ["criticBlocks", state?.criticBlocks?.length, this.criticBlockOptimizers.length],
    ];
    for (const [name, got, want] of counts)
      if (got !== want) throw new RangeError(`${who}: ${name} must hold ${want} states, got ${got}`);
    this.lbfgs.forEach((o, k) => o.setState(state.lbfgs[k]));
    this.blockOptimizers.forEach((o, k) => o.setState(state.actorBlocks[k]));
    this.criticBlockOptimizers.forEach((o, k) => o.setState(state.criticBlocks[k]));
  }

  /** The critic's L-BFGS optimizers (one, or one per block in strict mode). */
  get criticLbfgs(): readonly Lbfgs[] {
    return this.lbfgs;
  }

  private ensure(N: number, D: number, E: number): void {
    const b = this.buf;
    if (b.V.length < N) {
      const n = Math.max(N, 2 * b.V.length);
      for (const k of ["V", "Vfit", "R", "A", "Adv", "lpOld", "lp", "c", "w", "gradV"] as const)
        b[k] = new Float64Array(n);
    }
    if (b.Z.length < N * D) {
      b.Z = new Float64Array(Math.max(N * D, 2 * b.Z.length));
      b.gradZ = new Float64Array(b.Z.length);
    }
    if (b.boot.length < E) b.boot = new Float64Array(Math.max(E, 2 * b.boot.length));
  }

  update(batch: TransitionBatch): BatchUpdateResult {
    checkTransitionBatch(batch, "GaeActorCritic.update");
    const { actor, head } = this.parts;
    const N = batch.length;
    const E = batch.episodeCount;
    const D = head.inputDim;
    if (batch.stateDim !== actor.inputDim)
      throw new RangeError(
        `GaeActorCritic.update: batch states have ${batch.stateDim} numbers, the actor reads ${actor.inputDim}`,
      );
    if (this.standardizeAdvantages && N < 2)
      throw new RangeError(`GaeActorCritic.update: standardized advantages need >= 2 transitions, got ${N}`);
    this.ensure(N, D, E);
    const b = this.buf;
    head.checkActions(batch.actions, N);
    // log π_old: given, or the current (= sampling) policy's.
    if (batch.logProbs) b.lpOld.set(batch.logProbs.subarray(0, N));
    else {
      actor.forwardBatch(batch.states, N, b.Z);
      headLogProbs(head, b.Z, batch.actions, N, b.lpOld);
    }

    let lossCritic = NaN;
    const blocks = this.criticBlocks ?? [null];
    blocks.forEach((block, k) => {
      const losses = this.criticCall(batch, block, k);
      if (k === 0) lossCritic = losses[0];
      this.observer?.criticCall?.({
        block: block === null ? null : k,
        values: b.V.subarray(0, N),
        returns: b.R.subarray(0, N),
        rawAdvantages: b.A.subarray(0, N),
        advantages: b.Adv.subarray(0, N),
        losses,
      });
    });

    let lossActor = NaN;
    const actorBlocks = this.actorBlocks ?? [null];
    actorBlocks.forEach((block, k) => {
      const loss = this.actorCall(batch, block, k);
      if (k === 0) lossActor = loss;
    });
    return { lossActor, lossCritic };
  }

  /** One critic call: values, GAE, standardization, then the fit. Returns the fit's losses. */
  private criticCall(batch: TransitionBatch, block: readonly Parameter[] | null, k: number): number[] {
    const { critic } = this.parts;
    const b = this.buf;
    const N = batch.length;
    const E = batch.episodeCount;
    let anyCut = false;
    for (let e = 0; e < E; e++) if (!batch.terminated[e]) anyCut = true;
    // the bootstrap states first, so that the batch the fit re-evaluates stays the kept one
    if (anyCut) critic.forwardBatch(batch.finalStates, E, b.boot);
    // the update's first critic call checks the states; later blocks reuse the kept batch
    if (k === 0) critic.forwardBatch(batch.states, N, b.V);
    else forwardSame(critic, batch.states, N, b.V);
    gaeAdvantages(batch, b.V, anyCut ? b.boot : null, this.gamma, this.tau, b.R, b.A);
    if (this.standardizeAdvantages) standardize(b.A, N, b.Adv);
    else b.Adv.set(b.A.subarray(0, N));

    const params = critic.parameters;
    const only = block ? new Set(block) : null;
    const zeroOthers = (): void => {
      if (block) for (const p of params) if (!block.includes(p)) p.grad.fill(0);
    };
    const losses: number[] = [];
    const fit = sameBatchFit(critic);
    const evaluate = (skipAbove: number): number => {
      for (const p of params) p.grad.fill(0);
      if (fit !== null) {
        // one sweep: the same sum, and the gradient unless the guard rules it out
        const loss = fit.squaredErrorSameBatch(batch.states, N, b.R, 2 / N, only) / N;
        losses.push(loss);
        if (Math.abs(loss) > skipAbove) for (const p of params) p.grad.fill(0);
        else zeroOthers();
        return loss;
      }
      critic.forwardBatch(batch.states, N, b.Vfit);
      let sum = 0;
      for (let i = 0; i < N; i++) {
        const e = b.Vfit[i] - b.R[i];
        sum += e * e;
      }
      const loss = sum / N;
      losses.push(loss);
      if (Math.abs(loss) > skipAbove) return loss;
      const norm = 2 / N;
      for (let i = 0; i < N; i++) b.gradV[i] = norm * (b.Vfit[i] - b.R[i]);
      backwardFor(critic, b.gradV, only);
      zeroOthers();
      return loss;
    };
    if (this.critic.kind === "lbfgs") {
      const skip = this.critic.skipGradientAbove ?? Infinity;
      const opt = this.lbfgs.length > 1 ? this.lbfgs[k] : this.lbfgs[0];
      opt.step(() => evaluate(skip));
    } else {
      const opt =
        this.criticBlockOptimizers.length > 0 ? this.criticBlockOptimizers[k] : this.parts.criticOptimizer;
      for (let e = 0; e < (this.critic.epochs ?? 1); e++) {
        evaluate(Infinity);
        opt.step();
      }
    }
    return losses;
  }

  /** One actor call of `epochs` steps; returns the first epoch's loss. */
  private actorCall(batch: TransitionBatch, block: readonly Parameter[] | null, k: number): number {
    const { actor, head, actorOptimizer } = this.parts;
    const b = this.buf;
    const N = batch.length;
    const opt = this.blockOptimizers.length > 0 ? this.blockOptimizers[k] : actorOptimizer;
    const all = actorOptimizer.params;
    const only = block ? new Set(block) : null;
    let first = NaN;
    // log π is read by PPO's surrogate and the observer only
    const fusedPpo = this.clip !== null ? scalarGaussian(head) : null;
    const cells = distinctOutputs(actor);
    const needLp = (this.clip !== null && fusedPpo === null) || this.observer?.actorEpoch !== undefined;
    for (let epoch = 0; epoch < this.epochs; epoch++) {
      actorOptimizer.zeroGrad();
      // the batch's values do not change during an update: after the update's first actor
      // forward (which checks the states), the kept batch is reused unchecked
      let z: Float64Array = b.Z;
      let zIndex: Int32Array | null = null;
      if (epoch === 0 && k === 0) actor.forwardBatch(batch.states, N, b.Z);
      else if (fusedPpo !== null && cells !== null) {
        const c = cells.forwardSameBatchCells(batch.states, N);
        if (c !== null) {
          z = c.values;
          zIndex = c.cellOf;
        } else forwardSame(actor, batch.states, N, b.Z);
      } else forwardSame(actor, batch.states, N, b.Z);
      if (needLp && fusedPpo === null) headLogProbs(head, b.Z, batch.actions, N, b.lp);
      let loss: number;
      if (this.clip === null) {
        loss = head.actorLoss(b.Z, batch.actions, b.Adv, N, b.gradZ);
      } else if (fusedPpo !== null) {
        loss = ppoGaussianEpoch(
          fusedPpo,
          z,
          batch.actions,
          b.lpOld,
          b.Adv,
          N,
          this.clip,
          b.lp,
          b.gradZ,
          zIndex,
        );
      } else {
        loss = ppoSurrogate(b.lp, b.lpOld, b.Adv, N, this.clip, b.c);
        // backpropLogProbs' head half; the actor's half restricted to the block
        for (let t = 0; t < N; t++) b.w[t] = -N * b.c[t];
        head.actorLoss(b.Z, batch.actions, b.w, N, b.gradZ);
      }
      backwardFor(actor, b.gradZ, only);
      if (block) for (const p of all) if (!block.includes(p)) p.grad.fill(0);
      opt.step();
      head.refresh();
      if (epoch === 0) first = loss;
      this.observer?.actorEpoch?.({
        block: block === null ? null : k,
        epoch,
        logProbs: b.lp.subarray(0, N),
        loss,
      });
    }
    return first;
  }
}

/**
 * A parametrization with the least-squares sweep of {@link CpGrid.squaredErrorSameBatch} and the
 * unchecked re-evaluation of {@link CpGrid.forwardSameBatch} (the CP grid): for a batch whose
 * values stay unchanged during one update.
 */
interface SameBatch {
  squaredErrorSameBatch(
    states: Float64Array,
    T: number,
    targets: Float64Array,
    scale: number | null,
    only: ReadonlySet<Parameter> | null,
  ): number;
  forwardSameBatch(states: Float64Array, T: number, out: Float64Array): void;
}

/** `f` as {@link SameBatch} when it has both methods, else null. */
export function sameBatchFit(f: Parametrization): SameBatch | null {
  const g = f as Parametrization & Partial<SameBatch>;
  return typeof g.squaredErrorSameBatch === "function" && typeof g.forwardSameBatch === "function"
    ? (g as Parametrization & SameBatch)
    : null;
}

/** A parametrization that hands out a same-batch forward as distinct values and an index (the CP grid). */
interface DistinctOutputs {
  forwardSameBatchCells(states: Float64Array, T: number): { values: Float64Array; cellOf: Int32Array } | null;
}

function distinctOutputs(f: Parametrization): DistinctOutputs | null {
  const g = f as Parametrization & Partial<DistinctOutputs>;
  return typeof g.forwardSameBatchCells === "function" ? (g as Parametrization & DistinctOutputs) : null;
}

/** `f.forwardBatch(states, T, out)` for a batch whose values are unchanged since f last saw the array. */
function forwardSame(f: Parametrization, states: Float64Array, T: number, out: Float64Array): void {
  const g = f as Parametrization & Partial<SameBatch>;
  if (typeof g.forwardSameBatch === "function") g.forwardSameBatch(states, T, out);
  else f.forwardBatch(states, T, out);
}

/** `head` as a scalar-σ Gaussian head with μ = z (what {@link ppoGaussianEpoch} takes), else null. */
function scalarGaussian(head: PolicyHead): ScalarGaussianHead | null {
  const h = head as PolicyHead & Partial<ScalarGaussianHead>;
  return h.logSigma &&
    h.sigmaMap === null &&
    h.sigmoidMean === false &&
    h.inputDim === 1 &&
    typeof h.sigma === "function" &&
    typeof h.effectiveLogSigma === "function" &&
    typeof h.logSigmaPassesGradient === "function"
    ? (h as PolicyHead & ScalarGaussianHead)
    : null;
}

/** A parametrization whose backward can be restricted to some of its parameters (the CP grid). */
interface PartialBackward {
  backwardBatchOf(gradZ: Float64Array, only: ReadonlySet<Parameter> | null): void;
}

/**
 * `f.backwardBatch(gradZ)` where every gradient outside `only` is zeroed afterwards anyway: adds
 * only the gradients of the parameters in `only` when `f` can (the same numbers there), and
 * nothing when `f` has none of them. `only` null: the full backward.
 */
function backwardFor(f: Parametrization, gradZ: Float64Array, only: ReadonlySet<Parameter> | null): void {
  if (only === null) {
    f.backwardBatch(gradZ);
    return;
  }
  const partial = (f as Parametrization & Partial<PartialBackward>).backwardBatchOf;
  if (typeof partial !== "function") {
    f.backwardBatch(gradZ);
    return;
  }
  let any = false;
  for (const p of f.parameters) if (only.has(p)) any = true;
  if (any) partial.call(f, gradZ, only);
}

function checkBlocks(
  blocks: readonly (readonly Parameter[])[] | null,
  allowed: Set<Parameter>,
  what: string,
): readonly (readonly Parameter[])[] | null {
  if (blocks === null) return null;
  if (!Array.isArray(blocks) || blocks.length < 1)
    throw new RangeError(`${what} must be a non-empty list of parameter lists, got ${String(blocks)}`);
  blocks.forEach((b, k) => {
    if (!Array.isArray(b) || b.length < 1)
      throw new RangeError(`${what}[${k}] must be a non-empty parameter list`);
    for (const p of b)
      if (!allowed.has(p))
        throw new RangeError(`${what}[${k}]: parameter "${p?.name}" is not optimized by this side`);
  });
  return blocks.map((b) => [...b]);
}

/** Factory for {@link GaeActorCritic} (REINFORCE-style actor-critic with GAE; set `clip` for PPO). */
export function gaeActorCriticRule(options: ActorCriticOptions): BatchUpdateRuleFactory {
  return (parts, gamma) => new GaeActorCritic(parts, gamma, options);
}
