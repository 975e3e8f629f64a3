import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import {
  collectUpload,
  storeUpload,
  uploadFileList,
  uploadKey,
  UPLOAD_FORMAT,
} from "../../src/runner/queue-upload.js";

/**
 * The upload format of `worker --upload` against an in-memory stand-in for the few Redis hash
 * commands it uses (the real server is exercised by test/cli/queue.e2e.test.ts).
 */
class FakeRedis {
  readonly hashes = new Map<string, Map<string, Buffer>>();
  multi() {
    const ops: (() => void)[] = [];
    const chain = {
      del: (key: string) => {
        ops.push(() => this.hashes.delete(key));
        return chain;
      },
      hset: (key: string, ...kv: (string | Buffer)[]) => {
        ops.push(() => {
          const h = this.hashes.get(key) ?? new Map<string, Buffer>();
          for (let i = 0; i < kv.length; i += 2) h.set(String(kv[i]), Buffer.from(kv[i + 1]));
          this.hashes.set(key, h);
        });
        return chain;
      },
      exec: async () => ops.map((op) => (op(), [null, 1] as [null, number])),
    };
    return chain;
  }
  async hgetallBuffer(key: string): Promise<Record<string, Buffer>> {
    return Object.fromEntries(this.hashes.get(key) ?? []);
  }
  async del(key: string): Promise<number> {
    return this.hashes.delete(key) ? 1 : 0;
  }
}

const root = mkdtempSync(join(tmpdir(), "queue-upload-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ids = { runName: "LRPG-Pendulum__lrpg__0__0123456789abcdef", jobId: "0123456789abcdef" };

/** A finished run folder as a worker leaves it: files, a tb/ event file, checkpoints and a lock. */
function runFolder(name: string, opts: { finalParams?: boolean } = {}): string {
  const dir = join(root, name, ids.runName);
  mkdirSync(join(dir, "checkpoints"), { recursive: true });
  mkdirSync(join(dir, "tb"), { recursive: true });
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ jobId: ids.jobId, status: "completed" }));
  writeFileSync(join(dir, "metrics.jsonl"), '{"episode":1}\n');
  writeFileSync(join(dir, "tb", "events.out.tfevents.1.host"), Buffer.from([0, 1, 2, 255, 254]));
  if (opts.finalParams ?? true) writeFileSync(join(dir, "final_params.json"), "{}");
  writeFileSync(join(dir, "checkpoints", "ckpt-000000003.json"), "old");
  writeFileSync(join(dir, "checkpoints", "ckpt-000000006.bin"), "newest");
  writeFileSync(join(dir, "run.lock"), "123");
  return dir;
}

describe("worker --upload: run files through a Redis hash", () => {
  it("carries the run's files but not its checkpoints or lock; the newest checkpoint when there are no final parameters", () => {
    expect(uploadFileList(runFolder("a"))).toEqual([
      "final_params.json",
      "manifest.json",
      "metrics.jsonl",
      "tb/events.out.tfevents.1.host",
    ]);
    expect(uploadFileList(runFolder("b", { finalParams: false }))).toEqual([
      "checkpoints/ckpt-000000006.bin",
      "manifest.json",
      "metrics.jsonl",
      "tb/events.out.tfevents.1.host",
    ]);
  });

  it("writes the uploaded folder byte for byte into the sweep folder, replacing an unfinished one, and deletes the hash", async () => {
    const redis = new FakeRedis();
    const key = uploadKey("q", `run-${ids.jobId}`);
    expect(key).toBe(`bull:q:upload:run-${ids.jobId}`);
    const src = runFolder("c");
    const size = await storeUpload(redis as unknown as Redis, key, src, ids);
    expect(size.files).toBe(4);
    const sweep = join(root, "c-sweep");
    // An unfinished earlier attempt of the job is replaced as a whole.
    mkdirSync(join(sweep, ids.runName, "checkpoints"), { recursive: true });
    writeFileSync(join(sweep, ids.runName, "stale.txt"), "x");
    const got = await collectUpload(redis as unknown as Redis, key, sweep, ids);
    expect(got).toEqual(size);
    const dest = join(sweep, ids.runName);
    expect(readdirSync(dest).sort()).toEqual(["final_params.json", "manifest.json", "metrics.jsonl", "tb"]);
    for (const f of uploadFileList(src))
      expect(readFileSync(join(dest, f))).toEqual(readFileSync(join(src, f)));
    expect(readdirSync(sweep)).toEqual([ids.runName]); // no temp or replaced folder left
    expect(redis.hashes.has(key)).toBe(false);
    expect(await collectUpload(redis as unknown as Redis, key, sweep, ids)).toBeNull();
  });

  it("refuses an upload over the size cap, naming --upload-max-mb", async () => {
    const redis = new FakeRedis();
    await expect(storeUpload(redis as unknown as Redis, "k", runFolder("d"), ids, 10)).rejects.toThrow(
      /over --upload-max-mb/,
    );
    expect(redis.hashes.size).toBe(0);
  });

  it("refuses a corrupted or foreign upload and leaves the sweep folder untouched", async () => {
    const key = "k";
    const make = async () => {
      const redis = new FakeRedis();
      await storeUpload(redis as unknown as Redis, key, runFolder("e"), ids);
      return redis;
    };
    const sweep = join(root, "e-sweep");
    const cases: [string, (h: Map<string, Buffer>) => void, RegExp][] = [
      ["flipped byte", (h) => h.set("f:metrics.jsonl", Buffer.from('{"episode":2}\n')), /checksum/],
      ["missing file", (h) => h.delete("f:manifest.json"), /missing/],
      [
        "path outside the folder",
        (h) => {
          const index = JSON.parse(h.get("index")!.toString());
          index.files[0].path = "../escape.json";
          h.set("index", Buffer.from(JSON.stringify(index)));
        },
        /bad file path/,
      ],
      [
        "another job",
        (h) => {
          const index = JSON.parse(h.get("index")!.toString());
          index.jobId = "ffffffffffffffff";
          h.set("index", Buffer.from(JSON.stringify(index)));
        },
        /not job/,
      ],
      [
        "unknown format",
        (h) => h.set("index", Buffer.from(JSON.stringify({ format: "x", files: [] }))),
        new RegExp(UPLOAD_FORMAT),
      ],
    ];
    for (const [what, corrupt, message] of cases) {
      const redis = await make();
      corrupt(redis.hashes.get(key)!);
      await expect(collectUpload(redis as unknown as Redis, key, sweep, ids), what).rejects.toThrow(message);
      expect(existsSync(join(sweep, ids.runName)), what).toBe(false);
      expect(existsSync(join(root, "escape.json"))).toBe(false);
      expect(readdirSync(sweep), what).toEqual([]);
    }
  });
});
