import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { projectModeBackward, projectModeInto, type MatmulPrecision } from "../../src/factor/index.js";
import { Rng } from "../../src/random/rng.js";

const cases = fc.record({
  P: fc.integer({ min: 1, max: 9 }),
  I: fc.integer({ min: 1, max: 12 }),
  S: fc.integer({ min: 1, max: 20 }),
  R: fc.integer({ min: 1, max: 9 }),
  precision: fc.constantFrom<MatmulPrecision>("f64", "f32"),
  withGradX: fc.boolean(),
  seed: fc.integer(),
});

describe("mode projection", () => {
  it("forward and backward match the index definitions (every trailing size, both precisions)", () => {
    fc.assert(
      fc.property(cases, ({ P, I, S, R, precision, withGradX, seed }) => {
        const rng = new Rng(seed);
        const X = rng.fillNormal(new Float64Array(P * I * S));
        const U = rng.fillNormal(new Float64Array(I * R));
        const G = rng.fillNormal(new Float64Array(P * R * S));
        const gradU0 = rng.fillNormal(new Float64Array(I * R));
        const Y = new Float64Array(P * R * S).fill(NaN);
        projectModeInto(X, P, I, S, U, R, Y, precision);
        const gradU = Float64Array.from(gradU0);
        const gradX = withGradX ? new Float64Array(P * I * S).fill(NaN) : null;
        projectModeBackward(X, P, I, S, U, R, G, gradU, gradX, precision);
        // f32 products of ≤ 12 (forward, ∂X) or ≤ 180 (∂U) terms; f64 to reassociation.
        const tol = (terms: number, mag: number): number =>
          (precision === "f32" ? 2 * (terms + 1) * 2 ** -24 : 1e-13 * terms) * mag + 1e-14;
        for (let p = 0; p < P; p++)
          for (let r = 0; r < R; r++)
            for (let s = 0; s < S; s++) {
              let y = 0;
              let mag = 0;
              for (let i = 0; i < I; i++) {
                const t = U[i * R + r] * X[(p * I + i) * S + s];
                y += t;
                mag += Math.abs(t);
              }
              expect(Math.abs(Y[(p * R + r) * S + s] - y)).toBeLessThanOrEqual(tol(I, mag));
            }
        for (let i = 0; i < I; i++)
          for (let r = 0; r < R; r++) {
            let g = 0;
            let mag = 0;
            for (let p = 0; p < P; p++)
              for (let s = 0; s < S; s++) {
                const t = X[(p * I + i) * S + s] * G[(p * R + r) * S + s];
                g += t;
                mag += Math.abs(t);
              }
            const want = gradU0[i * R + r] + g;
            expect(Math.abs(gradU[i * R + r] - want)).toBeLessThanOrEqual(tol(P * S, mag + Math.abs(want)));
          }
        if (gradX)
          for (let p = 0; p < P; p++)
            for (let i = 0; i < I; i++)
              for (let s = 0; s < S; s++) {
                let g = 0;
                let mag = 0;
                for (let r = 0; r < R; r++) {
                  const t = U[i * R + r] * G[(p * R + r) * S + s];
                  g += t;
                  mag += Math.abs(t);
                }
                expect(Math.abs(gradX[(p * I + i) * S + s] - g)).toBeLessThanOrEqual(tol(R, mag));
              }
      }),
      { numRuns: 120, seed: 12 },
    );
  });
});
