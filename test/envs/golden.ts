/**
 * Golden-file replay helpers for env tests (test/golden, format in its README and
 * docs/envs.md §1): one-step tests teacher-forced from the previous recorded state,
 * and rollouts from `initial_state`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Action, Env } from "../../src/envs/index.js";
import { CoreEnv } from "../../src/envs/index.js";

import { GOLDEN_DIR } from "../golden-dir.js";
export { GOLDEN_DIR };

export interface GoldenStep {
  action: number | number[];
  obs: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  state: number[];
  h_max?: number;
  info?: Record<string, number>;
}

export interface GoldenTrajectory {
  id: string;
  description: string;
  initial_state: number[];
  initial_h_max?: number;
  initial_obs: number[];
  steps: GoldenStep[];
  sensitivity?: { max_state_dev_after_1ulp_initial_perturbation: number };
}

export interface GoldenFile {
  env: string;
  env_id: string;
  tolerance_guidance: string;
  trajectories: GoldenTrajectory[];
}

export function loadGolden(name: string): GoldenFile {
  return JSON.parse(readFileSync(`${GOLDEN_DIR}/${name}.json`, "utf8")) as GoldenFile;
}

/** max |a_i − b_i| (or max |a_i − b_i| / max(1, |b_i|) when `relative`), Infinity on a length mismatch. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>, relative = false): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (relative ? Math.max(1, Math.abs(b[i])) : 1);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export interface GoldenConfig {
  file: string;
  /** The unwrapped env (for one-step tests). */
  makeCore: () => CoreEnv;
  /** The env as makeEnv builds it (for rollouts, incl. truncation). */
  makeWrapped: () => Env;
  oneStepTol: number | ((traj: GoldenTrajectory) => number);
  rolloutTol: number;
  relative?: boolean;
  /** Per trajectory id: a looser rollout tolerance, or a prefix length to compare. */
  rolloutOverrides?: Record<string, { tol?: number; prefix?: number }>;
  /** Golden state → this env's getState layout (default: step.state). */
  stateOf?: (state: number[], hMax: number | undefined) => number[];
  /** Checks per step beyond obs/reward/state/flags (e.g. info). */
  extraStepCheck?: (got: Record<string, unknown>, want: GoldenStep) => void;
}

function actionOf(a: number | number[]): Action {
  return Array.isArray(a) ? Float64Array.from(a) : a;
}

export function describeGolden(cfg: GoldenConfig): void {
  const golden = loadGolden(cfg.file);
  const stateOf = cfg.stateOf ?? ((s: number[]) => s);
  const rel = cfg.relative ?? false;
  describe(`golden ${cfg.file} (${golden.env_id})`, () => {
    it("has 5 set-A trajectories", () => {
      expect(golden.trajectories.length).toBe(5);
    });
    for (const traj of golden.trajectories) {
      const tol1 = typeof cfg.oneStepTol === "number" ? cfg.oneStepTol : cfg.oneStepTol(traj);
      it(`${traj.id}: initial observation`, () => {
        const env = cfg.makeCore();
        env.reset({ seed: 0 });
        env.setState(stateOf(traj.initial_state, traj.initial_h_max));
        expect(maxDiff(env.observe(), traj.initial_obs, rel)).toBeLessThanOrEqual(tol1);
      });
      it(`${traj.id}: one-step from each recorded state (${traj.steps.length} steps, tol ${tol1})`, () => {
        const env = cfg.makeCore();
        env.reset({ seed: 0 });
        let prev = stateOf(traj.initial_state, traj.initial_h_max);
        let worst = 0;
        traj.steps.forEach((s, t) => {
          env.setState(prev);
          const r = env.step(actionOf(s.action));
          const want = stateOf(s.state, s.h_max);
          const d = Math.max(
            maxDiff(r.observation, s.obs, rel),
            maxDiff(env.getState(), want, rel),
            maxDiff([r.reward], [s.reward], rel),
          );
          if (d > tol1) expect.fail(`${traj.id} step ${t}: max diff ${d} > ${tol1}`);
          worst = Math.max(worst, d);
          expect(r.terminated, `${traj.id} step ${t} terminated`).toBe(s.terminated);
          if (cfg.extraStepCheck) cfg.extraStepCheck(r.info, s);
          prev = want;
        });
        expect(worst).toBeLessThanOrEqual(tol1);
      });
      const ov = cfg.rolloutOverrides?.[traj.id] ?? {};
      const tolR = ov.tol ?? cfg.rolloutTol;
      const n = Math.min(ov.prefix ?? Infinity, traj.steps.length);
      it(`${traj.id}: rollout from initial_state (${n} steps, tol ${tolR})`, () => {
        const env = cfg.makeWrapped();
        env.reset({ seed: 0 });
        env.setState(stateOf(traj.initial_state, traj.initial_h_max));
        let worst = 0;
        for (let t = 0; t < n; t++) {
          const s = traj.steps[t];
          const r = env.step(actionOf(s.action));
          const d = Math.max(
            maxDiff(r.observation, s.obs, rel),
            maxDiff(env.getState() as number[], stateOf(s.state, s.h_max), rel),
            maxDiff([r.reward], [s.reward], rel),
          );
          if (d > tolR) expect.fail(`${traj.id} rollout step ${t}: max diff ${d} > ${tolR}`);
          worst = Math.max(worst, d);
          expect(r.terminated, `${traj.id} step ${t} terminated`).toBe(s.terminated);
          expect(r.truncated, `${traj.id} step ${t} truncated`).toBe(s.truncated);
        }
        expect(worst).toBeLessThanOrEqual(tolR);
      });
    }
  });
}
