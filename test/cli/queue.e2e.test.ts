import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openQueue } from "../../src/runner/queue.js";
import { queueJobId } from "../../src/runner/queue-jobs.js";
import { parseRedisUrl } from "../../src/runner/queue-url.js";
import { parseSweepSpec, planSweep, runSweep } from "../../src/runner/sweep.js";
import { cli, exited, spawnCli } from "./cli-helpers.js";
import { startRedis, type RedisServer } from "./queue-redis.js";

/**
 * Sweeps on a real Redis queue (Debian's redis-server, started here on a free loopback port):
 * worker processes killed with SIGKILL or stopped with SIGTERM mid-job, deduplication,
 * retries of a throwing job, and a Redis crash mid-sweep.
 */

const root = mkdtempSync(join(tmpdir(), "lowrank-rl-queue-e2e-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeSpec(name: string, spec: unknown): string {
  const path = join(root, `${name}.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** 40 short LRPG jobs (4 ranks × 10 seeds) that checkpoint every 3 episodes. */
const SPEC = {
  base: {
    env: "LRPG/Pendulum",
    algo: "lrpg",
    episodes: 36,
    maxSteps: 60,
    checkpointEvery: 3,
    checkpointMinSeconds: 0,
  },
  grid: { rank: [1, 2, 3, 4] },
  seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A worker process with its log lines. */
interface WorkerProc {
  child: ChildProcess;
  lines: string[];
  /** The first line at index ≥ from that matches, and its index. */
  next(
    from: number,
    pred: (line: string) => boolean,
    timeoutMs?: number,
  ): Promise<{ line: string; index: number }>;
}

function startWorker(args: string[]): WorkerProc {
  const child = spawnCli(["worker", ...args]);
  const lines: string[] = [];
  let partial = "";
  child.stdout!.on("data", (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on("data", (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
  return {
    child,
    lines,
    next: async (from, pred, timeoutMs = 60_000) => {
      const end = Date.now() + timeoutMs;
      for (;;) {
        for (let i = from; i < lines.length; i++) if (pred(lines[i])) return { line: lines[i], index: i };
        if (Date.now() > end)
          throw new Error(`no matching worker line in ${timeoutMs} ms:\n${lines.join("\n")}`);
        await pause(5);
      }
    },
  };
}

/** Log lines `<time> <verb> run-<id> <runName> …` of the given verb, as job ids. */
function jobsWith(lines: string[], verb: string): string[] {
  return lines.flatMap((l) => {
    const m = new RegExp(`^\\S+ ${verb}\\s+(run-[0-9a-f]{16})`).exec(l);
    return m ? [m[1]] : [];
  });
}

function runDirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));

/** metrics.jsonl rows and metrics.csv without the wall-clock column (charts/SPS). */
function metricsWithoutTime(dir: string): { jsonl: unknown[]; csv: string[][] } {
  const jsonl = readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const row = JSON.parse(l);
      delete row["charts/SPS"];
      return row;
    });
  const [head, ...rows] = readFileSync(join(dir, "metrics.csv"), "utf8")
    .trim()
    .split("\n")
    .map((l) => l.split(","));
  const sps = head.indexOf("charts/SPS");
  const drop = (r: string[]) => r.filter((_, i) => i !== sps);
  return { jsonl, csv: [drop(head), ...rows.map(drop)] };
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Waits until `dir` holds a checkpoint of a run that is still going; false if it ended first. */
async function caughtMidRun(dir: string, timeoutMs = 20_000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const ck = join(dir, "checkpoints");
    if (existsSync(ck) && readdirSync(ck).some((f) => /^ckpt-\d{9}\.(json|bin)$/.test(f))) {
      try {
        return manifest(dir).status === "running";
      } catch {
        /* being rewritten */
      }
    }
    await pause(5);
  }
  return false;
}

describe("sweep on a Redis queue", () => {
  const queueDir = join(root, "queued");
  const localDir = join(root, "local");
  const specPath = writeSpec("sweep", SPEC);

  it("40 jobs on 3 workers, one SIGKILLed and one SIGTERMed mid-job: every folder once, metrics equal to the local sweep", async () => {
    const common = ["--queue", redis.url, "--name", "main", "--lock-duration", "2000"];
    const submit = spawnCli(["sweep", specPath, "--out", queueDir, "--queue", redis.url, "--name", "main"]);
    let submitOut = "";
    submit.stdout!.on("data", (d: Buffer) => (submitOut += d.toString()));
    submit.stderr!.on("data", (d: Buffer) => (submitOut += d.toString()));
    const submitted = exited(submit);
    const [a, b, c] = [startWorker(common), startWorker(common), startWorker(common)];

    // SIGKILL worker a while one of its jobs is between checkpoints.
    let killedJob: string | null = null;
    const started = (l: string) => / (start|resume) run-/.test(l);
    for (let from = 0; killedJob === null && from < 200;) {
      const { line, index } = await a.next(from, started);
      from = index + 1;
      const name = line.split(" ")[3];
      if (await caughtMidRun(join(queueDir, name))) {
        a.child.kill("SIGKILL");
        killedJob = name;
      }
    }
    expect(killedJob).not.toBeNull();
    expect((await exited(a.child)).signal).toBe("SIGKILL");

    // SIGTERM worker b: it checkpoints its job (or finishes between jobs) and exits cleanly.
    const { line: bLine } = await b.next(0, started);
    await caughtMidRun(join(queueDir, bLine.split(" ")[3]));
    b.child.kill("SIGTERM");
    expect((await exited(b.child)).code).toBe(0);

    const sub = await submitted;
    expect(sub.code, submitOut).toBe(0);
    expect(submitOut).toMatch(/40\/40 done, 0 running, 0 waiting, 0 failed/);
    c.child.kill("SIGTERM");
    expect((await exited(c.child)).code).toBe(0);

    // Each job finished exactly once across the workers; the killed one resumed from its checkpoint.
    const done = [...jobsWith(a.lines, "done"), ...jobsWith(b.lines, "done"), ...jobsWith(c.lines, "done")];
    expect(done).toHaveLength(40);
    expect(new Set(done).size).toBe(40);
    const names = runDirs(queueDir);
    expect(names).toHaveLength(40);
    const aboutKilled = [...b.lines, ...c.lines].filter((l) => l.includes(killedJob!)).join("\n");
    expect(manifest(join(queueDir, killedJob!)).resumes, aboutKilled).toBeGreaterThanOrEqual(1);
    expect(aboutKilled).toMatch(/ resume run-/);
    expect(readFileSync(join(queueDir, "sweep.json"), "utf8")).not.toContain("redis://");

    // The same sweep run locally gives the same files (time column aside).
    const spec = parseSweepSpec(SPEC);
    const local = await runSweep(spec, localDir, { threads: 2 });
    expect(local.ran.every((r) => r.status === "completed")).toBe(true);
    expect(runDirs(localDir)).toEqual(names);
    for (const name of names) {
      const q = manifest(join(queueDir, name));
      expect(q.status).toBe("completed");
      expect(q.jobId).toBe(manifest(join(localDir, name)).jobId);
      expect(JSON.stringify(q)).not.toContain("redis");
      expect(metricsWithoutTime(join(queueDir, name))).toEqual(metricsWithoutTime(join(localDir, name)));
      expect(readFileSync(join(queueDir, name, "final_params.json"), "utf8")).toBe(
        readFileSync(join(localDir, name, "final_params.json"), "utf8"),
      );
    }
  }, 150_000);

  it("enqueueing the same spec twice runs nothing new; a deleted result folder runs alone", async () => {
    const again = await cli([
      "sweep",
      specPath,
      "--out",
      queueDir,
      "--queue",
      redis.url,
      "--name",
      "main",
      "--detach",
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 added, 0 already queued, 40 already done, 0 failed/);
    const names = runDirs(queueDir);
    const gone = names[17];
    const endTimes = new Map(names.map((n) => [n, manifest(join(queueDir, n)).endTime]));
    rmSync(join(queueDir, gone), { recursive: true });
    const third = await cli([
      "sweep",
      specPath,
      "--out",
      queueDir,
      "--queue",
      redis.url,
      "--name",
      "main",
      "--detach",
    ]);
    expect(third.stdout).toMatch(/1 added \(1 whose folder was gone\), 0 already queued, 39 already done/);
    const w = startWorker(["--queue", redis.url, "--name", "main", "--idle-exit", "2"]);
    expect((await exited(w.child)).code).toBe(0);
    expect(jobsWith(w.lines, "done")).toHaveLength(1);
    expect(w.lines.some((l) => l.includes(gone))).toBe(true);
    for (const n of names) {
      const m = manifest(join(queueDir, n));
      expect(m.status).toBe("completed");
      if (n !== gone) expect(m.endTime).toBe(endTimes.get(n));
    }
    expect(metricsWithoutTime(join(queueDir, gone))).toEqual(metricsWithoutTime(join(localDir, gone)));
  }, 90_000);

  it("a job that throws (bad config reaching the worker) is retried, then reported failed with its error; the others finish", async () => {
    const small = { ...SPEC, grid: { rank: [1] }, seeds: [0, 1, 2] };
    const path = writeSpec("small", small);
    const out = join(root, "throwing");
    const args = ["sweep", path, "--out", out, "--queue", redis.url, "--name", "throwing"];
    const enq = await cli([...args, "--detach", "--attempts", "2", "--backoff", "100"]);
    expect(enq.stdout).toMatch(/3 added/);
    // Corrupt one queued job's config, as a buggy or foreign submitter could.
    const bad = planSweep(parseSweepSpec(small), out)[1];
    const queue = await openQueue(parseRedisUrl(redis.url), "throwing");
    try {
      const job = (await queue.getJob(queueJobId(bad.jobId)))!;
      await job.updateData({ ...job.data, config: { ...job.data.config, rank: -3 } });
    } finally {
      await queue.close();
    }
    const w = startWorker(["--queue", redis.url, "--name", "throwing", "--idle-exit", "2"]);
    expect((await exited(w.child)).code).toBe(0);
    expect(jobsWith(w.lines, "fail")).toEqual([queueJobId(bad.jobId), queueJobId(bad.jobId)]);
    expect(jobsWith(w.lines, "done")).toHaveLength(2);
    const status = await cli([...args, "--status"]);
    expect(status.stdout).toMatch(/2\/3 done, 0 running, 0 waiting, 1 failed, 1 retried/);
    expect(status.stderr).toContain(`failed ${queueJobId(bad.jobId)}`);
    expect(status.stderr).toMatch(/after 2 attempt\(s\): .*rank/);
    // It failed before its folder was touched; the two good runs completed.
    expect(runDirs(out).some((n) => n.includes(bad.jobId))).toBe(false);
    expect(runDirs(out)).toHaveLength(2);
  }, 90_000);
});

describe("Redis killed and restarted mid-sweep", () => {
  let aof: RedisServer;
  beforeAll(async () => {
    aof = await startRedis({ aof: true });
  });
  afterAll(async () => {
    await aof?.stop();
  });

  it("workers reconnect, the sweep completes, nothing runs twice", async () => {
    const spec = { ...SPEC, grid: { rank: [1, 2] }, seeds: [0, 1, 2, 3, 4, 5] };
    const path = writeSpec("restart", spec);
    const out = join(root, "restart");
    const common = ["--queue", aof.url, "--name", "restart", "--lock-duration", "5000"];
    const submit = spawnCli(["sweep", path, "--out", out, "--queue", aof.url, "--name", "restart"]);
    let submitOut = "";
    submit.stdout!.on("data", (d: Buffer) => (submitOut += d.toString()));
    submit.stderr!.on("data", (d: Buffer) => (submitOut += d.toString()));
    const submitted = exited(submit);
    const workers = [startWorker(common), startWorker(common)];
    const stage = (what: string) => (submitOut += `\n[test] ${what}\n`);
    await Promise.race(workers.map((w) => w.next(0, (l) => / done /.test(l), 120_000)));
    stage("a job is done; killing redis");
    await aof.kill();
    await pause(1000);
    await aof.restart();
    stage("redis restarted");
    // Generous: on a loaded 2-core CI machine the workers' reconnect backoff and 12 runs take a while.
    const sub = await Promise.race([submitted, pause(120_000).then(() => null)]);
    if (sub === null) {
      submit.kill("SIGKILL");
      for (const w of workers) w.child.kill("SIGKILL");
      throw new Error(
        `the sweep did not complete after the restart:\n${submitOut}\n${workers.map((w) => w.lines.join("\n")).join("\n---\n")}`,
      );
    }
    expect(sub.code, submitOut).toBe(0);
    expect(submitOut).toMatch(/12\/12 done, 0 running, 0 waiting, 0 failed/);
    for (const w of workers) w.child.kill("SIGTERM");
    for (const w of workers) {
      const end = await Promise.race([exited(w.child), pause(60_000).then(() => null)]);
      if (end === null) {
        w.child.kill("SIGKILL");
        throw new Error(`a worker did not exit within 60 s of SIGTERM:\n${w.lines.join("\n")}`);
      }
      expect(end.code, w.lines.join("\n")).toBe(0);
    }
    const done = workers.flatMap((w) => jobsWith(w.lines, "done"));
    expect(done).toHaveLength(12);
    expect(new Set(done).size).toBe(12);
    const names = runDirs(out);
    expect(names).toHaveLength(12);
    for (const n of names) {
      const m = manifest(join(out, n));
      expect(m.status).toBe("completed");
      expect(
        readFileSync(join(out, n, "metrics.jsonl"), "utf8")
          .trim()
          .split("\n"),
      ).toHaveLength(36);
    }
  }, 300_000);
});

describe("worker --upload: results through Redis to a submitter that does not share the worker's folder", () => {
  const PASSWORD = "pw-Zq81-never-printed";
  let locked: RedisServer;
  beforeAll(async () => {
    locked = await startRedis({ password: PASSWORD });
  });
  afterAll(async () => {
    await locked?.stop();
  });

  /** Every file under `dir` (paths relative to it), for checking that none holds the password. */
  function allFiles(dir: string): string[] {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  }

  it("the submitter writes each finished run, file for file as the worker wrote it; a deleted folder comes back through --collect; the password is never printed or written", async () => {
    const small = { ...SPEC, base: { ...SPEC.base, episodes: 12 }, grid: { rank: [1, 2] }, seeds: [0, 1] };
    const path = writeSpec("upload", small);
    const out = join(root, "upload-submitter");
    const workerOut = join(root, "upload-worker");
    const sweepArgs = ["sweep", path, "--out", out, "--queue", locked.url, "--name", "upload"];
    const w = startWorker(["--queue", locked.url, "--name", "upload", "--upload", "--out", workerOut]);
    const submit = spawnCli(sweepArgs);
    let submitOut = "";
    submit.stdout!.on("data", (d: Buffer) => (submitOut += d.toString()));
    submit.stderr!.on("data", (d: Buffer) => (submitOut += d.toString()));
    // The same sweep run locally meanwhile, for the comparison below.
    const localOut = join(root, "upload-local");
    await runSweep(parseSweepSpec(small), localOut, { threads: 1 });
    const sub = await exited(submit);
    expect(sub.code, submitOut).toBe(0);
    expect(submitOut).toMatch(/4\/4 done, 0 running, 0 waiting, 0 failed, 0 retried/);
    expect(submitOut).toMatch(/run end → uploaded files written here \d+ ms/);
    expect(submitOut).not.toMatch(/no finished folder/);

    // The submitter's folders are the worker's, checkpoints aside, and equal the local sweep's.
    const names = runDirs(out);
    expect(names).toHaveLength(4);
    expect(runDirs(workerOut)).toEqual(names);
    const sameFiles = (name: string) => {
      const here = join(out, name);
      const there = join(workerOut, name);
      const files = allFiles(here)
        .map((f) => f.slice(here.length + 1))
        .sort();
      expect(files).toContain("final_params.json");
      expect(files.some((f) => f.startsWith("checkpoints"))).toBe(false);
      for (const f of files) expect(readFileSync(join(here, f))).toEqual(readFileSync(join(there, f)));
      expect(metricsWithoutTime(here)).toEqual(metricsWithoutTime(join(localOut, name)));
      expect(readFileSync(join(here, "final_params.json"), "utf8")).toBe(
        readFileSync(join(localOut, name, "final_params.json"), "utf8"),
      );
    };
    for (const name of names) sameFiles(name);

    // A deleted folder: --detach re-enqueues it, the worker (which still holds the run) uploads it
    // without running it again, and --collect writes it.
    const gone = names[2];
    rmSync(join(out, gone), { recursive: true });
    const again = await cli([...sweepArgs, "--detach"]);
    expect(again.stdout).toMatch(/1 added \(1 whose folder was gone\), 0 already queued, 3 already done/);
    await w.next(0, (l) => / skip\s+run-/.test(l) && l.includes(gone));
    w.child.kill("SIGTERM");
    expect((await exited(w.child)).code).toBe(0);
    expect(jobsWith(w.lines, "start")).toHaveLength(4);
    const status = await cli([...sweepArgs, "--status"]);
    expect(status.stdout).toMatch(/4\/4 done, .*\n1 finished run\(s\) uploaded by workers are not in .* yet/);
    const collect = await cli([...sweepArgs, "--collect"]);
    expect(collect.code, collect.stderr).toBe(0);
    expect(collect.stdout).toMatch(/collected 1 uploaded run\(s\)/);
    sameFiles(gone);

    // A wrong password is refused at once with one line (exit 2), which does not show it either.
    const wrong = await cli([
      ...sweepArgs.slice(0, 4),
      "--queue",
      locked.url.replace(encodeURIComponent(PASSWORD), "wrong-Kx7"),
      "--status",
    ]);
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toMatch(
      /^error: --queue: the Redis server at redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/0 refused: WRONGPASS/,
    );
    expect(wrong.stdout + wrong.stderr).not.toContain("wrong-Kx7");

    const printed = [
      submitOut,
      status.stdout,
      status.stderr,
      again.stdout,
      again.stderr,
      collect.stdout,
      collect.stderr,
      ...w.lines,
    ].join("\n");
    expect(printed).toContain("redis://***@127.0.0.1");
    expect(printed).not.toContain(PASSWORD);
    for (const f of [...allFiles(out), ...allFiles(workerOut)])
      expect(readFileSync(f, "latin1").includes(PASSWORD), f).toBe(false);
  }, 90_000);
});
