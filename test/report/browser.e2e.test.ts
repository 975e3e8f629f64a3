/**
 * The report page in a real browser: headless Debian Chromium through
 * playwright-core. Needs Chromium at $CHROMIUM_PATH or /usr/bin/chromium (.ci/run installs it
 * with apt-get); without it this test fails with a message saying so.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, exportFigures } from "../../src/report/export.js";
import { writeReport } from "../../src/report/html.js";
import { buildRunReport } from "../../src/report/run-report.js";
import { executeRun } from "../../src/runner/run.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = resolve("test-output", "report");

declare const document: {
  getElementById(id: string): { data?: unknown[]; querySelector(s: string): unknown } | null;
};

describe("report page in headless Chromium", () => {
  it("renders every figure with the right number of traces, no console errors; screenshot saved", async () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
    ).toBe(true);
    const root = mkdtempSync(join(tmpdir(), "browser-runs-"));
    for (const seed of [0, 1])
      await executeRun(
        { algo: "lrpg", seed, episodes: 40, snapshotEvery: 20, checkpointEvery: 0 },
        { outRoot: root },
      );
    await executeRun(
      { algo: "nn", hidden: 16, seed: 0, episodes: 40, snapshotEvery: 20, checkpointEvery: 0 },
      { outRoot: root },
    );
    const page = buildRunReport([root]);
    mkdirSync(OUT, { recursive: true });
    const html = writeReport(join(OUT, "report.html"), page);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      tab.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      tab.on("pageerror", (e) => errors.push(String(e)));
      await tab.goto(pathToFileURL(html).href);
      await tab.waitForFunction(
        (n) => (globalThis as { __rendered?: number }).__rendered === n,
        page.figures.length,
        { timeout: 60_000 },
      );
      for (const f of page.figures) {
        const rendered = await tab.evaluate((id) => {
          const el = document.getElementById(id);
          return { traces: el?.data?.length ?? -1, svg: Boolean(el?.querySelector(".main-svg")) };
        }, f.id);
        expect(rendered, f.id).toEqual({ traces: f.data.length, svg: true });
      }
      expect(errors).toEqual([]);
      await tab.screenshot({ path: join(OUT, "report-page.png"), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(readFileSync(join(OUT, "report-page.png")).subarray(1, 4).toString()).toBe("PNG");

    const exported = await exportFigures(html, page.figures.slice(0, 2), join(OUT, "png"), "png", {
      executablePath: CHROMIUM,
    });
    expect(exported.skipped).toBeUndefined();
    expect(exported.files).toHaveLength(2);
    for (const f of exported.files) expect(readFileSync(f).subarray(1, 4).toString()).toBe("PNG");
    const svg = await exportFigures(html, page.figures.slice(0, 1), join(OUT, "svg"), "svg", {
      executablePath: CHROMIUM,
    });
    expect(readFileSync(svg.files[0], "utf8")).toMatch(/^<svg/);
  }, 180_000);
});
