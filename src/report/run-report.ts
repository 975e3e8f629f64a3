import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { loadLatestCheckpoint } from "../runner/checkpoint.js";
import { canonicalJson } from "../runner/job-id.js";
import { readManifest, type Manifest } from "../runner/manifest.js";
import { METRIC, metricColumn, readMetrics } from "../runner/metrics.js";
import {
  parseRunFolderConfig,
  resultDefiningAnyConfig,
  runSpecOf,
  type RunFolderConfig,
} from "../runner/run-info.js";
import { RUN_FILES } from "../runner/run-dir.js";
import { DQN_SPECTRA_FILE } from "../runner/dqn-run.js";
import type { RunSpec } from "../runner/run-spec.js";
import type { RunConfig } from "../runner/config.js";
import { curveBand, episodesToThreshold, spread, tailMean } from "../runner/stats.js";
import type { Figure, Table } from "./figure.js";
import {
  heatmapFigure,
  learningCurveFigure,
  linesFigure,
  returnVsParamsFigure,
  type ParamPoint,
} from "./figures.js";
import { policyMaps, singularValues, truncationErrors, type GridMap, type StateDict } from "./grid-maps.js";
import type { ReportPage } from "./html.js";
import { parseJsonLines, readJsonFile } from "../runner/json-file.js";

/** One run directory as the report sees it. */
export interface LoadedRun<C extends RunFolderConfig = RunFolderConfig> {
  dir: string;
  manifest: Manifest<C>;
  config: C;
  /** Grids, ranks and hyperparameters from the manifest. */
  spec: RunSpec;
  returns: number[];
  /** Saved parameters of a policy-gradient run (final, else the newest checkpoint's); null for DQN. */
  params: StateDict | null;
}

/** Run directories among `paths`: each path is a run directory or a folder holding some (searched two levels deep). */
export function findRunDirs(paths: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (p: string, depth: number) => {
    if (existsSync(join(p, RUN_FILES.manifest))) {
      found.push(p);
      return;
    }
    if (depth === 0 || !existsSync(p) || !statSync(p).isDirectory()) return;
    for (const name of readdirSync(p).sort()) {
      const child = join(p, name);
      if (statSync(child).isDirectory()) visit(child, depth - 1);
    }
  };
  for (const p of paths) {
    if (!existsSync(p)) throw new Error(`report: ${p} does not exist`);
    visit(p, 2);
  }
  if (found.length === 0)
    throw new Error(`report: no run directories (folders with manifest.json) under ${paths.join(", ")}`);
  return [...new Set(found)];
}

export function loadRun(dir: string): LoadedRun {
  const manifest = readManifest<RunFolderConfig>(dir);
  const config = parseRunFolderConfig(manifest.config);
  const spec = runSpecOf(manifest);
  // DQN rows also hold logs and evaluations: keep the episode rows only.
  const returns = existsSync(join(dir, RUN_FILES.metricsJsonl))
    ? metricColumn(
        readMetrics(dir).filter((r) => typeof r[METRIC.episodicReturn] === "number"),
        METRIC.episodicReturn,
      )
    : [];
  let params: StateDict | null = null;
  if (config.algo === "lrpg" || config.algo === "nn") {
    const finalPath = join(dir, RUN_FILES.finalParams);
    if (existsSync(finalPath))
      params = readJsonFile<StateDict>(finalPath, "the final parameters (a state dict)");
    else
      params =
        loadLatestCheckpoint<{ params: StateDict }>(join(dir, RUN_FILES.checkpointDir))?.payload.params ??
        null;
  }
  return { dir, manifest, config, spec, returns, params };
}

/** {@link loadRun} for callers that handle policy-gradient runs only (a DQN run is an error). */
export function loadPgRun(dir: string): LoadedRun<RunConfig> {
  const run = loadRun(dir);
  if (run.config.algo === "dqn" || run.config.algo === "lrq")
    throw new Error(`report: ${dir} is a ${run.config.algo.toUpperCase()} run; expected an LRPG or NN run`);
  return run as LoadedRun<RunConfig>;
}

function readSnapshots(dir: string): { episode: number; params: StateDict }[] {
  const path = join(dir, RUN_FILES.snapshots);
  if (!existsSync(path)) return [];
  return parseJsonLines<{ episode: number; params: StateDict }>(path, readFileSync(path, "utf8"));
}

