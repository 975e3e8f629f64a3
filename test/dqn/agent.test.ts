import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { resolveDqnConfig } from "../../src/dqn/config.js";
import { mlpQNetwork, minatarQNetwork } from "../../src/dqn/networks.js";
import type { ReplayBatch } from "../../src/dqn/replay-buffer.js";
import { Dense } from "../../src/nn/dense.js";
import { Sequential } from "../../src/nn/sequential.js";
import { Rng } from "../../src/random/rng.js";

/** A linear Q-network on one-hot states: Q(s, a) = W[a, s] (tabular), so gradients are easy to hand-compute. */
function tabularAgent(config: Parameters<typeof resolveDqnConfig>[0], keepGradients = true): DqnAgent {
  return new DqnAgent({
    makeNetwork: () => new Sequential([new Dense({ inFeatures: 3, outFeatures: 2, bias: false, name: "w" })]),
    config: { batchSize: 2, bufferSize: 16, learningStarts: 0, ...config },
    keepGradients,
  });
}

function batchOf(
  obs: number[][],
  actions: number[],
  returns: number[],
  next: number[][],
  discounts: number[],
): ReplayBatch {
  return {
    size: actions.length,
    observations: Float64Array.from(obs.flat()),
    actions: Int32Array.from(actions),
    returns: Float64Array.from(returns),
    nextObservations: Float64Array.from(next.flat()),
    discounts: Float64Array.from(discounts),
    indices: new Int32Array(actions.length),
    nextActions: new Int32Array(actions.length).fill(-1),
    weights: new Float64Array(actions.length).fill(1),
  };
}

describe("DqnAgent.learn (hand-computed)", () => {
  const W = [0.5, 1.0, -1.0, 2.0, 0.0, 3.0]; // W[a][s], 2 actions × 3 states
  const setup = (double: boolean): DqnAgent => {
    const agent = tabularAgent({
      doubleDqn: double,
      optimizer: { kind: "adam", lr: 1e-3 },
      loss: "huber",
      maxGradNorm: 100,
    });
    (agent.network as Sequential).parameters[0].data.set(W);
    agent.syncTarget();
    // Target net differs from the online net so that DQN and Double DQN targets differ.
    (agent.targetNetwork as Sequential).parameters[0].data.set([1, 0, 0, 0, 2, 5]);
    return agent;
  };
  // Sample 0: s = 0, a = 1, G = 1, s′ = 2, d = 0.5. Sample 1: s = 1, a = 0, G = 0, s′ = 1, d = 0 (terminated).
  const batch = batchOf(
    [
      [1, 0, 0],
      [0, 1, 0],
    ],
    [1, 0],
    [1, 0],
    [
      [0, 0, 1],
      [0, 1, 0],
    ],
    [0.5, 0],
  );

  it("DQN: y₀ = 1 + 0.5·max(Q⁻(2,·)) = 1 + 0.5·5; Huber gradient lands on W[a, s]", () => {
    const agent = setup(false);
    const stats = agent.learn(batch);
    // Q(0, 1) = W[1][0] = 2 → δ₀ = 2 − 3.5 = −1.5 (|δ| > 1: ℓ = 1); Q(1, 0) = W[0][1] = 1 → δ₁ = 1 (ℓ = ½).
    expect(stats.tdLoss).toBeCloseTo((1.0 + 0.5) / 2, 15);
    expect(stats.qMean).toBe(1.5);
    const g = agent.network.parameters[0].grad;
    // ∂L/∂W[1][0] = clip(δ₀)/B = −0.5; ∂L/∂W[0][1] = clip(δ₁)/B → |δ₁| = 1 is the kink: torch uses δ = 1 → 0.5.
    expect(Array.from(g)).toEqual([0, 0.5, 0, -0.5, 0, 0]);
    expect(stats.gradNorm).toBeCloseTo(Math.SQRT1_2, 15);
  });

  it("Double DQN: the online net selects a* = argmax Q(2, ·) = 1 (W[0][2] = −1 < W[1][2] = 3), the target net values it", () => {
    const agent = setup(true);
    const stats = agent.learn(batch);
    // Q⁻(2, 1) = 5 is also the target max here, so y₀ = 3.5 as in DQN; next, a target net preferring action 0.
    expect(stats.tdLoss).toBeCloseTo(0.75, 15);
    const agent2 = setup(true);
    (agent2.targetNetwork as Sequential).parameters[0].data.set([1, 0, 9, 0, 2, 5]);
    const s2 = agent2.learn(batch);
    // Double: y₀ = 1 + 0.5·Q⁻(2, a*=1) = 3.5 (not 1 + 0.5·9 as vanilla DQN would use).
    expect(s2.tdLoss).toBeCloseTo(0.75, 15);
    const vanilla = setup(false);
    (vanilla.targetNetwork as Sequential).parameters[0].data.set([1, 0, 9, 0, 2, 5]);
    // vanilla: y₀ = 5.5, δ₀ = −3.5 → ℓ = 3; δ₁ = 1 → ½.
    expect(vanilla.learn(batch).tdLoss).toBeCloseTo(1.75, 15);
  });
});

