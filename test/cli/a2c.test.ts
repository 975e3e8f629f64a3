import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { cli } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "cli-a2c-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("lowrank-rl run --algo a2c", () => {
  const A = join(root, "A");

  it("trains ACKTR with every a2c flag applied; eval and resume take the run", async () => {
    const a = await cli([
      "run",
      "--algo",
      "a2c",
      "--env",
      "CartPole-v1",
      "--optimizer",
      "kfac",
      "--network",
      "trl-rank4",
      "--total-steps",
      "1600",
      "--num-envs",
      "4",
      "--rollout-steps",
      "8",
      "--gae-lambda",
      "0.95",
      "--value-coef",
      "0.25",
      "--entropy-coef",
      "0.02",
      "--kl-clip",
      "0.005",
      "--damping",
      "0.02",
      "--eval-episodes",
      "2",
      "--no-tensorboard",
      "--quiet",
      "--out",
      A,
    ]);
    expect(a.code, a.stderr).toBe(0);
    const m = readManifest<Record<string, unknown>>(A);
    expect(m).toMatchObject({ algo: "a2c", status: "completed", envId: "CartPole-v1" });
    expect(m.config).toMatchObject({
      network: "trl-rank4",
      optimizer: "kfac",
      numEnvs: 4,
      rolloutSteps: 8,
      gaeLambda: 0.95,
      valueCoef: 0.25,
      entropyCoef: 0.02,
      klClip: 0.005,
      damping: 0.02,
    });
    const e = await cli(["eval", A, "--episodes", "2", "--json"]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout)).toMatchObject({ episodes: 2, seedBase: 1_000_000 });
    expect(existsSync(join(A, "eval_cli.json"))).toBe(true);
    const r = await cli(["resume", A]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already completed \(1600 frames\)/);
    expect(readFileSync(join(A, "final_params.json"), "utf8").length).toBeGreaterThan(100);
  });

  it("a bad a2c value is one line naming the field and the range (exit 2)", async () => {
    const r = await cli([
      "run",
      "--algo",
      "a2c",
      "--env",
      "CartPole-v1",
      "--rollout-steps",
      "0",
      "--out",
      join(root, "B"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.rolloutSteps = 0: must be an integer in \[1, 10000\]/);
    expect(existsSync(join(root, "B", "manifest.json"))).toBe(false);
  });
});
