import { join } from "node:path";
import {
  EventFileWriter,
  TENSORBOARD_DIR,
  type EventFileOffset,
  type EventWriterOptions,
  type Scalar,
} from "./tensorboard.js";

/** A metric row as the metric files hold it (column → value; absent values null or missing). */
type Row = Record<string, number | null | undefined>;

/**
 * The scalars of a metric row: every column with a CleanRL name (`charts/…`, `losses/…`,
 * `eval/…`, `spectrum/…`: the ones with a slash) that holds a number, under that name.
 * `episode` and `global_step` are not scalars: `global_step` is the event's step.
 */
export function rowScalars(row: Row): Scalar[] {
  const out: Scalar[] = [];
  for (const [tag, value] of Object.entries(row)) {
    if (isScalarColumn(tag) && typeof value === "number") out.push({ tag, value });
  }
  return out;
}

/** Whether a metric column is a TensorBoard scalar: a CleanRL name, one with a slash. */
export function isScalarColumn(column: string): boolean {
  return column.includes("/");
}

/** The step of a row's events: its global step (env steps or frames), else its episode, else `fallback`. */
export function rowStep(row: Row, fallback: number): number {
  if (typeof row.global_step === "number") return row.global_step;
  if (typeof row.episode === "number") return row.episode;
  return fallback;
}

/**
 * Mirrors a run's metric rows into `<run>/tb/events.out.tfevents.*` (one event per row with
 * scalars). A fresh run starts a new file; a resumed run continues the checkpoint's file cut
 * back to the checkpoint's offset, or, when that file is gone or does not match, rewrites one
 * from the metric rows the resume kept, so each row has exactly one event either way.
 */
export class MetricsEventSink {
  private readonly writer: EventFileWriter;
  private rows: number;

  private constructor(writer: EventFileWriter, rows: number) {
    this.writer = writer;
    this.rows = rows;
  }

  static create(runDir: string, options: EventWriterOptions = {}): MetricsEventSink {
    return new MetricsEventSink(EventFileWriter.create(join(runDir, TENSORBOARD_DIR), options), 0);
  }

  /**
   * Continues after a checkpoint: `offset` is the checkpoint's event-file offset (undefined in
   * checkpoints written before event files existed), `keptRows` the metric rows the resume kept.
   */
  static resume(
    runDir: string,
    offset: EventFileOffset | undefined,
    keptRows: readonly Row[],
    options: EventWriterOptions = {},
  ): MetricsEventSink {
    const dir = join(runDir, TENSORBOARD_DIR);
    const continued = offset ? EventFileWriter.resume(dir, offset, options) : null;
    if (continued) return new MetricsEventSink(continued, keptRows.length);
    const sink = new MetricsEventSink(EventFileWriter.create(dir, options), 0);
    for (const row of keptRows) sink.write(row);
    return sink;
  }

  /** Writes the rows the writer buffers (a buffered event file's; see `EventWriterOptions.buffered`). */
  flush(): void {
    this.writer.flush();
  }

  write(row: Row): void {
    this.rows += 1;
    const scalars = rowScalars(row);
    if (scalars.length > 0) this.writer.scalars(rowStep(row, this.rows), scalars);
  }

  /**
   * The event of a row whose scalars the caller has already picked (as {@link rowScalars} picks
   * them, in the same order): `count` of them, tags[i] (UTF-8 bytes) with values[i]; `step` as
   * {@link rowStep} gives it, or null to fall back on the row count. Same bytes as {@link write}.
   */
  writeScalars(
    step: number | null,
    tags: readonly Uint8Array[],
    values: ArrayLike<number>,
    count: number,
  ): void {
    this.rows += 1;
    if (count > 0) this.writer.scalarValues(step ?? this.rows, tags, values, count);
  }

  getOffset(): EventFileOffset {
    return this.writer.getOffset();
  }

  close(): void {
    this.writer.close();
  }
}
