import { goldenPath } from "../golden-dir.js";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makePaperAgent, type PaperTask } from "../../src/presets/paper-agents.js";
import { makeEpisode } from "../../src/pg/episode-buffer.js";
import type { StateDict } from "../../src/pg/agent.js";
import type { LrpgAgent } from "../../src/lrpg/gaussian-lrpg-agent.js";
import type { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";

type Tensor = number[] | number[][];
interface GoldenEpisode {
  T: number;
  states: number[][];
  actions: number[];
  rewards: number[];
  gamma: number;
  returns: number[];
}
interface Probe {
  mu: number[];
  sigma: number[];
  value: number[];
}
interface AdamEntry {
  optimizer: "actor" | "critic";
  step: number;
  exp_avg: Tensor;
  exp_avg_sq: Tensor;
}
interface After {
  loss_actor: number;
  loss_critic: number;
  values_before_step: number[];
  grads: Record<string, Tensor>;
  params: Record<string, Tensor>;
  probe: Probe;
  adam_state?: Record<string, AdamEntry>;
}
interface GoldenRecord {
  env: PaperTask;
  model: "lr" | "nn";
  hyperparameters: Record<string, number | boolean>;
  initial_params: Record<string, Tensor>;
  probe_states: number[][];
  probe_before: Probe;
  episodes: GoldenEpisode[];
  after: After[];
}
const golden = JSON.parse(readFileSync(goldenPath("paper-learn-step.json"), "utf8")) as {
  records: GoldenRecord[];
};

const flat = (t: Tensor): number[] => (Array.isArray(t[0]) ? (t as number[][]).flat() : (t as number[]));
const maxAbs = (xs: number[]): number => xs.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** max |a − b| / scale, scale = max|b| (or 1 when b is all zero). */
function relErr(a: Tensor, b: Tensor): number {
  const fa = flat(a);
  const fb = flat(b);
  expect(fa.length).toBe(fb.length);
  const scale = maxAbs(fb) || 1;
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return m / scale;
}
function absErr(a: Tensor, b: Tensor): number {
  const fa = flat(a);
  const fb = flat(b);
  expect(fa.length).toBe(fb.length);
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return m;
}
const relScalar = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

function probe(agent: LrpgAgent | NnGaussianAgent, states: number[][]): Probe {
  return {
    mu: states.map((s) => agent.mean(s)),
    sigma: states.map((s) => agent.sigma(s)),
    value: states.map((s) => agent.value(s)),
  };
}
function checkProbe(got: Probe, want: Probe): void {
  for (const k of ["mu", "sigma", "value"] as const) {
    got[k].forEach((g, i) => expect(relScalar(g, want[k][i]), `${k}[${i}]`).toBeLessThanOrEqual(1e-12));
  }
}

describe("golden learn steps (paper-learn-step.json)", () => {
  for (const record of golden.records) {
    const kind = record.model === "lr" ? "lrpg" : "nn";
    it(`${record.env} ${kind}: 3 consecutive learn() calls match the reference`, () => {
      const agent = makePaperAgent(kind, record.env, { seed: 1 });
      expect(agent.gamma).toBe(record.hyperparameters.gamma);
      agent.importStateDict(record.initial_params as StateDict);
      expect(agent.exportStateDict()).toEqual(record.initial_params);
      checkProbe(probe(agent, record.probe_states), record.probe_before);

      record.episodes.forEach((ep, c) => {
        const want = record.after[c];
        // Call 2 passes the reference's plain nested arrays straight to learn().
        const episode =
          c === 1 ? { states: ep.states, actions: ep.actions, rewards: ep.rewards } : makeEpisode(ep);
        const values = ep.states.map((s) => agent.value(s));
        values.forEach((v, t) =>
          expect(relScalar(v, want.values_before_step[t]), `V[${t}]`).toBeLessThanOrEqual(1e-12),
        );
        const r = agent.learn(episode);
        expect(relScalar(r.lossActor, want.loss_actor), `call ${c + 1} loss_actor`).toBeLessThanOrEqual(
          1e-12,
        );
        expect(relScalar(r.lossCritic, want.loss_critic), `call ${c + 1} loss_critic`).toBeLessThanOrEqual(
          1e-12,
        );
        const grads = agent.exportGradients();
        for (const [key, g] of Object.entries(want.grads)) {
          expect(relErr(grads[key] as Tensor, g), `call ${c + 1} grad ${key}`).toBeLessThanOrEqual(1e-10);
        }
        const params = agent.exportStateDict();
        for (const [key, p] of Object.entries(want.params)) {
          expect(absErr(params[key] as Tensor, p), `call ${c + 1} param ${key}`).toBeLessThanOrEqual(1e-12);
        }
        checkProbe(probe(agent, record.probe_states), want.probe);
      });

      const adam = record.after[2].adam_state!;
      for (const [key, entry] of Object.entries(adam)) {
        const opt = entry.optimizer === "actor" ? agent.actorOptimizer : agent.criticOptimizer;
        expect(opt.stepCount).toBe(entry.step);
        const { expAvg, expAvgSq } = opt.moments(key);
        // R factors are stored M×K here, K×M in the reference.
        const transpose = key.endsWith(".R");
        const toRef = (buf: Float64Array): number[] => {
          if (!transpose) return Array.from(buf);
          const want = entry.exp_avg as number[][];
          const K = want.length;
          const M = want[0].length;
          const out: number[] = [];
          for (let k = 0; k < K; k++) for (let j = 0; j < M; j++) out.push(buf[j * K + k]);
          return out;
        };
        expect(relErr(toRef(expAvg), entry.exp_avg), `exp_avg ${key}`).toBeLessThanOrEqual(1e-12);
        expect(relErr(toRef(expAvgSq), entry.exp_avg_sq), `exp_avg_sq ${key}`).toBeLessThanOrEqual(1e-12);
      }
    });
  }
});