/** Short label of a configuration (what distinguishes it), e.g. "LRPG K=4 grid 10/16", "NN h=512", "DQN lowrank-0.1". */
export function configLabel(c: RunFolderConfig): string {
  if (c.algo === "dqn") return `DQN ${c.network}${c.double ? " double" : ""}`;
  if (c.algo === "lrq") return `LRQ ${c.qModel} K=${c.rank} grid ${c.buckets.join("×")} ${c.tdTarget}`;
  const lr = typeof c.lrActor === "number" && typeof c.lrCritic === "number" ? "" : " sched";
  if (c.algo === "lrpg") return `LRPG K=${c.rank} grid ${c.actorBuckets}/${c.criticBuckets}${lr}`;
  return `NN h=${c.hidden}${lr}`;
}

export interface Group<C extends RunFolderConfig = RunFolderConfig> {
  key: string;
  label: string;
  config: C;
  spec: RunSpec;
  runs: LoadedRun<C>[];
  params: number;
}

const SERIES = { lrpg: "LRPG", nn: "NN", dqn: "DQN", lrq: "LRQ" } as const;

/** Runs grouped by configuration (all fields but the seed). */
export function groupRuns<C extends RunFolderConfig>(runs: readonly LoadedRun<C>[]): Group<C>[] {
  const groups = new Map<string, Group<C>>();
  for (const r of runs) {
    const cfg = { ...resultDefiningAnyConfig(r.config), seed: 0 };
    const key = canonicalJson(cfg);
    let g = groups.get(key);
    if (!g) {
      const pc = r.manifest.parameterCount ?? {};
      g = {
        key,
        label: configLabel(r.config),
        config: r.config,
        spec: r.spec,
        runs: [],
        params:
          r.config.algo === "dqn"
            ? (pc.q_network ?? 0)
            : r.config.algo === "lrq"
              ? (pc.q ?? 0)
              : (pc.actor ?? 0) + (pc.critic ?? 0),
      };
      groups.set(key, g);
    }
    g.runs.push(r);
  }
  const list = [...groups.values()];
  // Equal labels (configs differing in fields the label does not show): name those fields.
  const byLabel = new Map<string, Group<C>[]>();
  for (const g of list) byLabel.set(g.label, [...(byLabel.get(g.label) ?? []), g]);
  for (const same of byLabel.values()) {
    if (same.length < 2) continue;
    const cfgs = same.map((g) => resultDefiningAnyConfig(g.config) as unknown as Record<string, unknown>);
    const keys = [...new Set(cfgs.flatMap((c) => Object.keys(c)))]
      .filter((k) => k !== "seed")
      .filter((k) => new Set(cfgs.map((c) => canonicalJson(c[k] ?? null))).size > 1)
      .sort();
    same.forEach((g, i) => {
      g.label = `${g.label} (${keys.map((k) => `${k}=${showValue(cfgs[i][k])}`).join(", ")})`;
    });
  }
  return list;
}

/** A config value in a label: numbers and strings as they are, anything else as JSON. */
function showValue(v: unknown): string {
  if (v === undefined || v === null) return "default";
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/**
 * Which line of the return-against-parameters plot a configuration belongs to, and its text there:
 * LRPG runs of one rank K form a line over grid sizes (labelled by grid) when both vary, else the
 * one that varies labels the points; NN runs form a line over hidden widths; DQN runs a line per
 * layer kind (dense, lowrank, trl, cpconv) over its sizes. Configurations that also differ in any
 * other field get separate lines, named by it.
 */
export function paramFamilies(groups: readonly Group[]): Map<Group, { family: string; pointLabel: string }> {
  const out = new Map<Group, { family: string; pointLabel: string }>();
  const lrpg = groups.filter((g) => g.config.algo === "lrpg");
  const distinct = (f: (g: Group) => unknown) => new Set(lrpg.map((g) => canonicalJson(f(g) ?? null))).size;
  const rankOf = (g: Group) => (g.config as RunConfig).rank;
  const gridOf = (g: Group) => {
    const c = g.config as RunConfig;
    return `grid ${c.actorBuckets}/${c.criticBuckets}`;
  };
  const byRank = distinct(rankOf) > 1 && distinct(gridOf) > 1;
  for (const g of groups) {
    // The label's tail after the algorithm (extra fields appended by groupRuns stay in the family).
    const extra = /\(([^)]*)\)$/.exec(g.label)?.[1];
    const tail = extra ? ` (${extra})` : "";
    if (g.config.algo === "lrpg") {
      out.set(
        g,
        byRank
          ? { family: `LRPG K=${rankOf(g)}${tail}`, pointLabel: gridOf(g) }
          : distinct(rankOf) > 1
            ? { family: `LRPG ${gridOf(g)}${tail}`, pointLabel: `K=${rankOf(g)}` }
            : { family: `LRPG K=${rankOf(g)}${tail}`, pointLabel: gridOf(g) },
      );
    } else if (g.config.algo === "nn") {
      out.set(g, { family: `NN${tail}`, pointLabel: `h=${(g.config as RunConfig).hidden}` });
    } else {
      const network = String((g.config as { network?: string }).network ?? "dqn");
      const kind = network.split("-")[0];
      out.set(g, { family: `DQN ${kind}${tail}`, pointLabel: network });
    }
  }
  return out;
}

