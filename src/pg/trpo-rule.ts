import { GaussianHead } from "../heads/gaussian.js";
import { Lbfgs, type LbfgsOptions } from "../optim/lbfgs.js";
import { REFERENCE_CRITIC_LBFGS, sameBatchFit } from "./actor-critic.js";
import {
  checkTransitionBatch,
  type BatchUpdateResult,
  type BatchUpdateRule,
  type BatchUpdateRuleFactory,
  type TransitionBatch,
} from "./batch-update.js";
import { gaeAdvantages, standardize } from "./gae.js";
import type { ActorCriticParts } from "./reinforce-baseline.js";
import { checkTrpoConfig, trpoStep, type TrpoConfig, type TrpoStepInfo } from "./trpo.js";
import { FisherScratch, gaussianPolicyView, type GaussianPolicyView } from "./trpo-gaussian.js";
import { stateSigmaPolicyView, trpoStepStateSigma, type StateSigmaPolicyView } from "./trpo-state-sigma.js";

export interface TrpoRuleOptions extends TrpoConfig {
  /** GAE λ (the reference's τ), in [0, 1]. */
  tau: number;
  /** Standardize the advantages with the unbiased std (default true, as the reference). */
  standardizeAdvantages?: boolean;
  /** The critic's L-BFGS (default the reference's: lr 1, 25 iterations, history 100, strong Wolfe). */
  critic?: LbfgsOptions;
  /** Leave the critic gradient 0 when its loss exceeds this (the reference's guard 1e10; default ∞). */
  criticSkipGradientAbove?: number;
}

/** What a TRPO batch update reports: the losses and the actor step. */
export interface TrpoUpdateResult extends BatchUpdateResult {
  step: TrpoStepInfo;
}

/**
 * TRPO over a multi-episode batch, as the LRPG authors' TRPO agent (docs/trpo.md §6):
 *   1. V_i = V_φ(s_i); GAE(γ, τ) gives returns R_i and advantages A_i, standardized to Â_i;
 *   2. critic: one L-BFGS step (strong Wolfe, history kept across updates) on (1/N) Σ (V_φ(s_i) − R_i)²;
 *   3. actor: one {@link trpoStep} on the surrogate (1/N) Σ exp(log π_θ − log π_old) Â_i with the
 *      KL limit δ, damping λ, CG and the backtracking line search.
 * Any actor parametrization with one output (μ) under a scalar-σ {@link GaussianHead} (clamped
 * log σ as the head says), or with two outputs (z_μ, z_σ) under a state-dependent-σ head (σ(s) =
 * exp or softplus of z_σ; {@link trpoStepStateSigma}). The actor optimizer of the parts is not used.
 */
export class TrpoRule implements BatchUpdateRule {
  readonly parts: ActorCriticParts;
  readonly gamma: number;
  readonly options: TrpoRuleOptions;
  /** The scalar-σ view, or the state-dependent-σ one (when the head's σ is per state). */
  readonly view: { kind: "scalar"; view: GaussianPolicyView } | { kind: "state"; view: StateSigmaPolicyView };
  readonly lbfgs: Lbfgs;
  /** The last update's actor step. */
  lastStep: TrpoStepInfo | null = null;
  private V = new Float64Array(0);
  private Vfit = new Float64Array(0);
  private R = new Float64Array(0);
  private A = new Float64Array(0);
  private gV = new Float64Array(0);
  private Adv = new Float64Array(0);
  private boot = new Float64Array(0);
  private readonly scratch = new FisherScratch();

  constructor(parts: ActorCriticParts, gamma: number, options: TrpoRuleOptions) {
    const who = "TrpoRule";
    if (!(gamma >= 0 && gamma <= 1)) throw new RangeError(`${who}: gamma must be in [0, 1], got ${gamma}`);
    if (!(options.tau >= 0 && options.tau <= 1))
      throw new RangeError(`${who}: tau (GAE λ) must be in [0, 1], got ${options.tau}`);
    checkTrpoConfig(options, who);
    if (!(parts.head instanceof GaussianHead))
      throw new RangeError(`${who}: the head must be a GaussianHead (scalar or state-dependent σ)`);
    if (parts.critic.outputDim !== 1)
      throw new RangeError(`${who}: the critic must have 1 output, got ${parts.critic.outputDim}`);
    this.parts = parts;
    this.gamma = gamma;
    this.options = options;
    this.view =
      parts.head.sigmaMap === null
        ? { kind: "scalar", view: gaussianPolicyView(parts.actor, parts.head) }
        : { kind: "state", view: stateSigmaPolicyView(parts.actor, parts.head) };
    this.lbfgs = new Lbfgs(parts.critic.parameters, options.critic ?? REFERENCE_CRITIC_LBFGS);
  }

