import { describe, expect, it } from "vitest";
import {
  findingsMarkdown,
  judge,
  judgeThrow,
  nameForms,
  tally,
  tallyMarkdown,
  type CaseResult,
} from "../../experiments/lib/reliability-classify.js";
import { flagCases, valueFlags } from "../../experiments/lib/reliability-cases.js";

const proc = (code: number | null, stderr: string, extra: object = {}) => ({
  code,
  stdout: "",
  stderr,
  ...extra,
});

describe("the reliability harness's judgement of one case", () => {
  it("one error line naming the flag (or its field) is clear; the debug and usage hints do not count", () => {
    const hint = "\n(set LOWRANK_RL_DEBUG=1 for the stack trace)\n";
    expect(judge(proc(2, "error: config.lrActor = -1: must be > 0\n"), ["--lr-actor"]).outcome).toBe("clear");
    expect(judge(proc(1, `error: --out x: exists${hint}`), ["--out"]).outcome).toBe("clear");
    expect(judge(proc(1, "error: unknown option '--x'\n(add --help for usage)\n"), ["--x"]).outcome).toBe(
      "clear",
    );
    expect(nameForms("--lr-actor")).toEqual(["lr-actor", "lrActor", "lr_actor"]);
  });

  it("several lines, a message naming nothing, or no error line is unclear", () => {
    expect(judge(proc(2, "error: bad\nmore detail\n"), ["bad"]).outcome).toBe("unclear");
    expect(judge(proc(1, "error: ENOENT: no such file or directory, mkdir ''\n"), ["--out"]).outcome).toBe(
      "unclear",
    );
    expect(judge(proc(1, "something went wrong\n"), ["x"]).outcome).toBe("unclear");
    expect(
      judge(proc(1, "error: EEXIST: file already exists, mkdir '/dev/null'\n"), ["/dev/null"]).why,
    ).toMatch(/raw system error/);
  });

  it("a stack trace, a crash, out of memory or a hang is a stack/crash", () => {
    const stack = "Error: boom\n    at f (/a/b.ts:1:2)\n    at g (node:internal/x:3:4)\n";
    expect(judge(proc(1, stack), ["boom"]).outcome).toBe("stack");
    expect(judge(proc(null, "", { signal: "SIGSEGV" }), []).outcome).toBe("stack");
    expect(judge(proc(134, "FATAL ERROR: Reached heap limit Allocation failed"), []).outcome).toBe("stack");
    expect(judge(proc(null, "", { timedOut: true }), []).why).toMatch(/hang/);
  });

  it("exit 0 is a silent acceptance, unless a warning names the file and the result is unchanged", () => {
    expect(judge(proc(0, ""), ["--seed"]).outcome).toBe("silent");
    const warned = proc(0, "warning: ckpt-000000012.json: checksum mismatch; falling back\n", {
      resultMatches: true,
    });
    expect(judge(warned, ["ckpt-"], true).outcome).toBe("clear");
    expect(judge({ ...warned, resultMatches: false }, ["ckpt-"], true).outcome).toBe("silent");
    expect(judge(proc(0, "", { resultMatches: true }), ["ckpt-"], true).outcome).toBe("silent");
  });

  it("a guarded file that changed marks data lost whatever the outcome", () => {
    const j = judge(proc(0, "", { lostFiles: ["run/metrics.csv"] }), ["--out"]);
    expect(j).toMatchObject({ outcome: "silent", dataLost: true });
    expect(j.why).toContain("run/metrics.csv");
  });

  it("library calls: no throw is silent, a raw TypeError naming nothing is unclear", () => {
    expect(judgeThrow({ threw: false }, ["seed"]).outcome).toBe("silent");
    expect(
      judgeThrow({ threw: true, message: "Rng: seed must be an integer", name: "Error", ms: 0 }, ["seed"])
        .outcome,
    ).toBe("clear");
    expect(
      judgeThrow(
        {
          threw: true,
          message: "Cannot read properties of undefined (reading 'L')",
          name: "TypeError",
          ms: 0,
        },
        ["mu"],
      ).outcome,
    ).toBe("unclear");
  });
});

describe("cases and tables", () => {
  it("value flags come from a command's help text; path and free-text flags are left to the path cases", () => {
    const help = [
      "Options:",
      "  --seed <n>        seed",
      "  --out <dir>       output",
      "  --quiet           no progress",
      "  --lr-actor <x|expr>  rate",
      "  -h, --help        display help",
    ].join("\n");
    expect(valueFlags(help)).toEqual(["--seed", "--lr-actor"]);
    const cases = flagCases({ run: help });
    expect(cases).toHaveLength(6);
    expect(cases[0].argv.slice(-2)).toEqual(["--seed", "abc"]);
    expect(cases.map((c) => c.names[0])).toContain("--lr-actor");
  });

  it("tally counts each class per category and in total; the findings list every case not clear", () => {
    const r = (category: string, outcome: CaseResult["outcome"], dataLost = false): CaseResult => ({
      id: `${category}-${outcome}`,
      category,
      what: "w | x",
      command: "lowrank-rl run",
      outcome,
      dataLost,
      exitCode: 1,
      message: "error: m",
      why: "y",
      seconds: 0,
    });
    const rows = tally([r("a", "clear"), r("a", "silent", true), r("b", "stack"), r("b", "unclear")]);
    expect(rows).toEqual([
      { category: "a", tried: 2, clear: 1, unclear: 0, stack: 0, silent: 1, dataLost: 1 },
      { category: "b", tried: 2, clear: 0, unclear: 1, stack: 1, silent: 0, dataLost: 0 },
      { category: "total", tried: 4, clear: 1, unclear: 1, stack: 1, silent: 1, dataLost: 1 },
    ]);
    expect(tallyMarkdown(rows)).toContain("| **total** | 4 | 1 | 1 | 1 | 1 | 1 |");
    const findings = findingsMarkdown([r("a", "clear"), r("a", "silent", true)]);
    expect(findings).toContain("| a | w \\| x | silent, data lost |");
    expect(findings).not.toContain("| clear");
  });
});
