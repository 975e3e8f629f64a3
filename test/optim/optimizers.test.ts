import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Adam, RmsProp, Sgd, makeParameter } from "../../src/optim/index.js";

/** Reference Adam, written directly from torch 1.13's single-tensor formula (paper-learn-step.json header). */
function torchAdamReference(
  p0: number[],
  grads: number[][],
  lr: number,
): { p: number[]; m: number[]; v: number[] } {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, idx) => {
    const t = idx + 1;
    const bc1 = 1 - 0.9 ** t;
    const bc2sqrt = Math.sqrt(1 - 0.999 ** t);
    for (let i = 0; i < p.length; i++) {
      m[i] = m[i] * 0.9 + (1 - 0.9) * g[i];
      v[i] = v[i] * 0.999 + (1 - 0.999) * g[i] * g[i];
      p[i] = p[i] - (lr / bc1) * (m[i] / (Math.sqrt(v[i]) / bc2sqrt + 1e-8));
    }
  });
  return { p, m, v };
}

const vec = (n: number) =>
  fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n });

describe("Adam", () => {
  it("matches torch's Adam formula step by step, including zero gradients", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((n) => fc.tuple(vec(n), fc.array(vec(n), { minLength: 1, maxLength: 5 }))),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        ([p0, grads], lr) => {
          const param = makeParameter("w", [p0.length], Float64Array.from(p0));
          const opt = new Adam([param], { lr });
          for (const g of grads) {
            param.grad.set(g);
            opt.step();
          }
          const ref = torchAdamReference(p0, grads, lr);
          for (let i = 0; i < p0.length; i++) expect(param.data[i]).toBeCloseTo(ref.p[i], 12);
          expect(Array.from(opt.moments("w").expAvg)).toEqual(ref.m);
          expect(opt.stepCount).toBe(grads.length);
        },
      ),
      { numRuns: 100, seed: 11 },
    );
  });

  it("first step moves every parameter by ≈ lr against the gradient sign", () => {
    const p = makeParameter("w", [3], Float64Array.from([0, 0, 0]));
    p.grad.set([5, -0.001, 0]);
    new Adam([p], { lr: 0.1 }).step();
    expect(p.data[0]).toBeCloseTo(-0.1, 6);
    expect(p.data[1]).toBeCloseTo(0.1, 4);
    expect(p.data[2]).toBe(0);
  });

  it("state save/restore continues identically", () => {
    const mk = () => makeParameter("w", [2], Float64Array.from([1, -1]));
    const a = mk();
    const optA = new Adam([a], { lr: 0.05 });
    a.grad.set([0.3, -0.2]);
    optA.step();
    const saved = JSON.parse(JSON.stringify(optA.getState()));
    const b = makeParameter("w", [2], Float64Array.from(a.data));
    const optB = new Adam([b], { lr: 0.05 });
    optB.setState(saved);
    a.grad.set([0.1, 0.4]);
    b.grad.set([0.1, 0.4]);
    optA.step();
    optB.step();
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
  });

  it("rejects bad hyperparameters and mismatched state", () => {
    const p = makeParameter("w", [2]);
    expect(() => new Adam([p], { lr: 0 })).toThrow(/lr must be a finite number > 0/);
    expect(() => new Adam([p], { lr: 1, beta1: 1 })).toThrow(/beta1/);
    expect(() => new Adam([p, p], { lr: 1 })).toThrow(/duplicate parameter name/);
    const opt = new Adam([p], { lr: 1 });
    expect(() =>
      opt.setState({ kind: "adam", step: 1, buffers: { w: { exp_avg: [0], exp_avg_sq: [0, 0] } } }),
    ).toThrow(/exp_avg of parameter "w"/);
  });
});

describe("SGD and RMSProp", () => {
  it("plain SGD is p ← p − lr·g", () => {
    const p = makeParameter("w", [2], Float64Array.from([1, 2]));
    p.grad.set([0.5, -1]);
    new Sgd([p], { lr: 0.1 }).step();
    expect(Array.from(p.data)).toEqual([1 - 0.05, 2 + 0.1]);
  });

  it("SGD with momentum accumulates b ← μb + g", () => {
    const p = makeParameter("w", [1], Float64Array.from([0]));
    const opt = new Sgd([p], { lr: 1, momentum: 0.5 });
    p.grad.set([1]);
    opt.step(); // b = 1
    opt.step(); // b = 1.5
    expect(p.data[0]).toBeCloseTo(-2.5, 15);
  });

  it("centered RMSProp matches its formula on two steps", () => {
    const p = makeParameter("w", [1], Float64Array.from([1]));
    const opt = new RmsProp([p], { lr: 0.01, alpha: 0.95, eps: 0.01, centered: true });
    let s = 0;
    let a = 0;
    let x = 1;
    for (const g of [0.4, -0.7]) {
      p.grad.set([g]);
      opt.step();
      s = 0.95 * s + 0.05 * g * g;
      a = 0.95 * a + 0.05 * g;
      x -= (0.01 * g) / (Math.sqrt(s - a * a) + 0.01);
    }
    expect(p.data[0]).toBeCloseTo(x, 14);
  });
});
