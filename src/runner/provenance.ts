import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Directory of this package (the nearest ancestor of this file holding package.json). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error("lowrank-rl: package.json not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

let cachedVersion: string | undefined;
/** `version` from this package's package.json. */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version?: string };
    cachedVersion = pkg.version ?? "0.0.0";
  }
  return cachedVersion;
}

let cachedCommit: string | null | undefined;
/** `git rev-parse HEAD` of the package checkout, or null when git or the repository is absent. */
export function gitCommit(): string | null {
  if (cachedCommit === undefined) {
    try {
      const out = execFileSync("git", ["rev-parse", "HEAD"], {
        cwd: packageRoot(),
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        timeout: 5000,
      }).trim();
      cachedCommit = /^[0-9a-f]{40}$/.test(out) ? out : null;
    } catch {
      cachedCommit = null;
    }
  }
  return cachedCommit;
}
