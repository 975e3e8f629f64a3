/**
 * DQN training throughput on MinAtar Breakout, as MinAtar's examples/dqn.py trains: one update per
 * frame, batch 32, centered RMSProp, Huber, target sync every 1000 updates, 100k uint8 replay,
 * sticky actions 0.1, ε-greedy acting (batch-1 forward) — everything a training frame costs, one core.
 * Each variant runs in its own child process (as a training run would; no megamorphic call sites
 * from the other variants). Rates are frames per CPU second after 1000 random frames and a JIT
 * warm-up; `BENCH_DQN_SECONDS` (default 3) sets the measuring time per variant, `BENCH_DQN_VARIANTS`
 * (comma-separated keys of VARIANTS) a subset.
 *
 * Keys: breakout_{dense,trl,lowrank}_frames_per_s (TRL and low-rank at ⅒ of the dense hidden
 * layer's parameters), breakout_cpconv_frames_per_s — all with float32 products as exp:breakout and
 * PyTorch train — breakout_{dense,trl}_f64_frames_per_s (float64 controls), and
 * *_vs_pytorch_ratio = rate / 444, the
 * PyTorch reference (OpenBLAS, 1 thread, same machine; docs/dqn.md §8).
 * Targets: dense ≥ 222 (ratio ≥ 0.5), TRL ≥ 444 (ratio ≥ 1).
 * The TRL paper's further changes (docs/dqn.md §15), float32 as exp:breakout trains them:
 * breakout_kfac_{dense,trl}_frames_per_s (K-FAC instead of RMSProp: one more backward per update for
 * the sampled Fisher, damped inverses every 10 updates), breakout_{dense,trl}_scattering_frames_per_s
 * (the fixed scattering layer instead of the conv) and breakout_kfac_trl_scattering_frames_per_s;
 * every variant also reports *_vs_dense_ratio = rate / the dense RMSProp rate of the same run.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { DqnAgent } from "../../src/dqn/agent.js";
import { minatarQNetwork, type ConvLayerSpec, type HiddenLayerSpec } from "../../src/dqn/networks.js";
import type { MatmulPrecision } from "../../src/factor/gemm.js";
import { MinAtarBreakout } from "../../src/envs/minatar-breakout.js";
import { Rng } from "../../src/random/rng.js";

export const name = "dqn";

const SECONDS = Number(process.env.BENCH_DQN_SECONDS ?? 3);
const CHILD_FLAG = "LOWRANK_DQN_BENCH_CHILD";
const PYTORCH_FRAMES_PER_S = 444;
const WARMUP_RANDOM_FRAMES = 1000;
const WARMUP_TRAIN_FRAMES = 300;

/** Variants as exp:breakout trains them (float32 products, like PyTorch), plus float64 controls. */
const VARIANTS: Record<
  string,
  {
    hidden: HiddenLayerSpec;
    conv?: ConvLayerSpec;
    precision: MatmulPrecision;
    kfac?: boolean;
    scattering?: boolean;
  }
> = {
  dense: { hidden: { kind: "dense" }, precision: "f32" },
  trl: { hidden: { kind: "trl", parameterFraction: 0.1 }, precision: "f32" },
  lowrank: { hidden: { kind: "lowrank", parameterFraction: 0.1 }, precision: "f32" },
  cpconv: { hidden: { kind: "dense" }, conv: { kind: "cp", parameterFraction: 0.5 }, precision: "f32" },
  dense_f64: { hidden: { kind: "dense" }, precision: "f64" },
  trl_f64: { hidden: { kind: "trl", parameterFraction: 0.1 }, precision: "f64" },
  kfac_dense: { hidden: { kind: "dense" }, precision: "f32", kfac: true },
  kfac_trl: { hidden: { kind: "trl", parameterFraction: 0.1 }, precision: "f32", kfac: true },
  dense_scattering: { hidden: { kind: "dense" }, precision: "f32", scattering: true },
  trl_scattering: { hidden: { kind: "trl", parameterFraction: 0.1 }, precision: "f32", scattering: true },
  kfac_trl_scattering: {
    hidden: { kind: "trl", parameterFraction: 0.1 },
    precision: "f32",
    kfac: true,
    scattering: true,
  },
};

