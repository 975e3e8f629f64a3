/**
 * Env throughput, single core, tight loop: random actions (pre-sampled from the action space
 * with a fixed seed, cycled), reset on termination or truncation, envs built by `makeEnv` (so
 * the registered TimeLimit is included). Reports per env:
 *   <env_id_snake>_steps_per_s           the Gymnasium-style `step()` (fresh observation + result object per step)
 *   <env_id_snake>_in_place_steps_per_s  the allocation-free fast path `stepInPlace()` (reused view)
 * `<env_id_snake>` = the id lower-cased with every non-alphanumeric run replaced by "_"
 * ("LRPG/Pendulum" → lrpg_pendulum, "MountainCarContinuous-v0" → mountaincarcontinuous_v0).
 *
 * Each env is measured in its own child process, as a training run would use it: measuring all
 * envs in one process makes the shared base-class call sites megamorphic and understates every
 * env but the first. `BENCH_ENV_SECONDS` (default 0.3) sets the time per measurement.
 * Python references on this machine: 35 k/s (Acrobot-v1) to 520 k/s (MountainCarContinuous-v0),
 * docs/envs.md §4.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  fastStepper,
  listEnvs,
  makeEnv,
  type Action,
  type Env,
  type StepResult,
  type StepView,
} from "../../src/envs/index.js";
import { Rng } from "../../src/random/index.js";

export const name = "envs";

const SECONDS = Number(process.env.BENCH_ENV_SECONDS ?? 0.3);
const POOL = 4096;
const BATCH = 4096;
const CHILD_FLAG = "LOWRANK_ENVS_BENCH_CHILD";

export function snakeId(id: string): string {
  return id
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_|_$/g, "")
    .toLowerCase();
}

function actionPool(env: Env): Action[] {
  const rng = new Rng(12345);
  return Array.from({ length: POOL }, () => env.actionSpace.sample(rng) as Action);
}

function measure(env: Env, actions: Action[], fast: boolean, seconds: number): number {
  const stepper = fastStepper(env);
  env.reset({ seed: 0 });
  let steps = 0;
  let i = 0;
  const t0 = cpuMicros();
  const budget = seconds * 1e6;
  for (;;) {
    for (let k = 0; k < BATCH; k++) {
      const r: StepView | StepResult = fast ? stepper.stepInPlace(actions[i]) : env.step(actions[i]);
      i = (i + 1) & (POOL - 1);
      if (r.terminated || r.truncated) env.reset();
    }
    steps += BATCH;
    const dt = cpuMicros() - t0;
    if (dt >= budget) return (steps / dt) * 1e6;
  }
}

/** CPU time of this process in µs (user + system): steps per CPU second are far less sensitive to other jobs than wall time. */
function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Both rates of one env, measured in this process. */
export function measureEnv(id: string, seconds = SECONDS): { stepsPerS: number; inPlaceStepsPerS: number } {
  const env = makeEnv(id);
  const actions = actionPool(env);
  measure(env, actions, true, 0.05); // warm-up (JIT)
  const inPlaceStepsPerS = measure(env, actions, true, seconds);
  measure(env, actions, false, 0.05);
  const stepsPerS = measure(env, actions, false, seconds);
  return { stepsPerS, inPlaceStepsPerS };
}

function measureInChild(id: string): { stepsPerS: number; inPlaceStepsPerS: number } {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_FLAG]: id },
    encoding: "utf8",
    timeout: 120_000,
  });
  const line = (child.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as { stepsPerS: number; inPlaceStepsPerS: number };
  } catch {
    process.stderr.write(
      `bench envs: child process for ${id} failed (${child.stderr?.slice(0, 300)}); measuring in-process\n`,
    );
    return measureEnv(id);
  }
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const id of listEnvs()) {
    const r = measureInChild(id);
    const key = snakeId(id);
    out[`${key}_steps_per_s`] = r.stepsPerS;
    out[`${key}_in_place_steps_per_s`] = r.inPlaceStepsPerS;
  }
  return out;
}

const childId = process.env[CHILD_FLAG];
if (childId) process.stdout.write(`${JSON.stringify(measureEnv(childId))}\n`);
