import type { Layer } from "../nn/layer.js";
import type { Parameter } from "../optim/parameter.js";

/**
 * Permutes each sample from channels-last (H, W, C) — the layout of MinAtar observations — to the
 * channels-first (C, H, W) layout of src/nn's convolutions: y[c, h, w] = x[h, w, c].
 * Backward applies the inverse permutation. No parameters.
 */
export class ChannelsLastToFirst implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly parameters: readonly Parameter[] = [];
  readonly parameterCount = 0;
  private readonly size: number;
  private readonly out = new Map<number, Float64Array>();
  private readonly gradIn = new Map<number, Float64Array>();

  constructor(height: number, width: number, channels: number, name = "hwc_to_chw") {
    for (const [field, v] of [
      ["height", height],
      ["width", width],
      ["channels", channels],
    ] as const) {
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`ChannelsLastToFirst: ${field} must be an integer >= 1, got ${v}`);
    }
    this.name = name;
    this.inputShape = [height, width, channels];
    this.outputShape = [channels, height, width];
    this.size = height * width * channels;
  }

  private buffer(map: Map<number, Float64Array>, batch: number): Float64Array {
    let b = map.get(batch);
    if (!b) map.set(batch, (b = new Float64Array(batch * this.size)));
    return b;
  }

  private check(x: Float64Array, batch: number, what: string): void {
    if (!Number.isInteger(batch) || batch < 1 || x.length !== batch * this.size) {
      throw new RangeError(
        `${this.name}: ${what} must have batch × ${this.size} = ${batch * this.size} entries, got ${x.length}`,
      );
    }
  }

  forward(x: Float64Array, batch: number): Float64Array {
    this.check(x, batch, "input");
    const [H, W, C] = this.inputShape;
    const y = this.buffer(this.out, batch);
    const HW = H * W;
    for (let n = 0; n < batch; n++) {
      const base = n * this.size;
      for (let p = 0; p < HW; p++) {
        for (let c = 0; c < C; c++) y[base + c * HW + p] = x[base + p * C + c];
      }
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    this.check(gradOut, batch, "gradOut");
    const [H, W, C] = this.inputShape;
    const g = this.buffer(this.gradIn, batch);
    const HW = H * W;
    for (let n = 0; n < batch; n++) {
      const base = n * this.size;
      for (let p = 0; p < HW; p++) {
        for (let c = 0; c < C; c++) g[base + p * C + c] = gradOut[base + c * HW + p];
      }
    }
    return g;
  }
}
