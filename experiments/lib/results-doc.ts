/**
 * Published result tables rendered from the experiments' own result files, never typed: a page
 * under docs/results marks each generated part with the file it comes from,
 *
 *   <!-- results-doc: paper docs/results/data/paper-default.summary.json -->
 *   …the rendered tables…
 *   <!-- /results-doc -->
 *
 * and `npm run results:docs` (experiments/results-doc.ts) re-renders every such block from its
 * file (`--check`: fail when a page differs from what its files give). Kinds: `paper` (the
 * summary.json of `npm run exp:paper`), `dqn` (the summary.json of `exp:breakout` /
 * `exp:cartpole-dqn`), `a2c` (the summary-<env>.json of experiments/a2c.ts) and `breakout-table`
 * (the summary.json of `npm run exp:breakout-table`).
 */
import { paperTable, type PaperTaskResult } from "./paper-table.js";

export type ResultsKind = "paper" | "dqn" | "a2c" | "breakout-table";
export const RESULTS_KINDS: readonly ResultsKind[] = ["paper", "dqn", "a2c", "breakout-table"];

/** A generated block: its kind, its source file, and where it lies in the page. */
interface Block {
  kind: ResultsKind;
  source: string;
  start: number;
  end: number;
}

const OPEN = /<!-- results-doc: (\S+) (\S+) -->\n/g;
const CLOSE = "<!-- /results-doc -->";

export class ResultsDocError extends Error {}

function fail(where: string, message: string): never {
  throw new ResultsDocError(`${where}: ${message}`);
}

function blocks(doc: string, where: string): Block[] {
  const out: Block[] = [];
  for (const m of doc.matchAll(OPEN)) {
    const kind = m[1] as ResultsKind;
    if (!RESULTS_KINDS.includes(kind))
      fail(where, `results-doc block of kind "${m[1]}": must be one of ${RESULTS_KINDS.join(", ")}`);
    const start = m.index + m[0].length;
    const end = doc.indexOf(CLOSE, start);
    if (end < 0) fail(where, `results-doc block for ${m[2]} has no closing ${CLOSE}`);
    out.push({ kind, source: m[2], start, end });
  }
  return out;
}

/** Re-renders every generated block of `doc` from its source file (`read(path)` gives the parsed JSON). */
export function updateResultsDoc(doc: string, read: (path: string) => unknown, where = "page"): string {
  let out = "";
  let at = 0;
  for (const b of blocks(doc, where)) {
    out += doc.slice(at, b.start) + renderResults(b.kind, read(b.source), b.source);
    at = b.end;
  }
  return out + doc.slice(at);
}

/** The source files a page's blocks name. */
export function resultsDocSources(doc: string, where = "page"): string[] {
  return blocks(doc, where).map((b) => b.source);
}

export function renderResults(kind: ResultsKind, summary: unknown, source: string): string {
  if (summary === null || typeof summary !== "object" || Array.isArray(summary))
    fail(source, "not a results summary (expected a JSON object)");
  const s = summary as Record<string, unknown>;
  const body =
    kind === "paper"
      ? renderPaper(s, source)
      : kind === "dqn"
        ? renderDqn(s, source)
        : kind === "breakout-table"
          ? renderBreakoutTable(s, source)
          : renderA2c(s, source);
  return `${body}\n_Rendered by \`npm run results:docs\` from \`${source}\`._\n`;
}

function field<T>(
  s: Record<string, unknown>,
  key: string,
  source: string,
  check: (v: unknown) => boolean,
): T {
  const v = s[key];
  if (!check(v)) fail(source, `field "${key}" is missing or malformed`);
  return v as T;
}

const isArray = (v: unknown) => Array.isArray(v);
const isNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);

function fmt(v: unknown, digits = 2): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "–";
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

function table(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  numeric: (i: number) => boolean,
): string {
  return [
    `| ${columns.join(" | ")} |`,
    `|${columns.map((_, i) => (numeric(i) ? " ---: " : " --- ")).join("|")}|`,
    ...rows.map((r) => `| ${r.map((v) => (v === null || v === undefined ? "–" : String(v))).join(" | ")} |`),
  ].join("\n");
}

