/**
 * Replays the tensor-low-rank reference's learn steps (test/golden/tensor-pg-learn-step.json,
 * CP [10,10,10] rank-5 Gaussian actor and critic on the pendulum; docs/tensor-pg.md): every
 * update's grid indices, μ, log-probs, returns, raw and standardized advantages, the critic's
 * L-BFGS closure losses and parameters, each actor epoch's log-probs, loss, gradients and
 * parameters, and the Adam moments, free-running from the initial parameters.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import type { Parameter } from "../../src/optim/parameter.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { GaeActorCritic, REFERENCE_CRITIC_LBFGS } from "../../src/pg/actor-critic.js";
import { TransitionBuffer } from "../../src/pg/batch-update.js";
import { headLogProbs } from "../../src/pg/actor-critic.js";
import { makeEnv } from "../../src/envs/registry.js";
import { goldenPath } from "../golden-dir.js";

type Nested = number | boolean | null | Nested[];
type Dict = Record<string, Nested>;
/* eslint-disable @typescript-eslint/no-explicit-any */
const golden = JSON.parse(readFileSync(goldenPath("tensor-pg-learn-step.json"), "utf8")) as any;

const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [Number(x)]);

/** Worst |a − e| / (scale), scale = 1 (absolute) or max|e| of the tensor (relative). */
function worst(actual: ArrayLike<number>, expected: Nested, relative = false): number {
  const e = flat(expected);
  expect(actual.length).toBe(e.length);
  let scale = 1;
  if (relative) scale = Math.max(1e-300, ...e.map(Math.abs));
  let w = 0;
  for (let i = 0; i < e.length; i++) w = Math.max(w, Math.abs(actual[i] - e[i]) / scale);
  return w;
}

const GRID = golden.header["state_to_grid (src/utils.py Discretizer.get_index, l.58-74)"];

function build(algo: "reinforce" | "ppo") {
  const g = golden[algo];
  const hp = g.hyperparameters;
  const grid = new AxisGrid({ low: GRID.min_points, high: GRID.max_points, buckets: GRID.buckets });
  const actor = new CpGrid({ grid, rank: 5 });
  const critic = new CpGrid({ grid, rank: 5, name: "value" });
  const head = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 }, logSigmaClamp: [-2.5, 0] });
  const load = (params: readonly Parameter[], dict: Dict): void =>
    params.forEach((p, d) => p.data.set(flat(dict[`factors.${d}`])));
  load(actor.factors, g.initial_params.actor);
  load(critic.factors, g.initial_params.critic);
  head.logSigma!.data[0] = flat(g.initial_params.actor.log_sigma)[0];
  head.refresh();
  const actorOptimizer = new Adam([...actor.parameters, ...head.parameters], { lr: hp.lr_actor });
  const criticOptimizer = new Adam(critic.parameters, { lr: 1e-3 });
  const parts = { actor, head, critic, actorOptimizer, criticOptimizer };
  // Reference named order: log_sigma, factors.0..2 (the bcd block index).
  const actorNamed: [string, Parameter][] = [
    ["log_sigma", head.logSigma!],
    ...actor.factors.map((p, d) => [`factors.${d}`, p] as [string, Parameter]),
  ];
  return { g, hp, parts, actorNamed, critic, actor, head };
}

const TOL = { param: 1e-12, logProb: 1e-12, loss: 1e-12, grad: 1e-10, critic: 1e-9 };

/**
 * Replays both updates from the initial parameters; returns the worst error per quantity.
 * `forced`: the standardized advantages handed to the actor are the recorded ones (written into
 * the rule's advantages at each critic call), so the actor is checked apart from the critic's
 * L-BFGS round-off.
 */
