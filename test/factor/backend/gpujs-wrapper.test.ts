import { afterAll, describe, expect, it } from "vitest";
import {
  copyKernel,
  openGpuRuntime,
  type GpuRuntime,
  type KernelArray,
  type KernelThis,
} from "../../../src/factor/backend/index.js";

function indexKernel(this: KernelThis, scale: number): number {
  return (this.thread.z * 100 + this.thread.y * 10 + this.thread.x) * scale;
}

function sumKernel(this: KernelThis, a: KernelArray, b: KernelArray): number {
  return a[this.thread.x] + 2 * b[this.thread.x];
}

for (const mode of ["cpu", "webasm"] as const) {
  describe(`gpu.js wrapper (${mode})`, () => {
    let rt: GpuRuntime | null = null;
    const open = async (): Promise<GpuRuntime> => (rt ??= await openGpuRuntime(mode));
    afterAll(async () => {
      await rt?.destroy();
    });

    it("flattens 1-D, 2-D and 3-D outputs row-major (x fastest)", async () => {
      const k = (await open()).compile(indexKernel);
      expect(Array.from(await k.run(3, 1))).toEqual([0, 1, 2]);
      expect(Array.from(await k.run([3, 2], 1))).toEqual([0, 1, 2, 10, 11, 12]);
      expect(Array.from(await k.run([2, 2, 2], 0.5))).toEqual([0, 0.5, 5, 5.5, 50, 50.5, 55, 55.5]);
    });

    it("rejects malformed output shapes", async () => {
      const k = (await open()).compile(indexKernel);
      await expect(k.run(0, 1)).rejects.toThrow(/kernel output must be 1 to 3 integers >= 1, got 0/);
      await expect(k.run([2, 1.5], 1)).rejects.toThrow(/got \[2,1.5\]/);
    });

    it("resident results feed later kernels without a host round trip; toDevice needs { resident: true }", async () => {
      const runtime = await open();
      const toDeviceA = runtime.compile(copyKernel, { resident: true });
      const toDeviceB = runtime.compile(copyKernel, { resident: true });
      const a = await toDeviceA.toDevice(4, Float32Array.of(1, 2, 3, 4));
      const b = await toDeviceB.toDevice(4, Float32Array.of(10, 20, 30, 40));
      expect(a.length).toBe(4);
      const sum = runtime.compile(sumKernel);
      expect(Array.from(await sum.run(4, a, b))).toEqual([21, 42, 63, 84]);
      expect(Array.from(await sum.run(4, a, Float32Array.of(0, 0, 0, 1)))).toEqual([1, 2, 3, 6]);
      await expect(runtime.compile(copyKernel).toDevice(4, Float32Array.of(1, 2, 3, 4))).rejects.toThrow(
        /resident: true/,
      );
    });

    it("keeps up to `specializations` shapes compiled (least recently used evicted)", async () => {
      const runtime = await open();
      const k = runtime.compile(indexKernel, { specializations: 2 });
      const before = runtime.kernelCount;
      await k.run(2, 1);
      await k.run(3, 1);
      await k.run(2, 1);
      await k.run(3, 1);
      expect(runtime.kernelCount - before).toBe(2);
      await k.run(4, 1); // evicts 2 (least recently used)
      await k.run(3, 1);
      await k.run(2, 1); // recompiled
      expect(runtime.kernelCount - before).toBe(4);
    });
  });
}
