import type { MatmulPrecision } from "../factor/gemm.js";
import { Conv2d } from "../nn/conv2d.js";
import { CPConv2d } from "../nn/cp-conv2d.js";
import { Dense } from "../nn/dense.js";
import { Flatten } from "../nn/flatten.js";
import type { Layer } from "../nn/layer.js";
import { LowRankDense } from "../nn/low-rank-dense.js";
import { resolvePrecision } from "../nn/precision.js";
import { ReLU } from "../nn/relu.js";
import { Scattering2d } from "../nn/scattering.js";
import { Sequential } from "../nn/sequential.js";
import { TuckerRegression } from "../nn/tucker-regression.js";
import type { Rng } from "../random/rng.js";
import { ChannelsLastToFirst } from "./channels-last.js";
import { DuelingHead } from "./heads.js";

/**
 * A factorized layer's size: an integer `rank` (a Tucker layer: or one per mode) or a
 * `parameterFraction` in (0, 1] of the dense layer's parameter count, never both; a non-integer
 * rank is an error naming the field (src/nn/rank.ts).
 */
export type LayerSize<R> =
  { rank: R; parameterFraction?: undefined } | { parameterFraction: number; rank?: undefined };

/**
 * How the hidden layer is parametrized:
 *  - dense: W ∈ ℝ^{out×in};
 *  - lowrank: W = L Rᵀ of rank K, or sized by a parameter fraction;
 *  - trl: Tucker tensor-regression layer over the conv activation's modes (C, H, W) and the output
 *    (Kossaifi et al. 2020), ranks as an integer or tuple, or sized by a parameter fraction.
 */
export type HiddenLayerSpec =
  | { kind: "dense" }
  | ({ kind: "lowrank" } & LayerSize<number>)
  | ({ kind: "trl" } & LayerSize<number | readonly number[]>);

/** The layer options of a {@link LayerSize} (only the key that is given). */
function sizeOptions<R>(s: LayerSize<R>): { rank: R } | { parameterFraction: number } {
  return s.parameterFraction !== undefined
    ? { parameterFraction: s.parameterFraction }
    : { rank: s.rank as R };
}

/**
 * The output head on the last hidden features: `dueling` splits it into value and advantage
 * streams (DuelingHead), `atoms` > 1 gives N logits per action for a C51 agent (action-major:
 * output index a·N + j). Default: one linear layer to one Q-value per action.
 */
export interface QHeadSpec {
  dueling?: boolean;
  atoms?: number;
}

/** The head layer named "q": Dense(in → A·N), or a DuelingHead. */
function qHead(
  inFeatures: number,
  numActions: number,
  head: QHeadSpec | undefined,
  rng: Rng,
  precision: MatmulPrecision,
): Layer {
  const atoms = head?.atoms ?? 1;
  if (!Number.isInteger(atoms) || atoms < 1)
    throw new RangeError(`Q-network head: atoms must be an integer >= 1, got ${atoms}`);
  if (head?.dueling) return new DuelingHead({ inFeatures, numActions, atoms, rng, name: "q", precision });
  return new Dense({ inFeatures, outFeatures: numActions * atoms, rng, name: "q", precision });
}

/** The conv layer: full, or CP-factorized of rank R, or a fraction in (0, 1) (1×1 down, k×1, 1×k, 1×1 up). */
export type ConvLayerSpec = { kind: "dense" } | ({ kind: "cp" } & LayerSize<number>);

export interface MlpQNetworkOptions {
  observationSize: number;
  numActions: number;
  /** Hidden widths (e.g. [64, 64]). */
  hidden: readonly number[];
  /** Parametrization of the hidden-to-hidden layers (every hidden layer after the first). Default dense. */
  hiddenLayer?: HiddenLayerSpec;
  rng: Rng;
  /** Arithmetic of every layer's matrix products (default 'f64'; 'f32' as PyTorch's float32). */
  precision?: MatmulPrecision;
  /** Output head (default: linear to one value per action). */
  head?: QHeadSpec;
}

/**
 * MLP Q-network: (linear → ReLU)* → linear to one value per action, PyTorch default init.
 * With `hiddenLayer: {kind: "lowrank"}` the hidden-to-hidden layers are rank-K (the input layer,
 * whose rank is bounded by the observation size, stays dense).
 */
export function mlpQNetwork(options: MlpQNetworkOptions): Sequential {
  const spec = options.hiddenLayer ?? { kind: "dense" };
  if (spec.kind === "trl")
    throw new RangeError(
      "mlpQNetwork: hiddenLayer.kind must be 'dense' or 'lowrank' (a TRL needs a multi-mode input)",
    );
  const precision = resolvePrecision(options.precision, "mlpQNetwork precision");
  const layers: Layer[] = [];
  let width = options.observationSize;
  options.hidden.forEach((h, i) => {
    const common = { inFeatures: width, outFeatures: h, rng: options.rng, name: `fc${i}`, precision };
    layers.push(
      i > 0 && spec.kind === "lowrank"
        ? new LowRankDense({ ...common, ...sizeOptions(spec) })
        : new Dense(common),
    );
    layers.push(new ReLU([h], `relu${i}`));
    width = h;
  });
  layers.push(qHead(width, options.numActions, options.head, options.rng, precision));
  return new Sequential(layers, { name: "q_mlp", inputGrad: false });
}