const MAX_DETAIL_GROUPS = 6;

function mapFigure(id: string, title: string, m: GridMap): Figure {
  return heatmapFigure(id, title, m.z, {
    x: m.colLabel,
    y: m.rowLabel,
    xTicks: m.colTicks,
    yTicks: m.rowTicks,
  });
}

/**
 * The results page of run and sweep directories: a summary table; per env, learning curves
 * (median + IQR band per configuration) and return vs parameter count; for up to six
 * configurations (their first seed), heatmaps of μ(s), σ(s), V(s) over the state grid, the
 * relative error of rank-k truncations of the μ grid matrix, and its singular values over
 * training (from the parameter snapshots).
 */
export function buildRunReport(paths: readonly string[]): ReportPage {
  const runs = findRunDirs(paths).map(loadRun);
  const groups = groupRuns(runs);
  const envs = [...new Set(groups.map((g) => g.config.env))];
  const figures: Figure[] = [];
  const rows: Table["rows"] = [];
  for (const env of envs) {
    const gs = groups.filter((g) => g.config.env === env);
    const envKey = env.replace(/[^A-Za-z0-9]+/g, "-");
    const threshold = (g: Group) => g.spec.threshold ?? Number.POSITIVE_INFINITY;
    // PG: the last min(100, episodes/10) episodes; DQN: its return window.
    const finalWindow = (g: Group) =>
      g.spec.kind === "dqn" || g.spec.kind === "lrq"
        ? g.spec.returnWindow
        : Math.max(1, Math.min(100, Math.floor((g.config as { episodes: number }).episodes / 10)));
    figures.push(
      learningCurveFigure(
        `curves-${envKey}`,
        `${env}: learning curves (median and IQR over seeds)`,
        gs.map((g) => ({
          name: `${g.label} (${g.params} params)`,
          runs: g.runs.length,
          ...curveBand(g.runs.map((r) => r.returns)),
        })),
      ),
    );
    const families = paramFamilies(gs);
    const points: ParamPoint[] = gs.map((g) => ({
      series: SERIES[g.config.algo],
      label: g.label,
      ...families.get(g),
      params: g.params,
      ...spread(g.runs.map((r) => tailMean(r.returns, finalWindow(g)))),
    }));
    figures.push(
      returnVsParamsFigure(
        `params-${envKey}`,
        `${env}: final return (median, IQR over seeds) against parameter count`,
        points,
        "return",
        parameterAxisTitle(gs.map((g) => g.config.algo)),
      ),
    );
    for (const g of gs) {
      const finals = spread(g.runs.map((r) => tailMean(r.returns, finalWindow(g))));
      const ett = spread(g.runs.map((r) => episodesToThreshold(r.returns, threshold(g))));
      const statuses = [...new Set(g.runs.map((r) => r.manifest.status))].join(", ");
      rows.push([
        env,
        g.label,
        g.params,
        g.runs.length,
        statuses,
        finals.median,
        finals.q25,
        finals.q75,
        ett.median,
      ]);
    }
  }
  const isPg = (g: Group) => g.spec.kind === "lrpg" || g.spec.kind === "nn";
  const pgCount = groups.filter(isPg).length;
  const detail = groups.filter(isPg).slice(0, MAX_DETAIL_GROUPS);
  const truncLines: { name: string; y: number[] }[] = [];
  let maxK = 0;
  detail.forEach((g, k) => {
    const run = g.runs[0];
    const spec = run.spec;
    if (!run.params || (spec.kind !== "lrpg" && spec.kind !== "nn")) return;
    const maps = policyMaps(spec, run.params);
    if (!maps) return;
    const id = `g${k}`;
    const who = `${g.label}, seed ${run.config.seed}`;
    figures.push(mapFigure(`mu-${id}`, `μ(s) over the actor grid — ${who}`, maps.mu));
    figures.push(mapFigure(`sigma-${id}`, `σ(s) over the actor grid — ${who}`, maps.sigma));
    figures.push(mapFigure(`value-${id}`, `V(s) over the critic grid — ${who}`, maps.value));
    const errs = truncationErrors(singularValues(maps.mu.z));
    maxK = Math.max(maxK, errs.length);
    truncLines.push({ name: who, y: errs });
    const snaps = readSnapshots(run.dir);
    if (snaps.length >= 2) {
      const svs = snaps.map((s) => singularValues(policyMaps(spec, s.params)!.mu.z));
      const K = Math.min(spec.rank ?? 6, svs[0].length);
      figures.push(
        linesFigure(
          `sv-${id}`,
          `Singular values of the μ grid matrix during training — ${who}`,
          snaps.map((s) => s.episode),
          Array.from({ length: K }, (_, i) => ({ name: `σ${i + 1}`, y: svs.map((sv) => sv[i] ?? 0) })),
          { x: "episode", y: "singular value", logY: false },
        ),
      );
    }
  });
  figures.push(
    ...dqnSpectrumFigures(groups.filter((g) => g.spec.kind === "dqn").slice(0, MAX_DETAIL_GROUPS)),
  );
  if (truncLines.length > 0) {
    figures.push(
      linesFigure(
        "truncation-error",
        "Relative error ‖X − X_k‖_F / ‖X‖_F of the best rank-k approximation of the learned μ grid matrix",
        Array.from({ length: maxK }, (_, k) => k),
        truncLines,
        { x: "rank k", y: "relative Frobenius error" },
      ),
    );
  }
  return {
    title: `lowrank-rl report: ${runs.length} run(s), ${groups.length} configuration(s)`,
    notes: [
      `Sources: ${paths.map((p) => basename(p) || p).join(", ")}. Final return = mean over each run's last min(100, episodes/10) episodes (DQN: its return window); median and IQR over seeds. Episodes-to-threshold uses the task's threshold on the 20-episode moving average. Curves are against episodes.`,
      detail.length < pgCount
        ? `Heatmaps and spectra are shown for the first ${detail.length} of ${pgCount} policy-gradient configurations.`
        : "",
    ].filter(Boolean),
    tables: [
      {
        title: "Summary",
        columns: [
          "env",
          "configuration",
          "params (actor+critic; DQN: Q-network)",
          "runs",
          "status",
          "final return median",
          "q25",
          "q75",
          "episodes to threshold (median)",
        ],
        rows,
      },
    ],
    figures,
  };
}

