import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { cli, exited, spawnCli } from "./cli-helpers.js";

function withoutSps(rows: MetricRow[]): MetricRow[] {
  return rows.map((r) => {
    const c = { ...r };
    delete c[METRIC.sps];
    return c;
  });
}

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, "utf8").split("\n").length - 1;
}

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ARGS = [
  "--env",
  "LRPG/Pendulum",
  "--algo",
  "lrpg",
  "--seed",
  "5",
  "--episodes",
  "2000",
  "--checkpoint-every",
  "100",
  "--snapshot-every",
  "500",
  "--eval-every",
  "500",
  "--eval-episodes",
  "3",
  "--lr-critic",
  "0.1 * 0.9995^episode",
  "--quiet",
];

function expectSameRun(a: string, b: string): void {
  const ra = readMetrics(a);
  expect(ra).toHaveLength(2000);
  expect(withoutSps(readMetrics(b))).toEqual(withoutSps(ra));
  for (const f of ["final_params.json", "snapshots.jsonl"])
    expect(readFileSync(join(b, f), "utf8")).toBe(readFileSync(join(a, f), "utf8"));
  const csv = (d: string) =>
    readFileSync(join(d, "metrics.csv"), "utf8")
      .split("\n")
      .map((l) =>
        l
          .split(",")
          .filter((_, i) => i !== 4)
          .join(","),
      );
  expect(csv(b)).toEqual(csv(a)); // column 4 is charts/SPS (wall clock)
}

describe("lowrank-rl run / resume", () => {
  const root = mkdtempSync(join(tmpdir(), "cli-resume-"));
  const full = join(root, "full");
  beforeAll(async () => {
    const done = await cli(["run", ...ARGS, "--out", full]);
    expect(done.code).toBe(0);
  });

  it("SIGKILL mid-run, then resume: every logged number equals an uninterrupted run's", async () => {
    const cut = join(root, "cut-kill");

    const child = spawnCli(["run", ...ARGS, "--out", cut]);
    const gone = exited(child);
    const hasCheckpoint = () =>
      existsSync(join(cut, "checkpoints")) &&
      readdirSync(join(cut, "checkpoints")).some((f) => /^ckpt-\d+\.json$/.test(f));
    await waitFor(() => lineCount(join(cut, "metrics.jsonl")) >= 150 && hasCheckpoint(), 60_000);
    child.kill("SIGKILL");
    expect((await gone).signal).toBe("SIGKILL");
    const m = readManifest(cut);
    expect(m.status).toBe("running"); // killed: never got to write anything else
    expect(lineCount(join(cut, "metrics.jsonl"))).toBeLessThan(2000);
    expect(readdirSync(join(cut, "checkpoints")).length).toBeGreaterThan(0);

    const resumed = await cli(["resume", cut, "--quiet"]);
    expect(resumed.stderr).toBe("");
    expect(resumed.code).toBe(0);
    expect(readManifest(cut)).toMatchObject({ status: "completed", resumes: 1, episodesDone: 2000 });
    expectSameRun(full, cut);
  });

  it("SIGTERM checkpoints and exits 143; resume completes the same run", async () => {
    const cut = join(root, "cut-term");
    const child = spawnCli(["run", ...ARGS, "--out", cut]);
    const gone = exited(child);
    await waitFor(() => lineCount(join(cut, "metrics.jsonl")) >= 100, 60_000);
    child.kill("SIGTERM");
    expect((await gone).code).toBe(143);
    const m = readManifest(cut);
    expect(m.status).toBe("interrupted");
    expect(m.message).toMatch(/stopped after episode \d+ of 2000; continue with `lowrank-rl resume/);
    expect(readdirSync(join(cut, "checkpoints"))).toContain(
      `ckpt-${String(m.episodesDone).padStart(9, "0")}.json`,
    );
    expect((await cli(["resume", cut, "--quiet"])).code).toBe(0);
    expectSameRun(full, cut);
  });

  it("config errors print one line naming the field, without a stack trace, exit 2", async () => {
    const r = await cli(["run", "--rank", "abc", "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: config.rank = "abc": must be an integer in [1, 1000]');
    const r2 = await cli(["resume", "/nonexistent/run"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/not a run directory/);
  });

  it("eval: fixed eval seeds, deterministic mean action, eval.json", async () => {
    const dir = full;
    const a = await cli(["eval", dir, "--episodes", "4", "--json"]);
    const b = await cli(["eval", dir, "--episodes", "4", "--json"]);
    const ra = JSON.parse(a.stdout);
    expect(ra.seeds).toEqual([1000000, 1000001, 1000002, 1000003]);
    expect(ra.returns).toHaveLength(4);
    expect(JSON.parse(b.stdout).returns).toEqual(ra.returns);
    expect(JSON.parse(readFileSync(join(dir, "eval.json"), "utf8")).meanReturn).toBe(ra.meanReturn);
  });
});
