import { describe, expect, it } from "vitest";
import {
  minatarHiddenLayer,
  minatarQNetwork,
  mlpQNetwork,
  type ConvLayerSpec,
  type HiddenLayerSpec,
} from "../../src/dqn/networks.js";
import type { MatmulPrecision } from "../../src/factor/gemm.js";
import type { Layer } from "../../src/nn/layer.js";
import type { Sequential } from "../../src/nn/sequential.js";
import { Rng } from "../../src/random/rng.js";

const precisionOf = (layer: Layer): unknown => (layer as { precision?: unknown }).precision;

const VARIANTS: { hiddenLayer: HiddenLayerSpec; conv?: ConvLayerSpec }[] = [
  { hiddenLayer: { kind: "dense" } },
  { hiddenLayer: { kind: "lowrank", parameterFraction: 0.1 } },
  { hiddenLayer: { kind: "trl", parameterFraction: 0.1 } },
  { hiddenLayer: { kind: "dense" }, conv: { kind: "cp", parameterFraction: 0.5 } },
];

/** Forward and backward of a whole network on fixed data: Q-values and every parameter gradient. */
function pass(net: Sequential, batch: number): Float64Array[] {
  const rng = new Rng(7);
  const x = rng.fillUniform(new Float64Array(batch * 400));
  const g = rng.fillNormal(new Float64Array(batch * 6));
  for (const p of net.parameters) p.grad.fill(0);
  const q = Float64Array.from(net.forward(x, batch));
  net.backward(g, batch);
  return [q, ...net.parameters.map((p) => Float64Array.from(p.grad))];
}

function relativeError(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

describe("minatarQNetwork precision", () => {
  it("passes the precision to the conv, hidden and output layers; parameter counts are unchanged", () => {
    for (const v of VARIANTS) {
      const f64 = minatarQNetwork({ numActions: 6, rng: new Rng(1), ...v });
      const f32 = minatarQNetwork({ numActions: 6, rng: new Rng(1), ...v, precision: "f32" });
      expect(f32.parameterCount).toBe(f64.parameterCount);
      expect(precisionOf(minatarHiddenLayer(f32))).toBe("f32");
      expect(precisionOf(f32.layers[f32.layers.length - 1])).toBe("f32");
      // Every layer with a matrix product (the parametrized ones, conv included) gets it.
      const withProducts = f32.layers.filter((l) => l.parameters.length > 0);
      expect(withProducts.length).toBe(3);
      for (const layer of withProducts) expect(precisionOf(layer)).toBe("f32");
      for (const layer of f64.layers.filter((l) => l.parameters.length > 0))
        expect(precisionOf(layer)).toBe("f64");
    }
    expect(minatarQNetwork({ numActions: 6, rng: new Rng(0) }).parameterCount).toBe(132_566);
  });

  it("'f32' Q-values and gradients agree with 'f64' to ~1e-5 relative", () => {
    for (const v of VARIANTS) {
      const ref = pass(minatarQNetwork({ numActions: 6, rng: new Rng(2), ...v }), 4);
      const f32 = pass(minatarQNetwork({ numActions: 6, rng: new Rng(2), ...v, precision: "f32" }), 4);
      f32.forEach((a, i) => expect(relativeError(a, ref[i])).toBeLessThan(1e-5));
    }
  });

  it("rejects an unknown precision, naming the option", () => {
    expect(() =>
      minatarQNetwork({ numActions: 6, rng: new Rng(0), precision: "f16" as MatmulPrecision }),
    ).toThrow(/minatarQNetwork precision must be one of 'f64', 'f32', got 'f16'/);
    expect(() =>
      mlpQNetwork({
        observationSize: 4,
        numActions: 2,
        hidden: [8],
        rng: new Rng(0),
        precision: "bf16" as MatmulPrecision,
      }),
    ).toThrow(/mlpQNetwork precision must be one of 'f64', 'f32', got 'bf16'/);
  });
});

describe("mlpQNetwork precision", () => {
  it("reaches every layer with a matrix product", () => {
    const net = mlpQNetwork({
      observationSize: 4,
      numActions: 2,
      hidden: [16, 16],
      hiddenLayer: { kind: "lowrank", rank: 4 },
      rng: new Rng(3),
      precision: "f32",
    });
    const withProducts = net.layers.filter((l) => l.parameters.length > 0);
    expect(withProducts.length).toBe(3);
    for (const layer of withProducts) expect(precisionOf(layer)).toBe("f32");
  });
});
