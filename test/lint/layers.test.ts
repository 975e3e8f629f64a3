import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { ESLint } from "eslint";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
// eslint.config.js is plain JS; its layer table is the one the lint rule enforces.
const configUrl = pathToFileURL(path.join(ROOT, "eslint.config.js")).href;
const { LAYERS: layers } = (await import(configUrl)) as { LAYERS: Record<string, string[]> };

async function lintAt(relPath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: path.join(ROOT, "eslint.config.js") });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, relPath) });
  return result.messages.filter((m) => m.ruleId === "layers/allowed-imports").map((m) => m.message);
}

describe("layer map (eslint.config.js)", () => {
  it("rejects factor math importing the runner", async () => {
    const messages = await lintAt(
      "src/factor/planted-violation.ts",
      'import { x } from "../runner/x.js";\nexport const y = x;\n',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/src\/factor may not import src\/runner/);
  });

  it("rejects deeper paths, type-only imports, re-exports and dynamic imports", async () => {
    const code = [
      'import type { A } from "../../lrpg/a.js";',
      'export * from "../../report/index.js";',
      'export const m = () => import("../../cli/main.js");',
      "export type B = A;",
    ].join("\n");
    const messages = await lintAt("src/factor/backend/planted-violation.ts", code);
    expect(messages.map((m) => m.match(/may not import src\/(\w+)/)?.[1])).toEqual(["lrpg", "report", "cli"]);
  });

  it("rejects envs → agents, algorithms → runner/report/cli/laser/presets, report → algorithms", async () => {
    expect(await lintAt("src/envs/planted.ts", 'import "../lrpg/x.js";')).toHaveLength(1);
    for (const to of ["runner", "report", "cli", "laser", "presets"]) {
      expect(await lintAt("src/dqn/planted.ts", `import "../${to}/x.js";`), to).toHaveLength(1);
    }
    for (const to of [
      "lrpg",
      "pg",
      "baselines",
      "dqn",
      "population",
      "presets",
      "parametrizations",
      "heads",
    ]) {
      expect(await lintAt("src/report/planted.ts", `import "../${to}/x.js";`), to).toHaveLength(1);
    }
  });

  it("rejects importing the package entry from a folder", async () => {
    const messages = await lintAt(
      "src/nn/planted.ts",
      'import { Rng } from "../index.js";\nexport const r = Rng;\n',
    );
    expect(messages[0]).toMatch(/package entry/);
  });

  it("rejects a src/ folder missing from the table", async () => {
    const messages = await lintAt("src/not-a-layer/planted.ts", "export const a = 1;\n");
    expect(messages[0]).toMatch(/not in the layer table/);
  });

  it("accepts allowed imports, same-folder imports and packages", async () => {
    const code =
      'import "./y.js";\nimport "../optim/adam.js";\nimport "../random/index.js";\nimport "zod";\n';
    expect(await lintAt("src/factor/planted.ts", code)).toEqual([]);
    expect(await lintAt("src/cli/planted.ts", 'import "../runner/x.js";\nimport "../laser/y.js";\n')).toEqual(
      [],
    );
  });

  it("factor math (factor, wasm, random, optim) imports no RL folder", () => {
    const math = ["factor", "wasm", "random", "optim"];
    for (const folder of math) {
      for (const to of layers[folder]) expect(math, `${folder} → ${to}`).toContain(to);
    }
  });

  it("has a row for every folder in src/", () => {
    const folders = readdirSync(path.join(ROOT, "src"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const folder of folders) expect(Object.keys(layers), folder).toContain(folder);
  });

  it("agrees with the README's layer table: each row imports only its own row and the rows above", () => {
    const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.split("## What is in it")[1].split("\n## ")[0].split("### ")[0];
    const rows = section
      .split("\n")
      .filter((l) => l.startsWith("|") && !l.startsWith("|---"))
      .slice(1);
    const rowOf = new Map<string, number>();
    rows.forEach((row, i) => {
      for (const m of row.split("|")[2].matchAll(/`src\/([\w-]+)/g)) if (!rowOf.has(m[1])) rowOf.set(m[1], i);
    });
    const existing = readdirSync(path.join(ROOT, "src"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const folder of existing) expect([...rowOf.keys()], `README lists src/${folder}`).toContain(folder);
    for (const [folder, allowed] of Object.entries(layers)) {
      if (!rowOf.has(folder)) continue; // in the map ahead of its code (e.g. a planned folder)
      for (const to of allowed) {
        if (!rowOf.has(to)) continue;
        expect(rowOf.get(to)!, `src/${folder} → src/${to}: README row order`).toBeLessThanOrEqual(
          rowOf.get(folder)!,
        );
      }
    }
    for (const folder of rowOf.keys())
      expect(Object.keys(layers), `lint map has src/${folder}`).toContain(folder);
  });
});
