import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { cli, exited, spawnCli } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "cli-lrq-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ARGS = [
  "run",
  "--algo",
  "lrq",
  "--env",
  "CartPole-v1",
  "--seed",
  "2",
  "--total-steps",
  "60000",
  "--checkpoint-every",
  "1000",
  "--eval-every",
  "10000",
  "--eval-episodes",
  "5",
  "--no-tensorboard",
  "--quiet",
];

/** Metric rows without the wall-clock column. */
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

const hasCheckpoint = (dir: string): boolean =>
  existsSync(join(dir, "checkpoints")) &&
  readdirSync(join(dir, "checkpoints")).some((f) => /^ckpt-\d+\.json$/.test(f));

describe("lowrank-rl run --algo lrq", () => {
  const A = join(root, "A");

  it("trains into a run directory: manifest with the resolved model, metrics, evaluations, final params", async () => {
    const a = await cli([...ARGS, "--out", A]);
    expect(a.code, a.stderr).toBe(0);
    const m = readManifest<Record<string, unknown>>(A);
    expect(m).toMatchObject({ algo: "lrq", status: "completed", envId: "CartPole-v1" });
    expect(m.config).toMatchObject({
      qModel: "matrix",
      rank: 4,
      buckets: [3, 3, 8, 8],
      tdTarget: "expected-sarsa",
    });
    expect(m.spec).toMatchObject({ kind: "lrq", matrix: { rows: 576, cols: 2, rank: 4 }, threshold: 475 });
    expect(m.parameterCount).toEqual({ q: 4 * (576 + 2) });
    const rows = rowsOf(A);
    expect(rows.filter((r) => METRIC.episodicReturn in r).length).toBeGreaterThan(100);
    expect(rows.filter((r) => METRIC.evalReturn in r).map((r) => r.global_step)).toHaveLength(6);
    expect(JSON.parse(readFileSync(join(A, "eval.json"), "utf8")).returns).toHaveLength(5);
    expect(existsSync(join(A, "run.lock"))).toBe(false);
    const e = await cli(["eval", A, "--episodes", "3", "--json"]);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).returns).toHaveLength(3);
    const page = join(root, "report.html");
    const rep = await cli(["report", A, "--out", page]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(page, "utf8")).toContain("LRQ matrix K=4 grid 3×3×8×8 expected-sarsa");
  }, 120_000);

  it("killed with SIGKILL after a checkpoint, `resume` ends with the rows of the uninterrupted run", async () => {
    const B = join(root, "B");
    const child = spawnCli([...ARGS, "--out", B]);
    await waitFor(() => hasCheckpoint(B), 60_000);
    child.kill("SIGKILL");
    expect((await exited(child)).signal).toBe("SIGKILL");
    expect(readManifest(B).status).toBe("running");
    expect(readMetrics(B).length).toBeLessThan(readMetrics(A).length);
    const r = await cli(["resume", B, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rowsOf(B)).toEqual(rowsOf(A));
    for (const f of ["eval.json", "final_params.json"])
      expect(readFileSync(join(B, f), "utf8")).toBe(readFileSync(join(A, f), "utf8"));
    expect(readManifest(B)).toMatchObject({ status: "completed", resumes: 1 });
  }, 120_000);

  it("SIGTERM checkpoints after the episode and exits 143; resume completes the same run", async () => {
    const C = join(root, "C");
    const child = spawnCli([...ARGS, "--out", C]);
    await waitFor(() => hasCheckpoint(C), 60_000);
    child.kill("SIGTERM");
    expect((await exited(child)).code).toBe(143);
    expect(readManifest(C).status).toBe("interrupted");
    const r = await cli(["resume", C, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rowsOf(C)).toEqual(rowsOf(A));
  }, 120_000);

  it("bad values are one-line errors naming the field and the allowed range", async () => {
    const base = ["run", "--algo", "lrq", "--env", "CartPole-v1", "--out", join(root, "bad"), "--quiet"];
    const cases: [string[], RegExp][] = [
      [["--rank", "0"], /config\.rank = 0: must be an integer in \[1, 1000\]/],
      [
        ["--buckets", "3,3"],
        /config\.buckets = "3,3": must be integers in \[2, 1000\].*CartPole-v1's grid has 4 dimensions/,
      ],
      [["--actions", "5"], /config\.actions = 5: CartPole-v1 has discrete actions/],
      [["--optimizer", "rmsprop"], /config\.optimizer = "rmsprop": must be "adam" or "sgd"/],
      [
        ["--td-target", "double"],
        /config\.tdTarget = "double": must be "q-learning", "sarsa", "expected-sarsa"/,
      ],
      [["--behaviour", "greedy"], /config\.behaviour = "greedy": must be "epsilon-greedy" or "softmax"/],
      [["--episodes", "5"], /config\.episodes: not a field of algo "lrq"/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli([...base, ...flags]);
      expect(r.code, flags.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    const env = await cli([
      "run",
      "--algo",
      "lrq",
      "--env",
      "LRPG/Pendulum",
      "--quiet",
      "--out",
      join(root, "bad"),
    ]);
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/config\.env = "LRPG\/Pendulum": must be one of CartPole-v1, Acrobot-v1/);
  }, 120_000);
});
