import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
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
/**
 * The commit checked out at the package root (what `git rev-parse HEAD` prints there), or null
 * when there is no repository or git is absent. Read from the repository's files when they are
 * plain (HEAD naming a loose or packed ref, or a detached commit); anything else asks git.
 */
export function gitCommit(): string | null {
  if (cachedCommit === undefined) {
    cachedCommit = readHeadCommit(packageRoot()) ?? askGit();
  }
  return cachedCommit;
}

const SHA = /^[0-9a-f]{40}$/;

/** HEAD's commit from the `.git` directory at or above `start`, or undefined to ask git instead. */
export function readHeadCommit(start: string): string | null | undefined {
  try {
    let dir = start;
    while (!existsSync(join(dir, ".git"))) {
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
    const gitDir = join(dir, ".git");
    // A worktree or submodule has a `.git` file pointing elsewhere: leave that to git.
    if (!statSync(gitDir).isDirectory()) return undefined;
    const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
    if (SHA.test(head)) return head;
    const m = /^ref: (refs\/[^\s]+)$/.exec(head);
    if (m === null) return undefined;
    const loose = join(gitDir, m[1]);
    if (existsSync(loose)) {
      const sha = readFileSync(loose, "utf8").trim();
      return SHA.test(sha) ? sha : undefined;
    }
    const packed = join(gitDir, "packed-refs");
    if (!existsSync(packed)) return undefined;
    for (const line of readFileSync(packed, "utf8").split("\n")) {
      const [sha, ref] = line.trim().split(" ");
      if (ref === m[1] && SHA.test(sha)) return sha;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function askGit(): string | null {
  try {
    const out = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: packageRoot(),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 5000,
    }).trim();
    return SHA.test(out) ? out : null;
  } catch {
    return null;
  }
}
