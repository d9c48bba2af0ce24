/**
 * A strict, bounded pull reader for the XML that SyncML peers exchange.
 *
 * The generated decoders drive it element by element: `nextChild` yields the next child
 * element's local name (or null at the parent's end tag), `readText` the character
 * content of a text-only element, `readEmpty` checks an EMPTY element. It knows no
 * element of its own: vocabularies (namespaces, element names, accepted DOCTYPE public
 * identifiers) come from generated tables.
 *
 * What it never does: expand entities other than the five predefined ones and character
 * references, read or fetch a DTD, accept a DOCTYPE with an internal subset, go past the
 * limits it is given. Every failure is a DecodeError carrying the element path and the
 * byte offset of the problem.
 */
import { DecodeError, type TextPosition } from './errors.js';
import type { LenientSlip, WarningLog } from './lenient.js';
import { inputBytes } from './input.js';
import type { DecodeLimits } from './limits.js';
import { Buffer } from 'node:buffer';
import { utf8ByteLength, decodeUtf8, isXmlChar } from './utf8.js';

/** One XML vocabulary (a namespace family) the reader accepts. */
export interface XmlVocabulary {
  /** Display name, e.g. `SyncML`. */
  readonly name: string;
  /** Namespace URIs of the vocabulary, compared without regard to case. */
  readonly namespaces: readonly string[];
  /** Every element name the vocabulary defines (for clear "unknown element" errors). */
  readonly elements: ReadonlySet<string>;
}

/** What a document reader needs to know about the grammar it reads. */
export interface XmlGrammar {
  /** Vocabularies by id; the id is the index. */
  readonly vocabularies: readonly XmlVocabulary[];
  /** Vocabulary of elements that declare no namespace at all. */
  readonly defaultVocabulary: number;
  /** Name of the root element. */
  readonly root: string;
  /** Public identifiers a DOCTYPE may name (never fetched). */
  readonly publicIds: readonly string[];
}

const enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Bang = 33,
  Quote = 34,
  Amp = 38,
  Apos = 39,
  Minus = 45,
  Slash = 47,
  Colon = 58,
  Lt = 60,
  Eq = 61,
  Gt = 62,
  Question = 63,
  LBracket = 91,
}

/**
 * Text runs up to this length are checked by a loop (isPlainText) and, when plain, taken
 * as they are. Longer runs go through cookText, whose native scans (includes, the
 * INVALID_XML_CHAR regex) are faster than a JavaScript loop over many characters.
 */
const SHORT_TEXT = 256;

/** Characters XML does not allow, and lone surrogates (a string input may hold them). */
const INVALID_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The XML declaration after `<?xml`, up to `?>` (XML 1.0, 2.8 and 4.3.3): group 1 or 2 is
 * the encoding name.
 */
/** Encodings in which ASCII bytes mean what they mean in UTF-8 (lenient mode takes them over ASCII input). */
const ASCII_COMPATIBLE_ENCODING = /^(?:iso[-_]?8859[-_][0-9]{1,2}|latin-?1|l1|windows-125[0-8]|cp125[0-8]|ascii|us_ascii)$/;

/** UTF-16 by its names: what .NET writes when a message is serialized to a string first, then sent as UTF-8. */
const UTF16_ENCODING = /^(?:utf-?16(?:[lb]e)?|ucs-?2|unicode)$/;

const XML_DECLARATION =
  /^[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*$/;

/** Characters a public identifier may hold (XML 1.0, 2.3, PubidChar). */
const PUBID_LITERAL = /^[ \r\na-zA-Z0-9\-'()+,./:=?;!*#@$_%]*$/;

/** XML 1.0 NameStartChar (5th edition), for one UTF-16 unit (surrogates: the astral planes). */
function isNameStartChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xdfff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd)
  );
}

/** XML 1.0 NameChar. */
function isNameChar(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x3a || c === 0x2d || c === 0x2e;
  return isNameStartChar(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || (c >= 0x203f && c <= 0x2040);
}

/** End of the XML Name that starts at `p` (p itself when none does), before `limit`. */
function xmlNameEnd(s: string, p: number, limit: number): number {
  if (p >= limit || !isNameStartChar(s.charCodeAt(p))) return p;
  let q = p + 1;
  while (q < limit && isNameChar(s.charCodeAt(q))) q++;
  return q;
}

/** Whether `name` is an NCName: a Name without a colon (Namespaces in XML 1.0, 3). */
function isNCName(name: string): boolean {
  return name.length > 0 && !name.includes(':') && xmlNameEnd(name, 0, name.length) === name.length;
}

/** Whether `name` is a QName: an NCName, or two joined by one colon. */
function isQName(name: string): boolean {
  const colon = name.indexOf(':');
  if (colon < 0) return isNCName(name);
  return isNCName(name.slice(0, colon)) && isNCName(name.slice(colon + 1));
}

function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Lf || c === Ch.Tab || c === Ch.Cr;
}

/**
 * Index of the first character at or after `p` that ends an element or attribute name
 * (`>`, `/`, `=`, white space) or the end of `s`.
 */
function nameEnd(s: string, p: number): number {
  for (;;) {
    const c = s.charCodeAt(p);
    // Fast path: letters (and everything else above `>`) never end a name.
    if (c > Ch.Gt) {
      p++;
      continue;
    }
    // Past the end of `s`, charCodeAt gives NaN, which ends the name too.
    if (c === Ch.Gt || c === Ch.Slash || c === Ch.Eq || isSpace(c) || c !== c) return p;
    p++;
  }
}

/** nameEnd for ASCII input, on a view of its bytes; `end` is the length of the input. */
function asciiNameEnd(view: DataView, p: number, end: number): number {
  // Four bytes at a time. As every byte is below 0x80, a word x holds a byte at or below
  // `>` exactly when (x - 0x3f3f3f3f) & ~x & 0x80808080 is not 0 (the usual "has a byte
  // less than n" test), and its lowest set bit is in the first such byte. The letters of
  // a name are all above `>`; the characters that end it are all at or below.
  while (p + 4 <= end) {
    const x = view.getInt32(p, true);
    const below = (x - 0x3f3f3f3f) & ~x & 0x80808080;
    if (below === 0) {
      p += 4;
      continue;
    }
    // Little-endian: the lowest byte is the first. (isSpace spelled out: a call here
    // is not always inlined.)
    p += (31 - Math.clz32(below & -below)) >> 3;
    const c = view.getUint8(p);
    if (c === Ch.Gt || c === Ch.Slash || c === Ch.Eq || c === Ch.Space || c === Ch.Lf || c === Ch.Tab || c === Ch.Cr) return p;
    p++; // a digit, colon, dot, ... goes on
  }
  for (; p < end; p++) {
    const c = view.getUint8(p);
    if (c <= Ch.Gt && (c === Ch.Gt || c === Ch.Slash || c === Ch.Eq || isSpace(c))) break;
  }
  return p;
}

/** What the reader derives from a grammar, built once per grammar (see tablesOf). */
interface GrammarTables {
  /** Namespace URIs of each vocabulary, lower-cased. */
  readonly lowerNamespaces: readonly (readonly string[])[];
  /**
   * Namespace URIs exactly as met in documents, to their vocabulary: peers repeat the
   * same spellings, and this skips the case-insensitive search. Only URIs that resolved
   * are kept, and only a few spellings, so hostile input cannot grow it without bound.
   */
  readonly exactNamespaces: Map<string, number>;
  /**
   * Default namespace declarations met lately, exactly as written with the white space
   * before them (e.g. ` xmlns="syncml:metinf"`, which our encoder writes on every MetInf
   * child), most recent first, and the vocabulary each names: a start tag that spells
   * one the same way needs no reading of it (see readAttributes). ASCII only, and a few.
   */
  readonly recentDeclarations: { readonly chars: DataView; readonly length: number; readonly vocab: number }[];
  /**
   * The grammar's element names, by a hash of their length and of a few of their
   * characters (see internSlot). For ASCII input the start-tag reader looks a name up
   * here and returns the grammar's own string for a known one instead of slicing a new
   * one: less garbage, and the generated decoder then compares its literals with the
   * same, internalized, string. A name whose slot another name took first is simply not
   * interned (there are none for SyncML).
   */
  readonly internNames: readonly (string | undefined)[];
  /** The characters of the name in slot k, from internAt[k] on (the names are ASCII). */
  readonly internChars: DataView;
  readonly internAt: Int32Array;
  /** Multiplier of internSlot, chosen for the grammar's names (see buildInternTable). */
  readonly internSalt: number;
}

/** log2 of the size of the intern table. */
const INTERN_BITS = 10;

/**
 * Slot of a name of `len` characters whose first, middle (at len >> 1) and last
 * characters are given. It reads no more than these, so costs the same for any name.
 */
function internSlot(len: number, first: number, middle: number, last: number, salt: number): number {
  return Math.imul(len ^ (first << 8) ^ (middle << 16) ^ (last << 24), salt) >>> (32 - INTERN_BITS);
}

