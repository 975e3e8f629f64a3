import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Figure } from "./figure.js";

/** The page global as seen from page.evaluate callbacks (they run in the browser). */
declare const window: {
  __rendered?: number;
  __figures?: unknown[];
  Plotly: { toImage: (id: string, o: object) => Promise<string> };
};

export interface ExportOptions {
  /** Chromium executable (Debian: /usr/bin/chromium). */
  executablePath?: string;
  width?: number;
  height?: number;
}

/** Flags that work for headless Chromium in containers. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * Exports every figure of a written report page as PNG or SVG through headless Chromium
 * (playwright-core + the system Chromium), in one browser session (~10 s fixed cost). When
 * Chromium or playwright-core is missing it returns `{ skipped: reason }` instead of failing.
 */
export async function exportFigures(
  htmlPath: string,
  figures: readonly Figure[],
  outDir: string,
  format: "png" | "svg",
  options: ExportOptions = {},
): Promise<{ files: string[]; skipped?: string }> {
  const executablePath = options.executablePath ?? "/usr/bin/chromium";
  if (!existsSync(executablePath))
    return { files: [], skipped: `no Chromium at ${executablePath} (Debian: apt-get install chromium)` };
  let chromium: typeof import("playwright-core").chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (err) {
    return { files: [], skipped: `playwright-core not installed (${(err as Error).message})` };
  }
  const width = options.width ?? 900;
  const height = options.height ?? 560;
  mkdirSync(outDir, { recursive: true });
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(pathToFileURL(resolve(htmlPath)).href);
    await page.waitForFunction(
      () => window.__figures !== undefined && window.__rendered === window.__figures.length,
      undefined,
      { timeout: 120_000 },
    );
    const files: string[] = [];
    for (const f of figures) {
      const url = await page.evaluate(
        ([id, fmt, w, h]) => window.Plotly.toImage(id as string, { format: fmt, width: w, height: h }),
        [f.id, format, width, height] as const,
      );
      const file = join(outDir, `${f.id}.${format}`);
      if (format === "png") writeFileSync(file, Buffer.from(url.slice(url.indexOf(",") + 1), "base64"));
      else writeFileSync(file, decodeURIComponent(url.slice(url.indexOf(",") + 1)));
      files.push(file);
    }
    return { files };
  } finally {
    await browser.close();
  }
}
