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
import { DecodeError } from './errors.js';
import type { DecodeLimits } from './limits.js';
import type { ElementReader } from './element-reader.js';
import { decodeUtf8 } from './utf8.js';

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
  private pos = 0;
  private readonly g: WbxmlGrammar;
  private readonly t: WbxmlTokens;
  private readonly limits: DecodeLimits;
  private strtbl: Uint8Array = new Uint8Array(0);
  private page = 0;
  private readonly stack: string[] = [];
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
  header: WbxmlHeader | undefined;

  constructor(input: Uint8Array, grammar: WbxmlGrammar, limits: DecodeLimits) {
    this.b = input;
    this.g = grammar;
    this.t = grammar.tokens;
    this.limits = limits;
    if (input.length > limits.maxBytes) {
      throw new DecodeError(`input of ${input.length} bytes is larger than the limit of ${limits.maxBytes} bytes`, '', 0);
    }
  }

  // ---------------------------------------------------------------- errors

  path(): string {
    let p = '';
    for (let i = 0; i < this.depth; i++) p += '/' + this.stack[i];
    return p;
  }

  fail(reason: string, at: number = this.pos): never {
    throw new DecodeError(reason, this.path(), at);
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

  /** A NUL-terminated UTF-8 string of `buf` from `start`. */
  private termString(buf: Uint8Array, start: number, at: number, what: string): { text: string; next: number } {
    const nul = buf.indexOf(0, start);
    if (nul < 0) this.fail(`${what} has no terminating NUL`, at);
    // Limits count UTF-16 units, as the XML reader does; n UTF-8 bytes make at least n / 3.
    if (nul - start > 3 * this.limits.maxTextLength) this.fail(`text longer than the limit of ${this.limits.maxTextLength}`, at);
    if (nul - start > 3 * (this.limits.maxBytes - this.textTotal)) this.textBudgetSpent(at);
    const text = decodeUtf8(buf, start, nul);
    if (typeof text === 'number') this.fail(`${what} is not valid UTF-8`, at);
    this.textTotal += text.length;
    if (this.textTotal > this.limits.maxBytes) this.textBudgetSpent(at);
    return { text, next: nul + 1 };
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
      this.fail(`unsupported WBXML version byte 0x${version.toString(16).padStart(2, '0')} (1.1 to 1.3 are read)`, 0);
    }
    const idAt = this.pos;
    const publicId = this.mbUint32();
    let fpiIndex = -1;
    if (publicId === 0) fpiIndex = this.mbUint32();
    const csAt = this.pos;
    const charset = this.mbUint32();
    if (charset !== this.t.CHARSET_UTF8) this.fail(`unsupported charset MIBenum ${charset}: only UTF-8 (106) is read`, csAt);
    const lenAt = this.pos;
    const len = this.mbUint32();
    if (len > this.b.length - this.pos) this.fail(`string table of ${len} bytes is longer than the rest of the input`, lenAt);
    this.strtbl = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    let fpi: string | undefined;
    let vocab: number | undefined;
    if (fpiIndex >= 0) {
      if (fpiIndex >= this.strtbl.length) this.fail(`public id string at offset ${fpiIndex} is past the string table`, idAt);
      fpi = this.termString(this.strtbl, fpiIndex, idAt, 'public id string').text;
      vocab = this.g.fpis.get(fpi);
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

  /** After the root element: nothing but processing instructions. */
  finish(): void {
    if (this.pos < this.b.length) this.fail('content after the root element');
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
        const page = this.byte();
        if (!this.g.names.has(page)) this.fail(`SWITCH_PAGE to unknown code page ${page}`, at);
        this.page = page;
        continue;
      }
      if (c === t.END) {
        if (this.depth === 0) this.fail('END without an open element', at);
        this.depth--;
        this.closedAt = at;
        return null;
      }
      if (c === t.STR_I || c === t.STR_T || c === t.OPAQUE || c === t.ENTITY) {
        this.fail(`text is not allowed in <${this.current()}>, only elements`, at);
      }
      const id = c & t.TAG_ID;
      if (id < 5) this.fail(`token 0x${hex(c)} is not supported here (literal tags, extensions and processing instructions are not used by this grammar)`, at);
      const name = this.g.names.get(this.page)![id];
      if (name === undefined) this.fail(`unknown tag token 0x${hex(c)} on code page ${this.page}`, at);
      if ((c & t.TAG_ATTRIBUTES) !== 0) this.fail(`<${name}> has attributes, which this grammar does not define`, at);
      if (++this.elements > this.limits.maxElements) this.fail(`more than ${this.limits.maxElements} elements`, at);
      if (this.depth >= this.limits.maxDepth) this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, at);
      this.stack[this.depth++] = name;
      this.pendingEnd = (c & t.TAG_CONTENT) === 0;
      this.tagAt = at;
      return name;
    }
  }

  nextChild(vocab: number): string | null {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
      this.closedAt = this.tagAt;
      return null;
    }
    const name = this.nextTag();
    if (name !== null) {
      const v = this.g.pageVocab.get(this.page)!;
      if (v !== vocab) {
        this.fail(`<${name}> is on the ${this.g.vocabularies[v]!.name} code page, expected ${this.g.vocabularies[vocab]!.name}`, this.tagAt);
      }
    }
    return name;
  }

  readEmpty(): void {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
      return;
    }
    const at = this.pos;
    if (this.pos >= this.b.length) this.eof();
    if (this.b[this.pos] !== this.t.END) this.fail(`<${this.current()}> must be empty`, at);
    this.pos++;
    this.depth--;
  }

  readText(inlineMarkup = false): string {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
      return '';
    }
    const t = this.t;
    let out = '';
    for (;;) {
      if (this.pos >= this.b.length) this.eof();
      const at = this.pos;
      const c = this.b[this.pos++]!;
      if (c === t.END) {
        this.depth--;
        break;
      }
      const before = out.length;
      if (c === t.STR_I) {
        const s = this.termString(this.b, this.pos, at, 'inline string');
        out += s.text;
        this.pos = s.next;
      } else if (c === t.STR_T) {
        const offset = this.mbUint32();
        if (offset >= this.strtbl.length) this.fail(`string table offset ${offset} is past the end of the table`, at);
        out += this.termString(this.strtbl, offset, at, `string at table offset ${offset}`).text;
      } else if (c === t.ENTITY) {
        const cp = this.mbUint32();
        if (!isXmlChar(cp)) this.fail(`ENTITY names U+${cp.toString(16).toUpperCase()}, which XML does not allow`, at);
        out += String.fromCodePoint(cp);
      } else if (c === t.OPAQUE) {
        const len = this.mbUint32();
        if (len > this.b.length - this.pos) this.fail(`OPAQUE claims ${len} bytes, only ${this.b.length - this.pos} remain`, at);
        out += this.opaqueText(this.b.subarray(this.pos, this.pos + len));
        this.pos += len;
      } else if (c === t.SWITCH_PAGE) {
        this.pos = at;
        if (!inlineMarkup) {
          this.pos++;
          const page = this.byte();
          if (!this.g.names.has(page)) this.fail(`SWITCH_PAGE to unknown code page ${page}`, at);
          this.page = page;
          continue;
        }
        out += this.markupAsXml();
      } else if (inlineMarkup && (c & t.TAG_ID) >= 5) {
        this.pos = at;
        out += this.markupAsXml();
      } else {
        this.fail(`<${this.current()}> holds text only; found token 0x${hex(c)}`, at);
      }
      if (out.length > this.limits.maxTextLength) this.fail(`text longer than the limit of ${this.limits.maxTextLength}`, at);
      const bad = out.length > before ? INVALID_XML_CHAR.exec(out.slice(before)) : null;
      if (bad) this.fail(`character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in text`, at);
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
    this.strtbl = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    const known =
      fpiIndex >= 0 ? this.g.fpis.has(this.termString(this.strtbl, fpiIndex, 0, 'public id string').text) : this.g.publicIds.has(publicId);
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
        const page = this.byte();
        if (!this.g.names.has(page)) this.fail(`SWITCH_PAGE to unknown code page ${page}`, at);
        this.page = page;
      } else if (c === t.END) {
        const name = open.pop();
        if (name === undefined) this.fail('END without an open element', at);
        out += `</${name}>`;
        vocabStack.pop();
        lastVocab = vocabStack.length ? vocabStack[vocabStack.length - 1]! : -1;
        this.depth--;
      } else if (c === t.STR_I) {
        const s = this.termString(this.b, this.pos, at, 'inline string');
        out += escapeXml(s.text);
        this.pos = s.next;
      } else if (c === t.STR_T) {
        const offset = this.mbUint32();
        if (offset >= this.strtbl.length) this.fail(`string table offset ${offset} is past the end of the table`, at);
        out += escapeXml(this.termString(this.strtbl, offset, at, `string at table offset ${offset}`).text);
      } else if (c === t.ENTITY) {
        const cp = this.mbUint32();
        if (!isXmlChar(cp)) this.fail(`ENTITY names U+${cp.toString(16).toUpperCase()}, which XML does not allow`, at);
        out += escapeXml(String.fromCodePoint(cp));
      } else if (c === t.OPAQUE) {
        const len = this.mbUint32();
        if (len > this.b.length - this.pos) this.fail(`OPAQUE claims ${len} bytes, only ${this.b.length - this.pos} remain`, at);
        const text = decodeUtf8(this.b, this.pos, this.pos + len);
        if (typeof text === 'number') this.fail('OPAQUE data inside embedded markup is not UTF-8 text', at);
        out += escapeXml(text);
        this.pos += len;
      } else {
        const id = c & t.TAG_ID;
        if (id < 5) this.fail(`token 0x${hex(c)} is not supported in embedded markup`, at);
        const name = this.g.names.get(this.page)![id];
        if (name === undefined) this.fail(`unknown tag token 0x${hex(c)} on code page ${this.page}`, at);
        if ((c & t.TAG_ATTRIBUTES) !== 0) this.fail(`<${name}> has attributes, which this grammar does not define`, at);
        if (++this.elements > this.limits.maxElements) this.fail(`more than ${this.limits.maxElements} elements`, at);
        if (this.depth >= this.limits.maxDepth) this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, at);
        const vocab = this.g.pageVocab.get(this.page)!;
        const ns = vocab !== lastVocab ? ` xmlns="${this.g.vocabularies[vocab]!.namespace}"` : '';
        if ((c & t.TAG_CONTENT) === 0) {
          out += `<${name}${ns}/>`;
        } else {
          out += `<${name}${ns}>`;
          open.push(name);
          vocabStack.push(vocab);
          lastVocab = vocab;
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

function hex(c: number): string {
  return c.toString(16).toUpperCase().padStart(2, '0');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&amp;'));
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}
