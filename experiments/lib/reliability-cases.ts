/**
 * The cases the reliability harness (experiments/reliability.ts) tries: every CLI command's
 * value flags with malformed values, output paths, config files and sweep specs, learning-rate
 * schedules, library calls, untrusted files (checkpoints, saved policies, metric files), the
 * `exp:*` scripts' flags, and faults (kill, disk full, concurrent runs). Every case is a bad input
 * or a fault: the right answer is a one-line refusal (or, for a corrupt newest checkpoint, a
 * warning and an unchanged result), never a stack trace, a silent acceptance or a changed file.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Adam } from "../../src/optim/adam.js";
import { Discretizer } from "../../src/parametrizations/discretizer.js";
import { LowRankMatrix } from "../../src/factor/low-rank-matrix.js";
import { makeEnv } from "../../src/envs/registry.js";
import { makePaperAgent } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";
import { compileSchedule } from "../../src/runner/schedule.js";
import { parseRunConfig } from "../../src/runner/config.js";
import { readCheckpointFile, saveCheckpoint, listCheckpoints } from "../../src/runner/checkpoint.js";
import { parseSavedPolicy } from "../../src/laser/saved-policy.js";

/** A step that prepares a case's files in the scratch folder (paths relative to it). */
export type SetupStep =
  | { copy: [from: string, to: string] }
  | { write: [path: string, content: string] }
  | { mutateCheckpoint: { run: string; how: string } }
  | { editFile: { path: string; how: "crlf" | "flip-byte" | "truncate-line" | "null-line" } };

interface CaseBase {
  id: string;
  category: string;
  /** What is wrong, in a few words. */
  what: string;
  /** Flags, fields or files one of which the error must name. */
  names: string[];
}

/** `lowrank-rl <argv>` run in-process by the harness's worker, in `cwd` (relative to scratch). */
export interface CliCase extends CaseBase {
  kind: "cli";
  argv: string[];
  cwd?: string;
  setup?: SetupStep[];
  /** A warning plus a result equal to `compare.ref`'s metrics is right too. */
  mayRecover?: boolean;
  compare?: { dir: string; ref: string };
}

/** `npx tsx experiments/<script>.ts <argv>` in a child process. */
export interface ScriptCase extends CaseBase {
  kind: "script";
  script: string;
  argv: string[];
}

/** A library call that must throw (run in the worker). */
export interface ApiCase extends CaseBase {
  kind: "api";
  call: () => unknown;
}

export type Case = CliCase | ScriptCase | ApiCase;

/** Values no value flag accepts: a word, an overflowing number, nothing. */
export const BAD_FLAG_VALUES = ["abc", "1e400", ""];

/** Flags that take a path or free text, tried with the path cases instead. */
const FREE_TEXT = new Set([
  "--out",
  "--root",
  "--config",
  "--chromium",
  "--png",
  "--svg",
  "--command",
  "--image",
  "--pvc",
  "--queue",
  "--name",
  "--partition",
  "--account",
  "--job-name",
  "--time",
  "--mem",
  "--gpu-mode",
]);

/** Value flags (`--name <arg>`) of a command's help text. */
export function valueFlags(help: string): string[] {
  const flags: string[] = [];
  for (const m of help.matchAll(/^\s{2}(?:-\w, )?(--[a-z][a-z0-9-]*) <[^>]+>/gm))
    if (!FREE_TEXT.has(m[1]) && !flags.includes(m[1])) flags.push(m[1]);
  return flags;
}

/**
 * Base command lines per command: what a flag's bad value is added to. Quick to run when the bad
 * value were accepted (2 episodes, scratch outputs), so a silent acceptance costs little.
 */
export function flagBases(n: () => number): Record<string, () => string[]> {
  return {
    run: () => ["run", "--episodes", "2", "--quiet", "--out", `out/run-${n()}`],
    sweep: () => ["sweep", "--grid", "rank=1", "--seeds", "0", "--episodes", "2", "--dry-run"],
    eval: () => ["eval", "guarded/run", "--episodes", "1"],
    resume: () => ["resume", "guarded/run", "--quiet"],
    report: () => ["report", "guarded/run", "--out", `out/report-${n()}.html`],
    laser: () => ["laser", "files/policy.json", "--episodes", "2", "--quiet", "--out", `out/laser-${n()}`],
    demo: () => ["demo", "--out", `out/demo-${n()}.html`],
  };
}

