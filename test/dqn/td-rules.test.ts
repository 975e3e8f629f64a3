import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { tdLoss } from "../../src/dqn/loss.js";
import { ReplayBuffer, type ReplayBatch } from "../../src/dqn/replay-buffer.js";
import { tdTargets, type TdTargetRule } from "../../src/dqn/td-target.js";
import { Dense } from "../../src/nn/dense.js";
import { Sequential } from "../../src/nn/sequential.js";

/**
 * Six transitions of one stream, γ = 0.9, A = 3: transition t has s = t, a = t mod 3, r = t + 1;
 * t = 2 is truncated (time limit), t = 4 terminated, t = 5 the newest.
 */
function stream(): ReplayBuffer {
  const buf = new ReplayBuffer({ capacity: 8, observationSize: 1 });
  for (let t = 0; t < 6; t++) buf.add([t], t % 3, t + 1, [t + 0.5], t === 4, t === 2);
  return buf;
}

function gathered(buf: ReplayBuffer, rows: number[], nStep: number): ReplayBatch {
  const n = rows.length;
  const batch: ReplayBatch = {
    size: n,
    observations: new Float64Array(n),
    actions: new Int32Array(n),
    returns: new Float64Array(n),
    nextObservations: new Float64Array(n),
    discounts: new Float64Array(n),
    indices: Int32Array.from(rows),
    nextActions: new Int32Array(n),
    weights: new Float64Array(n).fill(1),
  };
  buf.gather(rows, nStep, 0.9, batch);
  return batch;
}

describe("n-step returns with the next action (SARSA), terminated vs truncated", () => {
  it("1-step: the next row's action unless the row ends an episode or is the newest", () => {
    const b = gathered(stream(), [0, 1, 2, 3, 4, 5], 1);
    expect(Array.from(b.returns)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.discounts)).toEqual([0.9, 0.9, 0.9, 0.9, 0, 0.9]); // truncation bootstraps
    // a₁ = 1, a₂ = 2; row 2 truncated → −1; a₄ = 1; row 4 terminated → −1; row 5 newest → −1.
    expect(Array.from(b.nextActions)).toEqual([1, 2, -1, 1, -1, -1]);
  });

  it("2-step: G = r_t + γ r_{t+1}, stopping at truncation (bootstrap γᵐ) or termination (0)", () => {
    const b = gathered(stream(), [0, 1, 2, 3, 4, 5], 2);
    // t0: 1 + 0.9·2 = 2.8, bootstrap from s′₁ with γ², next action a₂ = 2.
    // t1: 2 + 0.9·3 = 4.7, row 2 truncated → γ², no next action.
    // t2: truncated at once → 3, γ.  t3: 4 + 0.9·5 = 8.5, terminated → 0.  t4: 5, 0.  t5: newest → 6, γ.
    const want = [2.8, 4.7, 3, 8.5, 5, 6];
    b.returns.forEach((g, k) => expect(g).toBeCloseTo(want[k], 14));
    const d = [0.81, 0.81, 0.9, 0, 0, 0.9];
    b.discounts.forEach((x, k) => expect(x).toBeCloseTo(d[k], 14));
    expect(Array.from(b.nextObservations)).toEqual([1.5, 2.5, 2.5, 4.5, 4.5, 5.5]);
    expect(Array.from(b.nextActions)).toEqual([2, -1, -1, -1, -1, -1]);
  });
});

describe("TD targets: Q-learning, SARSA, Expected SARSA (with and without Double)", () => {
  // The 2-step rows t0 (next action 2), t1 (truncated: next action unknown), t3 (terminated).
  const b = gathered(stream(), [0, 1, 3], 2);
  const qTarget = [1, 4, 2, 1, 4, 2, 7, 7, 7]; // Q⁻(s′, ·) per sample
  const qOnline = [3, 0, 1, 3, 0, 1, 0, 0, 0]; // Q(s′, ·): prefers action 0
  const targets = (rule: TdTargetRule, double: boolean, epsilon = 0.3): number[] =>
    Array.from(
      tdTargets(
        {
          returns: b.returns,
          discounts: b.discounts,
          qNextTarget: qTarget,
          qNextOnline: double ? qOnline : undefined,
          numActions: 3,
          rule,
          epsilon,
          nextActions: b.nextActions,
        },
        new Float64Array(3),
      ),
    );
  const close = (got: number[], want: number[]): void =>
    got.forEach((g, k) => expect(g).toBeCloseTo(want[k], 12));

  // Expected value under ε-greedy (ε = 0.3, A = 3): 0.1 on each action, + 0.7 on the greedy one.
  // Greedy by Q⁻ (action 1): 0.1·1 + 0.8·4 + 0.1·2 = 3.5.  Greedy by Q (action 0): 0.8·1 + 0.1·4 + 0.1·2 = 1.4.
  it("Q-learning: G + γ²·max Q⁻ = 2.8 + 0.81·4; Double: G + γ²·Q⁻(s′, argmax Q) = 2.8 + 0.81·1", () => {
    close(targets("q-learning", false), [2.8 + 0.81 * 4, 4.7 + 0.81 * 4, 8.5]);
    close(targets("q-learning", true), [2.8 + 0.81 * 1, 4.7 + 0.81 * 1, 8.5]);
  });

  it("SARSA: the taken next action (a = 2); where unknown (truncated) the ε-greedy expectation", () => {
    close(targets("sarsa", false), [2.8 + 0.81 * 2, 4.7 + 0.81 * 3.5, 8.5]);
    // Double only changes the fallback row's greedy action.
    close(targets("sarsa", true), [2.8 + 0.81 * 2, 4.7 + 0.81 * 1.4, 8.5]);
  });

  it("Expected SARSA: Σ_a π_ε(a|s′) Q⁻(s′, a); ε = 0 is Q-learning, ε = 1 the mean", () => {
    close(targets("expected-sarsa", false), [2.8 + 0.81 * 3.5, 4.7 + 0.81 * 3.5, 8.5]);
    close(targets("expected-sarsa", true), [2.8 + 0.81 * 1.4, 4.7 + 0.81 * 1.4, 8.5]);
    close(targets("expected-sarsa", false, 0), targets("q-learning", false));
    close(targets("expected-sarsa", false, 1), [2.8 + 0.81 * (7 / 3), 4.7 + 0.81 * (7 / 3), 8.5]);
  });

  it("rejects a SARSA call without next actions and ε outside [0, 1]", () => {
    const base = { returns: [1], discounts: [0.9], qNextTarget: [1, 2], numActions: 2 };
    expect(() => tdTargets({ ...base, rule: "sarsa" }, new Float64Array(1))).toThrow(
      /sarsa rule needs nextActions/,
    );
    expect(() => tdTargets({ ...base, epsilon: 1.5 }, new Float64Array(1))).toThrow(
      /epsilon must be in \[0, 1\]/,
    );
  });
});

