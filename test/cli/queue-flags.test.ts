import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkQueueFlags } from "../../src/cli/queue.js";
import { ConfigError } from "../../src/runner/config.js";
import { cli } from "./cli-helpers.js";

/** The queue flags' checks that need no Redis server (the rest is in queue.e2e.test.ts). */
describe("queue flags", () => {
  const root = mkdtempSync(join(tmpdir(), "queue-flags-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("refuses sweep's queue-only flags without --queue, naming the flag", () => {
    for (const [key, flag] of [
      ["detach", "--detach"],
      ["status", "--status"],
      ["retryFailed", "--retry-failed"],
      ["collect", "--collect"],
      ["attempts", "--attempts"],
      ["backoff", "--backoff"],
    ] as const) {
      const value = key === "attempts" || key === "backoff" ? 3 : true;
      expect(() => checkQueueFlags({ [key]: value }), flag).toThrow(ConfigError);
      expect(() => checkQueueFlags({ [key]: value }), flag).toThrow(`${flag} needs --queue`);
      expect(() => checkQueueFlags({ [key]: value, queue: "redis://h" }), flag).not.toThrow();
    }
    expect(() => checkQueueFlags({ name: "lowrank-rl-sweep" })).not.toThrow();
  });

  it("sweep --collect without --queue runs nothing; worker --upload-max-mb without --upload connects nowhere (exit 2, one line)", async () => {
    const out = join(root, "sweep");
    const [sweep, worker] = await Promise.all([
      cli(["sweep", "--algo", "lrpg", "--seeds", "0", "--episodes", "3", "--collect", "--out", out]),
      cli(["worker", "--queue", "redis://127.0.0.1:1/0", "--upload-max-mb", "5"]),
    ]);
    expect(sweep.code, sweep.stderr).toBe(2);
    expect(sweep.stderr).toBe("error: --collect needs --queue redis://HOST[:PORT][/DB]\n");
    expect(existsSync(out)).toBe(false);
    expect(worker.code, worker.stderr).toBe(2);
    expect(worker.stderr).toBe("error: --upload-max-mb needs --upload\n");
  });
});
