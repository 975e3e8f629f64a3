import { describe, expect, it } from "vitest";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { Rng } from "../../src/random/rng.js";
import { oneMatchesBatch, parametrizationGradError } from "./grad-check.js";

describe("RbfFeatures (fixed random centres, learned linear layer)", () => {
  it("gradients match central differences for 1 and 3 outputs and any bandwidth", () => {
    for (const [S, K, D, gamma] of [
      [3, 7, 1, 1],
      [2, 5, 3, 0.4],
    ] as const) {
      const rng = new Rng(11);
      const f = new RbfFeatures(S, { features: K, outputs: D, gamma }, "actor");
      f.init(rng);
      const T = 6;
      const states = rng.fillNormal(new Float64Array(T * S));
      expect(parametrizationGradError(f, states, T, 3)).toBeLessThan(1e-7);
      expect(oneMatchesBatch(f, states, T)).toBe(true);
      expect(f.parameterCount).toBe(D * (K + 1));
    }
  });

  it("φ_k(s) = exp(−γ‖s − c_k‖²): 1 at a centre, the centres stay fixed, init within PyTorch's Linear bounds", () => {
    const rng = new Rng(4);
    const f = new RbfFeatures(3, { features: 300 }, "p");
    f.init(rng);
    expect(f.parameterCount).toBe(301); // the reference pendulum's RBF mean
    const phi = new Float64Array(300);
    f.featuresOf(f.centres, 3 * 17, phi);
    expect(phi[17]).toBe(1);
    const c = f.centres.slice();
    const z = new Float64Array(4);
    const states = rng.fillNormal(new Float64Array(12));
    f.forwardBatch(states, 4, z);
    f.backwardBatch(Float64Array.of(1, 2, 3, 4));
    expect(f.centres).toEqual(c);
    // φ is reused for the same states and recomputed for new ones
    const other = rng.fillNormal(new Float64Array(12));
    const z2 = new Float64Array(4);
    f.forwardBatch(other, 4, z2);
    const one = new Float64Array(1);
    f.forwardOne(other.subarray(6, 9), one);
    expect(z2[2]).toBe(one[0]);
    f.forwardBatch(states, 4, z2);
    expect(Array.from(z2)).toEqual(Array.from(z));
    expect(f.parameters.map((p) => p.name)).toEqual(["p.linear.weight", "p.linear.bias"]);
    const bound = 1 / Math.sqrt(300);
    expect(f.weight.data.every((w) => Math.abs(w) <= bound)).toBe(true);
    // same seed → same centres and weights
    const g = new RbfFeatures(3, { features: 300 }, "p");
    g.init(new Rng(4));
    expect(g.centres).toEqual(f.centres);
    expect(() => new RbfFeatures(3, { features: 0 }, "p")).toThrow(
      /features must be an integer in \[1, 1000000\], got 0/,
    );
    expect(() => new RbfFeatures(3, { features: 3, gamma: 0 }, "p")).toThrow(
      /gamma must be a finite number > 0/,
    );
  });
});

describe("ScalarMlp with tanh (the tensor-low-rank reference's 3-64-1 baseline)", () => {
  it("gradients match central differences; forwardOne equals the batch", () => {
    for (const S of [2, 3]) {
      const rng = new Rng(8 + S);
      const f = new ScalarMlp(S, 9, "layers", { activation: "tanh" });
      f.initTorchDefault(rng);
      const T = 5;
      const states = rng.fillNormal(new Float64Array(T * S));
      expect(parametrizationGradError(f, states, T, 2)).toBeLessThan(1e-7);
      expect(oneMatchesBatch(f, states, T)).toBe(true);
    }
  });

  it("computes w₂·tanh(W₁x + b₁) + b₂; the output layer scales like the reference's init (×0.1, ×0)", () => {
    const f = new ScalarMlp(3, 64, "layers", { activation: "tanh" });
    f.initTorchDefault(new Rng(1));
    const w2 = f.w2.data.slice();
    f.b2.data[0] = 0.3;
    f.scaleOutputLayer(0.1, 0);
    expect(f.w2.data[5]).toBeCloseTo(0.1 * w2[5], 15);
    expect(f.b2.data[0]).toBe(0);
    expect(f.parameterCount).toBe(321);
    const x = [0.2, -0.5, 1.5];
    let want = 0;
    for (let h = 0; h < 64; h++) {
      let u = f.b1.data[h];
      for (let s = 0; s < 3; s++) u += f.w1.data[h * 3 + s] * x[s];
      want += f.w2.data[h] * Math.tanh(u);
    }
    expect(f.forward(x)).toBeCloseTo(want, 13);
    // the ReLU default is unchanged and distinct
    const r = new ScalarMlp(3, 64, "layers");
    r.initTorchDefault(new Rng(1));
    expect(r.activation).toBe("relu");
    expect(r.forward(x)).not.toBeCloseTo(new ScalarMlp(3, 64, "l", { activation: "tanh" }).forward(x), 3);
    expect(() => new ScalarMlp(3, 4, "l", { activation: "gelu" as "tanh" })).toThrow(
      /activation must be "relu" or "tanh"/,
    );
  });
});
