import { describe, expect, it } from "vitest";
import {
  Conv2d,
  Dense,
  Kfac,
  LowRankDense,
  ReLU,
  Sequential,
  TuckerRegression,
  type KroneckerStatistics,
  type Layer,
} from "../../src/nn/index.js";
import { spdInverseInto } from "../../src/nn/kfac-linalg.js";
import { Sgd } from "../../src/optim/sgd.js";
import { Rng } from "../../src/random/rng.js";

/** Forward x, backward r; returns the statistics of every block. */
function statsAfter(layer: Layer, batch: number, rng: Rng, binary = false): KroneckerStatistics[] {
  const inSize = layer.inputShape.reduce((a, b) => a * b, 1) * batch;
  const outSize = layer.outputShape.reduce((a, b) => a * b, 1) * batch;
  const x = new Float64Array(inSize);
  if (binary) for (let i = 0; i < inSize; i++) x[i] = rng.uniform() < 0.1 ? 1 : 0;
  else rng.fillNormal(x);
  const r = rng.fillNormal(new Float64Array(outSize));
  for (const p of layer.parameters) p.grad.fill(0);
  layer.forward(x, batch);
  layer.backward(r, batch);
  return [...layer.kroneckerStatistics!(batch)];
}

/** Σ_rows g aᵀ in the block's layout, and Σ_rows g. */
function gradientFromStatistics(s: KroneckerStatistics): { w: Float64Array; b: Float64Array } {
  const w = new Float64Array(s.inDim * s.outDim);
  const b = new Float64Array(s.outDim);
  for (let r = 0; r < s.rows; r++) {
    for (let o = 0; o < s.outDim; o++) {
      const g = s.outputGrads[r * s.outDim + o];
      b[o] += g;
      for (let i = 0; i < s.inDim; i++) {
        const k = s.layout === "outIn" ? o * s.inDim + i : i * s.outDim + o;
        w[k] += g * s.activations[r * s.inDim + i];
      }
    }
  }
  return { w, b };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const layerCases: [string, () => Layer, boolean][] = [
  ["Dense", () => new Dense({ inFeatures: 5, outFeatures: 3, rng: new Rng(1) }), false],
  [
    "Dense without bias",
    () => new Dense({ inFeatures: 4, outFeatures: 6, bias: false, rng: new Rng(2) }),
    false,
  ],
  [
    "LowRankDense",
    () => new LowRankDense({ inFeatures: 7, outFeatures: 5, rank: 2, rng: new Rng(3) }),
    false,
  ],
  [
    "Conv2d (dense path, stride 2, padding 1)",
    () =>
      new Conv2d({
        inChannels: 2,
        outChannels: 3,
        kernelSize: 3,
        inputSize: [6, 5],
        stride: 2,
        padding: 1,
        rng: new Rng(4),
        inputPath: "dense",
      }),
    false,
  ],
  [
    "Conv2d (sparse path, binary input)",
    () =>
      new Conv2d({
        inChannels: 3,
        outChannels: 4,
        kernelSize: 3,
        inputSize: [6, 6],
        rng: new Rng(5),
        inputPath: "sparse",
      }),
    true,
  ],
  [
    "TRL, one input mode",
    () => new TuckerRegression({ inputShape: [6], outFeatures: 3, rank: [4, 2], rng: new Rng(6) }),
    false,
  ],
  [
    "TRL, two input modes",
    () => new TuckerRegression({ inputShape: [4, 3], outFeatures: 5, rank: [3, 2, 4], rng: new Rng(7) }),
    false,
  ],
  [
    "TRL, three input modes",
    () =>
      new TuckerRegression({ inputShape: [3, 4, 2], outFeatures: 4, rank: [2, 3, 2, 3], rng: new Rng(8) }),
    false,
  ],
];

describe("K-FAC statistics of the layers", () => {
  for (const [name, make, binary] of layerCases) {
    it(`${name}: Σ_rows g aᵀ of every block is its weight gradient (and Σ g its bias gradient)`, () => {
      const layer = make();
      const stats = statsAfter(layer, 3, new Rng(11), binary);
      const blocks = layer.kroneckerBlocks!();
      expect(stats.map((s) => s.weight.name)).toEqual(blocks.map((b) => b.weight.name));
      for (const s of stats) {
        expect(s.rows).toBe(3 * s.positions);
        expect(s.activations.length).toBe(s.rows * s.inDim);
        expect(s.outputGrads.length).toBe(s.rows * s.outDim);
        const { w, b } = gradientFromStatistics(s);
        expect(maxAbsDiff(w, s.weight.grad), s.weight.name).toBeLessThan(1e-10);
        if (s.bias) expect(maxAbsDiff(b, s.bias.grad)).toBeLessThan(1e-10);
      }
      // Every parameter of the layer is in some block.
      const covered = new Set(blocks.flatMap((b) => (b.bias ? [b.weight, b.bias] : [b.weight])));
      for (const p of layer.parameters) expect(covered.has(p), p.name).toBe(true);
    });
  }

  it("reading the statistics changes no output or gradient", () => {
    const a = new TuckerRegression({
      inputShape: [3, 4, 2],
      outFeatures: 4,
      rank: [2, 3, 2, 3],
      rng: new Rng(8),
    });
    const b = new TuckerRegression({
      inputShape: [3, 4, 2],
      outFeatures: 4,
      rank: [2, 3, 2, 3],
      rng: new Rng(8),
    });
    const rng = new Rng(3);
    const x = rng.fillNormal(new Float64Array(2 * 24));
    const r = rng.fillNormal(new Float64Array(2 * 4));
    const ya = Float64Array.from(a.forward(x, 2));
    const gxa = Float64Array.from(a.backward(r, 2));
    a.kroneckerStatistics(2);
    const yb = Float64Array.from(b.forward(x, 2));
    const gxb = Float64Array.from(b.backward(r, 2));
    expect(Array.from(ya)).toEqual(Array.from(yb));
    expect(Array.from(gxa)).toEqual(Array.from(gxb));
    a.parameters.forEach((p, i) => expect(Array.from(p.grad)).toEqual(Array.from(b.parameters[i].grad)));
  });

  it("TRL mode-n activations are the mode-n fibers of X ×_{m≠n} U⁽ᵐ⁾ᵀ (brute force)", () => {
    const shape = [3, 4, 2];
    const ranks = [2, 3, 2, 2];
    const trl = new TuckerRegression({ inputShape: shape, outFeatures: 3, rank: ranks, rng: new Rng(9) });
    const batch = 2;
    const rng = new Rng(10);
    const x = rng.fillNormal(new Float64Array(batch * 24));
    trl.forward(x, batch);
    trl.backward(rng.fillNormal(new Float64Array(batch * 3)), batch);
    const stats = trl.kroneckerStatistics(batch);
    const U = trl.inputFactors.map((p) => p.data);
    const X = (b: number, i: number, j: number, k: number): number => x[b * 24 + i * 8 + j * 2 + k];
    // Mode 1: Z[b, r0, j, r2] = Σ_{i,k} X[b,i,j,k] U0[i,r0] U2[k,r2]; rows (b, r0, r2), columns j.
    const s1 = stats[1];
    expect(s1.positions).toBe(ranks[0] * ranks[2]);
    let worst = 0;
    for (let b = 0; b < batch; b++)
      for (let r0 = 0; r0 < 2; r0++)
        for (let r2 = 0; r2 < 2; r2++)
          for (let j = 0; j < 4; j++) {
            let z = 0;
            for (let i = 0; i < 3; i++)
              for (let k = 0; k < 2; k++) z += X(b, i, j, k) * U[0][i * 2 + r0] * U[2][k * 2 + r2];
            const row = (b * 2 + r0) * 2 + r2;
            worst = Math.max(worst, Math.abs(z - s1.activations[row * 4 + j]));
          }
    expect(worst).toBeLessThan(1e-12);
  });
});

/** vec index (o, i′) of a block's [W b] gradient, for the brute-force Fisher. */
function blockGradient(s: KroneckerStatistics): Float64Array {
  const n = s.inDim + (s.bias ? 1 : 0);
  const v = new Float64Array(s.outDim * n);
  for (let o = 0; o < s.outDim; o++) {
    for (let i = 0; i < s.inDim; i++)
      v[o * n + i] = s.weight.grad[s.layout === "outIn" ? o * s.inDim + i : i * s.outDim + o];
    if (s.bias) v[o * n + s.inDim] = s.bias.grad[o];
  }
  return v;
}

describe("K-FAC factors", () => {
  it("A and G equal their definitions on a two-layer network (batch mean loss)", () => {
    const rng = new Rng(21);
    const l1 = new Dense({ inFeatures: 3, outFeatures: 4, rng, name: "l1" });
    const l2 = new Dense({ inFeatures: 4, outFeatures: 2, rng, name: "l2" });
    const net = new Sequential([l1, new ReLU([4]), l2]);
    const kfac = new Kfac(net, { lr: 0.1 });
    const B = 5;
    const x = rng.fillNormal(new Float64Array(B * 3));
    const r = rng.fillNormal(new Float64Array(B * 2));
    const y = net.forward(x, B);
    expect(y.length).toBe(B * 2);
    // J = (1/B) Σ_b r_b · y_b, so ∂J/∂y_b = r_b / B.
    net.backward(
      r.map((v) => v / B),
      B,
    );
    kfac.updateStatistics(B);
    // Hand computation.
    const W1 = l1.weight.data;
    const b1 = l1.bias!.data;
    const W2 = l2.weight.data;
    const A1 = new Float64Array(16);
    const A2 = new Float64Array(25);
    const G1 = new Float64Array(16);
    const G2 = new Float64Array(4);
    for (let b = 0; b < B; b++) {
      const a1 = [...x.subarray(b * 3, b * 3 + 3), 1];
      const pre = [0, 1, 2, 3].map(
        (o) => b1[o] + a1[0] * W1[o * 3] + a1[1] * W1[o * 3 + 1] + a1[2] * W1[o * 3 + 2],
      );
      const a2 = [...pre.map((v) => Math.max(v, 0)), 1];
      const g2 = [r[b * 2], r[b * 2 + 1]]; // B · ∂J/∂y_b
      const g1 = [0, 1, 2, 3].map((i) => (pre[i] > 0 ? g2[0] * W2[i] + g2[1] * W2[4 + i] : 0));
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) A1[i * 4 + j] += (a1[i] * a1[j]) / B;
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) A2[i * 5 + j] += (a2[i] * a2[j]) / B;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) G1[i * 4 + j] += (g1[i] * g1[j]) / B;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) G2[i * 2 + j] += (g2[i] * g2[j]) / B;
    }
    const f1 = kfac.factors(l1.weight.name);
    const f2 = kfac.factors(l2.weight.name);
    expect(maxAbsDiff(f1.A, A1)).toBeLessThan(1e-12);
    expect(maxAbsDiff(f1.G, G1)).toBeLessThan(1e-12);
    expect(maxAbsDiff(f2.A, A2)).toBeLessThan(1e-12);
    expect(maxAbsDiff(f2.G, G2)).toBeLessThan(1e-12);
  });

  it("on one example, every block's A ⊗ G is the brute-force empirical Fisher block (dense, low-rank, TRL, 1×1-output conv)", () => {
    const rng = new Rng(31);
    const conv = new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, inputSize: [3, 3], rng });
    const trl = new TuckerRegression({ inputShape: [3, 1, 1], outFeatures: 4, rank: [1, 1, 1, 2], rng });
    const net = new Sequential([
      conv,
      new ReLU([3, 1, 1]),
      trl,
      new ReLU([4]),
      new LowRankDense({ inFeatures: 4, outFeatures: 3, rank: 2, rng }),
      new ReLU([3]),
      new Dense({ inFeatures: 3, outFeatures: 2, rng }),
    ]);
    const kfac = new Kfac(net, { lr: 0.1 });
    const x = rng.fillNormal(new Float64Array(18));
    net.forward(x, 1);
    net.zeroGrad();
    net.backward(rng.fillNormal(new Float64Array(2)), 1);
    kfac.updateStatistics(1);
    const stats = net.layers.flatMap((l) => (l.kroneckerStatistics ? [...l.kroneckerStatistics(1)] : []));
    expect(stats.length).toBe(1 + 5 + 2 + 1);
    for (const s of stats) {
      const v = blockGradient(s);
      const { A, G } = kfac.factors(s.weight.name);
      const n = s.inDim + (s.bias ? 1 : 0);
      let worst = 0;
      let scale = 0;
      for (let o = 0; o < s.outDim; o++)
        for (let i = 0; i < n; i++)
          for (let o2 = 0; o2 < s.outDim; o2++)
            for (let i2 = 0; i2 < n; i2++) {
              const fisher = v[o * n + i] * v[o2 * n + i2];
              scale = Math.max(scale, Math.abs(fisher));
              worst = Math.max(worst, Math.abs(fisher - A[i * n + i2] * G[o * s.outDim + o2]));
            }
      expect(scale, s.weight.name).toBeGreaterThan(0);
      expect(worst / scale, s.weight.name).toBeLessThan(1e-12);
    }
  });

  it("running averages: A ← εA + (1−ε)Â after the first batch", () => {
    const rng = new Rng(41);
    const dense = new Dense({ inFeatures: 2, outFeatures: 2, rng });
    const kfac = new Kfac(dense, { lr: 0.1, statDecay: 0.75 });
    const first = statsAfter(dense, 4, rng);
    kfac.updateStatistics(4);
    const A1 = kfac.factors(dense.weight.name).A;
    expect(first.length).toBe(1);
    statsAfter(dense, 4, rng);
    kfac.updateStatistics(4);
    const fresh = new Kfac(dense, { lr: 0.1 });
    fresh.updateStatistics(4);
    const Ahat = fresh.factors(dense.weight.name).A;
    const A2 = kfac.factors(dense.weight.name).A;
    for (let i = 0; i < A2.length; i++) expect(A2[i]).toBeCloseTo(0.75 * A1[i] + 0.25 * Ahat[i], 14);
  });

  it("spdInverseInto inverts a symmetric positive-definite matrix and rejects an indefinite one", () => {
    const rng = new Rng(5);
    const n = 6;
    const M = rng.fillNormal(new Float64Array(n * n));
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = i === j ? 0.5 : 0;
        for (let k = 0; k < n; k++) s += M[i * n + k] * M[j * n + k];
        S[i * n + j] = s;
      }
    const inv = spdInverseInto(S, n, new Float64Array(n * n), "test");
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += S[i * n + k] * inv[k * n + j];
        expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    expect(() => spdInverseInto(Float64Array.from([1, 2, 2, 1]), 2, new Float64Array(4), "who")).toThrow(
      /who: matrix is not positive definite/,
    );
  });
});

