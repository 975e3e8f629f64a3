import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { WasmBoxMuller } from "../../src/wasm/box-muller.js";

/** The scalar transform of Rng.normal: r = √(−2 ln u), θ = 2πv, (r cos θ, r sin θ). */
function scalarPair(u: number, v: number): [number, number] {
  const r = Math.sqrt(-2 * Math.log(u));
  const theta = 2 * Math.PI * v;
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

describe("the Box–Muller transform on f64x2 lanes", () => {
  const lanes = WasmBoxMuller.create(64);

  it("is available on this runtime (its lane ln, sin and cos reproduce Math's)", () => {
    expect(lanes).not.toBeNull();
  });

  it("gives Rng.normal's scalar pair bit for bit on 200 000 pairs of 53-bit uniforms, edges included", () => {
    const bm = lanes!;
    const rng = new Rng(2024);
    const ulp = 2 ** -53;
    const edges = [ulp, 2 * ulp, 1 - ulp, 1 - 2 ** -20, 1 - 2 ** -21, 0.5, Math.SQRT1_2, 0.25, 3 * ulp];
    const vEdges = [0, ulp, 0.25, 0.5, 0.75, 1 - ulp, 0.125, 0.375];
    const pairs = 200_000;
    let bad = 0;
    const first: string[] = [];
    for (let start = 0; start < pairs; start += 64) {
      for (let j = 0; j < 64; j++) {
        const k = start + j;
        let u = rng.uniform();
        if (u === 0) u = ulp;
        if (k % 97 === 0) u = edges[(k / 97) % edges.length];
        if (k % 89 === 0) u = 1 - rng.uniform() * 2 ** -20;
        if (k % 83 === 0) u = Math.max(ulp, Math.floor(rng.uniform() * 2 ** (53 - 40)) * ulp);
        bm.u[j] = u;
        bm.v[j] = k % 101 === 0 ? vEdges[(k / 101) % vEdges.length] : rng.uniform();
      }
      bm.run(64);
      for (let j = 0; j < 64; j++) {
        const [z1, z2] = scalarPair(bm.u[j], bm.v[j]);
        if (!Object.is(bm.z[2 * j], z1) || !Object.is(bm.z[2 * j + 1], z2)) {
          bad++;
          if (first.length < 5) first.push(`u=${bm.u[j]} v=${bm.v[j]}`);
        }
      }
    }
    expect(first).toEqual([]);
    expect(bad).toBe(0);
  });

  it("draws each generator's uniform pairs as Rng does, advancing its state words", () => {
    const bm = WasmBoxMuller.create(64, 3)!;
    const refs = [7, 8, 9].map((seed) => new Rng(seed));
    refs.forEach((r, g) => bm.words.set(r.getState().words, 4 * g));
    for (let round = 0; round < 5; round++)
      for (let g = 0; g < 3; g++) {
        bm.draw(g, 64);
        for (let j = 0; j < 64; j++) {
          let u = refs[g].uniform();
          while (u === 0) u = refs[g].uniform();
          expect(bm.u[j]).toBe(u);
          expect(bm.v[j]).toBe(refs[g].uniform());
        }
        expect(Array.from(bm.words.subarray(4 * g, 4 * g + 4))).toEqual(refs[g].getState().words);
      }
  });

  it("rejects a bad capacity or batch size, naming the allowed values", () => {
    expect(() => WasmBoxMuller.create(64, 1)!.draw(1, 4)).toThrow(
      /generator must be an integer in \[0, 0\], got 1/,
    );
    expect(() => WasmBoxMuller.create(64, 1)!.draw(0, 65)).toThrow(
      /m must be an integer in \[0, 64\], got 65/,
    );
    expect(() => WasmBoxMuller.create(6)).toThrow(/capacity must be a positive multiple of 4, got 6/);
    expect(() => lanes!.run(3)).toThrow(/m must be a positive multiple of 4 up to 64, got 3/);
  });
});
