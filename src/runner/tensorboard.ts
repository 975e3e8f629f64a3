import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PendingBytes } from "./pending-bytes.js";

/**
 * TensorBoard event files, written without TensorFlow (docs/tensorboard.md).
 *
 * A file is a sequence of TFRecords: `uint64 length | uint32 masked_crc32c(length bytes) | data |
 * uint32 masked_crc32c(data)`, little-endian, where data is one serialized protobuf `Event`:
 *
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 *
 * The first event carries only `file_version = "brain.Event:2"`; every later one is one metric
 * row: its scalars as `simple_value`s at `step` (the row's global step).
 */

/** The folder of a run that holds its event file. */
export const TENSORBOARD_DIR = "tb";
/** Every event file name starts with this (TensorBoard's `--logdir` scan looks for it). */
export const EVENT_FILE_PREFIX = "events.out.tfevents.";
/** The file_version of the first event: the format TensorBoard expects. */
export const EVENT_FILE_VERSION = "brain.Event:2";

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), tables for slicing by 8: entries
 * [0, 256) are the CRC of each byte value (the byte-at-a-time table T₀), and entries
 * [256k, 256(k+1)) are Tₖ[n] = (Tₖ₋₁[n] >>> 8) ^ T₀[Tₖ₋₁[n] & 0xFF], the CRC of byte n followed by
 * k zero bytes (docs/tensorboard.md).
 */
const CRC32C_TABLES = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let k = 1; k < 8; k++)
    for (let n = 0; n < 256; n++) {
      const prev = t[256 * (k - 1) + n];
      t[256 * k + n] = (prev >>> 8) ^ t[prev & 0xff];
    }
  return t;
})();

/**
 * CRC-32C of bytes [from, to) of `bytes` (the whole array by default; init and final xor
 * 0xFFFFFFFF; "123456789" → 0xE3069283). Eight bytes a step: the CRC register xor the next four
 * bytes (little-endian) and the four after them each select a table entry, which together give
 * the register after those eight bytes; the tail goes a byte at a time.
 */
export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const t = CRC32C_TABLES;
  let c = 0xffffffff;
  let i = from;
  for (; i + 8 <= to; i += 8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      t[1792 + (c & 0xff)] ^
      t[1536 + ((c >>> 8) & 0xff)] ^
      t[1280 + ((c >>> 16) & 0xff)] ^
      t[1024 + (c >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < to; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC of bytes [from, to): the CRC-32C rotated right by 15 bits, plus 0xA282EAD8 (mod 2³²). */
export function maskedCrc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const c = crc32c(bytes, from, to);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** Checks that `value` can be a protobuf varint here (a non-negative integer up to 2⁵³ − 1). */
function checkVarint(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`tensorboard: varint needs a non-negative safe integer, got ${value}`);
}

/** Bytes of the base-128 varint of `value` (7 bits a byte). */
function varintLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) n++;
  return n;
}

/** Writes the base-128 varint of `value` at `at` (low 7-bit groups first, high bit = more); returns the end. */
function writeVarint(out: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[at++] = v;
  return at;
}

/*
 * Field keys, (field number << 3) | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32):
 * Event.wall_time = 1 (double), Event.step = 2 (int64), Event.file_version = 3 (string),
 * Event.summary = 5 (message); Summary.value = 1 (repeated message); Value.tag = 1 (string),
 * Value.simple_value = 2 (float). Every key fits one byte.
 */
const KEY_WALL_TIME = (1 << 3) | 1;
const KEY_STEP = (2 << 3) | 0;
const KEY_FILE_VERSION = (3 << 3) | 2;
const KEY_SUMMARY = (5 << 3) | 2;
const KEY_SUMMARY_VALUE = (1 << 3) | 2;
const KEY_TAG = (1 << 3) | 2;
const KEY_SIMPLE_VALUE = (2 << 3) | 5;

/** UTF-8 bytes of the tags seen so far (a run writes the same few tags on every row). */
const tagCache = new Map<string, Uint8Array>();

/** The UTF-8 bytes of a scalar's tag, as {@link EventFileWriter.scalarValues} takes them (cached). */
export function tagBytes(tag: string): Uint8Array {
  let b = tagCache.get(tag);
  if (b === undefined) {
    b = Buffer.from(tag, "utf8");
    if (tagCache.size < 1024) tagCache.set(tag, b);
  }
  return b;
}

/** One scalar of a summary. */
export interface Scalar {
  tag: string;
  value: number;
}