/** CLI × value flags × bad values, from each command's help text. */
export function flagCases(helps: Record<string, string>): CliCase[] {
  let k = 0;
  const bases = flagBases(() => k++);
  const runFlags = new Set(valueFlags(helps.run ?? ""));
  const cases: CliCase[] = [];
  for (const [command, help] of Object.entries(helps)) {
    const base = bases[command];
    if (base === undefined) continue;
    // sweep repeats run's config flags: try only its own.
    const flags = valueFlags(help).filter((f) => command !== "sweep" || !runFlags.has(f));
    for (const flag of flags)
      for (const value of BAD_FLAG_VALUES)
        cases.push({
          kind: "cli",
          id: `flag:${command}${flag}=${value}`,
          category: "CLI commands: value flags",
          what: `${command} ${flag} ${JSON.stringify(value)}`,
          // "unknown layer …" names a --layers value well enough.
          names: flag === "--layers" ? [flag, "layer"] : [flag],
          argv: [...base(), flag, value],
        });
  }
  return cases;
}

/** Output paths, read-only folders, missing inputs, unknown commands. */
export function pathCases(): CliCase[] {
  const c = (id: string, what: string, argv: string[], names: string[], cwd?: string): CliCase => ({
    kind: "cli",
    id: `path:${id}`,
    category: "CLI commands: paths and folders",
    what,
    argv,
    names,
    cwd,
  });
  const RUN = ["run", "--episodes", "2", "--quiet"];
  return [
    c("run-out-empty", 'run --out "" inside a finished run', [...RUN, "--out", ""], ["--out"], "guarded/run"),
    c("run-out-file", "run --out <a file>", [...RUN, "--out", "guarded/results.txt"], ["--out"]),
    c("run-out-finished", "run --out <a finished run>", [...RUN, "--out", "guarded/run"], ["--out"]),
    c("run-out-devnull", "run --out /dev/null/x", [...RUN, "--out", "/dev/null/x"], ["--out"]),
    c(
      "run-out-readonly",
      "run --out <read-only folder>/x",
      [...RUN, "--out", "readonly/x"],
      ["--out", "readonly"],
    ),
    c("run-root-file", "run --root <a file>", [...RUN, "--root", "guarded/results.txt"], ["--root"]),
    c("run-root-empty", 'run --root ""', [...RUN, "--root", ""], ["--root"], "guarded/run"),
    c(
      "run-config-missing",
      "run --config missing.json",
      [...RUN, "--config", "missing.json"],
      ["missing.json"],
    ),
    c("run-config-dir", "run --config <a folder>", [...RUN, "--config", "guarded"], ["guarded", "--config"]),
    c("resume-missing", "resume <missing folder>", ["resume", "missing-run"], ["missing-run"]),
    c("resume-file", "resume <a file>", ["resume", "guarded/results.txt"], ["results.txt"]),
    c("resume-empty", 'resume ""', ["resume", ""], ["dir", "resume", "manifest"]),
    c("resume-not-run", "resume <a folder without a run>", ["resume", "files"], ["files", "manifest"]),
    c("eval-missing", "eval <missing folder>", ["eval", "missing-run"], ["missing-run"]),
    c("eval-not-run", "eval <a folder without a run>", ["eval", "files"], ["files", "manifest"]),
    c(
      "eval-readonly",
      "eval on a read-only run",
      ["eval", "readonly/run", "--episodes", "1"],
      ["readonly", "eval.json"],
    ),
    c("report-missing", "report <missing folder>", ["report", "missing-run"], ["missing-run"]),
    c(
      "report-out-devnull",
      "report --out /dev/null/x.html",
      ["report", "guarded/run", "--out", "/dev/null/x.html"],
      ["/dev/null"],
    ),
    c("report-out-empty", 'report --out ""', ["report", "guarded/run", "--out", ""], ["--out"], "guarded"),
    c(
      "report-out-dir",
      "report --out <a folder>",
      ["report", "guarded/run", "--out", "guarded"],
      ["--out", "guarded"],
    ),
    c(
      "report-out-readonly",
      "report --out <read-only folder>/r.html",
      ["report", "guarded/run", "--out", "readonly/r.html"],
      ["readonly", "--out"],
    ),
    c(
      "report-png-nobrowser",
      "report --png with a missing browser",
      [
        "report",
        "guarded/run",
        "--out",
        "out/png.html",
        "--png",
        "out/png",
        "--chromium",
        "/nonexistent/chromium",
      ],
      ["chromium", "--png"],
    ),
    c("sweep-spec-missing", "sweep missing.json", ["sweep", "missing.json"], ["missing.json"]),
    c(
      "sweep-out-file",
      "sweep --out <a file>",
      ["sweep", "--grid", "rank=1", "--episodes", "2", "--quiet", "--out", "guarded/results.txt"],
      ["--out"],
    ),
    c(
      "sweep-out-empty",
      'sweep --out ""',
      ["sweep", "--grid", "rank=1", "--episodes", "2", "--quiet", "--out", ""],
      ["--out"],
      "guarded",
    ),
    c(
      "sweep-task-missing",
      "sweep-task missing.json 0",
      ["sweep-task", "missing.json", "0"],
      ["missing.json"],
    ),
    c("laser-missing", "laser missing.json", ["laser", "missing.json"], ["missing.json"]),
    c(
      "laser-out-file",
      "laser --out <a file>",
      ["laser", "files/policy.json", "--episodes", "2", "--quiet", "--out", "guarded/results.txt"],
      ["--out", "results.txt"],
    ),
    c(
      "demo-out-devnull",
      "demo --out /dev/null/x.html",
      ["demo", "--out", "/dev/null/x.html"],
      ["/dev/null"],
    ),
    c("demo-out-dir", "demo --out <a folder>", ["demo", "--out", "guarded"], ["--out", "guarded"]),
    c("unknown-command", "an unknown command", ["no-such-command"], ["no-such-command"]),
    c("unknown-flag", "run --no-such-flag", [...RUN, "--no-such-flag"], ["--no-such-flag"]),
    c("missing-value", "run --seed (no value)", ["run", "--seed"], ["--seed"]),
  ];
}

