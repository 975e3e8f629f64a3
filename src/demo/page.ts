/**
 * The live training page (bundled by esbuild into one classic script that `lowrank-rl demo`
 * inlines with plotly.js and the worker's bundle): LRPG and the NN baseline train side by side,
 * each in its own Web Worker, on one of the paper's tasks; the page draws the return curves and
 * the μ, σ and V maps as they learn. Settings come from the page's form, filled from the
 * command's defaults and the URL's query (`?task=pendulum&seed=3&rank=4&speed=0`).
 *
 * `#status` carries `data-episode` and `data-ma20` (LRPG's episodes trained and the mean of its
 * last 20 returns, empty before 20), `#status-nn` the same for the NN; `window.__demo` holds
 * every return, for tests.
 */
import type {
  FromWorker,
  PopulationCheckMessage,
  PopulationProgressMessage,
  PopulationReadyMessage,
  ProgressMessage,
  ReadyMessage,
  ToWorker,
} from "./protocol.js";
import {
  DEMO_ALGOS,
  DEMO_TASKS,
  DemoOptionError,
  demoInteger,
  demoTask,
  movingAverage,
  type DemoAlgo,
  type DemoRunOptions,
  type GridMap,
  type PolicyMaps,
} from "./session.js";
import { PAPER_TASKS, type PaperTask } from "../presets/paper-agents.js";
import type { PowTable } from "./fdlibm.js";
import {
  POPULATION_CHECK,
  POPULATION_CHECK_TOLERANCE,
  POPULATION_LIMITS,
  populationSeeds,
  type PopulationBackendChoice,
  type PopulationEpisodeSummary,
} from "./population.js";

// The few DOM and Plotly pieces the page uses (the package's TypeScript has no DOM library).
interface Elem {
  textContent: string | null;
  innerHTML: string;
  value: string;
  disabled: boolean;
  hidden: boolean;
  setAttribute(name: string, value: string): void;
  addEventListener(type: string, listener: () => void): void;
}
interface DemoWorker {
  onmessage: ((event: { data: FromWorker }) => void) | null;
  onerror: ((event: { message: string }) => void) | null;
  postMessage(message: ToWorker): void;
  terminate(): void;
}
interface PageGlobals {
  document: { getElementById(id: string): Elem | null };
  location: { search: string };
  Worker: new (url: string) => DemoWorker;
  URL: { createObjectURL(blob: Blob): string };
  Plotly?: { react(el: Elem, data: unknown[], layout: object, config?: object): Promise<unknown> };
  __demo?: DemoState;
}
const g = globalThis as unknown as PageGlobals;

/** What `lowrank-rl demo` writes into the page (`<script id="demo-defaults">`). */
export interface DemoDefaults {
  task: PaperTask;
  seed: number;
  rank?: number;
  actorBuckets?: number;
  criticBuckets?: number;
  hidden?: number;
  episodes: number;
  /** Episodes per second; 0 = as fast as the worker can. */
  speed: number;
  /** Which Math.sin/cos/exp/log the workers use (see StartMessage.math; default the engine's). */
  math?: "fdlibm" | "engine";
  /** This Node's pow(β, t) for Adam's β and t ≤ the command's episodes (beyond: the browser's). */
  powTable?: PowTable;
  /** Population mode: P agents (seeds seed … seed + P − 1); started at load when given (URL `population=P`). */
  population?: number;
  /** Population backend: "auto" (WebGL when the browser has it, else CPU) or "cpu". */
  populationBackend?: PopulationBackendChoice;
}

/** The population mode's state, also read by tests (window.__demo.population). */
export interface PopulationView {
  task: PaperTask;
  episodes: number;
  count: number;
  seed: number;
  backendChoice: PopulationBackendChoice;
  ready: PopulationReadyMessage | null;
  check: PopulationCheckMessage | null;
  summaries: PopulationEpisodeSummary[];
  last: PopulationProgressMessage | null;
  /** Milliseconds from the start to the population's first episode report (WebGL compile included). */
  startedAt: number;
}

