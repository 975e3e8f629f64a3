/**
 * `lowrank-rl demo`: the live training page (src/demo). Writes one self-contained HTML file
 * (plotly.js, the page's script and the training worker's script inlined; opens offline from
 * file://), or serves the page on 127.0.0.1 with `--serve`.
 *
 * The page's scripts are esbuild bundles of src/demo/page.ts and src/demo/worker.ts: in a checkout
 * (this file running as .ts) they are bundled from the sources when the command runs; in an
 * installed package they are the files `npm run build:demo` wrote to dist/browser/demo/ (run by
 * `npm pack`).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import type { Server } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Option, type Command } from "commander";
import { writeFileAtomic } from "../runner/atomic-file.js";
import { ConfigError } from "../runner/config.js";
import { outputPathProblem } from "../runner/output-path.js";
import { plotlyBundlePath } from "../report/html.js";
import { DEMO_TASKS, DemoOptionError, demoInteger, demoTask } from "../demo/session.js";
import { matchesEngine, powTable } from "../demo/fdlibm.js";
import type { DemoDefaults } from "../demo/page.js";
import { PAPER_TASKS } from "../presets/paper-agents.js";

/** The page's two bundles (classic scripts: the page's, and the worker's it starts from a Blob URL). */
export interface DemoBundles {
  page: string;
  worker: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * esbuild options of the two bundles (package.json's build:demo passes the same on its command line).
 * Only whitespace is minified: the population's gpu.js kernels and env formulas are generated from
 * their functions' source text (names and statement forms must survive). `import.meta.url` is only
 * read by the backend's Node-side headless-gl diagnosis, which never runs in a browser; it is
 * defined away because a classic script has no import.meta.
 */
export const DEMO_BUILD_OPTIONS = {
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2022",
  minifyWhitespace: true,
  charset: "ascii",
  define: { "import.meta.url": "undefined" },
} as const;

/**
 * The bundles: built from src/demo with esbuild when running from a checkout's sources, else
 * read from dist/browser/demo/ next to the compiled CLI.
 */
export async function demoBundles(): Promise<DemoBundles> {
  if (import.meta.url.endsWith(".ts")) {
    const { build } = await import("esbuild");
    const demoDir = join(HERE, "..", "demo");
    const one = async (name: "page" | "worker") => {
      const r = await build({
        ...DEMO_BUILD_OPTIONS,
        entryPoints: [join(demoDir, `${name}.ts`)],
        write: false,
        logLevel: "silent",
      });
      return r.outputFiles[0].text;
    };
    return { page: await one("page"), worker: await one("worker") };
  }
  const dir = join(HERE, "..", "browser", "demo");
  const read = (name: string) => {
    const file = join(dir, `${name}.js`);
    if (!existsSync(file))
      throw new Error(
        `${file} is missing: this copy of the package was built without \`npm run build:demo\``,
      );
    return readFileSync(file, "utf8");
  };
  return { page: read("page"), worker: read("worker") };
}

/** The raw `demo` flags as commander hands them over (strings, or undefined when not given). */
export interface DemoFlags {
  task?: string;
  seed?: string;
  rank?: string;
  actorBuckets?: string;
  criticBuckets?: string;
  hidden?: string;
  episodes?: string;
  speed?: string;
  out?: string;
  serve?: boolean;
  port?: string;
}

const FLAG_OF: Record<string, string> = {
  task: "--task",
  seed: "--seed",
  rank: "--rank",
  actorBuckets: "--actor-buckets",
  criticBuckets: "--critic-buckets",
  hidden: "--hidden",
  episodes: "--episodes",
  speed: "--speed",
};

/** Default pace: the pendulum's LRPG run reaches its threshold in a few seconds, slow enough to watch. */
export const DEMO_DEFAULT_SPEED = 50;
export const DEMO_DEFAULT_EPISODES = 600;
export const DEMO_DEFAULT_PORT = 8765;
/** Updates covered by the page's table of Adam's β^t (runs longer than this use the browser's pow after it). */
export const DEMO_POW_TABLE_MAX = 20_000;

/** Checks the flags (one {@link ConfigError} naming the flag and its range) and fills the defaults. */
export function demoSettings(flags: DemoFlags): DemoDefaults {
  try {
    const task = demoTask(flags.task ?? "pendulum");
    const int = (f: "seed" | "rank" | "actorBuckets" | "criticBuckets" | "hidden" | "episodes" | "speed") =>
      flags[f] === undefined ? undefined : demoInteger(f, flags[f]);
    const episodes = int("episodes") ?? (task === "rocket" ? 5000 : DEMO_DEFAULT_EPISODES);
    return {
      task,
      seed: int("seed") ?? 0,
      rank: int("rank"),
      actorBuckets: int("actorBuckets"),
      criticBuckets: int("criticBuckets"),
      hidden: int("hidden"),
      episodes,
      speed: int("speed") ?? DEMO_DEFAULT_SPEED,
      // The workers compute sin, cos, exp and log as this Node does, when it uses fdlibm's, and
      // Adam's β^t from this Node's own pow.
      math: matchesEngine() ? "fdlibm" : "engine",
      powTable: powTable(DEMO_POW_TABLE_MAX),
    };
  } catch (err) {
    if (err instanceof DemoOptionError)
      throw new ConfigError(err.field, `${FLAG_OF[err.field] ?? err.field}: ${err.message}`);
    throw err;
  }
}

/** `--port` as an integer in [0, 65535] (0: any free port). */
export function demoPort(value: string | undefined): number {
  if (value === undefined) return DEMO_DEFAULT_PORT;
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535)
    throw new ConfigError("port", `--port must be an integer in [0, 65535], got "${value}"`);
  return n;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Text safe inside a <script> element (nothing in it can close the element). */
function scriptText(s: string): string {
  return s.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

const CSS = `
:root { --ink: #1d2733; --muted: #5b6775; --line: #d9dee4; --lrpg: #1f77b4; --nn: #d62728; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: var(--ink); background: #f6f7f9; }
header { padding: 14px 24px 8px; background: #fff; border-bottom: 1px solid var(--line); }
h1 { font-size: 20px; margin: 0 0 4px; }
header p { margin: 0; color: var(--muted); font-size: 13px; }
form { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; padding: 10px 24px; background: #fff; border-bottom: 1px solid var(--line); }
label { display: flex; flex-direction: column; font-size: 11px; color: var(--muted); gap: 2px; }
input, select { font: inherit; font-size: 13px; padding: 3px 6px; border: 1px solid #bcc4cd; border-radius: 4px; width: 88px; }
select { width: auto; }
button { font: inherit; font-size: 13px; padding: 5px 14px; border-radius: 4px; border: 1px solid #1f5f99; background: #1f77b4; color: #fff; cursor: pointer; }
button#stop, button.secondary { background: #fff; color: #1f5f99; }
button:disabled { opacity: 0.5; cursor: default; }
main { padding: 12px 24px 20px; }
.status { font-size: 13px; margin: 2px 0; padding-left: 10px; border-left: 4px solid var(--lrpg); }
#status-nn { border-color: var(--nn); }
#returns { height: 300px; background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 8px 0 12px; }
.sides { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.side { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.side h2 { font-size: 16px; margin: 0; display: flex; justify-content: space-between; align-items: baseline; }
.side.lrpg h2 { color: var(--lrpg); } .side.nn h2 { color: var(--nn); }
.count { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.count small { font-size: 12px; font-weight: 400; color: var(--muted); }
.config { font-size: 12px; color: var(--muted); margin: 2px 0 6px; min-height: 1em; }
.maps { display: grid; grid-template-columns: repeat(3, 1fr); gap: 4px; }
.map { height: 250px; }
#error { color: #b00020; font-size: 13px; margin: 6px 0; }
.population { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; margin-top: 14px; }
.population h2 { font-size: 16px; margin: 0; display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
.population .controls { display: flex; flex-wrap: wrap; gap: 10px 16px; align-items: end; margin: 8px 0 4px; }
.badge { font-size: 12px; font-weight: 600; padding: 2px 8px; border-radius: 10px; background: #e8ecf0; color: var(--muted); }
.badge[data-kind="gpu"] { background: #e3f4e3; color: #1e7b1e; }
.badge[data-kind="cpu"] { background: #fdf0dc; color: #8a5300; }
#pop-status { border-color: #2ca02c; }
#pop-check { font-size: 12px; margin: 2px 0; }
#pop-check[data-ok="true"] { color: #1e7b1e; } #pop-check[data-ok="false"] { color: #b00020; }
#pop-returns { height: 300px; }
footer { color: var(--muted); font-size: 12px; padding: 0 24px 16px; }
`;

/** The page's HTML: plotly.js inlined (`{ inline }`) or loaded from a URL (`{ src }`). */
export function renderDemoHtml(
  defaults: DemoDefaults,
  bundles: DemoBundles,
  plotly: { inline: string } | { src: string },
): string {
  const options = DEMO_TASKS.map(
    (t) => `<option value="${t}">${escapeHtml(PAPER_TASKS[t].envId)} (the paper's ${t})</option>`,
  ).join("");
  const input = (id: string, label: string, title: string) =>
    `<label title="${escapeHtml(title)}">${escapeHtml(label)}<input id="${id}" inputmode="numeric"></label>`;
  const side = (algo: "lrpg" | "nn", name: string) => `
<section class="side ${algo}">
  <h2><span>${name}</span><span class="count"><span id="${algo}-params">–</span> <small>parameters</small></span></h2>
  <div class="config"><span id="${algo}-config"></span> · <span id="${algo}-params-detail"></span></div>
  <div class="maps"><div id="${algo}-mu" class="map"></div><div id="${algo}-sigma" class="map"></div><div id="${algo}-value" class="map"></div></div>
</section>`;
  const plotlyTag =
    "src" in plotly
      ? `<script src="${escapeHtml(plotly.src)}"></script>`
      : `<script>${scriptText(plotly.inline)}</script>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>lowrank-rl: LRPG vs the NN baseline, training live</title>
<style>${CSS}</style>
${plotlyTag}
</head>
<body>
<header>
  <h1>Low-rank policy gradient (LRPG) vs a neural-network policy, training live in your browser</h1>
  <p>Task <b id="task-shown"></b>, seed <b id="seed-shown"></b>. Each agent trains in its own Web Worker with REINFORCE and a value baseline; LRPG's mean μ and value V are rank-K matrices L Rᵀ over a grid of states. The same seed and settings give the same returns as <code>lowrank-rl run</code> in Node.</p>
</header>
<form onsubmit="return false">
  <label>task<select id="task">${options}</select></label>
  ${input("seed", "seed", "seed of the run's generator (agent init, actions, initial states)")}
  ${input("rank", "LRPG rank K", "rank of LRPG's μ and V matrices")}
  ${input("actorBuckets", "μ grid points / dim", "grid points per state dimension of LRPG's μ (and the maps)")}
  ${input("criticBuckets", "V grid points / dim", "grid points per state dimension of LRPG's V")}
  ${input("hidden", "NN hidden units", "width of the NN's hidden layer (μ-net and V-net)")}
  ${input("episodes", "episodes", "episodes to train")}
  ${input("speed", "episodes / s (0 = max)", "pace of both workers; 0 trains as fast as they can")}
  <button id="train" type="button">Train</button>
  <button id="stop" type="button">Stop</button>
</form>
<main>
  <div id="error" hidden></div>
  <div id="status" class="status" data-episode="0" data-ma20=""></div>
  <div id="status-nn" class="status" data-episode="0" data-ma20=""></div>
  <div id="returns"></div>
  <div class="sides">${side("lrpg", "LRPG (low-rank matrices)")}${side("nn", "NN baseline (one hidden layer)")}</div>
  <section class="population">
    <h2><span>Population mode: many LRPG agents at once</span><span id="pop-badge" class="badge" data-kind="">not started</span><span class="config" id="pop-params"></span></h2>
    <div class="config">Agent p has seed S + p and the rank and grids set above; all agents step in lockstep. On gpu.js's WebGL backend each step is one policy kernel and one env kernel over all agents, and each update a few batched kernels. Without WebGL the float64 CPU path trains them. <span id="pop-backend-detail"></span></div>
    <div class="controls">
      <label title="number of agents P (seeds S … S + P − 1)">agents P<input id="pop-count" inputmode="numeric"></label>
      <label title="where the population trains">backend<select id="pop-backend"><option value="auto">WebGL if the browser has it, else CPU</option><option value="cpu">CPU (float64)</option></select></label>
      <button id="pop-train" type="button">Train population</button>
      <button id="pop-stop" type="button" class="secondary">Stop</button>
    </div>
    <div id="pop-check"></div>
    <div id="pop-status" class="status" data-episode="0"></div>
    <div id="pop-returns" hidden></div>
  </section>
</main>
<footer>μ and σ are drawn on LRPG's actor grid and V on its critic grid; the NN's are its networks evaluated at the same grid points. σ is one learned scalar in both agents, as in the paper. lowrank-rl ${escapeHtml(packageVersionOrEmpty())}</footer>
<script id="demo-defaults" type="application/json">${scriptText(JSON.stringify(defaults))}</script>
<script id="demo-worker-source" type="text/plain">${scriptText(bundles.worker)}</script>
<script>${scriptText(bundles.page)}</script>
</body>
</html>
`;
}

function packageVersionOrEmpty(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(HERE, "..", "..", "package.json"), "utf8")) as {
      version?: string;
    };
    return pkg.version ?? "";
  } catch {
    return "";
  }
}

