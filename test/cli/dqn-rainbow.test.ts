import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { cli, exited, spawnCli } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "cli-dqn-rainbow-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The Rainbow-style preset with Expected SARSA targets and a few options given as flags. */
const ARGS = [
  "run",
  "--algo",
  "dqn",
  "--env",
  "CartPole-v1",
  "--preset",
  "rainbow-denoised",
  "--td-target",
  "expected-sarsa",
  "--priority-alpha",
  "0.6",
  "--v-min",
  "-5",
  "--atoms",
  "21",
  "--seed",
  "2",
  "--total-steps",
  "3000",
  "--learning-starts",
  "500",
  "--checkpoint-every",
  "1500",
  "--eval-episodes",
  "5",
  "--quiet",
];

const rowsOf = (dir: string): MetricRow[] =>
  readMetrics(dir).map((r) => {
    const c = { ...r };
    delete c[METRIC.sps];
    return c;
  });

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("lowrank-rl run --algo dqn with prioritized replay, dueling C51 and Expected SARSA", () => {
  const A = join(root, "A");
  const B = join(root, "B");

  it("records every option in the manifest (flags over the preset over the env's defaults)", async () => {
    const a = await cli([...ARGS, "--out", A]);
    expect(a.code, a.stderr).toBe(0);
    const m = readManifest<Record<string, unknown>>(A);
    expect(m.config).toMatchObject({
      preset: "rainbow-denoised",
      replay: "prioritized",
      head: "dueling-c51",
      tdTarget: "expected-sarsa",
      priorityAlpha: 0.6,
      priorityBeta: 0.4,
      priorityBetaSteps: 2500, // total steps − learning starts
      atoms: 21,
      vMin: -5,
      vMax: 100,
      nStep: 3,
      double: true,
    });
    expect(m.spec).toMatchObject({
      hyperparameters: {
        tdTarget: "expected-sarsa",
        prioritized: { alpha: 0.6, betaStart: 0.4, betaFrames: 2500, epsilon: 1e-6 },
        distributional: { atoms: 21, vMin: -5, vMax: 100 },
      },
    });
    // MLP 4 → 64 → 64, dueling head: value 64 → 21, advantage 64 → 2·21.
    expect(m.parameterCount).toEqual({ q_network: 4 * 64 + 64 + 64 * 64 + 64 + 65 * 21 + 65 * 42 });
  }, 120_000);

  it("killed with SIGKILL after a checkpoint, `resume` (priorities restored) ends with the rows of the uninterrupted run", async () => {
    const child = spawnCli([...ARGS, "--out", B]);
    const ckpts = join(B, "checkpoints");
    await waitFor(
      () => existsSync(ckpts) && readdirSync(ckpts).some((f) => /^ckpt-\d+\.bin$/.test(f)),
      60_000,
    );
    child.kill("SIGKILL");
    expect((await exited(child)).signal).toBe("SIGKILL");
    expect(readMetrics(B).length).toBeLessThan(readMetrics(A).length);
    const r = await cli(["resume", B, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rowsOf(B)).toEqual(rowsOf(A));
    for (const f of ["eval.json", "final_params.json"])
      expect(readFileSync(join(B, f), "utf8")).toBe(readFileSync(join(A, f), "utf8"));
    expect(readManifest(B).config).toEqual(readManifest(A).config);
  }, 180_000);

  it("resume refuses a checkpoint whose run setup differs in a new option", async () => {
    const child = spawnCli([...ARGS, "--out", join(root, "C"), "--total-steps", "2500"]);
    const ckpts = join(root, "C", "checkpoints");
    await waitFor(
      () => existsSync(ckpts) && readdirSync(ckpts).some((f) => /^ckpt-\d+\.bin$/.test(f)),
      60_000,
    );
    child.kill("SIGKILL");
    await exited(child);
    const path = join(root, "C", "manifest.json");
    const m = readManifest<Record<string, unknown>>(join(root, "C"));
    writeFileSync(path, JSON.stringify({ ...m, config: { ...m.config, tdTarget: "sarsa" } }));
    const r = await cli(["resume", join(root, "C"), "--quiet"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /differing fields: config.tdTarget: checkpoint "expected-sarsa", this run "sarsa"/,
    );
  }, 120_000);

  it("bad values: one line naming the field and its allowed range", async () => {
    const base = ["run", "--algo", "dqn", "--env", "CartPole-v1", "--out", join(root, "bad")];
    for (const [flags, message] of [
      [["--replay", "ranked"], /^error: config.replay = "ranked": must be "uniform" or "prioritized"\n$/],
      [
        ["--td-target", "sarsa2"],
        /^error: config.tdTarget = "sarsa2": must be "q-learning", "sarsa", "expected-sarsa"/,
      ],
      [["--head", "noisy"], /^error: config.head = "noisy": must be "q", "dueling", "c51", "dueling-c51"\n$/],
      [["--priority-alpha", "1.5"], /^error: config.priorityAlpha = 1.5: must be a number in \[0, 1\]\n$/],
      [["--priority-epsilon", "0"], /^error: config.priorityEpsilon = 0: must be a number in \(0, 1\]\n$/],
      [["--atoms", "1"], /^error: config.atoms = 1: must be an integer in \[2, 1001\]\n$/],
      [
        ["--v-min", "5", "--v-max", "1"],
        /^error: config.vMax = 1: must be a number .* above vMin \(vMin = 5\)\n$/,
      ],
      [["--preset", "rainbow"], /^error: config.preset = "rainbow": must be "none" or "rainbow-denoised"/],
    ] as const) {
      const r = await cli([...base, ...flags]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(root, "bad"))).toBe(false);
  }, 120_000);
});
