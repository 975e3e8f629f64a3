/**
 * The live page's training worker (bundled by esbuild into a classic script the page starts from a
 * Blob URL): trains one {@link DemoSession} in slices of a few milliseconds, paced to the requested
 * episodes per second, and posts the new returns and the μ, σ and V maps every `reportEveryMs`.
 * Between slices it yields to its event loop, so "speed" and "stop" messages land promptly.
 */
import type { FromWorker, StartMessage, ToWorker } from "./protocol.js";
import { installFdlibm, installPowTable } from "./fdlibm.js";
import { DemoSession } from "./session.js";

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

function train(msg: StartMessage): void {
  if (msg.math === "fdlibm") installFdlibm();
  if (msg.powTable && !powInstalled) {
    installPowTable(msg.powTable);
    powInstalled = true;
  }
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

scope.onmessage = (event) => {
  const msg = event.data;
  try {
    if (msg.type === "start") train(msg);
    else if (msg.type === "speed" && current) current.speed = msg.speed;
    else if (msg.type === "stop" && current) current.stop = true;
  } catch (err) {
    post({ type: "error", message: (err as Error).message });
  }
};