interface Side {
  algo: DemoAlgo;
  worker: DemoWorker | null;
  returns: number[];
  ready: ReadyMessage | null;
  last: ProgressMessage | null;
  /** Episode at which the 20-episode moving average first reached the task's threshold. */
  thresholdEpisode: number | null;
  /** Milliseconds from the start of the run to that episode's report. */
  thresholdMs: number | null;
  startedAt: number;
}

/** The page's state, also read by tests (window.__demo). */
export interface DemoState {
  settings: DemoDefaults;
  lrpg: Side;
  nn: Side;
  population: PopulationView | null;
  errors: string[];
}

const COLORS: Record<DemoAlgo, string> = { lrpg: "#1f77b4", nn: "#d62728" };
const NAMES: Record<DemoAlgo, string> = { lrpg: "LRPG (low-rank)", nn: "NN baseline" };

function el(id: string): Elem {
  const e = g.document.getElementById(id);
  if (!e) throw new Error(`demo page: no element #${id}`);
  return e;
}

/** Settings: the command's defaults, then the URL's query, then (on Train) the form. */
function readQuery(defaults: DemoDefaults): DemoDefaults {
  const q = new URLSearchParams(g.location.search);
  const s: DemoDefaults = { ...defaults };
  const task = q.get("task");
  if (task !== null) s.task = demoTask(task);
  for (const f of ["seed", "rank", "actorBuckets", "criticBuckets", "hidden", "episodes", "speed"] as const) {
    const v = q.get(f);
    if (v !== null) s[f] = demoInteger(f, v);
  }
  const pop = q.get("population");
  if (pop !== null) s.population = populationCount(pop);
  const backend = q.get("populationBackend");
  if (backend !== null) s.populationBackend = populationBackend(backend);
  return s;
}

function populationCount(v: string): number {
  const [lo, hi] = POPULATION_LIMITS.count;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < lo || n > hi)
    throw new DemoOptionError(
      "population",
      `population must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`,
    );
  return n;
}

function populationBackend(v: string): PopulationBackendChoice {
  if (v !== "auto" && v !== "cpu")
    throw new DemoOptionError(
      "populationBackend",
      `populationBackend must be auto or cpu, got ${JSON.stringify(v)}`,
    );
  return v;
}

function writeForm(s: DemoDefaults): void {
  const spec = PAPER_TASKS[s.task];
  el("task").value = s.task;
  el("seed").value = String(s.seed);
  el("rank").value = String(s.rank ?? spec.lrpg.rank);
  el("actorBuckets").value = String(s.actorBuckets ?? firstBuckets(spec.lrpg.actorGrid.buckets));
  el("criticBuckets").value = String(s.criticBuckets ?? firstBuckets(spec.lrpg.criticGrid.buckets));
  el("hidden").value = String(s.hidden ?? spec.nn.hidden);
  el("episodes").value = String(s.episodes);
  el("speed").value = String(s.speed);
  el("pop-count").value = String(s.population ?? 256);
  el("pop-backend").value = s.populationBackend ?? "auto";
}

function firstBuckets(b: ArrayLike<number> | number): number {
  return typeof b === "number" ? b : b[0];
}

function readForm(): DemoDefaults {
  return {
    task: demoTask(el("task").value),
    seed: demoInteger("seed", el("seed").value),
    rank: demoInteger("rank", el("rank").value),
    actorBuckets: demoInteger("actorBuckets", el("actorBuckets").value),
    criticBuckets: demoInteger("criticBuckets", el("criticBuckets").value),
    hidden: demoInteger("hidden", el("hidden").value),
    episodes: demoInteger("episodes", el("episodes").value),
    speed: demoInteger("speed", el("speed").value),
  };
}

function runOptions(s: DemoDefaults, algo: DemoAlgo): DemoRunOptions {
  return algo === "lrpg"
    ? {
        task: s.task,
        algo,
        seed: s.seed,
        rank: s.rank,
        actorBuckets: s.actorBuckets,
        criticBuckets: s.criticBuckets,
      }
    : {
        task: s.task,
        algo,
        seed: s.seed,
        hidden: s.hidden,
        actorBuckets: s.actorBuckets,
        criticBuckets: s.criticBuckets,
      };
}

const newSide = (algo: DemoAlgo): Side => ({
  algo,
  worker: null,
  returns: [],
  ready: null,
  last: null,
  thresholdEpisode: null,
  thresholdMs: null,
  startedAt: 0,
});

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : "–");