function replay(algo: "reinforce" | "ppo", forced: boolean): Record<string, number> {
  {
    const { g, hp, parts, actorNamed, critic, actor, head } = build(algo);
    const flags = hp.trainer_flags;
    const criticCalls: any[] = [];
    const actorEpochs: { info: any; grads: Float64Array[]; params: Float64Array[]; adam?: any }[] = [];
    const rule = new GaeActorCritic(parts, hp.gamma, {
      tau: hp.tau,
      epochs: hp.epochs,
      clip: algo === "ppo" ? hp.eps_clip : undefined,
      critic: {
        kind: "lbfgs",
        options: REFERENCE_CRITIC_LBFGS,
        skipGradientAbove: algo === "reinforce" ? 1e10 : undefined,
      },
      // The reference's swapped flags: actor_opt switches the critic loop, critic_opt the actor's.
      criticBlocks: flags.actor_opt === "bcd" ? critic.factors.map((p) => [p]) : null,
      actorBlocks: flags.critic_opt === "bcd" ? actorNamed.map(([, p]) => [p]) : null,
      observer: {
        criticCall: (info) => {
          if (forced)
            info.advantages.set(g.updates[u].critic_calls[criticCalls.length].advantages_normalized);
          criticCalls.push({
            values: Float64Array.from(info.values),
            returns: Float64Array.from(info.returns),
            raw: Float64Array.from(info.rawAdvantages),
            adv: Float64Array.from(info.advantages),
            losses: [...info.losses],
            params: critic.factors.map((p) => Float64Array.from(p.data)),
            counters: rule.criticLbfgs[0].counters(),
          });
        },
        actorEpoch: (info) =>
          actorEpochs.push({
            info: { ...info, logProbs: Float64Array.from(info.logProbs) },
            grads: actorNamed.map(([, p]) => Float64Array.from(p.grad)),
            params: actorNamed.map(([, p]) => Float64Array.from(p.data)),
            adam:
              info.epoch === hp.epochs - 1
                ? actorNamed.map(([name, p]) => {
                    const m = parts.actorOptimizer.moments(p.name);
                    const step = parts.actorOptimizer.getState().step;
                    return { name, step, m: Float64Array.from(m.expAvg), v: Float64Array.from(m.expAvgSq) };
                  })
                : undefined,
          }),
      },
    });
    const errors: Record<string, number> = {};
    let u = 0;
    const note = (what: string, v: number): void => {
      const key = `update ${u + 1}: ${what}`;
      errors[key] = Math.max(errors[key] ?? 0, v);
    };
    for (const [uu, rec] of (g.updates as any[]).entries()) {
      u = uu;
      const buf = rec.buffer;
      const N = buf.actions.length;
      const batch = new TransitionBuffer(3, N);
      for (let i = 0; i < N; i++) batch.push(buf.states[i], buf.actions[i], buf.rewards[i]);
      expect(buf.terminals[N - 1]).toBe(true);
      batch.endEpisode(true);
      // grid indices, μ and the sampling log-probs at the parameters before the update
      const idx = new Int32Array(3);
      for (let i = 0; i < N; i++)
        expect(Array.from(actor.indicesOf(buf.states[i], idx))).toEqual(buf.grid_indices[i]);
      const z = new Float64Array(N);
      actor.forwardBatch(batch.states, N, z);
      note("mu", worst(z, buf.mu_current_policy));
      note("logSigma", worst([head.effectiveLogSigma()], buf.log_sigma_clamped));
      note(
        "logprobs_at_sampling",
        worst(headLogProbs(head, z, batch.actions, N, new Float64Array(N)), buf.logprobs_at_sampling),
      );
      for (const [name, p] of actorNamed)
        note("actor params before", worst(p.data, rec.actor_params_before[name]));

      criticCalls.length = 0;
      actorEpochs.length = 0;
      rule.update(batch);

      expect(criticCalls.length).toBe(rec.critic_calls.length);
      rec.critic_calls.forEach((c: any, k: number) => {
        const mine = criticCalls[k];
        note("values_before", worst(mine.values, c.values_before, true));
        note("returns", worst(mine.returns, c.returns, true));
        note("raw_advantages", worst(mine.raw, c.raw_advantages, true));
        note("advantages_normalized", worst(mine.adv, c.advantages_normalized));
        expect(mine.losses.length, `update ${u} critic call ${k}: closure evaluations`).toBe(
          c.closure_losses.length,
        );
        note("closure_losses (relative)", worst(mine.losses, c.closure_losses, true));
        mine.params.forEach((p: Float64Array, d: number) =>
          note("critic params after", worst(p, c.critic_params_after[`factors.${d}`])),
        );
        expect(mine.counters.nIter).toBe(c.lbfgs_state_after.n_iter);
        expect(mine.counters.funcEvals).toBe(c.lbfgs_state_after.func_evals);
        expect(mine.counters.historyLength).toBe(c.lbfgs_state_after.history_len);
      });
      const epochsRec = (rec.actor_calls as any[]).flatMap((a) => a.epochs.map((e: any) => ({ a, e })));
      expect(actorEpochs.length).toBe(epochsRec.length);
      epochsRec.forEach(({ a, e }, q) => {
        const mine = actorEpochs[q];
        note("epoch logprobs", worst(mine.info.logProbs, e.logprobs));
        note("epoch loss", Math.abs(mine.info.loss - e.loss) / Math.max(1, Math.abs(e.loss)));
        actorNamed.forEach(([name], j) => {
          note("epoch grads (relative)", worst(mine.grads[j], e.grads[name], true));
          note("epoch params", worst(mine.params[j], e.params_after[name]));
        });
        if (mine.adam) {
          for (const { name, step, m, v } of mine.adam) {
            const s = a.adam_state_after[name];
            note("adam exp_avg", worst(m, s.exp_avg));
            note("adam exp_avg_sq", worst(v, s.exp_avg_sq));
            expect(step).toBe(s.step);
          }
        }
      });
      for (const [name, p] of actorNamed)
        note("actor params after", worst(p.data, rec.actor_params_after[name]));
      critic.factors.forEach((p, d) =>
        note("critic params after update", worst(p.data, rec.critic_params_after[`factors.${d}`])),
      );
    }
    return errors;
  }
}