/** Writes the self-contained page (plotly.js inlined) to `path`, atomically. */
export async function writeDemoPage(path: string, defaults: DemoDefaults): Promise<string> {
  // An empty path, a folder, or a parent that is a file (/dev/null/x.html): refused before building.
  const problem = outputPathProblem("--out", path, "file");
  if (problem !== null) throw new ConfigError("out", problem);
  const html = renderDemoHtml(defaults, await demoBundles(), {
    inline: readFileSync(plotlyBundlePath(), "utf8"),
  });
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomic(path, html);
  return path;
}

/** Serves the page on `host:port` (`/` the page, `/plotly.js` plotly.js); resolves once listening. */
export async function serveDemo(
  defaults: DemoDefaults,
  port: number,
  host = "127.0.0.1",
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const html = renderDemoHtml(defaults, await demoBundles(), { src: "plotly.js" });
  const plotlyPath = plotlyBundlePath();
  // Loaded here, not with the CLI: node:http is a dozen modules every other command would load.
  const { createServer } = await import("node:http");
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
    } else if (path === "/" || path === "/index.html") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : html);
    } else if (path === "/plotly.js") {
      res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8" });
      res.end(req.method === "HEAD" ? undefined : readFileSync(plotlyPath));
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new ConfigError(
              "port",
              `--port ${port}: ${host}:${port} is in use; choose another port (0 = any free one)`,
            )
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actual = typeof address === "object" && address ? address.port : port;
  return {
    url: `http://${host}:${actual}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Adds `demo` to the CLI. */
export function addDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "the live training page: LRPG vs the NN baseline side by side in Web Workers, their μ, σ and V maps and return curves as they learn; writes one self-contained HTML file (opens offline) or serves it with --serve",
    )
    .addOption(new Option("--out <file.html>", "HTML file to write").default("lowrank-rl-demo.html"))
    .option("--serve", "serve the page on 127.0.0.1 instead of writing a file (Ctrl-C stops)")
    .option(
      "--port <n>",
      `port for --serve; an integer in [0, 65535], 0 = any free port (default: ${DEMO_DEFAULT_PORT})`,
    )
    .option("--task <name>", `${DEMO_TASKS.join(", ")} (default: pendulum)`)
    .option("--seed <n>", "seed of both runs; an integer in [0, 2147483647] (default: 0)")
    .option("--rank <k>", "LRPG rank K; an integer in [1, 64] (default: the paper's, pendulum 4)")
    .option(
      "--actor-buckets <n>",
      "LRPG μ grid points per state dimension; [2, 64] (default: the paper's, pendulum 10)",
    )
    .option(
      "--critic-buckets <n>",
      "LRPG V grid points per state dimension; [2, 64] (default: the paper's, pendulum 16)",
    )
    .option("--hidden <n>", "NN hidden width; [1, 4096] (default: the paper's, pendulum 512)")
    .option(
      "--episodes <n>",
      `episodes per run; [1, 1000000] (default: ${DEMO_DEFAULT_EPISODES}, rocket 5000)`,
    )
    .option(
      "--speed <n>",
      `episodes per second, 0 = as fast as the workers can; [0, 100000] (default: ${DEMO_DEFAULT_SPEED})`,
    )
    .action(async (flags: DemoFlags, cmd: Command) => {
      const settings = demoSettings(flags);
      if (flags.serve) {
        if (cmd.getOptionValueSource("out") === "cli")
          throw new ConfigError(
            "out",
            "--out and --serve exclude each other: write a file, or serve the page",
          );
        const { url, close } = await serveDemo(settings, demoPort(flags.port));
        process.stdout.write(`serving the live page at ${url} (Ctrl-C stops)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off("SIGINT", stop);
            process.off("SIGTERM", stop);
            void close().then(resolve);
          };
          process.on("SIGINT", stop);
          process.on("SIGTERM", stop);
        });
        return;
      }
      if (flags.port !== undefined) throw new ConfigError("port", "--port applies to --serve only");
      const path = await writeDemoPage(flags.out ?? "lowrank-rl-demo.html", settings);
      process.stdout.write(`wrote ${path}: open it in a browser (works offline)\n`);
    });
}