/** `run --config file.json` with malformed or out-of-range fields (each file written in setup). */
export function configCases(): CliCase[] {
  const files: [string, string, string[]][] = [
    ["not JSON", "{ not json", []],
    ["null", "null", []],
    ["an array", "[1, 2]", []],
    ["a string", '"LRPG/Pendulum"', []],
    ["episodes -1", JSON.stringify({ episodes: -1 }), ["episodes"]],
    ["episodes as text", JSON.stringify({ episodes: "10" }), ["episodes"]],
    ["episodes 2.5", JSON.stringify({ episodes: 2.5 }), ["episodes"]],
    ["seed 2^31", JSON.stringify({ episodes: 2, seed: 2 ** 31 }), ["seed"]],
    ["seed -1", JSON.stringify({ episodes: 2, seed: -1 }), ["seed"]],
    ["unknown env", JSON.stringify({ episodes: 2, env: "Pendulum-v0" }), ["env"]],
    ["rank 0", JSON.stringify({ episodes: 2, rank: 0 }), ["rank"]],
    ["gamma 2", JSON.stringify({ episodes: 2, gamma: 2 }), ["gamma"]],
    ["lrActor -1", JSON.stringify({ episodes: 2, lrActor: -1 }), ["lrActor"]],
    ["lrActor as text", JSON.stringify({ episodes: 2, lrActor: "abc" }), ["lrActor"]],
    ["a typo'd field", JSON.stringify({ episodes: 2, rnak: 4 }), ["rnak"]],
    ["__proto__ key", '{"episodes": 2, "__proto__": {"rank": 1}}', ["__proto__"]],
    ["constructor key", JSON.stringify({ episodes: 2, constructor: { rank: 1 } }), ["constructor"]],
    ["algo unknown", JSON.stringify({ episodes: 2, algo: "ppo" }), ["algo"]],
    ["dqn field on lrpg", JSON.stringify({ episodes: 2, batchSize: 32 }), ["batchSize"]],
    [
      "dqn network bad",
      JSON.stringify({ algo: "dqn", env: "CartPole-v1", totalSteps: 100, network: "trl-9" }),
      ["network"],
    ],
    ["hidden 1e9 (nn)", JSON.stringify({ episodes: 2, algo: "nn", hidden: 1e9 }), ["hidden"]],
    ["buckets 1e6", JSON.stringify({ episodes: 2, actorBuckets: 1e6 }), ["actorBuckets"]],
    ["maxSteps 0", JSON.stringify({ episodes: 2, maxSteps: 0 }), ["maxSteps"]],
    ["checkpointEvery -5", JSON.stringify({ episodes: 2, checkpointEvery: -5 }), ["checkpointEvery"]],
    ["population 0", JSON.stringify({ episodes: 2, population: 0 }), ["population"]],
    ["backend unknown", JSON.stringify({ episodes: 2, backend: "tpu" }), ["backend"]],
    ["lrq buckets bad", JSON.stringify({ algo: "lrq", env: "CartPole-v1", buckets: "a,b" }), ["buckets"]],
    ["a2c numEnvs 0", JSON.stringify({ algo: "a2c", env: "CartPole-v1", numEnvs: 0 }), ["numEnvs"]],
  ];
  return files.map(([what, content, fields], i) => ({
    kind: "cli",
    id: `config:${i}`,
    category: "--config files and sweep specs",
    what: `--config: ${what}`,
    names: [...fields, `config-${i}.json`],
    setup: [{ write: [`files/config-${i}.json`, content] }],
    argv: ["run", "--config", `files/config-${i}.json`, "--quiet", "--out", `out/config-${i}`],
  }));
}

