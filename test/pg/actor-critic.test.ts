import { describe, expect, it } from "vitest";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import { Sgd } from "../../src/optim/sgd.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { GaeActorCritic, gaeActorCriticRule, type ActorCriticOptions } from "../../src/pg/actor-critic.js";
import { everyKEpisodes } from "../../src/pg/batch-update-train.js";
import { ComposedAgent } from "../../src/pg/composed-agent.js";
import { TransitionBuffer } from "../../src/pg/batch-update.js";
import { gaeAdvantages } from "../../src/pg/gae.js";
import { Rng } from "../../src/random/rng.js";

function setup(seed: number, criticOpt: "adam" | "sgd" = "adam") {
  const rng = new Rng(seed);
  const grid = new AxisGrid({ low: [-1, -1], high: [1, 1], buckets: [4, 5] });
  const actor = new CpGrid({ grid, rank: 2 });
  actor.initNormal(rng, 0.5);
  const critic = new CpGrid({ grid, rank: 2, name: "value" });
  critic.initNormal(rng, 0.5);
  const head = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 }, logSigmaClamp: [-2.5, 0] });
  const parts = {
    actor,
    head,
    critic,
    actorOptimizer: new Adam([...actor.parameters, ...head.parameters], { lr: 1e-2 }),
    criticOptimizer:
      criticOpt === "adam"
        ? new Adam(critic.parameters, { lr: 1e-2 })
        : new Sgd(critic.parameters, { lr: 1e-2 }),
  };
  // Two episodes: one terminated, one cut (bootstrapped from its final state).
  const batch = new TransitionBuffer(2);
  for (let e = 0; e < 2; e++) {
    for (let t = 0; t < 12; t++)
      batch.push([rng.uniformRange(-1.2, 1.2), rng.uniformRange(-1.2, 1.2)], rng.normal(), rng.normal());
    batch.endEpisode(e === 0, [0.3, -0.4]);
  }
  return { parts, batch };
}

const snapshot = (ps: readonly { data: Float64Array }[]) => ps.map((p) => Array.from(p.data));

describe("GaeActorCritic", () => {
  it("critic calls see GAE with the cut episode bootstrapped, the first PPO loss is 0", () => {
    const { parts, batch } = setup(1);
    const seen: { values: number[]; returns: number[]; raw: number[] }[] = [];
    let firstLoss = NaN;
    const rule = new GaeActorCritic(parts, 0.9, {
      tau: 0.8,
      clip: 0.2,
      epochs: 2,
      observer: {
        criticCall: (i) =>
          seen.push({
            values: Array.from(i.values),
            returns: Array.from(i.returns),
            raw: Array.from(i.rawAdvantages),
          }),
        actorEpoch: (i) => {
          if (i.epoch === 0) firstLoss = i.loss;
        },
      },
    });
    // V before the update, and V(s′) of the cut episode, from a copy of the critic's parameters.
    const V = new Float64Array(24);
    parts.critic.forwardBatch(batch.states, 24, V);
    const boot = new Float64Array(2);
    parts.critic.forwardBatch(batch.finalStates, 2, boot);
    const R = new Float64Array(24);
    const A = new Float64Array(24);
    gaeAdvantages(batch, V, boot, 0.9, 0.8, R, A);
    rule.update(batch);
    expect(seen.length).toBe(1);
    expect(seen[0].values).toEqual(Array.from(V));
    expect(seen[0].returns).toEqual(Array.from(R));
    expect(seen[0].raw).toEqual(Array.from(A));
    expect(R[23]).toBe(batch.rewards[23] + 0.9 * boot[1]);
    expect(R[11]).toBe(batch.rewards[11]);
    expect(Math.abs(firstLoss)).toBeLessThan(1e-15);
  });

  it("block modes: reference lets Adam move an inactive block through its moments, strict does not", () => {
    const after: Record<string, number[][]> = {};
    for (const blockMode of ["reference", "strict"] as const) {
      const { parts, batch } = setup(2);
      const sigma = parts.head.logSigma!;
      let afterBlock0: number[] = [];
      const options: ActorCriticOptions = {
        tau: 0.9,
        epochs: 5,
        blockMode,
        actorBlocks: [[sigma], [parts.actor.factors[0]]],
        criticBlocks: parts.critic.factors.map((p) => [p]),
        observer: {
          actorEpoch: (i) => {
            if (i.block === 0 && i.epoch === 4) afterBlock0 = Array.from(sigma.data);
          },
        },
      };
      const untouched = snapshot([parts.actor.factors[1]]);
      new GaeActorCritic(parts, 0.9, options).update(batch);
      expect(snapshot([parts.actor.factors[1]])).toEqual(untouched); // never in a block, never a gradient
      after[blockMode] = [afterBlock0, Array.from(sigma.data)];
    }
    expect(after.reference[1][0]).not.toBe(after.reference[0][0]); // σ moved during the factor's block
    expect(after.strict[1][0]).toBe(after.strict[0][0]);
  });

  it("a first-order critic (Adam or SGD, several epochs) lowers the critic loss", () => {
    for (const opt of ["adam", "sgd"] as const) {
      const { parts, batch } = setup(3, opt);
      const rule = new GaeActorCritic(parts, 0.9, {
        tau: 0.9,
        epochs: 1,
        critic: { kind: "optimizer", epochs: 50 },
      });
      const losses: number[] = [];
      for (let k = 0; k < 3; k++) losses.push(rule.update(batch).lossCritic);
      expect(losses[2]).toBeLessThan(losses[0]);
    }
  });

  it("refuses bad options with one line naming the field and its range", () => {
    const { parts } = setup(4);
    expect(() => new GaeActorCritic(parts, 0.9, { tau: 1.5 })).toThrow(
      /tau \(GAE λ\) must be in \[0, 1\], got 1.5/,
    );
    expect(() => new GaeActorCritic(parts, 0.9, { tau: 0.9, clip: 0 })).toThrow(
      /clip \(PPO ε\) must be in \(0, 1\)/,
    );
    expect(() => new GaeActorCritic(parts, 0.9, { tau: 0.9, epochs: 0 })).toThrow(
      /epochs must be an integer >= 1/,
    );
    expect(
      () => new GaeActorCritic(parts, 0.9, { tau: 0.9, actorBlocks: [[parts.critic.factors[0]]] }),
    ).toThrow(/actorBlocks\[0\]: parameter "value.factors.0" is not optimized by this side/);
  });
});

