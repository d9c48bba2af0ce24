/**
 * A strict, bounded reader of WBXML 1.1–1.3 documents for the generated decoder.
 *
 * Grammar (WBXML 1.3, section 5.3), as this reader walks it:
 *
 *     start    = version publicid charset strtbl body
 *     publicid = mb_u_int32 | ( zero index )        ; index into strtbl: the FPI
 *     strtbl   = length *byte
 *     body     = *pi element *pi
 *     element  = [switchPage] stag [ 1*attribute END ] [ *content END ]
 *     content  = element | string | extension | entity | pi | opaque
 *     string   = STR_I termstr | STR_T index
 *
 * Tag tokens are looked up in the code pages of the generated grammar; nothing here
 * knows an element. Every length and offset is checked against what remains before it
 * is used, so no allocation is driven by an unchecked number, and every failure is a
 * DecodeError with the element path and the byte offset of the token.
 */
import { Buffer, isAscii } from 'node:buffer';
import { DecodeError } from './errors.js';
import type { DecodeLimits } from './limits.js';
import type { ElementReader } from './element-reader.js';
import { decodeUtf8, isXmlChar } from './utf8.js';
import { inputBytes } from './input.js';
import type { LenientSlip, WarningLog } from './lenient.js';

/** Global tokens and framing constants (generated from schemas/wbxml-global-tokens.tsv). */
export interface WbxmlTokens {
  readonly SWITCH_PAGE: number;
  readonly END: number;
  readonly ENTITY: number;
  readonly STR_I: number;
  readonly STR_T: number;
  readonly OPAQUE: number;
  readonly PI: number;
  readonly TAG_CONTENT: number;
  readonly TAG_ATTRIBUTES: number;
  readonly TAG_ID: number;
  readonly CHARSET_UTF8: number;
  readonly CHARSET_US_ASCII: number;
  readonly CHARSET_UNKNOWN: number;
  readonly VERSION_1_3: number;
  readonly [name: string]: number;
}

export interface WbxmlVocabulary {
  readonly name: string;
  readonly namespace: string;
  readonly page: number;
  readonly publicId: number;
  readonly fpi: string;
}

/** The code pages and identifiers of the vocabularies a document may use. */
export interface WbxmlGrammar {
  readonly tokens: WbxmlTokens;
  /** By vocabulary id. */
  readonly vocabularies: readonly WbxmlVocabulary[];
  /** Vocabulary id of each code page number. */
  readonly pageVocab: ReadonlyMap<number, number>;
  /** Element names: `names.get(page)[tokenId]`. */
  readonly names: ReadonlyMap<number, readonly (string | undefined)[]>;
  /** Public ids and FPIs that name a document of a vocabulary (root vocabulary or embedded). */
  readonly publicIds: ReadonlyMap<number, number>;
  readonly fpis: ReadonlyMap<string, number>;
  readonly root: string;
  readonly rootVocab: number;
}

const INVALID_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

/**
 * Strings longer than this many bytes are scanned by the long path of `termString`
 * (Buffer#indexOf for the NUL, then isAscii and a word-wise check); shorter ones byte by byte.
 */
const SHORT_SCAN = 64;

/**
 * Inputs up to this size are turned into one latin1 string when a first ASCII string is
 * read, and ASCII strings are slices of it. Larger inputs are not (their bulk may be OPAQUE
 * data that no string is made of): each ASCII string is made from its own bytes.
 */
const LATIN1_INPUT_MAX = 64 * 1024;

const NO_BYTES = new Uint8Array(0);


/** Flags of a scanned string: a byte >= 0x80 was seen; a control byte other than tab, LF, CR was seen. */
const NON_ASCII = 1;
const CONTROL = 2;

/** A byte INVALID_XML_CHAR matches (as a character): below 0x20 and not tab, LF, CR. */
function isControl(c: number): boolean {
  return c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d;
}

/** The high bit of each byte of a word, and 0x60 in each byte: with ADD_20 added to a word of
 * ASCII bytes (no carry from one byte into the next), a byte's high bit is set exactly when
 * the byte is >= 0x20. */
const HIGH_BITS = 0x80808080 | 0;
const ADD_20 = 0x60606060;

/**
 * One string of the string table decoded from `start` (table offsets) up to its NUL at
 * `end`: references to offsets inside it are slices of `text` (see `tableString`).
 */
interface TableSegment {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** Every byte is ASCII: a byte offset is a character index. */
  readonly ascii: boolean;
  /** Index in `text` of the last character INVALID_XML_CHAR matches, -1 for none; undefined until needed. */
  lastBad: number | undefined;
  /** For non-ASCII text: UTF-16 units of the bytes before each SEGMENT_STEP-th byte from `start`; made when needed. */
  units: Int32Array | undefined;
}

/** Bytes per entry of the NUL index of the string table, and of a segment's units index. */
const SEGMENT_STEP = 16;

/**
 * Strings shorter than this from their first reference are not remembered as segments: a
 * reference inside one decodes its few bytes again, which costs less than the bookkeeping.
 */
const SEGMENT_MIN = 32;

/** A table string whose bytes from its first decoded offset are not UTF-8: each reference decodes its own. */
const NOT_UTF8 = 'not-utf8';

/** A string-table entry already decoded, by offset (see `tableString`). */
interface TableEntry {
  readonly text: string;
  /** Its UTF-8 bytes, without the NUL. */
  readonly bytes: number;
  /** Whether `text` is known to hold nothing INVALID_XML_CHAR matches. */
  readonly clean: boolean;
}

export interface WbxmlHeader {
  readonly version: number;
  /** Public id, 0 when the document names itself by FPI. */
  readonly publicId: number;
  readonly fpi: string | undefined;
  readonly charset: number;
  readonly stringTable: Uint8Array;
}

