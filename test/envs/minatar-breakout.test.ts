import { goldenPath } from "../golden-dir.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MinAtarBreakout, type BreakoutState } from "../../src/envs/minatar-breakout.js";
import { Rng } from "../../src/random/rng.js";
import { makeEnv } from "../../src/envs/registry.js";
import { checkEnv } from "../../src/envs/check-env.js";

interface GoldenStep {
  action: number;
  obs: string;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  state: BreakoutState;
}
interface GoldenTrajectory {
  id: string;
  initial_state: BreakoutState;
  initial_obs: string;
  steps: GoldenStep[];
}

const golden = JSON.parse(readFileSync(goldenPath("minatar-breakout.json"), "utf8")) as {
  trajectories: GoldenTrajectory[];
};

const obsString = (o: Float64Array): string => Array.from(o, (v) => (v === 1 ? "1" : "0")).join("");

function goldenEnv(): MinAtarBreakout {
  const env = new MinAtarBreakout({ stickyActionProb: 0 });
  env.reset({ seed: 0 });
  return env;
}

describe("MinAtar/Breakout golden set A (sticky actions off)", () => {
  for (const traj of golden.trajectories) {
    it(`${traj.id}: full rollout from the initial state matches exactly`, () => {
      const env = goldenEnv();
      env.setState(traj.initial_state);
      expect(obsString(env.observation())).toBe(traj.initial_obs);
      for (const [t, step] of traj.steps.entries()) {
        const r = env.step(step.action);
        const where = `${traj.id} step ${t}`;
        expect(obsString(r.observation), where).toBe(step.obs);
        expect(r.reward, where).toBe(step.reward);
        expect(r.terminated, where).toBe(step.terminated);
        expect(r.truncated, where).toBe(step.truncated);
        expect(env.getState(), where).toEqual(step.state);
      }
    });

    it(`${traj.id}: every one-step transition from the recorded previous state`, () => {
      const env = goldenEnv();
      let prev = traj.initial_state;
      for (const [t, step] of traj.steps.entries()) {
        env.setState(prev);
        const r = env.step(step.action);
        expect(obsString(r.observation), `${traj.id} step ${t}`).toBe(step.obs);
        expect(r.reward).toBe(step.reward);
        expect(r.terminated).toBe(step.terminated);
        expect(env.getState(), `${traj.id} step ${t}`).toEqual(step.state);
        prev = step.state;
      }
    });
  }

  it("covers every rule the golden file claims (pass-through, refill, both paddle bounces, termination)", () => {
    const ids = golden.trajectories.map((t) => t.id);
    expect(ids).toEqual(["A1", "A2", "A3", "A4", "A5"]);
    expect(golden.trajectories.some((t) => t.steps.at(-1)?.terminated)).toBe(true);
  });
});

