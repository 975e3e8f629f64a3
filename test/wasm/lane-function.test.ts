import { describe, expect, it } from "vitest";
import { WasmExp } from "../../src/wasm/exp.js";
import { WasmSin } from "../../src/wasm/sincos.js";

describe("WasmLaneFunction's reserved buffers (no copies)", () => {
  it("applyReserved(m) sets output[i] = f(input[i]) for i < m, for 4- and 2-vector kernels", () => {
    for (const [lanes, f] of [
      [WasmExp.create()!, Math.exp],
      [WasmSin.create()!, Math.sin],
    ] as const) {
      const { input, output } = lanes.reserve(13);
      expect(input.length).toBeGreaterThanOrEqual(13);
      for (const m of [13, 5, 1]) {
        for (let i = 0; i < m; i++) input[i] = (i - 6) * 0.37 + m;
        lanes.applyReserved(m);
        for (let i = 0; i < m; i++) expect(Object.is(output[i], f(input[i]))).toBe(true);
      }
      lanes.applyReserved(0);
    }
  });

  it("rejects a batch larger than the reservation, naming the allowed range", () => {
    const lanes = WasmExp.create()!;
    const { input } = lanes.reserve(3);
    expect(() => lanes.applyReserved(input.length + 1)).toThrow(
      new RegExp(`applyReserved: m must be in \\[0, ${input.length}\\], got ${input.length + 1}`),
    );
  });
});
