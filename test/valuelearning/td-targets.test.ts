import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { Behaviour } from "../../src/valuelearning/behaviour.js";
import { TdAgent, type TdAgentOptions } from "../../src/valuelearning/agent.js";
import { bootstrapValue, nStepTarget } from "../../src/valuelearning/td-targets.js";
import { runTdEpisode } from "../../src/valuelearning/train.js";
import { ChainEnv, TableQ } from "./fixtures.js";

/** An agent that records each (state, action, target) it is asked to fit and leaves Q unchanged. */
class RecordingAgent extends TdAgent {
  readonly fits: { s: number; a: number; y: number }[] = [];
  override tdStep(states: ArrayLike<number>, offset: number, action: number, target: number): number {
    this.fits.push({ s: states[offset], a: action, y: target });
    return 0;
  }
}

// Q(s, ·) for the chain's states 0…3 (state 3 is where a 3-step episode ends).
const TABLE = [0, 1, 2, 5, 4, 3, 7, 6];
const REWARDS = [1, 2, 3];
const GAMMA = 0.5;

function recordEpisode(
  end: "terminated" | "truncated",
  options: Partial<TdAgentOptions>,
  maxSteps?: number,
  rewards = REWARDS,
): { agent: RecordingAgent; env: ChainEnv; result: ReturnType<typeof runTdEpisode> } {
  const agent = new RecordingAgent({
    q: new TableQ(8, 2, [...TABLE, ...Array(16 - TABLE.length).fill(0)]),
    rule: "q-learning",
    gamma: GAMMA,
    lr: 0.1,
    epsilon: { start: 0, end: 0, decaySteps: 0 },
    ...options,
  });
  const env = new ChainEnv(rewards, end);
  const result = runTdEpisode(env, agent, new Rng(3), { globalStep: 0, maxSteps });
  return { agent, env, result };
}

