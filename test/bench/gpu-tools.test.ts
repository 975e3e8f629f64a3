import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** tools/gpu/*.sh: the scripted headless-gl build and benchmark (docs/gpu.md). */
const run = (script: string, ...args: string[]) =>
  spawnSync("bash", [`tools/gpu/${script}`, ...args], { encoding: "utf8", timeout: 60_000 });

describe("tools/gpu: building gl offline and benchmarking on it", () => {
  it("build-gl.sh --check finds the Node headers and reports what is missing, building nothing", () => {
    const r = run("build-gl.sh", "--check");
    expect(r.stdout).toMatch(/^build-gl: node v\d+\.\d+\.\d+ at \S+; headers: \S+$/m);
    if (r.status === 0) expect(r.stdout).toMatch(/build-gl: ready to build/);
    else {
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/build-gl: cannot build gl; missing:\n {2}- /);
      expect(r.stderr).toContain("bash tools/gpu/build-gl.sh --install-deps");
    }
  });

  it("build-gl.sh rejects an unknown flag (exit 2); bench-gl.sh names the build step when gl is not built", () => {
    const bad = run("build-gl.sh", "--frobnicate");
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe(
      "build-gl: unknown argument '--frobnicate' (--install-deps, --check, --help)",
    );
    if (!existsSync("node_modules/gl/build/Release/webgl.node")) {
      const bench = run("bench-gl.sh");
      expect(bench.status).toBe(1);
      expect(bench.stderr.trim()).toBe(
        "bench-gl: node_modules/gl/build/Release/webgl.node is missing: build it with bash tools/gpu/build-gl.sh",
      );
    }
  });
});