/** One event: the version marker, or scalars at a step. Zero-valued fields are left out (proto3). */
export interface TensorBoardEvent {
  wallTime: number;
  step?: number;
  fileVersion?: string;
  scalars?: readonly Scalar[];
}

/**
 * An event's fields as the encoder takes them: the file version's bytes (or null), and `count`
 * scalars, tags[i] with values[i] (count −1: no summary at all, as in the version event).
 */
interface EventFields {
  wallTime: number;
  step: number | undefined;
  version: Uint8Array | null;
  tags: readonly Uint8Array[];
  values: ArrayLike<number>;
  count: number;
}

/** Byte length of one `Summary.Value` {tag, simple_value}. */
function valueLength(tag: Uint8Array): number {
  return 1 + varintLength(tag.length) + tag.length + 5;
}

/** Byte length of a `Summary` holding the first `count` tags' values (each value a length-delimited field). */
function summaryLength(tags: readonly Uint8Array[], count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const v = valueLength(tags[i]);
    n += 1 + varintLength(v) + v;
  }
  return n;
}

/** Byte length of the `Event` fields before the summary: wall time, step and file version. */
function headLength(e: EventFields): number {
  let n = 0;
  if (e.wallTime !== 0) n += 9;
  if (e.step !== undefined && e.step !== 0) {
    checkVarint(e.step);
    n += 1 + varintLength(e.step);
  }
  if (e.version !== null) n += 1 + varintLength(e.version.length) + e.version.length;
  return n;
}

/** Byte length of the `Event` payload of `e` (fields in the order {@link writeEvent} writes them). */
function eventLength(e: EventFields): number {
  let n = headLength(e);
  if (e.count >= 0) {
    const summary = summaryLength(e.tags, e.count);
    n += 1 + varintLength(summary) + summary;
  }
  return n;
}

/** Writes the fields {@link headLength} counts at `at` (zero-valued wall time and step left out); returns the end. */
function writeEventHead(out: Buffer, at: number, e: EventFields): number {
  if (e.wallTime !== 0) {
    out[at++] = KEY_WALL_TIME;
    at = out.writeDoubleLE(e.wallTime, at);
  }
  if (e.step !== undefined && e.step !== 0) {
    out[at++] = KEY_STEP;
    at = writeVarint(out, at, e.step);
  }
  if (e.version !== null) {
    out[at++] = KEY_FILE_VERSION;
    at = writeVarint(out, at, e.version.length);
    out.set(e.version, at);
    at += e.version.length;
  }
  return at;
}

/**
 * Writes the `summary` field of `e` (key, length, one value per tag) at `at`; returns the end.
 * `valueAt`, when given, receives the offset from `at` of each value's 4 bytes.
 */
function writeSummary(out: Buffer, at: number, e: EventFields, valueAt?: number[]): number {
  const start = at;
  out[at++] = KEY_SUMMARY;
  at = writeVarint(out, at, summaryLength(e.tags, e.count));
  for (let i = 0; i < e.count; i++) {
    const tag = e.tags[i];
    out[at++] = KEY_SUMMARY_VALUE;
    at = writeVarint(out, at, valueLength(tag));
    out[at++] = KEY_TAG;
    at = writeVarint(out, at, tag.length);
    out.set(tag, at);
    at += tag.length;
    out[at++] = KEY_SIMPLE_VALUE;
    if (valueAt) valueAt[i] = at - start;
    at = out.writeFloatLE(e.values[i], at);
  }
  return at;
}

/**
 * Writes the `Event` payload of `e` into `out` at `at` (proto3: zero-valued wall time and step are
 * left out). Returns the end offset.
 */
function writeEvent(out: Buffer, at: number, e: EventFields): number {
  at = writeEventHead(out, at, e);
  return e.count >= 0 ? writeSummary(out, at, e) : at;
}

/**
 * The encoded `summary` field of one list of tags, the values left zero, and where each value's
 * 4 bytes sit in it: a writer whose rows repeat their tags copies it and writes only the values.
 */
interface SummaryTemplate {
  readonly tags: readonly Uint8Array[];
  readonly bytes: Buffer;
  readonly valueAt: readonly number[];
}

