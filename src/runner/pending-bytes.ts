/**
 * Bytes a file writer has encoded but not yet written: appended to one buffer that grows as
 * needed (doubling), taken out whole by a flush. Encoding straight into it keeps the rows'
 * temporary strings and buffers short-lived, so a long run's pending output is one object for the
 * garbage collector instead of one per row.
 */
export class PendingBytes {
  private buffer: Buffer = Buffer.allocUnsafe(0);
  private view: DataView = new DataView(this.buffer.buffer, this.buffer.byteOffset, 0);
  /** Bytes [0, length) are pending. */
  length = 0;

  /** The buffer, with room for `n` more bytes after {@link length} (its earlier bytes kept). */
  reserve(n: number): Buffer {
    const need = this.length + n;
    if (need > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, 2 * this.buffer.length, 4096));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
    }
    return this.buffer;
  }

  /** A DataView of the buffer {@link reserve} last returned (its offsets are the buffer's). */
  dataView(): DataView {
    return this.view;
  }

  /** Appends `text` as UTF-8; returns its byte length. */
  appendText(text: string): number {
    const buffer = this.reserve(3 * text.length); // a UTF-16 code unit is at most 3 UTF-8 bytes
    const n = buffer.write(text, this.length, "utf8");
    this.length += n;
    return n;
  }

  /** The pending bytes (a view, valid until the next append). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Drops the pending bytes (the buffer is kept for reuse). */
  clear(): void {
    this.length = 0;
  }
}
