/**
 * The f64x2 lane sin and cos (src/wasm/sincos.ts) against `Math.sin` / `Math.cos`:
 *
 *   nice -n 10 npx tsx tools/bench/lane-sincos.ts [--rounds R] [--check SCALE]
 *
 * prints CPU nanoseconds per value (median and best of R interleaved rounds) on Box–Muller's
 * θ = 2πv ∈ [0, 2π) and on uniform(−100, 100): `Math.sin`, `Math.cos` and both in one loop over a
 * Float64Array, against the lane kernels on values already in WebAssembly memory (`evaluate`: sin,
 * cos, and sin + cos from one shared reduction) and the sin wrapper with its copies (`apply`).
 * `--check SCALE` first compares lane sin and cos with `Math.sin` / `Math.cos` bit for bit on
 * 16·SCALE Mi arguments (θ = 2πv, a pendulum angle + π, the whole covered range, the doubles next
 * to k·π/2 for k ≤ 2²⁰, log-uniform small ones, random bit patterns with high word ≤ 0x413921fb)
 * and exits 1 on a mismatch.
 */
import { Rng } from "../../src/random/rng.js";
import { WasmCos, WasmSin, WasmSinCos } from "../../src/wasm/sincos.js";

const args = process.argv.slice(2);
const option = (flag: string, fallback: number): number => {
  const k = args.indexOf(flag);
  if (k < 0) return fallback;
  const v = Number(args[k + 1]);
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${flag} needs a positive integer, got ${args[k + 1]}`);
  return v;
};
const rounds = option("--rounds", 7);
const checkScale = args.includes("--check") ? option("--check", 1) : 0;

const sin = WasmSin.create();
const cos = WasmCos.create();
const both = WasmSinCos.create();
if (sin === null || cos === null || both === null)
  throw new Error("lane-sincos: no WebAssembly SIMD, or this runtime's Math.sin is not fdlibm's");
const rng = new Rng(2026);
const PIO2_1 = 1.57079632673412561417;
const PIO2_1T = 6.07710050650619224932e-11;
/** The largest double whose high word is 0x413921fb (the top of the covered range). */
const TOP = new Float64Array(new BigUint64Array([0x413921fbffffffffn]).buffer)[0];

if (checkScale > 0) {
  const chunk = 1 << 20;
  const x = new Float64Array(chunk);
  const s = new Float64Array(chunk);
  const c = new Float64Array(chunk);
  const view = new DataView(new ArrayBuffer(8));
  const sets: [string, number, (i: number) => number][] = [
    ["θ = 2πv (Rng.uniform)", 4, () => 2 * Math.PI * rng.uniform()],
    ["pendulum angle + π, angle uniform(−200, 200)", 4, () => 400 * rng.uniform() - 200 + Math.PI],
    ["uniform(−TOP, TOP), TOP = 2²⁰·π/2's high word", 2, () => (2 * rng.uniform() - 1) * TOP],
    [
      "next to k·π/2 (±3 ulp, both signs), k ≤ 2²⁰",
      2,
      (i) => {
        const k = Math.floor(rng.uniform() * 2 ** 20) + 1;
        view.setFloat64(0, k * PIO2_1 + k * PIO2_1T);
        view.setBigUint64(0, view.getBigUint64(0) + BigInt((i % 7) - 3));
        return (i & 8 ? -1 : 1) * view.getFloat64(0);
      },
    ],
    ["±2^uniform(−40, 0)", 2, () => (rng.uniform() < 0.5 ? -1 : 1) * 2 ** (-40 * rng.uniform())],
    [
      "random bit patterns, high word ≤ 0x413921fb",
      2,
      () => {
        view.setUint32(0, (rng.nextUint32() % 0x413921fc) | (rng.nextUint32() & 0x80000000));
        view.setUint32(4, rng.nextUint32());
        return view.getFloat64(0);
      },
    ],
  ];
  let total = 0;
  let totalBad = 0;
  for (const [label, chunks, gen] of sets) {
    let bad = 0;
    const n = chunks * checkScale * chunk;
    for (let b = 0; b < chunks * checkScale; b++) {
      for (let i = 0; i < chunk; i++) x[i] = gen(b * chunk + i);
      both.apply(x, s, c);
      for (let i = 0; i < chunk; i++)
        if ((!Object.is(s[i], Math.sin(x[i])) || !Object.is(c[i], Math.cos(x[i]))) && bad++ < 5)
          console.log(
            `  mismatch at ${x[i]}: lane ${s[i]}, ${c[i]}, Math ${Math.sin(x[i])}, ${Math.cos(x[i])}`,
          );
      sin.apply(x, s);
      cos.apply(x, c);
      for (let i = 0; i < chunk; i++)
        if ((!Object.is(s[i], Math.sin(x[i])) || !Object.is(c[i], Math.cos(x[i]))) && bad++ < 5)
          console.log(`  mismatch (single) at ${x[i]}`);
    }
    console.log(`${label}: ${n} arguments, ${bad} mismatches (sin and cos, paired and single kernels)`);
    total += n;
    totalBad += bad;
  }
  console.log(`check: ${total} arguments, ${totalBad} mismatches`);
  if (totalBad > 0) process.exit(1);
}

const N = 1 << 16;
const repeats = 50;
/** CPU nanoseconds per value of `repeats` calls of `fn`. */
const nsPerValue = (fn: () => void): number => {
  const t0 = process.cpuUsage();
  for (let r = 0; r < repeats; r++) fn();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / (repeats * N);
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [label, gen] of [
  ["θ = 2πv ∈ [0, 2π)", () => 2 * Math.PI * rng.uniform()],
  ["uniform(−100, 100)", () => 200 * rng.uniform() - 100],
] as const) {
  const x = new Float64Array(N);
  for (let i = 0; i < N; i++) x[i] = gen();
  const y = new Float64Array(N);
  const z = new Float64Array(N);
  const ps = sin.load(x, N);
  const pc = cos.load(x, N);
  const pb = both.load(x, N);
  const timers: [string, () => void][] = [
    [
      "Math.sin",
      () => {
        for (let i = 0; i < N; i++) y[i] = Math.sin(x[i]);
      },
    ],
    [
      "Math.cos",
      () => {
        for (let i = 0; i < N; i++) y[i] = Math.cos(x[i]);
      },
    ],
    [
      "Math.sin + Math.cos (one loop)",
      () => {
        for (let i = 0; i < N; i++) {
          y[i] = Math.sin(x[i]);
          z[i] = Math.cos(x[i]);
        }
      },
    ],
    ["lane sin (kernel, in memory)", () => sin.evaluate(ps)],
    ["lane cos (kernel, in memory)", () => cos.evaluate(pc)],
    ["lane sin + cos (kernel, in memory)", () => both.evaluate(pb)],
    ["lane sin (apply, with copies)", () => sin.apply(x, y)],
  ];
  for (const [, fn] of timers) nsPerValue(fn);
  const samples = timers.map((): number[] => []);
  for (let r = 0; r < rounds; r++) timers.forEach(([, fn], k) => samples[k].push(nsPerValue(fn)));
  console.log(
    `ns per value over ${N} arguments ${label}, ${rounds} interleaved rounds of ${repeats} passes:`,
  );
  timers.forEach(([name], k) =>
    console.log(
      `  ${name}: median ${median(samples[k]).toFixed(2)}, best ${Math.min(...samples[k]).toFixed(2)}`,
    ),
  );
}
