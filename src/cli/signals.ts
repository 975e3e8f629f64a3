/**
 * Turns the first SIGINT/SIGTERM into an abort request (the run checkpoints after the current
 * episode and exits); a second one exits at once. Returns the signal and a disposer.
 */
export function stopOnSignals(onFirst?: (signal: NodeJS.Signals) => void): {
  signal: AbortSignal;
  received: () => NodeJS.Signals | null;
  dispose: () => void;
} {
  const controller = new AbortController();
  let got: NodeJS.Signals | null = null;
  const handler = (sig: NodeJS.Signals) => {
    if (got !== null) process.exit(sig === "SIGINT" ? 130 : 143);
    got = sig;
    onFirst?.(sig);
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
