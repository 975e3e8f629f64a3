import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { minatarQNetwork, type HiddenLayerSpec } from "../../src/dqn/networks.js";
import { trainDqn } from "../../src/dqn/train.js";
import { MinAtarBreakout } from "../../src/envs/minatar-breakout.js";
import { Scattering2d } from "../../src/nn/scattering.js";
import { Rng } from "../../src/random/rng.js";

const scatteringNet = (hiddenLayer: HiddenLayerSpec = { kind: "dense" }, dueling = false) =>
  minatarQNetwork({
    numActions: 6,
    rng: new Rng(1),
    hiddenLayer,
    head: { dueling },
    frontEnd: { kind: "scattering" },
  });

describe("MinAtar Q-network with a scattering first layer (docs/dqn.md §15)", () => {
  it("maps a (10, 10, 4) frame to 6 Q-values through (20, 5, 5) fixed coefficients, with no weights before the hidden layer", () => {
    const net = scatteringNet();
    expect(net.inputShape).toEqual([10, 10, 4]);
    expect(net.outputShape).toEqual([6]);
    const scattering = net.layers.find((l) => l instanceof Scattering2d)!;
    expect(scattering).toBeDefined();
    expect(scattering.outputShape).toEqual([20, 5, 5]);
    expect(scattering.parameters).toHaveLength(0);
    expect(scattering.parameterCount).toBe(0);
    // No conv, no ReLU on the coefficients: the layer after the scattering is the flattening.
    expect(net.layers.some((l) => l.name === "conv" || l.name === "conv_relu")).toBe(false);
    // Everything trained: the hidden layer (500 → 128) and the head (128 → 6).
    expect(net.parameterCount).toBe(500 * 128 + 128 + 128 * 6 + 6);
    expect(net.parameterCount).toBe(64_902);
    expect(
      net.parameters.map((p) => p.name).every((n) => n.startsWith("fc_hidden") || n.startsWith("q")),
    ).toBe(true);
    const conv = minatarQNetwork({ numActions: 6, rng: new Rng(1) });
    expect(conv.parameterCount).toBe(132_566);
    const q = net.forward(new Float64Array(400).fill(1), 1);
    expect(q).toHaveLength(6);
    for (const v of q) expect(Number.isFinite(v)).toBe(true);
  });

  it("a TRL hidden layer contracts the (20, 5, 5) coefficient modes; dueling heads fit on top", () => {
    const trl = scatteringNet({ kind: "trl", parameterFraction: 0.2 }, true);
    expect(trl.outputShape).toEqual([6]);
    const hidden = trl.layers.find((l) => l.name === "fc_hidden")!;
    expect(hidden.inputShape).toEqual([20, 5, 5]);
    // About a fifth of the dense 500 → 128 layer's weights (the fraction picks the nearest ranks).
    const fraction = hidden.parameterCount / (500 * 128 + 128);
    expect(fraction).toBeGreaterThan(0.15);
    expect(fraction).toBeLessThan(0.25);
  });

  it("the hidden layer's weight gradient through the scattering layer matches finite differences", () => {
    const net = scatteringNet({ kind: "lowrank", rank: 3 });
    const rng = new Rng(8);
    const B = 2;
    const x = new Float64Array(B * 400).map(() => (rng.uniform() < 0.15 ? 1 : 0));
    const r = rng.fillNormal(new Float64Array(B * 6));
    const loss = () => {
      const q = net.forward(x, B);
      let l = 0;
      for (let i = 0; i < q.length; i++) l += r[i] * q[i];
      return l;
    };
    for (const p of net.parameters) p.grad.fill(0);
    net.forward(x, B);
    net.backward(r, B);
    for (const p of net.parameters.filter((p) => p.name.startsWith("fc_hidden"))) {
      for (const i of [0, 7, p.data.length - 1]) {
        const x0 = p.data[i];
        p.data[i] = x0 + 1e-6;
        const up = loss();
        p.data[i] = x0 - 1e-6;
        const down = loss();
        p.data[i] = x0;
        expect(p.grad[i]).toBeCloseTo((up - down) / 2e-6, 5);
      }
    }
  });

  it("refuses a CP conv together with the scattering front end in one line", () => {
    expect(() =>
      minatarQNetwork({
        numActions: 6,
        rng: new Rng(1),
        conv: { kind: "cp", parameterFraction: 0.5 },
        frontEnd: { kind: "scattering" },
      }),
    ).toThrow(/^minatarQNetwork: a scattering front end replaces the conv, so conv must be dense$/);
  });

  it("smoke: a K-FAC DQN with a TRL hidden layer on scattering trains on Breakout (finite weights, the scattering stays weightless)", () => {
    const rng = new Rng(2);
    const netRng = rng.fork();
    const agent = new DqnAgent({
      makeNetwork: () =>
        minatarQNetwork({
          numActions: 6,
          rng: netRng,
          hiddenLayer: { kind: "trl", parameterFraction: 0.1 },
          hiddenUnits: 32,
          frontEnd: { kind: "scattering" },
        }),
      observationDtype: "uint8",
      config: {
        optimizer: { kind: "kfac", lr: 0.1 },
        batchSize: 8,
        bufferSize: 1000,
        learningStarts: 200,
        targetUpdateInterval: 50,
        epsilonDecayFrames: 300,
      },
    });
    const before = agent.parameters.map((p) => Float64Array.from(p.data));
    const res = trainDqn({
      env: new MinAtarBreakout({ rng: rng.fork() }),
      agent,
      totalFrames: 300,
      rng,
      envSeed: 3,
    });
    expect(res.updates).toBe(100);
    expect(res.episodes.length).toBeGreaterThan(0);
    agent.parameters.forEach((p, q) => {
      for (const v of p.data) expect(Number.isFinite(v)).toBe(true);
      expect(
        p.data.some((v, i) => v !== before[q][i]),
        p.name,
      ).toBe(true);
    });
    expect(agent.network.parameterCount).toBe(agent.parameters.reduce((n, p) => n + p.data.length, 0));
  });
});