/** Fills the intern table of a grammar's names, with the multiplier that leaves out the fewest. */
function buildInternTable(grammar: XmlGrammar): Pick<GrammarTables, 'internNames' | 'internChars' | 'internAt' | 'internSalt'> {
  const names = [...new Set([grammar.root, ...grammar.vocabularies.flatMap((v) => [...v.elements])])].filter((n) =>
    /^[\x21-\x7e]+$/.test(n),
  );
  const slotOf = (n: string, salt: number): number =>
    internSlot(n.length, n.charCodeAt(0), n.charCodeAt(n.length >> 1), n.charCodeAt(n.length - 1), salt);
  // A short, deterministic search for a multiplier that gives every name a slot of its
  // own (the first one does for SyncML); else the one that leaves out the fewest.
  let best = { salt: 0, taken: -1 };
  for (let k = 0, salt = 0x9e3779b1 | 0; k < 16 && best.taken < names.length; k++, salt = Math.imul(salt, 0x2c1b3c6d) | 1) {
    const taken = new Set(names.map((n) => slotOf(n, salt))).size;
    if (taken > best.taken) best = { salt, taken };
  }
  const internNames = new Array<string | undefined>(1 << INTERN_BITS).fill(undefined);
  const internAt = new Int32Array(1 << INTERN_BITS);
  const chars = new Uint8Array(names.reduce((n, name) => n + name.length, 0));
  let at = 0;
  for (const name of names) {
    const slot = slotOf(name, best.salt);
    if (internNames[slot] !== undefined) continue;
    internNames[slot] = name;
    internAt[slot] = at;
    for (let i = 0; i < name.length; i++) chars[at++] = name.charCodeAt(i);
  }
  return { internNames, internChars: new DataView(chars.buffer), internAt, internSalt: best.salt };
}

/** Most declarations in GrammarTables.recentDeclarations. */
const MAX_RECENT_DECLARATIONS = 4;

/** Most distinct namespace spellings remembered per grammar. */
const MAX_EXACT_NAMESPACES = 64;

const tablesByGrammar = new WeakMap<XmlGrammar, GrammarTables>();

function tablesOf(grammar: XmlGrammar): GrammarTables {
  let t = tablesByGrammar.get(grammar);
  if (t === undefined) {
    t = {
      lowerNamespaces: grammar.vocabularies.map((v) => v.namespaces.map((n) => n.toLowerCase())),
      exactNamespaces: new Map(),
      recentDeclarations: [],
      ...buildInternTable(grammar),
    };
    tablesByGrammar.set(grammar, t);
  }
  return t;
}

export class XmlReader {
  private readonly s: string;
  private pos: number;
  private readonly end: number;
  /**
   * A view of the input bytes after any BOM, when they are all ASCII: then character i
   * of `s` is byte i of the view. The hot paths read it instead of `s` (several bytes at
   * a time where they can), which is much cheaper than charCodeAt; string input and
   * other text take the general paths.
   */
  private readonly asciiView: DataView | undefined;
  private readonly bomLength: number;
  private readonly grammar: XmlGrammar;
  private readonly limits: DecodeLimits;
  private readonly tables: GrammarTables;

  /** Qualified names (with any prefix) of the open elements, root first, as their end tags must spell them. */
  private readonly qnames: string[] = [];
  /** Where each of these names starts in `s` (the end-tag check compares with it). */
  private readonly nameAt: number[] = [];
  /** Position of each among its same-named siblings when it is repeatable (see nth), else 0. */
  private readonly nths: number[] = [];
  /** Vocabulary of the default namespace in scope inside the current element. */
  private nsDefault: number;
  /**
   * Prefix bindings in scope: the prefix to the index of its innermost binding in the
   * binding stack below, or -1 when it is bound no more (made on the first prefixed
   * declaration). Entries are never deleted: V8 rehashes a Map on a delete after which
   * it holds few entries for its capacity, so a set and delete per element under many
   * prefixes would cost the size of the map each time.
   */
  private prefixes: Map<string, number> | undefined = undefined;
  /**
   * The binding stack, one entry per prefixed declaration on the open elements, innermost
   * last: its prefix, vocabulary, the depth of the element declaring it and the binding
   * of the same prefix it hides (-1 for none). An element's end pops its own and puts the
   * hidden ones back: each declaration costs O(1) twice, however many are in scope.
   */
  private readonly bindPrefix: string[] = [];
  private readonly bindVocab: number[] = [];
  private readonly bindDepth: number[] = [];
  private readonly bindHidden: number[] = [];
  /**
   * For each open element that declares some namespace, innermost last: its depth, the
   * default namespace outside it (restored at its end) and how many declarations it made.
   * Most elements declare none, and then cost nothing here.
   */
  private readonly savedDepth: number[] = [];
  private readonly savedDefault: number[] = [];
  private readonly savedCount: number[] = [];
  /** Namespace declarations on the open elements (for maxNamespaceDeclarations). */
  private declarationsInScope = 0;
  /**
   * Work done beyond one forward pass over the input, in characters or entries examined
   * (see test/codec/decode-work.test.ts): the passes over text that is decoded, the
   * namespace bindings made and undone, the offsets computed for errors. Together with the
   * input length it is the reader's whole work, so a test can check that it grows no
   * faster than the input, without a clock.
   */
  work = 0;
  private depth = 0;
  private elements = 0;
  /** The last start tag read was `<X/>`: its content is empty and its end consumed. */
  private pendingEnd = false;
  /** Vocabulary of the last start tag read. */
  vocab = 0;
  /** The last start tag's namespace was inherited, not declared on the tag itself. */
  private inherited = true;
  /** Refuse elements outside the OMA DM profile (set by the decoder's options). */
  dmOnly = false;
  /**
   * Lenient mode (set by the decoder's options): recover from the slips of LENIENT_SLIPS
   * that are made at this level (an unescaped `&`, a declared ASCII-compatible encoding over
   * ASCII input, NULs after the message), each recorded in `warnings`.
   */
  lenient = false;
  warnings: WarningLog | undefined = undefined;
  /** Character index and byte offset of the last warning (so that each costs the text since the one before). */
  private warnedChar = 0;
  private warnedByte = 0;

  constructor(given: Uint8Array | ArrayBuffer | string, grammar: XmlGrammar, limits: DecodeLimits) {
    const input = typeof given === 'string' ? given : inputBytes(given, 'a Uint8Array, Buffer, ArrayBuffer or string');
    this.grammar = grammar;
    this.limits = limits;
    this.tables = tablesOf(grammar);
    if (typeof input === 'string') {
      // Measured in UTF-8, as the same message in bytes would be: a UTF-16 unit is one
      // to three bytes, so only a string of more than maxBytes / 3 units needs counting.
      if (input.length > limits.maxBytes || (input.length > limits.maxBytes / 3 && Buffer.byteLength(input, 'utf8') > limits.maxBytes)) {
        throw new DecodeError(`input of more than ${limits.maxBytes} bytes in UTF-8 is larger than the limit of ${limits.maxBytes} bytes`, '', 0);
      }
      refuseWbxmlStart(input.charCodeAt(0));
      this.s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
      this.asciiView = undefined;
      // Offsets are UTF-8 byte offsets: a BOM is 3 bytes.
      this.bomLength = input.length === this.s.length ? 0 : 3;
    } else {
      if (input.length > limits.maxBytes) {
        throw new DecodeError(
          `input of ${input.length} bytes is larger than the limit of ${limits.maxBytes} bytes`,
          '',
          0,
        );
      }
      const bom = input.length >= 3 && input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
      refuseWbxmlStart(input[0]);
      const decoded = decodeUtf8(input, bom);
      if (typeof decoded === 'number') {
        throw new DecodeError('invalid UTF-8 byte sequence', '', decoded);
      }
      this.s = decoded;
      // Every non-ASCII UTF-8 sequence gives fewer UTF-16 units than it has bytes.
      const ascii = decoded.length === input.length - bom;
      this.asciiView = ascii ? new DataView(input.buffer, input.byteOffset + bom, input.length - bom) : undefined;
      this.bomLength = bom;
    }
    this.pos = 0;
    this.end = this.s.length;
    this.nsDefault = grammar.defaultVocabulary;
  }

  /** How far the forward pass went: the characters read so far (for tests that count work). */
  get scanned(): number {
    return this.pos;
  }

  // ---------------------------------------------------------------- errors

  /** Byte offset in the original input of a character index. */
  private byteOffset(at: number): number {
    const i = Math.max(0, Math.min(at, this.end));
    this.work += i;
    return this.bomLength + utf8ByteLength(this.s, i);
  }

  /** Element path of the open elements, e.g. `/SyncML/SyncBody/Add`. */
  path(): string {
    let p = '';
    for (let i = 0; i < this.depth; i++) {
      const k = this.nths[i]!;
      p += '/' + localName(this.qnames[i]!) + (k > 0 ? `[${k}]` : '');
    }
    return p;
  }

  fail(reason: string, at: number = this.pos): never {
    throw new DecodeError(reason, this.path(), this.byteOffset(at), this.lineColumn(at));
  }

