/**
 * Reusable per-batch-size output/scratch buffers: a layer called alternately at batch 1 (acting)
 * and batch 32 (training) keeps one Float64Array per batch size instead of reallocating.
 * A buffer returned by `get` is overwritten by the next call with the same batch size.
 */
export class BatchBuffer {
  private readonly byBatch = new Map<number, Float64Array>();

  constructor(readonly perSample: number) {}

  get(batch: number): Float64Array {
    let buf = this.byBatch.get(batch);
    if (buf === undefined) {
      buf = new Float64Array(this.perSample * batch);
      this.byBatch.set(batch, buf);
    }
    return buf;
  }
}
