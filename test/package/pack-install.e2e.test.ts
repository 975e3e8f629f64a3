/**
 * The published package, as a user gets it: `npm pack` (its `prepack` script builds dist/ and the
 * browser bundle), then an empty project installs the tarball from the npm registry and runs the
 * README's "Library use" snippet with plain `node` (no tsx, no TypeScript) and `npx lowrank-rl`.
 * Needs the npm registry (hence the e2e suite); tsc plus an install: about 20 s with a warm npm
 * cache, longer on a cold one.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rng, makeEnv, makePaperAgent, trainReinforce } from "../../src/index.js";

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "..", "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const NPX = process.platform === "win32" ? "npx.cmd" : "npx";
const EPISODES = 5;

/** The README's "Library use" snippet with fewer episodes; prints one JSON line at the end. */
const SNIPPET = `
import { Rng, makeEnv, makePaperAgent, trainReinforce } from "lowrank-rl";
import { report, cli } from "lowrank-rl/node";
import * as browserBuild from "lowrank-rl/browser";
import { existsSync } from "node:fs";

const rng = new Rng(0); // the run's only generator
const agent = makePaperAgent("lrpg", "pendulum", { rng });
const env = makeEnv("LRPG/Pendulum", { rng: rng.fork() });
trainReinforce({ env, agent, rng, episodes: ${EPISODES}, maxSteps: 100, onEpisode: (e) => console.log(e.episode, e.return) });
const stateDict = agent.exportStateDict();
console.log(JSON.stringify({
  parameterCount: agent.parameterCount,
  keys: Object.keys(stateDict),
  plotly: existsSync(report.plotlyBundlePath()),
  cliMain: typeof cli.main,
  browserRng: typeof browserBuild.Rng,
}));
`;

interface PackFile {
  path: string;
}
interface PackResult {
  filename: string;
  size: number;
  files: PackFile[];
}

/** The same training in this process, from the sources: the installed package must match it. */
function expectedReturns(): string[] {
  const rng = new Rng(0);
  const agent = makePaperAgent("lrpg", "pendulum", { rng });
  const env = makeEnv("LRPG/Pendulum", { rng: rng.fork() });
  const lines: string[] = [];
  trainReinforce({
    env,
    agent,
    rng,
    episodes: EPISODES,
    maxSteps: 100,
    onEpisode: (e) => {
      lines.push(`${e.episode} ${e.return}`);
    },
  });
  return lines;
}