describe("TD targets by hand", () => {
  it("bootstrap values: max, the next action's value, the ε-greedy expectation (first maximum on ties)", () => {
    const q = Float64Array.of(9, 1, 3, 2); // read from offset 1
    expect(bootstrapValue("q-learning", q, 1, 3, -1, null)).toBe(3);
    expect(bootstrapValue("sarsa", q, 1, 3, 2, null)).toBe(2);
    const probs = new Behaviour("epsilon-greedy", 3).probabilities(q, 1, 0.3, new Float64Array(3));
    [0.1, 0.8, 0.1].forEach((p, a) => expect(probs[a]).toBeCloseTo(p, 15));
    expect(bootstrapValue("expected-sarsa", q, 1, 3, -1, probs)).toBeCloseTo(0.1 * 1 + 0.8 * 3 + 0.1 * 2, 14);
    const tie = new Behaviour("epsilon-greedy", 3).probabilities(
      Float64Array.of(2, 2, 1),
      0,
      0.3,
      new Float64Array(3),
    );
    expect(tie[0]).toBeCloseTo(0.8, 15);
    expect(tie[1]).toBeCloseTo(0.1, 15);
    const soft = new Behaviour("softmax", 2).probabilities(
      Float64Array.of(0, 2 * Math.log(3)),
      0,
      2,
      new Float64Array(2),
    );
    expect(soft[0]).toBeCloseTo(0.25, 14);
    expect(soft[1]).toBeCloseTo(0.75, 14);
    expect(() => bootstrapValue("sarsa", q, 1, 3, 3, null)).toThrow(/next action in \[0, 2\]/);
    expect(() => bootstrapValue("expected-sarsa", q, 1, 3, 0, null)).toThrow(/probabilities/);
  });

  it("n-step targets: discounted rewards, plus γᵐ·B unless terminated", () => {
    const r = [1, 2, 3];
    expect(nStepTarget(r, 0, 3, 0.5, false, 8)).toBe(1 + 0.5 * 2 + 0.25 * 3 + 0.125 * 8);
    expect(nStepTarget(r, 0, 3, 0.5, true, 8)).toBe(1 + 0.5 * 2 + 0.25 * 3);
    expect(nStepTarget(r, 1, 1, 0.5, false, 8)).toBe(2 + 0.5 * 8);
    expect(nStepTarget(r, 2, 1, 0.9, true, 1e9)).toBe(3);
    expect(() => nStepTarget(r, 0, 0, 0.5, false, 0)).toThrow(/m must be an integer >= 1/);
  });

  it("Q-learning, one step: no bootstrap after termination, bootstrap from s_T after truncation", () => {
    // max Q(1) = 5, max Q(2) = 4, max Q(3) = 7.
    const term = recordEpisode("terminated", { rule: "q-learning" });
    expect(term.agent.fits).toEqual([
      { s: 0, a: 1, y: 1 + 0.5 * 5 },
      { s: 1, a: 1, y: 2 + 0.5 * 4 },
      { s: 2, a: 0, y: 3 },
    ]);
    expect(term.result).toMatchObject({
      return: 6,
      length: 3,
      terminated: true,
      truncated: false,
      updates: 3,
    });
    const trunc = recordEpisode("truncated", { rule: "q-learning" });
    expect(trunc.agent.fits.map((f) => f.y)).toEqual([3.5, 4, 3 + 0.5 * 7]);
    expect(trunc.result).toMatchObject({ terminated: false, truncated: true });
  });

  it("SARSA bootstraps from the action actually taken next", () => {
    const { agent, env } = recordEpisode("terminated", {
      rule: "sarsa",
      epsilon: { start: 1, end: 1, decaySteps: 0 },
    });
    const a = env.actionsTaken;
    expect(agent.fits.map((f) => f.a)).toEqual(a);
    expect(agent.fits.map((f) => f.y)).toEqual([
      1 + 0.5 * TABLE[1 * 2 + a[1]],
      2 + 0.5 * TABLE[2 * 2 + a[2]],
      3,
    ]);
    // Greedy SARSA cut by the time limit bootstraps from the action it would take in s_3 (argmax = 0).
    const trunc = recordEpisode("truncated", { rule: "sarsa" });
    expect(trunc.agent.fits.at(-1)!.y).toBe(3 + 0.5 * 7);
  });

  it("Expected SARSA takes the expectation under the ε-greedy behaviour", () => {
    const { agent } = recordEpisode("terminated", {
      rule: "expected-sarsa",
      epsilon: { start: 0.2, end: 0.2, decaySteps: 0 },
    });
    const y = agent.fits.map((f) => f.y);
    expect(y[0]).toBeCloseTo(1 + 0.5 * (0.9 * 5 + 0.1 * 2), 14);
    expect(y[1]).toBeCloseTo(2 + 0.5 * (0.9 * 4 + 0.1 * 3), 14);
    expect(y[2]).toBe(3);
    const trunc = recordEpisode("truncated", {
      rule: "expected-sarsa",
      epsilon: { start: 0.2, end: 0.2, decaySteps: 0 },
    });
    expect(trunc.agent.fits[2].y).toBeCloseTo(3 + 0.5 * (0.9 * 7 + 0.1 * 6), 14);
  });

  it("n-step: full windows while running, shorter ones when the episode ends", () => {
    const term = recordEpisode("terminated", { rule: "q-learning", nStep: 2 });
    expect(term.agent.fits.map((f) => [f.s, f.y])).toEqual([
      [0, 1 + 0.5 * 2 + 0.25 * 4],
      [1, 2 + 0.5 * 3],
      [2, 3],
    ]);
    const trunc = recordEpisode("truncated", { rule: "q-learning", nStep: 2 });
    expect(trunc.agent.fits.map((f) => f.y)).toEqual([3, 2 + 0.5 * 3 + 0.25 * 7, 3 + 0.5 * 7]);
    // n longer than the episode: every target is the Monte-Carlo return (terminated).
    const mc = recordEpisode("terminated", { rule: "q-learning", nStep: 5 });
    expect(mc.agent.fits.map((f) => f.y)).toEqual([1 + 1 + 0.75, 2 + 1.5, 3]);
  });

  it("a cut at maxSteps is a truncation: bootstrapped from the state reached", () => {
    const { agent, result } = recordEpisode("terminated", { rule: "q-learning" }, 2, [1, 2, 3, 4, 5]);
    expect(result).toMatchObject({ length: 2, terminated: false, truncated: true });
    expect(agent.fits.map((f) => f.y)).toEqual([1 + 0.5 * 5, 2 + 0.5 * 4]);
  });

  it("ε decays linearly over env steps", () => {
    const agent = new TdAgent({
      q: new TableQ(1, 2),
      rule: "q-learning",
      gamma: 0.9,
      lr: 0.1,
      epsilon: { start: 1, end: 0.1, decaySteps: 100 },
    });
    expect(agent.explorationAt(0)).toBe(1);
    expect(agent.explorationAt(50)).toBeCloseTo(0.55, 15);
    expect(agent.explorationAt(100)).toBeCloseTo(0.1, 15);
    expect(agent.explorationAt(1e6)).toBeCloseTo(0.1, 15);
  });
});
