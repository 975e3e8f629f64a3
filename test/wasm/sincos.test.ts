import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";
import {
  SINCOS_PROBE_BITS,
  WasmCos,
  WasmSin,
  WasmSinCos,
  emitSinCosF64x2,
  sinCosLaneInRange,
  sinCosLanesMatch,
  sinCosProbeArguments,
  sinCosTemps,
} from "../../src/wasm/sincos.js";
import { CodeBuffer, I32, V128, groupLocals, op, type ValueType } from "../../src/wasm/assembler.js";
import { assembleKernels, newMemory } from "../../src/wasm/runtime.js";
import { boundaryArguments, mismatches } from "./lane-arguments.js";

const bits = new BigUint64Array(1);
const word = new Float64Array(bits.buffer);
/** The double with high word `hw` and low word `lw`. */
function fromWords(hw: number, lw = 0): number {
  bits[0] = (BigInt(hw) << 32n) | BigInt(lw);
  return word[0];
}
const fromBits = (h: string): number => {
  bits[0] = BigInt(`0x${h}`);
  return word[0];
};

/** fdlibm's npio2_hw: the high words of n·π/2, n = 1 … 32 (__ieee754_rem_pio2). */
const NPIO2_HW = [
  0x3ff921fb, 0x400921fb, 0x4012d97c, 0x401921fb, 0x401f6a7a, 0x4022d97c, 0x4025fdbb, 0x402921fb, 0x402c463a,
  0x402f6a7a, 0x4031475c, 0x4032d97c, 0x40346b9c, 0x4035fdbb, 0x40378fdb, 0x403921fb, 0x403ab41b, 0x403c463a,
  0x403dd85a, 0x403f6a7a, 0x40407e4c, 0x4041475c, 0x4042106c, 0x4042d97c, 0x4043a28c, 0x40446b9c, 0x404534ac,
  0x4045fdbb, 0x4046c6cb, 0x40478fdb, 0x404858eb, 0x404921fb,
];
const PIO2_1 = 1.57079632673412561417;
const PIO2_1T = 6.07710050650619224932e-11;

/** The double nearest k·π/2 (k·pio2_1 is exact for k ≤ 2²⁰; pio2_1 + pio2_1t is π/2 to 85 bits). */
const nearMultiple = (k: number): number => k * PIO2_1 + k * PIO2_1T;

/** Both outputs for x, checked against Math.sin and Math.cos (arguments the lanes cover only). */
function check(
  both: WasmSinCos,
  sin: ReturnType<typeof WasmSin.create>,
  cos: ReturnType<typeof WasmCos.create>,
  x: Float64Array,
) {
  const s = new Float64Array(x.length);
  const k = new Float64Array(x.length);
  both.apply(x, s, k);
  const s1 = new Float64Array(x.length);
  const k1 = new Float64Array(x.length);
  sin!.apply(x, s1);
  cos!.apply(x, k1);
  return [
    mismatches(x, s, Math.sin),
    mismatches(x, k, Math.cos),
    mismatches(x, s1, Math.sin),
    mismatches(x, k1, Math.cos),
  ];
}

/**
 * How many of x take __ieee754_rem_pio2's 2nd and 3rd rounds: the medium path (3π/4 ≤ |x|), not
 * the quick n < 32 exit, and x's exponent more than 16 (49) above the first (second) round's y0's.
 */
function reductionRounds(x: Float64Array): [number, number] {
  const exponent = (v: number) => Number(((bits[0] = 0n), (word[0] = v), bits[0]) >> 52n) & 0x7ff;
  let second = 0;
  let third = 0;
  for (const v of x) {
    const t = Math.abs(v);
    const ix = Number(((word[0] = t), bits[0]) >> 32n);
    if (ix < 0x4002d97c || ix > 0x413921fb) continue;
    const n = Math.trunc(t * 6.36619772367581382433e-1 + 0.5);
    let r = t - n * PIO2_1;
    let w = n * PIO2_1T;
    if (n < 32 && ix !== NPIO2_HW[n - 1]) continue;
    const j = ix >> 20;
    if (j - exponent(r - w) <= 16) continue;
    second++;
    const t2 = r;
    w = n * 6.0771005063039659766e-11;
    r = t2 - w;
    w = n * 2.02226624879595063154e-21 - (t2 - r - w);
    if (j - exponent(r - w) > 49) third++;
  }
  return [second, third];
}