describe("DqnAgent target-network cadence", () => {
  it("hard-copies θ into θ⁻ exactly every targetUpdateInterval updates", () => {
    const agent = tabularAgent({ targetUpdateInterval: 3, optimizer: { kind: "adam", lr: 0.1 } });
    agent.network.parameters[0].data.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    agent.syncTarget();
    for (let t = 0; t < 6; t++) agent.observe([1, 0, 0], t % 2, 1, [0, 1, 0], false, false);
    const rng = new Rng(0);
    const same = (): boolean =>
      agent.network.parameters[0].data.every((v, i) => v === agent.targetNetwork.parameters[0].data[i]);
    const pattern: boolean[] = [];
    for (let u = 1; u <= 7; u++) {
      agent.update(rng);
      pattern.push(same());
    }
    expect(pattern).toEqual([false, false, true, false, false, true, false]);
  });

  it("Polyak τ: θ⁻ moves a fraction τ towards θ at each sync", () => {
    const agent = tabularAgent({ targetUpdateInterval: 1, tau: 0.5, optimizer: { kind: "adam", lr: 0.1 } });
    const before = Float64Array.from(agent.targetNetwork.parameters[0].data);
    agent.observe([1, 0, 0], 0, 1, [0, 1, 0], true, false);
    agent.update(new Rng(1));
    const theta = agent.network.parameters[0].data;
    const target = agent.targetNetwork.parameters[0].data;
    for (let i = 0; i < 6; i++) expect(target[i]).toBeCloseTo(0.5 * theta[i] + 0.5 * before[i], 15);
  });
});

describe("DqnAgent configuration and networks", () => {
  it("MinAtar network has 132 566 parameters for 6 actions; agent infers actions and obs size", () => {
    const agent = new DqnAgent({
      makeNetwork: () => minatarQNetwork({ numActions: 6, rng: new Rng(0) }),
      config: { bufferSize: 10 },
    });
    expect(agent.network.parameterCount).toBe(132_566);
    expect(agent.numActions).toBe(6);
    expect(agent.observationSize).toBe(400);
    expect(agent.config.optimizer.kind).toBe("rmsprop");
  });
  it("rejects bad config values, naming the field", () => {
    const make = () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [8], rng: new Rng(0) });
    expect(() => new DqnAgent({ makeNetwork: make, config: { gamma: 1.5 } })).toThrow(
      /DqnConfig.gamma must be in \[0, 1\], got 1.5/,
    );
    expect(() => new DqnAgent({ makeNetwork: make, config: { nStep: 0 } })).toThrow(/nStep/);
    const agent = new DqnAgent({ makeNetwork: make, config: { bufferSize: 10 } });
    expect(() => agent.observe([0, 0, 0, 0], 2, 0, [0, 0, 0, 0], false, false)).toThrow(
      /action must be an integer in \[0, 1\], got 2/,
    );
  });
  it("ε follows MinAtar's schedule: 1 during warm-up, then linear to 0.1 over 100k frames", () => {
    const agent = new DqnAgent({
      makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [8], rng: new Rng(0) }),
      config: { bufferSize: 10 },
    });
    expect(agent.epsilon(0)).toBe(1);
    expect(agent.epsilon(5000)).toBe(1);
    expect(agent.epsilon(55_000)).toBeCloseTo(0.55, 12);
    expect(agent.epsilon(105_000)).toBe(0.1);
  });
});

