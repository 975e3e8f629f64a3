// Medians of the rounds written by compare.sh and the ratio new/old of every figure both commits print.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";

const print = (line) => process.stdout.write(`${line}\n`);

const [oldRev, newRev, dir, roundsText] = process.argv.slice(2);
const rounds = Number(roundsText);
const read = (side) =>
  Array.from({ length: rounds }, (_, i) => JSON.parse(readFileSync(join(dir, `${side}-${i + 1}.json`), "utf8")));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const olds = read("old");
const news = read("new");
const keys = Object.keys(olds[0]).filter((k) => k in news[0]);
const fmt = (v) => (Number.isFinite(v) ? v.toPrecision(4) : String(v));
print(`figure | ${oldRev} | ${newRev} | new/old   (medians of ${rounds} interleaved rounds)`);
for (const k of keys) {
  const o = median(olds.map((r) => r[k]));
  const n = median(news.map((r) => r[k]));
  print(`${k} | ${fmt(o)} | ${fmt(n)} | ${o === 0 ? "–" : (n / o).toFixed(2)}`);
}
const onlyOld = Object.keys(olds[0]).filter((k) => !(k in news[0]));
const onlyNew = Object.keys(news[0]).filter((k) => !(k in olds[0]));
if (onlyOld.length) print(`only in ${oldRev}: ${onlyOld.join(", ")}`);
if (onlyNew.length) print(`only in ${newRev}: ${onlyNew.join(", ")}`);
