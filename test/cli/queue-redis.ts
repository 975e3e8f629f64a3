import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A throw-away redis-server for the queue's e2e tests: Debian's binary on a free loopback port,
 * data in a temp folder, no snapshots. Fails with a clear message when the server cannot start
 * (the e2e suite needs it; `.ci/run` installs it), never skips.
 */
export interface RedisServer {
  port: number;
  dir: string;
  url: string;
  /** Kills the server (SIGKILL: like a crash) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (with AOF, the queue survives). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function ping(port: number, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket();
    let buf = "";
    sock.setTimeout(500, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once("error", () => resolve(false));
    const auth = password === undefined ? "" : `AUTH ${password}\r\n`;
    sock.connect(port, "127.0.0.1", () => sock.write(`${auth}PING\r\n`));
    sock.on("data", (d) => {
      buf += d.toString();
      const lines = buf.split("\r\n");
      if (lines.length > (password === undefined ? 1 : 2)) {
        sock.destroy();
        resolve(lines.at(-2) === "+PONG");
      }
    });
  });
}

/** `password` sets `requirepass`; the URL then carries it (`redis://:<password>@…`). */
export async function startRedis(options: { aof?: boolean; password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "lowrank-rl-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--dir",
    dir,
    ...(options.aof ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ...(options.password !== undefined ? ["--requirepass", options.password] : []),
  ];
  let child: ChildProcess | null = null;
  const launch = async () => {
    let log = "";
    let exited: string | null = null;
    const c = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    c.stdout!.on("data", (d) => (log += d.toString()));
    c.stderr!.on("data", (d) => (log += d.toString()));
    c.once("error", (err) => (exited = err.message));
    c.once("exit", (code, sig) => (exited ??= `exited with ${code ?? sig}`));
    child = c;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      if (exited !== null) break;
      if (await ping(port, options.password)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    c.kill("SIGKILL");
    throw new Error(
      `redis-server could not be started (${REDIS_SERVER} ${args.map((x) => (x === options.password ? "***" : x)).join(" ")}): ${exited ?? "no PONG within 15 s"}. ` +
        `The queue tests need Debian's redis-server (apt-get install redis-server; .ci/run installs it).\n${log.slice(-2000)}`,
    );
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once("exit", () => resolve());
      c.kill("SIGKILL");
    });
  };
  await launch();
  return {
    port,
    dir,
    url: `redis://${options.password !== undefined ? `:${encodeURIComponent(options.password)}@` : ""}127.0.0.1:${port}/0`,
    kill,
    restart: launch,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