  /** Line and column of a character index (line ends as XML 1.0, 2.11 reads them). */
  private lineColumn(at: number): TextPosition {
    const s = this.s;
    const end = Math.max(0, Math.min(at, this.end));
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === Ch.Lf || (c === Ch.Cr && s.charCodeAt(i + 1) !== Ch.Lf)) {
        line++;
        lineStart = i + 1;
      }
    }
    this.work += end;
    return { line, column: end - lineStart + 1 };
  }

  nth(index: number): void {
    this.nths[this.depth - 1] = index;
  }

  // ---------------------------------------------------------------- lenient mode

  /** Records a slip at character index `at` and the current path (lenient mode only). */
  private warn(kind: LenientSlip, message: string, at: number, path: string = this.path()): void {
    if (this.warnings === undefined) return;
    let offset: number;
    if (this.asciiView !== undefined) offset = this.bomLength + at;
    else {
      if (at < this.warnedChar) {
        this.warnedChar = 0;
        this.warnedByte = 0;
      }
      this.warnedByte += Buffer.byteLength(this.s.slice(this.warnedChar, at), 'utf8');
      this.work += at - this.warnedChar;
      this.warnedChar = at;
      offset = this.bomLength + this.warnedByte;
    }
    this.warnings.add(kind, message, path, offset);
  }

  slip(kind: LenientSlip, message: string): void {
    this.warn(kind, message, this.tagStartOfCurrent());
  }

  slipClosed(kind: LenientSlip, message: string): void {
    // The element just closed is still on the stacks, one past the depth.
    this.depth++;
    const path = this.path();
    this.depth--;
    this.warn(kind, message, this.tagStartOfCurrent(), path);
  }

  private current(): string {
    return this.depth > 0 ? localName(this.qnames[this.depth - 1]!) : 'document';
  }

  private eof(): never {
    this.fail(this.depth > 0 ? `unexpected end of input inside <${this.current()}>` : 'unexpected end of input');
  }

  // ---------------------------------------------------------------- prolog

  /**
   * Reads the prolog (BOM, XML declaration, comments, processing instructions, an
   * accepted DOCTYPE) and the root start tag.
   */
  openRoot(): void {
    const s = this.s;
    if (s.startsWith('<?xml', 0) && (isSpace(s.charCodeAt(5)) || s.startsWith('?>', 5))) this.readXmlDeclaration();
    let sawDoctype = false;
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.end) this.fail('no root element');
      if (s.charCodeAt(this.pos) !== Ch.Lt) this.fail('text before the root element');
      const c = s.charCodeAt(this.pos + 1);
      if (c === Ch.Question) {
        this.skipProcessingInstruction();
      } else if (c === Ch.Bang) {
        if (s.startsWith('<!--', this.pos)) {
          this.skipComment();
        } else if (s.startsWith('<!DOCTYPE', this.pos)) {
          if (sawDoctype) this.fail('second DOCTYPE');
          sawDoctype = true;
          this.readDoctype();
        } else {
          this.fail('markup declaration outside a DOCTYPE');
        }
      } else {
        break;
      }
    }
    const tagStart = this.pos;
    const name = this.readStartTag();
    if (name !== this.grammar.root) {
      this.depth--;
      this.fail(`root element is <${name}>, expected <${this.grammar.root}>`, tagStart);
    }
    this.checkVocab(name, this.grammar.defaultVocabulary);
  }

  /**
   * The XML declaration (XML 1.0, 2.8), exactly: version, then optionally encoding, then
   * optionally standalone, each after white space, nothing else. The encoding must be one
   * that UTF-8 input satisfies: UTF-8, or US-ASCII when every byte is ASCII.
   */
  private readXmlDeclaration(): void {
    const close = this.s.indexOf('?>', 5);
    if (close < 0) this.fail('unterminated XML declaration');
    const decl = this.s.slice(5, close);
    this.checkChars(decl, 5);
    this.work += 2 * decl.length;
    const m = XML_DECLARATION.exec(decl);
    if (m === null) {
      if (!/^[ \t\r\n]+version[ \t\r\n]*=/.test(decl)) this.fail('XML declaration without a version', 0);
      this.fail('malformed XML declaration: version, encoding and standalone, in this order, each after white space, and nothing else', 0);
    }
    const encoding = m[1] ?? m[2];
    if (encoding !== undefined) {
      const label = encoding.toLowerCase();
      if (label !== 'utf-8' && label !== 'utf8' && label !== 'us-ascii') {
        if (this.lenient && this.asciiView !== undefined && ASCII_COMPATIBLE_ENCODING.test(label)) {
          this.warn('xml-encoding', `the XML declaration names the encoding "${encoding}"; the input is all ASCII, which reads the same in it and in UTF-8`, 0, '');
        } else if (this.lenient && UTF16_ENCODING.test(label)) {
          // The declaration was read one byte (or, from a string, one unit) per character: the text is not UTF-16 bytes.
          this.warn('xml-encoding', `the XML declaration names the encoding "${encoding}", but the text is not UTF-16 bytes (its declaration reads as UTF-8): read as UTF-8`, 0, '');
        } else {
          this.fail(`unsupported encoding "${encoding}": SyncML XML is read as UTF-8 only`, 0);
        }
      }
      if (label === 'us-ascii') {
        const nonAscii = this.asciiView !== undefined ? -1 : this.s.search(/[^\x00-\x7f]/);
        this.work += this.end;
        if (nonAscii >= 0) this.fail('a character outside ASCII in a document declared US-ASCII', nonAscii);
      }
    }
    this.pos = close + 2;
  }

  private readDoctype(): void {
    const s = this.s;
    const start = this.pos;
    this.pos += 9;
    if (!isSpace(s.charCodeAt(this.pos))) this.fail('malformed DOCTYPE', start);
    this.skipSpace();
    const name = this.readName();
    if (name !== this.grammar.root) this.fail(`DOCTYPE names <${name}>, expected <${this.grammar.root}>`, start);
    this.skipSpace();
    let publicId: string | undefined;
    let external = false;
    // ExternalID (XML 1.0, 4.2.2): 'PUBLIC' S PubidLiteral S SystemLiteral, or 'SYSTEM' S
    // SystemLiteral, after white space.
    const afterName = isSpace(s.charCodeAt(this.pos - 1));
    const spaced = (): void => {
      if (!isSpace(s.charCodeAt(this.pos))) this.fail('malformed DOCTYPE: white space expected', this.pos);
      this.skipSpace();
    };
    if (afterName && s.startsWith('PUBLIC', this.pos)) {
      this.pos += 6;
      spaced();
      const at = this.pos;
      publicId = this.readQuoted();
      if (!PUBID_LITERAL.test(publicId)) this.fail('DOCTYPE public identifier with a character a public identifier cannot hold', at);
      const beforeSystem = this.pos;
      this.skipSpace();
      const c = s.charCodeAt(this.pos);
      if (c === Ch.Gt || c === Ch.LBracket) this.fail('DOCTYPE PUBLIC without a system literal (XML needs both; neither is ever fetched)', start);
      if (this.pos === beforeSystem) this.fail('malformed DOCTYPE: white space expected', this.pos);
      const systemAt = this.pos + 1;
      this.checkChars(this.readQuoted(), systemAt);
    } else if (afterName && s.startsWith('SYSTEM', this.pos)) {
      external = true;
      this.pos += 6;
      spaced();
      this.readQuoted();
    }
    this.skipSpace();
    if (s.charCodeAt(this.pos) === Ch.LBracket) {
      this.fail('DOCTYPE with an internal subset is refused (no entity or DTD declarations are read)', start);
    }
    if (s.charCodeAt(this.pos) !== Ch.Gt) this.fail('malformed DOCTYPE', start);
    this.pos++;
    if (external) this.fail('DOCTYPE with only a SYSTEM identifier is refused (external DTDs are never read)', start);
    if (publicId !== undefined && !this.grammar.publicIds.includes(publicId)) {
      this.fail(`DOCTYPE names an unknown public identifier "${publicId}"`, start);
    }
  }

  private readQuoted(): string {
    if (this.pos >= this.end) this.eof();
    const q = this.s.charCodeAt(this.pos);
    if (q !== Ch.Quote && q !== Ch.Apos) this.fail('expected a quoted literal');
    const close = this.s.indexOf(q === Ch.Quote ? '"' : "'", this.pos + 1);
    if (close < 0) this.eof();
    const v = this.s.slice(this.pos + 1, close);
    this.pos = close + 1;
    return v;
  }

  /** After the root element: only white space, comments and processing instructions. */
  finish(): void {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.end) return;
      if (this.s.startsWith('<!--', this.pos)) this.skipComment();
      else if (this.s.startsWith('<?', this.pos)) this.skipProcessingInstruction();
      else if (this.lenient && this.onlyNuls(this.pos)) {
        this.warn('trailing-nul', `${this.end - this.pos} NUL byte(s) after the message`, this.pos, '');
        return;
      } else this.fail('content after the root element');
    }
  }

  /** Whether everything from `from` to the end is NUL characters. */
  private onlyNuls(from: number): boolean {
    for (let i = from; i < this.end; i++) if (this.s.charCodeAt(i) !== 0) return false;
    this.work += this.end - from;
    return true;
  }

  // ---------------------------------------------------------------- small scanners

  private skipSpace(): void {
    const s = this.s;
    let p = this.pos;
    while (p < this.end && isSpace(s.charCodeAt(p))) p++;
    this.pos = p;
  }

  /** A comment (XML 1.0, 2.5): no `--` inside it, and only characters XML allows. */
  private skipComment(): void {
    const s = this.s;
    const at = this.pos;
    const close = s.indexOf('-->', at + 4);
    if (close < 0) this.fail('unterminated comment');
    // The first "--" after "<!--" must be the one that closes it. (An indexOf that stops
    // there at the latest: linear.)
    const dashes = s.indexOf('--', at + 4);
    if (dashes !== close) this.fail('"--" inside a comment', dashes);
    this.checkChars(s.slice(at + 4, close), at + 4);
    this.work += 2 * (close - at);
    this.pos = close + 3;
  }

  /**
   * A processing instruction (XML 1.0, 2.6): a target that is a name other than `xml`,
   * then `?>` or white space and any characters up to `?>`.
   */
  private skipProcessingInstruction(): void {
    const s = this.s;
    const start = this.pos;
    const close = s.indexOf('?>', start + 2);
    if (close < 0) this.fail('unterminated processing instruction');
    const targetEnd = xmlNameEnd(s, start + 2, close);
    if (targetEnd === start + 2) this.fail('processing instruction without a target', start);
    if (targetEnd - start - 2 === 3 && s.slice(start + 2, targetEnd).toLowerCase() === 'xml') {
      this.fail('XML declaration not at the start of the document', start);
    }
    if (targetEnd < close && !isSpace(s.charCodeAt(targetEnd))) this.fail('processing instruction target not followed by white space', targetEnd);
    this.checkChars(s.slice(targetEnd, close), targetEnd);
    this.work += 2 * (close - start);
    this.pos = close + 2;
  }

  private readName(): string {
    const s = this.s;
    const start = this.pos;
    const p = nameEnd(s, start);
    if (p === start) {
      if (p >= this.end) this.eof();
      this.fail('expected a name');
    }
    this.pos = p;
    return s.slice(start, p);
  }

  // ---------------------------------------------------------------- tags

  /**
   * Reads a start tag at `pos` (which is at `<`), pushes it, resolves its namespace into
   * `vocab`, and returns its local name.
   */
  private readStartTag(): string {
    const s = this.s;
    const tagStart = this.pos;
    const nameStart = tagStart + 1;
    const view = this.asciiView;
    const p = view !== undefined ? asciiNameEnd(view, nameStart, this.end) : nameEnd(s, nameStart);
    if (p === nameStart) {
      this.pos = nameStart;
      if (p >= this.end) this.eof();
      this.fail('expected a name');
    }
    // A known name has no colon; any other is sliced, and may have a prefix.
    let qname = view !== undefined ? this.internedName(view, nameStart, p) : undefined;
    let colon = -1;
    if (qname === undefined) {
      qname = s.slice(nameStart, p);
      colon = qname.indexOf(':');
      // (The grammar's names are; any other must be a QName to be refused as unknown.)
      if (!isQName(qname)) this.fail(`<${qname}> is not a well-formed element name`, tagStart);
    }
    this.pos = p;
    if (++this.elements > this.limits.maxElements) {
      this.fail(`more than ${this.limits.maxElements} elements`, tagStart);
    }
    const d = this.depth;
    if (d >= this.limits.maxDepth) {
      this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, tagStart);
    }
    const c = view !== undefined && p < this.end ? view.getUint8(p) : s.charCodeAt(p);
    let inherited = true;
    if (c === Ch.Gt) {
      this.pos = p + 1;
    } else if (c === Ch.Slash && s.charCodeAt(p + 1) === Ch.Gt) {
      this.pos = p + 2;
      this.pendingEnd = true;
    } else {
      // Sets the namespaces in scope inside the element, and leaves pos at `>` or `/>`.
      inherited = !this.readAttributes(qname, d + 1);
      if (s.charCodeAt(this.pos) === Ch.Slash) {
        this.pos += 2;
        this.pendingEnd = true;
      } else {
        this.pos += 1;
      }
    }
    let local = qname;
    let vocab = this.nsDefault;
    if (colon >= 0) {
      const prefix = qname.slice(0, colon);
      local = (view !== undefined ? this.internedName(view, nameStart + colon + 1, p) : undefined) ?? qname.slice(colon + 1);
      const bound = this.prefixes?.get(prefix) ?? -1;
      if (bound < 0) this.fail(`undeclared namespace prefix "${prefix}" on <${qname}>`, tagStart);
      vocab = this.bindVocab[bound]!;
      // A prefix names its namespace explicitly, wherever it was bound: never the
      // tolerance for a namespace left undeclared (see checkVocab).
      inherited = false;
    }
    this.qnames[d] = qname;
    this.nameAt[d] = nameStart;
    this.nths[d] = 0;
    this.depth = d + 1;
    this.vocab = vocab;
    this.inherited = inherited;
    return local;
  }

  /**
   * Reads the attributes of the start tag of the element of depth `depth` (pos is just
   * after its name): only namespace declarations are accepted. Sets the namespaces in
   * scope inside the element (saving those outside it) and leaves pos at the `>` or `/>`
   * that closes the tag. Returns whether the tag declares a default namespace.
   */
  private readAttributes(qname: string, depth: number): boolean {
    const s = this.s;
    let defaultVocab = this.nsDefault;
    let declaredDefault = false;
    // Declarations on this tag; a prefixed one repeated is found by its binding's depth,
    // `xmlns` itself by declaredDefault. Any other attribute is refused at once, so
    // cannot repeat.
    let declarations = 0;
    let attributes = 0;
    const limits = this.limits;
    // Fast path: the first attribute is spelled exactly as a default namespace
    // declaration met lately. The same characters read the same way (the loop below
    // reads nothing past them for that attribute), so reuse the result.
    const recent = this.tables.recentDeclarations;
    const tagRest = this.pos;
    for (let k = 0; k < recent.length; k++) {
      const r = recent[k]!;
      if (this.spells(tagRest, r.chars, r.length)) {
        defaultVocab = r.vocab;
        declaredDefault = true;
        // (Counted as the loop below counts it: the attribute starts after one white space character.)
        if (++attributes > limits.maxAttributes) this.fail(`more than ${limits.maxAttributes} attributes on <${qname}>`, tagRest + 1);
        this.countDeclaration(tagRest + 1);
        declarations++;
        this.pos += r.length;
        break;
      }
    }
    for (;;) {
      const before = this.pos;
      this.skipSpace();
      const c = s.charCodeAt(this.pos);
      if (c === Ch.Gt || (c === Ch.Slash && s.charCodeAt(this.pos + 1) === Ch.Gt)) break;
      if (this.pos + (c === Ch.Slash ? 1 : 0) >= this.end) this.eof();
      if (this.pos === before) this.fail(`malformed start tag <${qname}>`);
      const attrAt = this.pos;
      const attr = this.readName();
      if (++attributes > limits.maxAttributes) this.fail(`more than ${limits.maxAttributes} attributes on <${qname}>`, attrAt);
      this.skipSpace();
      if (this.pos >= this.end) this.eof();
      if (s.charCodeAt(this.pos) !== Ch.Eq) this.fail(`attribute ${attr} of <${qname}> has no value`, attrAt);
      this.pos++;
      this.skipSpace();
      const valueAt = this.pos + 1;
      const raw = this.readQuoted();
      const value = this.attributeValue(attr, raw, attrAt, valueAt);
      if (attr === 'xmlns') {
        if (declaredDefault) this.fail(`duplicate attribute ${attr} on <${qname}>`, attrAt);
        declaredDefault = true;
        this.countDeclaration(attrAt);
        declarations++;
        defaultVocab = this.vocabOfNamespace(value, attrAt);
        if (before === tagRest && attrAt === before + 1) this.rememberDeclaration(before, defaultVocab);
      } else if (attr.startsWith('xmlns:')) {
        const prefix = attr.slice(6);
        if (!isNCName(prefix)) this.fail(`namespace prefix "${prefix}" is not an NCName`, attrAt);
        if (value === '') this.fail(`prefix "${prefix}" bound to no namespace (xmlns:${prefix}="" is not allowed)`, attrAt);
        const map = (this.prefixes ??= new Map());
        const hidden = map.get(prefix) ?? -1;
        if (hidden >= 0 && this.bindDepth[hidden] === depth) this.fail(`duplicate attribute ${attr} on <${qname}>`, attrAt);
        this.countDeclaration(attrAt);
        declarations++;
        const vocab = this.vocabOfNamespace(value, attrAt);
        map.set(prefix, this.bindPrefix.length);
        this.bindPrefix.push(prefix);
        this.bindVocab.push(vocab);
        this.bindDepth.push(depth);
        this.bindHidden.push(hidden);
        this.work++;
      } else {
        this.fail(`attribute ${attr} is not allowed on <${qname}>`, attrAt);
      }
    }
    // Only namespace declarations are accepted, and the loop above went round at least
    // once, so the tag declares something.
    this.savedDepth.push(depth);
    this.savedDefault.push(this.nsDefault);
    this.savedCount.push(declarations);
    this.nsDefault = defaultVocab;
    return declaredDefault;
  }

  /** The value of attribute `attr` from its literal `raw` (at `valueAt`): no `<`, references decoded, characters checked. */
  private attributeValue(attr: string, raw: string, attrAt: number, valueAt: number): string {
    if (raw.includes('<')) this.fail(`"<" in the value of attribute ${attr}`, attrAt);
    const value = raw.includes('&') ? this.decodeEntities(raw, valueAt, false) : raw;
    this.checkChars(value, valueAt);
    this.work += 3 * raw.length;
    return value;
  }

  /** One more namespace declaration in scope, at `at`. */
  private countDeclaration(at: number): void {
    if (++this.declarationsInScope > this.limits.maxNamespaceDeclarations) {
      this.fail(`more than ${this.limits.maxNamespaceDeclarations} namespace declarations in scope`, at);
    }
  }

  /**
   * Whether s[at..] starts with the `length` ASCII characters of `chars`: for ASCII input
   * compared four bytes at a time.
   */
  private spells(at: number, chars: DataView, length: number): boolean {
    if (at + length > this.end) return false;
    const view = this.asciiView;
    let i = 0;
    if (view !== undefined) {
      for (; i + 4 <= length; i += 4) if (view.getInt32(at + i, true) !== chars.getInt32(i, true)) return false;
      for (; i < length; i++) if (view.getUint8(at + i) !== chars.getUint8(i)) return false;
    } else {
      const s = this.s;
      for (; i < length; i++) if (s.charCodeAt(at + i) !== chars.getUint8(i)) return false;
    }
    return true;
  }

  /**
   * Remembers the default namespace declaration that starts at `from` (a white space
   * character, then the attribute, which ends at pos) and the vocabulary it names, for
   * the fast path of readAttributes. The first attribute of a tag only: that path tried
   * it, so it is not among the recent ones.
   */
  private rememberDeclaration(from: number, vocab: number): void {
    const length = this.pos - from;
    const chars = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      const c = this.s.charCodeAt(from + i);
      if (c >= 0x80) return;
      chars[i] = c;
    }
    const recent = this.tables.recentDeclarations;
    recent.unshift({ chars: new DataView(chars.buffer), length, vocab });
    if (recent.length > MAX_RECENT_DECLARATIONS) recent.pop();
  }

  private vocabOfNamespace(uri: string, at: number): number {
    if (uri === '') return this.grammar.defaultVocabulary;
    const known = this.tables.exactNamespaces;
    const hit = known.get(uri);
    if (hit !== undefined) return hit;
    const lower = uri.toLowerCase();
    const ns = this.tables.lowerNamespaces;
    for (let v = 0; v < ns.length; v++) {
      if (ns[v]!.includes(lower)) {
        if (known.size < MAX_EXACT_NAMESPACES) known.set(uri, v);
        return v;
      }
    }
    return this.fail(`unknown namespace "${uri}"`, at);
  }

  /**
   * Checks that the element just opened belongs to the vocabulary expected at this
   * place. An element whose namespace is inherited from an ancestor is accepted in
   * another known vocabulary (peers omit xmlns="syncml:metinf" inside Meta).
   */
  private checkVocab(name: string, expected: number): void {
    if (this.vocab === expected) return;
    const vocabularies = this.grammar.vocabularies;
    if (this.inherited && vocabularies[expected]!.elements.has(name)) return;
    const got = vocabularies[this.vocab]!;
    // Reported at the start tag, in the parent, as the generated decoders' errors are.
    const at = this.tagStartOfCurrent();
    this.depth--;
    if (!got.elements.has(name) && !vocabularies[expected]!.elements.has(name)) {
      this.fail(`unknown element <${name}> in <${this.current()}>`, at);
    }
    this.fail(`<${name}> is in the ${got.name} namespace, expected ${vocabularies[expected]!.name}`, at);
  }

  /** The grammar's own string for the element name view[from..to), if it is one (see GrammarTables). */
  private internedName(view: DataView, from: number, to: number): string | undefined {
    const len = to - from;
    if (len === 0) return undefined;
    const t = this.tables;
    const slot = internSlot(len, view.getUint8(from), view.getUint8(from + (len >> 1)), view.getUint8(to - 1), t.internSalt);
    const name = t.internNames[slot];
    if (name === undefined || name.length !== len) return undefined;
    const chars = t.internChars;
    const at = t.internAt[slot]!;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (view.getInt32(from + i, true) !== chars.getInt32(at + i, true)) return undefined;
    for (; i < len; i++) if (view.getUint8(from + i) !== chars.getUint8(at + i)) return undefined;
    return name;
  }

  /**
   * Whether the `n` characters at `a` and at `b` are the same. Cheaper than slicing or
   * startsWith for the short spans it compares (names, attributes).
   */
  private same(a: number, b: number, n: number): boolean {
    if (a + n > this.end || b + n > this.end) return false;
    const view = this.asciiView;
    if (view !== undefined) {
      // Four bytes at a time: DataView reads are inlined and may be unaligned.
      let i = 0;
      for (; i + 4 <= n; i += 4) if (view.getInt32(a + i, true) !== view.getInt32(b + i, true)) return false;
      for (; i < n; i++) if (view.getUint8(a + i) !== view.getUint8(b + i)) return false;
    } else {
      const s = this.s;
      for (let i = 0; i < n; i++) if (s.charCodeAt(a + i) !== s.charCodeAt(b + i)) return false;
    }
    return true;
  }

  private popEndTag(): void {
    // pos is at '</'
    const s = this.s;
    const name = this.qnames[this.depth - 1]!;
    const at = this.pos;
    const p = at + 2;
    // Fast path: `</Name>` written exactly as the start tag.
    const gt = p + name.length;
    const view = this.asciiView;
    if (
      (view !== undefined ? gt < this.end && view.getUint8(gt) === Ch.Gt : s.charCodeAt(gt) === Ch.Gt) &&
      this.same(p, this.nameAt[this.depth - 1]!, name.length)
    ) {
      this.pos = p + name.length + 1;
      this.closeElement();
      return;
    }
    this.pos = p;
    const qname = this.readName();
    if (this.pos >= this.end) this.eof();
    if (qname !== name) this.fail(`end tag </${qname}> does not close <${name}>`, at);
    this.skipSpace();
    if (s.charCodeAt(this.pos) !== Ch.Gt) {
      if (this.pos >= this.end) this.eof();
      this.fail(`malformed end tag </${qname}>`, at);
    }
    this.pos++;
    this.closeElement();
  }

  /** Pops the current element, and the namespaces it declared. */
  private closeElement(): void {
    const d = this.depth;
    const saved = this.savedDepth;
    if (saved.length > 0 && saved[saved.length - 1] === d) {
      saved.pop();
      this.nsDefault = this.savedDefault.pop()!;
      this.declarationsInScope -= this.savedCount.pop()!;
      const depths = this.bindDepth;
      while (depths.length > 0 && depths[depths.length - 1] === d) this.unbind();
    }
    this.depth = d - 1;
  }

  /** Pops the innermost binding, putting back the binding of its prefix it hid. */
  private unbind(): void {
    const prefix = this.bindPrefix.pop()!;
    const hidden = this.bindHidden.pop()!;
    this.bindVocab.pop();
    this.bindDepth.pop();
    this.prefixes!.set(prefix, hidden);
    this.work++;
  }

  // ---------------------------------------------------------------- content

  /**
   * Advances to the next child element of the current element, which has element-only
   * content. Returns the child's local name after reading its start tag, or null after
   * consuming the current element's end tag. White space, comments and processing
   * instructions between children are skipped; any other text is an error.
   */
  nextChild(expectedVocab: number): string | null {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.closeElement();
      return null;
    }
    // Fast path for ASCII input: a start or end tag follows at once (no white space
    // between tags, as our encoder writes), read from the bytes.
    const view = this.asciiView;
    const at = this.pos;
    if (view !== undefined && at + 1 < this.end && view.getUint8(at) === Ch.Lt) {
      const c = view.getUint8(at + 1);
      if (c === Ch.Slash) {
        this.popEndTag();
        return null;
      }
      if (c !== Ch.Bang && c !== Ch.Question) {
        const name = this.readStartTag();
        if (this.vocab !== expectedVocab) this.checkVocab(name, expectedVocab);
        return name;
      }
    }
    const s = this.s;
    for (;;) {
      let p = this.pos;
      let c = s.charCodeAt(p);
      // White space before the next tag, if any. Past the end, c is NaN and goes on to
      // the end-of-input check.
      if (c !== Ch.Lt) {
        while (isSpace(c)) c = s.charCodeAt(++p);
        this.pos = p;
        if (p >= this.end) this.eof();
        if (c !== Ch.Lt) this.fail(`text is not allowed in <${this.current()}>, only elements`);
      }
      // From here on, pos is at the `<`.
      c = s.charCodeAt(p + 1);
      if (c === Ch.Slash) {
        this.popEndTag();
        return null;
      }
      if (c === Ch.Bang) {
        if (s.startsWith('<!--', p)) {
          this.skipComment();
          continue;
        }
        if (s.indexOf('>', p) < 0) this.eof();
        if (s.startsWith('<![CDATA[', p)) this.fail(`CDATA is not allowed in <${this.current()}>, only elements`);
        this.fail(`markup declaration inside <${this.current()}>`);
      }
      if (c === Ch.Question) {
        this.skipProcessingInstruction();
        continue;
      }
      const name = this.readStartTag();
      if (this.vocab !== expectedVocab) this.checkVocab(name, expectedVocab);
      return name;
    }
  }

  /** Content of an EMPTY element: nothing but white space or comments. */
  readEmpty(): void {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.closeElement();
      return;
    }
    const name = this.current();
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.end) this.eof();
      if (this.s.startsWith('</', this.pos)) {
        this.popEndTag();
        return;
      }
      if (this.s.startsWith('<!--', this.pos)) {
        this.skipComment();
        continue;
      }
      this.fail(`<${name}> must be empty`);
    }
  }

  /**
   * Character content of a text-only element, with entities and character references
   * decoded, CDATA sections taken literally and comments dropped. With `inlineMarkup`,
   * child elements are tolerated and the whole content is returned verbatim as markup
   * (an embedded document written inline).
   */
  readText(inlineMarkup = false): string {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.closeElement();
      return '';
    }
    const s = this.s;
    const start = this.pos;
    const lt = s.indexOf('<', start);
    if (lt < 0) this.eof();
    const view = this.asciiView;
    // (The character after the `<`, read from the bytes for ASCII input.)
    if (view !== undefined && lt + 1 < this.end ? view.getUint8(lt + 1) === Ch.Slash : s.charCodeAt(lt + 1) === Ch.Slash) {
      // Common case: plain text up to the end tag.
      this.pos = lt;
      let text: string;
      if (
        lt - start <= SHORT_TEXT &&
        lt - start <= this.limits.maxTextLength &&
        (view !== undefined ? isPlainAscii(view, start, lt) : isPlainText(s, start, lt)) &&
        // No ">" (which might end a "]]>"): it stops at the end tag's at the latest.
        s.indexOf('>', start) > lt
      ) {
        // Nothing to decode, normalize or refuse: the text is the run itself.
        text = s.slice(start, lt);
      } else {
        text = this.cookText(s.slice(start, lt), start);
      }
      this.popEndTag();
      return text;
    }
    return this.readMixedText(start, inlineMarkup);
  }

  private readMixedText(start: number, inlineMarkup: boolean): string {
    const s = this.s;
    let out = '';
    let p = start;
    for (;;) {
      const lt = s.indexOf('<', p);
      if (lt < 0) {
        this.pos = this.end;
        this.eof();
      }
      if (lt > p) out += this.cookText(s.slice(p, lt), p);
      const c = s.charCodeAt(lt + 1);
      if (c === Ch.Slash) {
        // Checked before the end tag is read, so that the error names this element.
        if (out.length > this.limits.maxTextLength) this.textTooLong(start);
        this.pos = lt;
        this.popEndTag();
        break;
      }
      if (s.startsWith('<![CDATA[', lt)) {
        const close = s.indexOf(']]>', lt + 9);
        if (close < 0) {
          this.pos = lt;
          this.fail('unterminated CDATA section');
        }
        const cdata = s.slice(lt + 9, close);
        this.checkChars(cdata, lt + 9);
        this.work += 2 * cdata.length;
        out += cdata.includes('\r') ? this.normalizeNewlines(cdata, lt + 9) : cdata;
        p = close + 3;
      } else if (s.startsWith('<!--', lt)) {
        this.pos = lt;
        this.skipComment();
        p = this.pos;
      } else if (c === Ch.Question) {
        this.pos = lt;
        this.skipProcessingInstruction();
        p = this.pos;
      } else if (inlineMarkup && c !== Ch.Bang) {
        this.pos = lt;
        return this.readInlineMarkup(start);
      } else {
        this.pos = lt;
        if (s.indexOf('>', lt) < 0) this.eof();
        this.fail(`<${this.current()}> holds text only; found markup inside it`);
      }
      if (out.length > this.limits.maxTextLength) this.textTooLong(start);
    }
    return out;
  }

  /**
   * The content of the current element, from `start` up to its end tag, verbatim:
   * an embedded document written inline. The markup is checked for balance and depth.
   */
  private readInlineMarkup(start: number): string {
    const s = this.s;
    const open: string[] = [];
    const ownName = this.current();
    for (;;) {
      const lt = s.indexOf('<', this.pos);
      if (lt < 0) {
        this.pos = this.end;
        this.eof();
      }
      // The text before the markup: its references must be known ones, and no "]]>".
      if (lt > this.pos) this.checkInlineText(this.pos, lt);
      this.pos = lt;
      if (s.startsWith('<!--', lt)) {
        this.skipComment();
      } else if (s.startsWith('<![CDATA[', lt)) {
        const close = s.indexOf(']]>', lt + 9);
        if (close < 0) this.fail('unterminated CDATA section');
        this.pos = close + 3;
      } else if (s.charCodeAt(lt + 1) === Ch.Question) {
        this.skipProcessingInstruction();
      } else if (s.charCodeAt(lt + 1) === Ch.Slash) {
        if (open.length === 0) {
          const raw = s.slice(start, lt);
          this.checkChars(raw, start);
          this.work += 2 * raw.length;
          const text = raw.includes('\r') ? this.normalizeNewlines(raw, start) : raw;
          if (text.length > this.limits.maxTextLength) this.textTooLong(start);
          this.popEndTag();
          return text;
        }
        this.pos = lt + 2;
        const name = this.readName();
        if (this.pos >= this.end) this.eof();
        if (name !== open[open.length - 1]) this.fail(`end tag </${name}> does not close <${open[open.length - 1]}>`, lt);
        this.skipSpace();
        if (s.charCodeAt(this.pos) !== Ch.Gt) this.fail(`malformed end tag </${name}>`, lt);
        this.pos++;
        open.pop();
      } else if (s.charCodeAt(lt + 1) === Ch.Bang) {
        if (s.indexOf('>', lt) < 0) this.eof();
        this.fail(`markup declaration inside <${ownName}>`);
      } else {
        this.pos = lt + 1;
        const name = this.readName();
        if (xmlNameEnd(name, 0, name.length) !== name.length) this.fail(`<${name}> is not a well-formed element name`, lt);
        if (++this.elements > this.limits.maxElements) this.fail(`more than ${this.limits.maxElements} elements`, lt);
        if (this.depth + open.length + 1 > this.limits.maxDepth) {
          this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, lt);
        }
        if (this.readInlineAttributes(name, lt)) open.push(name);
      }
      // Line-end normalization takes at most one character of two (CR LF), so past twice
      // the limit the text is too long whatever it holds.
      if (this.pos - start > 2 * this.limits.maxTextLength) this.textTooLong(start);
    }
  }

  /** Text of inline markup, s[from..to): known references only, allowed characters, no "]]>". */
  private checkInlineText(from: number, to: number): void {
    const text = this.s.slice(from, to);
    this.checkNoCdataEnd(text, from);
    if (text.includes('&')) this.decodeEntities(text, from, false);
    this.work += 3 * text.length;
  }

  /**
   * The attributes of a start tag of inline markup, after its name, up to and past its
   * `>` or `/>`: each a name, `=` and a quoted value without `<`, whose references are
   * known, no name twice. Returns whether the element has content (not `/>`).
   */
  private readInlineAttributes(name: string, lt: number): boolean {
    const s = this.s;
    const limits = this.limits;
    let names: Set<string> | undefined;
    let first: string | undefined;
    for (let count = 0; ; ) {
      const before = this.pos;
      this.skipSpace();
      if (this.pos >= this.end) this.eof();
      const c = s.charCodeAt(this.pos);
      if (c === Ch.Gt) {
        this.pos++;
        return true;
      }
      if (c === Ch.Slash) {
        if (this.pos + 1 >= this.end) this.eof();
        if (s.charCodeAt(this.pos + 1) !== Ch.Gt) this.fail(`malformed start tag <${name}>`, lt);
        this.pos += 2;
        return false;
      }
      if (this.pos === before) this.fail(`malformed start tag <${name}>`, lt);
      const attrAt = this.pos;
      const attrEnd = xmlNameEnd(s, attrAt, this.end);
      if (attrEnd === attrAt) this.fail(`malformed start tag <${name}>`, lt);
      const attr = s.slice(attrAt, attrEnd);
      this.pos = attrEnd;
      if (++count > limits.maxAttributes) this.fail(`more than ${limits.maxAttributes} attributes on <${name}>`, attrAt);
      // Duplicates: the first name is kept as it is, a set is made from the second on.
      if (first === undefined) first = attr;
      else {
        names ??= new Set([first]);
        if (names.has(attr)) this.fail(`duplicate attribute ${attr} on <${name}>`, attrAt);
        names.add(attr);
      }
      this.skipSpace();
      if (this.pos >= this.end) this.eof();
      if (s.charCodeAt(this.pos) !== Ch.Eq) this.fail(`attribute ${attr} of <${name}> has no value`, attrAt);
      this.pos++;
      this.skipSpace();
      const valueAt = this.pos + 1;
      this.attributeValue(attr, this.readQuoted(), attrAt, valueAt);
    }
  }

  private textTooLong(at: number): never {
    this.fail(`text of <${this.current()}> longer than the limit of ${this.limits.maxTextLength} characters`, at);
  }

  /** Decodes references, normalizes line ends and checks characters of a text run. */
  private cookText(raw: string, at: number): string {
    // Literal line ends are normalized; a reference such as &#13; keeps its character.
    // (The passes: the two includes, the regex of checkChars, and each transformation.)
    this.work += 4 * raw.length;
    this.checkNoCdataEnd(raw, at);
    const view = this.asciiView;
    if (view !== undefined && raw.includes('&')) {
      // ASCII input with references: decoded from its bytes in one pass (see cookAsciiText),
      // unless it holds what only the general path below reports or takes.
      const cooked = cookAsciiText(new Uint8Array(view.buffer, view.byteOffset + at, raw.length));
      if (cooked !== undefined) {
        this.work += 2 * raw.length;
        if (cooked.length > this.limits.maxTextLength) this.textTooLong(at);
        return cooked;
      }
    } else if (view === undefined && raw.includes('&')) {
      // The same in UTF-16 units; the characters of the text are checked as below.
      const cooked = cookUtf16Text(raw);
      if (cooked !== undefined) {
        this.work += 2 * raw.length;
        if (cooked.length > this.limits.maxTextLength) this.textTooLong(at);
        this.checkChars(cooked, at);
        return cooked;
      }
    }
    let text = raw;
    if (raw.includes('\r')) {
      text = this.normalizeNewlines(raw, at);
      this.work += raw.length;
    }
    if (text.includes('&')) {
      text = this.decodeEntities(text, at);
      this.work += raw.length;
    }
    // The limit counts the decoded text, as in WBXML.
    if (text.length > this.limits.maxTextLength) this.textTooLong(at);
    this.checkChars(text, at);
    return text;
  }

  /** Character data may not hold "]]>" (XML 1.0, 2.4): only a CDATA section ends so. */
  private checkNoCdataEnd(raw: string, at: number): void {
    const i = raw.indexOf(']]>');
    if (i >= 0) this.fail('"]]>" in text (it only ends a CDATA section)', at + i);
  }

  /**
   * `t` (which starts at index `at` of the input) with CR LF and lone CR turned into LF
   * (XML 1.0, 2.11). One pass over its bytes when the input is ASCII (the input's own bytes,
   * one per character: no encoding of the string), else over its UTF-16 units in a typed
   * array (a regex replace costs a match object per line end: some ten times slower on text
   * with many).
   */
  private normalizeNewlines(t: string, at: number): string {
    const view = this.asciiView;
    if (view !== undefined) return normalizeAsciiNewlines(new Uint8Array(view.buffer, view.byteOffset + at, t.length));
    const buf = Buffer.from(t, 'utf16le');
    return buf.toString('utf16le', 0, 2 * normalizeUtf16Newlines(buf));
  }

  private checkChars(text: string, at: number): void {
    const bad = INVALID_XML_CHAR.exec(text);
    if (bad) {
      this.fail(
        `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`,
        at + bad.index,
      );
    }
  }

  /**
   * `text` with its references decoded: the five predefined entities and character
   * references, decimal or hexadecimal, with any number of leading zeros (XML 1.0, 4.1).
   * Each reference is read once, up to its `;`.
   */
  private decodeEntities(text: string, at: number, lenient: boolean = this.lenient): string {
    let out = '';
    let p = 0;
    for (;;) {
      const amp = text.indexOf('&', p);
      if (amp < 0) break;
      out += text.slice(p, amp);
      p = amp + 1;
      if (text.charCodeAt(p) === 0x23 /* # */) {
        const hex = text.charCodeAt(p + 1) === 0x78; /* x */
        let q = hex ? p + 2 : p + 1;
        const digits = q;
        let cp = 0;
        for (;;) {
          const c = text.charCodeAt(q);
          const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : hex && c >= 0x61 && c <= 0x66 ? c - 0x57 : hex && c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
          if (d < 0) break;
          // Past U+10FFFF the value is refused anyway; capped so that it stays exact.
          cp = Math.min(cp * (hex ? 16 : 10) + d, 0x110000);
          q++;
        }
        if (q === digits || text.charCodeAt(q) !== 0x3b /* ; */) this.fail(`malformed character reference &${refText(text, amp)}`, at + amp);
        if (!isXmlChar(cp)) this.fail(`character reference &${text.slice(amp + 1, q)}; names a character XML does not allow`, at + amp);
        out += String.fromCodePoint(cp);
        p = q + 1;
        continue;
      }
      const nameEnd = xmlNameEnd(text, p, text.length);
      if (nameEnd === p || text.charCodeAt(nameEnd) !== 0x3b) {
        if (!lenient) this.fail('"&" that starts no entity or character reference', at + amp);
        // An `&` that starts no reference (not even a malformed one, which would end at a `;`) means itself.
        this.warn('unescaped-ampersand', `"&" that starts no reference (${JSON.stringify(text.slice(amp, amp + 12))}) taken as the character`, at + amp);
        out += '&';
        continue;
      }
      switch (text.slice(p, nameEnd)) {
        case 'lt':
          out += '<';
          break;
        case 'gt':
          out += '>';
          break;
        case 'amp':
          out += '&';
          break;
        case 'quot':
          out += '"';
          break;
        case 'apos':
          out += "'";
          break;
        default:
          this.fail(`undefined entity &${text.slice(p, nameEnd)}; (only the five XML entities are known)`, at + amp);
      }
      p = nameEnd + 1;
    }
    return out + text.slice(p);
  }

  // ---------------------------------------------------------------- errors for generated decoders

  /** The element just opened is not allowed at this place. */
  unexpected(name: string, vocabulary: number, parent: string, allowed: readonly string[], earlier: readonly string[]): never {
    const at = this.tagStartOfCurrent();
    this.depth--;
    if (!this.grammar.vocabularies[vocabulary]!.elements.has(name)) {
      this.fail(`unknown element <${name}> in <${parent}>`, at);
    }
    if (earlier.includes(name)) this.fail(`<${name}> is out of order in <${parent}>`, at);
    const expected = allowed.length ? `; expected ${allowed.map((a) => `<${a}>`).join(' or ')}` : '';
    this.fail(`<${name}> is not allowed here in <${parent}>${expected}`, at);
  }

  /** An element of SyncML that the DM profile does not allow. */
  outsideProfile(name: string, parent: string, why: string): never {
    const at = this.tagStartOfCurrent();
    this.depth--;
    this.fail(`<${name}> in <${parent}> is not part of OMA DM${why ? ` (${why})` : ''}`, at);
  }

  /** A singleton child appeared twice. */
  duplicate(name: string, parent: string): never {
    const at = this.tagStartOfCurrent();
    this.depth--;
    this.fail(`duplicate <${name}> in <${parent}>`, at);
  }

  /**
   * A required child is missing. `what` names it as written in messages (`<CmdID>`, or
   * `<Add> or <Alert>` for a choice); `found` is the element met instead, or null at the end.
   */
  missing(what: string, parent: string, found: string | null): never {
    if (found === null) {
      // The parent's end tag was just read: report inside the parent, at that tag.
      const end = this.tagStartOfCurrent();
      this.depth++;
      this.fail(`missing ${what} in <${parent}>`, end);
    }
    const at = this.tagStartOfCurrent();
    this.depth--;
    this.fail(`missing ${what} in <${parent}>, found <${found}>`, at);
  }

  /** Index of the `<` of the start tag just read (for error offsets). */
  private tagStartOfCurrent(): number {
    return Math.max(0, this.s.lastIndexOf('<', this.pos - 1));
  }
}

