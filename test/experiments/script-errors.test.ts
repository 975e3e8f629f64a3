import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outputDir } from "../../experiments/lib/args.js";

const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const SCRIPTS = [
  "pendulum",
  "acrobot",
  "rocket",
  "paper",
  "cartpole-dqn",
  "breakout",
  "rank-sweep",
  "laser",
  "tensor-pendulum",
  "trpo-pendulum",
  "a2c",
  "rank-exploration",
];

function runScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, args, { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("exp:* scripts: bad output folders", () => {
  it("outputDir refuses an empty path, a file, and a path under a file", () => {
    const dir = mkdtempSync(join(tmpdir(), "outdir-"));
    const file = join(dir, "f.txt");
    writeFileSync(file, "x");
    const check = outputDir("--out");
    expect(() => check("")).toThrow(/--out must name a directory, got an empty path/);
    expect(() => check(file)).toThrow(/exists and is not a directory/);
    expect(() => check(join(file, "sub"))).toThrow(/cannot create it, .*f\.txt is not a directory/);
    expect(check(join(dir, "new", "deeper"))).toBe(join(dir, "new", "deeper"));
  });

  it("every script exits 2 with one line and no stack trace, and leaves the file untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "exp-errors-"));
    const file = join(dir, "results.txt");
    writeFileSync(file, "keep me\n");
    const before = createHash("sha256").update(readFileSync(file)).digest("hex");
    const cases = SCRIPTS.flatMap((s, i) => {
      const out = [file, join(file, "x"), ""][i % 3];
      return [{ s, out }];
    });
    const results = await Promise.all(
      cases.map(({ s, out }) => runScript([`experiments/${s}.ts`, "--out", out])),
    );
    results.forEach((r, i) => {
      const what = `${cases[i].s} --out "${cases[i].out}"`;
      expect(r.code, what).toBe(2);
      expect(r.stderr, what).toMatch(/^error: option '--out <dir>' argument .* is invalid\. --out /);
      expect(r.stderr.trim().split("\n"), what).toHaveLength(2); // the message and "(add --help for usage)"
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
    });
    expect(createHash("sha256").update(readFileSync(file)).digest("hex")).toBe(before);
  }, 120_000);
});
