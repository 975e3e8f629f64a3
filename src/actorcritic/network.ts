import { ChannelsLastToFirst } from "../dqn/channels-last.js";
import { Conv2d } from "../nn/conv2d.js";
import { Dense } from "../nn/dense.js";
import { Flatten } from "../nn/flatten.js";
import type { Layer } from "../nn/layer.js";
import { LowRankDense } from "../nn/low-rank-dense.js";
import { rankOrFraction } from "../nn/rank.js";
import { ReLU } from "../nn/relu.js";
import { Scattering2d } from "../nn/scattering.js";
import { Sequential } from "../nn/sequential.js";
import { TuckerRegression } from "../nn/tucker-regression.js";
import type { Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";

/**
 * The parametrization of the trunk's hidden-to-hidden layer: dense; low-rank W = L Rᵀ (rank K, or a
 * fraction in (0, 1) of the dense count); or a Tucker tensor-regression layer (ranks, or a fraction).
 */
export type TrunkLayerSpec =
  { kind: "dense" } | { kind: "lowrank"; rank: number } | { kind: "trl"; rank: number | readonly number[] };

/**
 * A shared trunk with a softmax policy head and a value head:
 *   h = trunk(s),  z = W_π h + b_π (the logits, π = softmax z),  V = w_vᵀ h + b_v.
 * `backward(∂J/∂z, ∂J/∂V)` backpropagates both heads into the trunk (their input gradients add up).
 */
export class ActorCriticNetwork {
  readonly trunk: Sequential;
  readonly policy: Dense;
  readonly value: Dense;
  readonly numActions: number;
  readonly observationSize: number;
  private readonly sum: Map<number, Float64Array> = new Map();

  constructor(trunk: Sequential, numActions: number, rng: Rng) {
    const features = trunk.outputShape.reduce((a, b) => a * b, 1);
    this.trunk = trunk;
    this.numActions = numActions;
    this.observationSize = trunk.inputShape.reduce((a, b) => a * b, 1);
    this.policy = new Dense({ inFeatures: features, outFeatures: numActions, rng, name: "pi" });
    this.value = new Dense({ inFeatures: features, outFeatures: 1, rng, name: "v" });
  }

  /** Trunk, policy head, value head (what K-FAC walks). */
  get layers(): Layer[] {
    return [this.trunk, this.policy, this.value];
  }

  get parameters(): Parameter[] {
    return [...this.trunk.parameters, ...this.policy.parameters, ...this.value.parameters];
  }

  get parameterCount(): number {
    return this.trunk.parameterCount + this.policy.parameterCount + this.value.parameterCount;
  }

  /** Logits (batch × A) and values (batch), the layers' buffers. */
  forward(observations: Float64Array, batch: number): { logits: Float64Array; values: Float64Array } {
    const h = this.trunk.forward(observations, batch);
    return { logits: this.policy.forward(h, batch), values: this.value.forward(h, batch) };
  }

  /** Adds every parameter's gradient of J given ∂J/∂z (batch × A) and ∂J/∂V (batch), after a forward at `batch`. */
  backward(gradLogits: Float64Array, gradValues: Float64Array, batch: number): void {
    const a = this.policy.backward(gradLogits, batch);
    const b = this.value.backward(gradValues, batch);
    let s = this.sum.get(batch);
    if (s === undefined) {
      s = new Float64Array(a.length);
      this.sum.set(batch, s);
    }
    for (let i = 0; i < s.length; i++) s[i] = a[i] + b[i];
    this.trunk.backward(s, batch);
  }

  zeroGrad(): void {
    for (const p of this.parameters) p.grad.fill(0);
  }
}

/** TRL input modes for a width-n vector: (a, n/a) with a the largest divisor ≤ √n (a 64-vector → 8 × 8). */
export function vectorModes(n: number): [number, number] {
  let a = Math.floor(Math.sqrt(n));
  while (n % a !== 0) a--;
  return [a, n / a];
}

export interface MlpActorCriticOptions {
  observationSize: number;
  numActions: number;
  /** Hidden widths, e.g. [64, 64]. */
  hidden: readonly number[];
  /** Parametrization of every hidden layer after the first (the first reads the raw observation). Default dense. */
  hiddenLayer?: TrunkLayerSpec;
  rng: Rng;
}

/**
 * MLP trunk (linear → ReLU)* with the two heads. A TRL hidden layer reads the previous width-n activation
 * as an (a, n/a) matrix ({@link vectorModes}) and contracts both modes with its factors.
 */
export function mlpActorCritic(options: MlpActorCriticOptions): ActorCriticNetwork {
  const { rng } = options;
  const spec = options.hiddenLayer ?? { kind: "dense" };
  if (options.hidden.length === 0)
    throw new RangeError("mlpActorCritic: hidden must list at least one width");
  const layers: Layer[] = [];
  let width = options.observationSize;
  options.hidden.forEach((h, i) => {
    const name = `fc${i}`;
    if (i === 0 || spec.kind === "dense")
      layers.push(new Dense({ inFeatures: width, outFeatures: h, rng, name }));
    else if (spec.kind === "lowrank")
      layers.push(
        new LowRankDense({ inFeatures: width, outFeatures: h, ...rankOrFraction(spec.rank), rng, name }),
      );
    else
      layers.push(
        new TuckerRegression({
          inputShape: vectorModes(width),
          outFeatures: h,
          ...rankOrFraction(spec.rank),
          rng,
          name,
        }),
      );
    layers.push(new ReLU([h], `relu${i}`));
    width = h;
  });
  return new ActorCriticNetwork(
    new Sequential(layers, { name: "trunk", inputGrad: false }),
    options.numActions,
    rng,
  );
}

export interface MinAtarActorCriticOptions {
  numActions: number;
  rng: Rng;
  /** Hidden layer after the conv features (default dense). */
  hiddenLayer?: TrunkLayerSpec;
  /** First layer: a learned 3×3 conv (default) or a fixed order-1 scattering (J = 1, L orientations). */
  frontEnd?: { kind: "conv" } | { kind: "scattering"; L?: number };
  gridSize?: number;
  inChannels?: number;
  convChannels?: number;
  hiddenUnits?: number;
}

/**
 * MinAtar's network with an actor-critic head: (10, 10, C) channels-last → conv 16 3×3 → ReLU → hidden
 * 128 → ReLU → {policy, value}; the hidden layer dense, low-rank or a TRL on the (16, 8, 8) map; the
 * conv optionally replaced by a fixed scattering layer (output (C(1 + L), 5, 5), no weights).
 */
export function minatarActorCritic(options: MinAtarActorCriticOptions): ActorCriticNetwork {
  const n = options.gridSize ?? 10;
  const c = options.inChannels ?? 4;
  const hidden = options.hiddenUnits ?? 128;
  const { rng } = options;
  const spec = options.hiddenLayer ?? { kind: "dense" };
  const front = options.frontEnd ?? { kind: "conv" };
  const first: Layer =
    front.kind === "scattering"
      ? new Scattering2d({ inChannels: c, inputSize: n, J: 1, L: front.L ?? 4 })
      : new Conv2d({
          inChannels: c,
          outChannels: options.convChannels ?? 16,
          kernelSize: 3,
          inputSize: n,
          rng,
          name: "conv",
        });
  const shape = first.outputShape;
  const features = shape.reduce((a, b) => a * b, 1);
  // Scattering coefficients of a non-negative frame are non-negative (moduli, a positive low-pass): no ReLU.
  const layers: Layer[] = [new ChannelsLastToFirst(n, n, c), first];
  if (front.kind === "conv") layers.push(new ReLU(shape, "conv_relu"));
  const name = "fc_hidden";
  if (spec.kind === "trl") {
    layers.push(
      new TuckerRegression({
        inputShape: shape,
        outFeatures: hidden,
        ...rankOrFraction(spec.rank),
        rng,
        name,
      }),
    );
  } else {
    layers.push(new Flatten(shape));
    layers.push(
      spec.kind === "lowrank"
        ? new LowRankDense({
            inFeatures: features,
            outFeatures: hidden,
            ...rankOrFraction(spec.rank),
            rng,
            name,
          })
        : new Dense({ inFeatures: features, outFeatures: hidden, rng, name }),
    );
  }
  layers.push(new ReLU([hidden], "hidden_relu"));
  return new ActorCriticNetwork(
    new Sequential(layers, { name: "trunk", inputGrad: false }),
    options.numActions,
    rng,
  );
}
