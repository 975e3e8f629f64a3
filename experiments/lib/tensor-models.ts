import { GaussianHead } from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import type { Parameter } from "../../src/optim/parameter.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { StackedParametrization } from "../../src/parametrizations/stack.js";
import { gaeActorCriticRule } from "../../src/pg/actor-critic.js";
import type { BatchUpdateRule } from "../../src/pg/batch-update.js";
import type { ActorCriticParts } from "../../src/pg/reinforce-baseline.js";
import { TrpoRule } from "../../src/pg/trpo-rule.js";
import type { Rng } from "../../src/random/rng.js";

/** The tensor-low-rank paper's three function classes (docs/trpo.md §7). */
export type ModelKind = "tensor" | "nn" | "rbf";

export interface TensorModelSpec {
  kind: "tensor";
  /** Actor grid box and points per dimension. */
  actorGrid: { low: number[]; high: number[]; buckets: number };
  criticGrid: { low: number[]; high: number[]; buckets: number };
  rank: number;
  actorScale: number;
  criticScale: number;
  logSigmaClamp: [number, number];
  /**
   * A state-dependent σ(s) = exp(z_σ(s)) from a second CP tensor of this rank on the actor grid
   * (init ×actorScale, drawn after the mean's factors; logSigmaClamp then unused). Omitted: the
   * scalar, clamped log σ.
   */
  sigmaRank?: number;
}
export interface NnModelSpec {
  kind: "nn";
  hidden: number;
  /** The action/value layer's default init times (weight, bias) — the reference's (0.1, 0). */
  outputScale: [number, number];
  logSigmaClamp: [number, number];
}
export interface RbfModelSpec {
  kind: "rbf";
  features: number;
  logSigmaClamp: [number, number];
}
export type ModelSpec = TensorModelSpec | NnModelSpec | RbfModelSpec;

export interface BuiltModel {
  parts: ActorCriticParts;
  head: GaussianHead;
  actor: Parametrization;
  critic: Parametrization;
  /** Actor-mean parameters (σ apart) and critic parameters. */
  params: { actor: number; critic: number };
  /** Block lists for block-coordinate updates: actor [log σ, factors…], critic [factors…] (tensor only). */
  actorBlocks: Parameter[][] | null;
  criticBlocks: Parameter[][] | null;
}

/**
 * Builds actor (mean), Gaussian head (log σ₀ = 0, clamped) and critic for a state of `stateDim`
 * numbers, drawing the init from `rng` in the order actor, critic. `lrActor` / `lrCritic` set the
 * parts' Adam optimizers (the actor's over the mean's parameters then log σ).
 */
export function buildModel(
  spec: ModelSpec,
  stateDim: number,
  rng: Rng,
  lrActor: number,
  lrCritic: number,
): BuiltModel {
  const stateSigma = spec.kind === "tensor" && spec.sigmaRank !== undefined;
  const head = stateSigma
    ? new GaussianHead({ sigma: { kind: "state", map: "exp" } })
    : new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 }, logSigmaClamp: spec.logSigmaClamp });
  let actor: Parametrization;
  let critic: Parametrization;
  let actorBlocks: Parameter[][] | null = null;
  let criticBlocks: Parameter[][] | null = null;
  if (spec.kind === "tensor") {
    const a = new CpGrid({
      grid: new AxisGrid({
        low: spec.actorGrid.low,
        high: spec.actorGrid.high,
        buckets: spec.actorGrid.buckets,
      }),
      rank: spec.rank,
    });
    a.initNormal(rng, spec.actorScale);
    const c = new CpGrid({
      grid: new AxisGrid({
        low: spec.criticGrid.low,
        high: spec.criticGrid.high,
        buckets: spec.criticGrid.buckets,
      }),
      rank: spec.rank,
      name: "value",
    });
    let sigma: CpGrid | null = null;
    if (spec.sigmaRank !== undefined) {
      sigma = new CpGrid({ grid: a.grid, rank: spec.sigmaRank, name: "sigma" });
      sigma.initNormal(rng, spec.actorScale);
    }
    c.initNormal(rng, spec.criticScale);
    actor = sigma ? new StackedParametrization([a, sigma]) : a;
    critic = c;
    actorBlocks = sigma
      ? [...a.factors, ...sigma.factors].map((p) => [p])
      : [[head.logSigma!], ...a.factors.map((p) => [p])];
    criticBlocks = c.factors.map((p) => [p]);
  } else if (spec.kind === "nn") {
    const a = new ScalarMlp(stateDim, spec.hidden, "layers", { activation: "tanh" });
    a.initTorchDefault(rng);
    a.scaleOutputLayer(spec.outputScale[0], spec.outputScale[1]);
    const c = new ScalarMlp(stateDim, spec.hidden, "value.layers", { activation: "tanh" });
    c.initTorchDefault(rng);
    c.scaleOutputLayer(spec.outputScale[0], spec.outputScale[1]);
    actor = a;
    critic = c;
  } else {
    const a = new RbfFeatures(stateDim, { features: spec.features }, "actor");
    a.init(rng);
    const c = new RbfFeatures(stateDim, { features: spec.features }, "value");
    c.init(rng);
    actor = a;
    critic = c;
  }
  const parts: ActorCriticParts = {
    actor,
    head,
    critic,
    actorOptimizer: new Adam([...actor.parameters, ...head.parameters], { lr: lrActor }),
    criticOptimizer: new Adam(critic.parameters, { lr: lrCritic }),
  };
  return {
    parts,
    head,
    actor,
    critic,
    params: { actor: actor.parameterCount, critic: critic.parameterCount },
    actorBlocks,
    criticBlocks,
  };
}

