import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest } from "../../src/runner/manifest.js";
import { cli } from "./cli-helpers.js";

const root = mkdtempSync(join(tmpdir(), "cli-dqn-kfac-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUN = ["run", "--algo", "dqn", "--env", "CartPole-v1", "--quiet"];

describe("lowrank-rl run --algo dqn --optimizer kfac / --scattering", () => {
  it("bad K-FAC and scattering flags exit 2 with one line naming the field and its range", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["--optimizer", "kfac", "--kfac-damping", "0"],
        /config\.kfacDamping = 0: must be a number in \(0, 100\]/,
      ],
      [
        ["--optimizer", "kfac", "--kfac-inverse-every", "0"],
        /config\.kfacInverseEvery = 0: must be an integer in \[1, 1000000\]/,
      ],
      [
        ["--kfac-momentum", "0.5"],
        /config\.kfacMomentum = 0\.5: only applies to optimizer "kfac", but optimizer is "adam"/,
      ],
      [["--scattering"], /config\.scattering = true: needs an image env \(MinAtar\/Breakout\)/],
    ];
    const results = await Promise.all(
      cases.map(([flags]) => cli([...RUN, ...flags, "--out", join(root, "bad")])),
    );
    results.forEach((r, i) => {
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(cases[i][1]);
    });
  }, 60_000);

  it("the flags reach the run's manifest (K-FAC settings, lr, scattering) and the run completes", async () => {
    const out = join(root, "ok");
    const r = await cli([
      "run",
      "--algo",
      "dqn",
      "--env",
      "MinAtar/Breakout",
      "--network",
      "trl-0.2",
      "--optimizer",
      "kfac",
      "--kfac-damping",
      "0.03",
      "--kfac-stat-decay",
      "0.9",
      "--kfac-inverse-every",
      "5",
      "--kfac-kl-clip",
      "0.002",
      "--kfac-momentum",
      "0.2",
      "--lr",
      "0.05",
      "--scattering",
      "--total-steps",
      "120",
      "--learning-starts",
      "100",
      "--batch-size",
      "4",
      "--eval-episodes",
      "1",
      "--eval-max-steps",
      "20",
      "--spectrum-every",
      "0",
      "--checkpoint-every",
      "0",
      "--no-tensorboard",
      "--quiet",
      "--out",
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = readManifest(out);
    expect(m.status).toBe("completed");
    expect(m.config).toMatchObject({
      optimizer: "kfac",
      lr: 0.05,
      kfacDamping: 0.03,
      kfacStatDecay: 0.9,
      kfacInverseEvery: 5,
      kfacKlClip: 0.002,
      kfacMomentum: 0.2,
      scattering: true,
    });
  }, 60_000);
});
