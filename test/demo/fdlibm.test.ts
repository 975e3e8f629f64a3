import { describe, expect, it } from "vitest";
import { FDLIBM, TRIG_REDUCTION_LIMIT, cos, exp, log, matchesEngine, sin } from "../../src/demo/fdlibm.js";

/**
 * The page's sin, cos, exp and log against this Node's Math (V8 with fdlibm in Node 20): the same
 * bits on every argument tried, so a worker that installs them computes what `lowrank-rl run` does.
 * On an engine whose Math uses another library this test fails, and `lowrank-rl demo` then leaves
 * the browser's own functions in place (matchesEngine()).
 */
describe("fdlibm sin, cos, exp, log", () => {
  it("equal this Node's Math.* bit for bit on 200 000 arguments across scales, and on special values", () => {
    let s = 12345;
    const rnd = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    const scales = [1e-9, 0.5, 4, 40, 800, 1e5, TRIG_REDUCTION_LIMIT];
    const bad: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const x = (rnd() * 2 - 1) * scales[i % scales.length];
      for (const [name, f] of Object.entries(FDLIBM)) {
        const arg = name === "log" ? Math.abs(x) * (i % 3 === 0 ? 1e-300 : 1) : x;
        const native = (Math as unknown as Record<string, (v: number) => number>)[name](arg);
        if (!Object.is(native, f(arg)) && bad.length < 5)
          bad.push(`${name}(${arg}) = ${native}, got ${f(arg)}`);
      }
    }
    expect(bad).toEqual([]);
    for (const v of [
      0,
      -0,
      1,
      -1,
      2,
      Math.PI,
      -Math.PI / 2,
      Math.PI / 4,
      Infinity,
      -Infinity,
      NaN,
      1e-310,
      709.78,
      709.8,
      -745.2,
      -746,
      1e10,
    ]) {
      expect(sin(v), `sin ${v}`).toBe(Math.sin(v));
      expect(cos(v), `cos ${v}`).toBe(Math.cos(v));
      expect(exp(v), `exp ${v}`).toBe(Math.exp(v));
      expect(log(v), `log ${v}`).toBe(Math.log(v));
    }
  });

  it("matchesEngine() holds here, so `lowrank-rl demo` pages install them", () => {
    expect(matchesEngine()).toBe(true);
  });
});
