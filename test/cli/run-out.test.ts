import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { MAIN, TSX } from "./cli-helpers.js";

const exec = promisify(execFile);

/** Runs `lowrank-rl <args>` in `cwd`; never throws. */
async function cliIn(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(TSX, [MAIN, ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const RUN = ["run", "--env", "LRPG/Pendulum", "--algo", "lrpg", "--seed", "1", "--episodes", "4", "--quiet"];

/** One line on stderr, `error: …`, no stack trace. */
function expectOneLineError(stderr: string, ...parts: string[]): void {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe("run --out refuses paths that would lose or mix data", () => {
  it('--out "" exits 2 naming --out and writes nothing into the current directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), "run-out-cwd-"));
    const r = await cliIn(cwd, [...RUN, "--out", ""]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, "--out");
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("--out naming an existing file (or /dev/null) exits 2 and leaves the file alone", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "run-out-cwd-"));
    writeFileSync(join(cwd, "notes.txt"), "keep");
    for (const out of [join(cwd, "notes.txt"), "/dev/null"]) {
      const r = await cliIn(cwd, [...RUN, "--out", out]);
      expect(r.code).toBe(2);
      expectOneLineError(r.stderr, "--out", out, "not a directory");
    }
    expect(readFileSync(join(cwd, "notes.txt"), "utf8")).toBe("keep");
    expect(readdirSync(cwd)).toEqual(["notes.txt"]);
  });

  it("leftover checkpoints without a manifest: refuses (suggesting a new folder or --force); --force clears them", async () => {
    const out = mkdtempSync(join(tmpdir(), "run-out-"));
    mkdirSync(join(out, "checkpoints"));
    const stale = join(out, "checkpoints", "ckpt-000000900.json");
    writeFileSync(stale, "from another run");
    const r = await cliIn(out, [...RUN, "--out", out]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, "--out", join(out, "checkpoints"), "--force");
    expect(readFileSync(stale, "utf8")).toBe("from another run");
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
    expect(existsSync(join(out, "metrics.jsonl"))).toBe(false);

    const f = await cliIn(out, [...RUN, "--out", out, "--force"]);
    expect(f.code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(join(out, "checkpoints"))).toEqual(["ckpt-000000004.json"]);
  });

  it("a folder holding another run's manifest is refused with a pointer to resume", async () => {
    const out = mkdtempSync(join(tmpdir(), "run-out-"));
    writeFileSync(join(out, "manifest.json"), JSON.stringify({ jobId: "other", config: {} }));
    const r = await cliIn(out, [...RUN, "--out", out]);
    expect(r.code).toBe(2);
    expectOneLineError(r.stderr, "--out", "resume");
  });

  it("resume refuses metrics.jsonl with CRLF line endings in one line naming the file, and cuts nothing", async () => {
    const out = mkdtempSync(join(tmpdir(), "run-out-"));
    const r = await cliIn(out, [...RUN, "--out", out]);
    expect(r.code).toBe(0);
    // Make it look stopped, so resume continues from its checkpoint.
    const manifestPath = join(out, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { status: string };
    manifest.status = "interrupted";
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + "\n");
    const jsonl = join(out, "metrics.jsonl");
    writeFileSync(jsonl, readFileSync(jsonl, "utf8").replace(/\n/g, "\r\n"));
    const before = [jsonl, join(out, "metrics.csv"), manifestPath].map((f) => readFileSync(f, "utf8"));
    const res = await cliIn(out, ["resume", out, "--quiet"]);
    expect(res.code).toBe(2);
    expectOneLineError(res.stderr, jsonl);
    expect([jsonl, join(out, "metrics.csv"), manifestPath].map((f) => readFileSync(f, "utf8"))).toEqual(
      before,
    );
  });
});

describe("report refuses output paths it cannot write, before writing anything", () => {
  it("--out '' / a path under a file / --png without Chromium: exit 2, one line, nothing left behind", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "report-out-cwd-"));
    const run = await cliIn(cwd, [...RUN, "--out", "r"]);
    expect(run.code).toBe(0);
    const before = readdirSync(cwd).sort();
    const cases: [string[], string][] = [
      [["report", "r", "--out", ""], "--out must name a file, got an empty path"],
      [
        ["report", "r", "--out", "/dev/null/x.html"],
        "--out /dev/null/x.html: cannot create it, /dev/null is not a directory",
      ],
      [["report", "r", "--out", "r"], "--out r: is a directory, expected a file name"],
      [
        ["report", "r", "--out", "page.html", "--png", "png", "--chromium", join(cwd, "no-chromium")],
        "--png needs Chromium",
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cliIn(cwd, args);
      expect(r.code, args.join(" ")).toBe(2);
      expectOneLineError(r.stderr, message);
      expect(readdirSync(cwd).sort(), args.join(" ")).toEqual(before);
    }
  }, 120_000);
});
