import { ConfigError } from "./config.js";

/**
 * Where a sweep queue lives: a Redis server given as `redis://[user[:password]@]host[:port][/db]`
 * (`rediss://` for TLS). The URL may carry credentials, so it is parsed here once and only its
 * {@link redactRedisUrl redacted} form is ever printed; no manifest or log holds it.
 */
export interface RedisTarget {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** Environment variable read for the password when the URL names a user but no password. */
export const REDIS_PASSWORD_ENV = "LOWRANK_RL_REDIS_PASSWORD";

const FIELD = "queue";

function bad(url: string, why: string): ConfigError {
  return new ConfigError(FIELD, `--queue ${redactRedisUrl(url)}: ${why}`);
}

/**
 * Parses a queue URL. Errors are one line naming `--queue` and what is allowed, and show the URL
 * redacted. Without a password in the URL, `LOWRANK_RL_REDIS_PASSWORD` (if set) is used, so the
 * secret need not appear on a command line.
 */
export function parseRedisUrl(url: string, env: NodeJS.ProcessEnv = process.env): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // Not shown at all: text that does not parse may hold a secret anywhere.
    throw new ConfigError(FIELD, "--queue: not a URL; expected redis://[user[:password]@]host[:port][/db]");
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw bad(url, `the scheme must be redis:// or rediss://, got ${u.protocol}//`);
  if (u.hostname === "") throw bad(url, "no host; expected redis://host[:port][/db]");
  const port = u.port === "" ? 6379 : Number(u.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw bad(url, `the port must be an integer in [1, 65535], got ${u.port}`);
  const path = u.pathname.replace(/^\//, "");
  if (!/^\d*$/.test(path) || Number(path) > 65535)
    throw bad(url, `the database must be an integer in [0, 65535] after the last "/", got "${path}"`);
  if (u.search !== "" || u.hash !== "") throw bad(url, "query strings and fragments are not supported");
  const target: RedisTarget = {
    host: u.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    db: path === "" ? 0 : Number(path),
    tls: u.protocol === "rediss:",
  };
  if (u.username !== "") target.username = decodeURIComponent(u.username);
  if (u.password !== "") target.password = decodeURIComponent(u.password);
  else if (env[REDIS_PASSWORD_ENV]) target.password = env[REDIS_PASSWORD_ENV];
  return target;
}

/**
 * The URL with any password replaced by `***` (the user name is kept, the rest as given). Works
 * on text that does not parse too: everything between `//` and the last `@` is then masked.
 */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === "") return url;
    const auth = u.username === "" ? "***" : `${u.username}:***`;
    return `${u.protocol}//${auth}@${u.host}${u.pathname === "/" ? "" : u.pathname}${u.search}${u.hash}`;
  } catch {
    return url.replace(/\/\/.*@/, "//***@");
  }
}

/** The redacted location of a target, for messages: `redis://host:port/db` (never the password). */
export function describeRedisTarget(t: RedisTarget): string {
  const host = t.host.includes(":") ? `[${t.host}]` : t.host;
  const user =
    t.username !== undefined
      ? `${encodeURIComponent(t.username)}${t.password ? ":***" : ""}@`
      : t.password
        ? "***@"
        : "";
  return `${t.tls ? "rediss" : "redis"}://${user}${host}:${t.port}/${t.db}`;
}

/** Queue names: letters, digits, `.`, `_` and `-` (they become part of Redis key names), 1–100 characters. */
export function checkQueueName(name: string): string {
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(name))
    throw new ConfigError(
      "name",
      `--name must be 1–100 characters of letters, digits, ".", "_" or "-", got ${JSON.stringify(name)}`,
    );
  return name;
}

/** The queue a sweep uses when `--name` is not given. */
export const DEFAULT_QUEUE_NAME = "lowrank-rl-sweep";
