import { describe, expect, it } from "vitest";
import { Lbfgs, cubicInterpolate } from "../../src/optim/lbfgs.js";
import { makeParameter } from "../../src/optim/parameter.js";

/** Rosenbrock f(x, y) = (1 − x)² + 100(y − x²)² with its gradient in p.grad. */
function rosenbrock(p: ReturnType<typeof makeParameter>): () => number {
  return () => {
    const [x, y] = p.data;
    p.grad[0] = -2 * (1 - x) - 400 * x * (y - x * x);
    p.grad[1] = 200 * (y - x * x);
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
  };
}

describe("Lbfgs (torch.optim.LBFGS with strong Wolfe)", () => {
  it("solves Rosenbrock from (−1.2, 1) in a few steps; the state carries over between steps", () => {
    const p = makeParameter("xy", [2], Float64Array.of(-1.2, 1));
    const opt = new Lbfgs([p], { maxIter: 25, historySize: 10 });
    const f = rosenbrock(p);
    const first = opt.step(f);
    expect(first).toBeCloseTo(24.2, 12);
    const { nIter, funcEvals } = opt.counters();
    expect(nIter).toBeGreaterThan(10);
    expect(funcEvals).toBeLessThanOrEqual(31);
    for (let k = 0; k < 4; k++) opt.step(f);
    expect(Math.abs(p.data[0] - 1)).toBeLessThan(1e-4);
    expect(Math.abs(p.data[1] - 1)).toBeLessThan(1e-4);
    expect(opt.counters().historyLength).toBeLessThanOrEqual(10);
  });

  it("a quadratic in n dims converges to the solution of A x = b", () => {
    const n = 6;
    const A = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? 2 + i : 0.3 / (1 + i + j))),
    );
    const b = Array.from({ length: n }, (_, i) => i - 2);
    const p = makeParameter("x", [n]);
    const opt = new Lbfgs([p], { maxIter: 50, toleranceGrad: 1e-10, toleranceChange: 1e-14 });
    opt.step(() => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        let ax = 0;
        for (let j = 0; j < n; j++) ax += A[i][j] * p.data[j];
        p.grad[i] = ax - b[i];
        f += 0.5 * p.data[i] * ax - b[i] * p.data[i];
      }
      return f;
    });
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += A[i][j] * p.data[j];
      expect(Math.abs(ax - b[i])).toBeLessThan(1e-6);
    }
  });

  it("returns at once when the gradient is below toleranceGrad (one evaluation)", () => {
    const p = makeParameter("x", [1], Float64Array.of(1));
    const opt = new Lbfgs([p]);
    let evals = 0;
    opt.step(() => {
      evals++;
      p.grad[0] = 0;
      return 3;
    });
    expect(evals).toBe(1);
    expect(p.data[0]).toBe(1);
  });

  it("cubic interpolation finds the exact minimizer of a cubic", () => {
    // f(x) = x³ − 3x has its local minimum at x = 1; f' = 3x² − 3.
    const f = (x: number) => x ** 3 - 3 * x;
    const df = (x: number) => 3 * x * x - 3;
    expect(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2))).toBeCloseTo(1, 12);
    expect(cubicInterpolate(2, f(2), df(2), 0, f(0), df(0))).toBeCloseTo(1, 12);
    // clamped to the bounds
    expect(cubicInterpolate(0, f(0), df(0), 2, f(2), df(2), [1.5, 3])).toBe(1.5);
  });

  it("refuses bad options with one line naming the field", () => {
    const p = makeParameter("x", [1]);
    expect(() => new Lbfgs([p], { maxIter: 0 })).toThrow(/maxIter must be an integer > 0, got 0/);
    expect(() => new Lbfgs([p], { lr: -1 })).toThrow(/lr must be a finite number > 0/);
    expect(() => new Lbfgs([])).toThrow(/at least one parameter/);
  });
});