/** K-FAC as exp:breakout's kfac-<network> variants run it (experiments/breakout.ts). */
const KFAC = { kind: "kfac" as const, lr: 0.1, damping: 0.01, inverseEvery: 10, klClip: 0.001 };

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Training frames per CPU second of one variant, measured in this process. */
export function measureVariant(variant: string, seconds = SECONDS): { framesPerS: number; frames: number } {
  const v = VARIANTS[variant];
  if (!v) throw new RangeError(`bench dqn: unknown variant "${variant}"`);
  const rng = new Rng(1);
  const netRng = rng.fork();
  const agent = new DqnAgent({
    makeNetwork: () =>
      minatarQNetwork({
        numActions: 6,
        rng: netRng,
        hiddenLayer: v.hidden,
        conv: v.conv,
        precision: v.precision,
        ...(v.scattering ? { frontEnd: { kind: "scattering" as const } } : {}),
      }),
    observationDtype: "uint8",
    config: { learningStarts: WARMUP_RANDOM_FRAMES, ...(v.kfac ? { optimizer: KFAC } : {}) },
  });
  const env = new MinAtarBreakout({ rng: rng.fork() });
  let obs = env.reset({ seed: 1 }).observation;
  let frame = 0;
  const step = (train: boolean): void => {
    frame++;
    const action = train ? agent.act(obs, agent.epsilon(frame), rng) : rng.integer(agent.numActions);
    const r = env.step(action);
    agent.observe(obs, action, r.reward, r.observation, r.terminated, r.truncated);
    obs = r.terminated || r.truncated ? env.reset().observation : r.observation;
    if (train) agent.update(rng);
  };
  for (let i = 0; i < WARMUP_RANDOM_FRAMES; i++) step(false);
  for (let i = 0; i < WARMUP_TRAIN_FRAMES; i++) step(true);
  const t0 = cpuMicros();
  let frames = 0;
  for (;;) {
    for (let i = 0; i < 20; i++) step(true);
    frames += 20;
    const dt = cpuMicros() - t0;
    if (dt >= seconds * 1e6) return { framesPerS: (frames / dt) * 1e6, frames };
  }
}

function measureInChild(variant: string): { framesPerS: number; frames: number } {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [CHILD_FLAG]: variant },
    encoding: "utf8",
    timeout: 300_000,
  });
  const line = (child.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as { framesPerS: number; frames: number };
  } catch {
    process.stderr.write(
      `bench dqn: child process for ${variant} failed (${child.stderr?.slice(0, 300)}); measuring in-process\n`,
    );
    return measureVariant(variant);
  }
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const only = process.env.BENCH_DQN_VARIANTS?.split(",").map((v) => v.trim());
  for (const variant of Object.keys(VARIANTS)) {
    if (only && !only.includes(variant)) continue;
    const r = measureInChild(variant);
    out[`breakout_${variant}_frames_per_s`] = r.framesPerS;
    out[`breakout_${variant}_vs_pytorch_ratio`] = r.framesPerS / PYTORCH_FRAMES_PER_S;
  }
  const dense = out.breakout_dense_frames_per_s;
  if (dense !== undefined)
    for (const variant of Object.keys(VARIANTS)) {
      const rate = out[`breakout_${variant}_frames_per_s`];
      if (variant !== "dense" && rate !== undefined) out[`breakout_${variant}_vs_dense_ratio`] = rate / dense;
    }
  out.breakout_pytorch_reference_frames_per_s = PYTORCH_FRAMES_PER_S;
  return out;
}

const childVariant = process.env[CHILD_FLAG];
if (childVariant) process.stdout.write(`${JSON.stringify(measureVariant(childVariant))}\n`);