/** The 20-episode moving average after every episode from the 20th on (null before). */
function ma20Series(xs: readonly number[]): (number | null)[] {
  const out: (number | null)[] = [];
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (i >= 20) sum -= xs[i - 20];
    out.push(i >= 19 ? sum / 20 : null);
  }
  return out;
}

function heatmap(
  map: GridMap,
  colorscale: string | [number, string][],
  range: { zmin?: number; zmax?: number; zmid?: number },
) {
  return {
    type: "heatmap",
    z: map.z,
    x: map.colValues ?? map.colTicks,
    y: map.rowValues ?? map.rowTicks,
    colorscale,
    ...range,
    colorbar: { thickness: 10, len: 0.9, tickfont: { size: 10 } },
    hovertemplate: `${map.rowLabel} = %{y}<br>${map.colLabel} = %{x}<br>%{z:.3f}<extra></extra>`,
  };
}

function mapLayout(title: string, map: GridMap) {
  return {
    title: { text: title, font: { size: 13 } },
    margin: { l: 52, r: 6, t: 30, b: map.colValues ? 46 : 70 },
    xaxis: {
      title: { text: map.colLabel, standoff: 6 },
      type: map.colValues ? "linear" : "category",
      tickfont: { size: 10 },
      tickangle: map.colValues ? 0 : -50,
      nticks: 5,
    },
    yaxis: {
      title: { text: map.rowLabel, standoff: 4 },
      type: map.rowValues ? "linear" : "category",
      tickfont: { size: 10 },
      nticks: 5,
    },
    font: { family: "system-ui, sans-serif", size: 11 },
    paper_bgcolor: "rgba(0,0,0,0)",
  };
}

const PLOT_CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

