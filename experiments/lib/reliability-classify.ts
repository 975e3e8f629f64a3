/**
 * How the reliability harness (experiments/reliability.ts) judges one tried case, and the tables
 * it writes. A case is a bad input or a fault; what the program did with it falls in one class:
 *
 * - clear: refused (exit ≠ 0, or a thrown error for a library call) with one "error: …" line that
 *   names the flag, field or file (any of the case's `names`), no stack trace; for a file that may
 *   be recovered from (a corrupt newest checkpoint) a warning naming it and a result equal to an
 *   uninterrupted run's also counts as clear;
 * - unclear: refused, but the message is several lines, or names none of the case's names;
 * - stack: a stack trace on the terminal, a crash (signal, exit ≥ 128, out of memory) or a hang
 *   (killed at the harness's time limit);
 * - silent: accepted (exit 0 / no error) although the input is bad, or a result that differs
 *   from the uninterrupted run's with no word about it.
 *
 * Independently of the class, `dataLost` is set when a file that existed before the case under a
 * guarded folder (a finished run, a report page) changed or vanished (SHA-256 before and after).
 */

export type Outcome = "clear" | "unclear" | "stack" | "silent";

/** What a process (or a library call run in one) left behind. */
export interface Observed {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal?: string | null;
  timedOut?: boolean;
  stdout: string;
  stderr: string;
  /** Pre-existing guarded files that changed or vanished. */
  lostFiles?: string[];
  /** For cases that may legitimately succeed after a warning: whether the result matched the reference. */
  resultMatches?: boolean | null;
}

export interface Judgement {
  outcome: Outcome;
  dataLost: boolean;
  /** The error (or warning) line the judgement rests on, or a short reason. */
  message: string;
  why: string;
}

/** A line of a stack trace ("    at f (file.ts:1:2)"), or Node's internal-error banner. */
const STACK = /\n\s+at \S.*(?::\d+:\d+\)?|<anonymous>\)?)$|node:internal\/|^\s+\^$/m;
/** The hint the CLI and scripts print under a runtime error. */
const DEBUG_HINT = /^\(set LOWRANK_RL_DEBUG=1 for the stack trace\)$/;
/** A hint under an error ("(add --help for usage)", "(Did you mean run?)"): not a second error line. */
const HINT = /^\((?:add --help|did you mean)[^)]*\)$/i;
/** Node's own wording of a failed system call ("EEXIST: file already exists, mkdir '/dev/null'"), passed on raw. */
const RAW_SYSTEM_ERROR = /error: E[A-Z]{2,}: [a-z ,]+, [a-z]+ '/;
/** How V8 reports running out of memory. */
const OOM = /heap out of memory|Reached heap limit|Invalid array length|Allocation failed/;

/** Lines of `text` that are not empty, progress-bar redraws or the debug hint. */
function meaningfulLines(text: string): string[] {
  return (
    text
      .split(/\r?\n/)
      // eslint-disable-next-line no-control-regex -- terminal colour codes
      .map((l) => l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "").trimEnd())
      .filter((l) => l.trim().length > 0 && !DEBUG_HINT.test(l.trim()) && !HINT.test(l.trim()))
  );
}

/** `--lr-actor` → [lr-actor, lrActor, lr_actor]: the forms a message may name a flag or field by. */
export function nameForms(name: string): string[] {
  const bare = name.replace(/^--?/, "");
  const camel = bare.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const snake = bare.replace(/-/g, "_");
  return [...new Set([bare, camel, snake])];
}

function namesAny(line: string, names: readonly string[]): boolean {
  const lower = line.toLowerCase();
  return names.some((n) => nameForms(n).some((f) => lower.includes(f.toLowerCase())));
}

/**
 * Judges a case that must not be accepted as it is. `mayRecover`: a warning naming the file plus
 * a result equal to the reference (exit 0) is the right answer too (a corrupt newest checkpoint).
 */
