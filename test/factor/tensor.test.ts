import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { fold, modeProduct, Tensor, unfold } from "../../src/factor/index.js";
import { Rng } from "../../src/random/rng.js";

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 });

function randomTensor(shape: number[], seed: number): Tensor {
  const t = new Tensor(shape);
  new Rng(seed).fillNormal(t.data);
  return t;
}

/** All multi-indices of a shape in row-major order. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const idx = shape.map(() => 0);
  const size = shape.reduce((a, b) => a * b, 1);
  for (let f = 0; f < size; f++) {
    yield [...idx];
    for (let n = shape.length - 1; n >= 0; n--) {
      if (++idx[n] < shape[n]) break;
      idx[n] = 0;
    }
  }
}

describe("Tensor unfolding and mode products", () => {
  it("fold inverts unfold, and X_(n)[i_n, col] follows TensorLy's column order", () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (shape, seed) => {
        const x = randomTensor(shape, seed);
        for (let n = 0; n < shape.length; n++) {
          const m = unfold(x, n);
          expect(Array.from(fold(m, n, shape).data)).toEqual(Array.from(x.data));
          const rest = shape.filter((_, k) => k !== n);
          const cols = x.size / shape[n];
          for (const idx of indices(shape)) {
            let col = 0;
            let r = 0;
            for (let k = 0; k < shape.length; k++) if (k !== n) col = col * rest[r++] + idx[k];
            expect(m[idx[n] * cols + col]).toBe(x.data[x.index(idx)]);
          }
        }
      }),
      { numRuns: 40, seed: 21 },
    );
  });

  it("modeProduct satisfies Y_(n) = U X_(n), and the transposed form applies Uᵀ", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 2 }),
        (shape, J, seed) => {
          const x = randomTensor(shape, seed);
          const rng = new Rng(seed + 1);
          for (let n = 0; n < shape.length; n++) {
            const I = shape[n];
            const U = rng.fillNormal(new Float64Array(J * I));
            const y = modeProduct(x, U, n, J);
            const Xn = unfold(x, n);
            const Yn = unfold(y, n);
            const cols = x.size / I;
            for (let j = 0; j < J; j++)
              for (let c = 0; c < cols; c++) {
                let s = 0;
                for (let i = 0; i < I; i++) s += U[j * I + i] * Xn[i * cols + c];
                expect(Yn[j * cols + c]).toBeCloseTo(s, 10);
              }
            const Ut = new Float64Array(I * J);
            for (let j = 0; j < J; j++) for (let i = 0; i < I; i++) Ut[i * J + j] = U[j * I + i];
            const yt = modeProduct(x, Ut, n, J, true);
            for (let e = 0; e < y.size; e++) expect(yt.data[e]).toBeCloseTo(y.data[e], 10);
          }
        },
      ),
      { numRuns: 40, seed: 22 },
    );
  });

  it("rejects bad modes and shapes with the field named", () => {
    const x = new Tensor([2, 3]);
    expect(() => unfold(x, 2)).toThrow(/mode must be/);
    expect(() => new Tensor([2, 0])).toThrow(/shape\[1\]/);
    expect(() => modeProduct(x, new Float64Array(5), 0, 2)).toThrow(/expected/);
  });
});
