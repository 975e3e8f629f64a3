import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import {
  atomValues,
  categoricalLoss,
  projectDistribution,
  softmaxRows,
} from "../../src/dqn/distributional.js";
import { DuelingHead } from "../../src/dqn/heads.js";
import { minatarQNetwork, mlpQNetwork, type HiddenLayerSpec } from "../../src/dqn/networks.js";
import type { Layer } from "../../src/nn/layer.js";
import { Rng } from "../../src/random/rng.js";
import { gradientError } from "../nn/grad-check.js";

/**
 * Central finite differences of a scalar loss of a network's output against the analytic
 * parameter gradient from backward(∂loss/∂output). Checks every `stride`-th entry of every
 * parameter; returns the worst error |a − n| / (1 + |n|).
 */
function parameterGradientError(
  net: Layer,
  x: Float64Array,
  batch: number,
  lossOf: (out: Float64Array, grad: Float64Array | null) => number,
  stride = 1,
  eps = 1e-6,
): number {
  for (const p of net.parameters) p.grad.fill(0);
  const out = net.forward(x, batch);
  const g = new Float64Array(out.length);
  lossOf(out, g);
  net.backward(g, batch);
  let worst = 0;
  for (const p of net.parameters) {
    const analytic = Float64Array.from(p.grad);
    for (let i = 0; i < p.data.length; i += stride) {
      const v = p.data[i];
      p.data[i] = v + eps;
      const up = lossOf(net.forward(x, batch), null);
      p.data[i] = v - eps;
      const down = lossOf(net.forward(x, batch), null);
      p.data[i] = v;
      const numeric = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(analytic[i] - numeric) / (1 + Math.abs(numeric)));
    }
  }
  return worst;
}

const HIDDEN: HiddenLayerSpec[] = [{ kind: "dense" }, { kind: "lowrank", rank: 2 }, { kind: "trl", rank: 2 }];

/** A small MinAtar-shaped net (4×4 grid, 2 channels, conv 3, hidden 6, 3 actions) with the given head. */
const smallNet = (hiddenLayer: HiddenLayerSpec, dueling: boolean, atoms: number, seed = 1) =>
  minatarQNetwork({
    numActions: 3,
    rng: new Rng(seed),
    hiddenLayer,
    gridSize: 4,
    inChannels: 2,
    convChannels: 3,
    hiddenUnits: 6,
    head: { dueling, atoms },
  });

describe("DuelingHead", () => {
  it("outputs V + A − mean A per atom; the mean of the outputs over actions is V", () => {
    const head = new DuelingHead({ inFeatures: 2, numActions: 3, atoms: 2 });
    head.value.weight.data.set([1, 0, 0, 1]); // V = (h₀, h₁)
    head.advantage.weight.data.set([1, 0, 0, 0, 2, 0, 0, 0, 0, 1, 3, 3]); // rows a·2 + j
    const y = head.forward(Float64Array.of(1, 2), 1);
    // A = [[1, 0], [2, 0], [2, 9]]; mean over actions per atom: (5/3, 3) → out = V + A − mean.
    const want = [1 + 1 - 5 / 3, 2 + 0 - 3, 1 + 2 - 5 / 3, 2 - 3, 1 + 2 - 5 / 3, 2 + 9 - 3];
    Array.from(y).forEach((v, k) => expect(v).toBeCloseTo(want[k], 14));
    expect((y[0] + y[2] + y[4]) / 3).toBeCloseTo(1, 14);
    expect(head.parameterCount).toBe(3 * 2 + 3 * 6);
  });

  it("backward matches finite differences (input and parameters), scalar and distributional", () => {
    for (const atoms of [1, 4]) {
      const head = new DuelingHead({ inFeatures: 5, numActions: 3, atoms, rng: new Rng(atoms) });
      expect(gradientError(head, 3, 11)).toBeLessThan(1e-7);
    }
  });

  it("the dueling Q-values' gradient through dense, low-rank and TRL hidden layers matches finite differences", () => {
    const x = new Rng(5).fillUniform(new Float64Array(2 * 32));
    const r = new Rng(6).fillNormal(new Float64Array(2 * 3));
    for (const h of HIDDEN) {
      const net = smallNet(h, true, 1);
      const err = parameterGradientError(net, x, 2, (q, g) => {
        let s = 0;
        for (let i = 0; i < q.length; i++) s += r[i] * q[i];
        g?.set(r);
        return s;
      });
      expect(err, h.kind).toBeLessThan(1e-6);
    }
  });
});

describe("C51: projection of the Bellman target", () => {
  const support = { atoms: 5, vMin: -2, vMax: 2 }; // z = −2 … 2, Δz = 1
  const next = [0.1, 0.2, 0.3, 0.4, 0];
  const project = (ret: number, d: number): number[] => {
    const out = new Float64Array(5);
    projectDistribution(next, 0, ret, d, support, out);
    return Array.from(out);
  };
  const close = (got: number[], want: number[]): void =>
    got.forEach((g, k) => expect(g).toBeCloseTo(want[k], 14));

  it("splits each moved atom between its neighbours (hand-computed)", () => {
    // G = 0.5, d = 0.5: T̂z = (−0.5, 0, 0.5, 1, 1.5) → b = (1.5, 2, 2.5, 3, 3.5).
    close(project(0.5, 0.5), [0, 0.05, 0.2 + 0.05 + 0.15, 0.15 + 0.4, 0]);
    // Without clipping the mean moves exactly: Σ z m = G + d Σ z m̂ = 0.5 + 0.5·0.
    const z = atomValues(support);
    const m = project(0.5, 0.5);
    expect(m.reduce((a, v, j) => a + v * z[j], 0)).toBeCloseTo(0.5 + 0.5 * (-0.2 - 0.2 + 0 + 0.4), 14);
  });

  it("clips at V_max / V_min and puts all mass at clip(G) after termination (d = 0)", () => {
    // G = 3, d = 0.9: T̂z = (1.2, 2.1, 3, 3.9, 4.8) → clipped (1.2, 2, 2, 2, 2); b = (3.2, 4, 4, 4, 4).
    close(project(3, 0.9), [0, 0, 0, 0.08, 0.02 + 0.9]);
    close(project(-0.25, 0), [0, 0.25, 0.75, 0, 0]);
    close(project(-7, 0), [1, 0, 0, 0, 0]);
  });
});

