import { Rng } from "../random/rng.js";
import type { Action, Env, StepResult } from "./env.js";
import { Box, Discrete } from "./spaces.js";
import { isResumable, type EnvSnapshot } from "./resumable.js";

export interface CheckEnvOptions {
  /** Steps taken by the stepping, determinism and round-trip checks (default 50). */
  steps?: number;
  /** Seed for reset and action sampling (default 0). */
  seed?: number;
  /** Throw an {@link EnvCheckError} listing every error (default true); otherwise just return the report. */
  throwOnError?: boolean;
}

export interface EnvCheckReport {
  envId: string;
  /** API violations. */
  errors: string[];
  /** Legal but discouraged (e.g. an action space that is not [−1, 1]-normalised, no validation of bad actions). */
  warnings: string[];
}

export class EnvCheckError extends Error {
  readonly report: EnvCheckReport;
  constructor(report: EnvCheckReport) {
    super(`checkEnv(${report.envId}): ${report.errors.length} problem(s):\n- ${report.errors.join("\n- ")}`);
    this.name = "EnvCheckError";
    this.report = report;
  }
}

/**
 * An env checker in the spirit of Stable-Baselines3's `check_env`: verifies that `env`
 * implements the {@link Env} API correctly and reports every violation with a message saying
 * what was expected. Checks, in order:
 * 1. spaces: `observationSpace` is a valid Box, `actionSpace` a valid Box or Discrete, `sample` stays inside;
 * 2. `reset()` returns {observation: Float64Array of the space's size, inside the space; info: object};
 * 3. `step(sampled action)` returns the five fields with the right types (finite reward, boolean flags,
 *    fresh observation arrays inside the space);
 * 4. determinism: `reset({seed})` twice with the same actions gives identical trajectories;
 * 5. `getState()` / `setState()` round trip: restoring a saved state reproduces the continuation,
 *    and the state survives a JSON round trip;
 *    if the env is {@link Resumable}: `restore(snapshot())` (through JSON) reproduces the continuation
 *    exactly, across episode ends and unseeded resets (which draw from the env's own generator);
 * 6. `stepInPlace` (if present) gives the same results as `step`;
 * 7. with `maxEpisodeSteps` set, an episode that does not terminate is truncated exactly at that step;
 * 8. a NaN action and (for Discrete) an out-of-range action are rejected (warning if not).
 * Leaves the env in an arbitrary state: reset it afterwards.
 */