/**
 * Linear least squares ½‖W x − y‖² with ill-conditioned inputs (scales 1 … 30, condition number 900 of
 * E[x xᵀ]). The curvature pass backpropagates the model's sampled Fisher loss: targets ỹ ~ N(Wx, I),
 * so G → I and A → E[x xᵀ] and the K-FAC step is the Newton step.
 */
function regressionProblem(seed: number) {
  const rng = new Rng(seed);
  const inF = 6;
  const outF = 3;
  const B = 64;
  const scales = [1, 2, 5, 10, 20, 30];
  const Wtrue = rng.fillNormal(new Float64Array(outF * inF));
  const batches: { x: Float64Array; y: Float64Array }[] = [];
  for (let k = 0; k < 4; k++) {
    const x = new Float64Array(B * inF);
    for (let b = 0; b < B; b++) for (let i = 0; i < inF; i++) x[b * inF + i] = rng.normal() * scales[i];
    const y = new Float64Array(B * outF);
    for (let b = 0; b < B; b++)
      for (let o = 0; o < outF; o++) {
        let s = 0;
        for (let i = 0; i < inF; i++) s += Wtrue[o * inF + i] * x[b * inF + i];
        y[b * outF + o] = s;
      }
    batches.push({ x, y });
  }
  const layer = new Dense({ inFeatures: inF, outFeatures: outF, bias: false });
  const loss = (): number => {
    let total = 0;
    for (const { x, y } of batches) {
      const p = layer.forward(x, B);
      for (let i = 0; i < p.length; i++) total += 0.5 * (p[i] - y[i]) ** 2;
    }
    return total / (batches.length * B);
  };
  /** Gradient of the batch-mean loss of batch k into grad (zeroed first). */
  const gradient = (k: number): void => {
    const { x, y } = batches[k];
    layer.weight.grad.fill(0);
    const p = layer.forward(x, B);
    layer.backward(
      Float64Array.from(p, (v, i) => (v - y[i]) / B),
      B,
    );
  };
  return { layer, loss, gradient, B, batches, rng, outF };
}