describe("npm pack → npm install → node", () => {
  const work = mkdtempSync(join(tmpdir(), "lowrank-rl-pack-"));
  const project = join(work, "project");
  let pack: PackResult;

  beforeAll(async () => {
    const { stdout } = await exec(NPM, ["pack", "--pack-destination", work, "--json"], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    pack = (JSON.parse(stdout) as PackResult[])[0];

    mkdirSync(project);
    await exec(NPM, ["init", "-y"], { cwd: project });
    const pkgPath = join(project, "package.json");
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as Record<string, unknown>;
    writeFileSync(pkgPath, JSON.stringify({ ...pkg, type: "module" }, null, 2));
    // --ignore-scripts: lowrank-rl has no install script; it keeps gpu.js's optional native `gl`
    // from compiling (the repository skips it too: "allowScripts" in package.json).
    await exec(
      NPM,
      [
        "install",
        join(work, pack.filename),
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--no-package-lock",
      ],
      { cwd: project, maxBuffer: 64 * 1024 * 1024 },
    );
  }, 600_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("the tarball holds the compiled entries, their types, the CLI and the browser bundle, and no sources", () => {
    const paths = new Set(pack.files.map((f) => f.path));
    for (const p of [
      "package.json",
      "README.md",
      "bin/lowrank-rl.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/node.js",
      "dist/node.d.ts",
      "dist/cli/main.js",
      "dist/runner/pool-worker.js",
      "dist/cli-bundle/main.js",
      "dist/cli-bundle/cli.cjs",
      "dist/cli/compile-cache.js",
      "dist/cli-bundle/pool-worker.js",
      "dist/cli-bundle/queue-thread.js",
      "dist/browser/lowrank-rl.js",
    ])
      expect(paths, p).toContain(p);
    expect(
      [...paths].filter(
        (p) => p.startsWith("src/") || p.startsWith("test/") || (p.endsWith(".ts") && !p.endsWith(".d.ts")),
      ),
    ).toEqual([]);
  });

  it("runs the README's library snippet with plain node, as the sources do", async () => {
    writeFileSync(join(project, "snippet.js"), SNIPPET);
    const { stdout } = await exec(process.execPath, ["snippet.js"], { cwd: project });
    const lines = stdout.trim().split("\n");
    expect(lines.slice(0, EPISODES)).toEqual(expectedReturns());
    const summary = JSON.parse(lines[EPISODES]) as Record<string, unknown>;
    expect(summary).toEqual({
      parameterCount: { actor: 80, critic: 128, sigma: 1, total: 208, trained: 209 },
      keys: ["mu.L", "mu.R", "value.L", "value.R", "log_sigma"],
      plotly: true,
      cliMain: "function",
      browserRng: "function",
    });
  }, 120_000);

  it("npx lowrank-rl trains from the bundled command line: a run and a 2-thread sweep, the returns the sources give", async () => {
    const out = join(work, "cli-runs");
    // The CLI's code cache (src/cli/compile-cache.ts) in a folder of this test: written by the
    // first command, found by the next (which writes no other).
    const cacheDir = join(work, "compile-cache");
    const env = { ...process.env, LOWRANK_RL_COMPILE_CACHE: cacheDir };
    await exec(
      NPX,
      [
        "--no",
        "--",
        "lowrank-rl",
        "run",
        "--env",
        "LRPG/Pendulum",
        "--algo",
        "lrpg",
        "--episodes",
        `${EPISODES}`,
        "--seed",
        "0",
        "--quiet",
        "--out",
        join(out, "run"),
      ],
      { cwd: project, env },
    );
    const caches = readdirSync(cacheDir);
    expect(caches).toHaveLength(1);
    expect(caches[0]).toMatch(/^cli\.cjs-[0-9a-f]{24}\.v8cache$/);
    const rows = readFileSync(join(out, "run", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n");
    const returns = rows.map((r) => (JSON.parse(r) as Record<string, number>)["charts/episodic_return"]);
    expect(returns).toEqual(expectedReturns().map((line) => Number(line.split(" ")[1])));
    // A sweep's worker threads start on the bundle's pool-worker.js, next to the bundled pool.
    await exec(
      NPX,
      [
        "--no",
        "--",
        "lowrank-rl",
        "sweep",
        "--grid",
        "rank=1,2",
        "--seeds",
        "0",
        "--episodes",
        "3",
        "--threads",
        "2",
        "--quiet",
        "--out",
        join(out, "sweep"),
      ],
      { cwd: project, env },
    );
    expect(readdirSync(cacheDir)).toEqual(caches);
    const sweep = JSON.parse(readFileSync(join(out, "sweep", "sweep.json"), "utf8")) as { jobs: unknown[] };
    expect(sweep.jobs).toHaveLength(2);
  }, 120_000);

  it("npx lowrank-rl --help lists the commands, from the compiled dist/", async () => {
    expect(existsSync(join(project, "node_modules", "lowrank-rl", "src"))).toBe(false);
    const { stdout } = await exec(NPX, ["--no", "--", "lowrank-rl", "--help"], { cwd: project });
    expect(stdout).toContain("Usage: lowrank-rl");
    for (const command of ["run", "resume", "eval", "sweep", "report", "backends", "laser"])
      expect(stdout).toMatch(new RegExp(`^\\s+${command} \\[options\\]`, "m"));
  }, 120_000);
});
