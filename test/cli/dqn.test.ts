import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { METRIC, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { cli, exited, spawnCli } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "cli-dqn-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ARGS = [
  "run",
  "--algo",
  "dqn",
  "--env",
  "CartPole-v1",
  "--seed",
  "1",
  "--total-steps",
  "6000",
  "--checkpoint-every",
  "1000",
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

describe("lowrank-rl run --algo dqn", () => {
  const A = join(root, "A");
  const B = join(root, "B");

  it("killed with SIGKILL after its first checkpoint, `resume` ends with the rows of an uninterrupted run", async () => {
    const a = await cli([...ARGS, "--out", A]);
    expect(a.code, a.stderr).toBe(0);
    expect(readdirSync(join(A, "checkpoints"))).toEqual(["ckpt-000005000.bin"]);
    expect(existsSync(join(A, "run.lock"))).toBe(false);

    const child = spawnCli([...ARGS, "--out", B]);
    const ckpts = join(B, "checkpoints");
    await waitFor(
      () => existsSync(ckpts) && readdirSync(ckpts).some((f) => /^ckpt-\d+\.bin$/.test(f)),
      60_000,
    );
    child.kill("SIGKILL");
    expect((await exited(child)).signal).toBe("SIGKILL");
    expect(readManifest(B).status).toBe("running");
    expect(existsSync(join(B, "run.lock"))).toBe(true); // left by the killed process
    // Killed mid-run: fewer rows than the finished run (the resume cuts those past its checkpoint).
    expect(readMetrics(B).length).toBeLessThan(readMetrics(A).length);

    const r = await cli(["resume", B, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const rows = rowsOf(A);
    expect(rows.filter((x) => METRIC.episodicReturn in x).length).toBeGreaterThan(50);
    expect(rowsOf(B)).toEqual(rows);
    for (const f of ["eval.json", "final_params.json", "spectra.jsonl"])
      expect(readFileSync(join(B, f), "utf8")).toBe(readFileSync(join(A, f), "utf8"));
    const m = readManifest(B);
    expect(m.status).toBe("completed");
    expect(m.resumes).toBe(1);
    expect(existsSync(join(B, "run.lock"))).toBe(false);
  }, 180_000);

  it("Ctrl-C (SIGINT) after its first checkpoint writes a last checkpoint and exits 130; `resume` ends with the rows of an uninterrupted run", async () => {
    const D = join(root, "D");
    const child = spawnCli([...ARGS, "--out", D]);
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const ckpts = join(D, "checkpoints");
    const frames = () =>
      existsSync(ckpts)
        ? readdirSync(ckpts)
            .map((f) => /^ckpt-(\d+)\.bin$/.exec(f))
            .filter((m) => m !== null)
            .map((m) => Number(m[1]))
        : [];
    await waitFor(() => frames().length > 0, 60_000);
    child.kill("SIGINT");
    expect((await exited(child)).code, stderr).toBe(130);
    expect(stderr).toMatch(/SIGINT: checkpointing after this frame/);
    const m = readManifest(D);
    expect(m.status).toBe("interrupted");
    const stoppedAt = Math.max(...frames());
    expect(stoppedAt).toBeGreaterThanOrEqual(1000);
    expect(stoppedAt).toBeLessThan(6000);
    expect(m.message).toContain(`stopped at frame ${stoppedAt} of 6000`);
    expect(existsSync(join(D, "run.lock"))).toBe(false); // released on the way out
    expect(readMetrics(D).length).toBeLessThan(readMetrics(A).length);

    const r = await cli(["resume", D, "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    expect(rowsOf(D)).toEqual(rowsOf(A));
    for (const f of ["eval.json", "final_params.json", "spectra.jsonl"])
      expect(readFileSync(join(D, f), "utf8")).toBe(readFileSync(join(A, f), "utf8"));
    expect(readManifest(D).status).toBe("completed");
  }, 180_000);

  it("records the network and every DQN hyperparameter in the manifest", () => {
    const m = readManifest<Record<string, unknown>>(A);
    expect(m.algo).toBe("dqn");
    expect(m.config).toMatchObject({
      network: "dense",
      targetUpdate: "polyak:0.005",
      double: true,
      lr: 1e-3,
    });
    expect(m.spec).toMatchObject({
      kind: "dqn",
      network: { spec: "dense", precision: "f64" },
      hyperparameters: { tau: 0.005, targetUpdateInterval: 1, doubleDqn: true, batchSize: 64 },
    });
    expect(m.parameterCount).toEqual({ q_network: 4610 });
  });

  it("resume refuses a run whose writing process is alive; eval and report accept DQN runs", async () => {
    const C = join(root, "C");
    cpSync(B, C, { recursive: true });
    writeFileSync(join(C, "manifest.json"), JSON.stringify({ ...readManifest(C), status: "running" }));
    writeFileSync(join(C, "run.lock"), `${process.pid}@${hostname()}\n`);
    const busy = await cli(["resume", C, "--quiet"]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(new RegExp(`is in use by process ${process.pid} \\(run.lock\\)`));

    const ev = await cli(["eval", A, "--episodes", "3", "--json"]);
    expect(ev.code, ev.stderr).toBe(0);
    const rec = JSON.parse(ev.stdout) as { returns: number[]; seeds: number[] };
    expect(rec.returns).toHaveLength(3);
    expect(rec.seeds).toEqual([1000, 1001, 1002]);

    const page = join(root, "dqn.html");
    const rep = await cli(["report", A, "--out", page]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(page, "utf8")).toContain("DQN dense double");
  }, 120_000);

  it("sweep runs a grid of DQN configs (skipping done jobs on a re-run); report reads the sweep", async () => {
    const S = join(root, "sweep");
    const args = [
      "sweep",
      "--algo",
      "dqn",
      "--env",
      "CartPole-v1",
      "--total-steps",
      "1200",
      "--learning-starts",
      "500",
      "--buffer-size",
      "1000",
      "--eval-episodes",
      "2",
      "--checkpoint-every",
      "0",
      "--grid",
      "network=dense,lowrank-rank8",
      "--seeds",
      "0",
      "--threads",
      "2",
      "--out",
      S,
      "--quiet",
    ];
    const first = await cli(args);
    expect(first.code, first.stderr).toBe(0);
    const runs = readdirSync(S).filter((d) => d.startsWith("CartPole-v1__dqn-"));
    expect(runs.map((d) => d.split("__")[1]).sort()).toEqual(["dqn-dense", "dqn-lowrank-rank8"]);
    for (const d of runs) expect(readManifest(join(S, d)).status).toBe("completed");
    const again = await cli([...args.slice(0, -1), "--dry-run"]);
    expect(again.stdout).toMatch(/2 jobs — 0 to start, 0 to resume, 2 already done/);
    const rep = await cli(["report", S, "--out", join(root, "sweep.html")]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/wrote .*sweep.html/);
  }, 120_000);

  it("bad values: one line naming the field and its allowed range, exit code 2", async () => {
    const base = ["run", "--algo", "dqn", "--env", "CartPole-v1", "--out", join(root, "bad")];
    for (const [flags, message] of [
      [["--n-step", "0"], /^error: config.nStep = 0: must be an integer in \[1, 1000\]\n$/],
      [
        ["--target-update", "soft:3"],
        /^error: config.targetUpdate = "soft:3": must be hard:<n> .* or polyak:<tau>/,
      ],
      [
        ["--network", "trl-0.1"],
        /^error: config.network = "trl-0.1": CartPole-v1.s MLP takes dense, lowrank-<f> or lowrank-rank<K>/,
      ],
      [["--loss", "l1"], /^error: config.loss = "l1": must be "huber" or "mse"\n$/],
      [["--episodes", "10"], /^error: config.episodes: not a field of algo "dqn"/],
    ] as const) {
      const r = await cli([...base, ...flags]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const pg = await cli(["run", "--algo", "lrpg", "--network", "dense", "--out", join(root, "bad")]);
    expect(pg.code).toBe(2);
    expect(pg.stderr).toMatch(
      /^error: config.network = "dense": only applies to algo "dqn", but algo is "lrpg"/,
    );
    expect(existsSync(join(root, "bad"))).toBe(false);
  }, 120_000);
});
