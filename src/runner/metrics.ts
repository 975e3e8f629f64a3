import { createHash, type Hash } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { FileWriteError } from "./atomic-file.js";
import { CorruptCheckpointError } from "./checkpoint.js";
import { RUN_FILES } from "./run-dir.js";
import { tagBytes, type EventFileOffset, type EventWriterOptions } from "./tensorboard.js";
import { isScalarColumn, MetricsEventSink } from "./tensorboard-metrics.js";
import { PendingBytes } from "./pending-bytes.js";
import { parseJsonLines } from "./json-file.js";

/**
 * CleanRL-style metric names (cleanrl/*.py `writer.add_scalar(...)`): one row per episode,
 * keyed by the episode number (1-based) and the env steps so far.
 */
export const METRIC = {
  episodicReturn: "charts/episodic_return",
  episodicLength: "charts/episodic_length",
  sps: "charts/SPS",
  learningRateActor: "charts/learning_rate_actor",
  learningRateCritic: "charts/learning_rate_critic",
  lossActor: "losses/actor",
  lossCritic: "losses/critic",
  evalReturn: "eval/episodic_return",
} as const;

/** The CSV's leading columns: the episode number, then its return. */
export const DEFAULT_METRIC_COLUMNS: readonly string[] = [
  "episode",
  METRIC.episodicReturn,
  METRIC.episodicLength,
  "global_step",
  METRIC.sps,
  METRIC.lossActor,
  METRIC.lossCritic,
  METRIC.learningRateActor,
  METRIC.learningRateCritic,
  METRIC.evalReturn,
];

export type MetricRow = Record<string, number | null>;

/**
 * Byte lengths of the two metric files; a checkpoint stores them to cut the files back on resume.
 * `jsonlSha256` / `csvSha256`: SHA-256 of those leading bytes, so resume can check that the
 * part it keeps is what was written (absent in checkpoints written before they existed).
 */
export interface MetricsOffset {
  jsonlBytes: number;
  csvBytes: number;
  rows: number;
  jsonlSha256?: string;
  csvSha256?: string;
  /** The TensorBoard event file and its length (when the run writes one). */
  tensorboard?: EventFileOffset;
}

export interface MetricsWriterOptions {
  /** Also write every row's scalars to `<dir>/tb/events.out.tfevents.*` (true, or the writer's clock and host). */
  tensorboard?: boolean | EventWriterOptions;
}

/**
 * Checks that the first `bytes` bytes of a metric file are what a checkpoint recorded: a whole
 * number of lines, `lines` of them, none ending in CR, and (when the checkpoint carries one) the
 * same SHA-256. Throws a one-line {@link CorruptCheckpointError} naming the file otherwise.
 */
function verifyPrefix(path: string, bytes: number, lines: number, sha256: string | undefined): Buffer {
  const refuse = (why: string) =>
    new CorruptCheckpointError(
      `${path}: ${why}; the file does not match the checkpoint (it was edited or rewritten), so resume refuses to cut it`,
    );
  if (!existsSync(path) || statSync(path).size < bytes)
    throw refuse(`shorter than the checkpoint's metrics offset (${bytes} bytes)`);
  const prefix = readFileSync(path).subarray(0, bytes);
  if (sha256 !== undefined) {
    const digest = createHash("sha256").update(prefix).digest("hex");
    if (digest !== sha256) throw refuse(`its first ${bytes} bytes differ from what was written (sha256)`);
  }
  if (bytes > 0 && prefix[bytes - 1] !== 0x0a)
    throw refuse(`byte ${bytes} (the checkpoint's offset) does not end a line`);
  let count = 0;
  for (let i = prefix.indexOf(0x0a); i >= 0; i = prefix.indexOf(0x0a, i + 1)) {
    if (i > 0 && prefix[i - 1] === 0x0d) throw refuse("it has CRLF line endings");
    count++;
  }
  if (count !== lines) throw refuse(`its first ${bytes} bytes hold ${count} lines, the checkpoint ${lines}`);
  return prefix;
}