function summaryTemplate(tags: readonly Uint8Array[], count: number): SummaryTemplate {
  const fields: EventFields = {
    wallTime: 0,
    step: undefined,
    version: null,
    tags,
    values: new Float64Array(count),
    count,
  };
  const bytes = Buffer.alloc(eventLength(fields));
  const valueAt: number[] = [];
  writeSummary(bytes, 0, fields, valueAt);
  return { tags: tags.slice(0, count), bytes, valueAt };
}

/** Whether `template` is the summary of the first `count` of `tags` (the same tag byte arrays). */
function templateFits(template: SummaryTemplate | null, tags: readonly Uint8Array[], count: number): boolean {
  if (template === null || template.tags.length !== count) return false;
  for (let i = 0; i < count; i++) if (template.tags[i] !== tags[i]) return false;
  return true;
}

/** The encoder's view of a {@link TensorBoardEvent}. */
function eventFields(e: TensorBoardEvent): EventFields {
  const scalars = e.scalars;
  return {
    wallTime: e.wallTime,
    step: e.step,
    version: e.fileVersion === undefined ? null : Buffer.from(e.fileVersion, "utf8"),
    tags: scalars === undefined ? [] : scalars.map((s) => tagBytes(s.tag)),
    values: scalars === undefined ? [] : scalars.map((s) => s.value),
    count: scalars === undefined ? -1 : scalars.length,
  };
}

/** The protobuf bytes of an `Event`. */
export function encodeEvent(e: TensorBoardEvent): Buffer {
  const fields = eventFields(e);
  const out = Buffer.allocUnsafe(eventLength(fields));
  writeEvent(out, 0, fields);
  return out;
}

/** Bytes a TFRecord adds around its payload: the length (8), its CRC (4) and the payload's CRC (4). */
const RECORD_FRAMING = 16;

/**
 * Writes the TFRecord header of a `length`-byte payload at `at` of `out` (the uint64 length, as
 * two uint32 halves, and its masked CRC); the payload goes at `at + 12`.
 */
function writeRecordHeader(out: Buffer, at: number, length: number): void {
  out.writeUInt32LE(length % 0x1_0000_0000, at);
  out.writeUInt32LE(Math.floor(length / 0x1_0000_0000), at + 4);
  out.writeUInt32LE(maskedCrc32c(out, at, at + 8), at + 8);
}

/** Writes the masked CRC of the payload bytes [from, to) at `to`; returns the record's end. */
function writeRecordFooter(out: Buffer, from: number, to: number): number {
  out.writeUInt32LE(maskedCrc32c(out, from, to), to);
  return to + 4;
}

/** One TFRecord around `data`: length, its masked CRC, the data, the data's masked CRC. */
export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(RECORD_FRAMING + data.length);
  writeRecordHeader(out, 0, data.length);
  out.set(data, 12);
  writeRecordFooter(out, 12, 12 + data.length);
  return out;
}

/** `frameRecord(encodeEvent(e))`, encoded straight into the record. */
export function encodeRecord(e: TensorBoardEvent): Buffer {
  const fields = eventFields(e);
  const length = eventLength(fields);
  const out = Buffer.allocUnsafe(RECORD_FRAMING + length);
  writeRecordHeader(out, 0, length);
  writeRecordFooter(out, 12, writeEvent(out, 12, fields));
  return out;
}

/**
 * Splits `bytes` into TFRecord payloads, checking both CRCs of each; returns the payloads and
 * the byte length of the whole records read. Throws on a bad CRC or a cut-off record.
 */
export function readRecords(bytes: Uint8Array): { records: Buffer[]; bytes: number } {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 12 > buf.length) throw new Error(`tensorboard: record header cut off at byte ${at}`);
    const length = Number(buf.readBigUInt64LE(at));
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(buf, at, at + 8))
      throw new Error(`tensorboard: bad length CRC at byte ${at}`);
    const end = at + 12 + length + 4;
    if (end > buf.length) throw new Error(`tensorboard: record at byte ${at} cut off`);
    const data = buf.subarray(at + 12, at + 12 + length);
    if (buf.readUInt32LE(at + 12 + length) !== maskedCrc32c(data))
      throw new Error(`tensorboard: bad data CRC at byte ${at}`);
    records.push(data);
    at = end;
  }
  return { records, bytes: at };
}

/** `events.out.tfevents.<unix seconds>.<host>` (the host with path separators replaced). */
export function eventFileName(unixSeconds: number, host: string = hostname()): string {
  return `${EVENT_FILE_PREFIX}${Math.floor(unixSeconds)}.${host.replace(/[/\\\s]/g, "_") || "localhost"}`;
}

