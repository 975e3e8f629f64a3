import { describe, expect, it } from "vitest";
import { laserRowsToMarkdown } from "../../src/laser/laser-output.js";

describe("LASER tables name their spread columns for what they are", () => {
  it("the change of the standard deviation beside the std of the paired deltas; no bare std Δ", () => {
    const head = laserRowsToMarkdown([]).split("\n")[0];
    const cols = head.split("|").map((c) => c.trim());
    const change = cols.indexOf("change of std (std − baseline std)");
    expect(change).toBeGreaterThan(0);
    expect(cols[change + 1]).toBe("std of paired Δ");
    expect(cols).not.toContain("std Δ");
    expect(laserRowsToMarkdown([]).split("\n")[1].split("|").length).toBe(cols.length);
  });
});
