/**
 * `lowrank-rl backends`: which compute backends work on this machine, and which gpu.js mode
 * `--backend gpu` would run on. Wired into the CLI by src/cli/main.ts.
 */
import { availableBackends, type BackendAvailability } from "../factor/backend/index.js";

/** The availability report as printed lines (no trailing newline). */
export function formatBackends(a: BackendAvailability): string {
  const lines: string[] = [];
  lines.push("cpu   available   float64 loops (the default backend)");
  lines.push("gpu   gpu.js 2.24.1, float32; modes on this machine:");
  for (const p of a.gpuModes) {
    lines.push(`  ${p.mode.padEnd(11)} ${p.available ? "available" : "NOT available"}`);
    if (!p.available && p.reason) lines.push(`${" ".repeat(14)}${p.reason}`);
  }
  lines.push(
    a.gpuAuto === null
      ? "--backend gpu: no gpu.js mode works here"
      : `--backend gpu (mode auto) would use: ${a.gpuAuto}${a.gpuAuto === "headlessgl" ? "" : " (no GL device: kernels run on the CPU, in float32)"}`,
  );
  lines.push(`request a mode with --gpu-mode ${a.requestableModes.join("|")}`);
  return lines.join("\n");
}

/** Probes the backends; prints the report (or JSON) and returns the availability object. */
export async function printBackends(
  options: { json?: boolean; write?: (text: string) => void } = {},
): Promise<BackendAvailability> {
  const a = await availableBackends();
  const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
  write(options.json ? JSON.stringify(a, null, 2) : formatBackends(a));
  return a;
}