/** Event files in `dir` (empty when the folder is missing), sorted by name. */
export function listEventFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(EVENT_FILE_PREFIX))
    .sort();
}

/** Where an event file stands: its name in the tb folder and the bytes written. */
export interface EventFileOffset {
  file: string;
  bytes: number;
}

export interface EventWriterOptions {
  /** Seconds since the Unix epoch for wall_time (default: the system clock). */
  now?: () => number;
  /** Host name in the file name (default: `os.hostname()`). */
  host?: string;
  /**
   * Keep appended records in memory until {@link EventFileWriter.flush}, `getOffset` or `close`
   * (one write for many records; the metric rows' writer flushes them with its own). Default false.
   */
  buffered?: boolean;
}

/**
 * Appends events to one event file. `create` starts a fresh file (removing older event files of
 * the folder: a restarted run replaces its events); `resume` cuts the file back to a recorded
 * offset, so events written after a checkpoint are not kept twice.
 */
export class EventFileWriter {
  readonly dir: string;
  readonly file: string;
  private readonly fd: number;
  private bytes: number;
  private readonly now: () => number;
  /** Keep records in {@link pending} until a flush (else each record is written at once). */
  private readonly buffered: boolean;
  /** Encoded records not yet written. */
  private readonly pending = new PendingBytes();
  /** The summary of the last tags {@link scalarValues} was given (rows repeat their tags). */
  private template: SummaryTemplate | null = null;
  /** The fields of {@link scalarValues}' events (one object, refilled for each). */
  private readonly fields: EventFields = {
    wallTime: 0,
    step: undefined,
    version: null,
    tags: [],
    values: [],
    count: -1,
  };

  private constructor(
    dir: string,
    file: string,
    fd: number,
    bytes: number,
    now: () => number,
    buffered: boolean,
  ) {
    this.dir = dir;
    this.file = file;
    this.fd = fd;
    this.bytes = bytes;
    this.now = now;
    this.buffered = buffered;
  }

  /** A new event file in `dir` (created if missing) holding the file_version event. */
  static create(dir: string, options: EventWriterOptions = {}): EventFileWriter {
    const now = options.now ?? (() => Date.now() / 1000);
    mkdirSync(dir, { recursive: true });
    for (const f of listEventFiles(dir)) rmSync(join(dir, f), { force: true });
    const wallTime = now();
    const file = eventFileName(wallTime, options.host);
    const fd = openSync(join(dir, file), "w");
    const w = new EventFileWriter(dir, file, fd, 0, now, options.buffered === true);
    w.append({ wallTime, fileVersion: EVENT_FILE_VERSION });
    return w;
  }

  /**
   * Reopens `offset.file` in `dir` cut back to `offset.bytes`, or returns null when that file is
   * missing, shorter, or its first `offset.bytes` bytes are not whole records with valid CRCs.
   * Other event files of the folder are removed (one file per run).
   */
  static resume(
    dir: string,
    offset: EventFileOffset,
    options: EventWriterOptions = {},
  ): EventFileWriter | null {
    const path = join(dir, offset.file);
    if (!offset.file.startsWith(EVENT_FILE_PREFIX) || !existsSync(path)) return null;
    if (statSync(path).size < offset.bytes) return null;
    try {
      if (readRecords(readFileSync(path).subarray(0, offset.bytes)).bytes !== offset.bytes) return null;
    } catch {
      return null;
    }
    for (const f of listEventFiles(dir)) if (f !== offset.file) rmSync(join(dir, f), { force: true });
    const fd = openSync(path, "r+");
    ftruncateSync(fd, offset.bytes);
    const now = options.now ?? (() => Date.now() / 1000);
    return new EventFileWriter(dir, offset.file, fd, offset.bytes, now, options.buffered === true);
  }

  /** Writes one event as a record. */
  append(event: TensorBoardEvent): void {
    this.appendFields(eventFields(event));
  }

