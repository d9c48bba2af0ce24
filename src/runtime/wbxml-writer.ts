/**
 * Where the generated WBXML encoder writes: a sink that either builds the bytes or only
 * counts them. Both follow the same rules (code page switches, the content bit of a tag
 * cleared when nothing came before its END, string-table references), so the counted
 * size of a message is exactly the length of its bytes, without building them.
 */
import type { WbxmlTokens } from './wbxml-reader.js';
import { EncodeError } from './errors.js';
import { utf8ByteLength } from './utf8.js';

export interface WbxmlSink {
  /** A tag that may have content; `end()` closes it. */
  start(page: number, token: number): void;
  /** A tag without content (EMPTY element). */
  empty(page: number, token: number): void;
  text(s: string): void;
  opaque(bytes: Uint8Array): void;
  end(): void;
  /**
   * Whether the encoders look for keys a value has no field for while writing into this sink:
   * not for a pass that a writing pass over the same value follows (the string count).
   */
  readonly checksFields: boolean;
}

/** Byte length of a value as mb_u_int32. */
export function mbUint32Length(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Characters a string cannot carry: NUL would end it early, lone surrogates have no
 * UTF-8 form, and the rest XML cannot carry (the readers refuse them). */
const UNENCODABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Fast path for the common text: whether `s` holds only ASCII characters UNENCODABLE cannot
 * match (0x20-0x7F, tab, LF, CR). Then checkText's regex is skipped, the UTF-8 length is
 * `s.length`, and the bytes are the character codes. Anything else takes the general path.
 */
function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) return false;
  }
  return true;
}

/** Strings up to this length are written byte by byte when plain ASCII; longer ones (and all
 * others) with TextEncoder#encodeInto. */
const SHORT_ASCII = 64;

/** Refuses text that cannot be written. The EncodeError has no path: the encoder entry
 * point locates the field with the generated value checks. */
function checkText(s: string): void {
  const bad = UNENCODABLE.exec(s);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new EncodeError(`U+${code} cannot be written in WBXML text`, '');
  }
}

/** A text that is not a string (a number would be sized as NaN, undefined written as nothing). */
function notText(s: unknown): EncodeError {
  return new EncodeError(`text must be a string, not ${typeof s}`, '');
}

/** Counts bytes. */
export class SizeSink implements WbxmlSink {
  readonly checksFields = true;
  size = 0;
  private page: number;
  /** `size` right after the last start tag, or -1 once content followed it. */
  private afterStart = -1;

  constructor(
    private readonly t: WbxmlTokens,
    private readonly table: ReadonlyMap<string, number> | undefined,
    initialPage = 0,
  ) {
    this.page = initialPage;
  }

  /** Code page in force after what was counted so far. */
  get currentPage(): number {
    return this.page;
  }

  private tag(page: number): void {
    if (page !== this.page) {
      this.size += 2;
      this.page = page;
    }
    this.size += 1;
  }

  start(page: number): void {
    this.tag(page);
    this.afterStart = this.size;
  }

  empty(page: number): void {
    this.tag(page);
    this.afterStart = -1;
  }

  text(s: string): void {
    if (typeof s !== 'string') throw notText(s);
    const plain = isPlainAscii(s);
    if (!plain) checkText(s);
    const ref = this.table?.get(s);
    this.size += ref !== undefined ? 1 + mbUint32Length(ref) : 2 + (plain ? s.length : utf8ByteLength(s));
    this.afterStart = -1;
  }

  opaque(bytes: Uint8Array): void {
    this.size += 1 + mbUint32Length(bytes.length) + bytes.length;
    this.afterStart = -1;
  }

  end(): void {
    if (this.afterStart === this.size) {
      this.afterStart = -1; // the start tag loses its content bit; no END
      return;
    }
    this.size += 1;
    this.afterStart = -1;
  }
}

/** Counts how often each string is written (to choose the string table). */
export class StringCountSink implements WbxmlSink {
  readonly checksFields = false;
  readonly counts = new Map<string, number>();
  start(): void {}
  empty(): void {}
  opaque(): void {}
  end(): void {}
  text(s: string): void {
    if (typeof s !== 'string') throw notText(s);
    this.counts.set(s, (this.counts.get(s) ?? 0) + 1);
  }
}

const encoder = new TextEncoder();

/** Builds the bytes. */
export class BytesSink implements WbxmlSink {
  readonly checksFields = true;
  private buf: Uint8Array;
  length = 0;
  private page = 0;
  /** Position of the last start tag byte, or -1 once content followed it. */
  private lastStart = -1;

  constructor(
    private readonly t: WbxmlTokens,
    private readonly table: ReadonlyMap<string, number> | undefined,
    capacity = 1024,
  ) {
    this.buf = new Uint8Array(capacity);
  }

