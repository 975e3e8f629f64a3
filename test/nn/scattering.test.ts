import { describe, expect, it } from "vitest";
import { Dense, Flatten, Scattering2d, Sequential } from "../../src/nn/index.js";
import { Rng } from "../../src/random/rng.js";
import { gradientError } from "./grad-check.js";

/** Forward 2-D DFT X[k] = Σ_n h[n] e^{−i ω_k·n}, naive, real and imaginary parts. */
function dft2(re: Float64Array, im: Float64Array, Ph: number, Pw: number): [Float64Array, Float64Array] {
  const oRe = new Float64Array(Ph * Pw);
  const oIm = new Float64Array(Ph * Pw);
  for (let ky = 0; ky < Ph; ky++)
    for (let kx = 0; kx < Pw; kx++) {
      let sr = 0;
      let si = 0;
      for (let ny = 0; ny < Ph; ny++)
        for (let nx = 0; nx < Pw; nx++) {
          const a = -2 * Math.PI * ((ky * ny) / Ph + (kx * nx) / Pw);
          const c = Math.cos(a);
          const s = Math.sin(a);
          const hr = re[ny * Pw + nx];
          const hi = im[ny * Pw + nx];
          sr += hr * c - hi * s;
          si += hr * s + hi * c;
        }
      oRe[ky * Pw + kx] = sr;
      oIm[ky * Pw + kx] = si;
    }
  return [oRe, oIm];
}

/** ω of index k on a P grid, k wrapped into [−P/2, P/2) — written out here, independent of the layer. */
const omega = (k: number, P: number): number => (2 * Math.PI * (k >= P / 2 ? k - P : k)) / P;

/** The Morlet's analytic Fourier transform, from its definition (docs/scattering.md). */
function morlet(wy: number, wx: number, sigma: number, xi: number, theta: number, slant: number): number {
  const u = wy * Math.cos(theta) + wx * Math.sin(theta);
  const v = -wy * Math.sin(theta) + wx * Math.cos(theta);
  const gauss = (uu: number): number =>
    Math.exp(-0.5 * sigma * sigma * (uu * uu + (v * v) / (slant * slant)));
  return gauss(u - xi) - Math.exp(-0.5 * sigma * sigma * xi * xi) * gauss(u);
}

