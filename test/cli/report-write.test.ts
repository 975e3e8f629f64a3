import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

/** While `disk.full`, file writes store half their bytes and then fail with ENOSPC. */
const disk = vi.hoisted(() => ({ full: false }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  const half = (data: unknown): Buffer => {
    const b = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data as Uint8Array);
    return b.subarray(0, Math.floor(b.byteLength / 2));
  };
  return {
    ...fs,
    writeSync: ((fd: number, data: unknown, ...rest: unknown[]) => {
      if (disk.full) {
        fs.writeSync(fd, half(data));
        throw enospc();
      }
      return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync,
    writeFileSync: ((path: string, data: unknown, ...rest: unknown[]) => {
      if (disk.full) {
        fs.writeFileSync(path, half(data));
        throw enospc();
      }
      return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    }) as typeof fs.writeFileSync,
  };
});

const { writeReport } = await import("../../src/report/html.js");

afterEach(() => {
  disk.full = false;
});

describe("report writes report.html atomically", () => {
  it("a write that fails midway (disk full) leaves the old page intact and no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "report-write-"));
    const path = join(dir, "report.html");
    writeReport(path, { title: "old page", figures: [] });
    const old = readFileSync(path, "utf8");
    expect(old).toContain("old page");

    disk.full = true;
    expect(() => writeReport(path, { title: "new page", figures: [] })).toThrow(/ENOSPC/);
    disk.full = false;

    expect(readFileSync(path, "utf8")).toBe(old);
    expect(readdirSync(dir).sort()).toEqual(["plotly.js", "report.html"]);

    writeReport(path, { title: "new page", figures: [] });
    expect(readFileSync(path, "utf8")).toContain("new page");
  });

  it("the old page survives a failed write that replaces a hand-made file too", () => {
    const dir = mkdtempSync(join(tmpdir(), "report-write-"));
    const path = join(dir, "report.html");
    writeFileSync(path, "<p>keep me</p>");
    disk.full = true;
    expect(() => writeReport(path, { title: "t", figures: [] }, { plotly: "copy" })).toThrow();
    disk.full = false;
    expect(readFileSync(path, "utf8")).toBe("<p>keep me</p>");
  });
});