describe("Q-network variants", () => {
  it("MinAtar hidden layer as low-rank / TRL at ½, ⅕, ⅒ of the dense parameters (docs/dqn.md §7 ranks)", async () => {
    const { minatarHiddenLayer } = await import("../../src/dqn/networks.js");
    const count = (hiddenLayer: Parameters<typeof minatarQNetwork>[0]["hiddenLayer"]) =>
      minatarHiddenLayer(minatarQNetwork({ numActions: 6, rng: new Rng(0), hiddenLayer })).parameterCount;
    const dense = count({ kind: "dense" });
    expect(dense).toBe(1024 * 128 + 128);
    // TRL (C, H, W, O) ranks from TensorLy's fraction rule: 61 096 / 27 052 / 14 096 weights + 128 bias.
    expect(count({ kind: "trl", parameterFraction: 0.5 })).toBe(61_096 + 128);
    expect(count({ kind: "trl", parameterFraction: 0.2 })).toBe(27_052 + 128);
    expect(count({ kind: "trl", parameterFraction: 0.1 })).toBe(14_096 + 128);
    // Low rank: K = round(f·1024·128/1152) → 57, 23, 11.
    expect(count({ kind: "lowrank", parameterFraction: 0.5 })).toBe(57 * 1152 + 128);
    expect(count({ kind: "lowrank", parameterFraction: 0.1 })).toBe(11 * 1152 + 128);
  });
  it("every variant maps a batch of observations to one value per action", () => {
    const x = new Float64Array(3 * 400).map((_, i) => (i % 7 === 0 ? 1 : 0));
    for (const hiddenLayer of [
      { kind: "dense" },
      { kind: "lowrank", parameterFraction: 0.2 },
      { kind: "trl", parameterFraction: 0.2 },
    ] as const) {
      for (const conv of [{ kind: "dense" }, { kind: "cp", rank: 4 }] as const) {
        const net = minatarQNetwork({ numActions: 3, rng: new Rng(1), hiddenLayer, conv });
        const q = net.forward(x, 3);
        expect(q.length).toBe(9);
        expect(q.every(Number.isFinite)).toBe(true);
        expect(new Set(q).size).toBeGreaterThan(1);
      }
    }
    expect(
      mlpQNetwork({
        observationSize: 4,
        numActions: 2,
        hidden: [64, 64],
        hiddenLayer: { kind: "lowrank", rank: 8 },
        rng: new Rng(0),
      }).parameterCount,
    ).toBe(4 * 64 + 64 + 8 * 128 + 64 + 64 * 2 + 2);
  });
});

describe("gradient clipping inside the update", () => {
  it("clips the global norm to maxGradNorm before the optimizer step; no clipping → gradNorm null", () => {
    const make = (maxGradNorm: number | null) => {
      const agent = tabularAgent({ optimizer: { kind: "adam", lr: 1e-3 }, loss: "mse", maxGradNorm });
      agent.network.parameters[0].data.set([10, 0, 0, 0, 0, 0]);
      agent.syncTarget();
      return agent;
    };
    const batch: ReplayBatch = {
      size: 2,
      observations: Float64Array.from([1, 0, 0, 1, 0, 0]),
      actions: Int32Array.from([0, 0]),
      returns: Float64Array.from([0, 0]),
      nextObservations: Float64Array.from([1, 0, 0, 1, 0, 0]),
      discounts: Float64Array.from([0, 0]),
      indices: new Int32Array(2),
      nextActions: new Int32Array(2).fill(-1),
      weights: new Float64Array(2).fill(1),
    };
    // MSE: δ = 10 for both samples → ∂L/∂W[0][0] = 2·(2·10)/2 = 20.
    const clipped = make(5);
    const s = clipped.learn(batch);
    expect(s.gradNorm).toBeCloseTo(20, 12);
    expect(clipped.network.parameters[0].grad[0]).toBeCloseTo(5, 5);
    const free = make(null);
    expect(free.learn(batch).gradNorm).toBeNull();
    expect(free.network.parameters[0].grad[0]).toBe(20);
  });
});

