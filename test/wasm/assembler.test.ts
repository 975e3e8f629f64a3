import { describe, expect, it } from "vitest";
import {
  CodeBuffer,
  F64,
  I32,
  V128,
  assembleModule,
  compileKernels,
  groupLocals,
  instantiateKernels,
  newMemory,
  op,
  sleb,
  uleb,
  wasmApi,
  wasmSimdAvailable,
} from "../../src/wasm/index.js";

describe("LEB128", () => {
  it("encodes unsigned values as in the spec's examples", () => {
    expect(uleb(0)).toEqual([0x00]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it("encodes signed values with the sign in bit 6 of the last byte", () => {
    expect(sleb(0)).toEqual([0x00]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe("instructions and locals", () => {
  it("encodes constants, memory accesses and SIMD opcodes", () => {
    expect(op.f64Const(1)).toEqual([0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(op.v128Load(16)).toEqual([0xfd, 0x00, 4, 16]);
    expect(op.f64x2Add).toEqual([0xfd, 0xf0, 0x01]);
    expect(op.i32Const(-1)).toEqual([0x41, 0x7f]);
  });

  it("groups runs of equal local types", () => {
    expect(groupLocals([I32, I32, V128, V128, V128, I32, F64])).toEqual([
      [2, I32],
      [3, V128],
      [1, I32],
      [1, F64],
    ]);
  });
});

describe("assembleModule", () => {
  // add(a, b, out): mem_f64[out] = mem_f64[a] + mem_f64[b] (byte addresses).
  const add = {
    name: "add",
    params: [I32, I32, I32] as const,
    locals: [],
    code: [
      ...op.localGet(2),
      ...op.localGet(0),
      ...op.f64Load(),
      ...op.localGet(1),
      ...op.f64Load(),
      ...op.f64Add,
      ...op.f64Store(),
    ],
  };

  it("starts with the magic number and version and validates", () => {
    const bytes = assembleModule([add]);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const api = wasmApi();
    expect(api).toBeDefined();
    expect(api?.validate(bytes)).toBe(true);
    expect(api?.validate(bytes.subarray(0, bytes.length - 1))).toBe(false);
  });

  it("runs a module that adds two numbers in its memory", () => {
    const module = compileKernels([add]);
    const memory = newMemory(1);
    expect(module).not.toBeNull();
    expect(memory).not.toBeNull();
    if (module === null || memory === null) return;
    const { add: run } = instantiateKernels<{ add: (a: number, b: number, out: number) => void }>(
      module,
      memory,
    );
    const f64 = new Float64Array(memory.buffer);
    f64[0] = 1.25;
    f64[1] = -0.5;
    run(0, 8, 16);
    expect(f64[2]).toBe(0.75);
  });

  it("detects SIMD support, which the project's Node has", () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  it("compileKernels returns null for a module the runtime rejects", () => {
    expect(compileKernels([{ ...add, code: [...op.f64Add] }])).toBeNull();
  });
});

describe("loop emitters", () => {
  // count(n, out): i32 at out ← number of iterations of the loop under test (params n, out; locals i, acc).
  const [N, OUT, I, ACC] = [0, 1, 2, 3];
  const counter = (name: string, loop: (c: CodeBuffer, body: () => void) => void) => {
    const c = new CodeBuffer();
    loop(c, () => c.emit(op.localGet(ACC), op.i32Const(1), op.i32Add, op.localSet(ACC)));
    c.emit(op.localGet(OUT), op.localGet(ACC), op.i32Store());
    return { name, params: [I32, I32] as const, locals: [[2, I32]] as const, code: c.bytes };
  };
  type Count = (n: number, out: number) => void;
  const memory = newMemory(1);
  const module = compileKernels([
    counter("forBelow", (c, body) => c.forBelow(I, N, 3, body)),
    counter("doWhileBelow", (c, body) => c.doWhileBelow(I, N, op.i32Const(4), body)),
    counter("countDown", (c, body) => c.countDown(I, N, 2, body)),
  ]);
  const run = (name: "forBelow" | "doWhileBelow" | "countDown", n: number): number => {
    if (module === null || memory === null) throw new Error("WebAssembly unavailable");
    const kernels = instantiateKernels<Record<typeof name, Count>>(module, memory);
    kernels[name](n, 0);
    return new Int32Array(memory.buffer)[0];
  };

  it("forBelow runs ⌈n / step⌉ times, none for n = 0", () => {
    expect([0, 1, 3, 7].map((n) => run("forBelow", n))).toEqual([0, 1, 1, 3]);
  });

  it("doWhileBelow runs at least once, then while the pointer is below the end", () => {
    expect([0, 4, 5, 12].map((n) => run("doWhileBelow", n))).toEqual([1, 1, 2, 3]);
  });

  it("countDown runs count / step times", () => {
    expect([2, 6, 10].map((n) => run("countDown", n))).toEqual([1, 3, 5]);
  });
});