describe("the agent's SARSA / Expected SARSA updates", () => {
  /** Tabular Q(s, a) = W[a, s] on one-hot states, SGD-free check of the loss (MSE: ℓ = δ²). */
  const agentFor = (tdTarget: TdTargetRule) => {
    const agent = new DqnAgent({
      makeNetwork: () =>
        new Sequential([new Dense({ inFeatures: 2, outFeatures: 2, bias: false, name: "w" })]),
      config: {
        batchSize: 1,
        bufferSize: 4,
        learningStarts: 0,
        loss: "mse",
        tdTarget,
        epsilonStart: 1,
        epsilonEnd: 0,
        epsilonDecayFrames: 10,
        optimizer: { kind: "adam", lr: 1e-3 },
      },
    });
    agent.network.parameters[0].data.set([0, 2, 0, 6]); // Q(·,0) = (0, 2), Q(·,1) = (0, 6)
    agent.syncTarget();
    // s = 0 → a = 0, r = 1 → s′ = 1; then s′ = 1 → a = 0 (the SARSA next action).
    agent.observe([1, 0], 0, 1, [0, 1], false, false);
    agent.observe([0, 1], 0, 0, [1, 0], false, false);
    return agent;
  };
  const batch = (agent: DqnAgent): ReplayBatch => {
    const b = gathered(agent.buffer, [0], 1);
    return { ...b, observations: Float64Array.of(1, 0), nextObservations: Float64Array.of(0, 1) };
  };

  it("SARSA bootstraps Q⁻(s′, a′ = 0) = 2; Expected SARSA uses the ε of the frame (ε(5) = 0.5)", () => {
    // The batch bootstraps with d = γ = 0.9. Q(s = 0, a = 0) = 0. SARSA: y = 1 + 0.9·2 = 2.8 → ℓ = 7.84.
    expect(agentFor("sarsa").learn(batch(agentFor("sarsa")), 0.5).tdLoss).toBeCloseTo(7.84, 13);
    // Expected SARSA at ε = 0.5: π = (0.25, 0.75) (greedy 1) → E = 0.25·2 + 0.75·6 = 5, y = 5.5 → ℓ = 30.25.
    const e = agentFor("expected-sarsa");
    expect(e.epsilon(5)).toBe(0.5);
    expect(e.learn(batch(e), e.epsilon(5)).tdLoss).toBeCloseTo(30.25, 13);
    // Q-learning: y = 1 + 0.9·6 = 6.4 → ℓ = 40.96.
    const q = agentFor("q-learning");
    expect(q.learn(batch(q), 0.5).tdLoss).toBeCloseTo(40.96, 13);
  });
});

describe("importance-weighted TD loss", () => {
  it("L = (1/B) Σ wᵢ ℓ(δᵢ) and ∂L/∂Qᵢ = wᵢ ℓ′(δᵢ)/B", () => {
    const grad = new Float64Array(3);
    // δ = 0.5, −2, 1.5 (Huber κ = 1): ℓ = 0.125, 1.5, 1; ℓ′ = 0.5, −1, 1.
    const loss = tdLoss("huber", [1.5, 0, 3], [1, 2, 1.5], grad, 1, [1, 0.5, 0.2]);
    expect(loss).toBeCloseTo((0.125 + 0.75 + 0.2) / 3, 15);
    expect(Array.from(grad)).toEqual(
      [0.5 / 3, -0.5 / 3, 0.2 / 3].map((x) => expect.closeTo(x, 15) as number),
    );
    expect(() => tdLoss("mse", [1], [1], new Float64Array(1), 1, [1, 2])).toThrow(
      /weights must have one entry/,
    );
  });
});
