import { describe, expect, it } from "vitest";
import {
  availableBackends,
  createBackend,
  type BackendKind,
  type GpuMode,
} from "../../../src/factor/backend/index.js";
import { LowRankMatrix } from "../../../src/factor/low-rank-matrix.js";
import { Rng } from "../../../src/random/rng.js";

describe("createBackend / availableBackends", () => {
  it("cpu is the default and runs float64 loops", async () => {
    const b = await createBackend();
    expect(b.kind).toBe("cpu");
    expect(b.precision).toBe("float64");
  });

  it("reports every gpu.js mode, with a reason for each unavailable one, and the auto choice", async () => {
    const a = await availableBackends();
    expect(a.gpuModes.map((p) => p.mode).sort()).toEqual(["cpu", "headlessgl", "webasm"]);
    for (const p of a.gpuModes) {
      if (!p.available) expect(p.reason ?? "").toMatch(/\S{10,}/);
    }
    const cpuMode = a.gpuModes.find((p) => p.mode === "cpu");
    expect(cpuMode?.available).toBe(true);
    const firstAvailable = ["headlessgl", "webasm", "cpu"].find(
      (m) => a.gpuModes.find((p) => p.mode === m)?.available,
    );
    expect(a.gpuAuto).toBe(firstAvailable);
  });

  it("a gpu mode that is not available fails naming the missing piece; an available one opens", async () => {
    const a = await availableBackends();
    const headless = a.gpuModes.find((p) => p.mode === "headlessgl");
    for (const mode of ["headlessgl", "gpu"] as const) {
      if (headless?.available) {
        const b = await createBackend("gpu", { mode });
        expect(b.mode).toBe("headlessgl");
        await b.dispose();
      } else {
        await expect(createBackend("gpu", { mode })).rejects.toThrow(
          /'gl'.*(npm rebuild gl|xvfb-run|DISPLAY|context)/,
        );
      }
    }
  });

  it("auto opens the mode availableBackends announces", async () => {
    const a = await availableBackends();
    const b = await createBackend("gpu");
    expect(b.mode).toBe(a.gpuAuto);
    await b.dispose();
  });

  it("webasm with worker threads gives bit-identical results", async () => {
    const rng = new Rng(4);
    const f = {
      count: 2,
      rows: 40,
      cols: 30,
      rank: 3,
      L: rng.fillNormal(new Float64Array(240)),
      R: rng.fillNormal(new Float64Array(180)),
    };
    const sync = await createBackend("gpu", { mode: "webasm" });
    const threaded = await createBackend("gpu", { mode: "webasm", threads: true });
    expect(Array.from(await threaded.reconstruct(f))).toEqual(Array.from(await sync.reconstruct(f)));
    await sync.dispose();
    await threaded.dispose();
  });

  it("rejects unknown kinds and modes, naming the parameter and the allowed values", async () => {
    await expect(createBackend("tpu" as BackendKind)).rejects.toThrow(
      /backend must be one of cpu, gpu, got "tpu"/,
    );
    await expect(createBackend("gpu", { mode: "cuda" as GpuMode })).rejects.toThrow(
      /gpu mode must be one of auto, webasm, cpu, headlessgl, gpu, got "cuda"/,
    );
    await expect(createBackend("cpu", { mode: "webasm" })).rejects.toThrow(/mode.*gpu backend only/);
  });
});

describe("cpu backend", () => {
  it("is bit-identical to LowRankMatrix (entries, gradients, dense reconstruction)", async () => {
    const rng = new Rng(3);
    const x = LowRankMatrix.random(7, 5, 3, rng);
    const b = await createBackend("cpu");
    const f = { count: 1, rows: 7, cols: 5, rank: 3, L: x.L.data, R: x.R.data };
    expect(Array.from(await b.reconstruct(f))).toEqual(Array.from(x.toDense()));
    const rows = new Int32Array([0, 6, 6, 2]);
    const cols = new Int32Array([4, 0, 0, 3]);
    const g = new Float64Array([0.5, -1.25, 2, 3]);
    const e = { capacity: 4, rowIdx: rows, colIdx: cols, counts: new Int32Array([4]) };
    expect(Array.from(await b.gatherEntries(f, e))).toEqual(
      [0, 1, 2, 3].map((q) => x.entry(rows[q], cols[q])),
    );
    x.zeroGrad();
    x.accumulateBatchGrad(rows, cols, g);
    const { gradL, gradR } = await b.entryGradients(f, e, g);
    expect(Array.from(gradL)).toEqual(Array.from(x.L.grad));
    expect(Array.from(gradR)).toEqual(Array.from(x.R.grad));
  });

  it("dense step uses the old L for the R update", async () => {
    const b = await createBackend("cpu");
    // n = m = K = 1: L' = L − a·G·R, R' = R − a·G·L (old L).
    const f = { count: 1, rows: 1, cols: 1, rank: 1, L: new Float64Array([2]), R: new Float64Array([3]) };
    await b.applyDenseGradient(f, new Float64Array([1]), 0.5);
    expect(f.L[0]).toBe(2 - 0.5 * 3);
    expect(f.R[0]).toBe(3 - 0.5 * 2);
  });

  it("validates shapes and indices, naming the field and the allowed range", async () => {
    const b = await createBackend("cpu");
    const f = { count: 2, rows: 3, cols: 2, rank: 1, L: new Float64Array(6), R: new Float64Array(4) };
    await expect(b.reconstruct({ ...f, L: new Float64Array(5) })).rejects.toThrow(
      /factors.L has length 5, expected count·rows·rank = 6/,
    );
    await expect(b.reconstruct({ ...f, rank: 0 })).rejects.toThrow(
      /factors.rank must be an integer >= 1, got 0/,
    );
    const e = {
      capacity: 1,
      rowIdx: new Int32Array([3, 0]),
      colIdx: new Int32Array([0, 0]),
      counts: new Int32Array([1, 1]),
    };
    await expect(b.gatherEntries(f, e)).rejects.toThrow(
      /entries.rowIdx\[0\] must be an integer in \[0, 2\], got 3/,
    );
    await expect(
      b.gatherEntries(f, { ...e, rowIdx: new Int32Array([0, 0]), counts: new Int32Array([2, 0]) }),
    ).rejects.toThrow(/entries.counts\[0\] must be an integer in \[0, 1\], got 2/);
    const p = new Float64Array(2);
    await expect(
      b.adamStep(p, p, p, p, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 0 }),
    ).rejects.toThrow(/adam.step must be an integer >= 1, got 0/);
  });
});

describe("`lowrank-rl backends` report (src/cli/backends.ts)", () => {
  it("lists every mode, the reason of each unavailable one and the auto choice", async () => {
    const { printBackends } = await import("../../../src/cli/backends.js");
    let text = "";
    const a = await printBackends({ write: (t) => (text = t) });
    for (const p of a.gpuModes) {
      expect(text).toContain(p.mode);
      if (!p.available) expect(text).toContain(p.reason ?? "?");
    }
    expect(text).toContain(`would use: ${a.gpuAuto}`);
    let json = "";
    await printBackends({ json: true, write: (t) => (json = t) });
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(a)));
  });
});
