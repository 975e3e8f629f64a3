import { describe, expect, it } from "vitest";
import { describeConfigs } from "../../src/cli/sweep-listing.js";
import { cli } from "./cli-helpers.js";

describe("sweep --dry-run lists the configurations", () => {
  it("names the fields that differ between jobs, and the seed", () => {
    const lines = describeConfigs([
      { algo: "lrpg", rank: 1, episodes: 10, seed: 0, lrActor: 0.01 },
      { algo: "lrpg", rank: 2, episodes: 10, seed: 0, lrActor: 0.01 },
      { algo: "nn", hidden: 8, episodes: 10, seed: 1, lrActor: 0.001 },
    ]);
    expect(lines).toEqual([
      "algo=lrpg rank=1 lrActor=0.01 seed=0",
      "algo=lrpg rank=2 lrActor=0.01 seed=0",
      "algo=nn lrActor=0.001 hidden=8 seed=1",
    ]);
  });

  it("the CLI prints each job's configuration beside its id", async () => {
    const r = await cli([
      "sweep",
      "--grid",
      "rank=1,2",
      "--seeds",
      "0,1",
      "--episodes",
      "5",
      "--out",
      "/tmp/sweep-listing-never-run",
      "--dry-run",
    ]);
    expect(r.code).toBe(0);
    const jobs = r.stdout.trim().split("\n").slice(1);
    expect(jobs).toHaveLength(4);
    expect(jobs[0]).toMatch(/^start +\S+ rank=1 seed=0 /);
    expect(jobs.some((l) => / rank=2 seed=1 /.test(l))).toBe(true);
  });
});
