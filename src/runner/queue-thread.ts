import { parentPort } from "node:worker_threads";
import { executeRun, resumeRun, type RunResult } from "./run.js";

/**
 * Worker-thread entry of a queue worker (src/runner/queue-worker.ts): runs one job at a time
 * through the same lifecycle as a local sweep's pool worker (`executeRun`, or `resumeRun` from
 * the newest checkpoint), so its files are the same. Training runs off the worker's main
 * thread, which stays free to renew the job's lock in Redis. A "stop" message aborts the run
 * at the next episode boundary: it checkpoints and returns "interrupted".
 */
export type ThreadRequest = { type: "run"; config: unknown; dir: string; resume: boolean } | { type: "stop" };

export type ThreadReply =
  { type: "done"; result: RunResult } | { type: "error"; name: string; message: string };

const port = parentPort;
if (port) {
  let controller: AbortController | null = null;
  port.on("message", (msg: ThreadRequest) => {
    if (msg.type === "stop") {
      controller?.abort();
      return;
    }
    controller = new AbortController();
    const { signal } = controller;
    const run = msg.resume
      ? resumeRun(msg.dir, { signal })
      : executeRun(msg.config, { dir: msg.dir, signal });
    run.then(
      (result) =>
        port.postMessage({ type: "done", result: { ...result, returns: [] } } satisfies ThreadReply),
      (err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        port.postMessage({ type: "error", name: e.name, message: e.message } satisfies ThreadReply);
      },
    );
  });
}
