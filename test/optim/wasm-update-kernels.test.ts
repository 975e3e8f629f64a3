import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Adam, RmsProp, Sgd, WASM_MIN_LENGTH, makeParameter, type Parameter } from "../../src/optim/index.js";
import { wasmUpdateKernelsAvailable } from "../../src/optim/wasm-update-kernels.js";
import { UpdateArena } from "../../src/optim/wasm-update-kernels.js";
import { MIN_PLACED_LENGTH, placementOf } from "../../src/optim/parameter-memory.js";

/** Object.is on every entry: bit-identical up to NaN payloads (−0 and +0 differ). */
function expectSameBits(a: Float64Array, b: Float64Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) expect([i, a[i]]).toEqual([i, b[i]]);
}

const gradient = (n: number) =>
  fc.array(
    fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constantFrom(0, -0, 1e-300, -1e-300, 5e-324)),
    { minLength: n, maxLength: n },
  );

/** Parameters of the given lengths (odd and even: the wasm path does pairs, JS the last odd entry). */
const setup = fc
  .array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 })
  .chain((lengths) =>
    fc.tuple(
      fc.constant(lengths),
      fc.tuple(...lengths.map((n) => gradient(n))),
      fc.array(fc.tuple(...lengths.map((n) => gradient(n))), { minLength: 1, maxLength: 4 }),
    ),
  );

function params(lengths: number[], init: number[][]): Parameter[] {
  return lengths.map((n, q) => makeParameter(`p${q}`, [n], Float64Array.from(init[q])));
}

type MakeOpt = (ps: Parameter[], backend: "js" | "wasm") => RmsProp | Adam | Sgd;

function checkBitIdentical(make: MakeOpt): void {
  fc.assert(
    fc.property(setup, ([lengths, init, grads]) => {
      const pj = params(lengths, init);
      const pw = params(lengths, init);
      const oj = make(pj, "js");
      const ow = make(pw, "wasm");
      expect(ow.backend).toBe("wasm");
      for (const g of grads) {
        g.forEach((gq, q) => {
          pj[q].grad.set(gq);
          pw[q].grad.set(gq);
        });
        oj.step();
        ow.step();
      }
      pj.forEach((p, q) => expectSameBits(p.data, pw[q].data));
      expect(JSON.stringify(ow.getState())).toBe(JSON.stringify(oj.getState()));
    }),
    { numRuns: 150, seed: 23 },
  );
}

