import { Conv2d } from "../nn/conv2d.js";
import { Dense } from "../nn/dense.js";
import { Flatten } from "../nn/flatten.js";
import type { Layer } from "../nn/layer.js";
import { ReLU } from "../nn/relu.js";
import { Sequential } from "../nn/sequential.js";
import type { Rng } from "../random/rng.js";
import { ChannelsLastToFirst } from "./channels-last.js";

/** How a hidden layer is parametrized. */
export type HiddenLayerSpec = { kind: "dense" };

export interface MlpQNetworkOptions {
  observationSize: number;
  numActions: number;
  /** Hidden widths (CleanRL CartPole: [120, 84]). */
  hidden: readonly number[];
  rng: Rng;
}

/** MLP Q-network: (Dense → ReLU)* → Dense to one value per action, PyTorch default init. */
export function mlpQNetwork(options: MlpQNetworkOptions): Sequential {
  const layers: Layer[] = [];
  let width = options.observationSize;
  options.hidden.forEach((h, i) => {
    layers.push(new Dense({ inFeatures: width, outFeatures: h, rng: options.rng, name: `fc${i}` }));
    layers.push(new ReLU([h], `relu${i}`));
    width = h;
  });
  layers.push(new Dense({ inFeatures: width, outFeatures: options.numActions, rng: options.rng, name: "q" }));
  return new Sequential(layers, { name: "q_mlp", inputGrad: false });
}

export interface MinAtarQNetworkOptions {
  numActions: number;
  rng: Rng;
  /** Grid side (10) and input channels (Breakout: 4). */
  gridSize?: number;
  inChannels?: number;
  convChannels?: number;
  hiddenUnits?: number;
}

/**
 * MinAtar's DQN network (Young & Tian 2019, examples/dqn.py): input (10, 10, C) channels-last →
 * conv 16 3×3 stride 1 → ReLU → flatten (16·8·8 = 1024) → hidden 128 → ReLU → linear to the actions.
 * 132 566 parameters for C = 4 and 6 actions.
 */
export function minatarQNetwork(options: MinAtarQNetworkOptions): Sequential {
  const n = options.gridSize ?? 10;
  const c = options.inChannels ?? 4;
  const f = options.convChannels ?? 16;
  const hidden = options.hiddenUnits ?? 128;
  const rng = options.rng;
  const conv = new Conv2d({ inChannels: c, outChannels: f, kernelSize: 3, inputSize: [n, n], rng, name: "conv" });
  const [, ho, wo] = conv.outputShape;
  const features = f * ho * wo;
  return new Sequential(
    [
      new ChannelsLastToFirst(n, n, c),
      conv,
      new ReLU(conv.outputShape, "conv_relu"),
      new Flatten(conv.outputShape),
      new Dense({ inFeatures: features, outFeatures: hidden, rng, name: "fc_hidden" }),
      new ReLU([hidden], "hidden_relu"),
      new Dense({ inFeatures: hidden, outFeatures: options.numActions, rng, name: "q" }),
    ],
    { name: "q_minatar", inputGrad: false },
  );
}
