import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every document the code, its outputs or the docs cite must be in the repository: a reader of a
 * comment "see docs/<name>.md §3" (or of a results file that prints it) must be able to open it.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");

function files(dir: string, exts: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...files(full, exts));
    else if (exts.some((e) => name.endsWith(e))) out.push(full);
  }
  return out;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(mdFile: string): Set<string> {
  const text = readFileSync(mdFile, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
}

describe("citations of documents", () => {
  const sources = ["src", "experiments", "bench", "test"].flatMap((d) =>
    files(path.join(ROOT, d), [".ts", ".js", ".md"]),
  );

  it("every docs/….md cited in src/, experiments/, bench/ and test/ exists", () => {
    const missing: string[] = [];
    let cited = 0;
    for (const file of sources) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/docs\/[\w/.-]+?\.md/g)) {
        cited++;
        if (!existsSync(path.join(ROOT, m[0]))) missing.push(`${path.relative(ROOT, file)}: ${m[0]}`);
      }
    }
    expect(cited).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it("no code or output points outside the repository for documentation (../shared)", () => {
    const outside = sources
      .filter((f) => /\.\.\/shared\/docs/.test(readFileSync(f, "utf8")))
      .map((f) => path.relative(ROOT, f));
    expect(outside).toEqual([]);
  });

  it("no code, output or doc cites a source note of the toolkit's authors that is not in the repository", () => {
    // Notes the developers worked from (measurements of the reference codes, install pitfalls):
    // their content is restated in docs/, which is what code and docs must cite.
    const notes = [
      "lrpg-reference.md",
      "atari-trl.md",
      "minatar-speed.md",
      "js-packages.md",
      "anchors.md",
      "architecture.md",
      "lrpg-followups.md",
      "reliability-findings.md",
    ].filter((name) => !files(ROOT, [name]).some((f) => path.basename(f) === name));
    const docs = files(path.join(ROOT, "docs"), [".md"]).concat(path.join(ROOT, "README.md"));
    const cites: string[] = [];
    for (const file of sources.concat(docs)) {
      if (file === import.meta.filename) continue; // the list above
      const text = readFileSync(file, "utf8");
      for (const name of notes) if (text.includes(name)) cites.push(`${path.relative(ROOT, file)}: ${name}`);
    }
    expect(cites).toEqual([]);
  });

  it("links between the docs resolve, anchors included", () => {
    const broken: string[] = [];
    const docs = files(path.join(ROOT, "docs"), [".md"]).concat(path.join(ROOT, "README.md"));
    for (const file of docs) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\]\(([^)\s]+?\.md)(#[^)\s]*)?\)/g)) {
        if (/^[a-z]+:/.test(m[1])) continue; // external URL
        const target = path.resolve(path.dirname(file), m[1]);
        if (!existsSync(target)) {
          broken.push(`${path.relative(ROOT, file)}: ${m[1]}`);
        } else if (m[2] && !anchors(target).has(decodeURIComponent(m[2].slice(1)))) {
          broken.push(`${path.relative(ROOT, file)}: ${m[1]}${m[2]}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