export function checkEnv(env: Env, options: CheckEnvOptions = {}): EnvCheckReport {
  const steps = options.steps ?? 50;
  const seed = options.seed ?? 0;
  const report: EnvCheckReport = { envId: String(env?.id), errors: [], warnings: [] };
  const err = (m: string) => report.errors.push(m);
  const warn = (m: string) => report.warnings.push(m);
  const finish = (): EnvCheckReport => {
    if ((options.throwOnError ?? true) && report.errors.length > 0) throw new EnvCheckError(report);
    return report;
  };

  if (env == null || typeof env !== "object") {
    err(`env must be an object implementing Env, got ${String(env)}`);
    return finish();
  }
  for (const m of ["reset", "step", "getState", "setState"] as const) {
    if (typeof env[m] !== "function") err(`env.${m} must be a method`);
  }
  if (typeof env.id !== "string" || env.id.length === 0)
    err(`env.id must be a non-empty string, got ${String(env.id)}`);
  if (
    env.maxEpisodeSteps !== undefined &&
    !(Number.isInteger(env.maxEpisodeSteps) && env.maxEpisodeSteps > 0)
  ) {
    err(`env.maxEpisodeSteps must be undefined or a positive integer, got ${String(env.maxEpisodeSteps)}`);
  }

  // 1. spaces
  const obsSpace = env.observationSpace;
  const actSpace = env.actionSpace;
  if (!(obsSpace instanceof Box)) err(`observationSpace must be a Box, got ${describe(obsSpace)}`);
  else checkBox("observationSpace", obsSpace, err);
  if (!(actSpace instanceof Box) && !(actSpace instanceof Discrete))
    err(`actionSpace must be a Box or a Discrete, got ${describe(actSpace)}`);
  else if (actSpace instanceof Box) {
    checkBox("actionSpace", actSpace, err);
    for (let i = 0; i < actSpace.size; i++) {
      if (!Number.isFinite(actSpace.low[i]) || !Number.isFinite(actSpace.high[i]))
        err(`actionSpace must be bounded: dimension ${i} is [${actSpace.low[i]}, ${actSpace.high[i]}]`);
    }
    if (Array.from(actSpace.low).some((x) => x !== -1) || Array.from(actSpace.high).some((x) => x !== 1)) {
      warn(
        `actionSpace is [${Array.from(actSpace.low).join(", ")}]..[${Array.from(actSpace.high).join(", ")}], not [-1, 1]; Gaussian policies usually work better on a normalised action space (rescale in the agent)`,
      );
    }
  }
  if (report.errors.length > 0) return finish();
  const obsBox = obsSpace as Box;
  const sampler = new Rng(seed);
  for (let i = 0; i < 20; i++) {
    const a = actSpace.sample(sampler);
    if (!containsAction(actSpace, a))
      err(`actionSpace.sample returned ${describe(a)}, which actionSpace.contains rejects`);
    const o = obsBox.sample(sampler);
    if (!obsBox.contains(o))
      err(`observationSpace.sample returned ${describe(o)}, which observationSpace.contains rejects`);
  }

  // 2. reset
  const where = (ctx: string, o: unknown) => checkObservation(ctx, o, obsBox, err);
  let reset: ReturnType<Env["reset"]>;
  try {
    reset = env.reset({ seed });
  } catch (e) {
    err(`reset({seed: ${seed}}) threw: ${(e as Error).message}`);
    return finish();
  }
  if (reset == null || typeof reset !== "object") {
    err(`reset must return {observation, info}, got ${describe(reset)}`);
    return finish();
  }
  where("reset().observation", reset.observation);
  if (reset.info == null || typeof reset.info !== "object")
    err(`reset().info must be an object, got ${describe(reset.info)}`);

  // 3. step
  const actions = Array.from({ length: steps }, () => actSpace.sample(sampler) as Action);
  const rollout = (start: "seed" | "state", state?: unknown): StepResult[] | null => {
    env.reset({ seed });
    if (start === "state") env.setState(state);
    const out: StepResult[] = [];
    for (let t = 0; t < steps; t++) {
      let r: StepResult;
      try {
        r = env.step(actions[t]);
      } catch (e) {
        err(`step(${describe(actions[t])}) at step ${t} threw: ${(e as Error).message}`);
        return null;
      }
      out.push(r);
      if (r?.terminated || r?.truncated) break;
    }
    return out;
  };
  const first = rollout("seed");
  if (!first) return finish();
  let prevObs: unknown = reset.observation;
  first.forEach((r, t) => {
    if (r == null || typeof r !== "object") {
      err(
        `step must return {observation, reward, terminated, truncated, info}, got ${describe(r)} at step ${t}`,
      );
      return;
    }
    where(`step ${t}: observation`, r.observation);
    if (r.observation === prevObs)
      err(
        `step ${t}: returned the same observation array as the previous call; step must return a fresh array (use stepInPlace for a reused buffer)`,
      );
    prevObs = r.observation;
    if (typeof r.reward !== "number" || Number.isNaN(r.reward))
      err(`step ${t}: reward must be a number (not NaN), got ${describe(r.reward)}`);
    if (typeof r.terminated !== "boolean")
      err(`step ${t}: terminated must be a boolean, got ${describe(r.terminated)}`);
    if (typeof r.truncated !== "boolean")
      err(`step ${t}: truncated must be a boolean, got ${describe(r.truncated)}`);
    if (r.info == null || typeof r.info !== "object")
      err(`step ${t}: info must be an object, got ${describe(r.info)}`);
  });
  if (report.errors.length > 0) return finish();

  // 4. determinism under reset({seed})
  const again = rollout("seed");
  if (again) {
    const d = firstDifference(first, again);
    if (d)
      err(`not deterministic under reset({seed: ${seed}}): two runs with the same actions differ at ${d}`);
  }
  const obsA = env.reset({ seed }).observation;
  const obsB = env.reset({ seed }).observation;
  if (!sameArray(obsA, obsB))
    err(
      `reset({seed: ${seed}}) twice returned different observations ${describe(obsA)} and ${describe(obsB)}`,
    );

  // 5. getState / setState round trip
  try {
    env.reset({ seed: seed + 1 });
    const warm = Math.min(3, steps);
    for (let t = 0; t < warm; t++) {
      const r = env.step(actions[t]);
      if (r.terminated || r.truncated) env.reset({ seed: seed + 1 });
    }
    const saved = env.getState();
    const json = JSON.parse(JSON.stringify(saved)) as unknown;
    const fromSaved = rollout("state", saved);
    const fromJson = rollout("state", json);
    const afterSet = env.getState();
    env.setState(saved);
    if (JSON.stringify(env.getState()) !== JSON.stringify(saved))
      err(
        `setState(getState()) changed the state: ${JSON.stringify(saved)} became ${JSON.stringify(env.getState())}`,
      );
    if (fromSaved && fromJson) {
      const d = firstDifference(fromSaved, fromJson);
      if (d) err(`getState() does not survive a JSON round trip: continuations differ at ${d}`);
    }
    if (JSON.stringify(afterSet) === undefined) err("getState() must return a JSON-serialisable value");
  } catch (e) {
    err(`getState/setState round trip threw: ${(e as Error).message}`);
  }

  // 5b. snapshot / restore round trip (Resumable envs): the continuation includes unseeded resets
  if (isResumable(env)) {
    try {
      env.reset({ seed: seed + 2 });
      const warm = Math.min(3, steps);
      for (let t = 0; t < warm; t++) {
        const r = env.step(actions[t]);
        if (r.terminated || r.truncated) env.reset();
      }
      const snap = JSON.parse(JSON.stringify(env.snapshot())) as EnvSnapshot;
      const continuation = (): StepResult[] => {
        const out: StepResult[] = [];
        for (let t = 0; t < steps; t++) {
          const r = env.step(actions[t]);
          out.push(r);
          if (r.terminated || r.truncated) out.push({ ...r, ...env.reset(), reward: 0 });
        }
        return out;
      };
      const expected = continuation();
      env.reset({ seed: seed + 3 });
      env.restore(snap);
      const d = firstDifference(expected, continuation());
      if (d) err(`restore(snapshot()) does not reproduce the continuation: it differs at ${d}`);
    } catch (e) {
      err(`snapshot/restore round trip threw: ${(e as Error).message}`);
    }
  }

  // 6. stepInPlace agrees with step
  if (typeof env.stepInPlace === "function") {
    const viaStep = rollout("seed");
    env.reset({ seed });
    if (viaStep) {
      for (let t = 0; t < viaStep.length; t++) {
        const v = env.stepInPlace(actions[t]);
        const r = viaStep[t];
        if (
          !sameArray(v.observation, r.observation) ||
          !Object.is(v.reward, r.reward) ||
          v.terminated !== r.terminated ||
          v.truncated !== r.truncated
        ) {
          err(
            `stepInPlace disagrees with step at step ${t}: ${describe(v.observation)} r=${v.reward} vs ${describe(r.observation)} r=${r.reward}`,
          );
          break;
        }
      }
    }
  }

  // 7. time limit: an episode that does not terminate is truncated exactly at maxEpisodeSteps
  const limit = env.maxEpisodeSteps;
  if (limit !== undefined && Number.isInteger(limit) && limit > 0 && limit <= 100_000) {
    for (let attempt = 0; attempt < 3; attempt++) {
      env.reset({ seed: seed + 100 + attempt });
      let terminatedEarly = false;
      for (let t = 1; t <= limit; t++) {
        const r = env.step(actSpace.sample(sampler) as Action);
        if (r.terminated && !(t === limit && r.truncated)) {
          terminatedEarly = true;
          break;
        }
        if (r.truncated !== (t === limit)) {
          err(`maxEpisodeSteps = ${limit}, but step ${t} after reset returned truncated = ${r.truncated}`);
          break;
        }
      }
      if (!terminatedEarly) break;
    }
  }

  // 8. invalid actions
  env.reset({ seed });
  const bad: Action[] =
    actSpace instanceof Discrete ? [NaN, actSpace.n, -1, 0.5] : [new Float64Array(actSpace.size).fill(NaN)];
  for (const a of bad) {
    let threw = false;
    try {
      env.step(a);
    } catch {
      threw = true;
    }
    if (!threw)
      warn(`step(${describe(a)}) did not throw: invalid actions should be rejected with a clear error`);
    env.reset({ seed });
  }
  return finish();
}