describe("K-FAC on a quadratic", () => {
  it("converges in far fewer steps than SGD at its best stable step size", () => {
    const tol = 1e-8;
    const kfacRun = regressionProblem(7);
    const kfac = new Kfac(kfacRun.layer, {
      lr: 1,
      damping: 1e-6,
      klClip: null,
      statDecay: 0.9,
      inverseEvery: 1,
    });
    let kfacSteps = -1;
    for (let t = 0; t < 200; t++) {
      if (kfacRun.loss() < tol) {
        kfacSteps = t;
        break;
      }
      const k = t % 4;
      const { x } = kfacRun.batches[k];
      // Curvature pass: ∂/∂p of ½‖p − ỹ‖² with ỹ = p + ε, ε ~ N(0, I): gradient −ε (per sample).
      kfacRun.layer.forward(x, kfacRun.B);
      kfacRun.layer.weight.grad.fill(0);
      const eps = kfacRun.rng.fillNormal(new Float64Array(kfacRun.B * kfacRun.outF));
      kfacRun.layer.backward(
        eps.map((v) => -v / kfacRun.B),
        kfacRun.B,
      );
      kfac.updateStatistics(kfacRun.B);
      kfacRun.gradient(k);
      kfac.step();
    }
    // SGD: the largest step size below 2/λ_max(E[xxᵀ]) ≈ 2/900 that is stable.
    let sgdBest = Infinity;
    let sgdProgress = Infinity;
    for (const lr of [2e-3, 1.5e-3, 1e-3]) {
      const run = regressionProblem(7);
      const sgd = new Sgd([run.layer.weight], { lr });
      const initial = run.loss();
      for (let t = 0; t <= 3000; t++) {
        const l = run.loss();
        if (!(l < 1e12)) break;
        if (t === 3000) sgdProgress = Math.min(sgdProgress, l / initial);
        if (l < tol) {
          sgdBest = Math.min(sgdBest, t);
          break;
        }
        run.gradient(t % 4);
        sgd.step();
      }
    }
    expect(kfacSteps).toBeGreaterThan(0);
    expect(kfacSteps).toBeLessThanOrEqual(30);
    expect(sgdBest).toBeGreaterThan(20 * kfacSteps);
    // SGD was stable and learning, just slowly along the flat directions.
    expect(sgdProgress).toBeLessThan(1e-2);
  });

  it("KL clipping bounds the predicted KL ½ η²ν² gᵀΔ by δ", () => {
    const run = regressionProblem(9);
    const kfac = new Kfac(run.layer, { lr: 1, damping: 1e-3, klClip: 1e-4 });
    run.gradient(0);
    kfac.updateStatistics(run.B);
    const g = Float64Array.from(run.layer.weight.grad);
    const before = Float64Array.from(run.layer.weight.data);
    kfac.step();
    expect(kfac.lastScale).toBeLessThan(1);
    // θ moved by −η ν Δ; gᵀ(ηνΔ) = ην gᵀΔ, and ½ (ην)² gᵀΔ must equal δ when clipped.
    let gStep = 0;
    for (let i = 0; i < g.length; i++) gStep += g[i] * (before[i] - run.layer.weight.data[i]);
    const predictedKl = 0.5 * kfac.lr * kfac.lastScale * gStep;
    expect(predictedKl).toBeCloseTo(1e-4, 10);
  });
});

