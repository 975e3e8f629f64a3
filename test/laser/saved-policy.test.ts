import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  makeSavedPolicy,
  readSavedPolicy,
  SavedPolicyError,
  writeSavedPolicy,
} from "../../src/laser/saved-policy.js";
import { stateDictChecksum } from "../../src/laser/checksum.js";
import { makeToyStateDict } from "./toy.js";

const dir = mkdtempSync(join(tmpdir(), "laser-saved-"));

describe("saved policy files", () => {
  it("round-trip exactly (float64 bits) with a checksum", () => {
    const stateDict = makeToyStateDict();
    const path = join(dir, "ok.json");
    writeSavedPolicy(
      path,
      makeSavedPolicy({ kind: "toy", env: "test/toy", stateDict, options: { hidden: 8 } }),
    );
    const back = readSavedPolicy(path);
    expect(back.kind).toBe("toy");
    expect(back.options).toEqual({ hidden: 8 });
    expect(stateDictChecksum(back.stateDict)).toBe(stateDictChecksum(stateDict));
    expect(back.checksum).toBe(stateDictChecksum(stateDict));
  });

  it("missing file → clear error", () => {
    expect(() => readSavedPolicy(join(dir, "nope.json"))).toThrow(SavedPolicyError);
    expect(() => readSavedPolicy(join(dir, "nope.json"))).toThrow(
      /saved policy file not found: .*nope\.json/,
    );
  });

  it("corrupt files → clear errors", () => {
    const good = makeSavedPolicy({ kind: "toy", env: "test/toy", stateDict: makeToyStateDict() });
    const cases: [string, string, RegExp][] = [
      ["truncated.json", JSON.stringify(good).slice(0, 200), /is not valid JSON/],
      ["array.json", "[]", /must be a JSON object/],
      [
        "format.json",
        JSON.stringify({ ...good, format: "torch" }),
        /field "format" must be "lowrank-rl\/saved-policy", got "torch"/,
      ],
      ["version.json", JSON.stringify({ ...good, version: 9 }), /field "version" must be 1, got 9/],
      ["kind.json", JSON.stringify({ ...good, kind: "" }), /field "kind" must be a non-empty string/],
      ["nodict.json", JSON.stringify({ ...good, stateDict: [] }), /field "stateDict" must be an object/],
      [
        "ragged.json",
        JSON.stringify({ ...good, stateDict: { ...good.stateDict, "mu.0.weight": [[1, 2], [3]] } }),
        /stateDict\.mu\.0\.weight: ragged tensor/,
      ],
    ];
    for (const [name, text, message] of cases) {
      const path = join(dir, name);
      writeFileSync(path, text);
      expect(() => readSavedPolicy(path), name).toThrow(message);
    }
  });

  it("a single flipped weight fails the checksum", () => {
    const good = makeSavedPolicy({ kind: "toy", env: "test/toy", stateDict: makeToyStateDict() });
    const path = join(dir, "flipped.json");
    writeSavedPolicy(path, good);
    const parsed = JSON.parse(readFileSync(path, "utf8"));
    parsed.stateDict["mu.2.weight"][0][3] += 1e-12;
    writeFileSync(path, JSON.stringify(parsed));
    expect(() => readSavedPolicy(path)).toThrow(/checksum mismatch .*the file is corrupt or was edited/);
  });
});