function provenance(s: Record<string, unknown>): string {
  const commit = typeof s.git_commit === "string" ? s.git_commit.slice(0, 7) : "unknown";
  const parts = [`commit ${commit}`];
  if (typeof s.package_version === "string") parts.push(`package ${s.package_version}`);
  if (typeof s.node_version === "string") parts.push(`Node ${s.node_version}`);
  if (isNumber(s.wall_time_s))
    parts.push(
      `wall time ${fmt(s.wall_time_s, 1)} s${isNumber(s.threads) ? ` on ${String(s.threads)} threads` : ""}`,
    );
  if (isNumber(s.cpu_time_s)) parts.push(`process CPU ${fmt(s.cpu_time_s, 1)} s`);
  return parts.join(", ");
}

/** "0–99" for a run of consecutive seeds, else the list ("0, 2, 5"). */
function seedList(seeds: readonly number[]): string {
  const consecutive = seeds.length > 2 && seeds.every((v, i) => i === 0 || v === seeds[i - 1] + 1);
  return consecutive ? `${seeds[0]}–${seeds[seeds.length - 1]}` : seeds.join(", ");
}

/** `npm run exp:paper`'s summary.json: the comparison table, then episodes to threshold per seed. */
function renderPaper(s: Record<string, unknown>, source: string): string {
  if (s.experiment !== "paper")
    fail(source, `field "experiment" is ${JSON.stringify(s.experiment)}, expected "paper"`);
  const tasks = field<PaperTaskResult[]>(s, "tasks", source, isArray);
  const seeds = field<number[]>(s, "seeds", source, isArray);
  const t = paperTable(tasks);
  const lines = [
    `${seeds.length} runs per task and method (seeds ${seedList(seeds)}); ${provenance(s)}.`,
    "",
    table(t.columns, t.rows, (i) => i >= 2),
    "",
    `Episodes to the threshold, per seed (${seedList(seeds)}, in order; "never": not reached):`,
  ];
  for (const task of tasks)
    for (const m of task.methods)
      lines.push(
        `- ${task.task} ${m.name}: ${m.episodes_to_threshold.map((e) => (e === null ? "never" : String(e))).join(", ")}`,
      );
  return lines.join("\n") + "\n";
}

/** `exp:breakout` / `exp:cartpole-dqn` summary.json: one row per network variant. */
function renderDqn(s: Record<string, unknown>, source: string): string {
  const variants = field<Record<string, unknown>[]>(s, "variants", source, isArray);
  const seeds = field<number[]>(s, "seeds", source, isArray);
  const frames = field<number>(s, "frames", source, isNumber);
  const lastKey = (v: Record<string, unknown>) =>
    Object.keys(v).find((k) => /^final_train_return_last\d+$/.test(k));
  const window =
    variants.length > 0 ? (lastKey(variants[0])?.replace("final_train_return_last", "") ?? "?") : "?";
  const rows = variants.map((v) => {
    const k = lastKey(v);
    const perSeed = Array.isArray(v.final_train_return_per_seed)
      ? (v.final_train_return_per_seed as unknown[]).map((x) => fmt(x)).join(" ")
      : "–";
    return [
      v.name,
      v.family,
      v.params,
      k ? fmt(v[k]) : "–",
      perSeed,
      fmt(v.final_eval_return),
      fmt(v.frames_per_s, 0),
    ];
  });
  return (
    [
      `${String(s.env)}, ${frames} frames per run, seeds ${seeds.join(", ")}; ${provenance(s)}.`,
      "",
      table(
        [
          "variant",
          "family",
          "parameters",
          `last-${window} return (mean over seeds)`,
          "per seed",
          "eval return",
          "frames/s",
        ],
        rows,
        (i) => i >= 2 && i !== 4,
      ),
    ].join("\n") + "\n"
  );
}

