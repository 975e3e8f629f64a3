import { sinCosLaneInRange, WasmSin } from "../wasm/sincos.js";

/**
 * sin of one argument per listed agent, computed for the whole list at once on WebAssembly f64x2
 * lanes (src/wasm/sincos.ts: bit-identical to `Math.sin` on the arguments it covers; the others go
 * to `Math.sin` itself), so each agent's env step reads the same double its own `Math.sin` call
 * would give.
 */
export interface LaneSines {
  /** sin of list position x's argument, after {@link compute}. */
  readonly output: Float64Array;
  /** output[x] = sin(argument(states, list[x]·S)) for x < n. */
  compute(
    list: Int32Array,
    n: number,
    states: Float64Array,
    S: number,
    argument: (states: Float64Array, offset: number) => number,
  ): void;
}

/** Below this many agents the sines are computed with Math.sin itself. */
const FEW = 4;

/** Lane sines for lists of up to `count` agents; null without WebAssembly SIMD or where the runtime's Math.sin is not the one the lanes reproduce. */
export function laneSines(count: number): LaneSines | null {
  const lanes = WasmSin.create();
  if (lanes === null) return null;
  const { input, output } = lanes.reserve(count);
  return {
    output,
    compute(list, n, states, S, argument): void {
      if (n < FEW) {
        // A call into WebAssembly costs more than a few Math.sin calls.
        for (let x = 0; x < n; x++) output[x] = Math.sin(argument(states, list[x] * S));
        return;
      }
      let covered = true;
      for (let x = 0; x < n; x++) {
        const g = argument(states, list[x] * S);
        input[x] = g;
        covered = covered && sinCosLaneInRange(g);
      }
      lanes.applyReserved(n);
      if (!covered)
        for (let x = 0; x < n; x++) if (!sinCosLaneInRange(input[x])) output[x] = Math.sin(input[x]);
    },
  };
}
