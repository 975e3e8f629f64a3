import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN, TSX } from "./cli-helpers.js";

/** Runs the CLI in `cwd`; never throws. */
function cliIn(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { cwd, timeout: 60_000 }, (err, _stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stderr }),
    );
  });
}

/** SHA-256 of every file under `dir` (path → hash). */
function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

describe("every command refuses malformed input with one line and no stack trace", () => {
  it("the table: exit 1 or 2, 'error: …' naming the problem, no file under the guarded folder changes", async () => {
    const cwd = mkdtempSync(join(tmpdir(), "cli-fuzz-"));
    const guarded = join(cwd, "guarded");
    mkdirSync(guarded);
    writeFileSync(join(guarded, "results.txt"), "finished results\n");
    writeFileSync(join(cwd, "bad.json"), "{ not json");
    writeFileSync(join(cwd, "null.json"), "null");
    writeFileSync(join(cwd, "array.json"), "[1, 2]");
    writeFileSync(
      join(cwd, "seeds.json"),
      JSON.stringify({ base: { env: "LRPG/Pendulum" }, seeds: [1e300] }),
    );
    writeFileSync(
      join(cwd, "huge.json"),
      JSON.stringify({
        base: { env: "LRPG/Pendulum" },
        grid: {
          rank: Array.from({ length: 1000 }, (_, i) => i + 1),
          actorBuckets: Array.from({ length: 1000 }, (_, i) => i + 2),
        },
        seeds: [0, 1],
      }),
    );
    writeFileSync(
      join(cwd, "proto.json"),
      '{"base": {"env": "LRPG/Pendulum", "__proto__": {"rank": 2}}, "seeds": [0]}',
    );
    mkdirSync(join(cwd, "nullrun"));
    writeFileSync(join(cwd, "nullrun", "manifest.json"), "null");
    const before = hashTree(guarded);
    const RUN = ["run", "--env", "LRPG/Pendulum", "--episodes", "3", "--quiet"];
    const table: [string[], RegExp][] = [
      [[...RUN, "--episodes", "0x3"], /episodes = "0x3"/],
      [[...RUN, "--env", "Pendulum-v0"], /Pendulum-v0/],
      [[...RUN, "--seed", "-1"], /seed/],
      [[...RUN, "--seed", "1e300"], /seed/],
      [[...RUN, "--lr-actor", "sum(1:1e8)"], /lr-?[aA]ctor/],
      [[...RUN, "--lr-actor", "config({number: 'BigNumber'})"], /lr-?[aA]ctor/],
      [[...RUN, "--config", "missing.json"], /missing\.json/],
      [[...RUN, "--config", "bad.json"], /bad\.json/],
      [[...RUN, "--config", "null.json"], /null\.json/],
      [[...RUN, "--config", "array.json"], /array\.json/],
      [[...RUN, "--out", join(guarded, "results.txt")], /--out/],
      [[...RUN, "--out", guarded], /--out/],
      [["resume", join(cwd, "missing-run")], /missing-run/],
      [["resume", join(cwd, "nullrun")], /manifest\.json/],
      [["eval", join(cwd, "missing-run")], /missing-run/],
      [["report", join(cwd, "missing-run")], /missing-run/],
      [["report", guarded, "--out", "/dev/null/x.html"], /\/dev\/null/],
      [["sweep", "missing.json"], /missing\.json/],
      [["sweep", "bad.json"], /bad\.json/],
      [["sweep", "seeds.json", "--dry-run"], /seeds\.0.*2147483647/],
      [["sweep", "huge.json", "--dry-run"], /2000000 jobs.*--max-jobs/],
      [["sweep", "--grid", "__proto__=1,2", "--dry-run"], /__proto__/],
      [["sweep", "--grid", "rank", "--dry-run"], /--grid/],
      [["laser", "missing.json"], /missing\.json/],
      [["laser", "bad.json"], /bad\.json/],
      [["sweep-task", "missing.json", "0"], /missing\.json/],
      [["demo", "--out", "/dev/null/x.html"], /--out \/dev\/null\/x\.html: cannot create it/],
      [["no-such-command"], /no-such-command/],
      [[...RUN, "--num-envs", "4"], /numEnvs/],
      [["sweep", "null.json", "--dry-run"], /null\.json/],
      [["sweep", "--grid", "rank=1", "--dry-run", "--cpus-per-task", "abc"], /--cpus-per-task/],
      [
        ["sweep", "--grid", "rank=1", "--episodes", "2", "--quiet", "--out", join(guarded, "results.txt")],
        /--out/,
      ],
      [["laser", "bad.json", "--epsilon", ""], /--epsilon/],
      [["sweep", "proto.json", "--dry-run"], /base: "__proto__"/],
    ];
    const results: { code: number; stderr: string }[] = [];
    for (let i = 0; i < table.length; i += 4)
      results.push(...(await Promise.all(table.slice(i, i + 4).map(([args]) => cliIn(cwd, args)))));
    const failures: string[] = [];
    table.forEach(([args, names], i) => {
      const { code, stderr } = results[i];
      const lines = stderr.trim().split("\n");
      const problems = [
        code === 1 || code === 2 ? null : `exit ${code}`,
        /^error: /.test(lines[0] ?? "") ? null : "first line is not 'error: …'",
        lines.length <= 2 ? null : `${lines.length} lines`,
        /\n\s+at /.test(stderr) ? "stack trace" : null,
        names.test(lines[0] ?? "") ? null : `does not name ${names}`,
      ].filter((p) => p !== null);
      if (problems.length > 0)
        failures.push(`lowrank-rl ${args.join(" ")}: ${problems.join(", ")}\n${stderr}`);
    });
    expect(failures).toEqual([]);
    expect(hashTree(guarded)).toEqual(before);
  }, 300_000);
});
