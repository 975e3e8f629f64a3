import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRIC, MetricsWriter, readMetrics } from "../../src/runner/metrics.js";

describe("MetricsWriter", () => {
  it("writes CleanRL names to JSONL and a CSV starting with the episode and its return", () => {
    const dir = mkdtempSync(join(tmpdir(), "metrics-"));
    const w = MetricsWriter.create(dir);
    w.write({ episode: 1, [METRIC.episodicReturn]: 0.1 + 0.2, [METRIC.lossActor]: -1.5 });
    w.write({ episode: 2, [METRIC.episodicReturn]: 7 });
    w.close();
    const csv = readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n");
    expect(csv[0].startsWith("episode,charts/episodic_return,")).toBe(true);
    expect(csv[1].startsWith("1,0.30000000000000004,")).toBe(true);
    const rows = readMetrics(dir);
    expect(rows[0][METRIC.episodicReturn]).toBe(0.1 + 0.2);
    expect(rows[1]).toEqual({ episode: 2, [METRIC.episodicReturn]: 7 });
    expect(() => MetricsWriter.create(dir).write({ bogus: 1 })).toThrow(/unknown column "bogus"/);
  });
  it("resume cuts both files back to the offset", () => {
    const dir = mkdtempSync(join(tmpdir(), "metrics-"));
    const w = MetricsWriter.create(dir);
    w.write({ episode: 1, [METRIC.episodicReturn]: 1 });
    const offset = w.getOffset();
    w.write({ episode: 2, [METRIC.episodicReturn]: 2 });
    w.close();
    const r = MetricsWriter.resume(dir, offset);
    r.write({ episode: 2, [METRIC.episodicReturn]: 22 });
    r.close();
    expect(readMetrics(dir).map((x) => x[METRIC.episodicReturn])).toEqual([1, 22]);
    expect(readFileSync(join(dir, "metrics.csv"), "utf8").trim().split("\n")).toHaveLength(3);
  });

  describe("resume checks the kept part of the files against the checkpoint", () => {
    function threeRows(): { dir: string; offset: ReturnType<MetricsWriter["getOffset"]> } {
      const dir = mkdtempSync(join(tmpdir(), "metrics-"));
      const w = MetricsWriter.create(dir);
      w.write({ episode: 1, [METRIC.episodicReturn]: 1.5 });
      w.write({ episode: 2, [METRIC.episodicReturn]: 2.5 });
      const offset = w.getOffset();
      w.write({ episode: 3, [METRIC.episodicReturn]: 3.5 });
      w.close();
      return { dir, offset };
    }
    const files = (dir: string) =>
      [join(dir, "metrics.jsonl"), join(dir, "metrics.csv")].map((f) => readFileSync(f));

    it("the offset carries the SHA-256 of both files' leading bytes", () => {
      const { offset } = threeRows();
      expect(offset.rows).toBe(2);
      expect(offset.jsonlSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(offset.csvSha256).toMatch(/^[0-9a-f]{64}$/);
    });

    it("CRLF line endings: refuses in one line naming the file, and cuts neither file", () => {
      for (const withHash of [true, false]) {
        const { dir, offset } = threeRows();
        const jsonl = join(dir, "metrics.jsonl");
        writeFileSync(jsonl, readFileSync(jsonl, "utf8").replace(/\n/g, "\r\n"));
        const before = files(dir);
        const old = { jsonlBytes: offset.jsonlBytes, csvBytes: offset.csvBytes, rows: offset.rows };
        let message = "";
        try {
          MetricsWriter.resume(dir, withHash ? offset : old).close();
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).toContain(jsonl);
        expect(message).not.toContain("\n");
        expect(files(dir)).toEqual(before);
      }
    });

    it("a one-byte edit inside the kept rows is refused (the checkpoint's hash)", () => {
      const { dir, offset } = threeRows();
      const jsonl = join(dir, "metrics.jsonl");
      writeFileSync(jsonl, readFileSync(jsonl, "utf8").replace("1.5", "1.6"));
      const before = files(dir);
      expect(() => MetricsWriter.resume(dir, offset)).toThrow(/metrics\.jsonl: .*differ/);
      expect(files(dir)).toEqual(before);
    });

    it("an inserted byte shifts the offset off a line end and is refused, with or without a hash", () => {
      const { dir, offset } = threeRows();
      const csv = join(dir, "metrics.csv");
      writeFileSync(csv, readFileSync(csv, "utf8").replace("1.5", "1.55"));
      const before = files(dir);
      const old = { jsonlBytes: offset.jsonlBytes, csvBytes: offset.csvBytes, rows: offset.rows };
      expect(() => MetricsWriter.resume(dir, old)).toThrow(/metrics\.csv: /);
      expect(() => MetricsWriter.resume(dir, offset)).toThrow(/metrics\.csv: /);
      expect(files(dir)).toEqual(before);
    });

    it("an offset without hashes (older checkpoints) still resumes a matching file", () => {
      const { dir, offset } = threeRows();
      const r = MetricsWriter.resume(dir, {
        jsonlBytes: offset.jsonlBytes,
        csvBytes: offset.csvBytes,
        rows: offset.rows,
      });
      r.write({ episode: 3, [METRIC.episodicReturn]: 33 });
      const next = r.getOffset();
      r.close();
      expect(readMetrics(dir).map((x) => x[METRIC.episodicReturn])).toEqual([1.5, 2.5, 33]);
      // The hash it carries on covers the whole file, so a later resume checks it.
      const again = MetricsWriter.resume(dir, next);
      again.close();
      expect(readMetrics(dir)).toHaveLength(3);
    });
  });
});
