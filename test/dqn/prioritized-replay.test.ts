import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { mlpQNetwork } from "../../src/dqn/networks.js";
import { PrioritizedReplayBuffer } from "../../src/dqn/prioritized-replay.js";
import { ReplayBuffer } from "../../src/dqn/replay-buffer.js";
import { SumTree } from "../../src/dqn/sum-tree.js";
import { Rng } from "../../src/random/rng.js";

function filled(capacity: number, n: number, alpha = 0.5, priorityEpsilon = 0.5): PrioritizedReplayBuffer {
  const buf = new PrioritizedReplayBuffer({ capacity, observationSize: 1, alpha, priorityEpsilon });
  for (let t = 0; t < n; t++) buf.add([t], t % 2, t, [t + 1], false, false);
  return buf;
}

describe("SumTree", () => {
  it("keeps sums and the positive minimum, and finds the prefix interval of u", () => {
    const tree = new SumTree(5); // 8 leaves
    tree.setAll([1, 2, 0, 3, 4]);
    expect(tree.leaves).toBe(8);
    expect(tree.total).toBe(10);
    expect(tree.minPositive).toBe(1);
    // Prefix intervals: 0 → [0,1), 1 → [1,3), 3 → [3,6), 4 → [6,10); leaf 2 (p = 0) is never found.
    expect([0, 0.99, 1, 2.99, 3, 5.99, 6, 9.99].map((u) => tree.find(u))).toEqual([0, 0, 1, 1, 3, 3, 4, 4]);
    tree.set(0, 0);
    expect(tree.total).toBe(9);
    expect(tree.minPositive).toBe(2);
    expect(tree.find(0)).toBe(1);
    // u at (or past, by round-off) the total lands on the last positive leaf, never an empty one.
    expect(tree.find(9)).toBe(4);
    expect(() => tree.set(5, 1)).toThrow(/index must be an integer in \[0, 4\]/);
    expect(() => tree.set(1, -1)).toThrow(/priority must be a finite number >= 0/);
  });

  it("sampling frequencies match the priorities (χ² test, fixed seed)", () => {
    const p = [0.5, 3, 1, 0, 7, 2.5, 1, 5, 0.25, 4];
    const tree = new SumTree(p.length);
    p.forEach((v, i) => tree.set(i, v));
    const total = p.reduce((a, b) => a + b, 0);
    const rng = new Rng(42);
    const draws = 200_000;
    const counts = new Array<number>(p.length).fill(0);
    for (let k = 0; k < draws; k++) counts[tree.find(rng.uniform() * total)]++;
    expect(counts[3]).toBe(0);
    let chi2 = 0;
    p.forEach((v, i) => {
      if (v === 0) return;
      const expected = (draws * v) / total;
      chi2 += (counts[i] - expected) ** 2 / expected;
    });
    // 8 degrees of freedom: the 0.999 quantile is 26.1.
    expect(chi2).toBeLessThan(26.1);
  });
});

