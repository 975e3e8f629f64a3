export type {
  AdamStepConfig,
  BatchedEntries,
  BatchedFactors,
  FactorBackend,
  FloatArray,
  IndexArray,
} from "./factor-backend.js";
export { CpuFactorBackend } from "./cpu-backend.js";
export { GpuFactorBackend, toFloat32 } from "./gpu-backend.js";
export {
  adamStepInPlace,
  applyDenseGradientInPlace,
  entryGradientsInto,
  gatherEntriesInto,
  reconstructInto,
} from "./cpu-kernels.js";
export {
  availableBackends,
  BACKEND_KINDS,
  createBackend,
  type BackendAvailability,
  type BackendKind,
  type BackendOptions,
} from "./create-backend.js";
export {
  GPU_MODES,
  kernelSource,
  openGpuRuntime,
  probeGpuJsModes,
  resolveGpuMode,
  type CompileOptions,
  type DeviceArray,
  type KernelArray,
  type GpuKernel,
  type KernelOutput,
  type GpuMode,
  type GpuModeProbe,
  type GpuRuntime,
  type KernelArg,
  type KernelFunction,
  type KernelSource,
  type KernelThis,
  type ResolvedGpuMode,
  type RuntimeOptions,
} from "./gpujs.js";
export { copyKernel } from "./gpu-kernels.js";