export interface MinAtarQNetworkOptions {
  numActions: number;
  rng: Rng;
  hiddenLayer?: HiddenLayerSpec;
  conv?: ConvLayerSpec;
  /** Grid side (10) and input channels (Breakout: 4). */
  gridSize?: number;
  inChannels?: number;
  convChannels?: number;
  hiddenUnits?: number;
  /**
   * Arithmetic of every layer's matrix products, conv included (default 'f64'). 'f32': operands and
   * accumulation in single precision, as PyTorch's float32 reference trains; parameters, gradients
   * and outputs stay Float64Array.
   */
  precision?: MatmulPrecision;
  /** Output head (default: linear to one value per action). */
  head?: QHeadSpec;
  /**
   * First layer: the learned 3×3 conv (default) or a fixed order-1 Morlet scattering (J = 1, L
   * orientations, default 4; docs/scattering.md) with no weights, output (C(1 + L), 5, 5), no ReLU.
   */
  frontEnd?: { kind: "conv" } | { kind: "scattering"; L?: number };
}

/** Name of the hidden layer inside {@link minatarQNetwork} (for spectra and parameter reports). */
export const MINATAR_HIDDEN_LAYER = "fc_hidden";

/**
 * MinAtar's DQN network (Young & Tian 2019, examples/dqn.py): input (10, 10, C) channels-last →
 * conv 16 3×3 stride 1 → ReLU → (16, 8, 8) → hidden 128 → ReLU → linear to the actions.
 * Dense everywhere: 132 566 parameters for C = 4 and 6 actions. The hidden layer can be low-rank
 * or a Tucker TRL on the (16, 8, 8) activation; the conv can be CP-factorized, or replaced by a
 * fixed scattering layer (the TRL paper's first-layer substitution; the hidden layer then reads
 * its (20, 5, 5) coefficients for L = 4).
 */
export function minatarQNetwork(options: MinAtarQNetworkOptions): Sequential {
  const n = options.gridSize ?? 10;
  const c = options.inChannels ?? 4;
  const f = options.convChannels ?? 16;
  const hidden = options.hiddenUnits ?? 128;
  const hiddenSpec = options.hiddenLayer ?? { kind: "dense" };
  const convSpec = options.conv ?? { kind: "dense" };
  const rng = options.rng;
  const precision = resolvePrecision(options.precision, "minatarQNetwork precision");
  const front = options.frontEnd ?? { kind: "conv" };
  if (front.kind === "scattering" && convSpec.kind !== "dense")
    throw new RangeError("minatarQNetwork: a scattering front end replaces the conv, so conv must be dense");
  const convCommon = {
    inChannels: c,
    outChannels: f,
    kernelSize: 3,
    inputSize: [n, n] as [number, number],
    rng,
    name: "conv",
    precision,
  };
  const conv: Layer =
    front.kind === "scattering"
      ? new Scattering2d({ inChannels: c, inputSize: n, J: 1, L: front.L ?? 4, name: "scattering" })
      : convSpec.kind === "cp"
        ? new CPConv2d({ ...convCommon, ...sizeOptions(convSpec) })
        : new Conv2d(convCommon);
  const convShape = conv.outputShape;
  const features = convShape.reduce((a, b) => a * b, 1);
  const layers: Layer[] = [new ChannelsLastToFirst(n, n, c), conv];
  // Scattering coefficients of a non-negative frame are non-negative (moduli, a positive low-pass): no ReLU.
  if (front.kind === "conv") layers.push(new ReLU(convShape, "conv_relu"));
  const name = MINATAR_HIDDEN_LAYER;
  if (hiddenSpec.kind === "trl") {
    layers.push(
      new TuckerRegression({
        inputShape: convShape,
        outFeatures: hidden,
        ...sizeOptions(hiddenSpec),
        rng,
        name,
        precision,
      }),
    );
  } else {
    layers.push(new Flatten(convShape));
    layers.push(
      hiddenSpec.kind === "lowrank"
        ? new LowRankDense({
            inFeatures: features,
            outFeatures: hidden,
            ...sizeOptions(hiddenSpec),
            rng,
            name,
            precision,
          })
        : new Dense({ inFeatures: features, outFeatures: hidden, rng, name, precision }),
    );
  }
  layers.push(new ReLU([hidden], "hidden_relu"));
  layers.push(qHead(hidden, options.numActions, options.head, rng, precision));
  return new Sequential(layers, { name: "q_minatar", inputGrad: false });
}

/** The hidden layer of a {@link minatarQNetwork} (Dense, LowRankDense or TuckerRegression). */
export function minatarHiddenLayer(net: Sequential): Layer {
  const layer = net.layers.find((l) => l.name === MINATAR_HIDDEN_LAYER);
  if (!layer) throw new Error(`minatarHiddenLayer: no layer named ${MINATAR_HIDDEN_LAYER} in ${net.name}`);
  return layer;
}
