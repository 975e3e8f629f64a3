import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMPILE_CACHE_ENV, compileCacheDir, loadCommonJs } from "../../src/cli/compile-cache.js";

const root = mkdtempSync(join(tmpdir(), "compile-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh folder holding `name` with `source`. */
function scriptFile(source: string, name = "lib.cjs"): string {
  const dir = join(root, `case-${n++}`);
  mkdirSync(dir);
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

describe("loadCommonJs", () => {
  it("runs a CommonJS file like require (exports, module, require relative to it, __filename)", () => {
    const file = scriptFile(
      '#!/usr/bin/env node\n"use strict";\nconst { join } = require("node:path");\n' +
        "module.exports = { twice: (x) => 2 * x, here: __filename, joined: join('a', 'b'), strict: (function () { return this; })() === undefined };\n",
    );
    const { exports, status } = loadCommonJs(file, null);
    const e = exports as { twice: (x: number) => number; here: string; joined: string; strict: boolean };
    expect(e.twice(21)).toBe(42);
    expect(e.here).toBe(file);
    expect(e.joined).toBe(join("a", "b"));
    expect(e.strict).toBe(true);
    expect(status).toMatchObject({ cachePath: null, hit: false });
    expect(status.save()).toBe(false);
  });

  it("writes the cache once into its folder, named by the file's content; a changed file of the same length gets another", () => {
    const cacheDir = join(root, "cache-a");
    const file = scriptFile("exports.v = 1;\n");
    const one = loadCommonJs(file, cacheDir);
    expect(one.status.hit).toBe(false);
    expect(one.status.save()).toBe(true);
    expect(one.status.save()).toBe(false); // once
    expect(readdirSync(cacheDir)).toEqual([basename(one.status.cachePath!)]);
    expect(basename(one.status.cachePath!)).toMatch(/^lib\.cjs-[0-9a-f]{24}\.v8cache$/);
    writeFileSync(file, "exports.v = 2;\n"); // same length: V8 alone would take the old cache
    const two = loadCommonJs(file, cacheDir);
    expect(two.status.hit).toBe(false);
    expect(two.status.cachePath).not.toBe(one.status.cachePath);
    expect((two.exports as { v: number }).v).toBe(2);
  });

  it("an unwritable folder only means no cache", () => {
    const blocked = join(root, "blocked");
    writeFileSync(blocked, ""); // a file where the folder should be
    const { exports, status } = loadCommonJs(scriptFile("exports.ok = true;\n"), join(blocked, "cache"));
    expect((exports as { ok: boolean }).ok).toBe(true);
    expect(status.save()).toBe(false);
  });

  it("prunes cache files written more than 30 days ago when it writes one", () => {
    const cacheDir = join(root, "cache-d");
    mkdirSync(cacheDir);
    const old = join(cacheDir, "other-0123.v8cache");
    const recent = join(cacheDir, "other-4567.v8cache");
    writeFileSync(old, "x");
    writeFileSync(recent, "x");
    const longAgo = (Date.now() - 31 * 24 * 3600 * 1000) / 1000;
    utimesSync(old, longAgo, longAgo);
    loadCommonJs(scriptFile("exports.x = 1;\n"), cacheDir).status.save();
    const left = readdirSync(cacheDir);
    expect(left).toContain("other-4567.v8cache");
    expect(left).not.toContain("other-0123.v8cache");
    expect(left).toHaveLength(2);
  });

  // V8 also keeps compiled scripts in memory, so whether it takes a cache file shows only in a
  // fresh process.
  it("across processes: written at exit when none was used, then taken; a corrupt one is rejected and rewritten", () => {
    const file = scriptFile("exports.x = 40 + 2;\n");
    const cacheDir = join(root, "cache-e");
    const url = new URL("../../src/cli/compile-cache.ts", import.meta.url).href;
    const code = `const { loadCommonJs } = await import(${JSON.stringify(url)}); const r = loadCommonJs(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}); console.log(r.exports.x, r.status.hit);`;
    const run = () =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
        encoding: "utf8",
      }).stdout.trim();
    expect(run()).toBe("42 false");
    const [name] = readdirSync(cacheDir);
    expect(readFileSync(join(cacheDir, name)).length).toBeGreaterThan(0);
    expect(run()).toBe("42 true");
    writeFileSync(join(cacheDir, name), Buffer.from("not a V8 code cache"));
    expect(run()).toBe("42 false");
    expect(run()).toBe("42 true");
    expect(readdirSync(cacheDir)).toEqual([name]);
  });
});

describe("compileCacheDir", () => {
  it("the environment variable, `off`, XDG_CACHE_HOME, then ~/.cache", () => {
    expect(compileCacheDir({ [COMPILE_CACHE_ENV]: "/x/y" })).toBe("/x/y");
    expect(compileCacheDir({ [COMPILE_CACHE_ENV]: "off" })).toBeNull();
    expect(compileCacheDir({ XDG_CACHE_HOME: "/xdg" })).toBe(join("/xdg", "lowrank-rl"));
    expect(compileCacheDir({})).toMatch(/[\\/]\.cache[\\/]lowrank-rl$/);
  });
});