/** `sweep spec.json --dry-run` with malformed specs. */
export function sweepSpecCases(): CliCase[] {
  const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => i + from);
  const specs: [string, unknown, string[]][] = [
    ["not JSON", "{ nope", []],
    ["null", null, []],
    ["no base", { grid: { rank: [1] }, seeds: [0] }, ["base"]],
    [
      "grid value not a list",
      { base: { env: "LRPG/Pendulum" }, grid: { rank: 3 }, seeds: [0] },
      ["grid", "rank"],
    ],
    [
      "grid of an unknown field",
      { base: { env: "LRPG/Pendulum" }, grid: { rnak: [1, 2] }, seeds: [0] },
      ["rnak"],
    ],
    [
      "grid value out of range",
      { base: { env: "LRPG/Pendulum" }, grid: { rank: [0, 1] }, seeds: [0] },
      ["rank"],
    ],
    ["seed 1e300", { base: { env: "LRPG/Pendulum" }, seeds: [1e300] }, ["seeds", "seed"]],
    ["seeds not a list", { base: { env: "LRPG/Pendulum" }, seeds: 3 }, ["seeds"]],
    [
      "10⁹-job grid",
      {
        base: { env: "LRPG/Pendulum" },
        grid: { rank: range(1000), actorBuckets: range(999, 2), criticBuckets: range(999, 2) },
        seeds: [0],
      },
      ["--max-jobs", "jobs"],
    ],
    ["base.seed (ignored by seeds)", { base: { env: "LRPG/Pendulum", seed: 5 }, seeds: [1] }, ["seed"]],
    [
      "__proto__ in base",
      JSON.parse('{"base": {"env": "LRPG/Pendulum", "__proto__": {"rank": 2}}, "seeds": [0]}') as unknown,
      ["__proto__"],
    ],
    ["unknown top-level key", { base: { env: "LRPG/Pendulum" }, grdi: { rank: [1] }, seeds: [0] }, ["grdi"]],
    [
      "random search 1e9 samples",
      { base: { env: "LRPG/Pendulum" }, random: { samples: 1e9, space: { rank: [1, 2] } }, seeds: [0] },
      ["samples", "random"],
    ],
  ];
  return specs.map(([what, spec, fields], i) => ({
    kind: "cli",
    id: `spec:${i}`,
    category: "--config files and sweep specs",
    what: `sweep spec: ${what}`,
    names: [...fields, `spec-${i}.json`],
    setup: [{ write: [`files/spec-${i}.json`, typeof spec === "string" ? spec : JSON.stringify(spec)] }],
    argv: ["sweep", `files/spec-${i}.json`, "--dry-run"],
  }));
}

/** Harmful or invalid learning-rate schedules given to `run --lr-actor`. */
export const SCHEDULES: [string, string][] = [
  ["mathjs config()", "[config({relTol: 1e10, absTol: 1e10}), 0.01][2]"],
  ["config BigNumber", "[config({number: 'BigNumber'}), 0.01][2]"],
  ["createUnit", "[createUnit('foo'), 0.01][2]"],
  ["import", "[import({x: 1}), 0.01][2]"],
  ["evaluate", "evaluate('0.01')"],
  ["parse", "parse('0.01').evaluate()"],
  ["simplify", "simplify('0.01')"],
  ["compile", "compile('0.01').evaluate()"],
  ["function definition", "f(x) = 0.01"],
  ["assignment", "a = 0.01"],
  ["constructor escape", "cos.constructor('return process')()"],
  ["__proto__", "{}.__proto__"],
  ["huge range sum", "sum(1:1e8) * 0 + 0.01"],
  ["mid-size range sum", "sum(1:1e7) * 0 + 0.01"],
  ["big matrix", "zeros(1e5, 1e5)"],
  ["negative mid-run", "episode > 5 and episode < 15 ? -0.05 : 0.01"],
  ["NaN mid-run", "episode == 2 ? 0/0 : 0.01"],
  ["Infinity mid-run", "episode == 3 ? 1/0 : 0.01"],
  ["zero", "0"],
  ["negative", "-0.01"],
  ["NaN", "NaN"],
  ["unknown symbol", "x + 0.01"],
  ["a string", "'0.01'"],
  ["a matrix", "[0.01, 0.02]"],
  ["a unit", "5 cm"],
  ["a complex number", "sqrt(-1)"],
  ["random()", "random() * 0.01"],
  ["boolean", "true"],
  ["huge exponent", "10^400"],
  ["empty", " "],
  ["400 KB expression", `0.01${" + 0".repeat(100_000)}`],
];