/**
 * Whether `s[from..to)` holds no `&`, no CR and no character that might not be allowed
 * (controls other than tab and LF, and anything from U+D800 up: surrogates, U+FFFE,
 * U+FFFF, but also the rest of that range, which cookText then checks exactly). Such a
 * run is its own text: nothing to decode, normalize or refuse.
 */
function isPlainText(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    // Printable ASCII (from `'` up) costs two comparisons.
    if (c < Ch.Apos ? (c < Ch.Space ? c !== Ch.Tab && c !== Ch.Lf : c === Ch.Amp) : c >= 0xd800) return false;
  }
  return true;
}

/** isPlainText for ASCII input, on a view of its bytes. */
function isPlainAscii(view: DataView, from: number, to: number): boolean {
  for (let i = from; i < to; ) {
    // Four bytes at a time. As every byte is below 0x80, a word x holds a byte below `'`
    // exactly when (x - 0x27272727) & ~x & 0x80808080 is not 0 (the usual "has a byte
    // less than n" test); only then look at its bytes, one at a time.
    if (i + 4 <= to) {
      const x = view.getInt32(i, true);
      if (((x - 0x27272727) & ~x & 0x80808080) === 0) {
        i += 4;
        continue;
      }
    }
    for (const stop = Math.min(i + 4, to); i < stop; i++) {
      const c = view.getUint8(i);
      if (c < Ch.Apos && (c < Ch.Space ? c !== Ch.Tab && c !== Ch.Lf : c === Ch.Amp)) return false;
    }
  }
  return true;
}

