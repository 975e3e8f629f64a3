import type { Episode, LearnResult, StateDict } from "../../src/pg/agent.js";
import { Rng } from "../../src/random/rng.js";

/** The part of an agent the finite-difference check drives. */
export interface GradCheckable {
  learn(episode: Episode): LearnResult;
  exportStateDict(): StateDict;
  importStateDict(dict: StateDict): void;
  exportGradients(): StateDict;
}

type Nested = number[] | number[][];

function entries(t: Nested): number {
  return Array.isArray(t[0]) ? (t as number[][]).length * (t as number[][])[0].length : t.length;
}
function getAt(t: Nested, idx: number): number {
  if (!Array.isArray(t[0])) return (t as number[])[idx];
  const cols = (t as number[][])[0].length;
  return (t as number[][])[Math.floor(idx / cols)][idx % cols];
}
function setAt(t: Nested, idx: number, v: number): void {
  if (!Array.isArray(t[0])) (t as number[])[idx] = v;
  else {
    const cols = (t as number[][])[0].length;
    (t as number[][])[Math.floor(idx / cols)][idx % cols] = v;
  }
}
const clone = (d: StateDict): StateDict => JSON.parse(JSON.stringify(d)) as StateDict;

/** Adds N(0, scale²) noise to every entry (to move away from symmetric inits). */
export function jitter(dict: StateDict, rng: Rng, scale: number): StateDict {
  const out = clone(dict);
  for (const key of Object.keys(out)) {
    const t = out[key] as Nested;
    for (let i = 0; i < entries(t); i++) setAt(t, i, getAt(t, i) + scale * rng.normal());
  }
  return out;
}

/**
 * Compares the gradients `learn` leaves (exportGradients) with central differences of the
 * loss it reports (computed before its update): actor keys against lossActor, critic keys
 * against lossCritic. Returns the worst mismatch |analytic − numeric| / (1 + |numeric|).
 */
export function worstGradientError(
  agent: GradCheckable,
  dict: StateDict,
  episode: Episode,
  actorKeys: readonly string[],
  criticKeys: readonly string[],
  h = 1e-6,
): number {
  agent.importStateDict(dict);
  agent.learn(episode);
  const grads = agent.exportGradients();
  let worst = 0;
  const lossAt = (d: StateDict, which: keyof LearnResult) => {
    agent.importStateDict(d);
    return agent.learn(episode)[which];
  };
  for (const [keys, which] of [
    [actorKeys, "lossActor"],
    [criticKeys, "lossCritic"],
  ] as const) {
    for (const key of keys) {
      const t = dict[key] as Nested;
      for (let i = 0; i < entries(t); i++) {
        const plus = clone(dict);
        const minus = clone(dict);
        setAt(plus[key] as Nested, i, getAt(t, i) + h);
        setAt(minus[key] as Nested, i, getAt(t, i) - h);
        const numeric = (lossAt(plus, which) - lossAt(minus, which)) / (2 * h);
        const analytic = getAt(grads[key] as Nested, i);
        worst = Math.max(worst, Math.abs(analytic - numeric) / (1 + Math.abs(numeric)));
      }
    }
  }
  return worst;
}
