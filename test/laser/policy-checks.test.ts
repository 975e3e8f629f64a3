import { describe, expect, it } from "vitest";
import { mlpQNetwork } from "../../src/dqn/networks.js";
import { buildPolicy } from "../../src/laser/policy-kinds.js";
import { parametersToStateDict } from "../../src/laser/parameters-state-dict.js";
import { makeSavedPolicy } from "../../src/laser/saved-policy.js";
import { Rng } from "../../src/random/rng.js";
import { parseRunConfig } from "../../src/runner/config.js";
import { envAgentFactory } from "../../src/runner/env-agent-factory.js";
import type { NestedStateDict } from "../../src/laser/tensor.js";

const evaluation = { episodeSeeds: [1, 2], mode: "deterministic" as const, maxSteps: 5 };

/** A CartPole MLP Q-network (4 → 8 → 2), saved as a LASER policy for `env`. */
function cartpolePolicy(env: string, options: Record<string, unknown> = {}) {
  const net = mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [8], rng: new Rng(0) });
  return makeSavedPolicy({
    kind: "dqn",
    env,
    stateDict: parametersToStateDict(net.parameters),
    options: { network: "mlp", numActions: 2, observationSize: 4, hidden: [8], ...options },
  });
}

describe("LASER checks a saved policy against its env and its weights", () => {
  it("a policy that matches its env builds", () => {
    expect(buildPolicy(cartpolePolicy("CartPole-v1"), evaluation).envId).toBe("CartPole-v1");
  });

  it("a CartPole policy relabelled as Breakout is refused, naming both sizes", () => {
    expect(() =>
      buildPolicy(cartpolePolicy("MinAtar/Breakout", { envOptions: { minimalActions: false } }), evaluation),
    ).toThrow("dqn policy: MinAtar/Breakout gives observations of 400 numbers, but the Q-network takes 4");
    expect(() => buildPolicy(cartpolePolicy("Acrobot-v1"), evaluation)).toThrow(
      /gives observations of 6 numbers/,
    );
  });

  it("a wrong action count is refused", () => {
    const p = cartpolePolicy("CartPole-v1", { numActions: 3 });
    expect(() => buildPolicy(p, evaluation)).toThrow(
      /CartPole-v1 has 2 actions, but the Q-network outputs 3/,
    );
  });

  it("declared sizes are checked before anything is allocated", () => {
    expect(() => buildPolicy(cartpolePolicy("CartPole-v1", { hidden: [1e8, 64] }), evaluation)).toThrow(
      "dqn policy options: hidden[0] must be an integer in [1, 65536], got 100000000",
    );
    expect(() => buildPolicy(cartpolePolicy("CartPole-v1", { hidden: [60000, 60000] }), evaluation)).toThrow(
      /the declared network has \d+ parameters but the saved weights hold 58 numbers/,
    );
    expect(() => buildPolicy(cartpolePolicy("CartPole-v1", { hidden: ["64"] }), evaluation)).toThrow(
      'dqn policy options: hidden[0] must be an integer in [1, 65536], got "64"',
    );
  });

  it("a discrete-action LRPG policy sweeps its softmax matrix; a sweep with nothing to do is an error", () => {
    const config = parseRunConfig({ env: "CartPole-v1", algo: "lrpg", episodes: 10, seed: 0 });
    const agent = envAgentFactory(config, new Rng(0));
    const saved = makeSavedPolicy({
      kind: "pg-run",
      env: "CartPole-v1",
      stateDict: agent.exportStateDict() as unknown as NestedStateDict,
      options: config as unknown as Record<string, unknown>,
    });
    expect(buildPolicy(saved, evaluation).policyLayers).toEqual(["pi"]);
  });
});
