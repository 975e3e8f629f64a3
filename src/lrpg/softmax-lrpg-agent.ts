import type { LowRankMatrix } from "../factor/low-rank-matrix.js";
import { SoftmaxHead } from "../heads/softmax.js";
import { GridLowRank, fillReferenceOrder } from "../parametrizations/grid-low-rank.js";
import type { DiscretePolicyAgent } from "../pg/agent.js";
import { ComposedAgent, checkAgentRates } from "../pg/composed-agent.js";
import { Rng } from "../random/rng.js";
import type { Discretizer, DiscretizerOptions } from "./discretizer.js";
import { checkRank, toDiscretizer } from "./gaussian-lrpg-agent.js";

export interface SoftmaxLrpgAgentOptions {
  /** Grid of the policy: state cell (i, j). */
  actorGrid: Discretizer | DiscretizerOptions;
  /** Grid of the low-rank critic. */
  criticGrid: Discretizer | DiscretizerOptions;
  /** Number of discrete actions n (integer ≥ 2). */
  actionCount: number;
  /** K of the logit matrix and of the critic (integer ≥ 1). */
  rank: number;
  criticRank?: number;
  lrActor: number;
  lrCritic: number;
  gamma: number;
  /** Std of the N(0, s²) init of the logit factors (default 0.1: near-uniform initial policy). */
  actorInitScale?: number;
  /** Std of the N(0, s²) init of the critic factors (default 1, as the Gaussian LRPG). */
  criticInitScale?: number;
  rng?: Rng;
  seed?: number;
}

/**
 * Low-rank softmax policy for discrete actions (an extension of LRPG; the reference code has
 * continuous actions only): a {@link GridLowRank} with n outputs per cell, i.e. one N × (M·n)
 * low-rank logit matrix Θ = L Rᵀ whose column j·n + a holds action a at grid column j,
 *
 *   θ(s, a) = ℓ_{i(s)} · r_{j(s)·n + a},   π(a|s) = exp θ(s,a) / Σ_b exp θ(s,b)  ({@link SoftmaxHead}),
 *
 * and a low-rank critic, trained by {@link ReinforceWithBaseline}. Parameters: `pi.L` N×K,
 * `pi.R` K×(M·n) in the state dict; critic `value.L`, `value.R`.
 */
export class SoftmaxLrpgAgent
  extends ComposedAgent<SoftmaxHead, GridLowRank, GridLowRank>
  implements DiscretePolicyAgent
{
  readonly actionKind = "discrete" as const;
  readonly actionCount: number;
  readonly actorGrid: Discretizer;
  readonly criticGrid: Discretizer;
  readonly logits: LowRankMatrix;

  constructor(options: SoftmaxLrpgAgentOptions) {
    const owner = "SoftmaxLrpgAgent";
    const { actionCount, rank, lrActor, lrCritic, gamma } = options;
    if (!Number.isInteger(actionCount) || actionCount < 2)
      throw new RangeError(`${owner}: actionCount must be an integer >= 2, got ${actionCount}`);
    checkRank(owner, "rank", rank);
    const criticRank = options.criticRank ?? rank;
    checkRank(owner, "criticRank", criticRank);
    checkAgentRates(owner, lrActor, lrCritic, gamma);
    const actorScale = options.actorInitScale ?? 0.1;
    const criticScale = options.criticInitScale ?? 1;
    for (const [name, s] of [
      ["actorInitScale", actorScale],
      ["criticInitScale", criticScale],
    ] as const) {
      if (!(Number.isFinite(s) && s >= 0))
        throw new RangeError(`${owner}: ${name} must be a finite number >= 0, got ${s}`);
    }
    const actorGrid = toDiscretizer(options.actorGrid);
    const criticGrid = toDiscretizer(options.criticGrid);
    if (actorGrid.stateDim !== criticGrid.stateDim)
      throw new RangeError(
        `${owner}: actorGrid has ${actorGrid.stateDim} state dimensions but criticGrid has ${criticGrid.stateDim}`,
      );
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const actor = new GridLowRank(actorGrid, rank, "pi", actionCount);
    fillReferenceOrder(actor.matrix, rng, actorScale);
    const critic = new GridLowRank(criticGrid, criticRank, "value");
    fillReferenceOrder(critic.matrix, rng, criticScale);
    super({ owner, actor, head: new SoftmaxHead(actionCount), critic, lrActor, lrCritic, gamma });
    this.actionCount = actionCount;
    this.actorGrid = actorGrid;
    this.criticGrid = criticGrid;
    this.logits = actor.matrix;
  }

  probabilities(
    state: ArrayLike<number>,
    out: Float64Array = new Float64Array(this.actionCount),
  ): Float64Array {
    if (out.length < this.actionCount)
      throw new RangeError(`probabilities: out must have >= ${this.actionCount} entries`);
    return this.head.probabilities(this.forwardActor(state), 0, out);
  }
}
