/**
 * The live page's training worker (bundled by esbuild into a classic script the page starts from a
 * Blob URL): trains one {@link DemoSession} in slices of a few milliseconds, paced to the requested
 * episodes per second, and posts the new returns and the μ, σ and V maps every `reportEveryMs`.
 * Between slices it yields to its event loop, so "speed" and "stop" messages land promptly.
 */
import type { FromWorker, PopulationStartMessage, StartMessage, ToWorker } from "./protocol.js";
import { installFdlibm, installPowTable, type PowTable } from "./fdlibm.js";
import { DemoSession } from "./session.js";
import { createBackend } from "../factor/backend/index.js";
import { PAPER_TASKS } from "../presets/paper-agents.js";
import {
  PopulationTracker,
  createPopulation,
  maxRelativeDifference,
  openPopulationBackend,
  populationReturns,
  type PopulationEpisodeSummary,
} from "./population.js";

interface WorkerScope {
  onmessage: ((event: { data: ToWorker }) => void) | null;
  postMessage(message: FromWorker): void;
}

const scope = globalThis as unknown as WorkerScope;

/** Longest a slice of training runs before yielding (ms). */
const SLICE_MS = 15;

let current: { stop: boolean; speed: number } | null = null;
let powInstalled = false;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function installMath(msg: { math: "fdlibm" | "engine"; powTable?: PowTable }): void {
  if (msg.math === "fdlibm") installFdlibm();
  if (msg.powTable && !powInstalled) {
    installPowTable(msg.powTable);
    powInstalled = true;
  }
}

function train(msg: StartMessage): void {
  installMath(msg);
  const session = new DemoSession(msg.run);
  const state = { stop: false, speed: msg.speed };
  current = state;
  post({
    type: "ready",
    run: session.run,
    parameterCount: { ...session.agent.parameterCount },
    maps: session.maps(),
  });
  let pending: number[] = [];
  let trainMs = 0;
  let lastReport = performance.now();
  // Pacing: episodes allowed by now = speed × (time since the pace was last set).
  let paceStart = performance.now();
  let paceBase = 0;
  let paceSpeed = state.speed;
  const report = (done: boolean) => {
    post({
      type: "progress",
      episode: session.episodes,
      returns: pending,
      maps: session.maps(),
      trainMs,
      steps: session.steps,
      done,
    });
    pending = [];
    lastReport = performance.now();
  };
  const slice = () => {
    if (current !== state) return; // a newer run replaced this one
    if (state.speed !== paceSpeed) {
      paceSpeed = state.speed;
      paceStart = performance.now();
      paceBase = session.episodes;
    }
    const t0 = performance.now();
    const allowed =
      paceSpeed > 0
        ? Math.min(msg.episodes, paceBase + Math.floor(((t0 - paceStart) / 1000) * paceSpeed))
        : msg.episodes;
    while (!state.stop && session.episodes < allowed && performance.now() - t0 < SLICE_MS)
      pending.push(session.episode());
    trainMs += performance.now() - t0;
    const finished = state.stop || session.episodes >= msg.episodes;
    if (finished || performance.now() - lastReport >= msg.reportEveryMs) report(finished);
    if (finished) {
      if (current === state) current = null;
      return;
    }
    // Busy at full speed: yield only; paced: wait for the next episode's turn (at most 50 ms).
    const wait =
      paceSpeed > 0 && session.episodes >= allowed
        ? Math.min(50, Math.max(1, 1000 / paceSpeed - (performance.now() - t0)))
        : 0;
    setTimeout(slice, wait);
  };
  setTimeout(slice, 0);
}

/**
 * A population run: opens WebGL (else the CPU path), optionally checks WebGL against the CPU path
 * over a short horizon, then trains `episodes` lockstep episodes, yielding between them so "stop"
 * lands, and posts the episodes' summaries every `reportEveryMs`.
 */
async function trainPopulationRun(msg: PopulationStartMessage): Promise<void> {
  installMath(msg);
  const state = { stop: false, speed: 0 };
  current = state;
  const { backend, info } = await openPopulationBackend(msg.backend);
  try {
    if (msg.check && info.kind === "gpu") {
      const { count, episodes, maxSteps } = msg.check;
      const small = { ...msg.run, count, maxSteps };
      const gpuReturns = await populationReturns(await createPopulation(small, backend), episodes);
      const cpu = await createBackend("cpu");
      const cpuReturns = await populationReturns(await createPopulation(small, cpu), episodes);
      await cpu.dispose();
      post({
        type: "population-check",
        mode: info.mode,
        count,
        episodes,
        maxSteps,
        gpuReturns,
        cpuReturns,
        maxRelativeDifference: maxRelativeDifference(gpuReturns, cpuReturns),
      });
    }
    const pop = await createPopulation(msg.run, backend);
    const { rows: N, cols: M } = pop.actorGrid;
    const { rows: Nc, cols: Mc } = pop.criticGrid;
    const K = pop.maxRank;
    post({
      type: "population-ready",
      backend: info,
      count: pop.count,
      agentParameters: (N + M) * K + 1 + (Nc + Mc) * K,
    });
    const tracker = new PopulationTracker(pop.count, PAPER_TASKS[msg.run.task].threshold);
    let pending: PopulationEpisodeSummary[] = [];
    let trainMs = 0;
    const first = { ms: 0, steps: 0 };
    let lastReport = performance.now();
    let sliceStart = performance.now();
    for (let e = 0; e < msg.episodes && !state.stop && current === state; e++) {
      const t0 = performance.now();
      const r = await pop.trainEpisode();
      trainMs += performance.now() - t0;
      if (e === 0) {
        first.ms = trainMs;
        first.steps = r.steps;
      }
      pending.push(tracker.add(r.returns));
      const done = e + 1 === msg.episodes;
      if (done || performance.now() - lastReport >= msg.reportEveryMs) {
        post({
          type: "population-progress",
          episode: e + 1,
          summaries: pending,
          steps: pop.totalSteps,
          trainMs,
          firstEpisodeMs: first.ms,
          firstEpisodeSteps: first.steps,
          done,
        });
        pending = [];
        lastReport = performance.now();
      }
      if (performance.now() - sliceStart >= SLICE_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        sliceStart = performance.now();
      }
    }
    if (pending.length > 0 || state.stop)
      post({
        type: "population-progress",
        episode: pop.episodesDone,
        summaries: pending,
        steps: pop.totalSteps,
        trainMs,
        firstEpisodeMs: first.ms,
        firstEpisodeSteps: first.steps,
        done: true,
      });
  } finally {
    if (current === state) current = null;
    await backend.dispose();
  }
}

scope.onmessage = (event) => {
  const msg = event.data;
  try {
    if (msg.type === "start") train(msg);
    else if (msg.type === "population")
      trainPopulationRun(msg).catch((err: unknown) =>
        post({ type: "error", message: (err as Error).message }),
      );
    else if (msg.type === "speed" && current) current.speed = msg.speed;
    else if (msg.type === "stop" && current) current.stop = true;
  } catch (err) {
    post({ type: "error", message: (err as Error).message });
  }
};