export function scheduleCases(): CliCase[] {
  return SCHEDULES.map(([what, expr], i) => ({
    kind: "cli",
    id: `schedule:${i}`,
    category: "mathjs learning-rate schedules",
    what: `--lr-actor: ${what}`,
    names: ["--lr-actor"],
    argv: ["run", "--episodes", "20", "--quiet", "--out", `out/schedule-${i}`, "--lr-actor", expr],
  }));
}

/** Corrupt run files: checkpoints with a valid checksum and bad content, edited metrics, bad policies. */
export function untrustedFileCases(): CliCase[] {
  const cases: CliCase[] = [];
  const checkpointHows = [
    "rng-zero",
    "env-rng-zero",
    "adam-step-huge",
    "adam-step-negative",
    "param-shape",
    "param-nan",
    "param-string",
    "episode-huge",
    "episode-negative",
    "metrics-rows",
    "snapshots-bytes",
    "missing-training",
    "payload-null",
    "payload-array",
  ];
  checkpointHows.forEach((how, i) =>
    cases.push({
      kind: "cli",
      id: `file:checkpoint-${how}`,
      category: "untrusted files: checkpoints, metrics, policies",
      what: `newest checkpoint (valid checksum): ${how}`,
      names: ["ckpt-", "checkpoint"],
      setup: [
        { copy: ["templates/interrupted", `work/ckpt-${i}`] },
        { mutateCheckpoint: { run: `work/ckpt-${i}`, how } },
      ],
      argv: ["resume", `work/ckpt-${i}`, "--quiet"],
      mayRecover: true,
      compare: { dir: `work/ckpt-${i}`, ref: "guarded/run" },
    }),
  );
  const edits: ["crlf" | "flip-byte" | "truncate-line" | "null-line", string, string][] = [
    ["crlf", "metrics.csv", "CRLF line endings in metrics.csv"],
    ["flip-byte", "metrics.jsonl", "one byte edited in metrics.jsonl"],
    ["truncate-line", "metrics.jsonl", "metrics.jsonl cut mid-line"],
    ["null-line", "snapshots.jsonl", "snapshots.jsonl cut before the checkpoint's length"],
  ];
  edits.forEach(([how, file, what], i) =>
    cases.push({
      kind: "cli",
      id: `file:metrics-${how}`,
      category: "untrusted files: checkpoints, metrics, policies",
      what: `resume after ${what}`,
      names: [file],
      setup: [
        { copy: ["templates/interrupted", `work/edit-${i}`] },
        { editFile: { path: `work/edit-${i}/${file}`, how } },
      ],
      argv: ["resume", `work/edit-${i}`, "--quiet"],
    }),
  );
  const reportBad: [string, string, string][] = [
    [
      "metrics.jsonl",
      '{"episode": 1, "charts/episodic_return": 3}\n{"episode": 2, "charts/epis',
      "a torn metrics.jsonl",
    ],
    ["manifest.json", "null", "a manifest holding null"],
    ["manifest.json", '{"format": "lowrank-rl/run"}', "a manifest without config"],
    ["final_params.json", "{ nope", "final_params.json not JSON"],
  ];
  reportBad.forEach(([file, content, what], i) => {
    // eval reads the manifest and the parameters, not the metric files.
    for (const command of file === "metrics.jsonl" ? (["report"] as const) : (["report", "eval"] as const))
      cases.push({
        kind: "cli",
        id: `file:${command}-${i}`,
        category: "untrusted files: checkpoints, metrics, policies",
        what: `${command} of a run with ${what}`,
        names: [file],
        setup: [
          { copy: ["guarded/run", `work/${command}-${i}`] },
          { write: [`work/${command}-${i}/${file}`, content] },
        ],
        argv:
          command === "report"
            ? ["report", `work/${command}-${i}`, "--out", `out/file-report-${i}.html`]
            : ["eval", `work/${command}-${i}`, "--episodes", "1"],
      });
  });
  const policies = [
    "not a policy",
    "bad checksum",
    "huge declared hidden size",
    "hidden as text",
    "env relabelled to Breakout",
    "unknown kind",
  ];
  policies.forEach((what, i) =>
    cases.push({
      kind: "cli",
      id: `file:policy-${i}`,
      category: "untrusted files: checkpoints, metrics, policies",
      what: `laser on a policy: ${what}`,
      names: [`policy-${i}.json`, ...POLICY_FIELDS[i]],
      setup: [{ write: [`files/policy-${i}.json`, `policy-edit:${i}`] }],
      argv: [
        "laser",
        `files/policy-${i}.json`,
        "--episodes",
        "2",
        "--quiet",
        "--out",
        `out/laser-policy-${i}`,
      ],
    }),
  );
  return cases;
}