describe("K-FAC state", () => {
  function train(steps: number, resumeAt: number | null): Float64Array[] {
    const make = () => {
      const rng = new Rng(3);
      const net = new Sequential([
        new TuckerRegression({ inputShape: [2, 3], outFeatures: 4, rank: [2, 2, 3], rng }),
        new ReLU([4]),
        new LowRankDense({ inFeatures: 4, outFeatures: 3, rank: 2, rng }),
        new ReLU([3]),
        new Dense({ inFeatures: 3, outFeatures: 2, rng }),
      ]);
      const kfac = new Kfac(net, { lr: 0.05, inverseEvery: 3, momentum: 0.9, weightDecay: 1e-4 });
      return { net, kfac };
    };
    let { net, kfac } = make();
    const data = new Rng(99);
    for (let t = 0; t < steps; t++) {
      if (t === resumeAt) {
        const saved = JSON.parse(
          JSON.stringify({ state: kfac.getState(), params: net.parameters.map((p) => Array.from(p.data)) }),
        );
        ({ net, kfac } = make());
        net.parameters.forEach((p, i) => p.data.set(saved.params[i]));
        kfac.setState(saved.state);
      }
      const x = data.fillNormal(new Float64Array(8 * 6));
      const target = data.fillNormal(new Float64Array(8 * 2));
      const y = net.forward(x, 8);
      net.zeroGrad();
      net.backward(
        Float64Array.from(y, (v, i) => (v - target[i]) / 8),
        8,
      );
      kfac.updateStatistics(8);
      kfac.step();
    }
    return net.parameters.map((p) => Float64Array.from(p.data));
  }

  it("a run resumed from getState/setState (through JSON) is bit-identical", () => {
    const straight = train(10, null);
    const resumed = train(10, 5);
    straight.forEach((p, i) => expect(Array.from(resumed[i])).toEqual(Array.from(p)));
  });

  it("setState rejects a wrong kind, a missing block and a wrong length, restoring nothing", () => {
    const dense = new Dense({ inFeatures: 2, outFeatures: 2, rng: new Rng(1) });
    const kfac = new Kfac(dense, { lr: 0.1 });
    const state = kfac.getState();
    expect(() => kfac.setState({ ...state, kind: "adam" })).toThrow(/expected kind "kfac"/);
    const noBlock = { ...state, buffers: { ...state.buffers } };
    delete noBlock.buffers[`kfac:${dense.weight.name}`];
    expect(() => kfac.setState(noBlock)).toThrow(/buffer A of "kfac:dense.weight" is missing/);
  });

  it("options out of range give one-line errors naming the field", () => {
    const dense = new Dense({ inFeatures: 2, outFeatures: 2 });
    expect(() => new Kfac(dense, { lr: 0 })).toThrow(/lr must be a finite number > 0/);
    expect(() => new Kfac(dense, { lr: 1, damping: 0 })).toThrow(/damping must be a finite number > 0/);
    expect(() => new Kfac(dense, { lr: 1, statDecay: 1 })).toThrow(/statDecay must be in \[0, 1\)/);
    expect(() => new Kfac(dense, { lr: 1, inverseEvery: 0 })).toThrow(/inverseEvery must be an integer >= 1/);
    expect(() => new Kfac(dense, { lr: 1, klClip: -1 })).toThrow(
      /klClip must be a finite number > 0 or null/,
    );
    expect(() => new Kfac(dense, { lr: 1, momentum: 1 })).toThrow(/momentum must be in \[0, 1\)/);
    expect(() => new Kfac(dense, { lr: 1 }).step()).toThrow(/call updateStatistics before step/);
  });
});