  update(batch: TransitionBatch): TrpoUpdateResult {
    checkTransitionBatch(batch, "TrpoRule.update");
    const { actor, critic } = this.parts;
    const N = batch.length;
    const E = batch.episodeCount;
    if (batch.stateDim !== actor.inputDim)
      throw new RangeError(
        `TrpoRule.update: batch states have ${batch.stateDim} numbers, the actor reads ${actor.inputDim}`,
      );
    const standardized = this.options.standardizeAdvantages ?? true;
    if (standardized && N < 2)
      throw new RangeError(`TrpoRule.update: standardized advantages need >= 2 transitions, got ${N}`);
    this.parts.head.checkActions(batch.actions, N);
    if (this.V.length < N) {
      const n = Math.max(N, 2 * this.V.length);
      this.V = new Float64Array(n);
      this.Vfit = new Float64Array(n);
      this.R = new Float64Array(n);
      this.A = new Float64Array(n);
      this.gV = new Float64Array(n);
      this.Adv = new Float64Array(n);
    }
    if (this.boot.length < E) this.boot = new Float64Array(Math.max(E, 2 * this.boot.length));
    const { V, Vfit, R, A, gV, boot } = this;

    // 1. values, GAE, standardization
    let anyCut = false;
    for (let e = 0; e < E; e++) if (!batch.terminated[e]) anyCut = true;
    // the bootstrap states first, so that the batch the fit re-evaluates stays the kept one
    if (anyCut) critic.forwardBatch(batch.finalStates, E, boot);
    critic.forwardBatch(batch.states, N, V);
    gaeAdvantages(batch, V, anyCut ? boot : null, this.gamma, this.options.tau, R, A);
    const adv = standardized ? standardize(A, N, this.Adv).subarray(0, N) : A.slice(0, N);

    // 2. critic: one L-BFGS step on the mean squared error to the returns
    const skip = this.options.criticSkipGradientAbove ?? Infinity;
    let lossCritic = NaN;
    const fit = sameBatchFit(critic);
    this.lbfgs.step(() => {
      for (const p of critic.parameters) p.grad.fill(0);
      if (fit !== null) {
        // one sweep: the same sum, and the gradient unless the guard rules it out
        const loss = fit.squaredErrorSameBatch(batch.states, N, R, 2 / N, null) / N;
        if (Number.isNaN(lossCritic)) lossCritic = loss;
        if (Math.abs(loss) > skip) for (const p of critic.parameters) p.grad.fill(0);
        return loss;
      }
      critic.forwardBatch(batch.states, N, Vfit);
      let sum = 0;
      for (let i = 0; i < N; i++) {
        const d = Vfit[i] - R[i];
        sum += d * d;
      }
      const loss = sum / N;
      if (Number.isNaN(lossCritic)) lossCritic = loss;
      if (Math.abs(loss) > skip) return loss;
      for (let i = 0; i < N; i++) gV[i] = (2 / N) * (Vfit[i] - R[i]);
      critic.backwardBatch(gV);
      return loss;
    });

    // 3. actor: one TRPO step
    const trpoBatch = {
      states: batch.states,
      actions: batch.actions,
      advantages: adv,
      logProbOld: batch.logProbs ? batch.logProbs.subarray(0, N) : null,
      T: N,
    };
    const step =
      this.view.kind === "scalar"
        ? trpoStep(this.view.view, trpoBatch, batch.stateDim, this.options, this.scratch)
        : trpoStepStateSigma(this.view.view, trpoBatch, batch.stateDim, this.options);
    this.lastStep = step;
    return { lossActor: step.lossBefore, lossCritic, step };
  }
}

/** Factory for {@link TrpoRule}. */
export function trpoRule(options: TrpoRuleOptions): BatchUpdateRuleFactory {
  return (parts, gamma) => new TrpoRule(parts, gamma, options);
}
