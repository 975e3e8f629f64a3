import type { ObservationDtype } from "../dqn/replay-buffer.js";
import { minatarHiddenLayer, minatarQNetwork, mlpQNetwork } from "../dqn/networks.js";
import type { Env } from "../envs/env.js";
import { MinAtarBreakout } from "../envs/minatar-breakout.js";
import { makeEnv } from "../envs/registry.js";
import { Dense } from "../nn/dense.js";
import type { Layer } from "../nn/layer.js";
import { LowRankDense } from "../nn/low-rank-dense.js";
import type { Sequential } from "../nn/sequential.js";
import type { Rng } from "../random/rng.js";
import { dqnHeadSpec, parseNetworkSpec, type DqnEnvId, type DqnRunConfig } from "./dqn-config.js";

/** A row-major rows×cols matrix. */
export interface DenseMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** What a DQN run needs to know about its env: how to build it, its Q-network and probes. */
export interface DqnEnvSpec {
  makeEnv: (rng: Rng) => Env<unknown, number>;
  makeEvalEnv: () => Env<unknown, number>;
  /** Evaluation episode i resets with seed evalSeedBase + i. */
  evalSeedBase: number;
  observationDtype?: ObservationDtype;
  buildNetwork: (config: DqnRunConfig, rng: Rng) => Layer;
  /** The hidden layer's weight as a dense matrix (its spectrum is tracked), or null (TRL). */
  spectrumOf: (net: Layer) => DenseMatrix | null;
  /** Options of a `"dqn"` saved policy (src/laser) that rebuild a dense network, or undefined. */
  savedPolicyOptions: (config: DqnRunConfig) => Record<string, unknown> | undefined;
  /** "Solved" level of the moving-average return in reports, or null. */
  threshold: number | null;
  /** One line describing the network family (manifest spec). */
  describe: string;
}

function matrixOf(layer: Layer | undefined): DenseMatrix | null {
  if (layer instanceof Dense)
    return { data: layer.weight.data, rows: layer.outFeatures, cols: layer.inFeatures };
  if (layer instanceof LowRankDense)
    return { data: layer.matrix.toDense(), rows: layer.outFeatures, cols: layer.inFeatures };
  return null;
}

const CARTPOLE_HIDDEN = [64, 64];
const MINATAR = { stickyActionProb: 0.1, minimalActions: false, convChannels: 16, hiddenUnits: 128 };
const MINATAR_ACTIONS = MINATAR.minimalActions ? 3 : 6;

/** The DQN envs (experiments/cartpole-dqn.ts and experiments/breakout.ts set these up the same way). */
export const DQN_ENV_SPECS: Readonly<Record<DqnEnvId, DqnEnvSpec>> = {
  "CartPole-v1": {
    makeEnv: (rng) => makeEnv("CartPole-v1", { rng }) as Env<unknown, number>,
    makeEvalEnv: () => makeEnv("CartPole-v1") as Env<unknown, number>,
    evalSeedBase: 1000,
    buildNetwork: (config, rng) =>
      mlpQNetwork({
        observationSize: 4,
        numActions: 2,
        hidden: CARTPOLE_HIDDEN,
        hiddenLayer: parseNetworkSpec(config.network).hidden,
        rng,
        precision: config.precision,
        head: dqnHeadSpec(config),
      }),
    spectrumOf: (net) => matrixOf((net as Sequential).layers.find((l) => l.name === "fc1")),
    savedPolicyOptions: (config) =>
      config.network === "dense" && config.head === "q"
        ? { network: "mlp", numActions: 2, observationSize: 4, hidden: CARTPOLE_HIDDEN }
        : undefined,
    threshold: 195,
    describe: "MLP 4 -> 64 -> 64 -> 2 (ReLU); the 64x64 layer parametrized by `network`",
  },
  "MinAtar/Breakout": {
    makeEnv: (rng) =>
      new MinAtarBreakout({
        stickyActionProb: MINATAR.stickyActionProb,
        minimalActions: MINATAR.minimalActions,
        rng,
      }),
    makeEvalEnv: () =>
      new MinAtarBreakout({
        stickyActionProb: MINATAR.stickyActionProb,
        minimalActions: MINATAR.minimalActions,
      }),
    evalSeedBase: 1_000_000,
    observationDtype: "uint8",
    buildNetwork: (config, rng) => {
      const net = parseNetworkSpec(config.network);
      return minatarQNetwork({
        numActions: MINATAR_ACTIONS,
        rng,
        hiddenLayer: net.hidden,
        conv: net.conv,
        convChannels: MINATAR.convChannels,
        hiddenUnits: MINATAR.hiddenUnits,
        precision: config.precision,
        head: dqnHeadSpec(config),
        ...(config.scattering ? { frontEnd: { kind: "scattering" as const } } : {}),
      });
    },
    spectrumOf: (net) => matrixOf(minatarHiddenLayer(net as Sequential)),
    savedPolicyOptions: (config) =>
      config.network === "dense" && config.head === "q" && !config.scattering
        ? {
            network: "minatar",
            numActions: MINATAR_ACTIONS,
            convChannels: MINATAR.convChannels,
            hiddenUnits: MINATAR.hiddenUnits,
            envOptions: {
              stickyActionProb: MINATAR.stickyActionProb,
              minimalActions: MINATAR.minimalActions,
            },
          }
        : undefined,
    threshold: null,
    describe: `(10,10,4) -> conv ${MINATAR.convChannels} 3x3 -> ReLU -> hidden ${MINATAR.hiddenUnits} -> ReLU -> ${MINATAR_ACTIONS} actions; sticky actions ${MINATAR.stickyActionProb}`,
  },
};
