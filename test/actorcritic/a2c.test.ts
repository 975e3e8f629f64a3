import { describe, expect, it } from "vitest";
import {
  A2c,
  SyncVectorEnv,
  minatarActorCritic,
  mlpActorCritic,
  type A2cOptions,
} from "../../src/actorcritic/index.js";
import { makeEnv } from "../../src/envs/index.js";
import { Rng } from "../../src/random/rng.js";

function cartPoleRun(seed: number, options: A2cOptions, hidden: "dense" | "trl" = "dense") {
  const rng = new Rng(seed);
  const envs = new SyncVectorEnv(
    Array.from({ length: 8 }, () => makeEnv("CartPole-v1", { rng: rng.fork() })),
  );
  envs.reset(seed);
  const net = mlpActorCritic({
    observationSize: 4,
    numActions: 2,
    hidden: [64, 64],
    hiddenLayer: hidden === "trl" ? { kind: "trl", rank: 4 } : undefined,
    rng,
  });
  return { a2c: new A2c(net, envs, rng, options), net, envs };
}

/** Updates until the mean of the last 20 episode returns reaches `threshold` (−1 if not within `maxUpdates`). */
function updatesToThreshold(a2c: A2c, threshold: number, maxUpdates: number): number {
  const returns: number[] = [];
  for (let u = 1; u <= maxUpdates; u++) {
    a2c.update((ep) => returns.push(ep.return));
    if (returns.length >= 20 && returns.slice(-20).reduce((a, b) => a + b, 0) / 20 >= threshold) return u;
  }
  return -1;
}

const ADAM: A2cOptions = { optimizer: "adam", lr: 0.005, nSteps: 10 };
/** ACKTR: K-FAC with a KL trust region of 0.01 per update (ACKTR's Atari setting is 0.001 at η 0.25). */
const ACKTR: A2cOptions = { optimizer: "kfac", lr: 0.25, nSteps: 10, kfac: { klClip: 0.01 } };

describe("SyncVectorEnv", () => {
  it("steps copies in lockstep, resets an ended copy at once and keeps its last observation", () => {
    const rng = new Rng(1);
    const envs = new SyncVectorEnv([
      makeEnv("CartPole-v1", { rng: rng.fork(), maxEpisodeSteps: 3 }),
      makeEnv("CartPole-v1", { rng: rng.fork(), maxEpisodeSteps: 5 }),
    ]);
    envs.reset(7);
    const lengths: number[] = [];
    for (let t = 0; t < 3; t++) {
      const before = Float64Array.from(envs.observations.subarray(0, 4));
      envs.step([1, 0]);
      for (const ep of envs.finished) lengths.push(ep.length);
      if (t === 2) {
        expect(envs.truncated[0]).toBe(1);
        expect(envs.truncated[1]).toBe(0);
        // The final observation is the pushed-right successor of the last state, not the reset one.
        expect(envs.finalObservations[1]).toBeGreaterThan(before[1]);
        expect(Math.abs(envs.observations[0])).toBeLessThanOrEqual(0.05);
      }
    }
    expect(lengths).toEqual([3]);
    expect(envs.globalStep).toBe(6);
  });
});

describe("A2C on CartPole-v1 (threshold: mean of the last 20 episode returns ≥ 195)", () => {
  it("A2C with Adam solves it (seed 0, ≤ 1 500 updates of 8 envs × 10 steps)", () => {
    const { a2c } = cartPoleRun(0, ADAM);
    const u = updatesToThreshold(a2c, 195, 1500);
    expect(u).toBeGreaterThan(0);
  });

  it("ACKTR (K-FAC) reaches the threshold in fewer updates than Adam on each of seeds 0, 1, 2", () => {
    for (const seed of [0, 1, 2]) {
      const kfac = updatesToThreshold(cartPoleRun(seed, ACKTR).a2c, 195, 1000);
      const adam = updatesToThreshold(cartPoleRun(seed, ADAM).a2c, 195, 1500);
      expect(kfac, `seed ${seed}`).toBeGreaterThan(0);
      expect(adam, `seed ${seed}`).toBeGreaterThan(0);
      expect(kfac, `seed ${seed}: K-FAC ${kfac} vs Adam ${adam}`).toBeLessThan(adam);
    }
  });

  it("ACKTR with a TRL hidden layer (ranks 4 on its 8 × 8 input modes) solves it", () => {
    const { a2c, net } = cartPoleRun(3, ACKTR, "trl");
    expect(net.trunk.layers[2].parameterCount).toBeLessThan(64 * 64 + 64);
    expect(updatesToThreshold(a2c, 195, 1000)).toBeGreaterThan(0);
  });
});

describe("A2C state", () => {
  it("a run resumed from getState (through JSON) is bit-identical, with K-FAC", () => {
    const run = (resumeAt: number | null): number[] => {
      let { a2c } = cartPoleRun(4, { ...ACKTR, kfac: { klClip: 0.01, inverseEvery: 3, momentum: 0.5 } });
      const returns: number[] = [];
      for (let u = 0; u < 12; u++) {
        if (u === resumeAt) {
          const saved = JSON.parse(JSON.stringify(a2c.getState()));
          a2c = cartPoleRun(99, { ...ACKTR, kfac: { klClip: 0.01, inverseEvery: 3, momentum: 0.5 } }).a2c;
          a2c.setState(saved);
        }
        const info = a2c.update((ep) => returns.push(ep.return));
        returns.push(info.total);
      }
      return [...returns, ...a2c.network.parameters.flatMap((p) => Array.from(p.data))];
    };
    expect(run(7)).toEqual(run(null));
  });

  it("bad options give one-line errors naming the field and the range", () => {
    const make = (o: A2cOptions) => () => cartPoleRun(0, o);
    expect(make({ nSteps: 0 })).toThrow(/A2C: nSteps must be an integer in \[1, 1000000\], got 0/);
    expect(make({ gamma: 1.5 })).toThrow(/A2C: gamma must be a number in \[0, 1\]/);
    expect(make({ gaeLambda: -0.1 })).toThrow(/A2C: gaeLambda must be a number in \[0, 1\]/);
    expect(make({ entropyCoef: -1 })).toThrow(/A2C: entropyCoef/);
    expect(make({ optimizer: "sgd" as "adam" })).toThrow(/optimizer must be 'adam', 'rmsprop' or 'kfac'/);
  });
});

describe("A2C on MinAtar Breakout", () => {
  it("beats the random policy (≈ 0.5 per episode) within 6 000 frames (TRL hidden layer, ACKTR)", () => {
    const rng = new Rng(0);
    const envs = new SyncVectorEnv(
      Array.from({ length: 8 }, () => makeEnv("MinAtar/Breakout", { rng: rng.fork() })),
    );
    envs.reset(0);
    const net = minatarActorCritic({ numActions: 6, rng, hiddenLayer: { kind: "trl", rank: 0.2 } });
    const a2c = new A2c(net, envs, rng, { optimizer: "kfac", lr: 0.25, nSteps: 5, kfac: { klClip: 0.01 } });
    const returns: number[] = [];
    while (envs.globalStep < 6000) a2c.update((ep) => returns.push(ep.return));
    const last = returns.slice(-30);
    expect(last.reduce((a, b) => a + b, 0) / last.length).toBeGreaterThan(1);
  });
});