describe("f64x2 WebAssembly optimizer kernels", () => {
  it("are available on this runtime (Node ≥ 16.4); the default backend picks them by size", () => {
    expect(wasmUpdateKernelsAvailable()).toBe(true);
    expect(new RmsProp([makeParameter("w", [2])], { lr: 1 }).backend).toBe("auto");
    expect(new Adam([makeParameter("w", [2])], { lr: 1 }).backend).toBe("auto");
    expect(new Sgd([makeParameter("w", [2])], { lr: 1 }).backend).toBe("auto");
  });

  it("centered RMSProp (MinAtar's α .95, ε .01): wasm and JS bit-identical", () => {
    checkBitIdentical(
      (ps, backend) => new RmsProp(ps, { lr: 2.5e-4, alpha: 0.95, eps: 0.01, centered: true, backend }),
    );
  });

  it("plain RMSProp with torch defaults: wasm and JS bit-identical", () => {
    checkBitIdentical((ps, backend) => new RmsProp(ps, { lr: 1e-2, backend }));
  });

  it("Adam without and with weight decay: wasm and JS bit-identical", () => {
    checkBitIdentical((ps, backend) => new Adam(ps, { lr: 1e-3, backend }));
    checkBitIdentical((ps, backend) => new Adam(ps, { lr: 1e-3, weightDecay: 0.1, backend }));
  });

  it("SGD with and without momentum: wasm and JS bit-identical", () => {
    checkBitIdentical((ps, backend) => new Sgd(ps, { lr: 0.05, backend }));
    checkBitIdentical((ps, backend) => new Sgd(ps, { lr: 0.05, momentum: 0.9, backend }));
  });

  it("auto: JS below WASM_MIN_LENGTH, kernels from it, bit-identical to JS either side", () => {
    for (const make of [
      (ps: Parameter[], backend: "auto" | "js") => new Adam(ps, { lr: 1e-3, weightDecay: 0.01, backend }),
      (ps: Parameter[], backend: "auto" | "js") => new RmsProp(ps, { lr: 1e-2, centered: true, backend }),
      (ps: Parameter[], backend: "auto" | "js") => new Sgd(ps, { lr: 1e-2, momentum: 0.5, backend }),
    ]) {
      const lengths = [1, WASM_MIN_LENGTH - 1, WASM_MIN_LENGTH, 3 * WASM_MIN_LENGTH + 1];
      const init = (n: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(i + n));
      const pa = lengths.map((n, q) => makeParameter(`p${q}`, [n], init(n)));
      const pj = lengths.map((n, q) => makeParameter(`p${q}`, [n], init(n)));
      const auto = make(pa, "auto");
      const js = make(pj, "js");
      expect(
        (auto as unknown as { arena: { slots: unknown[] } }).arena.slots.map((slot) => slot !== null),
      ).toEqual([false, false, true, true]);
      for (let t = 0; t < 5; t++) {
        for (const ps of [pa, pj])
          ps.forEach((p, q) => p.grad.forEach((_, i) => (p.grad[i] = Math.cos(i * t + q))));
        auto.step();
        js.step();
      }
      pa.forEach((p, q) => expectSameBits(p.data, pj[q].data));
      expect(JSON.stringify(auto.getState())).toBe(JSON.stringify(js.getState()));
    }
  });

  it("a large parameter (several SIMD lanes, odd length) matches JS bit for bit over many steps", () => {
    const n = 4097;
    const init = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const pj = makeParameter("w", [n], Float64Array.from(init));
    const pw = makeParameter("w", [n], Float64Array.from(init));
    const oj = new RmsProp([pj], { lr: 0.01, alpha: 0.95, eps: 0.01, centered: true, backend: "js" });
    const ow = new RmsProp([pw], { lr: 0.01, alpha: 0.95, eps: 0.01, centered: true, backend: "wasm" });
    for (let t = 0; t < 30; t++) {
      for (let i = 0; i < n; i++) pj.grad[i] = pw.grad[i] = Math.cos(i * (t + 1)) * 1e-2;
      oj.step();
      ow.step();
    }
    expectSameBits(pj.data, pw.data);
    expectSameBits(oj.averages("w").squareAvg, ow.averages("w").squareAvg);
    expectSameBits(oj.averages("w").gradAvg, ow.averages("w").gradAvg);
  });

  it("state restored into a wasm optimizer continues identically to the saved JS one", () => {
    const p = makeParameter("w", [3], Float64Array.from([1, -2, 3]));
    const js = new Adam([p], { lr: 0.05, backend: "js" });
    p.grad.set([0.3, -0.2, 0.1]);
    js.step();
    const q = makeParameter("w", [3], Float64Array.from(p.data));
    const wasm = new Adam([q], { lr: 0.05, backend: "wasm" });
    wasm.setState(JSON.parse(JSON.stringify(js.getState())));
    for (const g of [
      [0.1, 0.4, -1],
      [2, 0, -0.5],
    ]) {
      p.grad.set(g);
      q.grad.set(g);
      js.step();
      wasm.step();
    }
    expectSameBits(p.data, q.data);
    expect(wasm.stepCount).toBe(3);
  });

  it("zeroGradAfterStep clears every gradient after the update and changes nothing else", () => {
    for (const backend of ["js", "wasm"] as const) {
      const a = [makeParameter("u", [5], Float64Array.from([1, 2, 3, 4, 5])), makeParameter("b", [1])];
      const b = [makeParameter("u", [5], Float64Array.from([1, 2, 3, 4, 5])), makeParameter("b", [1])];
      const fused = new RmsProp(a, { lr: 0.1, centered: true, zeroGradAfterStep: true, backend });
      const plain = new RmsProp(b, { lr: 0.1, centered: true, backend });
      for (const ps of [a, b]) {
        ps[0].grad.set([0.5, -1, 0, 2, 3]);
        ps[1].grad.set([7]);
      }
      fused.step();
      plain.step();
      expect(Array.from(a[0].grad)).toEqual([0, 0, 0, 0, 0]);
      expect(Array.from(a[1].grad)).toEqual([0]);
      expect(Array.from(b[1].grad)).toEqual([7]);
      expectSameBits(a[0].data, b[0].data);
      const adam = new Adam(a, { lr: 0.1, zeroGradAfterStep: true, backend });
      a[0].grad.fill(1);
      adam.step();
      expect(Array.from(a[0].grad)).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it("rejects an unknown backend, naming it", () => {
    const p = makeParameter("w", [2]);
    expect(() => new RmsProp([p], { lr: 1, backend: "gpu" as "js" })).toThrow(
      /backend must be "auto", "wasm" or "js", got gpu/,
    );
    expect(() => new Adam([p], { lr: 1, backend: "gpu" as "js" })).toThrow(
      /backend must be "auto", "wasm" or "js", got gpu/,
    );
  });

  it("UpdateArena: zero-initialised, 16-byte aligned state views of the requested lengths", () => {
    const ps = [makeParameter("a", [3]), makeParameter("b", [0]), makeParameter("c", [8])];
    const arena = new UpdateArena(ps, 2);
    expect(arena.state.map((row) => row.map((v) => v.length))).toEqual([
      [3, 0, 8],
      [3, 0, 8],
    ]);
    for (let q = 0; q < 3; q++) {
      const slot = arena.slots[q]!;
      expect(slot.inPlace).toBe(false);
      for (const ptr of [...slot.statePtrs, slot.dataPtr, slot.gradPtr]) expect(ptr % 16).toBe(0);
      for (let k = 0; k < 2; k++) expect(arena.state[k][q].every((x) => x === 0)).toBe(true);
    }
  });

  it("large parameters are placed in WebAssembly memory and updated in place, bit-identical to JS", () => {
    const n = MIN_PLACED_LENGTH + 3;
    const placed = makeParameter("w", [n]);
    expect(placementOf(placed.data)).toBeDefined();
    expect(placementOf(makeParameter("small", [MIN_PLACED_LENGTH - 1]).data)).toBeUndefined();
    expect(placementOf(makeParameter("given", [n], new Float64Array(n)).data)).toBeUndefined();
    const plain = makeParameter("w", [n], new Float64Array(n));
    for (let i = 0; i < n; i++) placed.data[i] = plain.data[i] = Math.sin(i);
    const inPlace = new RmsProp([placed], {
      lr: 0.01,
      alpha: 0.95,
      eps: 0.01,
      centered: true,
      backend: "wasm",
    });
    const js = new RmsProp([plain], { lr: 0.01, alpha: 0.95, eps: 0.01, centered: true, backend: "js" });
    // A second optimizer over the same parameter cannot share the reserved state: it copies.
    const twin = makeParameter("w", [n]);
    twin.data.set(placed.data);
    const first = new Adam([twin], { lr: 1e-3, backend: "wasm" });
    const second = new Adam([twin], { lr: 1e-3, backend: "wasm" });
    const twinJs = makeParameter("w", [n], Float64Array.from(twin.data));
    const firstJs = new Adam([twinJs], { lr: 1e-3, backend: "js" });
    const secondJs = new Adam([twinJs], { lr: 1e-3, backend: "js" });
    for (let t = 0; t < 10; t++) {
      for (let i = 0; i < n; i++) {
        placed.grad[i] = plain.grad[i] = Math.cos(i * (t + 1)) * 1e-2;
        twin.grad[i] = twinJs.grad[i] = Math.sin(i * (t + 2)) * 1e-2;
      }
      inPlace.step();
      js.step();
      // Two Adams (in place, then copying) step the same parameter; so do two JS ones.
      first.step();
      second.step();
      firstJs.step();
      secondJs.step();
    }
    expectSameBits(plain.data, placed.data);
    expectSameBits(js.averages("w").gradAvg, inPlace.averages("w").gradAvg);
    expectSameBits(twinJs.data, twin.data);
    expectSameBits(secondJs.moments("w").expAvgSq, second.moments("w").expAvgSq);
    expect(first.moments("w").expAvg.buffer).toBe(twin.data.buffer);
    expect(second.moments("w").expAvg.buffer).not.toBe(twin.data.buffer);
  });
});