/** A CartPole-sized agent trained on synthetic transitions from its own seeded generator. */
function trainSmallAgent(
  options: { keepGradients?: boolean; optimizer?: "adam" | "rmsprop" },
  updates: number,
): DqnAgent {
  const agent = new DqnAgent({
    makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [16, 16], rng: new Rng(3) }),
    config: {
      batchSize: 8,
      bufferSize: 64,
      learningStarts: 0,
      targetUpdateInterval: 5,
      optimizer:
        options.optimizer === "adam"
          ? { kind: "adam", lr: 1e-3 }
          : { kind: "rmsprop", lr: 1e-3, alpha: 0.95, eps: 0.01, centered: true },
    },
    keepGradients: options.keepGradients,
  });
  const rng = new Rng(11);
  const obs = () => Array.from({ length: 4 }, () => rng.normal());
  for (let i = 0; i < 40; i++)
    agent.observe(obs(), rng.integer(2), rng.uniform(), obs(), rng.uniform() < 0.1, false);
  for (let u = 0; u < updates; u++) agent.update(rng);
  return agent;
}

describe("gradient zeroing fused into the optimizer step", () => {
  it("the default (optimizer zeroes after its step) trains bit-identically to zeroing before backward", () => {
    for (const optimizer of ["rmsprop", "adam"] as const) {
      const fused = trainSmallAgent({ optimizer }, 25);
      const kept = trainSmallAgent({ optimizer, keepGradients: true }, 25);
      expect(fused.keepGradients).toBe(false);
      fused.network.parameters.forEach((p, q) => {
        expect(Array.from(p.data)).toEqual(Array.from(kept.network.parameters[q].data));
        expect(p.grad.every((g) => g === 0)).toBe(true);
      });
      expect(kept.network.parameters.some((p) => p.grad.some((g) => g !== 0))).toBe(true);
    }
  });
});