  /**
   * Writes `count` scalars at `step` with the clock's wall time: tags[i] (UTF-8 bytes, see
   * {@link tagBytes}) with values[i]. The same record as {@link scalars}, without building
   * {@link Scalar} objects (the metric rows' writer calls this once per row).
   */
  scalarValues(step: number, tags: readonly Uint8Array[], values: ArrayLike<number>, count: number): void {
    const f = this.fields;
    f.wallTime = this.now();
    f.step = step;
    f.tags = tags;
    f.values = values;
    f.count = count;
    if (!templateFits(this.template, tags, count)) this.template = summaryTemplate(tags, count);
    const summary = this.template!;
    const length = headLength(f) + summary.bytes.length;
    // The record straight into the pending buffer: header, wall time and step, the template, the
    // values (through a DataView, whose stores are engine built-ins, cheap from the first row on).
    const out = this.pending.reserve(RECORD_FRAMING + length);
    const view = this.pending.dataView();
    const at = this.pending.length;
    writeRecordHeader(out, at, length);
    const p = writeEventHead(out, at + 12, f);
    out.set(summary.bytes, p);
    for (let i = 0; i < count; i++) view.setFloat32(p + summary.valueAt[i], values[i], true);
    this.pending.length = writeRecordFooter(out, at + 12, p + summary.bytes.length);
    if (!this.buffered) this.flush();
  }

  /** Encodes one event's record after the pending bytes, then writes them unless buffered. */
  private appendFields(f: EventFields): void {
    const length = eventLength(f);
    const out = this.pending.reserve(RECORD_FRAMING + length);
    const at = this.pending.length;
    writeRecordHeader(out, at, length);
    this.pending.length = writeRecordFooter(out, at + 12, writeEvent(out, at + 12, f));
    if (!this.buffered) this.flush();
  }

  /**
   * Writes the pending records (each record at once unless buffered, else at a flush). On
   * failure they are dropped.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.bytes();
    this.pending.clear();
    writeSync(this.fd, data, 0, data.length, this.bytes);
    this.bytes += data.length;
  }

  /** Writes `scalars` at `step` with the clock's wall time. */
  scalars(step: number, scalars: readonly Scalar[]): void {
    this.append({ wallTime: this.now(), step, scalars });
  }

  /** The file and its length, every buffered record written first. */
  getOffset(): EventFileOffset {
    this.flush();
    return { file: this.file, bytes: this.bytes };
  }

  /** Writes the buffered records, then closes the file (which is closed even when that write fails). */
  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** Decodes an `Event` payload (the fields this writer uses; others are skipped). For tests and tools. */
export function decodeEvent(data: Buffer): TensorBoardEvent {
  const event: TensorBoardEvent = { wallTime: 0 };
  const readVarint = (b: Buffer, at: { i: number }): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[at.i++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 0x80;
    }
  };
  const fields = (b: Buffer, visit: (field: number, wire: number, at: { i: number }) => void) => {
    const at = { i: 0 };
    while (at.i < b.length) {
      const k = readVarint(b, at);
      const field = Math.floor(k / 8);
      const wire = k % 8;
      const start = at.i;
      visit(field, wire, at);
      if (at.i === start) {
        // Skip a field the visitor did not read.
        if (wire === 0) readVarint(b, at);
        else if (wire === 1) at.i += 8;
        else if (wire === 5) at.i += 4;
        else if (wire === 2) at.i += readVarint(b, at);
        else throw new Error(`tensorboard: unsupported wire type ${wire}`);
      }
    }
  };
  const sub = (b: Buffer, at: { i: number }): Buffer => {
    const n = readVarint(b, at);
    const s = b.subarray(at.i, at.i + n);
    at.i += n;
    return s;
  };
  fields(data, (field, wire, at) => {
    if (field === 1 && wire === 1) {
      event.wallTime = data.readDoubleLE(at.i);
      at.i += 8;
    } else if (field === 2 && wire === 0) event.step = readVarint(data, at);
    else if (field === 3 && wire === 2) event.fileVersion = sub(data, at).toString("utf8");
    else if (field === 5 && wire === 2) {
      const summary = sub(data, at);
      const scalars: Scalar[] = [];
      fields(summary, (f, w, a) => {
        if (f !== 1 || w !== 2) return;
        const value = sub(summary, a);
        const s: Scalar = { tag: "", value: 0 };
        fields(value, (vf, vw, va) => {
          if (vf === 1 && vw === 2) s.tag = sub(value, va).toString("utf8");
          else if (vf === 2 && vw === 5) {
            s.value = value.readFloatLE(va.i);
            va.i += 4;
          }
        });
        scalars.push(s);
      });
      event.scalars = [...(event.scalars ?? []), ...scalars];
    }
  });
  return event;
}

/** All events of an event file, CRCs checked. */
export function readEventFile(path: string): TensorBoardEvent[] {
  return readRecords(readFileSync(path)).records.map(decodeEvent);
}