describe("C51: cross-entropy loss", () => {
  it("equals −Σ m log softmax(logits) of the taken action, weighted; the gradient is (w/B)(p − m)", () => {
    const logits = Float64Array.of(0.1, -0.3, 0.7, 2, 0, -1); // B = 1, A = 2, N = 3
    const m = [0.2, 0.5, 0.3];
    const grad = new Float64Array(6);
    const per = new Float64Array(1);
    const loss = categoricalLoss(logits, [1], m, [0.5], 2, 3, grad, per);
    const p = softmaxRows(logits.subarray(3), 1, 3, new Float64Array(3));
    const ce = -m.reduce((a, v, j) => a + v * Math.log(p[j]), 0);
    expect(per[0]).toBeCloseTo(ce, 14);
    expect(loss).toBeCloseTo(0.5 * ce, 14);
    expect(Array.from(grad.subarray(0, 3))).toEqual([0, 0, 0]);
    Array.from(grad.subarray(3)).forEach((g, j) => expect(g).toBeCloseTo(0.5 * (p[j] - m[j]), 14));
  });

  it("matches finite differences through dense, low-rank and TRL hidden layers, with and without dueling", () => {
    const B = 2;
    const N = 5;
    const A = 3;
    const rng = new Rng(8);
    const x = rng.fillUniform(new Float64Array(B * 32));
    const actions = [2, 0];
    // Fixed projected targets (the target is a constant of the loss).
    const targets = new Float64Array(B * N);
    const support = { atoms: N, vMin: -1, vMax: 1 };
    projectDistribution([0.1, 0.3, 0.2, 0.15, 0.25], 0, 0.3, 0.9, support, targets, 0);
    projectDistribution([0.5, 0, 0.2, 0.3, 0], 0, -0.4, 0, support, targets, N);
    const weights = [0.7, 1];
    for (const h of HIDDEN)
      for (const dueling of [false, true]) {
        const net = smallNet(h, dueling, N, 3);
        const err = parameterGradientError(net, x, B, (out, g) =>
          categoricalLoss(
            out,
            actions,
            targets,
            weights,
            A,
            N,
            g ?? new Float64Array(out.length),
            new Float64Array(B),
          ),
        );
        expect(err, `${h.kind} dueling=${dueling}`).toBeLessThan(1e-6);
      }
  });
});

describe("C51 agent", () => {
  it("acts on Q = Σ z p, and its update lowers the cross-entropy of a fixed batch", () => {
    const support = { atoms: 11, vMin: -5, vMax: 5 };
    const agent = new DqnAgent({
      makeNetwork: () =>
        mlpQNetwork({
          observationSize: 2,
          numActions: 2,
          hidden: [8],
          rng: new Rng(4),
          head: { dueling: true, atoms: 11 },
        }),
      config: {
        batchSize: 4,
        bufferSize: 8,
        learningStarts: 0,
        distributional: support,
        doubleDqn: true,
        optimizer: { kind: "adam", lr: 1e-2 },
      },
    });
    expect(agent.numActions).toBe(2);
    expect(agent.atoms).toBe(11);
    const s = Float64Array.of(0.3, -0.2);
    const logits = Float64Array.from(agent.network.forward(s, 1));
    const p = softmaxRows(logits, 2, 11, new Float64Array(22));
    const z = atomValues(support);
    const q = [0, 1].map((a) => z.reduce((acc, v, j) => acc + v * p[a * 11 + j], 0));
    Array.from(agent.qValues(s)).forEach((v, a) => expect(v).toBeCloseTo(q[a], 14));
    expect(agent.greedyAction(s)).toBe(q[1] > q[0] ? 1 : 0);
    for (let t = 0; t < 4; t++)
      agent.observe([t / 4, 1 - t / 4], t % 2, t === 3 ? 3 : 0, [0, 0], t === 3, false);
    const batchRows = [0, 1, 2, 3];
    const batch = {
      size: 4,
      observations: Float64Array.from(batchRows.flatMap((t) => [t / 4, 1 - t / 4])),
      actions: Int32Array.from(batchRows.map((t) => t % 2)),
      returns: Float64Array.of(0, 0, 0, 3),
      nextObservations: new Float64Array(8),
      discounts: Float64Array.of(0, 0, 0, 0),
      indices: Int32Array.from(batchRows),
      nextActions: new Int32Array(4).fill(-1),
      weights: new Float64Array(4).fill(1),
    };
    const first = agent.learn(batch).tdLoss;
    let last = first;
    for (let k = 0; k < 50; k++) last = agent.learn(batch).tdLoss;
    expect(last).toBeLessThan(0.5 * first);
    // Terminal targets put all mass at G: the learned Q of (s₃, a₁) approaches 3.
    expect(agent.qValues(Float64Array.of(0.75, 0.25))[1]).toBeGreaterThan(2);
  });
});
