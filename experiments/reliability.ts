/**
 * Reliability harness: tries bad input and faults against the toolkit as a hostile user would,
 * and judges each case automatically (experiments/lib/reliability-classify.ts): exit code, one
 * line naming the flag/field/file, stack trace or crash or hang, silent acceptance, and whether
 * a file that existed before under a guarded folder (a finished run, a report) changed.
 *
 *   npx tsx experiments/reliability.ts --out DIR                      # all classes (~5 min on 2 cores)
 *   npx tsx experiments/reliability.ts --out DIR --doc docs/reliability.md
 *   npx tsx experiments/reliability.ts --out DIR --only flag,schedule  # case ids starting so
 *
 * Writes DIR/reliability.json (every case: command, outcome, exit code, message) and
 * DIR/reliability.md (the table per category, then every case that was not clear); with --doc,
 * the same page with how to rerun it. CLI and library cases run in-process in a child worker
 * (restarted after a case that hangs or crashes it); the `exp:*` scripts and the faults
 * (SIGKILL/SIGTERM mid-run, disk full, concurrent runs, stale checkpoints) run as processes.
 */
import "./lib/script-errors.js";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Command } from "commander";
import { usageExit } from "./lib/script-errors.js";
import {
  apiCases,
  applySetup,
  configCases,
  flagCases,
  pathCases,
  scheduleCases,
  scriptCases,
  sweepSpecCases,
  untrustedFileCases,
  type Case,
  type CliCase,
} from "./lib/reliability-cases.js";
import {
  findingsMarkdown,
  judge,
  judgeThrow,
  tally,
  tallyMarkdown,
  type CaseResult,
  type Judgement,
} from "./lib/reliability-classify.js";
import { writeFileAtomic, writeJsonAtomic } from "../src/runner/atomic-file.js";
import { gitCommit } from "../src/runner/provenance.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TSX_LOADER = pathToFileURL(join(REPO, "node_modules", "tsx", "dist", "loader.mjs")).href;
const MAIN = join(REPO, "src", "cli", "main.ts");
const ENOSPC_PRELOAD = pathToFileURL(join(REPO, "experiments", "lib", "enospc-preload.ts")).href;
/** Root ignores file permissions, so read-only cases say nothing then. */
const AS_ROOT = process.getuid?.() === 0;
/** The read-only fixture folders, innermost first. */
const READONLY_DIRS = ["readonly/run/checkpoints", "readonly/run", "readonly"];
/** A case running longer than this in the worker counts as a hang. */
const CASE_SECONDS = 90;
/** A script still running after this was accepted (it started its experiment). */
const SCRIPT_SECONDS = 60;
const SCRIPTS = [
  "pendulum",
  "acrobot",
  "rocket",
  "paper",
  "rank-sweep",
  "cartpole-dqn",
  "breakout",
  "laser",
  "tensor-pendulum",
  "trpo-pendulum",
  "a2c",
  "rank-exploration",
  "gym",
].filter((s) => existsSync(join(REPO, "experiments", `${s}.ts`)));
/** The fixture run: 20 LRPG pendulum episodes, checkpoints every 5. */
const FIXTURE_RUN = {
  env: "LRPG/Pendulum",
  algo: "lrpg",
  seed: 0,
  episodes: 20,
  checkpointEvery: 5,
  checkpointMinSeconds: 0,
} as const;

/** SHA-256 of every file under `dir` (relative path → hash). */
function hashTree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(p, base, out);
    else out[p.slice(base.length + 1)] = createHash("sha256").update(readFileSync(p)).digest("hex");
  }
  return out;
}

/** Files present in `before` that changed or vanished. */
function lostFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((k) => after[k] !== before[k]);
}

/** Metric rows without the wall-clock column, and the final parameters: what a resume must reproduce. */
function runFingerprint(dir: string): string | null {
  try {
    const rows = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => {
        const r = JSON.parse(l) as Record<string, unknown>;
        delete r["charts/SPS"];
        return r;
      });
    return JSON.stringify(rows) + readFileSync(join(dir, "final_params.json"), "utf8");
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Worker: runs CLI and library cases in-process, one JSON line per case on stdout.

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`__reliability_exit_${code}__`);
  }
}

