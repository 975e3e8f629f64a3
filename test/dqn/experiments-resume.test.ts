import { execFile } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const SCRIPT = "experiments/cartpole-dqn.ts";

const root = mkdtempSync(join(tmpdir(), "exp-dqn-resume-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await exec(TSX, [SCRIPT, ...args], { timeout: 120_000 });
    return { code: 0, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: e.code ?? -1, stderr: e.stderr ?? "" };
  }
}

/** metrics.jsonl rows without the wall-clock column. */
const rowsOf = (dir: string) =>
  readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const row = JSON.parse(l) as Record<string, number>;
      delete row["charts/SPS"];
      return row;
    });
const csvOf = (dir: string) =>
  readFileSync(join(dir, "metrics.csv"), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(",").filter((_, i) => i !== 4)); // column 4: charts/SPS
const policyWeights = (dir: string) => {
  const p = JSON.parse(readFileSync(join(dir, "policy.json"), "utf8")) as Record<string, unknown>;
  delete p.meta;
  return p;
};

describe("exp:cartpole-dqn --checkpoint-every / --resume", () => {
  const outA = join(root, "a");
  const outB = join(root, "b");
  let runA = "";
  let runB = "";

  it("a run resumed from its last checkpoint ends with the same metrics, evaluations and weights", async () => {
    const first = await cli([
      "--variants",
      "dense",
      "--seeds",
      "1",
      "--frames",
      "2500",
      "--checkpoint-every",
      "1000",
      "--keep-checkpoint",
      "--out",
      outA,
      "--quiet",
    ]);
    expect(first.code, first.stderr).toBe(0);
    runA = join(outA, "runs", readdirSync(join(outA, "runs"))[0]);
    // The copy plays a run killed after its frame-2000 checkpoint, with a few later rows already written.
    runB = join(outB, "runs", "run");
    cpSync(runA, runB, { recursive: true });
    rmSync(join(runB, "eval.json"));
    rmSync(join(runB, "policy.json"));
    const manifest = JSON.parse(readFileSync(join(runB, "manifest.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(runB, "manifest.json"), JSON.stringify({ ...manifest, status: "running" }));
    appendFileSync(join(runB, "metrics.jsonl"), '{"global_step":2600,"episode":999}\n{"global_st');
    writeFileSync(
      join(runB, "checkpoints", "ckpt-000002000.bin.tmp-1-x"),
      "partial write of the killed process",
    );

    const resumed = await cli(["--resume", runB, "--quiet"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(rowsOf(runB)).toEqual(rowsOf(runA));
    expect(csvOf(runB)).toEqual(csvOf(runA));
    expect(readFileSync(join(runB, "eval.json"), "utf8")).toBe(readFileSync(join(runA, "eval.json"), "utf8"));
    expect(readFileSync(join(runB, "spectra.jsonl"), "utf8")).toBe(
      readFileSync(join(runA, "spectra.jsonl"), "utf8"),
    );
    expect(policyWeights(runB)).toEqual(policyWeights(runA));
    const m = JSON.parse(readFileSync(join(runB, "manifest.json"), "utf8")) as Record<string, unknown>;
    expect(m.status).toBe("completed");
    expect(m.resumes).toBe(1);
    expect(readdirSync(runB).filter((f) => f.includes(".tmp-"))).toEqual([]);
    // Without --keep-checkpoint a completed run deletes its checkpoints; with it, the newest stays.
    expect(existsSync(join(runB, "checkpoints"))).toBe(false);
    expect(readdirSync(join(runA, "checkpoints"))).toEqual(["ckpt-000002000.bin"]);
  }, 120_000);

  it("refuses contradicting flags, a completed run, a missing and a corrupt checkpoint, touching nothing", async () => {
    const withVariants = await cli(["--resume", runB, "--variants", "dense"]);
    expect(withVariants.code).not.toBe(0);
    expect(withVariants.stderr).toMatch(/do not pass --variants/);

    const deleted = await cli(["--resume", runB, "--frames", "3000"]);
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toMatch(/already completed its 2500 frames and its checkpoints were deleted/);
    // From here on runB carries runA's kept frame-2000 checkpoint (the same bytes runB had).
    mkdirSync(join(runB, "checkpoints"));
    const ckpt = join(runB, "checkpoints", "ckpt-000002000.bin");
    const bytes = readFileSync(join(runA, "checkpoints", "ckpt-000002000.bin"));
    writeFileSync(ckpt, bytes);
    const done = await cli(["--resume", runA]);
    expect(done.code).not.toBe(0);
    expect(done.stderr).toMatch(/already completed its 2500 frames; pass a larger --frames/);

    const before = readFileSync(join(runB, "metrics.jsonl"));
    // A live process holding the run (here: the test runner itself) blocks a resume.
    writeFileSync(join(runB, "run.lock"), `${process.pid}@${hostname()}\n`);
    const busy = await cli(["--resume", runB, "--frames", "3000"]);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toMatch(new RegExp(`is in use by process ${process.pid} \\(run.lock\\)`));
    rmSync(join(runB, "run.lock"));

    writeFileSync(ckpt, bytes.subarray(0, bytes.length >> 1));
    const corrupt = await cli(["--resume", runB, "--frames", "3000"]);
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.stderr).toMatch(/no usable checkpoint \(.*ckpt-000002000.bin: truncated or padded/);
    expect(readFileSync(join(runB, "metrics.jsonl")).equals(before)).toBe(true);

    rmSync(ckpt);
    // An interrupted (not completed) run without a checkpoint cannot be resumed either.
    const m = JSON.parse(readFileSync(join(runB, "manifest.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(runB, "manifest.json"), JSON.stringify({ ...m, status: "running" }));
    const missing = await cli(["--resume", runB, "--frames", "3000"]);
    expect(missing.stderr).toMatch(/has no checkpoint in checkpoints\//);
    expect(readFileSync(join(runB, "metrics.jsonl")).equals(before)).toBe(true);
  }, 120_000);
});
