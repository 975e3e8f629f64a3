import { GaussianHead } from "../heads/gaussian.js";
import type { Parameter } from "../optim/parameter.js";
import { ActMemo } from "../parametrizations/memo.js";
import { ScalarMlp } from "../parametrizations/mlp.js";
import type { GaussianPolicyAgent } from "../pg/agent.js";
import { ComposedAgent, checkAgentRates } from "../pg/composed-agent.js";
import { Rng } from "../random/rng.js";

export interface NnGaussianAgentOptions {
  /** S, the length of the (raw, unnormalised) state fed to both nets. */
  stateDim: number;
  /** H, hidden width of the μ-net and of the V-net (reference: 512 / 32 / 128). */
  hidden: number;
  lrActor: number;
  lrCritic: number;
  /** Discount γ of the Monte-Carlo returns, in [0, 1]. */
  gamma: number;
  /** μ = sigmoid(net(s)) (the reference's rocket). Default false. */
  sigmoidMean?: boolean;
  /** Clamp the sampled action to [lo, hi] before storing it and using it in the log-prob (rocket: [0, 1]). */
  actionClamp?: readonly [number, number];
  /** log σ₀ (reference: 1). */
  logSigmaInit?: number;
  /** Generator for the PyTorch-default init, drawn mu.0.weight, mu.0.bias, mu.2.weight, mu.2.bias, then value.*. */
  rng?: Rng;
  /** Seed of a fresh generator when `rng` is not given. */
  seed?: number;
  /**
   * Whether the nets run on the WebAssembly f64x2 kernels where they apply (2 inputs, H a multiple
   * of 4; bit-identical, see `ScalarMlpOptions.kernels`). Default true; false: the scalar loops.
   */
  kernels?: boolean;
}

/**
 * The LRPG paper's neural baseline ("RVFB", the reference's `GaussianPolicyNN`): a {@link ScalarMlp}
 * μ-net and V-net, each Linear(S,H)–ReLU–Linear(H,1) on the raw state, a {@link GaussianHead} with
 * a scalar learned σ = exp(ρ), trained by the same {@link ReinforceWithBaseline} as LRPG. The μ-net
 * sits behind an {@link ActMemo}: learn reuses the outputs computed while acting (bit-identical).
 */
export class NnGaussianAgent
  extends ComposedAgent<GaussianHead, ActMemo, ScalarMlp>
  implements GaussianPolicyAgent
{
  readonly actionKind = "continuous" as const;
  readonly muNet: ScalarMlp;
  readonly valueNet: ScalarMlp;
  readonly logSigma: Parameter;
  readonly sigmoidMean: boolean;
  readonly actionClamp: readonly [number, number] | null;

  constructor(options: NnGaussianAgentOptions) {
    const owner = "NnGaussianAgent";
    const { stateDim, hidden, lrActor, lrCritic, gamma } = options;
    if (!Number.isInteger(stateDim) || stateDim < 1)
      throw new RangeError(`${owner}: stateDim must be an integer >= 1, got ${stateDim}`);
    if (!Number.isInteger(hidden) || hidden < 1)
      throw new RangeError(`${owner}: hidden must be an integer >= 1, got ${hidden}`);
    checkAgentRates(owner, lrActor, lrCritic, gamma);
    const head = new GaussianHead(
      {
        sigmoidMean: options.sigmoidMean,
        actionClamp: options.actionClamp,
        sigma: { kind: "scalar", logSigmaInit: options.logSigmaInit },
      },
      owner,
    );
    const rng = options.rng ?? new Rng(options.seed ?? 0);
    const muNet = new ScalarMlp(stateDim, hidden, "mu", { kernels: options.kernels });
    const valueNet = new ScalarMlp(stateDim, hidden, "value", { kernels: options.kernels });
    muNet.initTorchDefault(rng);
    valueNet.initTorchDefault(rng);
    super({ owner, actor: new ActMemo(muNet), head, critic: valueNet, lrActor, lrCritic, gamma });
    this.muNet = muNet;
    this.valueNet = valueNet;
    this.logSigma = head.logSigma!;
    this.sigmoidMean = head.sigmoidMean;
    this.actionClamp = head.actionClamp;
  }

  protected override checkState(state: ArrayLike<number>): void {
    if (!state || state.length !== this.stateDim) {
      throw new RangeError(
        `NnGaussianAgent: state must have ${this.stateDim} entries, got ${state ? state.length : state}`,
      );
    }
    for (let d = 0; d < this.stateDim; d++) {
      if (!Number.isFinite(state[d]))
        throw new RangeError(`NnGaussianAgent: state[${d}] is ${state[d]} (expected a finite number)`);
    }
  }

  protected override checkStates(states: Float64Array, T: number): void {
    for (let t = 0; t < T * this.stateDim; t++) {
      if (!Number.isFinite(states[t]))
        throw new RangeError(`learn: states[${t}] is ${states[t]} (expected finite states)`);
    }
  }

  mean(state: ArrayLike<number>): number {
    this.checkState(state);
    this.z[0] = this.muNet.forward(state); // not through the act memo
    return this.head.mean(this.z, 0);
  }

  sigma(state: ArrayLike<number>): number {
    this.checkState(state);
    return this.head.sigma(this.z, 0);
  }
}
