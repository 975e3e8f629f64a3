import { describe, expect, it } from "vitest";
import { ChannelsLastToFirst } from "../../src/dqn/channels-last.js";
import { Dense, Flatten, ReLU, Sequential } from "../../src/nn/index.js";
import type { Layer } from "../../src/nn/layer.js";
import { Rng } from "../../src/random/rng.js";

/** Counts calls of a layer's backward. */
function countBackward(layer: Layer): { calls: number } {
  const counter = { calls: 0 };
  const original = layer.backward.bind(layer);
  layer.backward = (g, batch) => {
    counter.calls++;
    return original(g, batch);
  };
  return counter;
}

function net(seed: number, inputGrad: boolean): { seq: Sequential; permute: Layer; flatten: Layer } {
  const rng = new Rng(seed);
  const permute = new ChannelsLastToFirst(3, 2, 4);
  const flatten = new Flatten([4, 3, 2]);
  const seq = new Sequential(
    [
      permute,
      flatten,
      new Dense({ inFeatures: 24, outFeatures: 10, rng }),
      new ReLU([10]),
      new Dense({ inFeatures: 10, outFeatures: 3, rng }),
    ],
    { inputGrad },
  );
  return { seq, permute, flatten };
}

describe("Sequential with inputGrad: false", () => {
  it("stops backward at the first parametrized layer, returning zeros and the same parameter gradients", () => {
    const x = new Rng(1).fillNormal(new Float64Array(2 * 24));
    const g = new Rng(2).fillNormal(new Float64Array(2 * 3));
    const full = net(5, true);
    const lean = net(5, false);
    const skipped = [countBackward(lean.permute), countBackward(lean.flatten)];
    const ran = countBackward(full.permute);
    full.seq.forward(x, 2);
    const gxFull = full.seq.backward(g, 2);
    lean.seq.forward(x, 2);
    const gxLean = lean.seq.backward(g, 2);
    expect(ran.calls).toBe(1);
    expect(skipped.map((c) => c.calls)).toEqual([0, 0]);
    expect(gxLean.length).toBe(2 * 24);
    expect(gxLean.every((v) => v === 0)).toBe(true);
    expect(gxFull.some((v) => v !== 0)).toBe(true);
    const pf = full.seq.parameters;
    lean.seq.parameters.forEach((p, i) => expect(Array.from(p.grad)).toEqual(Array.from(pf[i].grad)));
  });
});
