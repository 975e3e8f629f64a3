/**
 * The cpu lockstep's per-episode update (REINFORCE with a value baseline, every agent) as one
 * WebAssembly function over the population's memory: the actors' and critics' factors and
 * gradients (placed together by `placeParameterGroup`) and the per-(agent, step) records the
 * rollout kept. It performs, agent by agent and t ascending, exactly the operations of
 * `CpuLockstep.agentGradients` (src/population/cpu-lockstep.ts; docs/performance.md, "Population"):
 *
 *   G_{T−1} = r_{T−1}, G_t = r_t + γ·G_{t+1};  with σ² and log σ given per agent,
 *   V_t = ((0 + L_c[i,0]R_c[j,0]) + L_c[i,1]R_c[j,1]) + …,  A_t = G_t − V_t,  d = a_t − z_t,
 *   w = (1/T)·A_t,  ℓ_A += −(−d²/(2σ²) − log σ − log√(2π))·A_t,  ∂z = w·(−d/σ²),
 *   ∂ρ += w·(1 − d²/σ²),  e = V_t − G_t,  ℓ_C += e²,  ∂V = (2/T)·e,
 *   ∂L_a[i,:] += ∂z·R_a[j,:], ∂R_a[j,:] += ∂z·L_a[i,:] (and the critic's with ∂V),
 *
 * each an IEEE double operation rounded once, as the JS evaluates it (WebAssembly never fuses
 * a·b + c; the read–add–writes of two gradient entries at a time on f64x2 lanes are two separate
 * scalar results). Every sum runs in t order, so the results are the JS loop's to the bit
 * (test/population/update-kernel.test.ts). For a Gaussian head with the identity mean (the
 * pendulum's and acrobot's); the sigmoid mean keeps the JS loop.
 */
import { CodeBuffer, F64, I32, V128, groupLocals, namedLocals, op, type ValueType } from "../wasm/assembler.js";
import { compileKernels, instantiateKernels, type WasmMemory } from "../wasm/runtime.js";
import { LOG_SQRT_2PI } from "../heads/gaussian.js";

/** Byte offsets of the lockstep's records in the population memory's scratch (16-byte aligned). */
export interface LockstepLayout {
  /** Per (agent, step) q = p·T + t: actor row, actor column, critic row, critic column (int32 element offsets). */
  readonly actorRow: number;
  readonly actorCol: number;
  readonly criticRow: number;
  readonly criticCol: number;
  /** Per q: z, the action, the reward (float64). */
  readonly z: number;
  readonly action: number;
  readonly reward: number;
  /** Per agent: episode length (int32); σ², log σ in; the actor's and critic's losses out (float64). */
  readonly length: number;
  readonly variance: number;
  readonly logSigma: number;
  readonly lossActor: number;
  readonly lossCritic: number;
  /** G_t of one agent (T float64). */
  readonly returns: number;
  /** Bytes in all. */
  readonly bytes: number;
}

/** The records' layout for P agents and T steps, from byte `start` on. */
export function lockstepLayout(P: number, T: number, start = 0): LockstepLayout {
  let at = start;
  const take = (bytes: number): number => {
    const here = at;
    at += Math.ceil(bytes / 16) * 16;
    return here;
  };
  const q = P * T;
  const layout = {
    actorRow: take(4 * q),
    actorCol: take(4 * q),
    criticRow: take(4 * q),
    criticCol: take(4 * q),
    z: take(8 * q),
    action: take(8 * q),
    reward: take(8 * q),
    length: take(4 * P),
    variance: take(8 * P),
    logSigma: take(8 * P),
    lossActor: take(8 * P),
    lossCritic: take(8 * P),
    returns: take(8 * T),
  };
  return { ...layout, bytes: at - start };
}

/** Where the factors sit (byte offsets in the same memory) and the sizes the kernel is built for. */
export interface UpdateKernelSpec {
  readonly agents: number;
  readonly maxSteps: number;
  /** K, the (padded) rank of the actors' and of the critics' factors. */
  readonly rank: number;
  readonly criticRank: number;
  readonly gamma: number;
  readonly actor: FactorPointers;
  readonly critic: FactorPointers;
  /** ∂J/∂ρ_p is written at logSigmaGrad + 8p. */
  readonly logSigmaGrad: number;
  readonly layout: LockstepLayout;
}

/** Byte offsets of L, R and their gradients. */
export interface FactorPointers {
  readonly L: number;
  readonly R: number;
  readonly gradL: number;
  readonly gradR: number;
}

