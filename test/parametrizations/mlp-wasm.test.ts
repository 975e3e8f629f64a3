import { describe, expect, it } from "vitest";
import { MLP_KERNEL_MAX_BATCH, ReluMlpKernels } from "../../src/parametrizations/mlp-wasm.js";
import { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";
import { makeEnv } from "../../src/envs/index.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import { PAPER_TASKS } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";
import { wasmSimdAvailable } from "../../src/wasm/index.js";

/** Two equal S→H→1 nets: one on the f64x2 kernels, one on the scalar loops. */
function pair(H: number, seed: number, S = 2): [ScalarMlp, ScalarMlp] {
  const fast = new ScalarMlp(S, H, "f");
  const slow = new ScalarMlp(S, H, "f", { kernels: false });
  fast.initTorchDefault(new Rng(seed));
  slow.initTorchDefault(new Rng(seed));
  return [fast, slow];
}

function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Forward, batch forward and backward of both nets on (x, g); whether every output and gradient has the same bits. */
function agree(fast: ScalarMlp, slow: ScalarMlp, x: Float64Array, g: Float64Array): boolean {
  const T = g.length;
  const S = fast.inputDim;
  for (let t = 0; t < T; t++) if (!Object.is(fast.forward(x, S * t), slow.forward(x, S * t))) return false;
  const yf = new Float64Array(T);
  const ys = new Float64Array(T);
  fast.forwardBatch(x, T, yf);
  slow.forwardBatch(x, T, ys);
  if (!sameBits(yf, ys)) return false;
  fast.backwardBatch(g);
  slow.backwardBatch(g);
  return fast.parameters.every((p, i) => sameBits(p.grad, slow.parameters[i].grad));
}

describe.skipIf(!wasmSimdAvailable())("ScalarMlp f64x2 kernels (S → H → 1, ReLU)", () => {
  it("hold the parameters of a ReLU net whose width is a multiple of 4, and only those", () => {
    expect(ReluMlpKernels.create(2, 512)).not.toBeNull();
    expect(ReluMlpKernels.create(3, 128)).not.toBeNull();
    expect(ReluMlpKernels.create(2, 6)).toBeNull();
    expect(new ScalarMlp(2, 8, "t", { activation: "tanh" }).w1.data.buffer.byteLength).toBe(16 * 8);
    const [fast, slow] = pair(8, 1);
    expect(sameBits(fast.w1.data, slow.w1.data)).toBe(true);
    expect(fast.w1.data.buffer).not.toBe(slow.w1.data.buffer);
    expect(fast.w1.data.buffer).toBe(fast.b2.grad.buffer);
  });

  it("forward, batch forward and backward equal the scalar loops bit for bit (odd and even T, repeated batches)", () => {
    const rng = new Rng(7);
    for (const H of [4, 12, 512]) {
      const [fast, slow] = pair(H, H);
      for (const T of [1, 2, 37, 200]) {
        const x = rng.fillNormal(new Float64Array(2 * T));
        for (let i = 0; i < x.length; i++) x[i] *= 3;
        const g = rng.fillNormal(new Float64Array(T));
        expect(agree(fast, slow, x, g)).toBe(true);
      }
      // The kernels did work: the gradients are not all zero.
      expect(fast.w1.grad.some((v) => v !== 0)).toBe(true);
    }
  });

  it("gate like `if (u > 0)`: u = ±0, NaN or ±∞ pre-activations, zero and −0 inputs, non-finite upstream gradients", () => {
    const rng = new Rng(11);
    const [fast, slow] = pair(16, 3);
    for (const net of [fast, slow]) {
      net.b1.data[0] = 0; // u = 0 at x = 0
      net.b1.data[1] = -0;
      net.b1.data[2] = Infinity;
      net.b1.data[3] = -Infinity;
      net.b1.data[5] = 1e308;
      net.w1.data[10] = 1e308;
    }
    const x = Float64Array.from([0, 0, -0, -0, 1, -2, 1e300, 3, -1e300, 1, 0.5, 0.25]);
    const g = Float64Array.from([1, -0, Infinity, 0.5, NaN, -2]);
    expect(agree(fast, slow, x, g)).toBe(true);
    const x2 = Float64Array.from([Infinity, 1, 2, -Infinity]);
    expect(agree(fast, slow, x2, rng.fillNormal(new Float64Array(2)))).toBe(true);
    for (const net of [fast, slow]) net.w2.data[4] = -Infinity; // an inactive unit's w₂·(+0) is NaN
    expect(agree(fast, slow, x, rng.fillNormal(new Float64Array(6)))).toBe(true);
  });

  it("other input sizes (1, 3, 4, 5): the general kernels equal the general scalar loops bit for bit", () => {
    const rng = new Rng(19);
    for (const S of [1, 3, 4, 5]) {
      for (const H of [4, 32, 128]) {
        const [fast, slow] = pair(H, 100 * S + H, S);
        expect(fast.w1.data.buffer.byteLength % 65536).toBe(0); // on the kernels' WebAssembly memory
        for (const T of [1, 6, 37]) {
          const x = rng.fillNormal(new Float64Array(S * T));
          const g = rng.fillNormal(new Float64Array(T));
          expect(agree(fast, slow, x, g)).toBe(true);
        }
        expect(fast.w1.grad.some((v) => v !== 0)).toBe(true);
      }
      // Edge values: u = ±0, ±∞, NaN; x = −0, ±∞; g = NaN.
      const [fast, slow] = pair(8, S, S);
      for (const net of [fast, slow]) {
        net.b1.data[0] = 0;
        net.b1.data[1] = -0;
        net.b1.data[2] = Infinity;
        net.b1.data[3] = -Infinity;
      }
      const x = rng.fillNormal(new Float64Array(S * 4));
      x[0] = -0;
      expect(agree(fast, slow, x, Float64Array.from([1, -0, 2, -1]))).toBe(true);
      x[S] = Infinity;
      expect(agree(fast, slow, x, Float64Array.from([1, NaN, 2, -1]))).toBe(true);
    }
  });

  it("batches longer than the kernels' scratch take the scalar loops, with the same results", () => {
    const rng = new Rng(13);
    const [fast, slow] = pair(8, 5);
    const T = MLP_KERNEL_MAX_BATCH + 3;
    const x = rng.fillNormal(new Float64Array(2 * T));
    const g = rng.fillNormal(new Float64Array(T));
    expect(agree(fast, slow, x, g)).toBe(true);
  });

  it.each(["pendulum", "acrobot", "rocket"] as const)(
    "the %s NN baseline trains to the same bits with and without the kernels",
    (task) => {
      const spec = PAPER_TASKS[task];
      const train = (kernels: boolean) => {
        const rng = new Rng(21);
        const agent = new NnGaussianAgent({
          stateDim: spec.stateDim,
          ...spec.nn,
          gamma: spec.gamma,
          rng,
          kernels,
        });
        const env = makeEnv(spec.envId, { rng: rng.fork() });
        const r = trainReinforce({
          env,
          agent,
          rng,
          episodes: task === "pendulum" ? 25 : 5,
          maxSteps: spec.maxSteps,
        });
        return { returns: r.returns, params: agent.exportStateDict() };
      };
      const fast = train(true);
      const slow = train(false);
      expect(fast.returns).toHaveLength(task === "pendulum" ? 25 : 5);
      expect(fast.returns.every((x, i) => Object.is(x, slow.returns[i]))).toBe(true);
      expect(fast.params).toEqual(slow.params);
    },
  );

  it("gradients match central finite differences of J = Σ_t g_t y_t", () => {
    const rng = new Rng(17);
    const net = new ScalarMlp(2, 8, "f");
    net.initTorchDefault(rng);
    const T = 5;
    const x = rng.fillNormal(new Float64Array(2 * T));
    const g = rng.fillNormal(new Float64Array(T));
    const y = new Float64Array(T);
    const J = () => {
      net.forwardBatch(x, T, y);
      return y.reduce((s, v, t) => s + g[t] * v, 0);
    };
    J();
    net.backwardBatch(g);
    const eps = 1e-6;
    for (const p of net.parameters) {
      for (let i = 0; i < p.data.length; i++) {
        const keep = p.data[i];
        p.data[i] = keep + eps;
        const up = J();
        p.data[i] = keep - eps;
        const down = J();
        p.data[i] = keep;
        expect(p.grad[i]).toBeCloseTo((up - down) / (2 * eps), 6);
      }
    }
  });
});