/** Longest a row waits in memory before {@link MetricsWriter} writes it (ms). */
export const METRICS_FLUSH_MS = 1000;
/** Buffered bytes (both files together) at which {@link MetricsWriter} writes at once. */
const METRICS_FLUSH_BYTES = 1 << 16;

/** Writers with buffered rows, flushed when the process exits. */
const unflushed = new Set<MetricsWriter>();
let exitHook = false;

function flushAtExit(): void {
  for (const w of unflushed) {
    try {
      w.flush();
    } catch {
      // Exiting anyway: resume regenerates the rows after the last checkpoint.
    }
  }
}

/**
 * Appends metric rows to `metrics.jsonl` (one JSON object per line, absent values omitted) and
 * `metrics.csv` (fixed columns, empty cells for absent values). Numbers are written with
 * JavaScript's shortest round-trip formatting, so parsing them back gives the same doubles.
 *
 * Rows are buffered and written together (one write per file): at least every
 * {@link METRICS_FLUSH_MS} while rows arrive (and by a timer when the event loop runs), once 64 KiB
 * are waiting, by {@link getOffset} (which a checkpoint records, so every checkpointed row is on
 * disk), by {@link close}, and when the process exits. A killed process loses at most the rows
 * after the last checkpoint, which resume cuts back and trains again in any case.
 */
export class MetricsWriter {
  readonly columns: readonly string[];
  private readonly columnSet: ReadonlySet<string>;
  /** Each column's JSON key with its colon (`"name":`). */
  private readonly jsonKeys: readonly string[];
  /** Each column's TensorBoard tag bytes, or null for columns that are not scalars (see rowScalars). */
  private readonly scalarTags: readonly (Uint8Array | null)[];
  /** The current row's scalars (tags and values), filled by {@link write}. */
  private readonly rowTags: Uint8Array[];
  private readonly rowValues: Float64Array;
  /** Rows formatted but not yet written: their JSONL and CSV bytes, count and byte total. */
  private readonly pendingJsonl = new PendingBytes();
  private readonly pendingCsv = new PendingBytes();
  private pendingRows = 0;
  private pendingBytes = 0;
  private lastFlush = performance.now();
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** The error of a failed write: later writes and flushes throw it again. */
  private failure: Error | null = null;
  private readonly jsonlFd: number;
  private readonly dir: string;
  private readonly jsonlPath: string;
  private readonly csvPath: string;
  private readonly csvFd: number;
  private offset: MetricsOffset;
  /** Running SHA-256 of each file's bytes so far. */
  private readonly jsonlHash: Hash;
  private readonly csvHash: Hash;
  /** The TensorBoard mirror of the rows, if asked for. */
  private readonly events: MetricsEventSink | null = null;

