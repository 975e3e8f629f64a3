import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN } from "./cli-helpers.js";

describe("lowrank-rl with a reader that closes early", () => {
  it("sweep --dry-run | head -1 ends quietly (no EPIPE stack trace)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lowrank-epipe-"));
    try {
      const spec = join(dir, "spec.json");
      // Thousands of plan lines: far more than the pipe buffer, so writes continue after the reader closes.
      const seeds = Array.from({ length: 3000 }, (_, i) => i);
      writeFileSync(spec, JSON.stringify({ base: { episodes: 2 }, grid: { rank: [1, 2] }, seeds }));
      const child = spawn(
        process.execPath,
        ["--import", "tsx", MAIN, "sweep", spec, "--out", join(dir, "out"), "--dry-run"],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const firstLine = await new Promise<string>((resolve) => {
        let buf = "";
        const onData = (d: Buffer) => {
          buf += d.toString();
          const nl = buf.indexOf("\n");
          if (nl >= 0) {
            child.stdout.off("data", onData);
            child.stdout.destroy(); // close the read end, like `head -1`
            resolve(buf.slice(0, nl));
          }
        };
        child.stdout.on("data", onData);
      });
      const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((resolve) => {
        // It may have exited already, and then the "exit" event is gone.
        if (child.exitCode !== null || child.signalCode !== null)
          resolve({ code: child.exitCode, signal: child.signalCode });
        else child.once("exit", (c, s) => resolve({ code: c, signal: s }));
      });
      expect(firstLine).toMatch(/^sweep .*: 6000 jobs/);
      expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(stderr).toBe("");
      expect(signal === "SIGPIPE" || code === 0 || code === 141).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