export class WbxmlReader implements ElementReader {
  private readonly b: Uint8Array;
  /** `b` as a Buffer over the same memory (no copy), for its memchr-backed indexOf. */
  private readonly buf: Buffer;
  /**
   * `b` as a latin1 string (one character per byte), made on first use when `b` is at
   * most LATIN1_INPUT_MAX bytes: an ASCII string of `b` is then a slice of it (V8 copies
   * only short ones) instead of a TextDecoder call. Only ever sliced over bytes < 0x80,
   * where latin1, ASCII and UTF-8 agree.
   */
  private latin1: string | undefined;
  private pos = 0;
  private readonly g: WbxmlGrammar;
  private readonly t: WbxmlTokens;
  private readonly limits: DecodeLimits;
  private strtbl: Uint8Array = NO_BYTES;
  /** Offset of the string table in `b`. */
  private strtblAt = 0;
  /**
   * Decoded string-table entries by table offset, so a string referenced again is not
   * decoded again. Bounded: an entry is added only after its text was charged to
   * `textTotal`, and there is at most one per table offset.
   */
  private tableCache: Map<number, TableEntry> | undefined;
  /** Decoded table strings by the table offset of their NUL (see `tableString`). */
  private segments: Map<number, TableSegment | typeof NOT_UTF8> | undefined;
  /** The highest NUL offset among `segments`, -1 for none: no reference past it falls in one. */
  private segmentsEnd = -1;
  /**
   * The NUL index of the string table: for each SEGMENT_STEP-byte block, the table offset of
   * the first NUL at or after its start, -1 for none, -2 while not known. A lookup walks
   * forward over the blocks not known yet, to a NUL or a known block, and fills them: each
   * block is scanned once.
   */
  private nulIndex: Int32Array | undefined;
  private page = 0;
  /** Element names of code page `page`, and its vocabulary id (kept in step with `page`). */
  private pageNames: readonly (string | undefined)[] | undefined;
  private pageVocab: number | undefined;
  /** The grammar's `names` and `pageVocab` of the pages switched to so far, by page number
   * (a byte), so that switching back and forth does not look them up in the maps again. */
  private readonly seenNames: (readonly (string | undefined)[] | undefined)[] = [];
  private readonly seenVocab: (number | undefined)[] = [];
  /** After `termString`/`tableString`: offset just past the NUL (termString only). */
  private strNext = 0;
  /** After `termString`/`tableString`: the text is known to hold no INVALID_XML_CHAR. */
  private strClean = false;
  private readonly stack: string[] = [];
  /** Position of each open element among its same-named siblings when it is repeatable (see nth), else 0. */
  private readonly nths: number[] = [];
  private depth = 0;
  private elements = 0;
  private pendingEnd = false;
  /** Offset of the last tag token read. */
  private tagAt = 0;
  /** Offset of what closed the last element: its END, or its own tag when that has no content. */
  private closedAt = 0;
  /** Characters of all strings read so far (string-table references can repeat a string). */
  private textTotal = 0;
  dmOnly = false;
  /**
   * Lenient mode (set by the decoder's options): recover from the slips of LENIENT_SLIPS
   * made at this level (header, string table, NULs after the document), each recorded in
   * `warnings`.
   */
  lenient = false;
  warnings: WarningLog | undefined = undefined;
  header: WbxmlHeader | undefined;
  /**
   * Work done beyond one forward pass over the input, in bytes or entries examined (see
   * test/codec/decode-work.test.ts): the bytes of each string scanned and decoded (a
   * string-table string is read once per offset referenced), cached references, embedded
   * documents read by a reader of their own and read again as text when they are not one.
   */
  work = 0;

  constructor(given: Uint8Array | ArrayBuffer, grammar: WbxmlGrammar, limits: DecodeLimits) {
    const input = inputBytes(given, 'a Uint8Array, Buffer or ArrayBuffer');
    this.b = input;
    this.g = grammar;
    this.t = grammar.tokens;
    this.limits = limits;
    this.pageNames = grammar.names.get(0);
    this.pageVocab = grammar.pageVocab.get(0);
    if (input.length > limits.maxBytes) {
      throw new DecodeError(`input of ${input.length} bytes is larger than the limit of ${limits.maxBytes} bytes`, '', 0);
    }
    this.buf = Buffer.from(input.buffer, input.byteOffset, input.length);
  }

  /** How far the forward pass went: the bytes read so far (for tests that count work). */
  get scanned(): number {
    return this.pos;
  }

  // ---------------------------------------------------------------- errors

  path(): string {
    let p = '';
    for (let i = 0; i < this.depth; i++) {
      const k = this.nths[i]!;
      p += '/' + this.stack[i] + (k > 0 ? `[${k}]` : '');
    }
    return p;
  }

  nth(index: number): void {
    this.nths[this.depth - 1] = index;
  }

  fail(reason: string, at: number = this.pos): never {
    throw new DecodeError(reason, this.path(), at);
  }

  // ---------------------------------------------------------------- lenient mode

  private warn(kind: LenientSlip, message: string, at: number, path: string = this.path()): void {
    this.warnings?.add(kind, message, path, at);
  }

  slip(kind: LenientSlip, message: string): void {
    this.warn(kind, message, this.tagAt);
  }

  slipClosed(kind: LenientSlip, message: string): void {
    // The element just closed is still on the stacks, one past the depth.
    this.depth++;
    const path = this.path();
    this.depth--;
    this.warn(kind, message, this.closedAt, path);
  }

  private current(): string {
    return this.depth > 0 ? this.stack[this.depth - 1]! : 'document';
  }

  private eof(): never {
    this.fail(this.depth > 0 ? `unexpected end of input inside <${this.current()}>` : 'unexpected end of input');
  }

  // ---------------------------------------------------------------- primitives

  private byte(): number {
    if (this.pos >= this.b.length) this.eof();
    return this.b[this.pos++]!;
  }

