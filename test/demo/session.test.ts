import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DemoOptionError, DemoSession, movingAverage, resolveDemoRun } from "../../src/demo/session.js";
import { executeRun } from "../../src/runner/run.js";

const root = () => mkdtempSync(join(tmpdir(), "demo-session-"));

describe("the live page's training session", () => {
  it("gives the runner's per-episode returns for the same seed (LRPG, pendulum), maps drawn in between", async () => {
    const episodes = 60;
    const node = await executeRun(
      { algo: "lrpg", seed: 5, episodes, checkpointEvery: 0, snapshotEvery: 0 },
      { outRoot: root() },
    );
    const s = new DemoSession({ task: "pendulum", algo: "lrpg", seed: 5 });
    const page: number[] = [];
    for (let e = 0; e < episodes; e++) {
      page.push(s.episode());
      if (e % 7 === 0) s.maps(); // tabulating must not change the run
    }
    expect(page).toEqual(node.returns);
    expect(s.agent.parameterCount.total).toBe(node.parameterCount.total);
  });

  it("matches the runner for the NN baseline and for a changed rank and grid", async () => {
    const nn = await executeRun(
      { algo: "nn", seed: 2, hidden: 32, episodes: 15, checkpointEvery: 0, snapshotEvery: 0 },
      { outRoot: root() },
    );
    const sn = new DemoSession({ task: "pendulum", algo: "nn", seed: 2, hidden: 32 });
    const nnPage = Array.from({ length: 15 }, (_, e) => {
      if (e % 4 === 0) sn.maps();
      return sn.episode();
    });
    expect(nnPage).toEqual(nn.returns);
    const lr = await executeRun(
      {
        algo: "lrpg",
        seed: 9,
        rank: 2,
        actorBuckets: 6,
        criticBuckets: 8,
        episodes: 20,
        checkpointEvery: 0,
        snapshotEvery: 0,
      },
      { outRoot: root() },
    );
    const sl = new DemoSession({
      task: "pendulum",
      algo: "lrpg",
      seed: 9,
      rank: 2,
      actorBuckets: 6,
      criticBuckets: 8,
    });
    expect(Array.from({ length: 20 }, () => sl.episode())).toEqual(lr.returns);
    expect(sl.agent.parameterCount.total).toBe((6 + 6) * 2 + (8 + 8) * 2);
  });

  it("maps: μ and σ on the actor grid, V on the critic grid; LRPG's μ is its matrix L Rᵀ", () => {
    const s = new DemoSession({ task: "pendulum", algo: "lrpg", seed: 0 });
    for (let e = 0; e < 5; e++) s.episode();
    const m = s.maps();
    expect(m.mu.z).toHaveLength(10);
    expect(m.mu.z[0]).toHaveLength(10);
    expect(m.value.z).toHaveLength(16);
    expect(m.mu.rowLabel).toBe("θ");
    expect(m.mu.colLabel).toBe("dθ/dt");
    expect(m.mu.rowValues?.[0]).toBe(-1);
    expect(m.mu.rowTicks[0]).toBe("-1");
    expect(m.mu.colTicks.at(-1)).toBe("5");
    const agent = s.agent as unknown as {
      mu: { L: { data: Float64Array }; R: { data: Float64Array }; rank: number };
    };
    const K = agent.mu.rank;
    let z = 0;
    for (let k = 0; k < K; k++) z += agent.mu.L.data[3 * K + k] * agent.mu.R.data[7 * K + k];
    expect(m.mu.z[3][7]).toBeCloseTo(z, 12);
    const sigma = m.sigma.z.flat();
    expect(Math.max(...sigma) - Math.min(...sigma)).toBe(0); // one scalar σ, as in the paper
  });

  it("acrobot and rocket grids: multi-dimension axes labelled by tuples", () => {
    const a = new DemoSession({ task: "acrobot", algo: "lrpg", seed: 1 }).maps();
    expect(a.mu.z).toHaveLength(4);
    expect(a.mu.rowLabel).toBe("θ1, θ2");
    expect(a.mu.rowTicks).toEqual(["-1, -1", "-1, 1", "1, -1", "1, 1"]);
    expect(a.mu.rowValues).toBeNull();
    const r = new DemoSession({ task: "rocket", algo: "nn", seed: 1, hidden: 8 }).maps();
    expect(r.mu.z).toHaveLength(4);
    expect(r.mu.z[0]).toHaveLength(16);
    for (const v of r.mu.z.flat()) expect(v > 0 && v < 1).toBe(true); // sigmoid mean
  });

  it("rejects settings out of range with the field and its range", () => {
    const bad = (o: object, re: RegExp) => {
      expect(() => resolveDemoRun({ task: "pendulum", algo: "lrpg", seed: 0, ...o } as never)).toThrow(re);
      expect(() => resolveDemoRun({ task: "pendulum", algo: "lrpg", seed: 0, ...o } as never)).toThrow(
        DemoOptionError,
      );
    };
    bad({ rank: 0 }, /rank must be an integer in \[1, 64\], got 0/);
    bad({ seed: -1 }, /seed must be an integer in \[0, 2147483647\]/);
    bad({ actorBuckets: 1.5 }, /actorBuckets must be an integer in \[2, 64\]/);
    bad({ task: "cartpole" }, /task must be one of pendulum, acrobot, rocket/);
    bad({ algo: "dqn" }, /algo must be one of lrpg, nn/);
  });

  it("moving average of the last 20 (fewer at the start)", () => {
    expect(movingAverage([])).toBeNaN();
    expect(movingAverage([1, 2, 3])).toBe(2);
    expect(movingAverage(Array.from({ length: 30 }, (_, i) => i))).toBe(19.5);
  });
});