/** Arguments near k·π/2 whose sin or cos changes when __ieee754_rem_pio2's 3rd round is left out. */
const THIRD_ROUND_MATTERS = [
  168893.59185331408, 1016283.232287723, 812971.9221180059, 916697.8867615801, 1494146.178436286,
  659701.4705309939, 366215.4556289622, 1060694.356835195, 287992.94014722994, 557949.9968702007,
  557949.9968702011, 1558101.1508817403,
];

/** Glibc's sin and cos (python3's math.sin / math.cos on Linux) of the probe arguments: [x, sin, cos] bit patterns. */
const GLIBC_PROBES: readonly (readonly [string, string, string])[] = [
  ["bfd1ca61f5cd70a4", "bfd18ff47337aad9", "3feec587655fef57"],
  ["3fbab3ca6b599999", "3fbaa766f6469c5c", "3fefd37a20bcab60"],
  ["bfbb0576657ae147", "bfbaf89ff1a415be", "3fefd2686632c52d"],
  ["3fbc2cc53228f5c2", "3fbc1e37cd7a041f", "3fefce6fa1481b6b"],
  ["bfcbcc8dc047ae14", "bfcb94bdacbe4f9d", "3fef3f8fc2354cf5"],
  ["3fcd200fd175c28f", "3fccdfe38116915d", "3fef2cd7ef1f1f45"],
  ["bfd275655f199999", "bfd23427d057a433", "3feeada2de450b59"],
  ["3fcf9ee85c43d70a", "3fcf4cd2d199894c", "3fef074d0c0159e1"],
  ["bfe7a929371828f6", "bfe590220f641247", "3fe7a4d9a485137b"],
  ["3fe918e67bdc7ae2", "3fe69a31935ba425", "3fe6a709671a2a23"],
  ["bfdf909e96bd1eb8", "bfde4cfb4f3267b5", "3fec2fb079542ae8"],
  ["bfe29472520eb852", "bfe18daa7b6c9c69", "3feac1835dae5ff9"],
  ["3fe6e6621d88f5c3", "3fe4feab971fbed8", "3fe8266078d4df7b"],
  ["bfe81c73e3d570a4", "bfe5e4c4ff42a70e", "3fe756908c31f72f"],
  ["3fda9c298fa3d70a", "3fd9d993d30dba10", "3fed460cba76e15b"],
  ["bfe497619d4b0a3e", "bfe3330e61a2e0e3", "3fe999b5369c78cf"],
  ["c00286dbf6e1d2f2", "bfe7858bd5d546ef", "bfe5b2438042ba43"],
  ["3feac6519a666667", "3fe7c2167ab3f406", "3fe56fe6fe719ab7"],
  ["c00016f5944ad0e6", "bfecf2478cd19780", "bfdb48bb81ba9c6b"],
  ["c002448e5bab0a3e", "bfe8362d2b7fbbd2", "bfe4ec71324649f8"],
  ["4002799f7098418a", "3fe7a9516636d4f6", "bfe58b3ae7db4617"],
  ["4001f877ae2570a4", "3fe8f8dbfde638e2", "bfe402852d3f257d"],
  ["bff11d0d06bf6c8c", "bfec106c54c65e71", "3fdec036188a5cad"],
  ["3ff18c77f050d4fe", "3fec78d206671719", "3fdd367dfa5c7191"],
  ["c010917815b1999a", "3feaef658476cc12", "bfe146efd56fed40"],
  ["c0047814cba28f5c", "bfe19dab857f9715", "bfeab6fc9ede9492"],
  ["c0109ae95f5947ae", "3feb17e33fda985e", "bfe1072a6da31819"],
  ["4014130765f9999a", "bfee82f8baa8d9c9", "3fd34aa88cbf4d7a"],
  ["c005345f419eb852", "bfde2d7b119cb4b4", "bfec38221afe4a2a"],
  ["c0038ffcaccccccd", "bfe48620af2eae06", "bfe88d244786720b"],
  ["4016d591046947ae", "bfe16482ef600770", "3feadc562e5b745a"],
  ["40158546efa947ae", "bfe9206c72db9d37", "3fe3d0bff1399361"],
  ["c05d94181529f333", "3fec046b07101502", "3fdeebe0e28b0ebe"],
  ["40563e984918b333", "3feb283d25b2a893", "3fe0ed0a55f2f76e"],
  ["c063596eb60e4666", "3fe82eb4d1674abb", "bfe4f512f3133288"],
  ["c0307fccca8b0000", "3fe6c27297de10ae", "bfe67e975584335c"],
  ["40282e5fa4bc999a", "bfdd50a54162b12f", "3fec7218da2f0c32"],
  ["4067aad2feceb333", "3fe7e2d76109d3eb", "3fe54b621e1b2159"],
  ["c060cbb8d689a333", "bfe52709528a19dc", "bfe8030d3c495f55"],
  ["404160f8f20a8000", "bfc97080980be207", "bfef5c9411e730cb"],
  ["4122ba6da2577ce0", "3feef8df462b53f7", "bfd0172686d4ed0d"],
  ["4123d1ef588e8aa0", "3fe96b2a6d942cdf", "bfe37082b8feaf00"],
  ["41117795f9be2180", "3fee650951670691", "3fd4043137a5f221"],
  ["c113b50fe24e6f00", "3fded7c5d7a7d4f1", "bfec09f4d12df48c"],
  ["410617f5a403a580", "bfd98d9e7cdad1e0", "bfed56b420a22392"],
  ["40d76229fc860c00", "bfe115714b23a706", "3feb0ee4eeecbe91"],
  ["4124940d68d0f700", "bfe5a28dfea65184", "3fe793ff9485347f"],
];

