import { GaussianHead } from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import type { Parameter } from "../../src/optim/parameter.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { StackedParametrization } from "../../src/parametrizations/stack.js";
import type { ActorCriticParts } from "../../src/pg/reinforce-baseline.js";
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
