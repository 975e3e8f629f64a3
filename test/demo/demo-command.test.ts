import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEMO_BUILD_OPTIONS,
  DEMO_DEFAULT_EPISODES,
  DEMO_DEFAULT_SPEED,
  demoBundles,
  demoPort,
  demoSettings,
  serveDemo,
  writeDemoPage,
} from "../../src/cli/demo.js";
import { ConfigError } from "../../src/runner/config.js";
import { cli } from "../cli/cli-helpers.js";

const tmp = () => mkdtempSync(join(tmpdir(), "demo-cmd-"));

/** One line on stderr, `error: …`, no stack trace. */
function expectOneLineError(stderr: string, ...parts: string[]): void {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  for (const p of parts) expect(lines[0]).toContain(p);
}

describe("lowrank-rl demo: flags", () => {
  it("fills the defaults: pendulum, seed 0, the paper's sizes left to the task", () => {
    expect(demoSettings({})).toMatchObject({
      task: "pendulum",
      seed: 0,
      rank: undefined,
      actorBuckets: undefined,
      criticBuckets: undefined,
      hidden: undefined,
      episodes: DEMO_DEFAULT_EPISODES,
      speed: DEMO_DEFAULT_SPEED,
    });
    // The workers will compute sin, cos, exp, log and Adam's β^t as this Node does.
    const d = demoSettings({});
    expect(d.math).toBe("fdlibm");
    expect(d.powTable!.bases).toEqual([0.9, 0.999]);
    expect(d.powTable!.values[1][1233]).toBe(Math.pow(0.999, 1234));
    const s = demoSettings({ task: "rocket", seed: "7", rank: "3", actorBuckets: "5", speed: "0" });
    expect(s).toMatchObject({ task: "rocket", seed: 7, rank: 3, actorBuckets: 5, speed: 0, episodes: 5000 });
  });

  it("rejects each flag out of range with one error naming the flag and its range", () => {
    const cases: [object, string][] = [
      [{ task: "cartpole" }, "--task: task must be one of pendulum, acrobot, rocket"],
      [{ seed: "-1" }, "--seed: seed must be an integer in [0, 2147483647]"],
      [{ rank: "0" }, "--rank: rank must be an integer in [1, 64]"],
      [{ rank: "2.5" }, "--rank: rank must be an integer in [1, 64]"],
      [{ actorBuckets: "1" }, "--actor-buckets: actorBuckets must be an integer in [2, 64]"],
      [{ criticBuckets: "65" }, "--critic-buckets: criticBuckets must be an integer in [2, 64]"],
      [{ hidden: "x" }, "--hidden: hidden must be an integer in [1, 4096]"],
      [{ episodes: "0" }, "--episodes: episodes must be an integer in [1, 1000000]"],
      [{ speed: "1e9" }, "--speed: speed must be an integer in [0, 100000]"],
    ];
    for (const [flags, message] of cases) {
      expect(() => demoSettings(flags), message).toThrow(ConfigError);
      expect(() => demoSettings(flags), message).toThrow(message);
    }
    expect(demoPort(undefined)).toBe(8765);
    expect(demoPort("0")).toBe(0);
    expect(() => demoPort("70000")).toThrow("--port must be an integer in [0, 65535]");
  });

  it("exits 2 with one line for a bad flag, --port without --serve, and --out with --serve", async () => {
    const dir = tmp();
    const bad = await cli(["demo", "--rank", "0", "--out", join(dir, "a.html")]);
    expect(bad.code).toBe(2);
    expectOneLineError(bad.stderr, "--rank", "[1, 64]");
    const port = await cli(["demo", "--port", "9000", "--out", join(dir, "b.html")]);
    expect(port.code).toBe(2);
    expectOneLineError(port.stderr, "--port applies to --serve only");
    const both = await cli(["demo", "--serve", "--out", join(dir, "c.html")]);
    expect(both.code).toBe(2);
    expectOneLineError(both.stderr, "--out and --serve");
    expect(existsSync(join(dir, "a.html")) || existsSync(join(dir, "b.html"))).toBe(false);
  });
});

describe("lowrank-rl demo: the page", () => {
  it("the page's two bundles are browser scripts with no Node import", async () => {
    const b = await demoBundles();
    for (const text of [b.page, b.worker]) {
      expect(text).not.toMatch(/["']node:[a-z_/]+["']/);
      expect([...text].every((c) => c.charCodeAt(0) < 128)).toBe(true); // ASCII: safe in any page encoding
    }
    // What esbuild saw: no bundled file imports a Node built-in. The worker holds gpu.js's browser
    // build, whose webasm pool carries its worker's source as text (with a `require('worker_threads')`
    // branch for Node): text, not an import.
    const { build } = await import("esbuild");
    const builtin = (path: string) => path.startsWith("node:") || builtinModules.includes(path);
    for (const name of ["page", "worker"]) {
      const r = await build({
        ...DEMO_BUILD_OPTIONS,
        entryPoints: [join("src", "demo", `${name}.ts`)],
        write: false,
        metafile: true,
        logLevel: "silent",
      });
      const imports = Object.values(r.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
      expect(imports.length).toBeGreaterThan(0);
      expect(imports.filter(builtin)).toEqual([]);
    }
    expect(b.worker).toContain("postMessage");
    expect(b.page).toContain("demo-worker-source");
  });

  it("writes one self-contained file: plotly.js, the page and the worker inlined, the settings embedded", async () => {
    const path = join(tmp(), "sub", "demo.html");
    const settings = demoSettings({ seed: "11", rank: "3" });
    expect(await writeDemoPage(path, settings)).toBe(path);
    const html = readFileSync(path, "utf8");
    expect(statSync(path).size).toBeGreaterThan(5_000_000); // plotly.js is inside
    expect(html).not.toMatch(/<script[^>]+src=/); // nothing loaded from elsewhere
    const defaults = /<script id="demo-defaults" type="application\/json">(.*?)<\/script>/.exec(html);
    expect(JSON.parse(defaults![1])).toMatchObject({ task: "pendulum", seed: 11, rank: 3 });
    const worker = /<script id="demo-worker-source" type="text\/plain">([\s\S]*?)<\/script>/.exec(html);
    expect(worker![1].length).toBeGreaterThan(10_000);
    for (const id of [
      "status",
      "status-nn",
      "returns",
      "lrpg-mu",
      "lrpg-sigma",
      "lrpg-value",
      "nn-mu",
      "lrpg-params",
    ])
      expect(html).toContain(`id="${id}"`);
    await expect(writeDemoPage(join(path, ".."), settings)).rejects.toThrow(/is a directory/);
  });

  it("--serve: the page on 127.0.0.1 with plotly.js beside it; unknown paths 404", async () => {
    const { url, close } = await serveDemo(demoSettings({ seed: "4" }), 0);
    try {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<script src="plotly.js"></script>');
      expect(html).toContain('"seed":4');
      const plotly = await fetch(url + "plotly.js");
      expect(plotly.status).toBe(200);
      expect((await plotly.text()).length).toBeGreaterThan(5_000_000);
      expect((await fetch(url + "nope")).status).toBe(404);
    } finally {
      await close();
    }
  });
});