/** The three update rules of the tensor-low-rank pendulum (docs/trpo.md §9). */
export type TensorPgAlgo = "reinforce" | "ppo" | "trpo";

/** What {@link tensorPgRule} reads of an experiment's hyperparameter block. */
export interface TensorPgRuleHyper {
  gamma: number;
  /** GAE λ. */
  tau: number;
  /** Full-batch actor epochs (REINFORCE, PPO). */
  epochs: number;
  ppoClip: number;
  trpo: { maxKl: number; damping: number; cgIterations: number; cgTolerance: number };
}

/**
 * The update rule of `algo` on `model` as the reference runs it: TRPO with the L-BFGS critic's
 * 1e10 guard; REINFORCE (guard 1e10) and PPO with the L-BFGS critic, and under the reference
 * protocol the tensor models block-wise (REINFORCE's critic per factor, PPO's critic and actor
 * per factor).
 */
export function tensorPgRule(
  algo: TensorPgAlgo,
  model: BuiltModel,
  protocol: "clean" | "reference",
  hp: TensorPgRuleHyper,
): BatchUpdateRule {
  if (algo === "trpo")
    return new TrpoRule(model.parts, hp.gamma, {
      tau: hp.tau,
      maxKl: hp.trpo.maxKl,
      damping: hp.trpo.damping,
      cgIterations: hp.trpo.cgIterations,
      cgTolerance: hp.trpo.cgTolerance,
      criticSkipGradientAbove: 1e10,
    });
  const ref = protocol === "reference";
  return gaeActorCriticRule({
    tau: hp.tau,
    epochs: hp.epochs,
    clip: algo === "ppo" ? hp.ppoClip : undefined,
    critic: { kind: "lbfgs", skipGradientAbove: algo === "reinforce" ? 1e10 : undefined },
    criticBlocks: ref && model.criticBlocks ? model.criticBlocks : null,
    actorBlocks: ref && algo === "ppo" && model.actorBlocks ? model.actorBlocks : null,
  })(model.parts, hp.gamma);
}

/** The models of the tensor-low-rank pendulum: the three classes and the CP mean with a CP σ(s). */
export type TensorPgModel = ModelKind | "tensor-sigma";

/** What {@link tensorPgModelSpec} reads of an experiment's hyperparameter block. */
export interface TensorPgModelHyper {
  tensorGrid: { low: number[]; high: number[]; buckets: number };
  /** The grid of the TRPO runs (the reference's θ̇ range differs there). */
  tensorGridTrpo: { low: number[]; high: number[]; buckets: number };
  tensorRank: number;
  tensorActorScale: number;
  tensorCriticScale: number;
  tensorLogSigmaClamp: [number, number];
  tensorSigmaRank: number;
  nnHidden: number;
  rbfFeatures: number;
  baselineLogSigmaClamp: [number, number];
}

/** The {@link ModelSpec} of `kind` for `algo` (NN: the reference's action/value layer init ×(0.1, 0)). */
export function tensorPgModelSpec(
  kind: TensorPgModel,
  algo: TensorPgAlgo,
  hp: TensorPgModelHyper,
): ModelSpec {
  if (kind === "tensor" || kind === "tensor-sigma")
    return {
      kind: "tensor",
      actorGrid: algo === "trpo" ? hp.tensorGridTrpo : hp.tensorGrid,
      criticGrid: algo === "trpo" ? hp.tensorGridTrpo : hp.tensorGrid,
      rank: hp.tensorRank,
      actorScale: hp.tensorActorScale,
      criticScale: hp.tensorCriticScale,
      logSigmaClamp: hp.tensorLogSigmaClamp,
      ...(kind === "tensor-sigma" ? { sigmaRank: hp.tensorSigmaRank } : {}),
    };
  if (kind === "nn")
    return { kind, hidden: hp.nnHidden, outputScale: [0.1, 0], logSigmaClamp: hp.baselineLogSigmaClamp };
  return { kind, features: hp.rbfFeatures, logSigmaClamp: hp.baselineLogSigmaClamp };
}