describe("MinAtar/Breakout behaviour", () => {
  it("reset puts the ball at row 3 on one of the two sides, paddle at 4, 30 bricks", () => {
    const sides = new Set<number>();
    for (let seed = 0; seed < 20; seed++) {
      const env = new MinAtarBreakout();
      const { observation } = env.reset({ seed });
      const s = env.getState();
      expect(s.ball_y).toBe(3);
      expect([0, 9]).toContain(s.ball_x);
      expect(s.ball_dir).toBe(s.ball_x === 0 ? 2 : 3);
      expect(s.pos).toBe(4);
      expect(
        s.bricks
          .join("")
          .split("")
          .filter((c) => c === "1").length,
      ).toBe(30);
      expect(observation.reduce((a, b) => a + b, 0)).toBe(1 + 1 + 1 + 30);
      sides.add(s.ball_x);
    }
    expect(sides).toEqual(new Set([0, 9]));
  });

  it("same seed, same actions → same trajectory with sticky actions on", () => {
    const run = (): string[] => {
      const env = new MinAtarBreakout({ stickyActionProb: 0.5 });
      env.reset({ seed: 7 });
      const rng = new Rng(3);
      const out: string[] = [];
      for (let t = 0; t < 200; t++) {
        const r = env.step(rng.integer(6));
        out.push(obsString(r.observation));
        if (r.terminated) env.reset();
      }
      return out;
    };
    expect(run()).toEqual(run());
  });

  it("sticky actions repeat the previous raw action with the given probability", () => {
    const env = new MinAtarBreakout({ stickyActionProb: 0.25, rng: new Rng(11) });
    env.reset();
    let repeats = 0;
    const n = 4000;
    for (let t = 0; t < n; t++) {
      env.lastAction = 1; // previous action: left
      env.step(3); // ask for right
      if (env.lastAction === 1) repeats++;
      if (env.getState().terminal) env.reset();
    }
    expect(repeats / n).toBeGreaterThan(0.22);
    expect(repeats / n).toBeLessThan(0.28);
  });

  it("minimal action set maps {0,1,2} to raw no-op/left/right", () => {
    const env = new MinAtarBreakout({ stickyActionProb: 0, minimalActions: true });
    env.reset({ seed: 0 });
    expect(env.actionSpace.n).toBe(3);
    expect(env.id).toBe("MinAtar/Breakout-v1");
    env.step(2);
    expect(env.getState().pos).toBe(5);
    env.step(1);
    expect(env.getState().pos).toBe(4);
    env.step(0);
    expect(env.getState().pos).toBe(4);
    expect(() => env.step(3)).toThrow(/action must be an integer in \[0, 2\]/);
  });

  it("a random policy averages about 0.5 return over 11 frames (MinAtar's README figure)", () => {
    const env = new MinAtarBreakout({ rng: new Rng(1) });
    const rng = new Rng(2);
    env.reset();
    let ret = 0;
    let len = 0;
    let episodes = 0;
    while (episodes < 3000) {
      const r = env.step(rng.integer(6));
      ret += r.reward;
      len++;
      if (r.terminated) {
        episodes++;
        env.reset();
      }
    }
    expect(ret / episodes).toBeGreaterThan(0.4);
    expect(ret / episodes).toBeLessThan(0.6);
    expect(len / episodes).toBeGreaterThan(10);
    expect(len / episodes).toBeLessThan(12.5);
  });

  it("after termination steps return reward 0 and stay terminated", () => {
    const env = new MinAtarBreakout({ stickyActionProb: 0 });
    env.reset({ seed: 0 });
    let r = env.step(0);
    while (!r.terminated) r = env.step(0);
    const s = env.getState();
    r = env.step(3);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
    expect(env.getState().ball_x).toBe(s.ball_x);
  });

  it("setState rejects bad fields, naming them", () => {
    const env = new MinAtarBreakout();
    const good = env.getState();
    expect(() => env.setState({ ...good, ball_x: 10 })).toThrow(
      /ball_x must be an integer in \[0, 9\], got 10/,
    );
    expect(() => env.setState({ ...good, ball_dir: 4 })).toThrow(/ball_dir/);
    expect(() => env.setState({ ...good, bricks: good.bricks.slice(1) })).toThrow(
      /bricks must be 10 row strings/,
    );
    expect(() => env.setState({ ...good, bricks: [...good.bricks.slice(1), "00200"] })).toThrow(
      /bricks\[9\]/,
    );
    expect(() => new MinAtarBreakout({ stickyActionProb: 1.5 })).toThrow(
      /stickyActionProb must be in \[0, 1\], got 1.5/,
    );
  });
});

describe("MinAtar/Breakout in the registry", () => {
  it("makeEnv('MinAtar/Breakout', {stickyActionProb, minimalActions}) builds it without a time limit", () => {
    const env = makeEnv("MinAtar/Breakout", { stickyActionProb: 0, minimalActions: true }) as MinAtarBreakout;
    expect(env).toBeInstanceOf(MinAtarBreakout);
    expect(env.stickyActionProb).toBe(0);
    expect(env.actionSpace.n).toBe(3);
    expect(env.maxEpisodeSteps).toBeUndefined();
    const def = makeEnv("MinAtar/Breakout") as MinAtarBreakout;
    expect(def.stickyActionProb).toBe(0.1);
    expect(def.actionSpace.n).toBe(6);
  });
});

describe("MinAtar/Breakout passes the env checker", () => {
  it("checkEnv (API, determinism, state round trip, stepInPlace = step, bad actions)", () => {
    for (const minimalActions of [false, true]) {
      const report = checkEnv(new MinAtarBreakout({ minimalActions }), { steps: 200 });
      expect(report.errors).toEqual([]);
      expect(report.warnings).toEqual([]);
    }
  });
});