describe("Lbfgs state", () => {
  it("getState/setState through JSON resumes bit for bit", () => {
    const run = (split: boolean): number[] => {
      let p = makeParameter("xy", [2], Float64Array.of(-1.2, 1));
      let opt = new Lbfgs([p], { maxIter: 4 });
      for (let k = 0; k < 6; k++) {
        if (split && k === 3) {
          const saved = JSON.parse(JSON.stringify(opt.getState()));
          const data = Float64Array.from(p.data);
          p = makeParameter("xy", [2], data);
          opt = new Lbfgs([p], { maxIter: 4 });
          opt.setState(saved);
        }
        opt.step(rosenbrock(p));
      }
      return [...p.data, opt.counters().funcEvals];
    };
    expect(run(true)).toEqual(run(false));
    const opt = new Lbfgs([makeParameter("x", [3])]);
    expect(() => opt.setState({ ...opt.getState(), size: 2 })).toThrow(/size must be 3/);
  });

  it("the direction is the plain two-loop recursion's bit for bit, also past a full history (its arrays reused), and a restore after that resumes bit for bit", () => {
    // f(x) = Σ_i c_i (x_i − i/n)⁴ + Σ_i x_i x_{i+1}: non-quadratic, many curvature pairs
    const n = 7;
    const objective = (p: ReturnType<typeof makeParameter>) => () => {
      const x = p.data;
      let f = 0;
      p.grad.fill(0);
      for (let i = 0; i < n; i++) {
        const u = x[i] - i / n;
        f += (1 + i) * u ** 4;
        p.grad[i] += 4 * (1 + i) * u ** 3;
        if (i + 1 < n) {
          f += 0.1 * x[i] * x[i + 1];
          p.grad[i] += 0.1 * x[i + 1];
          p.grad[i + 1] += 0.1 * x[i];
        }
      }
      return f;
    };
    /** torch's two-loop recursion, one loop per vector operation. */
    const plainDirection = (st: ReturnType<Lbfgs["getState"]>): number[] => {
      const g = st.prevFlatGrad!;
      const m = st.oldDirs.length;
      const q = g.map((v) => -v);
      const al = new Array<number>(m);
      const dot = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);
      for (let k = m - 1; k >= 0; k--) {
        al[k] = dot(st.oldStps[k], q) * st.ro[k];
        for (let i = 0; i < n; i++) q[i] += -al[k] * st.oldDirs[k][i];
      }
      const r = q.map((v) => v * st.hDiag);
      for (let k = 0; k < m; k++) {
        const be = dot(st.oldDirs[k], r) * st.ro[k];
        for (let i = 0; i < n; i++) r[i] += (al[k] - be) * st.oldStps[k][i];
      }
      return r;
    };
    const bitsOf = (a: number[]) => a.map((v) => (Object.is(v, -0) ? "-0" : String(v)));
    const p = makeParameter(
      "x",
      [n],
      Float64Array.from({ length: n }, (_, i) => 1.5 - 0.4 * i),
    );
    const opt = new Lbfgs([p], { maxIter: 3, historySize: 4 });
    const f = objective(p);
    let checked = 0;
    for (let k = 0; k < 12; k++) {
      opt.step(f);
      const st = opt.getState();
      if (st.nIter > 1 && st.d !== null) {
        expect(bitsOf(st.d)).toEqual(bitsOf(plainDirection(st)));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8);
    expect(opt.counters().historyLength).toBe(4);
    // a copy restored from JSON continues exactly like the original (no aliasing of reused arrays)
    const q = makeParameter("x", [n], Float64Array.from(p.data));
    const copy = new Lbfgs([q], { maxIter: 3, historySize: 4 });
    copy.setState(JSON.parse(JSON.stringify(opt.getState())));
    for (let k = 0; k < 5; k++) {
      opt.step(f);
      copy.step(objective(q));
    }
    expect(Array.from(q.data)).toEqual(Array.from(p.data));
    expect(copy.getState()).toEqual(opt.getState());
  });
});