/**
 * The high bit of each byte of the word `x` that is zero, exactly (no false positives from
 * a borrow, unlike the usual `(x - 0x01010101) & ~x & 0x80808080`).
 */
function zeroBytes(x: number): number {
  return ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
}

/**
 * ASCII bytes with CR LF and lone CR turned into LF (XML 1.0, 2.11), as a string. The bytes
 * are copied (memcpy) and rewritten in place four at a time: in each word the CR bytes and
 * LF bytes are found exactly (zeroBytes of the word XOR 0x0D0D0D0D, 0x0A0A0A0A) and each CR
 * turned into LF by XOR with 0x07. Up to the first LF right after a CR nothing moves, and
 * the words are read and written aligned; from there on, each such LF is dropped and the
 * rest moves down (a word at a time where it holds none). The result is read back as
 * latin1 (= ASCII), which V8 makes a one-byte string from at memcpy speed. So text with
 * many lone CRs costs a few operations per word, close to text without any.
 */
function normalizeAsciiNewlines(src: Uint8Array): string {
  const n = src.length;
  const out = Buffer.allocUnsafe(n);
  out.set(src);
  let i = 0;
  /** The byte before `i` was a CR. */
  let afterCr = false;
  if ((out.byteOffset & 3) === 0) {
    const w = new Uint32Array(out.buffer, out.byteOffset, n >>> 2);
    const words = w.length;
    let k = 0;
    for (; k < words; k++) {
      const x = w[k]!;
      const cr = zeroBytes(x ^ 0x0d0d0d0d);
      if (cr === 0) {
        if (afterCr && (x & 0xff) === Ch.Lf) break;
        afterCr = false;
        continue;
      }
      const lf = zeroBytes(x ^ 0x0a0a0a0a);
      if (((cr << 8) & lf) !== 0 || (afterCr && (lf & 0x80) !== 0)) break;
      w[k] = x ^ ((cr >>> 7) * 0x07);
      afterCr = (cr & 0x80000000) !== 0;
    }
    // (Past the loop afterCr is the CR state before word k, whether it ended or broke.)
    i = 4 * k;
  }
  let j = i;
  const view = new DataView(out.buffer, out.byteOffset, n);
  for (; i + 4 <= n; i += 4) {
    const x = view.getUint32(i, true);
    const cr = zeroBytes(x ^ 0x0d0d0d0d);
    const lf = zeroBytes(x ^ 0x0a0a0a0a);
    const y = cr === 0 ? x : x ^ ((cr >>> 7) * 0x07);
    const drop = ((cr << 8) & lf) | (afterCr ? lf & 0x80 : 0);
    if (drop === 0) {
      view.setUint32(j, y, true);
      j += 4;
    } else {
      for (let k = 0; k < 32; k += 8) if (((drop >>> k) & 0x80) === 0) out[j++] = (y >>> k) & 0xff;
    }
    afterCr = (cr & 0x80000000) !== 0;
  }
  for (; i < n; i++) {
    const c = out[i]!;
    if (c === Ch.Lf && afterCr) {
      afterCr = false;
      continue;
    }
    afterCr = c === Ch.Cr;
    out[j++] = afterCr ? Ch.Lf : c;
  }
  return out.toString('latin1', 0, j);
}

