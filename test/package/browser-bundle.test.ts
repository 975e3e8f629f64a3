/**
 * The root entry (src/index.ts) bundles for the browser: esbuild with `platform: "browser"` fails on
 * any Node built-in it cannot resolve, so a clean build means nothing reachable needs Node (the
 * import-graph test in test/public-api.test.ts checks the sources; this checks what a bundler sees,
 * dependencies included). `npm run build:browser` writes the same bundle to dist/browser/.
 */
import { resolve } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ENTRY = resolve(import.meta.dirname, "..", "..", "src", "index.ts");

describe("browser bundle of lowrank-rl", () => {
  it("esbuild bundles src/index.ts for the browser with no errors, no warnings and no Node imports", async () => {
    const result = await build({
      entryPoints: [ENTRY],
      platform: "browser",
      format: "esm",
      bundle: true,
      write: false,
      logLevel: "silent",
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.outputFiles).toHaveLength(1);
    const text = result.outputFiles[0].text;
    expect(text).not.toMatch(/require\(\s*["'](node:)?fs["']\s*\)/);
    expect(text).not.toMatch(/["']node:[a-z_/]+["']/);
    expect(text).not.toMatch(/\bfrom\s*["'](fs|path|os|module|url|worker_threads|child_process)["']/);

    // The bundle is a self-contained ES module that exports the public API.
    const url = "data:text/javascript;base64," + Buffer.from(text).toString("base64");
    const mod = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
    for (const name of ["Rng", "makeEnv", "makePaperAgent", "trainReinforce"])
      expect(typeof mod[name], name).toBe("function");
  });
});
