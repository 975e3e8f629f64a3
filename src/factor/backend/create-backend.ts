import { CpuFactorBackend } from "./cpu-backend.js";
import type { FactorBackend } from "./factor-backend.js";
import { GpuFactorBackend } from "./gpu-backend.js";
import {
  GPU_MODES,
  probeGpuJsModes,
  resolveGpuMode,
  type GpuMode,
  type GpuModeProbe,
  type ResolvedGpuMode,
} from "./gpujs.js";

export type BackendKind = "cpu" | "gpu";
export const BACKEND_KINDS: readonly BackendKind[] = ["cpu", "gpu"];

export interface BackendOptions {
  /** gpu.js mode for the gpu backend (default `auto`: headlessgl if a GL context opens, else webasm). */
  mode?: GpuMode;
  /** gpu backend: split kernels over a worker pool where the mode supports it (webasm); default false. */
  threads?: boolean;
}

/**
 * `createBackend("cpu")` → float64 loops (the default everywhere); `createBackend("gpu", { mode })`
 * → gpu.js in that mode, or an Error naming what is missing (e.g. the native `gl` build or a display).
 */
export async function createBackend(
  kind: BackendKind = "cpu",
  options: BackendOptions = {},
): Promise<FactorBackend> {
  if (kind === "cpu") {
    if (options.mode !== undefined)
      throw new RangeError(
        `backend option 'mode' applies to the gpu backend only, got mode ${JSON.stringify(options.mode)} with backend "cpu"`,
      );
    if (options.threads !== undefined)
      throw new RangeError(
        `backend option 'threads' applies to the gpu backend only, got threads ${options.threads} with backend "cpu"`,
      );
    return new CpuFactorBackend();
  }
  if (kind === "gpu")
    return GpuFactorBackend.open(options.mode ?? "auto", { threads: options.threads ?? false });
  throw new RangeError(`backend must be one of ${BACKEND_KINDS.join(", ")}, got ${JSON.stringify(kind)}`);
}

/** What `availableBackends()` reports. */
export interface BackendAvailability {
  /** Always available: float64 loops. */
  cpu: { available: true; precision: "float64" };
  /** Every gpu.js mode with whether it works here and, if not, what is missing. */
  gpuModes: GpuModeProbe[];
  /** The gpu.js mode `--backend gpu` (mode auto) would run on, or null if none works. */
  gpuAuto: ResolvedGpuMode | null;
  /** The modes a user may request. */
  requestableModes: readonly GpuMode[];
}

/** Probes which gpu.js modes work on this machine and which one `--backend gpu` would use. */
export async function availableBackends(): Promise<BackendAvailability> {
  const gpuModes = await probeGpuJsModes();
  const gpuAuto: ResolvedGpuMode | null = await resolveGpuMode("auto").catch(() => null);
  return { cpu: { available: true, precision: "float64" }, gpuModes, gpuAuto, requestableModes: GPU_MODES };
}
