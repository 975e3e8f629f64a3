import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { SoftmaxHead } from "../../src/heads/softmax.js";
import { Discretizer } from "../../src/parametrizations/discretizer.js";
import { GridLowRank, fillReferenceOrder } from "../../src/parametrizations/grid-low-rank.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { StackedParametrization } from "../../src/parametrizations/stack.js";
import { ComposedAgent } from "../../src/pg/composed-agent.js";
import { makeEpisode } from "../../src/pg/episode-buffer.js";
import type { PolicyHead } from "../../src/heads/head.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { Rng } from "../../src/random/rng.js";
import { jitter, worstGradientError } from "../lrpg/gradient-check.js";

const grid = new Discretizer({ low: [-1, -1], high: [1, 1], buckets: [3, 4], rowDims: [0], colDims: [1] });

/** New combinations: the update rule only sees the parametrization and head interfaces. */
function compose(kind: "mlp-mean+lowrank-sigma" | "lowrank-softmax+mlp-critic", seed: number) {
  const rng = new Rng(seed);
  const mlp = (name: string) => {
    const f = new ScalarMlp(2, 6, name);
    f.initTorchDefault(rng);
    return f;
  };
  const lowRank = (name: string, outputs: number) => {
    const f = new GridLowRank(grid, 2, name, outputs);
    fillReferenceOrder(f.matrix, rng, 0.5);
    return f;
  };
  let actor: Parametrization;
  let head: PolicyHead;
  if (kind === "mlp-mean+lowrank-sigma") {
    actor = new StackedParametrization([mlp("mu"), lowRank("sigma", 1)]);
    head = new GaussianHead({ sigma: { kind: "state", map: "softplus" } });
  } else {
    actor = lowRank("pi", 3);
    head = new SoftmaxHead(3);
  }
  const critic = mlp("value");
  return new ComposedAgent({ owner: "test", actor, head, critic, lrActor: 0.01, lrCritic: 0.01, gamma: 0.9 });
}

describe("ComposedAgent × ReinforceWithBaseline", () => {
  for (const kind of ["mlp-mean+lowrank-sigma", "lowrank-softmax+mlp-critic"] as const) {
    it(`${kind}: learn's gradients match central differences of its losses (property)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1e6 }), (T, seed) => {
          const agent = compose(kind, seed);
          const rng = new Rng(seed + 1);
          const states = rng.fillNormal(new Float64Array(2 * T), 0, 0.7);
          const actions = Float64Array.from({ length: T }, (_, t) =>
            kind === "lowrank-softmax+mlp-critic"
              ? agent.act(states.subarray(2 * t, 2 * t + 2), rng)
              : rng.normal(),
          );
          const episode = makeEpisode({ states, actions, rewards: rng.fillNormal(new Float64Array(T)) });
          const dict = jitter(agent.exportStateDict(), new Rng(seed + 2), 0.05);
          const keys = Object.keys(dict);
          const actorKeys = keys.filter((k) => !k.startsWith("value."));
          const criticKeys = keys.filter((k) => k.startsWith("value."));
          return worstGradientError(agent, dict, episode, actorKeys, criticKeys) < 1e-5;
        }),
        { seed: 51, numRuns: 15 },
      );
    });
  }

  it("rejects an actor whose outputs do not fit the head", () => {
    const actor = new GridLowRank(grid, 1, "mu", 2);
    const critic = new GridLowRank(grid, 1, "value");
    expect(
      () =>
        new ComposedAgent({
          owner: "X",
          actor,
          head: new GaussianHead(),
          critic,
          lrActor: 1,
          lrCritic: 1,
          gamma: 1,
        }),
    ).toThrow(/X: the actor has 2 outputs, the head reads 1/);
  });
});
