/**
 * Loading the command line's CommonJS bundle with V8's code cache, so that a command does not
 * parse and compile the same JavaScript again on every start (docs/performance.md, "Start-up").
 *
 * A script compiled by `vm.Script` can hand V8 the bytes of an earlier compile (`cachedData`);
 * V8 then skips parsing and bytecode generation for every function the cache holds. The cache is
 * written after the first run of a given bundle, at process exit, so it also holds the functions
 * that run compiled lazily (the training loop's among them). Node 22 does the same for all
 * modules (`module.enableCompileCache`); Node 20, which this package supports, has only this
 * script-level API, hence the single-file CommonJS bundle (tools/build-cli-bundle.mjs).
 *
 * Where: `$LOWRANK_RL_COMPILE_CACHE` (a folder; `off` turns caching off), else
 * `$XDG_CACHE_HOME/lowrank-rl`, else `~/.cache/lowrank-rl`. One file per bundle content, Node
 * version and architecture: V8 checks a cache's version and flags but, of the source, only its
 * length, so the name carries the SHA-256 of the source and a rebuilt bundle never meets a stale
 * cache. Every failure to read or write the cache (a read-only home, a full disk, a rejected or
 * corrupt file) only means compiling from source, as without a cache.
 */
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { Script } from "node:vm";
import { writeFileAtomic } from "../runner/atomic-file.js";

/** The environment variable naming the cache folder (`off`: no cache). */
export const COMPILE_CACHE_ENV = "LOWRANK_RL_COMPILE_CACHE";

/**
 * Cache files written longer ago than this are removed when a new one is written (ms: 30 days;
 * one still in use is then written again by its next run).
 */
const STALE_MS = 30 * 24 * 3600 * 1000;

/** The cache folder from the environment (see the module comment), or null when caching is off. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const asked = env[COMPILE_CACHE_ENV];
  if (asked !== undefined && asked !== "") return asked === "off" ? null : asked;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "lowrank-rl");
  try {
    return join(homedir(), ".cache", "lowrank-rl");
  } catch {
    return null; // no home directory: no cache
  }
}

/** How a {@link loadCommonJs} went: whether V8 took a cache, and where the cache is (null: off). */
export interface CompileCacheStatus {
  cachePath: string | null;
  /** A cache file existed and V8 accepted it. */
  hit: boolean;
  /** Writes the cache now if this load did not use one (also done at exit); true if written. */
  save: () => boolean;
}

/**
 * Runs the CommonJS file `file` (as `require` would: module, exports, require relative to it) and
 * returns its exports, compiled with the code cache in `cacheDir` when one matches. When none did,
 * the cache is written as the process exits (or by `status.save()`). The file must not call
 * `import()`: on Node 20 a script compiled by `vm.Script` can do so only under
 * `--experimental-vm-modules`, and not at all once compiled from a cache (the CLI bundle turns its
 * `import()` calls into `require()`).
 */
export function loadCommonJs(
  file: string,
  cacheDir: string | null = compileCacheDir(),
): { exports: unknown; status: CompileCacheStatus } {
  const bytes = readFileSync(file);
  // An ASCII file (the bundle is escaped to ASCII) decodes as latin1, a plain copy; a leading #!
  // line (an entry's) is kept as a comment: inside the function wrapper it would not be the
  // script's first line, where alone JavaScript allows it.
  const text = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
  const source = text.startsWith("#!") ? "//" + text.slice(2) : text;
  let cachePath: string | null = null;
  let cached: Buffer | undefined;
  if (cacheDir !== null) {
    const key = createHash("sha256")
      .update(bytes)
      .update(`\0${process.version}\0${process.arch}`)
      .digest("hex")
      .slice(0, 24);
    cachePath = join(cacheDir, `${basename(file)}-${key}.v8cache`);
    try {
      // Only a cache this user wrote: V8 runs the bytecode it holds.
      const uid = process.getuid?.();
      if (uid === undefined || statSync(cachePath).uid === uid) cached = readFileSync(cachePath);
    } catch {
      cached = undefined;
    }
  }
  // CommonJS's function wrapper, on the file's first line so that line numbers stay the file's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData: cached });
  const hit = cached !== undefined && !script.cachedDataRejected;
  let saved = hit;
  const save = (): boolean => {
    if (saved || cachePath === null) return false;
    saved = true;
    return writeCache(cachePath, script.createCachedData());
  };
  if (!hit && cachePath !== null) process.once("exit", save);
  const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: unknown,
    filename: string,
    dirname: string,
  ) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return { exports: module.exports, status: { cachePath, hit, save } };
}

/** Writes `data` to `path` atomically ({@link writeFileAtomic}) and prunes stale caches; false on any failure. */
function writeCache(path: string, data: Buffer): boolean {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(path, data);
  } catch {
    return false;
  }
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const other = join(dir, name);
      if (other !== path && name.endsWith(".v8cache") && now - statSync(other).mtimeMs > STALE_MS)
        rmSync(other, { force: true });
    }
  } catch {
    // Pruning is housekeeping only.
  }
  return true;
}
