import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ChannelsLastToFirst } from "../../src/dqn/channels-last.js";
import { argmax, epsilonGreedy } from "../../src/dqn/epsilon-greedy.js";
import { clipGradNorm } from "../../src/dqn/grad-clip.js";
import { tdLoss } from "../../src/dqn/loss.js";
import { LinearSchedule } from "../../src/dqn/schedule.js";
import { singularValues, spectrumSummary } from "../../src/dqn/spectrum.js";
import { hardUpdate, polyakUpdate } from "../../src/dqn/target-update.js";
import { tdTargets } from "../../src/dqn/td-target.js";
import { makeParameter } from "../../src/optim/parameter.js";
import { Rng } from "../../src/random/rng.js";

describe("TD targets (hand-computed)", () => {
  // Two samples, three actions.
  const qNextTarget = [1, 5, 2, 7, 3, 4];
  const qNextOnline = [9, 0, 1, 0, 1, 8];
  const returns = [1, 2];
  it("DQN: y = G + d·max_a Q⁻(s′, a)", () => {
    const y = tdTargets({ returns, discounts: [0.9, 0.5], qNextTarget, numActions: 3 }, new Float64Array(2));
    expect(Array.from(y)).toEqual([1 + 0.9 * 5, 2 + 0.5 * 7]);
  });
  it("Double DQN: the online net picks the action, the target net values it", () => {
    const y = tdTargets(
      { returns, discounts: [0.9, 0.5], qNextTarget, qNextOnline, numActions: 3 },
      new Float64Array(2),
    );
    expect(Array.from(y)).toEqual([1 + 0.9 * 1, 2 + 0.5 * 4]);
  });
  it("terminated samples (d = 0) get y = G, even with non-finite bootstrap values", () => {
    const y = tdTargets(
      { returns, discounts: [0, 0.5], qNextTarget: [NaN, NaN, NaN, 7, 3, 4], numActions: 3 },
      new Float64Array(2),
    );
    expect(Array.from(y)).toEqual([1, 2 + 0.5 * 7]);
  });
});

describe("TD loss", () => {
  it("Huber κ=1 matches ½δ² inside and |δ|−½ outside, with mean-reduced gradients", () => {
    const grad = new Float64Array(3);
    const loss = tdLoss("huber", [0.5, 3, -2], [0, 0, 0], grad);
    expect(loss).toBeCloseTo((0.125 + 2.5 + 1.5) / 3, 15);
    expect(Array.from(grad)).toEqual([0.5 / 3, 1 / 3, -1 / 3]);
  });
  it("MSE: mean δ², gradient 2δ/B", () => {
    const grad = new Float64Array(2);
    expect(tdLoss("mse", [1, -3], [0, -1], grad)).toBe(2.5);
    expect(Array.from(grad)).toEqual([1, -2]);
  });
  it("gradient matches finite differences (Huber, any κ)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        (pred, kappa) => {
          const targets = pred.map((_, i) => (i % 3) - 1);
          const grad = new Float64Array(pred.length);
          tdLoss("huber", pred, targets, grad, kappa);
          const h = 1e-6;
          for (let i = 0; i < pred.length; i++) {
            if (Math.abs(Math.abs(pred[i] - targets[i]) - kappa) < 1e-4) continue; // kink
            const p = [...pred];
            const m = [...pred];
            p[i] += h;
            m[i] -= h;
            const scratch = new Float64Array(pred.length);
            const fd =
              (tdLoss("huber", p, targets, scratch, kappa) - tdLoss("huber", m, targets, scratch, kappa)) /
              (2 * h);
            expect(Math.abs(fd - grad[i])).toBeLessThan(1e-6);
          }
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });
});

describe("target-network updates", () => {
  const make = (vals: number[][]) =>
    vals.map((v, i) => makeParameter(`p${i}`, [v.length], Float64Array.from(v)));
  it("hard update copies θ into θ⁻ (no aliasing)", () => {
    const src = make([[1, 2], [3]]);
    const dst = make([[0, 0], [0]]);
    hardUpdate(src, dst);
    expect(Array.from(dst[0].data)).toEqual([1, 2]);
    expect(Array.from(dst[1].data)).toEqual([3]);
    src[0].data[0] = 10;
    expect(dst[0].data[0]).toBe(1);
  });
  it("Polyak τ = 0.25: θ⁻ ← 0.25θ + 0.75θ⁻; τ = 1 is the hard copy", () => {
    const src = make([[4, 8]]);
    const dst = make([[0, 4]]);
    polyakUpdate(src, dst, 0.25);
    expect(Array.from(dst[0].data)).toEqual([1, 5]);
    polyakUpdate(src, dst, 1);
    expect(Array.from(dst[0].data)).toEqual([4, 8]);
    expect(() => polyakUpdate(src, dst, 0)).toThrow(/tau must be in \(0, 1\], got 0/);
    expect(() => hardUpdate(src, make([[1, 2, 3]]))).toThrow(/has 2 entries/);
  });
});