/** experiments/a2c.ts's summary-<env>.json: per variant, the per-seed outcome. */
function renderA2c(s: Record<string, unknown>, source: string): string {
  const results = field<Record<string, unknown>[]>(s, "results", source, isArray);
  const env = field<string>(s, "env", source, (v) => v === "cartpole" || v === "breakout");
  const cart = env === "cartpole";
  const outcome = cart ? "updatesToThreshold" : "finalReturn";
  if (results.length === 0) fail(source, `field "results" is empty`);
  results.forEach((r, i) => {
    const ok =
      r !== null &&
      typeof r === "object" &&
      typeof r.variant === "string" &&
      [r.seed, r.parameters, r.frames, r.seconds, r[outcome]].every(isNumber);
    if (!ok) fail(source, `results[${i}] lacks a number in seed, parameters, frames, seconds or ${outcome}`);
  });
  // Summaries from before experiments/a2c.ts timed each run's CPU have no CPU column.
  const withCpu = results.every((r) => isNumber(r.cpuSeconds));
  const variants = [...new Set(results.map((r) => String(r.variant)))];
  const rows = variants.map((name) => {
    const rs = results.filter((r) => r.variant === name);
    const frames = rs.reduce((a, r) => a + Number(r.frames), 0);
    const seconds = rs.reduce((a, r) => a + Number(r.seconds), 0);
    const outcome = cart
      ? rs.map((r) => String(r.updatesToThreshold)).join(" ")
      : fmt(rs.reduce((a, r) => a + Number(r.finalReturn), 0) / rs.length);
    const cpu = rs.reduce((a, r) => a + Number(r.cpuSeconds), 0);
    const row = [name, rs[0].parameters, outcome, fmt(seconds > 0 ? frames / seconds : NaN, 0)];
    return withCpu ? [...row, fmt(cpu > 0 ? frames / cpu : NaN, 0)] : row;
  });
  const seeds = [...new Set(results.map((r) => Number(r.seed)))];
  return (
    [
      // Summaries written before experiments/a2c.ts recorded its provenance have none to print.
      `${cart ? "CartPole-v1" : "MinAtar Breakout"}, ${String(s.numEnvs)} envs, seeds ${seeds.join(", ")}${
        typeof s.git_commit === "string" ? `; ${provenance(s)}` : ""
      }.`,
      "",
      table(
        [
          "variant",
          "parameters",
          cart
            ? `updates to threshold, seeds ${seeds.join(", ")} (−1: not reached)`
            : "return, last 30 episodes (mean over seeds)",
          "frames/s",
          ...(withCpu ? ["frames per CPU-s"] : []),
        ],
        rows,
        (i) => i === 1 || i >= 3 || (!cart && i === 2),
      ),
    ].join("\n") + "\n"
  );
}

/** `npm run exp:breakout-table`'s summary.json: one row per (algorithm, optimizer, network, first layer). */
function renderBreakoutTable(s: Record<string, unknown>, source: string): string {
  if (s.experiment !== "breakout-table")
    fail(source, `field "experiment" is ${JSON.stringify(s.experiment)}, expected "breakout-table"`);
  const rows = field<Record<string, unknown>[]>(s, "rows", source, isArray);
  const seeds = field<number[]>(s, "seeds", source, isArray);
  const frames = field<number>(s, "frames", source, isNumber);
  const every = field<number>(s, "eval_every", source, isNumber);
  const episodes = field<number>(s, "eval_episodes", source, isNumber);
  const pending = field<{ name: string; reason: string }[]>(s, "pending", source, isArray);
  rows.forEach((r, i) => {
    if (typeof r?.name !== "string" || !Array.isArray(r.seeds))
      fail(source, `rows[${i}] lacks its name or its seeds`);
  });
  const body = rows.map((r) => [
    r.name,
    r.parameters,
    fmt(r.parameter_fraction, 3),
    fmt(r.score_mean),
    (r.seeds as Record<string, unknown>[]).map((x) => fmt(x.score)).join(" "),
    fmt(r.relative_to_dqn_dense_pct, 0),
    fmt(r.frames_per_cpu_s, 0),
    fmt(r.speed_vs_dqn_dense),
  ]);
  const lines = [
    `MinAtar Breakout, ${frames} frames per run, seeds ${seedList(seeds)}, an evaluation every ${every} frames over ${episodes} episodes; ${provenance(s)}.`,
    "",
    table(
      [
        "row",
        "parameters",
        "fraction of dense",
        "score (mean over seeds)",
        "per seed",
        "vs dqn-dense (%)",
        "frames per CPU-s",
        "speed vs dqn-dense",
      ],
      body,
      (i) => i !== 0 && i !== 4,
    ),
  ];
  if (pending.length > 0)
    lines.push("", "Not in this table:", ...pending.map((p) => `- ${String(p.name)}: ${String(p.reason)}`));
  return lines.join("\n") + "\n";
}