/** The field each saved-policy edit breaks (a message may name it instead of the file). */
const POLICY_FIELDS: string[][] = [[], ["checksum"], ["hidden"], ["hidden"], ["env"], ["kind"]];

/** Applies saved-policy edit `i` of {@link untrustedFileCases} to the fixture policy. */
export function editPolicy(policy: Record<string, unknown>, i: number): unknown {
  const edits: ((p: Record<string, unknown>) => unknown)[] = [
    () => ({ hello: 1 }),
    (p) => ({ ...p, checksum: "0".repeat(64) }),
    (p) => ({ ...p, options: { ...(p.options as object), hidden: 100_000_000 } }),
    (p) => ({ ...p, options: { ...(p.options as object), hidden: "64" } }),
    (p) => ({
      ...p,
      env: "MinAtar/Breakout",
      options: { ...(p.options as object), env: "MinAtar/Breakout" },
    }),
    (p) => ({ ...p, kind: "no-such-kind" }),
  ];
  return edits[i](policy);
}

/** Changes the newest checkpoint of `runDir` and saves it again with a valid checksum. */
export function mutateCheckpoint(runDir: string, how: string): void {
  const dir = join(runDir, "checkpoints");
  const newest = listCheckpoints(dir).at(-1);
  if (newest === undefined) throw new Error(`${dir}: no checkpoint to mutate`);
  const { episode, payload } = readCheckpointFile<Record<string, unknown>>(join(dir, newest.name));
  const p = payload as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  let result: unknown = p;
  switch (how) {
    case "rng-zero":
      p.rng.words = [0, 0, 0, 0];
      break;
    case "env-rng-zero":
      p.envRng.words = [0, 0, 0, 0];
      break;
    case "adam-step-huge":
      p.training.actor.step = 1e9;
      break;
    case "adam-step-negative":
      p.training.critic.step = -3;
      break;
    case "param-shape":
      p.params["mu.L"].pop();
      break;
    case "param-nan":
      p.params["mu.L"][0][0] = null;
      break;
    case "param-string":
      p.params["value.R"][0][0] = "1";
      break;
    case "episode-huge":
      p.episode = 1e15;
      break;
    case "episode-negative":
      p.episode = -4;
      break;
    case "metrics-rows":
      p.metrics.rows += 1;
      delete p.metrics.jsonlSha256;
      delete p.metrics.csvSha256;
      break;
    case "snapshots-bytes":
      p.snapshotsBytes = 1e12;
      break;
    case "missing-training":
      delete p.training;
      break;
    case "payload-null":
      result = null;
      break;
    case "payload-array":
      result = [1, 2, 3];
      break;
    default:
      throw new Error(`unknown checkpoint mutation ${how}`);
  }
  saveCheckpoint(dir, episode, result, 100);
}

/** Edits a run file in place. */
export function editFile(path: string, how: "crlf" | "flip-byte" | "truncate-line" | "null-line"): void {
  const bytes = readFileSync(path);
  if (how === "crlf") writeFileSync(path, bytes.toString("utf8").replace(/\n/g, "\r\n"));
  else if (how === "flip-byte") {
    const i = bytes.indexOf(0x3a); // the first ':'
    bytes[i + 2] = bytes[i + 2] === 0x31 ? 0x32 : 0x31;
    writeFileSync(path, bytes);
  } else if (how === "truncate-line") writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 3)));
  else writeFileSync(path, bytes.subarray(0, 10));
}