describe("DqnAgent checkpoint (getState / setState)", () => {
  const makeAgent = (optimizer: "adam" | "rmsprop", hiddenLayer: "dense" | "lowrank" = "dense") =>
    new DqnAgent({
      makeNetwork: () =>
        mlpQNetwork({
          observationSize: 4,
          numActions: 2,
          hidden: [16, 16],
          hiddenLayer: hiddenLayer === "lowrank" ? { kind: "lowrank", rank: 4 } : { kind: "dense" },
          rng: new Rng(3),
        }),
      config: {
        batchSize: 8,
        bufferSize: 32,
        learningStarts: 0,
        targetUpdateInterval: 7,
        nStep: 3,
        doubleDqn: true,
        optimizer:
          optimizer === "adam"
            ? { kind: "adam", lr: 1e-3 }
            : { kind: "rmsprop", lr: 1e-3, alpha: 0.95, eps: 0.01, centered: true },
      },
    });
  /** `frames` CartPole-shaped transitions, one update each, from the given generator. */
  const run = (agent: DqnAgent, rng: Rng, frames: number): void => {
    for (let f = 0; f < frames; f++) {
      const obs = Array.from({ length: 4 }, () => rng.normal());
      const next = Array.from({ length: 4 }, () => rng.normal());
      agent.observe(obs, rng.integer(2), rng.uniform(), next, rng.uniform() < 0.1, rng.uniform() < 0.05);
      agent.update(rng);
    }
  };

  it("train → save → restore into a fresh agent → continue is bit-identical to an uninterrupted run", async () => {
    const { serialize, deserialize } = await import("node:v8");
    for (const [optimizer, hidden] of [
      ["rmsprop", "dense"],
      ["adam", "lowrank"],
    ] as const) {
      const straight = makeAgent(optimizer, hidden);
      const rngA = new Rng(5);
      run(straight, rngA, 60); // 60 > bufferSize: the ring has wrapped
      run(straight, rngA, 30);

      const first = makeAgent(optimizer, hidden);
      const rngB = new Rng(5);
      run(first, rngB, 60);
      const saved = deserialize(serialize({ agent: first.getState(), rng: rngB.getState() })) as {
        agent: ReturnType<DqnAgent["getState"]>;
        rng: ReturnType<Rng["getState"]>;
      };
      run(first, rngB, 5); // the original keeps going; the checkpoint must not alias its arrays
      const resumed = makeAgent(optimizer, hidden);
      resumed.setState(saved.agent);
      run(resumed, Rng.fromState(saved.rng), 30);

      expect(resumed.updates).toBe(straight.updates);
      straight.network.parameters.forEach((p, q) =>
        expect(Array.from(resumed.network.parameters[q].data)).toEqual(Array.from(p.data)),
      );
      straight.targetNetwork.parameters.forEach((p, q) =>
        expect(Array.from(resumed.targetNetwork.parameters[q].data)).toEqual(Array.from(p.data)),
      );
      expect(resumed.optimizer.getState()).toEqual(straight.optimizer.getState());
      expect(resumed.buffer.getState()).toEqual(straight.buffer.getState());
    }
  });

  it("rejects a mismatched checkpoint naming the field, and changes nothing", () => {
    const agent = makeAgent("rmsprop");
    run(agent, new Rng(1), 10);
    const good = agent.getState();
    const before = JSON.stringify(agent.optimizer.getState());
    const paramsBefore = agent.network.parameters.map((p) => Array.from(p.data));
    const bad = (patch: Partial<Record<keyof typeof good, unknown>>) =>
      ({ ...good, ...patch }) as typeof good;
    const online = good.online.map((s) => ({ ...s }));
    online[1] = { ...online[1], data: new Float64Array(3) };
    expect(() => agent.setState(bad({ online }))).toThrow(
      /online\[1\] \("fc0.bias"\).data has length 3, expected 16/,
    );
    const shaped = good.target.map((s) => ({ ...s }));
    shaped[0] = { ...shaped[0], shape: [4, 16] };
    expect(() => agent.setState(bad({ target: shaped }))).toThrow(
      /target\[0\] \("fc0.weight"\) has shape \[4,16\]/,
    );
    const wrongKind = good.online.map((s) => ({ ...s }));
    wrongKind[0] = { ...wrongKind[0], data: Array.from(wrongKind[0].data) as unknown as Float64Array };
    expect(() => agent.setState(bad({ online: wrongKind }))).toThrow(
      /online\[0\] \("fc0.weight"\).data must be a Float64Array/,
    );
    expect(() => agent.setState(bad({ replay: { ...good.replay, rewards: new Float32Array(10) } }))).toThrow(
      /rewards must be a Float64Array, got Float32Array/,
    );
    expect(() => agent.setState(bad({ replay: { ...good.replay, actions: new Int32Array(9) } }))).toThrow(
      /actions has length 9, expected 10/,
    );
    expect(() => agent.setState(bad({ replay: { ...good.replay, cursor: 3 } }))).toThrow(
      /cursor 3 is inconsistent with size 10/,
    );
    expect(() => agent.setState(bad({ updates: -1 }))).toThrow(/updates must be an integer >= 0, got -1/);
    expect(() => agent.setState(bad({ optimizer: { ...good.optimizer, kind: "adam" } }))).toThrow(
      /optimizer.kind is "adam", this agent uses "rmsprop"/,
    );
    const buffers = { ...good.optimizer.buffers, "fc1.weight": { square_avg: [1], grad_avg: [1] } };
    expect(() => agent.setState(bad({ optimizer: { ...good.optimizer, buffers } }))).toThrow(
      /buffer square_avg of parameter "fc1.weight" has length 1, expected 256/,
    );
    expect(JSON.stringify(agent.optimizer.getState())).toBe(before);
    expect(agent.network.parameters.map((p) => Array.from(p.data))).toEqual(paramsBefore);
    expect(agent.buffer.size).toBe(10);
  });
});