/**
 * Refuses input whose first byte (or character) is 0x01 to 0x03: no XML starts with a control
 * character, and a WBXML message starts with its version byte, so the error says what was
 * probably meant (before the bytes are read as UTF-8, which WBXML seldom is).
 */
function refuseWbxmlStart(first: number | undefined): void {
  if (first !== undefined && first >= 0x01 && first <= 0x03) {
    throw new DecodeError(`the input starts with 0x0${first}, a WBXML version byte, not XML: read it with decodeWbxml, or decode, which reads both`, '', 0);
  }
}

/** Reused output of cookAsciiText for texts up to its size (the text is copied out of it); longer ones get their own. */
const cookBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * The text of ASCII bytes with references in one pass, as cookText makes it in several:
 * literal CR LF and lone CR turned into LF, the five predefined entities and character
 * references below U+0080 decoded (a reference to CR keeps it). Bytes go into a buffer,
 * read back as latin1 (= ASCII) at memcpy speed: against building a string of a slice per
 * reference, no rope of small pieces to flatten and no string per entity name. Undefined
 * for what only the general path reports or takes (see cookUnits); its output is then that
 * path's, byte for byte.
 */
function cookAsciiText(src: Uint8Array): string | undefined {
  const out = src.length <= cookBuffer.length ? cookBuffer : Buffer.allocUnsafe(src.length);
  const n = cookUnits(src, out, 0x7f);
  return n < 0 ? undefined : out.toString('latin1', 0, n);
}