describe("PrioritizedReplayBuffer", () => {
  it("stratified minibatches sample row i with probability pᵢ^α / Σ pⱼ^α (χ² test, fixed seed)", () => {
    const buf = filled(16, 10, 0.7, 0.01);
    const errors = [0, 1, 2, 3, 0.5, 4, 0.2, 6, 1.5, 2.5];
    buf.updatePriorities(
      errors.map((_, i) => i),
      errors,
    );
    const pa = errors.map((e) => (e + 0.01) ** 0.7);
    const total = pa.reduce((a, b) => a + b, 0);
    const rng = new Rng(7);
    const counts = new Array<number>(16).fill(0);
    const batches = 4000;
    for (let k = 0; k < batches; k++) for (const i of buf.sample(32, rng).indices) counts[i]++;
    expect(counts.slice(10).every((c) => c === 0)).toBe(true);
    let chi2 = 0;
    pa.forEach((v, i) => {
      const expected = (batches * 32 * v) / total;
      chi2 += (counts[i] - expected) ** 2 / expected;
    });
    // 9 degrees of freedom, 0.999 quantile 27.9 (stratification only lowers the variance).
    expect(chi2).toBeLessThan(27.9);
  });

  it("importance weights equal (N·P(i))^−β / maxⱼ (N·P(j))^−β, hand-computed", () => {
    const buf = filled(8, 4, 0.5, 0.5);
    buf.updatePriorities([0, 1, 2, 3], [1, 3, 0.5, -2]); // p = |δ| + 0.5 = 1.5, 3.5, 1, 2.5
    const p = [1.5, 3.5, 1, 2.5];
    const pa = p.map((x) => Math.sqrt(x));
    const total = pa.reduce((a, b) => a + b, 0);
    const N = 4;
    const beta = 0.4;
    const raw = pa.map((x) => (N * (x / total)) ** -beta);
    const maxW = Math.max(...raw);
    const batch = buf.sample(64, new Rng(3), 1, 0.99, beta);
    for (let k = 0; k < batch.size; k++) {
      const i = batch.indices[k];
      expect(batch.weights[k]).toBeCloseTo(raw[i] / maxW, 14);
    }
    // The row of the smallest priority (row 2) has weight exactly 1; β = 0 turns weighting off.
    expect(new Set(Array.from(batch.indices)).size).toBe(4);
    const w2 = Array.from(batch.weights).filter((_, k) => batch.indices[k] === 2);
    expect(w2[0]).toBe(1);
    expect(Array.from(buf.sample(8, new Rng(1), 1, 0.99, 0).weights)).toEqual(new Array(8).fill(1));
    // Hand values: (p_i/p_min)^(−α·β) with p_min = 1 → 1.5^−0.2, 3.5^−0.2, 1, 2.5^−0.2.
    expect(raw.map((r) => r / maxW)).toEqual(p.map((x) => expect.closeTo(x ** -0.2, 14) as number));
  });

  it("a new transition enters at the largest priority seen; an overwritten row takes it too", () => {
    const buf = filled(4, 4, 0.5, 0.5);
    expect(buf.priority(0)).toBe(1); // max priority starts at 1
    buf.updatePriorities([0, 1], [4, 0.1]);
    expect(buf.maxPriority).toBe(4.5);
    expect(buf.priority(1)).toBeCloseTo(Math.sqrt(0.6), 15);
    buf.add([9], 0, 0, [10], false, false); // overwrites row 0
    expect(buf.priority(0)).toBe(Math.sqrt(4.5));
    buf.updatePriorities([2], [1]); // lower than the max: the max stays
    expect(buf.maxPriority).toBe(4.5);
    expect(() => buf.updatePriorities([1], [Number.NaN])).toThrow(/error 0 is not finite/);
  });

  it("its state restores the ring and the priorities; the next samples are the same", () => {
    const a = filled(8, 11, 0.6, 0.1);
    a.updatePriorities([1, 3, 5], [2, 0.3, 7]);
    const b = new PrioritizedReplayBuffer({
      capacity: 8,
      observationSize: 1,
      alpha: 0.6,
      priorityEpsilon: 0.1,
    });
    b.setState(a.getState());
    const ra = new Rng(5);
    const rb = new Rng(5);
    for (let k = 0; k < 5; k++) {
      const x = a.sample(6, ra, 2, 0.9, 0.5);
      const y = b.sample(6, rb, 2, 0.9, 0.5);
      expect(Array.from(y.indices)).toEqual(Array.from(x.indices));
      expect(Array.from(y.weights)).toEqual(Array.from(x.weights));
      expect(Array.from(y.returns)).toEqual(Array.from(x.returns));
    }
    expect(b.maxPriority).toBe(a.maxPriority);
    const uniform = new ReplayBuffer({ capacity: 8, observationSize: 1 });
    expect(() => uniform.setState(a.getState())).toThrow(/priorities is set .* this buffer is uniform/);
    uniform.setState({ ...a.getState(), priorities: undefined, maxPriority: undefined });
    expect(() => b.setState(uniform.getState())).toThrow(
      /priorities is missing .* this buffer is prioritized/,
    );
    const bad = { ...a.getState(), priorities: new Float64Array(8).fill(0) };
    expect(() => b.setState(bad)).toThrow(/priorities\[0\] must be a finite number > 0/);
  });

  it("the agent writes |δ| + ε of each sampled row back as its priority", () => {
    const agent = new DqnAgent({
      makeNetwork: () => mlpQNetwork({ observationSize: 1, numActions: 2, hidden: [4], rng: new Rng(2) }),
      config: {
        batchSize: 4,
        bufferSize: 16,
        learningStarts: 0,
        prioritized: { alpha: 1, betaStart: 0.4, betaFrames: 100, epsilon: 0.01 },
        optimizer: { kind: "adam", lr: 1e-3 },
      },
    });
    for (let t = 0; t < 6; t++) agent.observe([t], t % 2, 1, [t + 1], t === 5, false);
    expect(agent.beta(0)).toBe(0.4);
    expect(agent.beta(50)).toBeCloseTo(0.7, 15);
    expect(agent.beta(1000)).toBe(1);
    const buf = agent.buffer as PrioritizedReplayBuffer;
    const batchRows: number[] = [];
    const q = (s: number, a: number): number => agent.qValues(Float64Array.of(s))[a];
    // Expected priorities from the pre-update network: |Q(s, a) − y| + ε with y = 1 + γ·max Q⁻(s′).
    const before = Array.from({ length: 6 }, (_, t) => {
      const y = t === 5 ? 1 : 1 + 0.99 * Math.max(q(t + 1, 0), q(t + 1, 1));
      return Math.abs(q(t, t % 2) - y) + 0.01;
    });
    batchRows.push(...buf.sample(4, new Rng(9)).indices); // the rows the update will draw
    agent.update(new Rng(9), 0);
    for (const i of batchRows) expect(buf.priority(i)).toBeCloseTo(before[i], 12);
  });
});
