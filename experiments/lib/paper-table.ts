import type { Table } from "../../src/report/figure.js";

/** One method's results on one task of the paper comparison (over runs). */
export interface PaperMethodResult {
  name: string;
  algo: string;
  /** Trainable parameters that ran: actor + critic, σ excluded (the paper's counting convention). */
  params: number;
  /** The paper's figure legend figure. */
  paper_params: number;
  seeds: number[];
  /** Per run; null when the moving average never reached the threshold. */
  episodes_to_threshold: (number | null)[];
  /** Never-reaching runs count as +∞; null when the quantile falls on them. */
  median_episodes_to_threshold: number | null;
  iqr_episodes_to_threshold: [number | null, number | null];
  /** "reached/runs". */
  reached: string;
  /** Median and IQR over runs of each run's mean return over its last episodes. */
  final_return_median: number | null;
  final_return_iqr: [number | null, number | null];
  final_return_per_seed: (number | null)[];
  /** Median over runs of the very last episode's return (what the reference's 5_results.py prints). */
  last_episode_return_median: number | null;
  /** Per-episode median and 25–75 % band over runs. */
  band: { median: number[]; q25: number[]; q75: number[] };
  run_dirs: string[];
  statuses: string[];
}

export interface PaperTaskResult {
  task: string;
  env: string;
  episodes: number;
  threshold: number;
  /** The reference code's numbers (docs/lrpg.md §9). */
  reference: {
    lrpg_median_episodes_to_threshold: number | null;
    nn_median_episodes_to_threshold: number | null;
    runs: number;
    note?: string;
  };
  /** Fixed policies reported beside the methods (the rocket's constant full thrust). */
  baselines: { name: string; value: number; description: string }[];
  methods: PaperMethodResult[];
}

function fmtEpisodes(v: number | null): string {
  return v === null ? "never" : fmt(v);
}

function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/** Digits for returns: the rocket's returns live near 1.1–1.2, the others near 100. */
function returnDigits(threshold: number): number {
  return Math.abs(threshold) < 10 ? 4 : 1;
}

const COLUMNS = [
  "task",
  "method",
  "params (ran)",
  "params (paper legend)",
  "episodes to threshold: median [IQR]",
  "reached",
  "reference median (reference runs)",
  "final return: median [IQR]",
  "last episode: median",
];

/** The comparison table (one row per task × method, plus baseline rows), as report/JSON rows. */
export function paperTable(tasks: readonly PaperTaskResult[]): Table {
  const rows: (string | number | null)[][] = [];
  for (const t of tasks) {
    const d = returnDigits(t.threshold);
    for (const m of t.methods) {
      const ref =
        m.algo === "lrpg"
          ? t.reference.lrpg_median_episodes_to_threshold
          : t.reference.nn_median_episodes_to_threshold;
      rows.push([
        `${t.task} (${t.episodes} ep, MA20 ≥ ${t.threshold})`,
        m.name,
        m.params,
        m.paper_params,
        `${fmtEpisodes(m.median_episodes_to_threshold)} [${fmtEpisodes(m.iqr_episodes_to_threshold[0])}, ${fmtEpisodes(m.iqr_episodes_to_threshold[1])}]`,
        m.reached,
        `${ref === null ? "never" : ref} (${t.reference.runs}${t.reference.note ? `, ${t.reference.note}` : ""})`,
        `${fmt(m.final_return_median, d)} [${fmt(m.final_return_iqr[0], d)}, ${fmt(m.final_return_iqr[1], d)}]`,
        fmt(m.last_episode_return_median, d),
      ]);
    }
    for (const b of t.baselines)
      rows.push([
        t.task,
        `${b.name} (no learning)`,
        0,
        null,
        "–",
        "–",
        "–",
        fmt(b.value, d),
        fmt(b.value, d),
      ]);
  }
  return {
    title: "LRPG vs NN: parameters, episodes to threshold, final returns",
    columns: [...COLUMNS],
    rows,
  };
}

/** The same table as GitHub markdown, with a header line naming the protocol and the wall time. */
export function paperTableMarkdown(
  tasks: readonly PaperTaskResult[],
  info: {
    runs: number;
    window: number;
    finalWindow: number;
    wallSeconds: number;
    cpuSeconds: number;
    threads: number;
  },
): string {
  const t = paperTable(tasks);
  const lines = [
    `${info.runs} runs per task and method; episodes to threshold = first episode where the ${info.window}-episode moving average reaches it (runs that never do count as ∞ in the median and IQR); final return = mean of each run's last ${info.finalWindow} episodes. Wall time ${info.wallSeconds.toFixed(1)} s on ${info.threads} threads (process CPU ${info.cpuSeconds.toFixed(1)} s).`,
    "",
    `| ${t.columns.join(" | ")} |`,
    `|${t.columns.map((_, i) => (i < 2 ? " --- " : " ---: ")).join("|")}|`,
    ...t.rows.map((r) => `| ${r.map((v) => (v === null ? "–" : String(v))).join(" | ")} |`),
  ];
  return lines.join("\n") + "\n";
}