describe.skipIf(!wasmSimdAvailable())("sin and cos on f64x2 lanes", () => {
  const both = WasmSinCos.create()!;
  const sin = WasmSin.create();
  const cos = WasmCos.create();

  it("is on: this runtime's Math.sin and Math.cos are fdlibm's on the probe arguments", () => {
    expect(both).not.toBeNull();
    expect(sin).not.toBeNull();
    expect(cos).not.toBeNull();
  });

  it("turns itself off against a libm that is not fdlibm (glibc's values at the probes)", () => {
    expect(GLIBC_PROBES.map((p) => p[0])).toEqual(SINCOS_PROBE_BITS);
    const glibc = new Map(
      GLIBC_PROBES.map(([x, s, c]) => [fromBits(x), [fromBits(s), fromBits(c)] as const]),
    );
    const x = sinCosProbeArguments();
    // every probe is one where glibc and this runtime differ, in sin or cos
    for (const v of x) {
      const [s, c] = glibc.get(v)!;
      expect(Object.is(s, Math.sin(v)) && Object.is(c, Math.cos(v))).toBe(false);
    }
    expect(
      sinCosLanesMatch(
        (v) => glibc.get(v)![0],
        (v) => glibc.get(v)![1],
      ),
    ).toBe(false);
    expect(sinCosLanesMatch(Math.sin, Math.cos)).toBe(true);
  });

  it("equals Math.sin and Math.cos at every branch boundary and n·π/2, ±3 ulp", () => {
    const highWords = [
      0x3e400000,
      0x3fd33333,
      0x3fe90000,
      0x3fe90001,
      0x3fe921fb,
      0x3fe921fc,
      0x3ff921fb,
      0x3ff921fc,
      0x4002d97c,
      0x413921fb,
      ...NPIO2_HW,
      ...NPIO2_HW.map((h) => h + 1),
    ];
    const edges = [
      0,
      5e-324,
      1e-300,
      2 ** -27,
      0.3,
      0.78125,
      Math.PI / 4,
      (3 * Math.PI) / 4,
      2 ** 19 * (Math.PI / 2),
      2 ** 20 * (Math.PI / 2),
      fromWords(0x413921fb, 0xffffffff),
      ...highWords.map((h) => fromWords(h)),
      ...highWords.map((h) => fromWords(h - 1, 0xffffffff)),
      ...Array.from({ length: 40 }, (_, n) => (n * Math.PI) / 2),
      ...Array.from({ length: 40 }, (_, n) => nearMultiple(n)),
    ];
    // and 300 random low words under each boundary high word and the one below it
    const rng = new Rng(5);
    const lowWords: number[] = [];
    for (const h of highWords)
      for (let k = 0; k < 300; k++) {
        const lw = Math.floor(rng.uniform() * 2 ** 32);
        lowWords.push(fromWords(h, lw), -fromWords(h - 1, lw));
      }
    const x = Float64Array.from([...boundaryArguments(edges, 0x3e300000, 0x413921fb), ...lowWords]).filter(
      sinCosLaneInRange,
    );
    expect(x.length).toBeGreaterThan(130_000);
    expect(check(both, sin, cos, x)).toEqual([[], [], [], []]);
  });

  it("gives NaN for NaN and ±∞ (x − x), and reports which arguments it covers", () => {
    const x = Float64Array.from([NaN, Infinity, -Infinity]);
    expect(check(both, sin, cos, x)).toEqual([[], [], [], []]);
    expect(
      [NaN, Infinity, -Infinity, 0, -0, 823549.6, -1e6, -fromWords(0x413921fb, 0xffffffff)].every(
        sinCosLaneInRange,
      ),
    ).toBe(true);
    expect([fromWords(0x413921fc), -2e6, 1e300, -Number.MAX_VALUE].some(sinCosLaneInRange)).toBe(false);
  });

  it("equals Math.sin and Math.cos bit for bit on 400 000 random arguments (Box–Muller's θ = 2πv, a pendulum angle + π, the whole range)", () => {
    const rng = new Rng(21);
    const x = new Float64Array(400_003);
    for (let i = 0; i < x.length; i++) {
      const m = i % 4;
      if (m === 0) x[i] = 2 * Math.PI * rng.uniform();
      else if (m === 1) x[i] = 400 * rng.uniform() - 200 + Math.PI;
      else if (m === 2) x[i] = (2 * rng.uniform() - 1) * 2 ** 20 * (Math.PI / 2);
      else x[i] = (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(-40 * rng.uniform());
    }
    expect(check(both, sin, cos, x)).toEqual([[], [], [], []]);
  });

  it("equals Math.sin and Math.cos next to multiples of π/2, where the reduction cancels (2nd and 3rd rounds)", () => {
    const rng = new Rng(34);
    const values: number[] = [];
    const ks = [
      ...Array.from({ length: 4000 }, (_, k) => k),
      ...Array.from({ length: 20000 }, () => 1 + Math.floor(rng.uniform() * 2 ** 20)),
      2 ** 19 - 1,
      2 ** 19,
      2 ** 20 - 1,
    ];
    for (const k of ks) {
      const c = nearMultiple(k);
      word[0] = c;
      for (let d = -3; d <= 3; d++) {
        const b = bits[0];
        bits[0] = b + BigInt(d);
        values.push(word[0], -word[0]);
        bits[0] = b;
      }
    }
    // arguments where leaving out the 3rd round changes sin or cos (found with a scalar model of fdlibm)
    for (const v of THIRD_ROUND_MATTERS) values.push(v, -v);
    const x = Float64Array.from(values).filter(sinCosLaneInRange);
    const [second, third] = reductionRounds(x);
    expect(second).toBeGreaterThan(1000);
    expect(third).toBeGreaterThan(10);
    expect(check(both, sin, cos, x)).toEqual([[], [], [], []]);
  });

  it("writes outputs over inputs of other vectors only after reading every input", () => {
    // two vectors: sin of x0 into x1's local, cos of x1 into x0's local
    const names = ["src", "dst", "x0", "x1", ...sinCosTemps(2)];
    const c = new CodeBuffer();
    const at = (n: string) => names.indexOf(n);
    c.emit(op.localGet(at("src")), op.v128Load(0), op.localSet(at("x0")));
    c.emit(op.localGet(at("src")), op.v128Load(16), op.localSet(at("x1")));
    emitSinCosF64x2(
      c,
      (n) => op.localGet(at(n)),
      (n) => op.localSet(at(n)),
      ["x0", "x1"],
      ["x1", null],
      [null, "x0"],
    );
    c.emit(op.localGet(at("dst")), op.localGet(at("x1")), op.v128Store(0));
    c.emit(op.localGet(at("dst")), op.localGet(at("x0")), op.v128Store(16));
    const types = new Array<ValueType>(names.length - 2).fill(V128);
    const memory = newMemory(1)!;
    const k = assembleKernels<{ swap: (src: number, dst: number) => void }>(
      [{ name: "swap", params: [I32, I32], locals: groupLocals(types), code: c.bytes }],
      memory,
    )!;
    const m = new Float64Array(memory.buffer);
    m.set([0.5, -3, 100, 7e5]);
    k.swap(0, 64);
    expect(Array.from(m.subarray(8, 12))).toEqual([
      Math.sin(0.5),
      Math.sin(-3),
      Math.cos(100),
      Math.cos(7e5),
    ]);
  });

  it("rejects mismatched output lists and one local for both outputs", () => {
    const c = new CodeBuffer();
    const none = () => [];
    expect(() => emitSinCosF64x2(c, none, none, ["a"], [], ["b"])).toThrow(/as many/);
    expect(() => emitSinCosF64x2(c, none, none, ["a"], ["b"], ["b"])).toThrow(/both write b/);
  });
});