describe("GaeActorCritic state", () => {
  it("a rule rebuilt from getState (through JSON) and the parts' optimizer states continues bit for bit", () => {
    const run = (split: boolean): number[][] => {
      const { parts, batch } = setup(7);
      const options: ActorCriticOptions = {
        tau: 0.9,
        epochs: 3,
        clip: 0.2,
        criticBlocks: parts.critic.factors.map((p) => [p]),
      };
      let rule = new GaeActorCritic(parts, 0.9, options);
      for (let k = 0; k < 4; k++) {
        if (split && k === 2) {
          const saved = JSON.parse(JSON.stringify(rule.getState()));
          rule = new GaeActorCritic(parts, 0.9, options);
          rule.setState(saved);
        }
        rule.update(batch);
      }
      return snapshot([...parts.actor.factors, ...parts.critic.factors]);
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe("everyKEpisodes: a batch rule inside ComposedAgent", () => {
  it("updates once per K episodes with the same numbers as the batch rule on the concatenated episodes", () => {
    const build = () => {
      const rng = new Rng(9);
      const grid = new AxisGrid({ low: [-1, -1], high: [1, 1], buckets: [4, 5] });
      const actor = new CpGrid({ grid, rank: 2 });
      actor.initNormal(rng, 0.5);
      const critic = new CpGrid({ grid, rank: 2, name: "value" });
      critic.initNormal(rng, 0.5);
      const head = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 }, logSigmaClamp: [-2.5, 0] });
      return { actor, critic, head };
    };
    const options: ActorCriticOptions = { tau: 0.9, epochs: 3, clip: 0.2 };
    const rng = new Rng(2);
    const episodes = Array.from({ length: 4 }, () => {
      const T = 5 + Math.floor(5 * rng.uniform());
      return {
        states: Array.from({ length: T }, () => [rng.uniformRange(-1, 1), rng.uniformRange(-1, 1)]),
        actions: Array.from({ length: T }, () => rng.normal()),
        rewards: Array.from({ length: T }, () => rng.normal()),
      };
    });
    const a = build();
    const agent = new ComposedAgent({
      owner: "test",
      ...a,
      lrActor: 1e-2,
      lrCritic: 1e-2,
      gamma: 0.9,
      rule: everyKEpisodes(gaeActorCriticRule(options), 2),
    });
    const results = episodes.map((e) => agent.learn(e));
    expect(Number.isNaN(results[0].lossActor)).toBe(true);
    expect(Number.isFinite(results[1].lossActor)).toBe(true);

    const b = build();
    const parts = {
      ...b,
      actorOptimizer: new Adam([...b.actor.parameters, ...b.head.parameters], { lr: 1e-2 }),
      criticOptimizer: new Adam(b.critic.parameters, { lr: 1e-2 }),
    };
    const rule = new GaeActorCritic(parts, 0.9, options);
    for (const pair of [episodes.slice(0, 2), episodes.slice(2, 4)]) {
      const buf = new TransitionBuffer(2);
      for (const e of pair) {
        e.actions.forEach((act, t) => buf.push(e.states[t], act, e.rewards[t]));
        buf.endEpisode(true);
      }
      rule.update(buf);
    }
    expect(snapshot([...a.actor.factors, ...a.critic.factors, a.head.logSigma!])).toEqual(
      snapshot([...b.actor.factors, ...b.critic.factors, b.head.logSigma!]),
    );
  });
});
