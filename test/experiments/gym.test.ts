import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runGym } from "../../experiments/lib/gym-run.js";

const run = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("npm run exp:gym (tiny budget)", () => {
  it("writes summary.json { rows } with one row per task × method, report.md and report.html; --render rebuilds them", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-gym-"));
    dirs.push(out);
    await run(
      TSX,
      [
        "experiments/gym.ts",
        "--tasks",
        "CartPole-v1,Pendulum-v1",
        "--methods",
        "lowrank-ppo,nn-ppo,lowrank-trpo,lowrank-q",
        "--seeds",
        "2",
        "--total-steps",
        "600",
        "--final-episodes",
        "2",
        "--out",
        out,
        "--quiet",
      ],
      { timeout: 120_000 },
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    // TRPO is skipped on CartPole-v1 (discrete actions): 3 + 4 rows.
    expect(summary.rows.map((r: { task: string; method: string }) => `${r.task} ${r.method}`)).toEqual([
      "CartPole-v1 lowrank-ppo",
      "CartPole-v1 nn-ppo",
      "CartPole-v1 lowrank-q",
      "Pendulum-v1 lowrank-ppo",
      "Pendulum-v1 nn-ppo",
      "Pendulum-v1 lowrank-trpo",
      "Pendulum-v1 lowrank-q",
    ]);
    for (const r of summary.rows) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining([
          "task",
          "method",
          "params",
          "threshold",
          "solved_seeds",
          "seeds",
          "median_steps_to_threshold",
          "final_return_median",
        ]),
      );
      expect(r.seeds).toEqual([0, 1]);
      expect(r.threshold).toBe(r.task === "CartPole-v1" ? 475 : -200);
      expect(Number.isInteger(r.params) && r.params > 0).toBe(true);
      // 600 steps cannot reach these thresholds: never, as null.
      expect(r.solved_seeds).toBe(0);
      expect(r.median_steps_to_threshold).toBeNull();
      expect(Number.isFinite(r.final_return_median)).toBe(true);
    }
    const byKey = Object.fromEntries(
      summary.rows.map((r: { task: string; method: string; params: number }) => [
        `${r.task} ${r.method}`,
        r.params,
      ]),
    );
    // Low-rank PPO on Pendulum-v1: rank 4 on a 21 × 21 grid, actor + critic = 2·4·(21 + 21).
    expect(byKey["Pendulum-v1 lowrank-ppo"]).toBe(336);
    // NN: two 3-64-64-1 tanh networks.
    expect(byKey["Pendulum-v1 nn-ppo"]).toBe(2 * (3 * 64 + 64 + 64 * 64 + 64 + 64 + 1));
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toMatch(/## Pendulum-v1 \(threshold -200\)/);
    expect(md).toMatch(/\| lowrank-ppo \| 336 \| 3\.7 % \|/);
    expect(existsSync(join(out, "report.html"))).toBe(true);

    const again = mkdtempSync(join(tmpdir(), "exp-gym-render-"));
    dirs.push(again);
    const doc = join(again, "gym.md");
    await run(
      TSX,
      ["experiments/gym.ts", "--render", join(out, "summary.json"), "--out", again, "--doc", doc],
      {
        timeout: 60_000,
      },
    );
    expect(JSON.parse(readFileSync(join(again, "summary.json"), "utf8")).rows).toEqual(summary.rows);
    // The rendered page names the summaries it was merged from; otherwise it is the run's page.
    const rendered = readFileSync(doc, "utf8");
    const sourceLine = `Rendered from their summaries with \`npm run exp:gym -- --render ${join(out, "summary.json")} --doc ${doc}\``;
    expect(rendered).toContain(sourceLine);
    expect(rendered.replace(/^Rendered from .*\n\n/m, "")).toBe(md);
  }, 180_000);

  it("a bad flag exits 2 with one line naming it and the allowed values", async () => {
    const err = await run(TSX, ["experiments/gym.ts", "--tasks", "Pong-v5"], { timeout: 60_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(
      /--tasks must be a comma list of CartPole-v1, Acrobot-v1, Pendulum-v1, MountainCarContinuous-v0; got "Pong-v5"/,
    );
  }, 60_000);
});

describe("exp:gym --set (preset search)", () => {
  it("changes the preset (rank 2 halves the Pendulum-v1 matrices) and refuses an unknown key", async () => {
    const out = mkdtempSync(join(tmpdir(), "exp-gym-set-"));
    dirs.push(out);
    const args = ["experiments/gym.ts", "--tasks", "Pendulum-v1", "--methods", "lowrank-ppo", "--seeds", "1"];
    await run(
      TSX,
      [
        ...args,
        "--total-steps",
        "200",
        "--final-episodes",
        "1",
        "--set",
        "rank=2,buckets=11/11",
        "--out",
        out,
      ],
      { timeout: 60_000 },
    );
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.rows[0].params).toBe(2 * 2 * (11 + 11));
    const err = await run(TSX, [...args, "--set", "width=3", "--out", out], { timeout: 60_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toMatch(
      /--set must be a comma list of key=value with keys gamma, /,
    );
  }, 120_000);
});

describe("a low-rank policy method on Pendulum-v1 (fixed seed)", () => {
  it("PPO with a rank-4 interpolated 21 × 21 matrix policy clears −200 over 100 evaluation episodes within 60 000 steps", () => {
    const r = runGym({ task: "Pendulum-v1", method: "lowrank-ppo", seed: 0, totalSteps: 60_000 });
    expect(r.params).toBe(336);
    expect(r.stepsToThreshold).not.toBeNull();
    expect(r.finalReturn).toBeGreaterThanOrEqual(-200);
  }, 60_000);
});