/** Library calls with bad arguments: each must throw one line naming what is wrong. */
export function apiCases(): ApiCase[] {
  const bad = <T>(v: unknown): T => v as T;
  const env = () => makeEnv("LRPG/Pendulum", { rng: new Rng(0) });
  const cart = () => makeEnv("CartPole-v1", { rng: new Rng(0) });
  const grid = (o: Record<string, unknown>) =>
    new Discretizer(bad({ low: [0, 0], high: [1, 1], buckets: [3, 3], rowDims: [0], colDims: [1], ...o }));
  const lrpg = () => makePaperAgent("lrpg", "pendulum", { rng: new Rng(0) });
  const nn = () => makePaperAgent("nn", "pendulum", { rng: new Rng(0) });
  const list: [string, string[], () => unknown][] = [
    ["makeEnv: unknown id", ["Nope-v0"], () => makeEnv("Nope-v0")],
    [
      "makeEnv: a typo'd option key",
      ["maxEpisodeStep"],
      () => makeEnv("Pendulum-v1", bad({ maxEpisodeStep: 5 })),
    ],
    [
      "makeEnv: maxEpisodeSteps -1",
      ["maxEpisodeSteps"],
      () => makeEnv("Pendulum-v1", { maxEpisodeSteps: -1 }),
    ],
    ["reset: seed 2^32 + 5", ["seed"], () => env().reset({ seed: 2 ** 32 + 5 })],
    ["reset: seed -2^31 - 1", ["seed"], () => env().reset({ seed: -(2 ** 31) - 1 })],
    ["reset: seed 1.5", ["seed"], () => env().reset({ seed: 1.5 })],
    ["reset: seed NaN", ["seed"], () => env().reset({ seed: NaN })],
    ["step before reset", ["reset"], () => makeEnv("Pendulum-v1").step([0])],
    [
      "Pendulum step NaN",
      ["action"],
      () => {
        const e = makeEnv("Pendulum-v1");
        e.reset({ seed: 0 });
        return e.step([NaN]);
      },
    ],
    [
      "Pendulum step Infinity",
      ["action"],
      () => {
        const e = makeEnv("Pendulum-v1");
        e.reset({ seed: 0 });
        return e.step([Infinity]);
      },
    ],
    [
      "Pendulum step wrong length",
      ["action"],
      () => {
        const e = makeEnv("Pendulum-v1");
        e.reset({ seed: 0 });
        return e.step([0, 0]);
      },
    ],
    [
      "CartPole step 5",
      ["action"],
      () => {
        const e = cart();
        e.reset({ seed: 0 });
        return e.step(5);
      },
    ],
    [
      "CartPole step -1",
      ["action"],
      () => {
        const e = cart();
        e.reset({ seed: 0 });
        return e.step(-1);
      },
    ],
    [
      "CartPole step 0.5",
      ["action"],
      () => {
        const e = cart();
        e.reset({ seed: 0 });
        return e.step(0.5);
      },
    ],
    [
      "Breakout step 9",
      ["action"],
      () => {
        const e = makeEnv("MinAtar/Breakout");
        e.reset({ seed: 0 });
        return e.step(9);
      },
    ],
    ["Rng seed -2^31 - 1", ["seed"], () => new Rng(-(2 ** 31) - 1)],
    ["Rng seed 2^31", ["seed"], () => new Rng(2 ** 31)],
    ["Rng seed NaN", ["seed"], () => new Rng(NaN)],
    ["Rng seed 1.5", ["seed"], () => new Rng(1.5)],
    [
      "Rng.fromState all-zero words",
      ["state", "zero"],
      () => Rng.fromState(bad({ algorithm: "xoroshiro128plus", words: [0, 0, 0, 0], spareNormal: null })),
    ],
    ["Rng.fromState garbage", ["state"], () => Rng.fromState(bad({ words: "x" }))],
    ["Discretizer low ≥ high", ["high", "low"], () => grid({ high: [0, 1] })],
    ["Discretizer buckets 0", ["buckets"], () => grid({ buckets: [0, 3] })],
    ["Discretizer buckets 2.5", ["buckets"], () => grid({ buckets: [2.5, 3] })],
    ["Discretizer dims overlap", ["dims", "rowDims", "colDims"], () => grid({ colDims: [0] })],
    ["Discretizer low NaN", ["low"], () => grid({ low: [NaN, 0] })],
    ["Discretizer.index NaN", ["NaN", "state", "x"], () => grid({}).index(NaN, 0)],
    ["Discretizer.cell wrong length", ["state", "length"], () => grid({}).cell([0.5])],
    ["LowRankMatrix rows 0", ["rows"], () => new LowRankMatrix(0, 3, 1)],
    ["LowRankMatrix rank 0", ["rank"], () => new LowRankMatrix(3, 3, 0)],
    ["LowRankMatrix rows 2.5", ["rows"], () => new LowRankMatrix(2.5, 3, 1)],
    ["makePaperAgent unknown kind", ["kind", "ppo"], () => makePaperAgent(bad("ppo"), "pendulum")],
    ["makePaperAgent unknown task", ["task", "mars"], () => makePaperAgent("lrpg", bad("mars"))],
    ["LRPG act NaN state", ["state", "NaN"], () => lrpg().act([NaN, 0], new Rng(0))],
    ["LRPG act wrong length", ["state", "length"], () => lrpg().act([0], new Rng(0))],
    ["NN act Infinity state", ["state", "Infinity", "finite"], () => nn().act([Infinity, 0], new Rng(0))],
    ["importStateDict {}", ["mu", "state dict", "missing"], () => lrpg().importStateDict(bad({}))],
    [
      "importStateDict wrong shape",
      ["mu", "shape"],
      () => {
        const a = lrpg();
        const d = a.exportStateDict() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        d["mu.L"] = d["mu.L"].slice(1);
        a.importStateDict(d);
      },
    ],
    ["Adam lr -1", ["lr"], () => new Adam([], { lr: -1 })],
    ["Adam beta1 2", ["beta1"], () => new Adam([], { lr: 1e-3, beta1: 2 })],
    ["Adam eps -1", ["eps"], () => new Adam([], { lr: 1e-3, eps: -1 })],
    [
      "schedule config()",
      ["lrActor"],
      () => compileSchedule("[config({number: 'BigNumber'}), 0.01][2]", "lrActor", 10),
    ],
    [
      "schedule negative mid-run",
      ["lrActor"],
      () => {
        const s = compileSchedule("episode == 4 ? -1 : 0.01", "lrActor", 10);
        for (let e = 0; e < 10; e++) s(e);
      },
    ],
    ["parseRunConfig seed 2^53", ["seed"], () => parseRunConfig({ seed: 2 ** 53 })],
    [
      "parseRunConfig __proto__",
      ["__proto__"],
      () => parseRunConfig(JSON.parse('{"__proto__": {"episodes": 1}}')),
    ],
    ["parseSavedPolicy garbage", ["policy", "format"], () => parseSavedPolicy({ format: "x" })],
  ];
  return list.map(([what, names, call], i) => ({
    kind: "api",
    id: `api:${i}`,
    category: "library API",
    what,
    names,
    call,
  }));
}