  /** mb_u_int32: big-endian base-128, at most five bytes, at most 2^32 - 1. */
  private mbUint32(): number {
    const at = this.pos;
    let v = 0;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= this.b.length) this.fail('truncated multi-byte integer', at);
      const c = this.b[this.pos++]!;
      v = v * 128 + (c & 0x7f);
      if ((c & 0x80) === 0) {
        if (v > 0xffffffff) this.fail('multi-byte integer larger than 32 bits', at);
        return v;
      }
    }
    return this.fail('multi-byte integer longer than five bytes', at);
  }

  /**
   * The NUL-terminated UTF-8 string of `b` from `start`, whose NUL must come before
   * `limit`. Sets `strNext` (just past the NUL) and `strClean`. `what` names the string in
   * errors; undefined means a string-table string (named by its table offset).
   */
  private termString(start: number, limit: number, at: number, what: string | undefined, unterminated?: LenientSlip): string {
    const b = this.b;
    // Fast path, short strings: one pass finds the NUL and notes whether any byte is
    // >= 0x80 (then the strict TextDecoder decides) or a control character other than
    // tab, LF, CR (then readText runs INVALID_XML_CHAR as before, for its exact error).
    let flags = 0;
    let nul = -1;
    const shortEnd = Math.min(limit, start + SHORT_SCAN);
    let i = start;
    while (i < shortEnd) {
      // Four bytes at a time while all four are 0x20-0x7F: then each c + 0x60 has its high
      // bit set and no c has (see ADD_20); any other byte (the NUL too) stops this.
      while (i + 4 <= shortEnd) {
        const c0 = b[i]!;
        const c1 = b[i + 1]!;
        const c2 = b[i + 2]!;
        const c3 = b[i + 3]!;
        if (((c0 + 0x60) & (c1 + 0x60) & (c2 + 0x60) & (c3 + 0x60) & ~(c0 | c1 | c2 | c3) & 0x80) === 0) break;
        i += 4;
      }
      if (i >= shortEnd) break;
      const c = b[i]!;
      if (c < 0x20 || c >= 0x80) {
        if (c === 0) {
          nul = i;
          break;
        }
        flags |= c >= 0x80 ? NON_ASCII : isControl(c) ? CONTROL : 0;
      }
      i++;
    }
    if (nul < 0 && i < limit) {
      // Long path: Buffer#indexOf (memchr) finds the NUL (Uint8Array#indexOf is tens of
      // times slower on long strings), then scanLong checks the rest in bulk.
      const found = this.buf.indexOf(0, i);
      if (found >= 0 && found < limit) {
        nul = found;
        if ((flags & NON_ASCII) === 0) flags |= this.scanLong(i, nul);
      }
    }
    if (nul < 0) {
      if (unterminated === undefined) this.fail(`${what ?? this.tableWhat(start)} has no terminating NUL`, at);
      // Lenient, a string-table string: it ends with the table.
      if (i < limit && (flags & NON_ASCII) === 0) flags |= this.scanLong(i, limit);
      nul = limit;
      this.warn(unterminated, `${what ?? this.tableWhat(start)} has no terminating NUL: read up to the end of the string table`, at);
    }
    this.work += nul - start;
    this.chargeBytes(nul - start, at);
    let text: string;
    if (flags & NON_ASCII) {
      const decoded = decodeUtf8(b, start, nul);
      if (typeof decoded === 'number') this.fail(`${what ?? this.tableWhat(start)} is not valid UTF-8`, at);
      text = decoded;
    } else {
      // Fast path, ASCII (latin1 = UTF-8 here): a slice of the latin1 view of a small
      // input, or, in a large one, a latin1 string of just these bytes.
      text =
        b.length <= LATIN1_INPUT_MAX
          ? (this.latin1 ??= this.buf.toString('latin1', 0, b.length)).slice(start, nul)
          : this.buf.toString('latin1', start, nul);
    }
    this.chargeText(text.length, at);
    this.strNext = nul + 1;
    this.strClean = flags === 0;
    return text;
  }

  private tableWhat(start: number): string {
    return `string at table offset ${start - this.strtblAt}`;
  }

  /**
   * NON_ASCII, CONTROL or 0 for `b[start..end)`, which holds no NUL (any one flag is
   * enough: the caller then takes the strict decoder or the regex, which decide). isAscii
   * (native) first; then, the bytes being ASCII, eight words at a time with ADD_20, and the
   * bytes of a word group that has a byte < 0x20 one by one (tab, LF, CR are allowed).
   */
  private scanLong(start: number, end: number): number {
    const b = this.b;
    if (!isAscii(b.subarray(start, end))) return NON_ASCII;
    let i = start;
    // Up to a four-byte boundary of the underlying buffer, for the Int32Array view.
    while (i < end && ((b.byteOffset + i) & 3) !== 0) if (isControl(b[i++]!)) return CONTROL;
    const words = (end - i) >>> 2;
    if (words === 0) return hasControl(b, i, end) ? CONTROL : 0;
    const w = new Int32Array(b.buffer, b.byteOffset + i, words);
    let k = 0;
    for (; k + 8 <= words; k += 8) {
      const all =
        (w[k]! + ADD_20) &
        (w[k + 1]! + ADD_20) &
        (w[k + 2]! + ADD_20) &
        (w[k + 3]! + ADD_20) &
        (w[k + 4]! + ADD_20) &
        (w[k + 5]! + ADD_20) &
        (w[k + 6]! + ADD_20) &
        (w[k + 7]! + ADD_20);
      if ((all & HIGH_BITS) !== HIGH_BITS && hasControl(b, i + 4 * k, i + 4 * k + 32)) return CONTROL;
    }
    for (; k < words; k++) {
      if (((w[k]! + ADD_20) & HIGH_BITS) !== HIGH_BITS && hasControl(b, i + 4 * k, i + 4 * k + 4)) return CONTROL;
    }
    return hasControl(b, i + 4 * words, end) ? CONTROL : 0;
  }

  /**
   * The string at `offset` of the string table (checked to be inside it), decoded once:
   * a later reference to the same offset takes the cached text, and is charged exactly
   * as a decoded one is (the same limit checks, in the same order, at the same offset).
   */
  private tableString(offset: number, at: number, what?: string): string {
    const cache = (this.tableCache ??= new Map());
    const hit = cache.get(offset);
    if (hit !== undefined) {
      this.work++;
      this.chargeBytes(hit.bytes, at);
      this.chargeText(hit.text.length, at);
      this.strClean = hit.clean;
      return hit.text;
    }
    // A body reference into a string already decoded from an earlier or the same offset: a
    // slice of it. (Without this, references to many offsets inside one long string would
    // decode it again from each: quadratic.)
    const segments = (this.segments ??= new Map());
    // (A reference past the end of every string decoded so far, as the first one into each
    // string is when the table is in the order of first use, has nothing to slice: it goes
    // the direct way, without looking for its NUL first.)
    const known = what === undefined && offset <= this.segmentsEnd ? this.nextNul(offset) : -2;
    if (known >= 0) {
      let seg = segments.get(known);
      if (seg !== undefined && seg !== NOT_UTF8 && seg.start > offset) seg = this.decodeSegment(this.stringStart(offset), known);
      if (seg !== undefined && seg !== NOT_UTF8) return this.sliceSegment(seg, offset, at, cache);
    }
    const start = this.strtblAt + offset;
    const text = this.termString(start, this.strtblAt + this.strtbl.length, at, what, this.lenient ? (what === undefined ? 'wbxml-string-unterminated' : 'wbxml-public-id-unterminated') : undefined);
    const end = this.strNext - 1 - this.strtblAt;
    cache.set(offset, { text, bytes: end - offset, clean: this.strClean });
    // A body reference decoded from here to its NUL (not one that ran to the end of the table,
    // lenient), long enough to be worth it: the string from here, for references after it.
    if (what === undefined && end < this.strtbl.length && end - offset >= SEGMENT_MIN) {
      const seg = segments.get(end);
      if (seg === undefined || (seg !== NOT_UTF8 && seg.start > offset)) {
        segments.set(end, { start: offset, end, text, ascii: text.length === end - offset, lastBad: this.strClean ? -1 : undefined, units: undefined });
        if (end > this.segmentsEnd) this.segmentsEnd = end;
      }
    }
    return text;
  }

  /**
   * The reference at table `offset` into `seg` (which starts at or before it), charged and
   * checked as a decoded one is: the same limits in the same order, and at an offset inside
   * a UTF-8 sequence the same error (from decoding it, as before).
   */
  private sliceSegment(seg: TableSegment, offset: number, at: number, cache: Map<number, TableEntry>): string {
    this.work++;
    const bytes = seg.end - offset;
    this.chargeBytes(bytes, at);
    let index = offset - seg.start;
    if (!seg.ascii) {
      if ((this.strtbl[offset]! & 0xc0) === 0x80) {
        // Inside a UTF-8 sequence: decoding from here fails, with the error it always gave.
        this.termString(this.strtblAt + offset, this.strtblAt + this.strtbl.length, at, undefined);
      }
      index = this.unitsBefore(seg, offset);
    }
    const text = index === 0 ? seg.text : seg.text.slice(index);
    this.chargeText(text.length, at);
    if (seg.lastBad === undefined) seg.lastBad = lastInvalidChar(seg.text);
    this.work++;
    const clean = index > seg.lastBad;
    this.strClean = clean;
    cache.set(offset, { text, bytes, clean });
    return text;
  }

  /**
   * The string of the table from `start` to its NUL at `end` (table offsets), decoded and
   * remembered, or NOT_UTF8 (remembered too) when those bytes are not UTF-8. Not charged:
   * each reference is, for its own part.
   */
  private decodeSegment(start: number, end: number): TableSegment | typeof NOT_UTF8 {
    this.work += end - start;
    const decoded = decodeUtf8(this.strtbl, start, end);
    const seg: TableSegment | typeof NOT_UTF8 =
      typeof decoded === 'number' ? NOT_UTF8 : { start, end, text: decoded, ascii: decoded.length === end - start, lastBad: undefined, units: undefined };
    this.segments!.set(end, seg);
    return seg;
  }

  /** UTF-16 units of `seg`'s text before table `offset` (a character boundary inside it). */
  private unitsBefore(seg: TableSegment, offset: number): number {
    const t = this.strtbl;
    let units = seg.units;
    if (units === undefined) {
      // Units before every SEGMENT_STEP-th byte: one pass, once per segment.
      units = seg.units = new Int32Array(Math.floor((seg.end - seg.start) / SEGMENT_STEP) + 1);
      let u = 0;
      // (Through `end` itself: a reference may be to the NUL, the empty string.)
      for (let i = seg.start; ; i++) {
        if ((i - seg.start) % SEGMENT_STEP === 0) units[(i - seg.start) / SEGMENT_STEP] = u;
        if (i >= seg.end) break;
        u += unitsOfByte(t[i]!);
      }
      this.work += seg.end - seg.start;
    }
    const block = Math.floor((offset - seg.start) / SEGMENT_STEP);
    let u = units[block]!;
    for (let i = seg.start + block * SEGMENT_STEP; i < offset; i++) u += unitsOfByte(t[i]!);
    this.work += offset - seg.start - block * SEGMENT_STEP;
    return u;
  }

  /** Table offset where the string holding table `offset` starts: just past the NUL before it. */
  private stringStart(offset: number): number {
    const nul = offset > 0 ? this.buf.lastIndexOf(0, this.strtblAt + offset - 1) : -1;
    const start = nul >= this.strtblAt ? nul - this.strtblAt + 1 : 0;
    this.work += offset - start;
    return start;
  }

  /**
   * Table offset of the first NUL at or after table `offset`, -1 for none: in its own block,
   * else from the NUL index, filled on the way (see `nulIndex`).
   */
  private nextNul(offset: number): number {
    const t = this.strtbl;
    const n = t.length;
    const block = Math.floor(offset / SEGMENT_STEP);
    const blockEnd = Math.min(n, (block + 1) * SEGMENT_STEP);
    for (let i = offset; i < blockEnd; i++) if (t[i] === 0) return i;
    this.work += blockEnd - offset;
    if (blockEnd >= n) return -1;
    const index = (this.nulIndex ??= new Int32Array(Math.ceil(n / SEGMENT_STEP)).fill(-2));
    const first = block + 1;
    if (index[first] === -2) {
      // Forward from the next block to a NUL (memchr over chunks that double in size) or to a
      // block already known, whose NUL is this one's too; the blocks passed are filled. A
      // chunk may run into known blocks, by less than what was walked before it: each byte
      // is scanned a bounded number of times.
      let pos = first * SEGMENT_STEP;
      let chunk = 4 * SEGMENT_STEP;
      let nul = -1;
      let stop = index.length;
      for (;;) {
        const b = pos / SEGMENT_STEP;
        if (index[b] !== -2) {
          nul = index[b]!;
          stop = b;
          break;
        }
        const to = Math.min(n, pos + chunk);
        const found = this.buf.subarray(this.strtblAt + pos, this.strtblAt + to).indexOf(0);
        this.work += found >= 0 ? found + 1 : to - pos;
        if (found >= 0) {
          nul = pos + found;
          stop = Math.floor(nul / SEGMENT_STEP) + 1;
          break;
        }
        if (to >= n) break;
        pos = to;
        chunk *= 2;
      }
      for (let j = first; j < stop; j++) index[j] = nul;
      this.work += stop - first;
    }
    return index[block + 1]!;
  }

  /** Checks a string of `bytes` UTF-8 bytes against the limits, before decoding it. */
  private chargeBytes(bytes: number, at: number): void {
    // Limits count UTF-16 units, as the XML reader does; n UTF-8 bytes make at least n / 3.
    if (bytes > 3 * this.limits.maxTextLength) this.fail(`text longer than the limit of ${this.limits.maxTextLength}`, at);
    if (bytes > 3 * (this.limits.maxBytes - this.textTotal)) this.textBudgetSpent(at);
  }

  /** Adds a decoded string of `length` UTF-16 units to the total. */
  private chargeText(length: number, at: number): void {
    this.textTotal += length;
    if (this.textTotal > this.limits.maxBytes) this.textBudgetSpent(at);
  }

  /**
   * A few bytes of STR_T can repeat a long string-table string, so the text of all strings
   * together is bounded too: by maxBytes, as the text of an XML message is.
   */
  private textBudgetSpent(at: number): never {
    this.fail(`strings hold more than ${this.limits.maxBytes} characters in all (the input limit)`, at);
  }

  // ---------------------------------------------------------------- header

  /** Reads the header and the root start tag. */
  openRoot(): void {
    const version = this.byte();
    if (version < 0x01 || version > 0x03) {
      if (!this.lenient) {
        // (XML starts with `<`, white space or a UTF-8 byte order mark.)
        const xml = version === 0x3c || version === 0xef || version === 0x20 || version === 0x09 || version === 0x0a || version === 0x0d;
        const hint = xml ? ': the input looks like XML; read it with decodeXml, or decode, which reads both' : '';
        this.fail(`unsupported WBXML version byte 0x${version.toString(16).padStart(2, '0')} (1.1 to 1.3 are read)${hint}`, 0);
      }
      this.warn(
        'wbxml-version',
        version === 0 ? 'WBXML 1.0 (version byte 0x00): its header has no charset, UTF-8 is assumed' : `unknown WBXML version byte 0x${hex(version)}, read as WBXML 1.3`,
        0,
        '',
      );
    }
    const idAt = this.pos;
    const publicId = this.mbUint32();
    let fpiIndex = -1;
    if (publicId === 0) fpiIndex = this.mbUint32();
    const csAt = this.pos;
    // WBXML 1.0 has no charset field (libwbxml reads it so too).
    const charset = this.lenient && version === 0 ? this.t.CHARSET_UTF8 : this.mbUint32();
    if (charset !== this.t.CHARSET_UTF8) {
      if (!this.lenient || (charset !== this.t.CHARSET_UNKNOWN && charset !== this.t.CHARSET_US_ASCII)) this.fail(`unsupported charset MIBenum ${charset}: only UTF-8 (106) is read`, csAt);
      this.warn('wbxml-charset', `charset MIBenum ${charset} (${charset === this.t.CHARSET_UNKNOWN ? 'unknown' : 'US-ASCII'}) read as UTF-8`, csAt, '');
    }
    const lenAt = this.pos;
    const len = this.mbUint32();
    if (len > this.b.length - this.pos) this.fail(`string table of ${len} bytes is longer than the rest of the input`, lenAt);
    this.setStringTable(len);
    let fpi: string | undefined;
    let vocab: number | undefined;
    if (fpiIndex >= 0) {
      if (fpiIndex >= this.strtbl.length) this.fail(`public id string at offset ${fpiIndex} is past the string table`, idAt);
      fpi = this.tableString(fpiIndex, idAt, 'public id string');
      vocab = this.g.fpis.get(fpi);
      if (vocab === undefined && this.lenient) vocab = this.fpiInOtherCase(fpi, idAt);
      if (vocab === undefined) this.fail(`unknown public identifier "${fpi}"`, idAt);
    } else if (publicId !== 1) {
      // 1 means "unknown" (WBXML 1.3, section 7.2): then the root tag decides.
      vocab = this.g.publicIds.get(publicId);
      if (vocab === undefined) this.fail(`unknown public id 0x${publicId.toString(16)}`, idAt);
    }
    if (vocab !== undefined && vocab !== this.g.rootVocab) {
      this.fail(`document is a ${this.g.vocabularies[vocab]!.name} document, expected ${this.g.vocabularies[this.g.rootVocab]!.name}`, idAt);
    }
    this.header = { version, publicId, fpi, charset, stringTable: this.strtbl };
    const name = this.nextTag();
    if (name === null) this.fail('no root element');
    if (name !== this.g.root) {
      this.depth--;
      this.fail(`root element is <${name}>, expected <${this.g.root}>`, this.tagAt);
    }
  }

  /** Lenient: the vocabulary of a known public identifier that `fpi` spells in another case. */
  private fpiInOtherCase(fpi: string, at: number): number | undefined {
    if (fpi.length > 256) return undefined;
    const lower = fpi.toLowerCase();
    for (const [known, vocab] of this.g.fpis) {
      if (known.toLowerCase() === lower) {
        this.warn('wbxml-public-id-case', `public identifier "${fpi}" read as "${known}"`, at, '');
        return vocab;
      }
    }
    return undefined;
  }

  /** The next `len` bytes (checked to be there) are the string table. */
  private setStringTable(len: number): void {
    this.strtbl = this.b.subarray(this.pos, this.pos + len);
    this.strtblAt = this.pos;
    this.tableCache = undefined;
    this.segments = undefined;
    this.segmentsEnd = -1;
    this.nulIndex = undefined;
    this.pos += len;
  }

  /** SWITCH_PAGE (at `at`, already read): reads the page and makes it current. */
  private switchPage(at: number): void {
    const page = this.byte();
    let names = this.seenNames[page];
    if (names === undefined) {
      names = this.g.names.get(page);
      if (names === undefined) this.fail(`SWITCH_PAGE to unknown code page ${page}`, at);
      this.seenNames[page] = names;
      this.seenVocab[page] = this.g.pageVocab.get(page);
    }
    this.page = page;
    this.pageNames = names;
    this.pageVocab = this.seenVocab[page];
  }

  /** After the root element: nothing but processing instructions. */
  finish(): void {
    if (this.pos < this.b.length) {
      if (this.lenient && this.buf.subarray(this.pos).every((c) => c === 0)) {
        this.warn('trailing-nul', `${this.b.length - this.pos} NUL byte(s) after the document`, this.pos, '');
        this.pos = this.b.length;
        return;
      }
      this.fail('content after the root element');
    }
  }

  // ---------------------------------------------------------------- tags

  /**
   * Reads tokens up to the next start tag (returning its name, pushed) or END (popping,
   * returning null). Strings and other content are errors here: element-only content.
   */
  private nextTag(): string | null {
    const t = this.t;
    for (;;) {
      if (this.pos >= this.b.length) this.eof();
      const at = this.pos;
      const c = this.b[this.pos++]!;
      if (c === t.SWITCH_PAGE) {
        this.switchPage(at);
        continue;
      }
      if (c === t.END) {
        if (this.depth === 0) this.fail('END without an open element', at);
        this.depth--;
        this.closedAt = at;
        return null;
      }
      // (The failures are built in small methods apart, which keeps this one small enough
      // for V8 to inline it where it is called.)
      if (c === t.STR_I || c === t.STR_T || c === t.OPAQUE || c === t.ENTITY) this.textNotAllowed(at);
      const id = c & t.TAG_ID;
      if (id < 5) this.unsupportedToken(c, at);
      const name = this.pageNames![id];
      if (name === undefined) this.unknownTag(c, at);
      if ((c & t.TAG_ATTRIBUTES) !== 0) this.hasAttributes(name, at);
      if (++this.elements > this.limits.maxElements) this.tooManyElements(at);
      if (this.depth >= this.limits.maxDepth) this.tooDeep(at);
      this.nths[this.depth] = 0;
      this.stack[this.depth++] = name;
      this.pendingEnd = (c & t.TAG_CONTENT) === 0;
      this.tagAt = at;
      return name;
    }
  }

  private textNotAllowed(at: number): never {
    this.fail(`text is not allowed in <${this.current()}>, only elements`, at);
  }

  private unsupportedToken(c: number, at: number): never {
    this.fail(`token 0x${hex(c)} is not supported here (literal tags, extensions and processing instructions are not used by this grammar)`, at);
  }

  private unknownTag(c: number, at: number): never {
    this.fail(`unknown tag token 0x${hex(c)} on code page ${this.page}`, at);
  }

  private hasAttributes(name: string, at: number): never {
    this.fail(`<${name}> has attributes, which this grammar does not define`, at);
  }

  private tooManyElements(at: number): never {
    this.fail(`more than ${this.limits.maxElements} elements`, at);
  }

  private tooDeep(at: number): never {
    this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, at);
  }

  nextChild(vocab: number): string | null {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
      this.closedAt = this.tagAt;
      return null;
    }
    const name = this.nextTag();
    if (name !== null && this.pageVocab !== vocab) this.wrongVocabulary(name, this.pageVocab!, vocab);
    return name;
  }

  private wrongVocabulary(name: string, v: number, vocab: number): never {
    this.fail(`<${name}> is on the ${this.g.vocabularies[v]!.name} code page, expected ${this.g.vocabularies[vocab]!.name}`, this.tagAt);
  }

  readEmpty(): void {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
      this.closedAt = this.tagAt;
      return;
    }
    const at = this.pos;
    if (this.pos >= this.b.length) this.eof();
    if (this.b[this.pos] !== this.t.END) this.notEmpty(at);
    this.closedAt = at;
    this.pos++;
    this.depth--;
  }

  private notEmpty(at: number): never {
    this.fail(`<${this.current()}> must be empty`, at);
  }

  readText(inlineMarkup = false): string {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
      this.closedAt = this.tagAt;
      return '';
    }
    // Fast path, most text elements: one STR_I or STR_T string, then END. The same steps
    // and checks as the first round of textContent's loop, which takes everything else (from
    // the next token, when the string is not followed by END). Kept small for V8 to inline.
    const b = this.b;
    const at = this.pos;
    const c = at < b.length ? b[at]! : -1;
    let text: string;
    if (c === this.t.STR_I) {
      text = this.termString(at + 1, b.length, at, 'inline string');
      this.pos = this.strNext;
    } else if (c === this.t.STR_T) {
      this.pos = at + 1;
      text = this.tableReference(at);
    } else {
      return this.textContent('', inlineMarkup);
    }
    this.checkPiece(text, text, this.strClean, at);
    if (this.pos < b.length && b[this.pos] === this.t.END) {
      this.closedAt = this.pos++;
      this.depth--;
      return text;
    }
    return this.textContent(text, inlineMarkup);
  }

  /** STR_T (at `at`, read): its offset and the table string there. Sets `strClean`. */
  private tableReference(at: number): string {
    const offset = this.mbUint32();
    if (offset >= this.strtbl.length) this.fail(`string table offset ${offset} is past the end of the table`, at);
    return this.tableString(offset, at);
  }

  /**
   * The checks on text after a token added `piece` to it, making `out`: its length, and its
   * characters, unless `clean` says the piece is known to hold no INVALID_XML_CHAR (ASCII
   * strings whose scan saw no control byte; ENTITY, checked by isXmlChar), so that the
   * regex, which could not match, is skipped.
   */
  private checkPiece(out: string, piece: string, clean: boolean, at: number): void {
    if (out.length > this.limits.maxTextLength) this.fail(`text longer than the limit of ${this.limits.maxTextLength}`, at);
    const bad = clean ? null : INVALID_XML_CHAR.exec(piece);
    if (bad) this.fail(`character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in text`, at);
  }

  /** Text tokens up to the END of a text element, after `out` (read already). */
  private textContent(out: string, inlineMarkup: boolean): string {
    const t = this.t;
    for (;;) {
      if (this.pos >= this.b.length) this.eof();
      const at = this.pos;
      const c = this.b[this.pos++]!;
      if (c === t.END) {
        this.depth--;
        this.closedAt = at;
        break;
      }
      // `piece` is what this token adds; `clean` when it is known to hold no INVALID_XML_CHAR.
      let piece: string;
      let clean = false;
      if (c === t.STR_I) {
        piece = this.termString(this.pos, this.b.length, at, 'inline string');
        this.pos = this.strNext;
        clean = this.strClean;
      } else if (c === t.STR_T) {
        piece = this.tableReference(at);
        clean = this.strClean;
      } else if (c === t.ENTITY) {
        const cp = this.mbUint32();
        if (!isXmlChar(cp)) this.fail(`ENTITY names U+${cp.toString(16).toUpperCase()}, which XML does not allow`, at);
        piece = String.fromCodePoint(cp);
        clean = true;
      } else if (c === t.OPAQUE) {
        const len = this.mbUint32();
        if (len > this.b.length - this.pos) this.fail(`OPAQUE claims ${len} bytes, only ${this.b.length - this.pos} remain`, at);
        piece = this.opaqueText(this.b.subarray(this.pos, this.pos + len));
        this.pos += len;
      } else if (c === t.SWITCH_PAGE) {
        this.pos = at;
        if (!inlineMarkup) {
          this.pos++;
          this.switchPage(at);
          continue;
        }
        piece = this.markupAsXml();
      } else if (inlineMarkup && (c & t.TAG_ID) >= 5) {
        this.pos = at;
        piece = this.markupAsXml();
      } else {
        this.fail(`<${this.current()}> holds text only; found token 0x${hex(c)}`, at);
      }
      out += piece;
      this.checkPiece(out, piece, clean, at);
    }
    return out;
  }

  /**
   * OPAQUE content of a text element: an embedded WBXML document of a known vocabulary
   * becomes its XML text; anything else must be UTF-8 text. `bytes` start at `this.pos`.
   */
  private opaqueText(bytes: Uint8Array): string {
    if (bytes.length >= 4 && bytes[0]! >= 0x01 && bytes[0]! <= 0x03) {
      const embedded = this.embeddedDocument(bytes);
      if (embedded !== undefined) return embedded;
    }
    this.work += bytes.length;
    const text = decodeUtf8(bytes);
    if (typeof text === 'number') this.fail('OPAQUE data is neither UTF-8 text nor a WBXML document of a known vocabulary', this.pos + text);
    return text;
  }

  /** XML text of an embedded WBXML document, or undefined when it is not one we know. */
  private embeddedDocument(bytes: Uint8Array): string | undefined {
    const inner = new WbxmlReader(bytes, this.g, { ...this.limits, maxDepth: Math.max(1, this.limits.maxDepth - this.depth) });
    inner.textTotal = this.textTotal;
    try {
      return inner.documentAsXml();
    } catch {
      return undefined;
    } finally {
      this.textTotal = inner.textTotal;
      this.work += bytes.length + inner.work;
    }
  }

  /** The whole document, of a known vocabulary, as compact XML text. */
  private documentAsXml(): string {
    const t = this.t;
    this.byte();
    const publicId = this.mbUint32();
    const fpiIndex = publicId === 0 ? this.mbUint32() : -1;
    if (this.mbUint32() !== t.CHARSET_UTF8) this.fail('embedded document is not UTF-8');
    const len = this.mbUint32();
    if (len > this.b.length - this.pos) this.fail('embedded string table past the end');
    this.setStringTable(len);
    // (fpiIndex is not checked against the table here: past it, no NUL is found, and any
    // failure only means "not an embedded document".)
    const known = fpiIndex >= 0 ? this.g.fpis.has(this.tableString(fpiIndex, 0, 'public id string')) : this.g.publicIds.has(publicId);
    if (!known) this.fail('embedded document of an unknown vocabulary');
    // body = [switchPage] element: a MetInf document opens with SWITCH_PAGE 1, which
    // markupAsXml reads on its own (nothing is open yet), before the root start tag.
    while (this.pos < this.b.length && this.b[this.pos] === t.SWITCH_PAGE) this.markupAsXml();
    if (this.pos >= this.b.length || (this.b[this.pos]! & t.TAG_ID) < 5) this.fail('embedded document has no root element');
    const xml = this.markupAsXml();
    this.finish();
    return xml;
  }

  /** One element (optionally after SWITCH_PAGE) and its content, written as compact XML. */
  private markupAsXml(): string {
    const t = this.t;
    const startDepth = this.depth;
    let out = '';
    const open: string[] = [];
    let lastVocab = -1;
    const vocabStack: number[] = [];
    do {
      if (this.pos >= this.b.length) this.eof();
      const at = this.pos;
      const c = this.b[this.pos++]!;
      if (c === t.SWITCH_PAGE) {
        this.switchPage(at);
      } else if (c === t.END) {
        const name = open.pop();
        if (name === undefined) this.fail('END without an open element', at);
        out += `</${name}>`;
        vocabStack.pop();
        lastVocab = vocabStack.length ? vocabStack[vocabStack.length - 1]! : -1;
        this.depth--;
      } else if (c === t.STR_I) {
        out += escapeXml(this.termString(this.pos, this.b.length, at, 'inline string'));
        this.pos = this.strNext;
      } else if (c === t.STR_T) {
        out += escapeXml(this.tableReference(at));
      } else if (c === t.ENTITY) {
        const cp = this.mbUint32();
        if (!isXmlChar(cp)) this.fail(`ENTITY names U+${cp.toString(16).toUpperCase()}, which XML does not allow`, at);
        out += escapeXml(String.fromCodePoint(cp));
      } else if (c === t.OPAQUE) {
        const len = this.mbUint32();
        if (len > this.b.length - this.pos) this.fail(`OPAQUE claims ${len} bytes, only ${this.b.length - this.pos} remain`, at);
        const text = decodeUtf8(this.b, this.pos, this.pos + len);
        if (typeof text === 'number') this.fail('OPAQUE data inside embedded markup is not UTF-8 text', at);
        this.work += len;
        out += escapeXml(text);
        this.pos += len;
      } else {
        const id = c & t.TAG_ID;
        if (id < 5) this.fail(`token 0x${hex(c)} is not supported in embedded markup`, at);
        const name = this.pageNames![id];
        if (name === undefined) this.unknownTag(c, at);
        if ((c & t.TAG_ATTRIBUTES) !== 0) this.hasAttributes(name, at);
        if (++this.elements > this.limits.maxElements) this.tooManyElements(at);
        if (this.depth >= this.limits.maxDepth) this.tooDeep(at);
        const vocab = this.pageVocab!;
        const ns = vocab !== lastVocab ? ` xmlns="${this.g.vocabularies[vocab]!.namespace}"` : '';
        if ((c & t.TAG_CONTENT) === 0) {
          out += `<${name}${ns}/>`;
        } else {
          out += `<${name}${ns}>`;
          open.push(name);
          vocabStack.push(vocab);
          lastVocab = vocab;
          this.nths[this.depth] = 0;
          this.stack[this.depth++] = name;
        }
      }
      if (out.length > this.limits.maxTextLength) this.fail(`text longer than the limit of ${this.limits.maxTextLength}`, at);
    } while (open.length > 0);
    if (this.depth !== startDepth) this.fail('unbalanced embedded markup');
    return out;
  }

  // ---------------------------------------------------------------- errors for generated decoders

  unexpected(name: string, _vocabulary: number, parent: string, allowed: readonly string[], earlier: readonly string[]): never {
    this.depth--;
    if (earlier.includes(name)) this.fail(`<${name}> is out of order in <${parent}>`, this.tagAt);
    const expected = allowed.length ? `; expected ${allowed.map((a) => `<${a}>`).join(' or ')}` : '';
    this.fail(`<${name}> is not allowed here in <${parent}>${expected}`, this.tagAt);
  }

  duplicate(name: string, parent: string): never {
    this.depth--;
    this.fail(`duplicate <${name}> in <${parent}>`, this.tagAt);
  }

  missing(what: string, parent: string, found: string | null): never {
    if (found === null) {
      // The parent was just closed: report inside it, at what closed it (as the XML reader does).
      this.depth++;
      this.fail(`missing ${what} in <${parent}>`, this.closedAt);
    }
    this.depth--;
    this.fail(`missing ${what} in <${parent}>, found <${found}>`, this.tagAt);
  }

  outsideProfile(name: string, parent: string, why: string): never {
    this.depth--;
    this.fail(`<${name}> in <${parent}> is not part of OMA DM${why ? ` (${why})` : ''}`, this.tagAt);
  }
}

/** UTF-16 units a UTF-8 byte adds: 1 for a lead or ASCII byte, 2 for the lead of a four-byte sequence, 0 for a continuation byte. */
function unitsOfByte(c: number): number {
  return (c & 0xc0) === 0x80 ? 0 : c >= 0xf0 ? 2 : 1;
}

const INVALID_XML_CHARS = new RegExp(INVALID_XML_CHAR.source, 'g');

/** Index of the last character of `text` INVALID_XML_CHAR matches, or -1. */
function lastInvalidChar(text: string): number {
  INVALID_XML_CHARS.lastIndex = 0;
  let last = -1;
  for (let m = INVALID_XML_CHARS.exec(text); m !== null; m = INVALID_XML_CHARS.exec(text)) last = m.index;
  return last;
}

function hasControl(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (isControl(b[i]!)) return true;
  return false;
}

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(2, '0');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