/** `update()`: every agent's gradients and losses from the records (see the module comment). */
export function buildUpdateKernel(spec: UpdateKernelSpec, memory: WasmMemory): (() => void) | null {
  const { agents: P, maxSteps: T, rank, criticRank, gamma, actor, critic, layout: at } = spec;
  const ints = ["p", "Tp", "base", "t", "q", "ia", "ja", "ic", "jc"];
  const doubles = [
    "g",
    "variance",
    "twoVariance",
    "logSigma",
    "TpF",
    "invT",
    "norm",
    "lossA",
    "gRho",
    "lossC",
  ];
  doubles.push("v", "Gt", "adv", "d", "w", "gz", "e", "gc");
  const vectors = ["gzs", "gcs"];
  const names = [...ints, ...doubles, ...vectors];
  const types: ValueType[] = [
    ...ints.map((): ValueType => I32),
    ...doubles.map((): ValueType => F64),
    ...vectors.map((): ValueType => V128),
  ];
  const { get, set } = namedLocals(names, "update kernel");
  const c = new CodeBuffer();
  /** `while (a < b) { body(); }` on i32 locals or expressions (unsigned). */
  const whileBelow = (cond: () => void, body: () => void) => {
    c.emit(op.block, op.loop);
    cond();
    c.emit(op.i32Eqz, op.brIf(1));
    body();
    c.emit(op.br(0), op.end, op.end);
  };
  /** Pushes the f64 at byte `base + 8·local[index]`. */
  const f64At = (base: number, index: string) =>
    c.emit(get(index), op.i32Const(3), op.i32Shl, op.f64Load(base));
  /** Pushes the int32 element offset stored at `base + 4·q`, as a byte offset (×8). */
  const offsetAt = (base: number) =>
    c.emit(get("q"), op.i32Const(2), op.i32Shl, op.i32Load(base), op.i32Const(3), op.i32Shl);
  /** ∂row[:] += s·other[:] for both factors of one parametrization at byte offsets i (L) and j (R). */
  const accumulate = (f: FactorPointers, K: number, i: string, j: string, s: string, splat: string) => {
    let k = 0;
    for (; k + 2 <= K; k += 2) {
      c.emit(get(i), get(i), op.v128Load(f.gradL + 8 * k), get(splat), get(j), op.v128Load(f.R + 8 * k));
      c.emit(op.f64x2Mul, op.f64x2Add, op.v128Store(f.gradL + 8 * k));
      c.emit(get(j), get(j), op.v128Load(f.gradR + 8 * k), get(splat), get(i), op.v128Load(f.L + 8 * k));
      c.emit(op.f64x2Mul, op.f64x2Add, op.v128Store(f.gradR + 8 * k));
    }
    for (; k < K; k++) {
      c.emit(get(i), get(i), op.f64Load(f.gradL + 8 * k), get(s), get(j), op.f64Load(f.R + 8 * k));
      c.emit(op.f64Mul, op.f64Add, op.f64Store(f.gradL + 8 * k));
      c.emit(get(j), get(j), op.f64Load(f.gradR + 8 * k), get(s), get(i), op.f64Load(f.L + 8 * k));
      c.emit(op.f64Mul, op.f64Add, op.f64Store(f.gradR + 8 * k));
    }
  };

  c.emit(op.i32Const(0), set("p"));
  whileBelow(
    () => c.emit(get("p"), op.i32Const(P), op.i32LtU),
    () => {
      c.emit(get("p"), op.i32Const(2), op.i32Shl, op.i32Load(at.length), set("Tp"));
      c.emit(get("p"), op.i32Const(T), op.i32Mul, set("base"));
      // G_{T−1} = r_{T−1}; G_t = r_t + γ·G_{t+1} for t = T − 2 … 0.
      c.emit(get("Tp"), op.i32Const(1), op.i32Sub, set("t"));
      c.emit(get("base"), get("t"), op.i32Add, set("q"));
      f64At(at.reward, "q");
      c.emit(set("g"), get("t"), op.i32Const(3), op.i32Shl, get("g"), op.f64Store(at.returns));
      whileBelow(
        () => c.emit(op.i32Const(0), get("t"), op.i32LtU),
        () => {
          c.emit(get("t"), op.i32Const(1), op.i32Sub, set("t"));
          c.emit(get("base"), get("t"), op.i32Add, set("q"));
          f64At(at.reward, "q");
          c.emit(op.f64Const(gamma), get("g"), op.f64Mul, op.f64Add, set("g"));
          c.emit(get("t"), op.i32Const(3), op.i32Shl, get("g"), op.f64Store(at.returns));
        },
      );
      f64At(at.variance, "p");
      c.emit(set("variance"));
      f64At(at.logSigma, "p");
      c.emit(set("logSigma"));
      c.emit(op.f64Const(2), get("variance"), op.f64Mul, set("twoVariance"));
      c.emit(get("Tp"), op.f64ConvertI32S, set("TpF"));
      c.emit(op.f64Const(1), get("TpF"), op.f64Div, set("invT"));
      c.emit(op.f64Const(2), get("TpF"), op.f64Div, set("norm"));
      for (const s of ["lossA", "gRho", "lossC"]) c.emit(op.f64Const(0), set(s));
      c.emit(op.i32Const(0), set("t"));
      whileBelow(
        () => c.emit(get("t"), get("Tp"), op.i32LtU),
        () => {
          c.emit(get("base"), get("t"), op.i32Add, set("q"));
          offsetAt(at.criticRow);
          c.emit(set("ic"));
          offsetAt(at.criticCol);
          c.emit(set("jc"));
          // V = ((0 + L[i,0]·R[j,0]) + L[i,1]·R[j,1]) + …
          c.emit(op.f64Const(0));
          for (let k = 0; k < criticRank; k++) {
            c.emit(get("ic"), op.f64Load(critic.L + 8 * k), get("jc"), op.f64Load(critic.R + 8 * k));
            c.emit(op.f64Mul, op.f64Add);
          }
          c.emit(set("v"));
          f64At(at.returns, "t");
          c.emit(set("Gt"), get("Gt"), get("v"), op.f64Sub, set("adv"));
          // d = a − μ with μ = z
          f64At(at.action, "q");
          f64At(at.z, "q");
          c.emit(op.f64Sub, set("d"));
          c.emit(get("invT"), get("adv"), op.f64Mul, set("w"));
          // ℓ_A += −(−d²/(2σ²) − log σ − log√(2π))·A
          c.emit(get("lossA"), get("d"), get("d"), op.f64Mul, op.f64Neg, get("twoVariance"), op.f64Div);
          c.emit(get("logSigma"), op.f64Sub, op.f64Const(LOG_SQRT_2PI), op.f64Sub, op.f64Neg);
          c.emit(get("adv"), op.f64Mul, op.f64Add, set("lossA"));
          // ∂z = w·(−d/σ²); ∂ρ += w·(1 − d²/σ²)
          c.emit(get("w"), get("d"), op.f64Neg, get("variance"), op.f64Div, op.f64Mul, set("gz"));
          c.emit(get("gRho"), get("w"), op.f64Const(1), get("d"), get("d"), op.f64Mul, get("variance"));
          c.emit(op.f64Div, op.f64Sub, op.f64Mul, op.f64Add, set("gRho"));
          // e = V − G; ℓ_C += e²; ∂V = (2/T)·e
          c.emit(get("v"), get("Gt"), op.f64Sub, set("e"));
          c.emit(get("lossC"), get("e"), get("e"), op.f64Mul, op.f64Add, set("lossC"));
          c.emit(get("norm"), get("e"), op.f64Mul, set("gc"));
          offsetAt(at.actorRow);
          c.emit(set("ia"));
          offsetAt(at.actorCol);
          c.emit(set("ja"));
          c.emit(get("gz"), op.f64x2Splat, set("gzs"), get("gc"), op.f64x2Splat, set("gcs"));
          accumulate(actor, rank, "ia", "ja", "gz", "gzs");
          accumulate(critic, criticRank, "ic", "jc", "gc", "gcs");
          c.emit(get("t"), op.i32Const(1), op.i32Add, set("t"));
        },
      );
      c.emit(get("p"), op.i32Const(3), op.i32Shl, get("gRho"), op.f64Store(spec.logSigmaGrad));
      c.emit(
        get("p"),
        op.i32Const(3),
        op.i32Shl,
        get("lossA"),
        get("TpF"),
        op.f64Div,
        op.f64Store(at.lossActor),
      );
      c.emit(
        get("p"),
        op.i32Const(3),
        op.i32Shl,
        get("lossC"),
        get("TpF"),
        op.f64Div,
        op.f64Store(at.lossCritic),
      );
      c.emit(get("p"), op.i32Const(1), op.i32Add, set("p"));
    },
  );
  const module = compileKernels([{ name: "update", params: [], locals: groupLocals(types), code: c.bytes }]);
  if (module === null) return null;
  return instantiateKernels<{ update: () => void }>(module, memory).update;
}