function checkBox(name: string, box: Box, err: (m: string) => void): void {
  if (
    !(box.low instanceof Float64Array) ||
    !(box.high instanceof Float64Array) ||
    box.low.length !== box.high.length
  ) {
    err(`${name}: low and high must be Float64Arrays of equal length`);
    return;
  }
  if (box.size < 1) err(`${name}: must have at least one dimension`);
  const product = box.shape.reduce((a, b) => a * b, 1);
  if (product !== box.size)
    err(`${name}: shape [${box.shape.join(", ")}] has ${product} entries but low/high have ${box.size}`);
  for (let i = 0; i < box.size; i++) {
    if (Number.isNaN(box.low[i]) || Number.isNaN(box.high[i]) || !(box.low[i] <= box.high[i]))
      err(`${name}: need low[${i}] <= high[${i}], got ${box.low[i]} and ${box.high[i]}`);
  }
}

function checkObservation(ctx: string, o: unknown, space: Box, err: (m: string) => void): void {
  if (!(o instanceof Float64Array)) {
    err(`${ctx} must be a Float64Array, got ${describe(o)}`);
    return;
  }
  if (o.length !== space.size) {
    err(`${ctx} has length ${o.length}, observationSpace expects ${space.size}`);
    return;
  }
  for (let i = 0; i < o.length; i++) {
    if (!(o[i] >= space.low[i] && o[i] <= space.high[i])) {
      err(`${ctx}[${i}] = ${o[i]} is outside observationSpace [${space.low[i]}, ${space.high[i]}]`);
      return;
    }
  }
}

function containsAction(space: Box | Discrete, a: unknown): boolean {
  if (space instanceof Discrete) return typeof a === "number" && space.contains(a);
  return a instanceof Float64Array && space.contains(a);
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function firstDifference(a: StepResult[], b: StepResult[]): string | null {
  if (a.length !== b.length) return `episode length (${a.length} vs ${b.length} steps)`;
  for (let t = 0; t < a.length; t++) {
    if (!sameArray(a[t].observation, b[t].observation))
      return `step ${t} observation (${describe(a[t].observation)} vs ${describe(b[t].observation)})`;
    if (!Object.is(a[t].reward, b[t].reward)) return `step ${t} reward (${a[t].reward} vs ${b[t].reward})`;
    if (a[t].terminated !== b[t].terminated || a[t].truncated !== b[t].truncated) return `step ${t} flags`;
  }
  return null;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  if (ArrayBuffer.isView(x) || Array.isArray(x)) {
    const arr = Array.from(x as ArrayLike<number>);
    const name = (x as object).constructor?.name ?? "array";
    return `${name}(${arr.length}) [${arr.slice(0, 6).join(", ")}${arr.length > 6 ? ", …" : ""}]`;
  }
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
