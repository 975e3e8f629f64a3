import path from "node:path";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/*
 * Layers: which src/ folder may import which. One table, checked by the local rule
 * `layers/allowed-imports` below and mirrored by the README's "What is in it" table
 * (test/lint/layers.test.ts checks both).
 *
 * A folder may always import its own files. Every other src/ folder it imports must be listed
 * here, type-only imports included. Files directly in src/ (index.ts, node.ts) are the package
 * entries: they may import everything and no folder may import them. A folder under src/ that
 * is missing from the table is an error, so a new folder gets a row before it gets code.
 */
const MATH = ["random", "wasm", "optim", "factor"];
const ALGORITHMS = [
  "pg",
  "lrpg",
  "baselines",
  "dqn",
  "population",
  "parametrizations",
  "heads",
  "valuelearning",
  "actorcritic",
];

export const LAYERS = {
  // factor math: imports no RL folder
  random: [],
  wasm: [],
  optim: ["random", "wasm"],
  factor: ["random", "wasm", "optim"],
  // NN layers: factor math only
  nn: MATH,
  // environments: factor math only (no agent, runner or report)
  envs: MATH,
  // algorithms: math, NN layers, environments and each other (no presets, runner, report, cli, laser)
  ...Object.fromEntries(ALGORITHMS.map((folder) => [folder, [...MATH, "nn", "envs", ...ALGORITHMS]])),
  // the paper's agents with their hyperparameters
  presets: [...MATH, "nn", "envs", ...ALGORITHMS],
  // the live training page (runs in a browser and its Web Workers): the browser-safe core only
  demo: [...MATH, "nn", "envs", ...ALGORITHMS, "presets"],
  // running: run directories, checkpoints, sweeps
  runner: [...MATH, "nn", "envs", ...ALGORITHMS, "presets"],
  // reporting: reads run directories; imports no algorithm and no preset
  report: [...MATH, "envs", "runner"],
  // LASER: rank reduction of trained policies and networks
  laser: [...MATH, "nn", "envs", ...ALGORITHMS, "presets", "runner", "report"],
  // the command line: everything
  cli: [...MATH, "nn", "envs", ...ALGORITHMS, "presets", "demo", "runner", "report", "laser"],
};

const SRC = path.resolve(import.meta.dirname, "src");

/** The src/ folder a file lies in: "factor" for src/factor/backend/cpu.ts, "" for src/index.ts, null outside src/. */
function srcFolder(file) {
  const rel = path.relative(SRC, path.resolve(file));
  if (rel.startsWith("..") || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  return parts.length === 1 ? "" : parts[0];
}

const layerRule = {
  meta: {
    type: "problem",
    docs: { description: "Imports between src/ folders follow the layer table in eslint.config.js" },
    schema: [],
    messages: {
      forbidden:
        "src/{{from}} may not import src/{{to}} ('{{source}}'): src/{{from}} may import only {{allowed}} (layer table in eslint.config.js).",
      entry:
        "src/{{from}} may not import the package entry '{{source}}'; import the folder that defines the name.",
      unmapped: "src/{{from}} is not in the layer table in eslint.config.js; add a row for it.",
    },
  },
  create(context) {
    const from = srcFolder(context.filename);
    if (from === null || from === "") return {};
    if (!Object.hasOwn(LAYERS, from)) {
      return {
        Program(node) {
          context.report({ node, messageId: "unmapped", data: { from } });
        },
      };
    }
    const allowed = LAYERS[from];
    const check = (node, sourceNode) => {
      if (!sourceNode || sourceNode.type !== "Literal" || typeof sourceNode.value !== "string") return;
      const source = sourceNode.value;
      if (!source.startsWith(".")) return;
      const to = srcFolder(path.resolve(path.dirname(context.filename), source));
      if (to === null || to === from) return;
      if (to === "") {
        context.report({ node, messageId: "entry", data: { from, source } });
      } else if (!allowed.includes(to)) {
        const list =
          allowed.length === 0 ? "nothing outside itself" : allowed.map((f) => `src/${f}`).join(", ");
        context.report({ node, messageId: "forbidden", data: { from, to, source, allowed: list } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.argument?.literal ?? node.argument),
    };
  },
};

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "runs/", "results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Use the run's seeded Rng (src/random)." },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { layers: { rules: { "allowed-imports": layerRule } } },
    rules: { "layers/allowed-imports": "error" },
  },
);
