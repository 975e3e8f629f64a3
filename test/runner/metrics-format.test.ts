import fc from "fast-check";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_METRIC_COLUMNS, MetricsWriter, type MetricRow } from "../../src/runner/metrics.js";
import { encodeRecord, EVENT_FILE_VERSION, TENSORBOARD_DIR } from "../../src/runner/tensorboard.js";
import { rowScalars, rowStep } from "../../src/runner/tensorboard-metrics.js";

/**
 * The metric files as their definition gives them, computed the plain way: a JSONL line is
 * JSON.stringify of the row's non-null values in column order, a CSV line String() of each value
 * (empty when absent), and the event file one record per row of rowScalars at rowStep.
 */
function expectedFiles(columns: readonly string[], rows: readonly MetricRow[], wallTime: number) {
  let jsonl = "";
  let csv = columns.join(",") + "\n";
  const records: Buffer[] = [encodeRecord({ wallTime, fileVersion: EVENT_FILE_VERSION })];
  rows.forEach((row, i) => {
    const compact: MetricRow = {};
    for (const c of columns) if (row[c] !== undefined && row[c] !== null) compact[c] = row[c];
    jsonl += JSON.stringify(compact) + "\n";
    csv +=
      columns.map((c) => (row[c] === null || row[c] === undefined ? "" : String(row[c]))).join(",") + "\n";
    const scalars = rowScalars(compact);
    if (scalars.length > 0) records.push(encodeRecord({ wallTime, step: rowStep(compact, i + 1), scalars }));
  });
  return { jsonl, csv, events: Buffer.concat(records) };
}

const value = fc.oneof(
  fc.double(),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.constantFrom(
    0,
    -0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    0.1 + 0.2,
    1e21,
    5e-324,
  ),
  fc.constant(null),
  fc.constant(undefined),
);

describe("MetricsWriter's formatting", () => {
  it("writes the same bytes as JSON.stringify, String() and the plain event encoder, for any values", () => {
    const columns = [...DEFAULT_METRIC_COLUMNS, "custom/é_tag", "plain"];
    const row = fc
      .record({
        step: fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(undefined)),
        episode: fc.oneof(fc.integer({ min: 1, max: 1e6 }), fc.constant(undefined)),
        values: fc.array(value, { minLength: columns.length, maxLength: columns.length }),
      })
      .map(({ step, episode, values }) => {
        const r: MetricRow = {};
        columns.forEach((c, k) => {
          const v = c === "global_step" ? step : c === "episode" ? episode : values[k];
          if (v !== undefined) r[c] = v;
        });
        return r;
      });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 12 }), (rows) => {
        const dir = mkdtempSync(join(tmpdir(), "metrics-format-"));
        try {
          const w = MetricsWriter.create(dir, columns, { tensorboard: { now: () => 1234.5, host: "h" } });
          for (const r of rows) w.write(r);
          w.close();
          const want = expectedFiles(columns, rows, 1234.5);
          expect(readFileSync(join(dir, "metrics.jsonl"), "utf8")).toBe(want.jsonl);
          expect(readFileSync(join(dir, "metrics.csv"), "utf8")).toBe(want.csv);
          const [eventFile] = readdirSync(join(dir, TENSORBOARD_DIR));
          expect(readFileSync(join(dir, TENSORBOARD_DIR, eventFile)).equals(want.events)).toBe(true);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });

  it("refuses a column that is an array index (JSON objects list those first)", () => {
    const dir = mkdtempSync(join(tmpdir(), "metrics-format-"));
    try {
      expect(() => MetricsWriter.create(dir, ["episode", "7"])).toThrow(/column "7" is an array index/);
      expect(() => MetricsWriter.create(dir, ["episode", "07", "7.5"]).close()).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