/** Keys of quantities computed from the critic (its L-BFGS path and what GAE reads from it). */
const CRITIC_KEYS = /values_before|raw_advantages|advantages_normalized|closure_losses|critic params/;

function limit(key: string, forced: boolean): number {
  const update2 = key.startsWith("update 2");
  const critic = CRITIC_KEYS.test(key);
  // The second update's L-BFGS amplifies the ≤ 5e-13 round-off left by the first (its line
  // search tries steps with losses up to 1e6): same path (every evaluation count and counter
  // equal), numbers within 1e-4; see docs/tensor-pg.md.
  if (update2 && critic) return key.includes("closure_losses") ? 5e-2 : 1e-4;
  if (critic) return TOL.critic;
  if (!forced) return update2 ? 1e-4 : 1e-10;
  if (key.includes("grads")) return TOL.grad;
  if (key.includes("loss")) return TOL.loss;
  if (key.includes("logprobs")) return TOL.logProb;
  return TOL.param;
}

function check(errors: Record<string, number>, forced: boolean): void {
  for (const [key, v] of Object.entries(errors)) expect(v, key).toBeLessThanOrEqual(limit(key, forced));
}

describe.each(["reinforce", "ppo"] as const)("tensor-pg golden learn step: %s", (algo) => {
  it("actor at the header's tolerances, given the recorded advantages; critic free-running", () => {
    const errors = replay(algo, true);
    if (process.env.GOLDEN_VERBOSE) console.log(algo, errors);
    check(errors, true);
  });
  it("free-running end to end (critic → advantages → actor)", () => {
    check(replay(algo, false), false);
  });
});

describe("tensor-pg golden episodes", () => {
  it("Pendulum-v1 with g = 9.81 replays the recorded episodes from their reset states and raw actions", () => {
    let worstObs = 0;
    let worstReward = 0;
    for (const algo of ["reinforce", "ppo"] as const) {
      for (const ep of golden[algo].episodes as any[]) {
        const env = makeEnv("Pendulum-v1", { g: 9.81 });
        env.reset({ seed: 0 });
        env.setState(ep.reset_internal_state);
        ep.raw_actions.forEach((a: number, t: number) => {
          const step = env.step(a);
          worstObs = Math.max(worstObs, worst(step.observation, ep.observations[t + 1]));
          worstReward = Math.max(worstReward, Math.abs(step.reward - ep.rewards[t]));
          expect(step.terminated).toBe(false);
        });
      }
    }
    expect(worstObs).toBe(0); // the float32 observations, exactly (measured)
    expect(worstReward).toBeLessThan(1e-13); // measured 5.3e-15
  });
});