export function judge(o: Observed, names: readonly string[], mayRecover = false): Judgement {
  const lost = o.lostFiles ?? [];
  const dataLost = lost.length > 0;
  const all = `${o.stdout}\n${o.stderr}`;
  const lines = meaningfulLines(o.stderr);
  const errorLines = lines.filter((l) => /(^|: )error: /.test(l));
  const first = errorLines[0] ?? lines[0] ?? "";
  const done = (outcome: Outcome, why: string, message = first): Judgement => ({
    outcome,
    dataLost,
    message: message.slice(0, 300),
    why: dataLost ? `${why}; changed: ${lost.join(", ")}` : why,
  });
  if (o.timedOut) return done("stack", "hang: killed at the time limit");
  if (o.signal) return done("stack", `crash: killed by ${o.signal}`);
  if (OOM.test(all)) return done("stack", "out of memory");
  if (STACK.test(all)) return done("stack", "stack trace printed");
  if (o.code !== null && o.code >= 128) return done("stack", `crash: exit ${o.code}`);
  if (o.code === 0) {
    if (mayRecover) {
      const warning = lines.find((l) => /warning: /.test(l) && namesAny(l, names));
      if (o.resultMatches === true && warning !== undefined)
        return done("clear", "recovered with a warning; result equals the uninterrupted run", warning);
      if (o.resultMatches === false)
        return done("silent", "exit 0 with a result that differs from the reference");
      return done("silent", "exit 0 without a warning naming the file");
    }
    return done("silent", "accepted (exit 0)", lines[0] ?? "");
  }
  if (errorLines.length === 0) return done("unclear", `exit ${o.code} without an "error: …" line`);
  const extra = lines.filter((l) => !/warning: /.test(l) && l !== first);
  if (extra.length > 0) return done("unclear", `exit ${o.code}; the error takes ${extra.length + 1} lines`);
  if (RAW_SYSTEM_ERROR.test(first)) return done("unclear", `exit ${o.code}; a raw system error`);
  if (!namesAny(first, names)) return done("unclear", `exit ${o.code}; names none of ${names.join(", ")}`);
  return done("clear", `exit ${o.code}, one line naming it`);
}

/** Judges a library call that must throw: the error's message plays the CLI's error line. */
export function judgeThrow(
  result: { threw: false } | { threw: true; message: string; name: string; ms: number },
  names: readonly string[],
): Judgement {
  if (!result.threw)
    return { outcome: "silent", dataLost: false, message: "", why: "returned without an error" };
  const msg = result.message;
  if (OOM.test(msg))
    return { outcome: "stack", dataLost: false, message: msg.slice(0, 300), why: "out of memory" };
  if (msg.includes("\n"))
    return { outcome: "unclear", dataLost: false, message: msg.split("\n")[0], why: "several lines" };
  if (/^(TypeError|RangeError|ReferenceError)$/.test(result.name) && !namesAny(msg, names))
    return { outcome: "unclear", dataLost: false, message: msg, why: `a raw ${result.name}` };
  if (!namesAny(msg, names))
    return { outcome: "unclear", dataLost: false, message: msg, why: `names none of ${names.join(", ")}` };
  return { outcome: "clear", dataLost: false, message: msg.slice(0, 300), why: "one line naming it" };
}

/** One tried case with its judgement, as written to reliability.json. */
export interface CaseResult {
  id: string;
  category: string;
  what: string;
  command: string;
  outcome: Outcome;
  dataLost: boolean;
  exitCode: number | null;
  message: string;
  why: string;
  seconds: number;
}

export interface CategoryRow {
  category: string;
  tried: number;
  clear: number;
  unclear: number;
  stack: number;
  silent: number;
  dataLost: number;
}

/** Counts per category, in the order the categories first appear, plus a total row. */
export function tally(results: readonly CaseResult[]): CategoryRow[] {
  const rows = new Map<string, CategoryRow>();
  const total: CategoryRow = {
    category: "total",
    tried: 0,
    clear: 0,
    unclear: 0,
    stack: 0,
    silent: 0,
    dataLost: 0,
  };
  for (const r of results) {
    let row = rows.get(r.category);
    if (row === undefined) {
      row = { category: r.category, tried: 0, clear: 0, unclear: 0, stack: 0, silent: 0, dataLost: 0 };
      rows.set(r.category, row);
    }
    for (const t of [row, total]) {
      t.tried++;
      t[r.outcome]++;
      if (r.dataLost) t.dataLost++;
    }
  }
  return [...rows.values(), total];
}

/** Markdown cell text: pipes and newlines escaped, long text cut. */
function cell(s: string, max = 160): string {
  const one = s.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** The summary table (one row per category) in the form of the earlier measurement. */
export function tallyMarkdown(rows: readonly CategoryRow[]): string {
  const lines = [
    "| category | tried | clear | unclear | stack/crash/hang | silent accept | data lost |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows.map((r) => {
      const name = r.category === "total" ? "**total**" : r.category;
      return `| ${name} | ${r.tried} | ${r.clear} | ${r.unclear} | ${r.stack} | ${r.silent} | ${r.dataLost} |`;
    }),
  ];
  return lines.join("\n") + "\n";
}

/** Every case that is not clear (or lost data), with its command and message. */
export function findingsMarkdown(results: readonly CaseResult[]): string {
  const bad = results.filter((r) => r.outcome !== "clear" || r.dataLost);
  if (bad.length === 0)
    return "Every case was refused (or recovered from) clearly, and no guarded file changed.\n";
  const lines = [
    "| category | case | outcome | what happened | command |",
    "|---|---|---|---|---|",
    ...bad.map(
      (r) =>
        `| ${r.category} | ${cell(r.what, 80)} | ${r.outcome}${r.dataLost ? ", data lost" : ""} | ${cell(`${r.why}${r.message ? `: ${r.message}` : ""}`)} | \`${cell(r.command, 120).replace(/`/g, "'")}\` |`,
    ),
  ];
  return lines.join("\n") + "\n";
}