export function startPage(defaults: DemoDefaults, workerSource: string): DemoState {
  const state: DemoState = {
    settings: defaults,
    lrpg: newSide("lrpg"),
    nn: newSide("nn"),
    population: null,
    errors: [],
  };
  let populationWorker: DemoWorker | null = null;
  g.__demo = state;
  const workerUrl = g.URL.createObjectURL(new Blob([workerSource], { type: "text/javascript" }));
  let drawPending = false;
  let muRange: Record<DemoAlgo, number> = { lrpg: 0, nn: 0 };
  let sigma0 = Math.E;

  const showError = (message: string) => {
    state.errors.push(message);
    const e = el("error");
    e.textContent = message;
    e.hidden = false;
  };

  const draw = () => {
    drawPending = false;
    const plotly = g.Plotly;
    if (!plotly) return;
    const s = state.settings;
    const spec = PAPER_TASKS[s.task];
    const traces: object[] = [];
    for (const side of [state.lrpg, state.nn]) {
      const x = side.returns.map((_, i) => i + 1);
      traces.push({
        x,
        y: side.returns,
        type: "scatter",
        mode: "lines",
        name: `${NAMES[side.algo]}: return`,
        line: { color: COLORS[side.algo], width: 1 },
        opacity: 0.3,
        showlegend: false,
        hoverinfo: "skip",
      });
      traces.push({
        x,
        y: ma20Series(side.returns),
        type: "scatter",
        mode: "lines",
        name: `${NAMES[side.algo]}${side.ready ? `, ${side.ready.parameterCount.total} parameters` : ""}`,
        line: { color: COLORS[side.algo], width: 2.5 },
      });
    }
    const n = Math.max(s.episodes, 1);
    traces.push({
      x: [1, n],
      y: [spec.threshold, spec.threshold],
      type: "scatter",
      mode: "lines",
      name: `threshold ${spec.threshold}`,
      line: { color: "#555", width: 1, dash: "dot" },
      hoverinfo: "skip",
    });
    void plotly.react(
      el("returns"),
      traces,
      {
        title: {
          text: `Return per episode (thin) and its 20-episode moving average (thick), ${spec.envId}`,
          font: { size: 14 },
        },
        margin: { l: 56, r: 16, t: 40, b: 44 },
        xaxis: { title: { text: "episode" }, range: [0, n] },
        yaxis: { title: { text: "return" } },
        legend: { x: 0.99, xanchor: "right", y: 0.04, yanchor: "bottom", bgcolor: "rgba(255,255,255,0.85)" },
        font: { family: "system-ui, sans-serif", size: 12 },
        paper_bgcolor: "rgba(0,0,0,0)",
      },
      PLOT_CONFIG,
    );
    for (const side of [state.lrpg, state.nn]) {
      const maps: PolicyMaps | undefined = side.last?.maps ?? side.ready?.maps;
      if (!maps) continue;
      const a = side.algo;
      const unit = spec.lrpg.sigmoidMean;
      // μ: a fixed range per run that only grows, so the picture does not flicker.
      for (const v of maps.mu.z.flat()) muRange[a] = Math.max(muRange[a], Math.abs(v));
      const muScale = unit ? { zmin: 0, zmax: 1 } : { zmin: -muRange[a], zmax: muRange[a], zmid: 0 };
      sigma0 = Math.max(sigma0, ...maps.sigma.z.flat());
      void plotly.react(
        el(`${a}-mu`),
        [heatmap(maps.mu, "RdBu", muScale)],
        mapLayout("mean action μ(s)", maps.mu),
        PLOT_CONFIG,
      );
      const sig = maps.sigma.z[0]?.[0] ?? NaN;
      void plotly.react(
        el(`${a}-sigma`),
        [heatmap(maps.sigma, "Viridis", { zmin: 0, zmax: sigma0 })],
        mapLayout(`std σ(s) = ${fmt(sig, 3)} (one scalar)`, maps.sigma),
        PLOT_CONFIG,
      );
      void plotly.react(
        el(`${a}-value`),
        [heatmap(maps.value, "Viridis", {})],
        mapLayout("value V(s)", maps.value),
        PLOT_CONFIG,
      );
    }
  };
  const scheduleDraw = () => {
    if (drawPending) return;
    drawPending = true;
    setTimeout(draw, 120);
  };

  const updateStatus = (side: Side) => {
    const id = side.algo === "lrpg" ? "status" : "status-nn";
    const e = el(id);
    const n = side.returns.length;
    const ma = n >= 20 ? movingAverage(side.returns, 20) : NaN;
    e.setAttribute("data-episode", String(n));
    e.setAttribute("data-ma20", n >= 20 ? String(ma) : "");
    const last = side.last;
    const eps = last && last.trainMs > 0 ? (1000 * last.episode) / last.trainMs : NaN;
    e.setAttribute("data-episodes-per-second", Number.isFinite(eps) ? eps.toFixed(1) : "");
    if (side.thresholdEpisode !== null) {
      e.setAttribute("data-threshold-episode", String(side.thresholdEpisode));
      e.setAttribute("data-threshold-ms", String(Math.round(side.thresholdMs!)));
    }
    const spec = PAPER_TASKS[state.settings.task];
    const reached =
      side.thresholdEpisode !== null
        ? `MA20 ≥ ${spec.threshold} at episode ${side.thresholdEpisode} (${(side.thresholdMs! / 1000).toFixed(1)} s)`
        : `MA20 ≥ ${spec.threshold}: not yet`;
    e.textContent = `${NAMES[side.algo]} · episode ${n} · MA20 ${n >= 20 ? fmt(ma, 2) : "–"} · ${reached} · ${fmt(eps, 0)} episodes/s in its worker`;
    const pc = side.ready?.parameterCount;
    if (pc) {
      el(`${side.algo}-params`).textContent = String(pc.total);
      el(`${side.algo}-params-detail`).textContent =
        `actor ${pc.actor} + critic ${pc.critic} (σ: ${pc.sigma} more)`;
    }
  };

  const onMessage = (side: Side, msg: FromWorker) => {
    if (msg.type === "error") {
      showError(`${NAMES[side.algo]}: ${msg.message}`);
      return;
    }
    if (msg.type === "ready") {
      side.ready = msg;
      const r = msg.run;
      el(`${side.algo}-config`).textContent =
        r.algo === "lrpg"
          ? `rank K = ${r.rank}; μ on a ${mapSize(msg.maps.mu)} grid, V on ${mapSize(msg.maps.value)}; seed ${r.seed}`
          : `${r.hidden} ReLU units in μ's and V's hidden layer; seed ${r.seed}`;
    } else if (msg.type === "progress") {
      side.last = msg;
      const threshold = PAPER_TASKS[state.settings.task].threshold;
      for (const ret of msg.returns) {
        side.returns.push(ret);
        const n = side.returns.length;
        if (side.thresholdEpisode === null && n >= 20 && movingAverage(side.returns, 20) >= threshold) {
          side.thresholdEpisode = n;
          side.thresholdMs = performance.now() - side.startedAt;
        }
      }
      if (msg.done && side.algo === "lrpg") el("train").disabled = false;
    }
    updateStatus(side);
    scheduleDraw();
  };

  const stop = () => {
    for (const side of [state.lrpg, state.nn]) side.worker?.postMessage({ type: "stop" });
  };

  // --- population mode -------------------------------------------------------------------------
  let popDrawPending = false;
  const drawPopulation = () => {
    popDrawPending = false;
    const pop = state.population;
    const plotly = g.Plotly;
    if (!pop || !plotly) return;
    const spec = PAPER_TASKS[pop.task];
    const xs = pop.summaries.map((_, i) => i + 1);
    const band = "rgba(31,119,180,0.18)";
    const traces = [
      {
        x: xs,
        y: pop.summaries.map((q) => q.q25),
        type: "scatter",
        mode: "lines",
        line: { width: 0 },
        hoverinfo: "skip",
        showlegend: false,
      },
      {
        x: xs,
        y: pop.summaries.map((q) => q.q75),
        type: "scatter",
        mode: "lines",
        fill: "tonexty",
        fillcolor: band,
        line: { width: 0 },
        name: "25–75 % of the agents",
        hoverinfo: "skip",
      },
      {
        x: xs,
        y: pop.summaries.map((q) => q.median),
        type: "scatter",
        mode: "lines",
        line: { color: COLORS.lrpg, width: 2.5 },
        name: "median return",
      },
      {
        x: xs,
        y: pop.summaries.map((q) => 100 * q.solved),
        type: "scatter",
        mode: "lines",
        yaxis: "y2",
        line: { color: "#2ca02c", width: 2, dash: "dot" },
        name: `agents with MA20 ≥ ${spec.threshold} (right axis)`,
      },
    ];
    void plotly.react(
      el("pop-returns"),
      traces,
      {
        title: {
          text: `${pop.count} LRPG agents (seeds ${pop.seed}–${pop.seed + pop.count - 1}) on ${spec.envId}: return per episode across the agents`,
          font: { size: 14 },
        },
        margin: { l: 56, r: 64, t: 40, b: 84 },
        xaxis: { title: { text: "episode" }, range: [0, Math.max(pop.episodes, 1)] },
        yaxis: { title: { text: "return" } },
        yaxis2: {
          title: { text: `agents with MA20 ≥ ${spec.threshold}` },
          overlaying: "y",
          side: "right",
          range: [0, 100],
          tickmode: "linear",
          tick0: 0,
          dtick: 25,
          ticksuffix: " %",
          showgrid: false,
        },
        legend: {
          orientation: "h",
          x: 0.5,
          xanchor: "center",
          y: -0.26,
          yanchor: "top",
          traceorder: "reversed",
        },
        font: { family: "system-ui, sans-serif", size: 12 },
        paper_bgcolor: "rgba(0,0,0,0)",
      },
      PLOT_CONFIG,
    );
  };
  const schedulePopulationDraw = () => {
    if (popDrawPending) return;
    popDrawPending = true;
    setTimeout(drawPopulation, 150);
  };

  const updatePopulationStatus = () => {
    const pop = state.population;
    if (!pop) return;
    const e = el("pop-status");
    const spec = PAPER_TASKS[pop.task];
    const n = pop.summaries.length;
    const last = pop.summaries[n - 1];
    const info = pop.ready?.backend;
    e.setAttribute("data-episode", String(n));
    e.setAttribute("data-backend", info ? `${info.kind}:${info.mode}` : "");
    e.setAttribute("data-solved", last ? String(last.solved) : "");
    const progress = pop.last;
    // Env steps per second after the first episode, whose time includes compiling the kernels.
    const sps =
      progress && progress.episode > 1 && progress.trainMs > progress.firstEpisodeMs
        ? (1000 * (progress.steps - progress.firstEpisodeSteps)) /
          (progress.trainMs - progress.firstEpisodeMs)
        : NaN;
    e.setAttribute("data-steps-per-second", Number.isFinite(sps) ? sps.toFixed(0) : "");
    e.textContent = pop.ready
      ? `${pop.count} agents · episode ${n} of ${pop.episodes} · median return ${last ? fmt(last.median, 1) : "–"} · ${last ? Math.round(100 * last.solved) : 0} % at MA20 ≥ ${spec.threshold} · ${Number.isFinite(sps) ? `${Math.round(sps).toLocaleString("en-US")} env steps/s` : "–"} (all agents, after the first episode)`
      : `${pop.count} agents: opening ${pop.backendChoice === "auto" ? "WebGL" : "the CPU path"}…`;
    const badge = el("pop-badge");
    if (info) {
      badge.setAttribute("data-kind", info.kind);
      badge.textContent =
        info.kind === "gpu"
          ? `gpu.js on ${info.mode === "webgl2" ? "WebGL 2" : info.mode === "webgl" ? "WebGL" : info.mode} · float32`
          : "CPU · float64";
      el("pop-backend-detail").textContent =
        info.kind === "gpu"
          ? `GPU renderer: ${info.renderer ?? "not revealed by this browser"}${/swiftshader|llvmpipe|software/i.test(info.renderer ?? "") ? " (a software renderer: the GPU path runs on the CPU here)" : ""}`
          : info.fallbackReason
            ? `WebGL did not open here, so the CPU path trains: ${info.fallbackReason}.`
            : "Backend: the CPU path (float64), as asked.";
      el("pop-params").textContent =
        `${pop.count} × ${pop.ready!.agentParameters} = ${(pop.count * pop.ready!.agentParameters).toLocaleString("en-US")} parameters`;
    } else {
      badge.setAttribute("data-kind", "");
      badge.textContent = "…";
    }
    const c = pop.check;
    const checkEl = el("pop-check");
    if (c) {
      const ok = c.maxRelativeDifference <= POPULATION_CHECK_TOLERANCE;
      checkEl.setAttribute("data-max-relative-difference", String(c.maxRelativeDifference));
      checkEl.setAttribute("data-ok", String(ok));
      checkEl.textContent = `${ok ? "✓" : "✗"} WebGL against the CPU path, ${c.count} agents × ${c.episodes} episodes of ≤ ${c.maxSteps} steps: returns agree to ${c.maxRelativeDifference.toExponential(1)} (relative; float32 vs float64, tolerance ${POPULATION_CHECK_TOLERANCE.toExponential(0)})`;
    } else {
      checkEl.textContent =
        info?.kind === "gpu" || !info ? "" : "No WebGL-against-CPU check: the CPU path trains.";
    }
  };

  const onPopulationMessage = (msg: FromWorker) => {
    const pop = state.population;
    if (!pop) return;
    if (msg.type === "error") {
      showError(`population: ${msg.message}`);
      el("pop-train").disabled = false;
      return;
    }
    if (msg.type === "population-ready") pop.ready = msg;
    else if (msg.type === "population-check") pop.check = msg;
    else if (msg.type === "population-progress") {
      pop.last = msg;
      pop.summaries.push(...msg.summaries);
      if (msg.done) el("pop-train").disabled = false;
    }
    updatePopulationStatus();
    schedulePopulationDraw();
  };

  const startPopulation = (s: DemoDefaults, count: number, backend: PopulationBackendChoice) => {
    populationSeeds(s.seed, count); // checks P and the seed range
    populationWorker?.terminate();
    state.population = {
      task: s.task,
      episodes: s.episodes,
      count,
      seed: s.seed,
      backendChoice: backend,
      ready: null,
      check: null,
      summaries: [],
      last: null,
      startedAt: performance.now(),
    };
    el("pop-returns").hidden = false; // the curve's box appears with the first population
    el("pop-check").textContent = "";
    el("pop-params").textContent = "";
    el("pop-backend-detail").textContent = "";
    el("pop-train").disabled = true;
    const w = new g.Worker(workerUrl);
    populationWorker = w;
    w.onmessage = (event) => onPopulationMessage(event.data);
    w.onerror = (event) => showError(`population worker: ${event.message}`);
    w.postMessage({
      type: "population",
      run: {
        task: s.task,
        seed: s.seed,
        count,
        rank: s.rank,
        actorBuckets: s.actorBuckets,
        criticBuckets: s.criticBuckets,
      },
      episodes: s.episodes,
      backend,
      check: backend === "auto" ? { ...POPULATION_CHECK } : undefined,
      reportEveryMs: 200,
      math: defaults.math ?? "engine",
      powTable: defaults.powTable,
    });
    updatePopulationStatus();
  };

  const start = (s: DemoDefaults) => {
    for (const side of [state.lrpg, state.nn]) side.worker?.terminate();
    el("error").hidden = true;
    state.settings = s;
    state.lrpg = newSide("lrpg");
    state.nn = newSide("nn");
    muRange = { lrpg: 0, nn: 0 };
    sigma0 = Math.E;
    el("seed-shown").textContent = String(s.seed);
    el("task-shown").textContent = PAPER_TASKS[s.task].envId;
    for (const algo of DEMO_ALGOS) {
      const side = state[algo];
      const w = new g.Worker(workerUrl);
      side.worker = w;
      side.startedAt = performance.now();
      w.onmessage = (event) => onMessage(side, event.data);
      w.onerror = (event) => showError(`${NAMES[algo]} worker: ${event.message}`);
      w.postMessage({
        type: "start",
        run: runOptions(s, algo),
        episodes: s.episodes,
        speed: s.speed,
        reportEveryMs: 150,
        math: defaults.math ?? "engine",
        powTable: defaults.powTable,
      });
      updateStatus(side);
    }
    scheduleDraw();
  };

  const withForm = (f: (s: DemoDefaults) => void) => () => {
    try {
      f(readForm());
    } catch (err) {
      if (err instanceof DemoOptionError) showError(err.message);
      else throw err;
    }
  };
  el("train").addEventListener("click", withForm(start));
  el("pop-train").addEventListener(
    "click",
    withForm((s) =>
      startPopulation(s, populationCount(el("pop-count").value), populationBackend(el("pop-backend").value)),
    ),
  );
  el("pop-stop").addEventListener("click", () => populationWorker?.postMessage({ type: "stop" }));
  el("stop").addEventListener("click", stop);
  el("speed").addEventListener("change", () => {
    try {
      const speed = demoInteger("speed", el("speed").value);
      state.settings.speed = speed;
      for (const side of [state.lrpg, state.nn]) side.worker?.postMessage({ type: "speed", speed });
    } catch (err) {
      showError((err as Error).message);
    }
  });
  el("task").addEventListener("change", () => {
    // A new task brings its own paper sizes.
    try {
      const task = demoTask(el("task").value);
      writeForm({
        ...readForm(),
        task,
        rank: undefined,
        actorBuckets: undefined,
        criticBuckets: undefined,
        hidden: undefined,
      });
    } catch (err) {
      showError((err as Error).message);
    }
  });

  if (!g.Plotly) showError("plotly.js did not load; the curves and maps cannot be drawn");
  let initial = defaults;
  try {
    initial = readQuery(defaults);
  } catch (err) {
    showError(`URL: ${(err as Error).message}`);
  }
  writeForm(initial);
  start(initial);
  if (initial.population !== undefined) {
    try {
      startPopulation(initial, initial.population, initial.populationBackend ?? "auto");
    } catch (err) {
      showError(`population: ${(err as Error).message}`);
    }
  }
  return state;
}

function mapSize(m: GridMap): string {
  return `${m.z.length}×${m.z[0]?.length ?? 0}`;
}

// Entry: the page holds the defaults and the worker's source in two script elements.
const defaultsEl = g.document.getElementById("demo-defaults");
const workerEl = g.document.getElementById("demo-worker-source");
if (defaultsEl && workerEl) {
  startPage(JSON.parse(defaultsEl.textContent ?? "{}") as DemoDefaults, workerEl.textContent ?? "");
}

export { DEMO_TASKS };