describe("exploration and schedules", () => {
  it("linear ε schedule: start until begin, linear over duration, end afterwards", () => {
    const s = new LinearSchedule(1, 0.1, 100, 50);
    expect(s.value(0)).toBe(1);
    expect(s.value(50)).toBe(1);
    expect(s.value(100)).toBeCloseTo(0.55, 15);
    expect(s.value(150)).toBe(0.1);
    expect(s.value(1e6)).toBe(0.1);
  });
  it("argmax takes the first maximum", () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([0, 0, 5, 1, 9, 2], 3, 3)).toBe(1);
  });
  it("ε-greedy explores with probability ε (uniform over actions) and is greedy otherwise", () => {
    const rng = new Rng(5);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[epsilonGreedy(0.4, 4, rng, () => 2)]++;
    // P(a=2) = 0.6 + 0.4/4 = 0.7, others 0.1 each.
    expect(counts[2] / n).toBeCloseTo(0.7, 1);
    for (const a of [0, 1, 3]) expect(counts[a] / n).toBeCloseTo(0.1, 1);
    expect(epsilonGreedy(0, 4, rng, () => 3)).toBe(3);
  });
});

describe("gradient clipping", () => {
  it("scales all gradients by maxNorm/‖g‖ when the global norm exceeds it", () => {
    const a = makeParameter("a", [2]);
    const b = makeParameter("b", [1]);
    a.grad.set([3, 0]);
    b.grad.set([4]);
    expect(clipGradNorm([a, b], 1)).toBe(5);
    expect(a.grad[0]).toBeCloseTo(0.6, 6);
    expect(b.grad[0]).toBeCloseTo(0.8, 6);
    a.grad.set([0.3, 0]);
    b.grad.set([0.4]);
    expect(clipGradNorm([a, b], 1)).toBeCloseTo(0.5, 15);
    expect(a.grad[0]).toBe(0.3);
  });
});

describe("ChannelsLastToFirst", () => {
  it("maps (h, w, c) to (c, h, w) and back", () => {
    const layer = new ChannelsLastToFirst(2, 3, 2);
    const x = Float64Array.from({ length: 24 }, (_, i) => i); // batch 2
    const y = layer.forward(x, 2);
    // sample 0: x[h,w,c] = (h·3 + w)·2 + c → y[c,h,w] at c·6 + h·3 + w
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++)
        for (let c = 0; c < 2; c++) {
          expect(y[c * 6 + h * 3 + w]).toBe((h * 3 + w) * 2 + c);
          expect(y[12 + c * 6 + h * 3 + w]).toBe(12 + (h * 3 + w) * 2 + c);
        }
    expect(Array.from(layer.backward(Float64Array.from(y), 2))).toEqual(Array.from(x));
  });
});

describe("singular-value spectrum", () => {
  it("recovers the singular values of a known matrix and summarizes them", () => {
    // diag(3, 2) padded to 2×3 → σ = [3, 2]
    const s = singularValues(Float64Array.from([0, 3, 0, 2, 0, 0]), 2, 3);
    expect(s[0]).toBeCloseTo(3, 12);
    expect(s[1]).toBeCloseTo(2, 12);
    const sum = spectrumSummary([1, 1, 1, 1]);
    expect(sum.effectiveRank).toBeCloseTo(4, 12);
    expect(spectrumSummary([10, 1, 0.1], 0.9).energyRank).toBe(1);
  });
});

describe("ChannelsLastToFirst backward (finite differences)", () => {
  it("backward is the gradient of ⟨g, forward(x)⟩", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        (h, w, c, batch) => {
          const layer = new ChannelsLastToFirst(h, w, c);
          const n = batch * h * w * c;
          const rng = new Rng(h * 100 + w * 10 + c + batch);
          const x = rng.fillNormal(new Float64Array(n));
          const g = rng.fillNormal(new Float64Array(n));
          const f = (v: Float64Array) => layer.forward(v, batch).reduce((acc, y, i) => acc + y * g[i], 0);
          const grad = Float64Array.from(layer.backward(g, batch));
          const eps = 1e-6;
          for (let i = 0; i < n; i++) {
            const p = Float64Array.from(x);
            const m = Float64Array.from(x);
            p[i] += eps;
            m[i] -= eps;
            expect(Math.abs((f(p) - f(m)) / (2 * eps) - grad[i])).toBeLessThan(1e-6);
          }
        },
      ),
      { seed: 7, numRuns: 30 },
    );
  });
});