  private ensure(n: number): void {
    // The common case stays small enough to be inlined at every call; growing is apart.
    if (this.length + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  mbUint32(v: number): void {
    const n = mbUint32Length(v);
    this.ensure(n);
    for (let i = n - 1; i >= 0; i--) {
      this.buf[this.length + i] = (v & 0x7f) | (i === n - 1 ? 0 : 0x80);
      v = Math.floor(v / 128);
    }
    this.length += n;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** A NUL-terminated UTF-8 string. */
  termString(s: string): void {
    this.ensure(s.length * 3 + 1);
    if (s.length <= SHORT_ASCII && this.plainAscii(s, this.length)) return;
    const r = encoder.encodeInto(s, this.buf.subarray(this.length));
    this.length += r.written;
    this.buf[this.length++] = 0;
  }

  /**
   * Fast path for a short string: when it is plain ASCII (see isPlainAscii), stores its
   * character codes and a NUL from `at` directly (no encodeInto call, no subarray), sets
   * `length` past them and returns true; otherwise returns false with `length` unchanged
   * (bytes past it may have been scribbled on). Room for `s.length + 1` bytes from `at`
   * must have been ensured.
   */
  private plainAscii(s: string, at: number): boolean {
    const buf = this.buf;
    let n = at;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) return false;
      buf[n++] = c;
    }
    buf[n++] = 0;
    this.length = n;
    return true;
  }

  private tag(page: number, token: number): void {
    if (page !== this.page) {
      this.byte(this.t.SWITCH_PAGE);
      this.byte(page);
      this.page = page;
    }
    this.byte(token);
  }

  start(page: number, token: number): void {
    this.tag(page, token | this.t.TAG_CONTENT);
    this.lastStart = this.length - 1;
  }

  empty(page: number, token: number): void {
    this.tag(page, token);
    this.lastStart = -1;
  }

  text(s: string): void {
    if (typeof s !== 'string') throw notText(s);
    // (The table lookup has no effect, so checking the text after it, as below, refuses
    // exactly the texts checkText refuses, with its error.)
    const ref = this.table?.get(s);
    if (ref !== undefined) {
      if (!isPlainAscii(s)) checkText(s);
      this.byte(this.t.STR_T);
      this.mbUint32(ref);
    } else {
      // Fast path: a short plain-ASCII string is checked and written in one pass, after
      // the STR_I byte (stored once the string passed).
      this.ensure(s.length + 2);
      const at = this.length;
      if (s.length <= SHORT_ASCII && this.plainAscii(s, at + 1)) {
        this.buf[at] = this.t.STR_I;
      } else {
        if (!isPlainAscii(s)) checkText(s);
        this.byte(this.t.STR_I);
        this.termString(s);
      }
    }
    this.lastStart = -1;
  }

  opaque(bytes: Uint8Array): void {
    this.byte(this.t.OPAQUE);
    this.mbUint32(bytes.length);
    this.bytes(bytes);
    this.lastStart = -1;
  }

  end(): void {
    if (this.lastStart === this.length - 1 && this.lastStart >= 0) {
      this.buf[this.lastStart] = this.buf[this.lastStart]! & ~this.t.TAG_CONTENT;
      this.lastStart = -1;
      return;
    }
    this.byte(this.t.END);
    this.lastStart = -1;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** The bytes written so far, without copying them (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Code page in force after what was written so far. */
  get currentPage(): number {
    return this.page;
  }

  /** Where the output stands now, to come back to with `rewind`. */
  mark(): SinkMark {
    return { length: this.length, page: this.page };
  }

  /** Forgets everything written after `mark` (a piece that did not fit, when packing). */
  rewind(mark: SinkMark): void {
    this.length = mark.length;
    this.page = mark.page;
    this.lastStart = -1;
  }
}

/** A position in a BytesSink: its length and the code page in force there. */
export interface SinkMark {
  readonly length: number;
  readonly page: number;
}

/**
 * The string table for a set of string counts: each string whose references cost less
 * than writing it inline every time, in first-seen order, with its offset.
 */
export function chooseStringTable(counts: ReadonlyMap<string, number>, all: boolean, reserved: readonly string[] = []): Map<string, number> {
  const table = new Map<string, number>();
  let offset = 0;
  for (const s of reserved) {
    table.set(s, offset);
    offset += utf8ByteLength(s) + 1;
  }
  for (const [s, k] of counts) {
    // Fast path: a string written once never pays for itself (its reference costs
    // len + 2 + mbUint32Length(offset) bytes against len + 2 inline), so unless `all`, it is
    // passed over without measuring its UTF-8 length, as the test below would decide.
    if (k === 1 && !all) continue;
    if (table.has(s)) continue;
    const len = utf8ByteLength(s);
    const inline = k * (len + 2);
    const viaTable = len + 1 + k * (1 + mbUint32Length(offset));
    if (all || viaTable < inline) {
      table.set(s, offset);
      offset += len + 1;
    }
  }
  return table;
}