async function runCliInProcess(
  argv: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { main } = await import("../src/cli/main.js");
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  const oexit = process.exit.bind(process);
  const ocwd = process.cwd();
  let exitCode: number | null = null;
  process.stdout.write = ((chunk: unknown) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  process.exit = ((code?: number) => {
    exitCode = code ?? 0;
    throw new ExitCalled(exitCode);
  }) as typeof process.exit;
  process.exitCode = undefined;
  try {
    process.chdir(cwd);
    await main(["node", "lowrank-rl", ...argv]);
  } catch (e) {
    if (!(e instanceof ExitCalled)) err.push(`${(e as Error).stack ?? String(e)}\n`);
  } finally {
    process.chdir(ocwd);
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exit = oexit;
  }
  const code = exitCode ?? (typeof process.exitCode === "number" ? process.exitCode : 0);
  process.exitCode = undefined;
  // main() reports the harness's own exit sentinel as an error line: drop it and its hint.
  let stderr = err.join("");
  if (stderr.includes("__reliability_exit_"))
    stderr = stderr
      .split("\n")
      .filter((l) => !l.includes("__reliability_exit_") && !l.startsWith("(set LOWRANK_RL_DEBUG"))
      .join("\n");
  return { code, stdout: out.join(""), stderr };
}

async function worker(scratch: string, casesFile: string, start: number): Promise<void> {
  const cases = JSON.parse(readFileSync(casesFile, "utf8")) as (
    CliCase | { kind: "api"; id: string } | { kind: "help"; id: string; command: string }
  )[];
  const api = new Map(apiCases().map((c) => [c.id, c]));
  const guarded = join(scratch, "guarded");
  const fixturePolicy = join(scratch, "files", "policy.json");
  const emit = (x: unknown) => process.stdout.write(`@@RESULT ${JSON.stringify(x)}\n`);
  for (let i = start; i < cases.length; i++) {
    const c = cases[i];
    emit({ index: i, started: true });
    const t0 = performance.now();
    if (c.kind === "help") {
      const r = await runCliInProcess([c.command, "--help"], scratch);
      emit({ index: i, help: r.stdout });
      continue;
    }
    if (c.kind === "api") {
      const call = api.get(c.id)!.call;
      let result: { threw: false } | { threw: true; message: string; name: string; ms: number };
      try {
        await call();
        result = { threw: false };
      } catch (e) {
        result = {
          threw: true,
          message: String((e as Error).message ?? e),
          name: (e as Error).name ?? "",
          ms: 0,
        };
      }
      emit({ index: i, api: result, seconds: (performance.now() - t0) / 1000 });
      continue;
    }
    let setupError: string | null = null;
    try {
      applySetup(scratch, c.setup ?? [], fixturePolicy);
    } catch (e) {
      setupError = (e as Error).message;
    }
    const before = hashTree(guarded);
    const r = setupError
      ? { code: -1, stdout: "", stderr: `harness setup failed: ${setupError}` }
      : await runCliInProcess(c.argv, join(scratch, c.cwd ?? "."));
    const after = hashTree(guarded);
    let resultMatches: boolean | null = null;
    if (c.compare !== undefined && r.code === 0) {
      const a = runFingerprint(join(scratch, c.compare.dir));
      resultMatches = a !== null && a === runFingerprint(join(scratch, c.compare.ref));
    }
    emit({
      index: i,
      code: r.code,
      stdout: r.stdout.slice(-4000),
      stderr: r.stderr.slice(-4000),
      lostFiles: lostFiles(before, after),
      resultMatches,
      seconds: (performance.now() - t0) / 1000,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Parent: fixtures, the worker, scripts, faults, tables.

interface Proc {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs a node process (tsx loader) to its end or `seconds`; never throws. */
function runNode(
  args: string[],
  opts: { cwd: string; seconds: number; env?: Record<string, string>; onStart?: (pid: number) => void },
): Promise<Proc> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ["--import", TSX_LOADER, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, LOWRANK_RL_DEBUG: "", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    if (child.pid !== undefined) opts.onStart?.(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, opts.seconds * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({
        code,
        signal: timedOut ? null : signal,
        timedOut,
        stdout,
        stderr,
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
}

const cli = (args: string[], cwd: string, seconds = 120, env?: Record<string, string>) =>
  runNode([MAIN, ...args], { cwd, seconds, env });

async function makeFixtures(scratch: string): Promise<void> {
  const { executeRun } = await import("../src/runner/run.js");
  const { makeSavedPolicy, writeSavedPolicy } = await import("../src/laser/saved-policy.js");
  const { NnGaussianAgent } = await import("../src/baselines/gaussian-nn-agent.js");
  const { Rng } = await import("../src/random/rng.js");
  for (const d of ["guarded", "templates", "files", "out", "work", "readonly"])
    mkdirSync(join(scratch, d), { recursive: true });
  await executeRun(FIXTURE_RUN, { dir: join(scratch, "guarded", "run") });
  writeFileSync(join(scratch, "guarded", "results.txt"), "finished results\n");
  writeFileSync(join(scratch, "guarded", "report.html"), "<!doctype html><p>an earlier report</p>\n");
  const stop = new AbortController();
  await executeRun(FIXTURE_RUN, {
    dir: join(scratch, "templates", "interrupted"),
    signal: stop.signal,
    onEpisode: (e) => {
      if (e === 12) stop.abort();
    },
  });
  // A read-only copy of the finished run (tried only when not root: root writes anyway).
  cpSync(join(scratch, "guarded", "run"), join(scratch, "readonly", "run"), { recursive: true });
  for (const d of READONLY_DIRS) chmodSync(join(scratch, d), 0o555);
  const agent = new NnGaussianAgent({
    stateDim: 2,
    hidden: 6,
    lrActor: 1e-3,
    lrCritic: 1e-3,
    gamma: 0.99,
    sigmoidMean: false,
    rng: new Rng(2),
  });
  writeSavedPolicy(
    join(scratch, "files", "policy.json"),
    makeSavedPolicy({
      kind: "pg-run",
      env: "LRPG/Pendulum",
      options: { env: "LRPG/Pendulum", algo: "nn", hidden: 6, maxSteps: 20 },
      stateDict: agent.exportStateDict() as never,
    }),
  );
}

type WorkerCase = CliCase | { kind: "api"; id: string } | { kind: "help"; id: string; command: string };
type WorkerRecord = Record<string, unknown> & { index: number };

/** Runs `cases` in worker processes: a case that hangs or kills the worker is recorded and skipped. */
async function runInWorker(
  scratch: string,
  cases: WorkerCase[],
  log: (s: string) => void,
): Promise<(WorkerRecord | null)[]> {
  const file = join(scratch, `worker-cases-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(cases));
  const results: (WorkerRecord | null)[] = cases.map(() => null);
  let start = 0;
  while (start < cases.length) {
    let current = start;
    let lastBeat = performance.now();
    const crash = await new Promise<{ index: number; why: string; stderr: string } | null>((done) => {
      const child = spawn(
        process.execPath,
        ["--import", TSX_LOADER, fileURLToPath(import.meta.url), "--worker", scratch, file, String(start)],
        { cwd: scratch, env: { ...process.env, LOWRANK_RL_DEBUG: "" }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let buf = "";
      let stderr = "";
      let killedForTime = false;
      child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.startsWith("@@RESULT ")) continue;
          const rec = JSON.parse(line.slice(9)) as WorkerRecord;
          lastBeat = performance.now();
          if (rec.started) current = rec.index;
          else {
            results[rec.index] = rec;
            if (rec.index % 50 === 0) log(`  ${rec.index + 1}/${cases.length}`);
          }
        }
      });
      const timer = setInterval(() => {
        if (performance.now() - lastBeat > CASE_SECONDS * 1000) {
          killedForTime = true;
          child.kill("SIGKILL");
        }
      }, 1000);
      child.on("close", (code, signal) => {
        clearInterval(timer);
        if (results.slice(start).every((r) => r !== null)) return done(null);
        done({
          index: current,
          why: killedForTime ? "hang" : `worker ended (exit ${code}, signal ${signal})`,
          stderr,
        });
      });
    });
    if (crash === null) break;
    results[crash.index] = {
      index: crash.index,
      code: null,
      signal: crash.why === "hang" ? null : "crash",
      timedOut: crash.why === "hang",
      stdout: "",
      stderr: crash.stderr,
      lostFiles: [],
      seconds: CASE_SECONDS,
    };
    start = crash.index + 1;
  }
  return results;
}

function commandText(c: Case): string {
  const q = (a: string) =>
    /^[\w./:=,@-]+$/.test(a) ? a : JSON.stringify(a.length > 60 ? `${a.slice(0, 57)}...` : a);
  if (c.kind === "cli") return `${c.cwd ? `(in ${c.cwd}) ` : ""}lowrank-rl ${c.argv.map(q).join(" ")}`;
  if (c.kind === "script") return `npm run exp:${c.script} -- ${c.argv.map(q).join(" ")}`;
  return c.what;
}

function toResult(c: Case, j: Judgement, code: number | null, seconds: number): CaseResult {
  return {
    id: c.id,
    category: c.category,
    what: c.what,
    command: commandText(c),
    outcome: j.outcome,
    dataLost: j.dataLost,
    exitCode: code,
    message: j.message,
    why: j.why,
    seconds: Number(seconds.toFixed(2)),
  };
}

// --- faults ------------------------------------------------------------------------------------

interface FaultResult {
  id: string;
  what: string;
  command: string;
  judgement: Judgement;
  code: number | null;
  seconds: number;
}

const FAULT_RUN = (out: string) => [
  "run",
  "--episodes",
  "300",
  "--checkpoint-every",
  "20",
  "--checkpoint-min-seconds",
  "0",
  "--seed",
  "3",
  "--quiet",
  "--out",
  out,
];

function metricRows(dir: string): number {
  try {
    return readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.length > 0).length;
  } catch {
    return 0;
  }
}

/** Starts the fault run in `dir` and sends `signal` once it has logged `rows` episodes. */
async function runAndSignal(scratch: string, dir: string, signal: NodeJS.Signals, rows = 60): Promise<Proc> {
  let pid = 0;
  const p = runNode([MAIN, ...FAULT_RUN(dir)], { cwd: scratch, seconds: 120, onStart: (x) => (pid = x) });
  const poll = setInterval(() => {
    if (pid !== 0 && metricRows(join(scratch, dir)) >= rows) {
      clearInterval(poll);
      try {
        process.kill(pid, signal);
      } catch {
        // already ended
      }
    }
  }, 20);
  const r = await p;
  clearInterval(poll);
  return r;
}

const ok = (why: string, message = ""): Judgement => ({ outcome: "clear", dataLost: false, message, why });
const bad = (
  outcome: "silent" | "stack" | "unclear",
  why: string,
  dataLost = false,
  message = "",
): Judgement => ({
  outcome,
  dataLost,
  message,
  why,
});

function firstError(p: Proc): string {
  return (p.stderr.split("\n").find((l) => /error: /.test(l)) ?? "").slice(0, 300);
}

async function faults(scratch: string, log: (s: string) => void): Promise<FaultResult[]> {
  const out: FaultResult[] = [];
  const add = (id: string, what: string, command: string, judgement: Judgement, p: Proc | null) => {
    out.push({
      id: `fault:${id}`,
      what,
      command,
      judgement,
      code: p?.code ?? null,
      seconds: p?.seconds ?? 0,
    });
    log(`  ${id}: ${judgement.outcome}${judgement.dataLost ? " (data lost)" : ""} — ${judgement.why}`);
  };
  const f = (name: string) => `faults/${name}`;
  mkdirSync(join(scratch, "faults"), { recursive: true });
  const straight = await cli(FAULT_RUN(f("straight")), scratch);
  const reference = runFingerprint(join(scratch, f("straight")));
  if (straight.code !== 0 || reference === null) {
    add(
      "reference",
      "the uninterrupted reference run",
      `lowrank-rl ${FAULT_RUN("D").join(" ")}`,
      bad("stack", `reference run failed: ${firstError(straight)}`),
      straight,
    );
    return out;
  }
  const sameAsReference = (dir: string) => runFingerprint(join(scratch, dir)) === reference;

  // SIGKILL mid-run, then resume.
  const killed = await runAndSignal(scratch, f("killed"), "SIGKILL");
  cpSync(join(scratch, f("killed")), join(scratch, f("killed-copy")), { recursive: true });
  cpSync(join(scratch, f("killed")), join(scratch, f("stale")), { recursive: true });
  const resumed = await cli(["resume", f("killed"), "--quiet"], scratch);
  add(
    "sigkill-resume",
    "SIGKILL mid-run, then resume",
    "lowrank-rl run … & kill -9; lowrank-rl resume D",
    killed.signal !== "SIGKILL"
      ? bad("unclear", `the run was not killed mid-way (exit ${killed.code})`)
      : resumed.code === 0 && sameAsReference(f("killed"))
        ? ok("resumed run identical to the uninterrupted one")
        : bad(
            "silent",
            `resume exit ${resumed.code}; result differs from the uninterrupted run`,
            true,
            firstError(resumed),
          ),
    resumed,
  );

  // Two resumes at once on one run.
  const [a, b] = await Promise.all([
    cli(["resume", f("killed-copy"), "--quiet"], scratch),
    cli(["resume", f("killed-copy"), "--quiet"], scratch),
  ]);
  const codes = [a.code, b.code].sort();
  const refusal = [a, b].find((p) => p.code !== 0);
  add(
    "concurrent-resume",
    "two resumes of one run at once",
    "lowrank-rl resume D & lowrank-rl resume D",
    !sameAsReference(f("killed-copy"))
      ? bad("silent", `exits ${codes.join(", ")}; the run's result differs from the uninterrupted run`, true)
      : codes[0] === 0 && codes[1] === 0
        ? ok("both finished (one after the other) with an identical result")
        : codes[0] === 0 && refusal !== undefined && /in use|run\.lock/.test(refusal.stderr)
          ? ok("one refused (run.lock), the other finished identical", firstError(refusal))
          : bad("unclear", `exits ${codes.join(", ")}`, false, refusal ? firstError(refusal) : ""),
    refusal ?? a,
  );

  // A reused folder with leftover checkpoints and no manifest.
  rmSync(join(scratch, f("stale"), "manifest.json"));
  const staleBefore = hashTree(join(scratch, f("stale"), "checkpoints"));
  const stale = await cli(FAULT_RUN(f("stale")), scratch);
  const staleLost = lostFiles(staleBefore, hashTree(join(scratch, f("stale"), "checkpoints")));
  add(
    "stale-checkpoints",
    "run --out a folder with leftover checkpoints and no manifest",
    "rm D/manifest.json; lowrank-rl run … --out D",
    stale.code !== 0 && /checkpoint|--force/.test(stale.stderr) && staleLost.length === 0
      ? ok("refused, leftover checkpoints untouched", firstError(stale))
      : stale.code === 0 && sameAsReference(f("stale"))
        ? ok("ran cleanly from scratch")
        : bad("silent", `exit ${stale.code}`, staleLost.length > 0, firstError(stale)),
    stale,
  );

  // SIGTERM mid-run: final checkpoint, exit 143, resume identical.
  const termed = await runAndSignal(scratch, f("termed"), "SIGTERM");
  const termResumed = await cli(["resume", f("termed"), "--quiet"], scratch);
  add(
    "sigterm-resume",
    "SIGTERM mid-run, then resume",
    "lowrank-rl run … & kill -TERM; lowrank-rl resume D",
    termed.code === 143 && termResumed.code === 0 && sameAsReference(f("termed"))
      ? ok("exit 143, resumed identical")
      : bad(
          termed.code === 0 ? "silent" : "unclear",
          `exit ${termed.code}, resume exit ${termResumed.code}`,
          !sameAsReference(f("termed")),
        ),
    termed,
  );

  // Disk full during a run (injected writer), then resume with space.
  for (const budget of [20_000, 60_000]) {
    const dir = f(`full-${budget}`);
    const full = await runNode(["--import", ENOSPC_PRELOAD, MAIN, ...FAULT_RUN(dir)], {
      cwd: scratch,
      seconds: 120,
      env: { LOWRANK_RL_FAULT_DISK_BYTES: String(budget) },
    });
    const after = await cli(["resume", dir, "--quiet"], scratch);
    const j = judge({ ...full, stdout: full.stdout }, ["ENOSPC", "no space"]);
    add(
      `disk-full-run-${budget}`,
      `disk full after ${budget / 1000} kB during a run, then resume`,
      `LOWRANK_RL_FAULT_DISK_BYTES=${budget} node --import enospc-preload … run …; lowrank-rl resume D`,
      j.outcome !== "clear"
        ? j
        : after.code === 0 && sameAsReference(dir)
          ? ok("one-line error naming the file; resumed identical", j.message)
          : bad(
              "silent",
              `resume after the disk-full stop: exit ${after.code}, result differs`,
              true,
              firstError(after),
            ),
      full,
    );
  }

  // Disk full while resuming.
  cpSync(join(scratch, "templates", "interrupted"), join(scratch, f("resume-full")), { recursive: true });
  const ckBefore = hashTree(join(scratch, f("resume-full"), "checkpoints"));
  const resumeFull = await runNode(
    ["--import", ENOSPC_PRELOAD, MAIN, "resume", f("resume-full"), "--quiet"],
    {
      cwd: scratch,
      seconds: 120,
      env: { LOWRANK_RL_FAULT_DISK_BYTES: "3000" },
    },
  );
  const jr = judge(
    {
      ...resumeFull,
      lostFiles: lostFiles(ckBefore, hashTree(join(scratch, f("resume-full"), "checkpoints"))),
    },
    ["ENOSPC", "no space"],
  );
  const resumeAfter = await cli(["resume", f("resume-full"), "--quiet"], scratch);
  add(
    "disk-full-resume",
    "disk full during resume, then resume with space",
    "LOWRANK_RL_FAULT_DISK_BYTES=3000 … resume D; lowrank-rl resume D",
    jr.outcome === "clear" &&
      !(
        resumeAfter.code === 0 &&
        runFingerprint(join(scratch, f("resume-full"))) === runFingerprint(join(scratch, "guarded", "run"))
      )
      ? bad("silent", `second resume exit ${resumeAfter.code}; result differs`, true, firstError(resumeAfter))
      : jr,
    resumeFull,
  );

  // Disk full while report rewrites an existing page.
  const page = join(scratch, "guarded", "report.html");
  const pageBefore = readFileSync(page);
  const rep = await runNode(
    ["--import", ENOSPC_PRELOAD, MAIN, "report", "guarded/run", "--out", "guarded/report.html", "--inline"],
    {
      cwd: scratch,
      seconds: 120,
      env: { LOWRANK_RL_FAULT_DISK_BYTES: "200000" },
    },
  );
  const pageLost = !readFileSync(page).equals(pageBefore);
  add(
    "disk-full-report",
    "disk full while report --inline replaces report.html",
    "LOWRANK_RL_FAULT_DISK_BYTES=200000 … report RUN --out RUN/report.html --inline",
    judge({ ...rep, lostFiles: pageLost ? ["report.html"] : [] }, ["ENOSPC", "no space", "report.html"]),
    rep,
  );

  // A reader that closes the pipe early (`lowrank-rl sweep … --dry-run | head -1`).
  const piped = await new Promise<Proc>((done) => {
    const t0 = performance.now();
    const child = spawn(
      process.execPath,
      [
        "--import",
        TSX_LOADER,
        MAIN,
        "sweep",
        "--grid",
        `rank=${Array.from({ length: 20 }, (_, i) => i + 1).join(",")}`,
        "--seeds",
        Array.from({ length: 200 }, (_, i) => i).join(","),
        "--dry-run",
      ],
      { cwd: scratch, env: { ...process.env, LOWRANK_RL_DEBUG: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({
        code,
        signal,
        timedOut: signal === "SIGKILL",
        stdout: "",
        stderr,
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
  add(
    "closed-pipe",
    "stdout closed by the reader mid-output",
    "lowrank-rl sweep --grid rank=1,…,20 --seeds 0,…,199 --dry-run | head -c 1 (4 000 lines)",
    piped.code === 0 && piped.stderr.trim() === ""
      ? ok("ended quietly, exit 0")
      : judge({ ...piped, code: piped.code === 0 ? 1 : piped.code }, ["EPIPE"]),
    piped,
  );

  // Two sweeps over one folder at once.
  const sweepArgs = [
    "sweep",
    "--grid",
    "rank=1,2",
    "--seeds",
    "0,1",
    "--episodes",
    "60",
    "--threads",
    "1",
    "--quiet",
    "--out",
    f("sweep"),
  ];
  const [s1, s2] = await Promise.all([cli(sweepArgs, scratch, 180), cli(sweepArgs, scratch, 180)]);
  const runsDir = join(scratch, f("sweep"));
  const runDirs = existsSync(runsDir)
    ? readdirSync(runsDir, { recursive: true })
        .map(String)
        .filter((p) => p.endsWith("manifest.json"))
        .map((p) => join(runsDir, dirname(p)))
    : [];
  const malformed = runDirs.filter((d) => {
    try {
      const lines = readFileSync(join(d, "metrics.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.length > 0);
      lines.forEach((l) => JSON.parse(l));
      return lines.length !== 60;
    } catch {
      return true;
    }
  });
  const sweepRefusal = [s1, s2].find((p) => p.code !== 0);
  add(
    "concurrent-sweep",
    "two sweeps over one folder at once",
    `lowrank-rl ${sweepArgs.join(" ")} (twice at once)`,
    malformed.length > 0
      ? bad("silent", `${malformed.length}/${runDirs.length} runs malformed`, true)
      : runDirs.length !== 4
        ? bad(
            "unclear",
            `${runDirs.length} runs instead of 4 (exits ${s1.code}, ${s2.code})`,
            false,
            sweepRefusal ? firstError(sweepRefusal) : "",
          )
        : sweepRefusal === undefined || /in use|lock|running/.test(sweepRefusal.stderr)
          ? ok(
              "4 well-formed runs; the second sweep waited, skipped or refused",
              sweepRefusal ? firstError(sweepRefusal) : "",
            )
          : bad("unclear", `exit ${sweepRefusal.code}`, false, firstError(sweepRefusal)),
    sweepRefusal ?? s1,
  );
  return out;
}

// ---------------------------------------------------------------------------------------------

async function parent(opts: { out: string; doc?: string; only?: string[]; commit?: string }): Promise<void> {
  const t0 = performance.now();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const scratch = mkdtempSync(join(tmpdir(), "reliability-"));
  const want = (id: string) => opts.only === undefined || opts.only.some((p) => id.startsWith(p));
  try {
    log(`fixtures in ${scratch}`);
    await makeFixtures(scratch);
    const commands = ["run", "sweep", "eval", "resume", "report", "laser", "demo"];
    const helpRecs = await runInWorker(
      scratch,
      commands.map((command) => ({ kind: "help", id: `help:${command}`, command })),
      log,
    );
    const helps = Object.fromEntries(commands.map((c, i) => [c, String(helpRecs[i]?.help ?? "")]));
    const inWorker: Case[] = [
      ...flagCases(helps),
      ...pathCases().filter((c) => !AS_ROOT || !c.argv.some((a) => a.startsWith("readonly"))),
      ...configCases(),
      ...sweepSpecCases(),
      ...scheduleCases(),
      ...untrustedFileCases(),
      ...apiCases(),
    ].filter((c) => want(c.id));
    log(`${inWorker.length} CLI and library cases`);
    const recs = await runInWorker(
      scratch,
      inWorker.map((c) => (c.kind === "api" ? { kind: "api" as const, id: c.id } : (c as CliCase))),
      log,
    );
    const results: CaseResult[] = [];
    inWorker.forEach((c, i) => {
      const r = recs[i];
      if (r === null) return;
      if (c.kind === "api" && r.api !== undefined) {
        results.push(
          toResult(
            c,
            judgeThrow(r.api as Parameters<typeof judgeThrow>[0], c.names),
            null,
            Number(r.seconds ?? 0),
          ),
        );
        return;
      }
      const observed = {
        code: r.code as number | null,
        signal: (r.signal as string | null | undefined) ?? null,
        timedOut: Boolean(r.timedOut),
        stdout: String(r.stdout ?? ""),
        stderr: String(r.stderr ?? ""),
        lostFiles: (r.lostFiles as string[] | undefined) ?? [],
        resultMatches: (r.resultMatches as boolean | null | undefined) ?? null,
      };
      const j = judge(observed, c.names, c.kind === "cli" && c.mayRecover === true);
      results.push(toResult(c, j, observed.code, Number(r.seconds ?? 0)));
    });

    const scripts = scriptCases(SCRIPTS).filter((c) => want(c.id));
    log(`${scripts.length} script cases`);
    for (let i = 0; i < scripts.length; i += 2) {
      const batch = scripts.slice(i, i + 2);
      const procs = await Promise.all(
        batch.map(async (c) => {
          const before = hashTree(join(scratch, "guarded"));
          const p = await runNode([join(REPO, "experiments", `${c.script}.ts`), ...c.argv], {
            cwd: scratch,
            seconds: SCRIPT_SECONDS,
          });
          return { p, lost: lostFiles(before, hashTree(join(scratch, "guarded"))) };
        }),
      );
      batch.forEach((c, k) => {
        const { p, lost } = procs[k];
        const j = p.timedOut
          ? bad("silent", `accepted: still running after ${SCRIPT_SECONDS} s`, lost.length > 0)
          : judge({ ...p, lostFiles: lost }, c.names);
        results.push(toResult(c, j, p.code, p.seconds));
      });
    }

    if (want("fault:")) {
      log("faults");
      for (const fr of await faults(scratch, log))
        results.push({
          id: fr.id,
          category: "faults: kill, disk full, concurrent runs, reused folders",
          what: fr.what,
          command: fr.command,
          outcome: fr.judgement.outcome,
          dataLost: fr.judgement.dataLost,
          exitCode: fr.code,
          message: fr.judgement.message,
          why: fr.judgement.why,
          seconds: Number(fr.seconds.toFixed(2)),
        });
    }

    const rows = tally(results);
    const seconds = (performance.now() - t0) / 1000;
    const commit = opts.commit ?? gitCommit();
    const command = `npx tsx experiments/reliability.ts ${process.argv.slice(2).join(" ")}`;
    mkdirSync(opts.out, { recursive: true });
    writeJsonAtomic(join(opts.out, "reliability.json"), {
      commit,
      node: process.version,
      seconds: Number(seconds.toFixed(1)),
      command,
      table: rows,
      cases: results,
    });
    const page = renderPage(rows, results, { commit, seconds, command });
    writeFileAtomic(join(opts.out, "reliability.md"), page);
    if (opts.doc) writeFileAtomic(opts.doc, page);
    process.stdout.write(tallyMarkdown(rows));
    log(
      `${results.length} cases in ${seconds.toFixed(0)} s; wrote ${join(opts.out, "reliability.json")}, reliability.md${opts.doc ? ` and ${opts.doc}` : ""}`,
    );
  } finally {
    for (const d of READONLY_DIRS.slice().reverse())
      if (existsSync(join(scratch, d))) chmodSync(join(scratch, d), 0o755);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** How the refusals exited: the CLI's convention is 2 for bad input (usage, config, files), 1 for runtime failures. */
function exitCodeLine(results: readonly CaseResult[]): string {
  const counts = new Map<number, number>();
  for (const r of results)
    if (r.exitCode !== null && r.exitCode !== 0 && !r.id.startsWith("fault:"))
      counts.set(r.exitCode, (counts.get(r.exitCode) ?? 0) + 1);
  const parts = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${n} with exit ${code}`);
  return `Exit codes of the refused CLI and script cases (2 = bad input, 1 = runtime failure): ${parts.join(", ") || "none"}.\n`;
}

function renderPage(
  rows: ReturnType<typeof tally>,
  results: readonly CaseResult[],
  info: { commit: string | null; seconds: number; command: string },
): string {
  return [
    "# Reliability: bad input and faults, measured",
    "",
    "<!-- Generated by experiments/reliability.ts; do not edit by hand: rerun it. -->",
    "",
    `Generated by \`experiments/reliability.ts\` at commit ${info.commit?.slice(0, 7) ?? "unknown"} (Node ${process.version}, ${info.seconds.toFixed(0)} s).`,
    "Every case is a bad input or a fault; the harness judges each one automatically:",
    "",
    "- **clear**: refused with one `error: …` line naming the flag, field or file (or, for a corrupt newest checkpoint, a warning naming it and a result identical to an uninterrupted run), no stack trace;",
    "- **unclear**: refused, but the message takes several lines or names none of them;",
    "- **stack/crash/hang**: a stack trace, a crash, out of memory, or still running at the time limit;",
    "- **silent accept**: exit 0 for a bad input, or a result that differs from the uninterrupted run's;",
    "- **data lost**: a file that existed before under a guarded folder (a finished run, a report page, a run's checkpoints) changed or vanished (SHA-256 before and after).",
    "",
    "CLI value flags are read from each command's `--help` and each given `abc`, `1e400` and an empty value.",
    "Read-only folders are not tried when the harness runs as root (root writes anyway).",
    "",
    "## Rerun",
    "",
    "```bash",
    "npx tsx experiments/reliability.ts --out results/reliability --doc docs/reliability.md",
    "```",
    "",
    `This page came from \`${info.command}\`.`,
    "",
    "## Figures",
    "",
    tallyMarkdown(rows),
    exitCodeLine(results),
    "",
    "## Cases that were not clear",
    "",
    findingsMarkdown(results),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------

if (process.argv[2] === "--worker") {
  await worker(process.argv[3], process.argv[4], Number(process.argv[5]));
  process.exit(0);
} else {
  const program = new Command()
    .name("reliability")
    .exitOverride(usageExit)
    .requiredOption("--out <dir>", "folder for reliability.json and reliability.md")
    .option("--doc <file.md>", "also write the page to this file (docs/reliability.md)")
    .option(
      "--only <prefixes>",
      "only cases whose id starts with one of these (flag, path, config, spec, schedule, file, api, script, fault)",
    )
    .option("--commit <sha>", "the commit the tried tree is, when it runs from an export without .git")
    .parse();
  const o = program.opts<{ out: string; doc?: string; only?: string; commit?: string }>();
  if (o.out.trim() === "") throw new Error("--out: must name a folder");
  if (o.commit !== undefined && !/^[0-9a-f]{7,40}$/.test(o.commit))
    throw new Error(`--commit "${o.commit}": must be a git commit id (7–40 hex digits)`);
  await parent({
    out: resolve(o.out),
    doc: o.doc ? resolve(o.doc) : undefined,
    only: o.only?.split(","),
    commit: o.commit,
  });
}
