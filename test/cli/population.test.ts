import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { readMetrics, METRIC } from "../../src/runner/metrics.js";
import { cli } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "lowrank-cli-pop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("lowrank-rl --population / --backend", () => {
  it("sweep --population 3: 2 ranks × 3 seeds → 6 run dirs from 2 populations, same returns as one job per seed", async () => {
    const args = [
      "--grid",
      "rank=1,2",
      "--seeds",
      "0,1,2",
      "--episodes",
      "8",
      "--checkpoint-every",
      "0",
      "--quiet",
    ];
    const pop = await cli(["sweep", ...args, "--population", "3", "--out", join(root, "pop")]);
    expect(pop.stderr).toBe("");
    expect(pop.code).toBe(0);
    const single = await cli(["sweep", ...args, "--out", join(root, "single")]);
    expect(single.code).toBe(0);
    const dirs = readdirSync(join(root, "pop"))
      .filter((d) => d !== "sweep.json")
      .sort();
    expect(dirs).toEqual(
      readdirSync(join(root, "single"))
        .filter((d) => d !== "sweep.json")
        .sort(),
    ); // same job ids
    expect(dirs).toHaveLength(6);
    for (const d of dirs) {
      const m = readManifest(join(root, "pop", d));
      expect(m.status).toBe("completed");
      expect(m.population?.size).toBe(3);
      const ret = (base: string) => readMetrics(join(root, base, d)).map((r) => r[METRIC.episodicReturn]);
      expect(ret("pop")).toEqual(ret("single"));
    }
  });

  it("bad values name the field, the value and what is allowed", async () => {
    const zero = await cli(["run", "--population", "0", "--episodes", "2", "--quiet"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain("config.population = 0: must be an integer in [1, 100000]");
    const nn = await cli(["run", "--algo", "nn", "--population", "4", "--episodes", "2", "--quiet"]);
    expect(nn.code).toBe(2);
    expect(nn.stderr).toMatch(
      /config.population = 4: algo is "nn"; population training .* supports scalar-σ LRPG on the paper tasks/,
    );
    const gl = await cli([
      "run",
      "--backend",
      "gpu",
      "--gpu-mode",
      "headlessgl",
      "--episodes",
      "2",
      "--out",
      join(root, "gl"),
      "--quiet",
    ]);
    expect(gl.code).toBe(1);
    expect(gl.stderr).toMatch(
      /gpu mode 'headlessgl' is not available on this machine: headlessgl needs the native 'gl' package/,
    );
  });
});
