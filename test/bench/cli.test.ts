import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
const BENCH = join(process.cwd(), "bench", "index.ts");
const SUITES = readdirSync(join(process.cwd(), "bench", "suites"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => f.slice(0, -3));

async function bench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(TSX, [BENCH, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("npm run bench (argument handling; no suite runs)", () => {
  it("--help prints usage with the suite names and flags and exits 0", async () => {
    const r = await bench(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: npm run bench/);
    for (const flag of ["--only", "--json", "--help"]) expect(r.stdout).toContain(flag);
    for (const name of SUITES) expect(r.stdout).toContain(name);
    expect(r.stderr).not.toMatch(/bench: \w+…/); // no suite started
  }, 40_000);

  it("an unknown --only name exits 2 with one line listing the valid names", async () => {
    const r = await bench(["--only", "nosuch"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/unknown suite "nosuch"; valid names: /);
    for (const name of SUITES) expect(lines[0]).toContain(name);
  }, 40_000);
});