  private constructor(
    dir: string,
    columns: readonly string[],
    offset: MetricsOffset | null,
    options: MetricsWriterOptions = {},
  ) {
    const index = columns.find((c) => /^(0|[1-9]\d*)$/.test(c) && Number(c) < 2 ** 32 - 1);
    if (index !== undefined)
      throw new RangeError(`metrics: column "${index}" is an array index; JSON objects would list it first`);
    this.columns = columns;
    this.columnSet = new Set(columns);
    this.jsonKeys = columns.map((c) => JSON.stringify(c) + ":");
    this.scalarTags = columns.map((c) => (isScalarColumn(c) ? tagBytes(c) : null));
    this.rowTags = [];
    this.rowValues = new Float64Array(columns.length);
    const tb0 = options.tensorboard === true ? {} : options.tensorboard || null;
    const tb = tb0 && { ...tb0, buffered: true };
    const jsonlPath = join(dir, RUN_FILES.metricsJsonl);
    const csvPath = join(dir, RUN_FILES.metricsCsv);
    this.dir = dir;
    this.jsonlPath = jsonlPath;
    this.csvPath = csvPath;
    if (offset === null) {
      this.jsonlFd = openSync(jsonlPath, "w");
      this.csvFd = openSync(csvPath, "w");
      const header = columns.join(",") + "\n";
      try {
        writeSync(this.csvFd, header);
      } catch (err) {
        throw new FileWriteError(csvPath, err, "the run's metric files are empty");
      }
      this.jsonlHash = createHash("sha256");
      this.csvHash = createHash("sha256").update(header);
      this.offset = { jsonlBytes: 0, csvBytes: Buffer.byteLength(header), rows: 0 };
      if (tb) this.events = MetricsEventSink.create(dir, tb);
    } else {
      // Both files are checked before either is cut: a file that does not match is left as it is.
      const jsonlPrefix = verifyPrefix(jsonlPath, offset.jsonlBytes, offset.rows, offset.jsonlSha256);
      const csvPrefix = verifyPrefix(csvPath, offset.csvBytes, offset.rows + 1, offset.csvSha256);
      this.jsonlHash = createHash("sha256").update(jsonlPrefix);
      this.csvHash = createHash("sha256").update(csvPrefix);
      this.jsonlFd = openSync(jsonlPath, "r+");
      this.csvFd = openSync(csvPath, "r+");
      ftruncateSync(this.jsonlFd, offset.jsonlBytes);
      ftruncateSync(this.csvFd, offset.csvBytes);
      this.offset = { jsonlBytes: offset.jsonlBytes, csvBytes: offset.csvBytes, rows: offset.rows };
      if (tb) {
        const kept = jsonlPrefix
          .toString("utf8")
          .split("\n")
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as MetricRow);
        this.events = MetricsEventSink.resume(dir, offset.tensorboard, kept, tb);
      }
    }
  }

  /** Starts fresh metric files in `dir`. */
  static create(
    dir: string,
    columns: readonly string[] = DEFAULT_METRIC_COLUMNS,
    options: MetricsWriterOptions = {},
  ): MetricsWriter {
    return new MetricsWriter(dir, columns, null, options);
  }

  /** Reopens the metric files of `dir`, cutting them back to `offset` (rows after a checkpoint are dropped). */
  static resume(
    dir: string,
    offset: MetricsOffset,
    columns: readonly string[] = DEFAULT_METRIC_COLUMNS,
    options: MetricsWriterOptions = {},
  ): MetricsWriter {
    return new MetricsWriter(dir, columns, offset, options);
  }

  /** Formats `row` and buffers it (see the class comment for when it is written). */
  write(row: MetricRow): void {
    if (this.failure) throw this.failure;
    for (const key in row) {
      if (!this.columnSet.has(key))
        throw new Error(`metrics: unknown column "${key}" (known: ${this.columns.join(", ")})`);
    }
    // The JSONL line is what JSON.stringify gives for the row's non-null values in column order
    // (no column is an array index, so an object would keep that order), and each number is
    // formatted once for both files: JSON writes a finite number as String() does, and null for
    // the others.
    const columns = this.columns;
    let json = "{";
    let csv = "";
    let scalars = 0;
    for (let c = 0; c < columns.length; c++) {
      const v = row[columns[c]];
      if (c > 0) csv += ",";
      if (v === undefined || v === null) continue;
      const text = String(v);
      csv += text;
      const jsonValue = typeof v === "number" ? (Number.isFinite(v) ? text : "null") : JSON.stringify(v);
      if (jsonValue === undefined) continue;
      json += (json.length > 1 ? "," : "") + this.jsonKeys[c] + jsonValue;
      if (this.scalarTags[c] !== null && typeof v === "number") {
        this.rowTags[scalars] = this.scalarTags[c]!;
        this.rowValues[scalars++] = v;
      }
    }
    this.pendingBytes += this.pendingJsonl.appendText(json + "}\n");
    this.pendingBytes += this.pendingCsv.appendText(csv + "\n");
    this.pendingRows += 1;
    try {
      if (this.events !== null) {
        const step = typeof row.global_step === "number" ? row.global_step : row.episode;
        this.events.writeScalars(
          typeof step === "number" ? step : null,
          this.rowTags,
          this.rowValues,
          scalars,
        );
      }
    } catch (err) {
      throw new FileWriteError(
        join(this.dir, "tb"),
        err,
        `the TensorBoard event file lacks row ${this.offset.rows + this.pendingRows}; metrics.jsonl and metrics.csv hold it`,
      );
    }
    if (this.pendingBytes >= METRICS_FLUSH_BYTES || performance.now() - this.lastFlush >= METRICS_FLUSH_MS) {
      this.flush();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        try {
          this.flush();
        } catch {
          // Kept in `failure`: the next write, getOffset or close throws it.
        }
      }, METRICS_FLUSH_MS);
      this.timer.unref();
      unflushed.add(this);
      if (!exitHook) {
        exitHook = true;
        process.once("exit", flushAtExit);
      }
    }
  }

  /**
   * Writes the buffered rows (one write per file). On failure (disk full) both files are cut back
   * to their last whole row and a {@link FileWriteError} names the first row not written.
   */
  flush(): void {
    if (this.failure) throw this.failure;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    unflushed.delete(this);
    this.lastFlush = performance.now();
    if (this.pendingRows === 0) return;
    const line = this.pendingJsonl.bytes();
    const csv = this.pendingCsv.bytes();
    const rows = this.pendingRows;
    this.pendingJsonl.clear();
    this.pendingCsv.clear();
    this.pendingRows = 0;
    this.pendingBytes = 0;
    let file = this.jsonlPath;
    try {
      writeSync(this.jsonlFd, line, 0, line.length, this.offset.jsonlBytes);
      file = this.csvPath;
      writeSync(this.csvFd, csv, 0, csv.length, this.offset.csvBytes);
    } catch (err) {
      // A failed append (disk full) is cut back, so both files still end at the last whole row
      // and agree on the row count; shrinking a file needs no free space.
      try {
        ftruncateSync(this.jsonlFd, this.offset.jsonlBytes);
        ftruncateSync(this.csvFd, this.offset.csvBytes);
      } catch {
        // Resume cuts both files back to its checkpoint's offsets in any case.
      }
      this.failure = new FileWriteError(
        file,
        err,
        `row ${this.offset.rows + 1} was not appended; the ${this.offset.rows} rows before it are kept`,
      );
      throw this.failure;
    }
    this.jsonlHash.update(line);
    this.csvHash.update(csv);
    this.offset.jsonlBytes += line.length;
    this.offset.csvBytes += csv.length;
    this.offset.rows += rows;
    try {
      this.events?.flush();
    } catch (err) {
      this.failure = new FileWriteError(
        join(this.dir, "tb"),
        err,
        `the TensorBoard event file lacks rows after some of the first ${this.offset.rows}; metrics.jsonl and metrics.csv hold them`,
      );
      throw this.failure;
    }
  }

  /** The files' lengths, row count and hashes, every buffered row written first (a checkpoint records them). */
  getOffset(): MetricsOffset {
    this.flush();
    return {
      jsonlBytes: this.offset.jsonlBytes,
      csvBytes: this.offset.csvBytes,
      rows: this.offset.rows,
      jsonlSha256: this.jsonlHash.copy().digest("hex"),
      csvSha256: this.csvHash.copy().digest("hex"),
      ...(this.events ? { tensorboard: this.events.getOffset() } : {}),
    };
  }

  /**
   * Writes the buffered rows and closes the files (closed even when that write fails, which then
   * throws; after an earlier failed write nothing more is written).
   */
  close(): void {
    try {
      if (!this.failure) this.flush();
    } finally {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      unflushed.delete(this);
      closeSync(this.jsonlFd);
      closeSync(this.csvFd);
      if (!this.failure) this.events?.close();
      else {
        try {
          this.events?.close();
        } catch {
          // The run already failed on a write; resume cuts the event file back to its checkpoint.
        }
      }
    }
  }
}

/** Reads `metrics.jsonl` of a run directory. */
export function readMetrics(dir: string): MetricRow[] {
  const path = join(dir, RUN_FILES.metricsJsonl);
  return parseJsonLines<MetricRow>(path, readFileSync(path, "utf8"));
}

/** One metric as a dense array (episode order), NaN where a row lacks it. */
export function metricColumn(rows: readonly MetricRow[], key: string): number[] {
  return rows.map((r) => {
    const v = r[key];
    return typeof v === "number" ? v : Number.NaN;
  });
}
