/**
 * Forward+backward time per batch of 32 for the MinAtar Breakout DQN's layers (input 4×10×10,
 * conv 16 3×3 → 16×8×8 = 1024 → hidden 128 → 6 actions): the hidden layer as Dense, LowRankDense and
 * TuckerRegression at ½, ⅕, ⅒ of the dense parameters; the conv as Conv2d and CPConv2d; and the whole
 * network's training step (online forward+backward at 32, target forward at 32, acting forward at 1),
 * by wall clock and (`_cpu` keys) by this process's CPU time, which a loaded machine inflates less.
 * Ratios are against Dense / Conv2d / the dense network measured in the same run.
 */
import {
  Conv2d,
  CPConv2d,
  Dense,
  Flatten,
  LowRankDense,
  ReLU,
  Sequential,
  TuckerRegression,
  type Layer,
} from "../../src/nn/index.js";
import { Rng } from "../../src/random/rng.js";

export const name = "factor-layers";

const BATCH = 32;

/**
 * Median over 5 rounds of the mean time (ms) of `step`, each round running ≥ 150 ms. `clock`
 * 'cpu' reads this process's CPU time instead of the wall clock (less inflated on a shared machine).
 */
function timeMs(step: () => void, clock: "wall" | "cpu" = "wall"): number {
  const now =
    clock === "wall"
      ? () => performance.now()
      : () => {
          const u = process.cpuUsage();
          return (u.user + u.system) / 1000;
        };
  for (let i = 0; i < 20; i++) step();
  const rounds: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = now();
    let t = t0;
    while (t - t0 < 150) {
      step();
      n++;
      t = now();
    }
    rounds.push((t - t0) / n);
  }
  rounds.sort((a, b) => a - b);
  return rounds[2];
}

function fwdBwdMs(layer: Layer, rng: Rng, clock: "wall" | "cpu"): number {
  const inSize = layer.inputShape.reduce((a, b) => a * b, 1);
  const outSize = layer.outputShape.reduce((a, b) => a * b, 1);
  const x = rng.fillUniform(new Float64Array(BATCH * inSize));
  const g = rng.fillNormal(new Float64Array(BATCH * outSize));
  return timeMs(() => {
    layer.forward(x, BATCH);
    layer.backward(g, BATCH);
  }, clock);
}

function net(hidden: (rng: Rng) => Layer, conv: (rng: Rng) => Layer, seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    [
      conv(rng),
      new ReLU([16, 8, 8]),
      new Flatten([16, 8, 8]),
      hidden(rng),
      new ReLU([128]),
      new Dense({ inFeatures: 128, outFeatures: 6, rng }),
    ],
    { inputGrad: false },
  );
}

/** One DQN update's network work: online fwd+bwd at 32, target fwd at 32, one acting fwd at 1. */
function updateMs(make: (seed: number) => Sequential, rng: Rng, clock: "wall" | "cpu"): number {
  const online = make(1);
  const target = make(2);
  const x = rng.fillUniform(new Float64Array(BATCH * 400));
  const x1 = rng.fillUniform(new Float64Array(400));
  const g = rng.fillNormal(new Float64Array(BATCH * 6));
  return timeMs(() => {
    online.forward(x1, 1);
    target.forward(x, BATCH);
    online.forward(x, BATCH);
    online.backward(g, BATCH);
  }, clock);
}

export async function run(): Promise<Record<string, number>> {
  const rng = new Rng(0);
  const out: Record<string, number> = {};
  const hidden: Record<string, (r: Rng) => Layer> = {
    dense: (r) => new Dense({ inFeatures: 1024, outFeatures: 128, rng: r }),
    lowrank_half: (r) =>
      new LowRankDense({ inFeatures: 1024, outFeatures: 128, parameterFraction: 0.5, rng: r }),
    lowrank_fifth: (r) =>
      new LowRankDense({ inFeatures: 1024, outFeatures: 128, parameterFraction: 0.2, rng: r }),
    lowrank_tenth: (r) =>
      new LowRankDense({ inFeatures: 1024, outFeatures: 128, parameterFraction: 0.1, rng: r }),
    trl_half: (r) =>
      new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, parameterFraction: 0.5, rng: r }),
    trl_fifth: (r) =>
      new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, parameterFraction: 0.2, rng: r }),
    trl_tenth: (r) =>
      new TuckerRegression({ inputShape: [16, 8, 8], outFeatures: 128, parameterFraction: 0.1, rng: r }),
  };
  const conv = (r: Rng): Layer =>
    new Conv2d({ inChannels: 4, outChannels: 16, kernelSize: 3, inputSize: 10, rng: r });
  const cpHalf = (r: Rng): Layer =>
    new CPConv2d({
      inChannels: 4,
      outChannels: 16,
      kernelSize: 3,
      inputSize: 10,
      parameterFraction: 0.5,
      rng: r,
    });
  for (const clock of ["wall", "cpu"] as const) {
    const suffix = clock === "cpu" ? "_cpu" : "";
    const ms: Record<string, number> = {};
    for (const [key, make] of Object.entries(hidden)) {
      const layer = make(rng);
      if (clock === "wall") out[`factor_layers_hidden_${key}_params`] = layer.parameterCount;
      ms[key] = fwdBwdMs(layer, rng, clock);
      out[`factor_layers_hidden_${key}_fwd_bwd_ms${suffix}`] = ms[key];
    }
    for (const key of Object.keys(hidden)) {
      if (key !== "dense") out[`factor_layers_hidden_${key}_speedup_vs_dense${suffix}`] = ms.dense / ms[key];
    }
    const convMs = fwdBwdMs(conv(rng), rng, clock);
    const cpMs = fwdBwdMs(cpHalf(rng), rng, clock);
    out[`factor_layers_conv_dense_fwd_bwd_ms${suffix}`] = convMs;
    out[`factor_layers_conv_cp_half_fwd_bwd_ms${suffix}`] = cpMs;
    out[`factor_layers_conv_cp_half_speedup_vs_dense${suffix}`] = convMs / cpMs;
  }

  for (const clock of ["wall", "cpu"] as const) {
    const denseNet = updateMs((s) => net(hidden.dense, conv, s), rng, clock);
    const trlNet = updateMs((s) => net(hidden.trl_tenth, conv, s), rng, clock);
    const cpuCp = updateMs((s) => net(hidden.dense, cpHalf, s), rng, clock);
    const suffix = clock === "cpu" ? "_cpu" : "";
    out[`factor_layers_breakout_dense_net_updates_per_s${suffix}`] = 1000 / denseNet;
    out[`factor_layers_breakout_trl_tenth_net_updates_per_s${suffix}`] = 1000 / trlNet;
    out[`factor_layers_breakout_cpconv_half_net_updates_per_s${suffix}`] = 1000 / cpuCp;
    out[`factor_layers_breakout_trl_tenth_net_speedup_vs_dense${suffix}`] = denseNet / trlNet;
  }
  return out;
}
