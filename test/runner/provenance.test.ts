import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readHeadCommit } from "../../src/runner/provenance.js";

const A = "0123456789abcdef0123456789abcdef01234567";
const B = "fedcba9876543210fedcba9876543210fedcba98";
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A checkout whose `.git` holds `files` (path → text); returns a folder two levels inside it. */
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "provenance-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, ".git", path, ".."), { recursive: true });
    writeFileSync(join(root, ".git", path), text);
  }
  const inner = join(root, "node_modules", "pkg");
  mkdirSync(inner, { recursive: true });
  return inner;
}

describe("the commit is read from the repository's files as git would resolve HEAD", () => {
  it("a branch in a loose ref, a branch only in packed-refs, a detached HEAD", () => {
    expect(readHeadCommit(repo({ HEAD: "ref: refs/heads/main\n", "refs/heads/main": `${A}\n` }))).toBe(A);
    expect(
      readHeadCommit(
        repo({
          HEAD: "ref: refs/heads/dev\n",
          "packed-refs": `# pack-refs with: peeled fully-peeled sorted\n${B} refs/heads/main\n${A} refs/heads/dev\n`,
        }),
      ),
    ).toBe(A);
    expect(readHeadCommit(repo({ HEAD: `${B}\n` }))).toBe(B);
  });

  it("leaves anything unusual to git: an unborn branch, a malformed ref, a worktree's .git file", () => {
    expect(readHeadCommit(repo({ HEAD: "ref: refs/heads/none\n" }))).toBeUndefined();
    expect(
      readHeadCommit(repo({ HEAD: "ref: refs/heads/main\n", "refs/heads/main": "not a sha\n" })),
    ).toBeUndefined();
    const root = mkdtempSync(join(tmpdir(), "provenance-"));
    roots.push(root);
    writeFileSync(join(root, ".git"), "gitdir: /elsewhere/.git/worktrees/x\n");
    expect(readHeadCommit(root)).toBeUndefined();
  });
});
