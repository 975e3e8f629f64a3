import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { LowRankMatrix } from "../../src/factor/low-rank-matrix.js";
import { Rng } from "../../src/random/rng.js";

const shape = fc.record({
  rows: fc.integer({ min: 1, max: 7 }),
  cols: fc.integer({ min: 1, max: 7 }),
  rank: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer(),
});

describe("LowRankMatrix", () => {
  it("entry(i, j) equals the dense reconstruction X = L Rᵀ", () => {
    fc.assert(
      fc.property(shape, ({ rows, cols, rank, seed }) => {
        const x = LowRankMatrix.random(rows, cols, rank, new Rng(seed));
        const dense = x.toDense();
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < cols; j++) {
            let s = 0;
            for (let k = 0; k < rank; k++) s += x.L.data[i * rank + k] * x.R.data[j * rank + k];
            expect(dense[i * cols + j]).toBe(s);
            expect(x.entry(i, j)).toBe(s);
          }
        expect(x.parameterCount).toBe(rank * (rows + cols));
      }),
      { numRuns: 60, seed: 2 },
    );
  });

  it("batched entry gradients match central finite differences of J = Σ_b g_b·X[i_b, j_b]", () => {
    fc.assert(
      fc.property(
        shape,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.double({ min: -3, max: 3, noNaN: true })), {
          minLength: 1,
          maxLength: 12,
        }),
        ({ rows, cols, rank, seed }, raw) => {
          const x = LowRankMatrix.random(rows, cols, rank, new Rng(seed));
          const is = raw.map(([i]) => i % rows);
          const js = raw.map(([, j]) => j % cols);
          const gs = raw.map(([, , g]) => g);
          const loss = () => is.reduce((acc, i, b) => acc + gs[b] * x.entry(i, js[b]), 0);
          x.zeroGrad();
          x.accumulateBatchGrad(is, js, gs);
          const h = 1e-6;
          for (const p of [x.L, x.R]) {
            for (let q = 0; q < p.data.length; q++) {
              const old = p.data[q];
              p.data[q] = old + h;
              const up = loss();
              p.data[q] = old - h;
              const down = loss();
              p.data[q] = old;
              const fd = (up - down) / (2 * h);
              expect(Math.abs(p.grad[q] - fd)).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
            }
          }
        },
      ),
      { numRuns: 60, seed: 3 },
    );
  });

  it("fromDense recovers a matrix of rank ≤ K exactly and is the Eckart–Young truncation otherwise", () => {
    fc.assert(
      fc.property(shape, ({ rows, cols, rank, seed }) => {
        const k = Math.min(rank, rows, cols);
        const src = LowRankMatrix.random(rows, cols, k, new Rng(seed));
        const dense = src.toDense();
        const back = LowRankMatrix.fromDense(dense, rows, cols, k).toDense();
        let err = 0;
        let norm = 0;
        for (let q = 0; q < dense.length; q++) {
          err += (back[q] - dense[q]) ** 2;
          norm += dense[q] ** 2;
        }
        expect(Math.sqrt(err)).toBeLessThan(1e-9 * (1 + Math.sqrt(norm)));
      }),
      { numRuns: 40, seed: 4 },
    );
    // A full-rank 4×3 matrix truncated to rank 1: error² = σ₂² + σ₃².
    const dense = Float64Array.from([4, 1, 0, 1, 3, 1, 0, 1, 2, 1, 0, 1]);
    const full = LowRankMatrix.fromDense(dense, 4, 3, 3);
    const s = full.singularValues();
    const x1 = LowRankMatrix.fromDense(dense, 4, 3, 1).toDense();
    let err2 = 0;
    for (let q = 0; q < dense.length; q++) err2 += (x1[q] - dense[q]) ** 2;
    expect(err2).toBeCloseTo(s[1] ** 2 + s[2] ** 2, 10);
  });

  it("the same seed gives the same factors; init draws N(0, scale²)", () => {
    const a = LowRankMatrix.random(30, 30, 4, new Rng(9), { scale: 2 });
    const b = LowRankMatrix.random(30, 30, 4, new Rng(9), { scale: 2 });
    expect(Array.from(a.L.data)).toEqual(Array.from(b.L.data));
    const all = [...a.L.data, ...a.R.data];
    const varEst = all.reduce((s, v) => s + v * v, 0) / all.length;
    expect(varEst).toBeGreaterThan(3);
    expect(varEst).toBeLessThan(5);
  });

  it("bad shapes and ranks throw errors naming the parameter and range", () => {
    expect(() => new LowRankMatrix(0, 3, 1)).toThrow(/rows must be an integer >= 1, got 0/);
    expect(() => new LowRankMatrix(3, 3, 0)).toThrow(/rank must be an integer >= 1, got 0/);
    expect(() => new LowRankMatrix(3, 2.5, 1)).toThrow(/cols must be an integer >= 1/);
    expect(() => LowRankMatrix.fromDense(new Float64Array(6), 2, 3, 3)).toThrow(
      /rank must be in \[1, min\(rows, cols\) = 2\]/,
    );
    expect(() => LowRankMatrix.fromDense(new Float64Array(5), 2, 3, 1)).toThrow(/expected rows·cols = 6/);
  });
});