/**
 * cookAsciiText for any text, in UTF-16 units: references to any character XML allows are
 * decoded (one beyond U+FFFF as its surrogate pair). The caller checks the characters of the
 * result, as for the general path.
 */
function cookUtf16Text(text: string): string | undefined {
  const buf = Buffer.from(text, 'utf16le');
  const units = new Uint16Array(buf.buffer, buf.byteOffset, text.length);
  const n = cookUnits(units, units, 0x10ffff);
  return n < 0 ? undefined : buf.toString('utf16le', 0, 2 * n);
}

/**
 * Writes the units of `src` into `out` (which may be `src` itself: it never writes ahead of
 * what it read) with line ends normalized and references decoded, as cookText does; returns
 * the length written, or -1 for what only the general path reports or takes: a control
 * character, a reference to a character above `max` or that XML does not allow, an `&` that
 * starts no known reference (an error, or a slip in lenient mode).
 */
function cookUnits(src: Uint8Array | Uint16Array, out: Uint8Array | Uint16Array, max: number): number {
  const n = src.length;
  let j = 0;
  let afterCr = false;
  for (let i = 0; i < n; ) {
    const c = src[i]!;
    if (c > Ch.Amp) {
      out[j++] = c;
      i++;
      afterCr = false;
      continue;
    }
    if (c === Ch.Amp) {
      afterCr = false;
      const c1 = src[i + 1];
      let cp: number;
      if (c1 === 0x23 /* # */) {
        const hex = src[i + 2] === 0x78; /* x */
        let q = hex ? i + 3 : i + 2;
        const digits = q;
        cp = 0;
        for (; q < n; q++) {
          const b = src[q]!;
          const d = b >= 0x30 && b <= 0x39 ? b - 0x30 : hex && b >= 0x61 && b <= 0x66 ? b - 0x57 : hex && b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
          if (d < 0) break;
          cp = Math.min(cp * (hex ? 16 : 10) + d, 0x110000);
        }
        // (Malformed, out of range, or a character XML does not allow: the general path says which.)
        if (q === digits || src[q] !== 0x3b || cp > max || !isXmlChar(cp)) return -1;
        i = q + 1;
        if (cp > 0xffff) {
          out[j++] = 0xd800 + ((cp - 0x10000) >> 10);
          cp = 0xdc00 + ((cp - 0x10000) & 0x3ff);
        }
      } else if (c1 === 0x61 /* a */ && src[i + 2] === 0x6d && src[i + 3] === 0x70 && src[i + 4] === 0x3b) {
        cp = Ch.Amp; // &amp;
        i += 5;
      } else if (c1 === 0x6c /* l */ && src[i + 2] === 0x74 && src[i + 3] === 0x3b) {
        cp = Ch.Lt; // &lt;
        i += 4;
      } else if (c1 === 0x67 /* g */ && src[i + 2] === 0x74 && src[i + 3] === 0x3b) {
        cp = Ch.Gt; // &gt;
        i += 4;
      } else if (c1 === 0x71 /* q */ && src[i + 2] === 0x75 && src[i + 3] === 0x6f && src[i + 4] === 0x74 && src[i + 5] === 0x3b) {
        cp = Ch.Quote; // &quot;
        i += 6;
      } else if (c1 === 0x61 /* a */ && src[i + 2] === 0x70 && src[i + 3] === 0x6f && src[i + 4] === 0x73 && src[i + 5] === 0x3b) {
        cp = Ch.Apos; // &apos;
        i += 6;
      } else return -1;
      out[j++] = cp;
      continue;
    }
    i++;
    if (c === Ch.Cr) {
      out[j++] = Ch.Lf;
      afterCr = true;
      continue;
    }
    if (c === Ch.Lf) {
      if (!afterCr) out[j++] = c;
      afterCr = false;
      continue;
    }
    if (c < Ch.Space && c !== Ch.Tab) return -1;
    out[j++] = c;
    afterCr = false;
  }
  return j;
}

