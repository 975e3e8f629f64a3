import { describe, expect, it } from "vitest";
import { cli } from "./cli-helpers.js";

describe("usage errors that commander itself finds exit 2, like every other bad input", () => {
  it("an unknown option, a rejected flag value, a missing value: exit 2, one error line; --help exits 0", async () => {
    const [unknown, choice, missing, help] = await Promise.all([
      cli(["run", "--no-such-flag"]),
      cli(["eval", "some-run", "--params", "newest"]),
      cli(["run", "--seed"]),
      cli(["run", "--help"]),
    ]);
    for (const [r, name] of [
      [unknown, /unknown option '--no-such-flag'/],
      [choice, /--params <which>' argument 'newest' is invalid/],
      [missing, /option '--seed <n>' argument missing/],
    ] as const) {
      expect(r.code).toBe(2);
      expect(r.stderr.split("\n")[0]).toMatch(/^error: /);
      expect(r.stderr).toMatch(name);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--seed <n>");
  });
});