describe("Scattering2d", () => {
  it("output shape [C(1 + JL), ⌈H/2^J⌉, ⌈W/2^J⌉] and no learned weights", () => {
    const s = new Scattering2d({ inChannels: 4, inputSize: 10, J: 2, L: 6 });
    expect(s.outputShape).toEqual([4 * 13, 3, 3]);
    expect(s.parameterCount).toBe(0);
    expect(s.parameters).toEqual([]);
    expect(s.gridSize).toEqual([20, 20]);
    const t = new Scattering2d({ inChannels: 1, inputSize: [7, 9], J: 1, L: 8 });
    expect(t.outputShape).toEqual([9, 4, 5]);
    expect(t.gridSize).toEqual([12, 14]);
    // A network on a scattering front end learns only the layers behind it.
    const net = new Sequential([
      s,
      new Flatten(s.outputShape),
      new Dense({ inFeatures: 52 * 9, outFeatures: 3 }),
    ]);
    expect(net.parameterCount).toBe(52 * 9 * 3 + 3);
  });

  it("the filters' DFTs equal the analytic Morlet and Gaussian transforms on the grid", () => {
    const J = 2;
    const L = 4;
    const s = new Scattering2d({ inChannels: 1, inputSize: [6, 5], J, L });
    const [Ph, Pw] = s.gridSize;
    let worst = 0;
    for (let j = 0; j < J; j++)
      for (let l = 0; l < L; l++) {
        const k = j * L + l;
        const [re, im] = dft2(s.psiRe[k], s.psiIm[k], Ph, Pw);
        let peak = -Infinity;
        let peakAt = [0, 0];
        for (let ky = 0; ky < Ph; ky++)
          for (let kx = 0; kx < Pw; kx++) {
            const wy = omega(ky, Ph);
            const wx = omega(kx, Pw);
            const want = morlet(wy, wx, 0.8 * 2 ** j, ((3 * Math.PI) / 4) * 2 ** -j, (Math.PI * l) / L, 1);
            worst = Math.max(worst, Math.abs(re[ky * Pw + kx] - want), Math.abs(im[ky * Pw + kx]));
            if (want > peak) {
              peak = want;
              peakAt = [wy, wx];
            }
          }
        // Zero mean (ψ̂(0) = 0) and the pass band around ξ_j e_θ.
        expect(Math.abs(re[0])).toBeLessThan(1e-12);
        const xi = ((3 * Math.PI) / 4) * 2 ** -j;
        const dist = Math.hypot(
          peakAt[0] - xi * Math.cos((Math.PI * l) / L),
          peakAt[1] - xi * Math.sin((Math.PI * l) / L),
        );
        expect(dist).toBeLessThan((2 * Math.PI) / Math.min(Ph, Pw));
      }
    expect(worst).toBeLessThan(1e-12);
    const [pr, pi] = dft2(s.phi, new Float64Array(Ph * Pw), Ph, Pw);
    let worstPhi = 0;
    for (let ky = 0; ky < Ph; ky++)
      for (let kx = 0; kx < Pw; kx++) {
        const w2 = omega(ky, Ph) ** 2 + omega(kx, Pw) ** 2;
        const want = Math.exp(-0.5 * (0.8 * 2 ** J) ** 2 * w2);
        worstPhi = Math.max(worstPhi, Math.abs(pr[ky * Pw + kx] - want), Math.abs(pi[ky * Pw + kx]));
      }
    expect(worstPhi).toBeLessThan(1e-12);
    // φ is real and sums to φ̂(0) = 1.
    expect(s.phi.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it("equals the convolution theorem: S₁ = IDFT(DFT(|IDFT(x̂ ψ̂)|) φ̂) sampled at 2^J k", () => {
    const J = 1;
    const L = 3;
    const H = 5;
    const W = 4;
    const s = new Scattering2d({ inChannels: 2, inputSize: [H, W], J, L });
    const [Ph, Pw] = s.gridSize;
    const rng = new Rng(4);
    const x = rng.fillNormal(new Float64Array(2 * H * W));
    const y = s.forward(x, 1);
    const G = Ph * Pw;
    const Ho = 3;
    const Wo = 2;
    const idft = (re: Float64Array, im: Float64Array): [Float64Array, Float64Array] => {
      // IDFT via the forward DFT of the conjugate.
      const [a, b] = dft2(
        re,
        im.map((v) => -v),
        Ph,
        Pw,
      );
      return [a.map((v) => v / G), b.map((v) => -v / G)];
    };
    const phiHat = new Float64Array(G);
    for (let ky = 0; ky < Ph; ky++)
      for (let kx = 0; kx < Pw; kx++)
        phiHat[ky * Pw + kx] = Math.exp(
          -0.5 * (0.8 * 2 ** J) ** 2 * (omega(ky, Ph) ** 2 + omega(kx, Pw) ** 2),
        );
    const lowPassSample = (re: Float64Array, im: Float64Array): Float64Array => {
      const [fr, fi] = dft2(re, im, Ph, Pw);
      const [r] = idft(
        fr.map((v, i) => v * phiHat[i]),
        fi.map((v, i) => v * phiHat[i]),
      );
      const out = new Float64Array(Ho * Wo);
      for (let ky = 0; ky < Ho; ky++)
        for (let kx = 0; kx < Wo; kx++) out[ky * Wo + kx] = r[(2 + 2 * ky) * Pw + 2 + 2 * kx];
      return out;
    };
    let worst = 0;
    for (let c = 0; c < 2; c++) {
      const pad = new Float64Array(G);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) pad[(2 + i) * Pw + 2 + j] = x[c * H * W + i * W + j];
      const [xr, xi] = dft2(pad, new Float64Array(G), Ph, Pw);
      const s0 = lowPassSample(pad, new Float64Array(G));
      for (let i = 0; i < Ho * Wo; i++)
        worst = Math.max(worst, Math.abs(s0[i] - y[c * (1 + L) * Ho * Wo + i]));
      for (let l = 0; l < L; l++) {
        const psiHat = new Float64Array(G);
        for (let ky = 0; ky < Ph; ky++)
          for (let kx = 0; kx < Pw; kx++)
            psiHat[ky * Pw + kx] = morlet(
              omega(ky, Ph),
              omega(kx, Pw),
              0.8,
              (3 * Math.PI) / 4,
              (Math.PI * l) / L,
              1,
            );
        const [ur, ui] = idft(
          xr.map((v, i) => v * psiHat[i]),
          xi.map((v, i) => v * psiHat[i]),
        );
        const mag = ur.map((v, i) => Math.hypot(v, ui[i]));
        const s1 = lowPassSample(mag, new Float64Array(G));
        const base = (c * (1 + L) + 1 + l) * Ho * Wo;
        for (let i = 0; i < Ho * Wo; i++) worst = Math.max(worst, Math.abs(s1[i] - y[base + i]));
      }
    }
    expect(worst).toBeLessThan(1e-10);
  });

  it("backward matches finite differences of the input", () => {
    const s = new Scattering2d({ inChannels: 2, inputSize: [4, 5], J: 1, L: 2 });
    expect(gradientError(s, 2, 7)).toBeLessThan(1e-6);
  });

  it("bad options give one-line errors naming the field", () => {
    expect(() => new Scattering2d({ inChannels: 1, inputSize: 8, J: 0 })).toThrow(
      /J must be an integer in \[1, 6\]/,
    );
    expect(() => new Scattering2d({ inChannels: 1, inputSize: 8, L: 0 })).toThrow(
      /L must be an integer in \[1, 32\]/,
    );
    expect(() => new Scattering2d({ inChannels: 1, inputSize: 8, xi0: 4 })).toThrow(
      /xi0 must be in \(0, π\]/,
    );
    expect(() => new Scattering2d({ inChannels: 0, inputSize: 8 })).toThrow(/inChannels/);
  });
});