/** The high bit of each 16-bit half of the word `x` that is zero, exactly. */
function zeroHalves(x: number): number {
  return ~(((x & 0x7fff7fff) + 0x7fff7fff) | x | 0x7fff7fff);
}

/**
 * UTF-16LE text in `buf` with CR LF and lone CR turned into LF, in place; returns its new
 * length in units. As normalizeAsciiNewlines, two units at a time: aligned in place until
 * the first LF right after a CR, then moving down.
 */
function normalizeUtf16Newlines(buf: Buffer): number {
  const n = buf.length >> 1;
  const u = new Uint16Array(buf.buffer, buf.byteOffset, n);
  let i = 0;
  let afterCr = false;
  if ((buf.byteOffset & 3) === 0) {
    const w = new Uint32Array(buf.buffer, buf.byteOffset, n >>> 1);
    let k = 0;
    for (; k < w.length; k++) {
      const x = w[k]!;
      const cr = zeroHalves(x ^ 0x000d000d);
      if (cr === 0) {
        if (afterCr && (x & 0xffff) === Ch.Lf) break;
        afterCr = false;
        continue;
      }
      const lf = zeroHalves(x ^ 0x000a000a);
      if (((cr << 16) & lf) !== 0 || (afterCr && (lf & 0x8000) !== 0)) break;
      w[k] = x ^ ((cr >>> 15) * 0x07);
      afterCr = (cr & 0x80000000) !== 0;
    }
    i = 2 * k;
  }
  let j = i;
  for (; i < n; i++) {
    const c = u[i]!;
    if (c === Ch.Lf && afterCr) {
      afterCr = false;
      continue;
    }
    afterCr = c === Ch.Cr;
    u[j++] = afterCr ? Ch.Lf : c;
  }
  return j;
}

/** The local part of a qualified name (after the prefix and colon, if any). */
function localName(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1);
}

/**
 * A reader that lives as long as this module does. V8 keeps an object layout (a hidden
 * class) only while some object has it, and when the layout goes, so does the optimized
 * code that checks for it: without this reader, a full garbage collection between two
 * messages (when no reader is alive) would send the reader's hot paths back to the
 * interpreter, to be optimized again, every time.
 */
const layoutKeeper = new XmlReader(
  new Uint8Array(0),
  { vocabularies: [], defaultVocabulary: 0, root: '', publicIds: [] },
  { maxBytes: 0, maxDepth: 0, maxElements: 0, maxTextLength: 0, maxAttributes: 0, maxNamespaceDeclarations: 0 },
);
void layoutKeeper;

/** A malformed reference from its `&` for an error: up to its `;` when that is near, else its start. */
function refText(text: string, amp: number): string {
  const semi = text.indexOf(';', amp + 1);
  return semi >= 0 && semi - amp <= 16 ? text.slice(amp + 1, semi + 1) : text.slice(amp + 1, amp + 9) + '…';
}

