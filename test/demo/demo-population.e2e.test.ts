/**
 * The live page's population mode in headless Debian Chromium (playwright-core; Chromium at
 * $CHROMIUM_PATH or /usr/bin/chromium). Chromium gives the page's Web Worker WebGL 2 through its
 * SwiftShader software renderer, so gpu.js trains the population on WebGL: the page's own check
 * (the same small population on WebGL and on the CPU path) must agree within float32 tolerance, its
 * CPU population must be Node's bit for bit, and the page must say which backend it used.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { demoSettings, writeDemoPage } from "../../src/cli/demo.js";
import { createBackend } from "../../src/factor/backend/index.js";
import {
  POPULATION_CHECK,
  POPULATION_CHECK_TOLERANCE,
  createPopulation,
  maxRelativeDifference,
  populationReturns,
  type PopulationBackendInfo,
} from "../../src/demo/population.js";

import { CHROMIUM_ARGS } from "../../src/report/export.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = resolve("test-output", "demo");

interface PopulationView {
  ready: { backend: PopulationBackendInfo; count: number } | null;
  check: {
    gpuReturns: number[][];
    cpuReturns: number[][];
    maxRelativeDifference: number;
    count: number;
    episodes: number;
    maxSteps: number;
  } | null;
  summaries: { median: number; solved: number }[];
  last: { done: boolean; steps: number; trainMs: number } | null;
}
declare const window: {
  __demo: { population: PopulationView | null; settings: { math?: string }; errors: string[] };
};
declare const document: {
  getElementById(id: string): { getAttribute(n: string): string | null; textContent: string | null } | null;
};

describe("the live page's population mode in headless Chromium", () => {
  it("trains on gpu.js's WebGL backend, matches the CPU population within float32 tolerance, says which backend it used", async () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
    ).toBe(true);
    mkdirSync(OUT, { recursive: true });
    const html = await writeDemoPage(join(OUT, "demo-population.html"), demoSettings({ seed: "0" }));
    // WebGL through SwiftShader (Chromium's software renderer), in place of --disable-gpu.
    const args = [
      ...CHROMIUM_ARGS.filter((a) => a !== "--disable-gpu"),
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
    ];
    const browser = await chromium.launch({ executablePath: CHROMIUM, args });
    const errors: string[] = [];
    const episodes = 2;
    let view: PopulationView;
    let math: string | undefined;
    try {
      const tab = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
      tab.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      tab.on("pageerror", (e) => errors.push(String(e)));
      await tab.goto(`${pathToFileURL(html).href}?episodes=${episodes}&speed=0&population=64`);
      await tab.waitForFunction(() => window.__demo?.population?.last?.done === true, undefined, {
        timeout: 60_000,
        polling: 200,
      });
      await tab.waitForTimeout(400); // the last redraw
      view = await tab.evaluate(() => window.__demo.population!);
      math = await tab.evaluate(() => window.__demo.settings.math);
      const status = await tab.evaluate(() => ({
        backend: document.getElementById("pop-status")?.getAttribute("data-backend"),
        episode: document.getElementById("pop-status")?.getAttribute("data-episode"),
        badge: document.getElementById("pop-badge")?.textContent,
        checkOk: document.getElementById("pop-check")?.getAttribute("data-ok"),
      }));
      expect(status.backend).toMatch(/^gpu:webgl2?$/);
      expect(status.badge).toMatch(/WebGL/);
      expect(status.episode).toBe(String(episodes));
      expect(status.checkOk).toBe("true");
      await tab.screenshot({ path: join(OUT, "demo-population.png"), fullPage: true });
    } finally {
      await browser.close();
    }
    expect(errors).toEqual([]);
    expect(view.ready!.backend).toMatchObject({ kind: "gpu", precision: "float32", fallbackReason: null });
    expect(view.ready!.count).toBe(64);
    expect(view.summaries).toHaveLength(episodes);
    expect(view.last!.steps).toBeGreaterThan(64 * episodes);

    // The page's check: the same 16 agents, 3 episodes of ≤ 20 steps, on WebGL and on the CPU path.
    const check = view.check!;
    expect({ count: check.count, episodes: check.episodes, maxSteps: check.maxSteps }).toEqual(
      POPULATION_CHECK,
    );
    const d = maxRelativeDifference(check.gpuReturns, check.cpuReturns);
    expect(d).toBe(check.maxRelativeDifference);
    expect(d).toBeLessThanOrEqual(POPULATION_CHECK_TOLERANCE);
    expect(d).toBeGreaterThan(0); // float32 on WebGL is not float64: a real comparison
    // The page's CPU population is Node's (bit for bit with the same sin/cos/exp/log).
    const cpu = await createBackend("cpu");
    const node = await populationReturns(
      await createPopulation(
        { task: "pendulum", seed: 0, count: check.count, maxSteps: check.maxSteps },
        cpu,
      ),
      check.episodes,
    );
    if (math === "fdlibm") expect(check.cpuReturns).toEqual(node);
    else expect(maxRelativeDifference(check.cpuReturns, node)).toBeLessThan(1e-9);
    expect(readFileSync(join(OUT, "demo-population.png")).subarray(1, 4).toString()).toBe("PNG");
  }, 120_000);
});