/** The singular values a DQN run recorded (spectra.jsonl: one line per recording, by frame). */
function readSpectra(dir: string): { global_step: number; singular_values: number[] }[] {
  const path = join(dir, DQN_SPECTRA_FILE);
  if (!existsSync(path)) return [];
  return parseJsonLines<{ global_step: number; singular_values: number[] }>(path, readFileSync(path, "utf8"));
}

/**
 * The spectra DQN runs record of their first hidden weight matrix: per configuration (its first
 * seed) the singular values at the last recording against their index (log scale: a low-rank or
 * TRL layer shows its cut-off), and the leading ones against the frame during training.
 */
function dqnSpectrumFigures(groups: readonly Group[]): Figure[] {
  const finals: { name: string; y: number[] }[] = [];
  const over: Figure[] = [];
  let width = 0;
  groups.forEach((g, k) => {
    const run = g.runs[0];
    const spectra = readSpectra(run.dir);
    if (spectra.length === 0) return;
    const who = `${g.label}, seed ${run.config.seed}`;
    const last = spectra[spectra.length - 1].singular_values;
    width = Math.max(width, last.length);
    finals.push({ name: `${who} (frame ${spectra[spectra.length - 1].global_step})`, y: last });
    if (spectra.length >= 2) {
      const shown = Math.min(8, last.length);
      over.push(
        linesFigure(
          `dqn-sv-${k}`,
          `Leading singular values of the recorded hidden layer during training — ${who}`,
          spectra.map((r) => r.global_step),
          Array.from({ length: shown }, (_, i) => ({
            name: `σ${i + 1}`,
            y: spectra.map((r) => r.singular_values[i] ?? NaN),
          })),
          { x: "frame", y: "singular value" },
        ),
      );
    }
  });
  if (finals.length === 0) return [];
  return [
    linesFigure(
      "dqn-spectrum",
      "Singular values of the recorded hidden weight matrix at the end of training (σᵢ against i)",
      Array.from({ length: width }, (_, i) => i + 1),
      finals.map((f) => ({ name: f.name, y: Array.from({ length: width }, (_, i) => f.y[i] ?? NaN) })),
      { x: "index i", y: "singular value σᵢ", logY: true },
    ),
    ...over,
  ];
}

/** What the parameter axis counts: actor + critic for policy-gradient runs, the Q-network for DQN. */
function parameterAxisTitle(algos: readonly string[]): string {
  const dqn = algos.filter((a) => a === "dqn").length;
  const lrq = algos.filter((a) => a === "lrq").length;
  if (lrq === algos.length) return "low-rank Q parameters";
  if (dqn === 0 && lrq === 0) return "trainable parameters (actor + critic)";
  if (dqn === algos.length) return "Q-network parameters";
  return `trainable parameters (actor + critic${dqn > 0 ? "; DQN: Q-network" : ""}${lrq > 0 ? "; LRQ: the Q factors" : ""})`;
}
