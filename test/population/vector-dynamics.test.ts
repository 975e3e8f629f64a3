import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { makeEnv } from "../../src/envs/registry.js";
import type { Env } from "../../src/envs/env.js";
import { openGpuRuntime, type GpuRuntime } from "../../src/factor/backend/index.js";
import {
  acrobotDynamics,
  kernelGrid,
  lowRankGaussianActKernel,
  pendulumDynamics,
  rocketDynamics,
  type VectorDynamics,
} from "../../src/population/index.js";
import { Discretizer } from "../../src/lrpg/discretizer.js";
import { Rng } from "../../src/random/rng.js";

/** Random states inside each env's typical range (the rocket keeps h ≥ 1, m in [0.6, 1], h_max ≥ h). */
function randomState(dyn: VectorDynamics, rng: Rng): number[] {
  switch (dyn.envId) {
    case "LRPG/Pendulum":
      return [rng.uniformRange(-0.9, 0.9), rng.uniformRange(-8, 8)];
    case "LRPG/Acrobot":
      return [
        rng.uniformRange(-3, 3),
        rng.uniformRange(-3, 3),
        rng.uniformRange(-12, 12),
        rng.uniformRange(-28, 28),
      ];
    default: {
      const h = 1 + rng.uniform() * 0.02;
      return [
        rng.uniformRange(-0.05, 0.12),
        h,
        rng.uniform() < 0.3 ? 0.6 : rng.uniformRange(0.6, 1),
        h + rng.uniform() * 0.005,
      ];
    }
  }
}

const dynamics: VectorDynamics[] = [pendulumDynamics, acrobotDynamics, rocketDynamics];

describe("vectorized env dynamics (float64) are bit-identical to the single envs", () => {
  for (const dyn of dynamics) {
    it(`${dyn.envId}: reset draws and one step from random states`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 1 << 30 }), fc.integer({ min: 1, max: 6 }), (seed, P) => {
          const rng = new Rng(seed);
          const S = dyn.stateDim;
          const envs: Env[] = [];
          const states = new Float64Array(P * S);
          for (let p = 0; p < P; p++) {
            const env = makeEnv(dyn.envId, { rng: new Rng(seed + p), maxEpisodeSteps: null });
            const obs = env.reset().observation;
            dyn.reset(states, p * S, new Rng(seed + p));
            expect(Array.from(states.subarray(p * S, p * S + dyn.obsDim))).toEqual(Array.from(obs));
            const s = randomState(dyn, rng);
            env.setState(s);
            states.set(s, p * S);
            envs.push(env);
          }
          const actions = Float64Array.from({ length: P }, () => rng.uniformRange(-3, 3));
          const active = Uint8Array.from({ length: P }, (_, p) => (p === 1 ? 0 : 1));
          const rewards = new Float64Array(P);
          const terminated = new Uint8Array(P);
          const before = Float64Array.from(states);
          dyn.stepCpu(states, actions, active, rewards, terminated, P);
          for (let p = 0; p < P; p++) {
            if (active[p] === 0) {
              expect(Array.from(states.subarray(p * S, p * S + S))).toEqual(
                Array.from(before.subarray(p * S, p * S + S)),
              );
              continue;
            }
            const r = envs[p].step(actions[p]);
            expect(Array.from(states.subarray(p * S, p * S + S))).toEqual(envs[p].getState());
            expect(rewards[p]).toBe(r.reward);
            expect(terminated[p] === 1).toBe(r.terminated);
          }
        }),
        { seed: 21, numRuns: 30 },
      );
    });
  }
});

describe("actionClip: a dynamics' step under clip(a) is its step under a", () => {
  it("the pendulum and the acrobot declare their torque bounds; the rocket declares none", () => {
    expect(pendulumDynamics.actionClip).toEqual([-2, 2]);
    expect(acrobotDynamics.actionClip).toEqual([-2, 2]);
    expect(rocketDynamics.actionClip).toBeUndefined();
  });

  for (const dyn of dynamics.filter((d) => d.actionClip !== undefined)) {
    it(`${dyn.envId}: random states, actions inside, on and far outside the bounds`, () => {
      const [lo, hi] = dyn.actionClip!;
      const rng = new Rng(8);
      const S = dyn.stateDim;
      for (let n = 0; n < 2000; n++) {
        const s = Float64Array.from(randomState(dyn, rng));
        const a = [lo, hi, -0, rng.uniformRange(3 * lo, 3 * hi), rng.uniformRange(lo, hi), 1e300, -Infinity][
          n % 7
        ];
        const clipped = a < lo ? lo : a > hi ? hi : a;
        const [x, y] = [Float64Array.from(s), Float64Array.from(s)];
        const [ox, oy] = [
          { reward: 0, terminated: false },
          { reward: 0, terminated: false },
        ];
        dyn.step(x, 0, a, ox);
        dyn.step(y, 0, clipped, oy);
        expect(Array.from(y.subarray(0, S))).toEqual(Array.from(x.subarray(0, S)));
        expect(oy).toEqual(ox);
      }
    });
  }
});