/** Each `exp:*` script with a bad output path, an unknown flag and a malformed value. */
export function scriptCases(scripts: readonly string[]): ScriptCase[] {
  const cases: ScriptCase[] = [];
  for (const script of scripts) {
    const c = (id: string, what: string, argv: string[], names: string[]) =>
      cases.push({
        kind: "script",
        id: `script:${script}:${id}`,
        category: "`exp:*` scripts",
        what: `exp:${script} ${what}`,
        script,
        argv,
        names,
      });
    c("out-devnull", "--out /dev/null/x", ["--out", "/dev/null/x"], ["--out", "/dev/null"]);
    c("out-file", "--out <a file>", ["--out", "guarded/results.txt"], ["--out", "results.txt"]);
    c("out-empty", '--out ""', ["--out", ""], ["--out"]);
    c("unknown-flag", "--no-such-flag", ["--no-such-flag"], ["--no-such-flag"]);
    c("seeds-bad", "--seeds abc", ["--seeds", "abc"], ["--seeds", "seeds"]);
  }
  return cases;
}

/** Fixture names the worker's setup understands (kept here so both sides agree). */
export function applySetup(scratch: string, steps: readonly SetupStep[], fixturePolicy: string): void {
  for (const step of steps) {
    if ("copy" in step) cpSync(join(scratch, step.copy[0]), join(scratch, step.copy[1]), { recursive: true });
    else if ("write" in step) {
      const [path, content] = step.write;
      const m = /^policy-edit:(\d+)$/.exec(content);
      if (m !== null) {
        const policy = JSON.parse(readFileSync(fixturePolicy, "utf8")) as Record<string, unknown>;
        writeFileSync(join(scratch, path), JSON.stringify(editPolicy(policy, Number(m[1]))));
      } else writeFileSync(join(scratch, path), content);
    } else if ("mutateCheckpoint" in step)
      mutateCheckpoint(join(scratch, step.mutateCheckpoint.run), step.mutateCheckpoint.how);
    else editFile(join(scratch, step.editFile.path), step.editFile.how);
  }
}
