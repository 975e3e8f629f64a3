/**
 * Where the golden data produced by the reference implementations live. In order:
 * `LOWRANK_GOLDEN_DIR` (to test against another set), the workspace's ../shared/golden next to
 * the repository when present, else the copy vendored in test/golden (same files, see its README).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shared = resolve(repoRoot, "..", "shared", "golden");

export const GOLDEN_DIR: string =
  process.env.LOWRANK_GOLDEN_DIR ??
  (existsSync(join(shared, "paper-learn-step.json")) ? shared : join(repoRoot, "test", "golden"));

export function goldenPath(file: string): string {
  return join(GOLDEN_DIR, file);
}
