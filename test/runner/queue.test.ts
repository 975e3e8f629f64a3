import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/runner/config.js";
import {
  parseQueueJobData,
  queueJobData,
  queueJobId,
  queueJobOptions,
  queueRunDir,
} from "../../src/runner/queue-jobs.js";
import {
  checkQueueName,
  describeRedisTarget,
  parseRedisUrl,
  redactRedisUrl,
  REDIS_PASSWORD_ENV,
} from "../../src/runner/queue-url.js";
import { parseSweepSpec, planSweep } from "../../src/runner/sweep.js";

describe("queue URL", () => {
  it("parses host, port, db and credentials", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6380/2", {})).toEqual({
      host: "127.0.0.1",
      port: 6380,
      db: 2,
      tls: false,
    });
    expect(parseRedisUrl("redis://localhost", {})).toMatchObject({ port: 6379, db: 0 });
    expect(parseRedisUrl("rediss://sweeper:p%40ss@h.example:7000/0", {})).toEqual({
      host: "h.example",
      port: 7000,
      db: 0,
      username: "sweeper",
      password: "p@ss",
      tls: true,
    });
  });

  it("takes the password from the environment when the URL has none", () => {
    expect(parseRedisUrl("redis://sweeper@h:6379", { [REDIS_PASSWORD_ENV]: "s3cret" }).password).toBe(
      "s3cret",
    );
    expect(parseRedisUrl("redis://u:inurl@h:6379", { [REDIS_PASSWORD_ENV]: "env" }).password).toBe("inurl");
  });

  it("refuses bad URLs with one line naming --queue, never showing the password", () => {
    for (const [url, why] of [
      ["http://u:topsecret@h:1/0", "scheme"],
      ["redis://u:topsecret@h:99999/0", "port"],
      ["redis://u:topsecret@h:6379/x", "database"],
      ["redis://u:topsecret@h:6379/0?x=1", "query"],
      ["not a url topsecret", "not a URL"],
    ]) {
      let err: unknown;
      try {
        parseRedisUrl(url, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toMatch(/^--queue[ :]/);
      expect(msg).toContain(why);
      expect(msg).not.toContain("topsecret");
      expect(msg).not.toContain("\n");
    }
  });

  it("redacts passwords and keeps the rest", () => {
    expect(redactRedisUrl("redis://u:topsecret@h:6379/1")).toBe("redis://u:***@h:6379/1");
    expect(redactRedisUrl("redis://:topsecret@h:6379")).toBe("redis://***@h:6379");
    expect(redactRedisUrl("redis://h:6379/3")).toBe("redis://h:6379/3");
    expect(redactRedisUrl("%%garbage//u:topsecret@h")).not.toContain("topsecret");
    const t = parseRedisUrl("redis://u:topsecret@h:6379/1", {});
    expect(describeRedisTarget(t)).toBe("redis://u:***@h:6379/1");
    expect(describeRedisTarget(parseRedisUrl("redis://[::1]:7000", {}))).toBe("redis://[::1]:7000/0");
  });

  it("checks queue names", () => {
    expect(checkQueueName("sweep-1.a_b")).toBe("sweep-1.a_b");
    expect(() => checkQueueName("a:b")).toThrow(/--name/);
    expect(() => checkQueueName("")).toThrow(ConfigError);
  });
});

describe("queue jobs", () => {
  const root = mkdtempSync(join(tmpdir(), "queue-jobs-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const spec = parseSweepSpec({
    base: { env: "LRPG/Pendulum", algo: "lrpg", episodes: 5 },
    grid: { rank: [1, 2] },
    seeds: [0, 1],
  });

  it("carries the sweep's content-hash id, resolved config and run folder", () => {
    const plan = planSweep(spec, join(root, "sweep"));
    expect(plan).toHaveLength(4);
    const data = plan.map((j) => queueJobData(j, join(root, "sweep")));
    for (const [k, d] of data.entries()) {
      expect(d.jobId).toBe(plan[k].jobId);
      expect(d.config).toEqual(plan[k].config);
      expect(queueRunDir(d)).toBe(plan[k].dir);
      expect(queueRunDir(d, join(root, "shared"))).toBe(join(root, "shared", d.runName));
      expect(parseQueueJobData(JSON.parse(JSON.stringify(d)))).toEqual(d);
    }
    // Planning again gives the same ids, so the queue adds nothing the second time.
    expect(planSweep(spec, join(root, "sweep")).map((j) => queueJobId(j.jobId))).toEqual(
      data.map((d) => queueJobId(d.jobId)),
    );
    const opts = queueJobOptions(data[0], { attempts: 4, backoffMs: 250 });
    expect(opts).toMatchObject({
      jobId: `run-${data[0].jobId}`,
      attempts: 4,
      backoff: { type: "exponential", delay: 250 },
      removeOnComplete: false,
    });
  });

  it("refuses payloads that could write outside the sweep folder", () => {
    const d = queueJobData(planSweep(spec, join(root, "sweep"))[0], join(root, "sweep"));
    for (const runName of ["..", "a/b", "../x", ""])
      expect(() => parseQueueJobData({ ...d, runName })).toThrow(/runName/);
    expect(() => parseQueueJobData({ ...d, jobId: "12" })).toThrow(/jobId/);
    expect(() => parseQueueJobData({ ...d, sweepDir: "rel/dir" })).toThrow(/sweepDir/);
    expect(() => parseQueueJobData({ ...d, format: "other" })).toThrow(/format/);
  });
});