for (const mode of ["cpu", "webasm"] as const) {
  describe(`gpu.js ${mode}: env and policy kernels ≈ the float64 loops`, () => {
    let runtime: GpuRuntime | null = null;
    const open = async (): Promise<GpuRuntime> => (runtime ??= await openGpuRuntime(mode));
    afterAll(async () => {
      await runtime?.destroy();
    });

    for (const dyn of dynamics) {
      it(`${dyn.envId} step kernel`, async () => {
        const rt = await open();
        const kernel = rt.compile(dyn.stepKernel);
        const rng = new Rng(77);
        const P = 64;
        const S = dyn.stateDim;
        const states = new Float64Array(P * S);
        for (let p = 0; p < P; p++) states.set(randomState(dyn, rng), p * S);
        // Compare against float64 on the float32-rounded inputs, so only the kernel's arithmetic differs.
        // (The rocket's dry mass stays exactly 0.6 in float64, as the env clamps it; 0.6 → float32 is handled in the kernel.)
        for (let q = 0; q < states.length; q++) if (states[q] !== 0.6) states[q] = Math.fround(states[q]);
        const actions = Float64Array.from({ length: P }, () => Math.fround(rng.uniformRange(-3, 3)));
        // Only a subset of the copies, listed in reverse order (the compaction the population uses).
        const listed = Array.from({ length: P }, (_, p) => P - 1 - p).filter((p) => p % 3 !== 1);
        const out = await kernel.run(
          [S + 2, listed.length],
          Float32Array.from(listed),
          Float32Array.from(states),
          Float32Array.from(actions),
        );
        const rewards = new Float64Array(P);
        const terminated = new Uint8Array(P);
        const next = Float64Array.from(states);
        dyn.stepCpu(next, actions, new Uint8Array(P).fill(1), rewards, terminated, P);
        let flagMismatches = 0;
        for (let slot = 0; slot < listed.length; slot++) {
          const p = listed[slot];
          const o = slot * (S + 2);
          for (let c = 0; c < S; c++) {
            expect(Math.abs(out[o + c] - next[p * S + c]), `${dyn.envId} p=${p} c=${c}`).toBeLessThanOrEqual(
              1e-5 * Math.max(1, Math.abs(next[p * S + c])),
            );
          }
          if ((out[o + S + 1] > 0.5 ? 1 : 0) !== terminated[p]) flagMismatches++;
          else
            expect(Math.abs(out[o + S] - rewards[p])).toBeLessThanOrEqual(
              1e-4 * Math.max(1, Math.abs(rewards[p])),
            );
        }
        // A float32 rounding may flip a threshold test for a state right at the boundary; allow one.
        expect(flagMismatches).toBeLessThanOrEqual(1);
      });
    }

    it("policy kernel: grid cell, low-rank mean (± sigmoid), noise and clamp", async () => {
      const rt = await open();
      const kernel = rt.compile(lowRankGaussianActKernel, { loopMaxIterations: 1024 });
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1 << 30 }),
          fc.boolean(),
          fc.boolean(),
          async (seed, sigmoid, clamp) => {
            const rng = new Rng(seed);
            const grid = new Discretizer({
              low: [0, 1.0, 0.6],
              high: [0.12, 1.03, 1.0],
              buckets: [4, 3, 5],
              rowDims: [0],
              colDims: [2, 1],
            });
            const P = 8;
            const K = 3;
            const S = 4; // stride > observation dims, as the rocket's state
            const { rows: N, cols: M } = grid;
            const L = rng.fillNormal(new Float64Array(P * N * K));
            const R = rng.fillNormal(new Float64Array(P * M * K));
            const states = new Float64Array(P * S);
            for (let p = 0; p < P; p++) {
              for (let d = 0; d < S; d++) {
                const lo = d < 3 ? grid.low[d] : 0;
                const range = d < 3 ? grid.range[d] : 1;
                states[p * S + d] = Math.fround(lo + range * rng.uniformRange(-0.2, 1.2));
              }
            }
            const noise = rng.fillNormal(new Float64Array(P));
            const sigma = rng.fillUniform(new Float64Array(P), 0.1, 3);
            const kg = kernelGrid(grid);
            const listed = [5, 0, 7, 2, 3];
            const out = await kernel.run(
              listed.length,
              Float32Array.from(listed),
              Float32Array.from(states),
              Float32Array.from(noise),
              Float32Array.from(L),
              Float32Array.from(R),
              Float32Array.from(sigma),
              kg.low,
              kg.range,
              kg.steps,
              kg.axis,
              kg.mult,
              S,
              3,
              N,
              M,
              K,
              sigmoid ? 1 : 0,
              clamp ? 1 : 0,
              -0.5,
              0.5,
            );
            for (let x = 0; x < listed.length; x++) {
              const p = listed[x];
              const f = grid.flatCell(states, p * S);
              const i = Math.floor(f / M);
              const j = f - i * M;
              let z = 0;
              let zAbs = 0;
              for (let k = 0; k < K; k++) {
                z += L[(p * N + i) * K + k] * R[(p * M + j) * K + k];
                zAbs += Math.abs(L[(p * N + i) * K + k] * R[(p * M + j) * K + k]);
              }
              const mu = sigmoid ? 1 / (1 + Math.exp(-z)) : z;
              let a = mu + sigma[p] * noise[p];
              if (clamp) a = Math.min(Math.max(a, -0.5), 0.5);
              expect(Math.abs(out[x] - a)).toBeLessThanOrEqual(
                1e-5 * (zAbs + Math.abs(sigma[p] * noise[p]) + 1),
              );
            }
          },
        ),
        { seed: 22, numRuns: 15 },
      );
    });
  });
}
