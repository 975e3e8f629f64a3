/**
 * The live page in a real browser: headless Debian Chromium through playwright-core (Chromium at
 * $CHROMIUM_PATH or /usr/bin/chromium; .ci/run installs it). The page written by `lowrank-rl demo`
 * opens from file:// with no network, trains LRPG and the NN baseline on the paper's pendulum in
 * two Web Workers, and its LRPG returns are the ones `lowrank-rl run` writes for the same seed.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { chromium, type Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { DemoSession } from "../../src/demo/session.js";
import { CHROMIUM_ARGS } from "../../src/report/export.js";
import { MAIN, TSX } from "../cli/cli-helpers.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const OUT = resolve("test-output", "demo");
const exec = promisify(execFile);

interface SideView {
  returns: number[];
  thresholdEpisode: number | null;
  thresholdMs: number | null;
  last: { episode: number; trainMs: number; steps: number } | null;
}
declare const window: { __demo: { lrpg: SideView; nn: SideView; errors: string[] } };
declare const document: { getElementById(id: string): { getAttribute(n: string): string | null } | null };

/** Per-episode returns of `lowrank-rl run … --episodes n` (its metrics.jsonl). */
async function nodeRun(algo: "lrpg" | "nn", seed: number, episodes: number): Promise<number[]> {
  const dir = join(mkdtempSync(join(tmpdir(), "demo-node-")), "run");
  await exec(
    TSX,
    [
      MAIN,
      "run",
      "--env",
      "LRPG/Pendulum",
      "--algo",
      algo,
      "--seed",
      String(seed),
      "--episodes",
      String(episodes),
      "--out",
      dir,
      "--quiet",
    ],
    { timeout: 120_000 },
  );
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as Record<string, number>)["charts/episodic_return"]);
}

async function openPage(tab: Page, url: string, errors: string[]): Promise<void> {
  tab.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  tab.on("pageerror", (e) => errors.push(String(e)));
  await tab.goto(url);
}

describe("the live page (lowrank-rl demo) in headless Chromium", () => {
  it("LRPG on the paper's pendulum reaches MA20 ≥ 90 within 60 s; same returns as `lowrank-rl run`; screenshot", async () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
    ).toBe(true);
    mkdirSync(OUT, { recursive: true });
    const html = join(OUT, "demo.html");
    // The page as the command writes it (from the checkout's sources).
    await exec(TSX, [MAIN, "demo", "--out", html, "--seed", "0"], { timeout: 120_000 });
    const seed = 0;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const errors: string[] = [];
    let measured: Record<string, unknown>;
    try {
      const tab = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
      const t0 = Date.now();
      await openPage(tab, pathToFileURL(html).href, errors);
      await tab.waitForFunction(
        () => Number(document.getElementById("status")?.getAttribute("data-ma20") || "NaN") >= 90,
        undefined,
        { timeout: 60_000, polling: 100 },
      );
      const reachedAfterMs = Date.now() - t0;
      const status = await tab.evaluate(() => ({
        episode: Number(document.getElementById("status")?.getAttribute("data-episode")),
        ma20: Number(document.getElementById("status")?.getAttribute("data-ma20")),
      }));
      expect(status.episode).toBeGreaterThanOrEqual(20);
      expect(status.ma20).toBeGreaterThanOrEqual(90);
      // Let the NN catch up a little so the picture shows both curves, then take it.
      await tab.waitForFunction(() => window.__demo.nn.returns.length >= 350, undefined, { timeout: 60_000 });
      await tab.waitForTimeout(400);
      await tab.screenshot({ path: join(OUT, "demo-page.png"), fullPage: true });

      // Same seed, same per-episode returns as the Node CLI, bit for bit (LRPG 300 episodes, NN
      // 100). The page runs the same code; its workers compute sin, cos, exp and log with fdlibm
      // and Adam's β^t from this Node's table, as this Node does (the browser's own Math may differ
      // in the last bit, which a few hundred episodes would grow into another run).
      const page = await tab.evaluate(() => ({
        lrpg: window.__demo.lrpg.returns.slice(0, 300),
        nn: window.__demo.nn.returns.slice(0, 100),
        lrpgThreshold: [window.__demo.lrpg.thresholdEpisode, window.__demo.lrpg.thresholdMs],
      }));
      expect(page.lrpg).toEqual(await nodeRun("lrpg", seed, 300));
      expect(page.nn).toEqual(await nodeRun("nn", seed, 100));
      // Another seed gives other returns: the comparison can tell runs apart.
      const other = await nodeRun("lrpg", seed + 1, 30);
      expect(Math.max(...other.map((x, i) => Math.abs(x - page.lrpg[i])))).toBeGreaterThan(1);

      // Throughput: the same LRPG run at full speed in the worker, and in Node in this process.
      const fast = await browser.newPage();
      await openPage(fast, `${pathToFileURL(html).href}?speed=0&episodes=3000`, errors);
      await fast.waitForFunction(() => window.__demo.lrpg.last?.episode === 3000, undefined, {
        timeout: 60_000,
      });
      const worker = await fast.evaluate(() => window.__demo.lrpg.last!);
      await fast.close(); // the browser idle while Node trains the same run
      await tab.close();
      const session = new DemoSession({ task: "pendulum", algo: "lrpg", seed });
      const n0 = performance.now();
      for (let e = 0; e < 3000; e++) session.episode();
      const nodeMs = performance.now() - n0;
      measured = {
        pagedReachedMa20Ms: reachedAfterMs,
        pagedThreshold: page.lrpgThreshold,
        workerEpisodesPerSecond: (1000 * worker.episode) / worker.trainMs,
        nodeEpisodesPerSecond: (1000 * 3000) / nodeMs,
        workerStepsPerSecond: (1000 * worker.steps) / worker.trainMs,
        nodeStepsPerSecond: (1000 * session.steps) / nodeMs,
      };
    } finally {
      await browser.close();
    }
    writeFileSync(join(OUT, "measure.json"), JSON.stringify(measured, null, 2) + "\n");
    console.log("demo page:", JSON.stringify(measured));
    expect(errors).toEqual([]);
    expect(readFileSync(join(OUT, "demo-page.png")).subarray(1, 4).toString()).toBe("PNG");
  }, 240_000);
});
