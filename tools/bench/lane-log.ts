/**
 * The f64x2 lane log (src/wasm/log.ts) against `Math.log`, on the Box–Muller transform's uniforms
 * u = (hi₂₇·2²⁶ + lo₂₆)·2⁻⁵³ ∈ (0, 1):
 *
 *   nice -n 10 npx tsx tools/bench/lane-log.ts [--rounds R] [--check SCALE]
 *
 * prints CPU nanoseconds per value (median and best of R interleaved rounds) of a `Math.log` loop
 * over a Float64Array, of the lane kernel on values already in WebAssembly memory
 * (`WasmLaneFunction.evaluate`) and of the array wrapper with its copies (`apply`). `--check SCALE`
 * first compares the lane log with `Math.log` bit for bit on 14·SCALE Mi arguments (Box–Muller
 * uniforms, every u within 2²¹ grid steps of 1 and of 0 and beyond, log-uniform ones, all
 * magnitudes, random positive bit patterns) and exits 1 on a mismatch.
 */
import { Rng } from "../../src/random/rng.js";
import { WasmLog } from "../../src/wasm/log.js";

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

const lane = WasmLog.create();
if (lane === null) throw new Error("lane-log: WebAssembly SIMD is not available");
const rng = new Rng(2026);
/** The grid uniform j·2⁻⁵³ (j a 53-bit integer), as Rng.uniform forms it. */
const grid = (j: number): number => j * 2 ** -53;

if (checkScale > 0) {
  const chunk = 1 << 20;
  const x = new Float64Array(chunk);
  const out = new Float64Array(chunk);
  const view = new DataView(new ArrayBuffer(8));
  const sets: [string, number, (i: number) => number][] = [
    ["Box–Muller uniforms (Rng.uniform)", 4, () => rng.uniform()],
    ["u = 1 − j·2⁻⁵³, j = 1, 2, … (|f| < 2⁻²⁰)", 2, (i) => grid(2 ** 53 - (i + 1))],
    ["u = j·2⁻⁵³, j = 1, 2, …", 2, (i) => grid(i + 1)],
    [
      "1 − u log-uniform in [2⁻⁵³, 2⁻¹⁶], on the grid",
      2,
      () => grid(2 ** 53 - Math.max(1, Math.floor(2 ** (37 * rng.uniform())))),
    ],
    [
      "u log-uniform in [2⁻⁵³, 1), on the grid",
      2,
      () => grid(Math.max(1, Math.floor(2 ** (53 * rng.uniform())))),
    ],
    ["exp(uniform(−745, 710))", 1, () => Math.exp(1455 * rng.uniform() - 745)],
    [
      "random positive double bits",
      1,
      () => {
        view.setUint32(0, rng.nextUint32() & 0x7fffffff);
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
    for (let c = 0; c < chunks * checkScale; c++) {
      for (let i = 0; i < chunk; i++) x[i] = gen(c * chunk + i);
      lane.apply(x, out);
      for (let i = 0; i < chunk; i++)
        if (!Object.is(out[i], Math.log(x[i])) && bad++ < 5)
          console.log(`  mismatch at ${x[i]}: lane ${out[i]}, Math.log ${Math.log(x[i])}`);
    }
    console.log(`${label}: ${n} arguments, ${bad} mismatches`);
    total += n;
    totalBad += bad;
  }
  console.log(`check: ${total} arguments, ${totalBad} mismatches`);
  if (totalBad > 0) process.exit(1);
}

const N = 1 << 16;
const u = new Float64Array(N);
for (let i = 0; i < N; i++) {
  do u[i] = rng.uniform();
  while (u[i] === 0);
}
const y = new Float64Array(N);
const padded = lane.load(u, N);
const repeats = 50;
const timers: [string, () => void][] = [
  [
    "Math.log",
    () => {
      for (let i = 0; i < N; i++) y[i] = Math.log(u[i]);
    },
  ],
  ["lane log (kernel, in memory)", () => lane.evaluate(padded)],
  ["lane log (apply, with copies)", () => lane.apply(u, y)],
];
/** CPU nanoseconds per value of `repeats` calls of `fn`. */
const nsPerValue = (fn: () => void): number => {
  const t0 = process.cpuUsage();
  for (let r = 0; r < repeats; r++) fn();
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / (repeats * N);
};
for (const [, fn] of timers) nsPerValue(fn);
const samples = timers.map((): number[] => []);
for (let r = 0; r < rounds; r++) timers.forEach(([, fn], k) => samples[k].push(nsPerValue(fn)));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`ns per value over ${N} uniforms in (0, 1), ${rounds} interleaved rounds of ${repeats} passes:`);
timers.forEach(([label], k) =>
  console.log(
    `  ${label}: median ${median(samples[k]).toFixed(2)}, best ${Math.min(...samples[k]).toFixed(2)}`,
  ),
);
