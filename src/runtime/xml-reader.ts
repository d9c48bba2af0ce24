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
import { DecodeError } from './errors.js';
import type { DecodeLimits } from './limits.js';
import { utf8ByteLength, decodeUtf8 } from './utf8.js';

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

/** Characters XML does not allow, and lone surrogates (a string input may hold them). */
const INVALID_XML_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function isSpace(c: number): boolean {
  return c === Ch.Space || c === Ch.Lf || c === Ch.Tab || c === Ch.Cr;
}

/** Characters that end an element or attribute name. */
function endsName(c: number): boolean {
  return c === Ch.Gt || c === Ch.Slash || c === Ch.Eq || isSpace(c) || Number.isNaN(c);
}

export class XmlReader {
  private readonly s: string;
  private pos: number;
  private readonly end: number;
  private readonly bytes: Uint8Array | undefined;
  private readonly bomLength: number;
  private readonly grammar: XmlGrammar;
  private readonly limits: DecodeLimits;
  private readonly lowerNamespaces: string[][];

  /** Names of the open elements, root first. */
  private readonly stack: string[] = [];
  /** Qualified names (with any prefix) of the open elements, as their end tags must spell them. */
  private readonly qnames: string[] = [];
  /** Vocabulary of the default namespace in scope at each depth (index 0: document). */
  private readonly defaultVocab: number[] = [];
  /** Prefix bindings declared at each depth, or undefined. */
  private readonly prefixes: (Map<string, number> | undefined)[] = [];
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

  constructor(input: Uint8Array | string, grammar: XmlGrammar, limits: DecodeLimits) {
    this.grammar = grammar;
    this.limits = limits;
    this.lowerNamespaces = grammar.vocabularies.map((v) => v.namespaces.map((n) => n.toLowerCase()));
    if (typeof input === 'string') {
      if (input.length > limits.maxBytes) {
        throw new DecodeError(`input larger than the limit of ${limits.maxBytes} bytes`, '', 0);
      }
      this.s = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
      this.bytes = undefined;
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
      const decoded = decodeUtf8(input, bom);
      if (typeof decoded === 'number') {
        throw new DecodeError('invalid UTF-8 byte sequence', '', decoded);
      }
      this.s = decoded;
      this.bytes = input;
      this.bomLength = bom;
    }
    this.pos = 0;
    this.end = this.s.length;
    this.defaultVocab.push(grammar.defaultVocabulary);
    this.prefixes.push(undefined);
  }

  // ---------------------------------------------------------------- errors

  /** Byte offset in the original input of a character index. */
  private byteOffset(at: number): number {
    const i = Math.max(0, Math.min(at, this.end));
    return this.bomLength + utf8ByteLength(this.s, i);
  }

  /** Element path of the open elements, e.g. `/SyncML/SyncBody/Add`. */
  path(): string {
    let p = '';
    for (let i = 0; i < this.depth; i++) p += '/' + this.stack[i];
    return p;
  }

  fail(reason: string, at: number = this.pos): never {
    throw new DecodeError(reason, this.path(), this.byteOffset(at));
  }

  private current(): string {
    return this.depth > 0 ? this.stack[this.depth - 1]! : 'document';
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
    if (s.startsWith('<?xml', 0) && isSpace(s.charCodeAt(5))) this.readXmlDeclaration();
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

  private readXmlDeclaration(): void {
    const close = this.s.indexOf('?>', 5);
    if (close < 0) this.fail('unterminated XML declaration');
    const decl = this.s.slice(5, close);
    const enc = /encoding\s*=\s*["']([^"']*)["']/.exec(decl);
    if (enc) {
      const label = enc[1]!.toLowerCase();
      if (label !== 'utf-8' && label !== 'utf8' && label !== 'us-ascii') {
        this.fail(`unsupported encoding "${enc[1]}": SyncML XML is read as UTF-8 only`, 0);
      }
    }
    if (!/^\s+version\s*=\s*["']1\.[0-9]["']/.test(decl)) this.fail('XML declaration without a version', 0);
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
    if (s.startsWith('PUBLIC', this.pos)) {
      this.pos += 6;
      this.skipSpace();
      publicId = this.readQuoted();
      this.skipSpace();
      if (s.charCodeAt(this.pos) === Ch.Quote || s.charCodeAt(this.pos) === Ch.Apos) this.readQuoted();
    } else if (s.startsWith('SYSTEM', this.pos)) {
      external = true;
      this.pos += 6;
      this.skipSpace();
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
      else this.fail('content after the root element');
    }
  }

  // ---------------------------------------------------------------- small scanners

  private skipSpace(): void {
    const s = this.s;
    let p = this.pos;
    while (p < this.end && isSpace(s.charCodeAt(p))) p++;
    this.pos = p;
  }

  private skipComment(): void {
    const close = this.s.indexOf('-->', this.pos + 4);
    if (close < 0) this.fail('unterminated comment');
    this.pos = close + 3;
  }

  private skipProcessingInstruction(): void {
    const start = this.pos;
    const close = this.s.indexOf('?>', this.pos + 2);
    if (close < 0) this.fail('unterminated processing instruction');
    const target = /^[^\s?]*/.exec(this.s.slice(start + 2, close))![0];
    if (target.toLowerCase() === 'xml') this.fail('XML declaration not at the start of the document', start);
    this.pos = close + 2;
  }

  private readName(): string {
    const s = this.s;
    const start = this.pos;
    let p = start;
    while (p < this.end && !endsName(s.charCodeAt(p))) p++;
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
    this.pos++;
    const qname = this.readName();
    if (++this.elements > this.limits.maxElements) {
      this.fail(`more than ${this.limits.maxElements} elements`, tagStart);
    }
    if (this.depth >= this.limits.maxDepth) {
      this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, tagStart);
    }
    const d = this.depth;
    let defaultVocab = this.defaultVocab[d]!;
    let prefixMap = this.prefixes[d];
    let declaredDefault = false;
    let c = s.charCodeAt(this.pos);
    if (c !== Ch.Gt && !(c === Ch.Slash && s.charCodeAt(this.pos + 1) === Ch.Gt)) {
      // Attributes: only namespace declarations are accepted.
      const seen = new Set<string>();
      for (;;) {
        const before = this.pos;
        this.skipSpace();
        c = s.charCodeAt(this.pos);
        if (c === Ch.Gt || (c === Ch.Slash && s.charCodeAt(this.pos + 1) === Ch.Gt)) break;
        if (this.pos + (c === Ch.Slash ? 1 : 0) >= this.end) this.eof();
        if (this.pos === before) this.fail(`malformed start tag <${qname}>`);
        const attrAt = this.pos;
        const attr = this.readName();
        this.skipSpace();
        if (this.pos >= this.end) this.eof();
        if (s.charCodeAt(this.pos) !== Ch.Eq) this.fail(`attribute ${attr} of <${qname}> has no value`, attrAt);
        this.pos++;
        this.skipSpace();
        const valueAt = this.pos + 1;
        const raw = this.readQuoted();
        if (raw.includes('<')) this.fail(`"<" in the value of attribute ${attr}`, attrAt);
        const value = raw.includes('&') ? this.decodeEntities(raw, valueAt) : raw;
        if (seen.has(attr)) this.fail(`duplicate attribute ${attr} on <${qname}>`, attrAt);
        seen.add(attr);
        if (attr === 'xmlns') {
          defaultVocab = this.vocabOfNamespace(value, attrAt);
          declaredDefault = true;
        } else if (attr.startsWith('xmlns:')) {
          const prefix = attr.slice(6);
          if (prefixMap === this.prefixes[d]) prefixMap = new Map(prefixMap ?? []);
          prefixMap!.set(prefix, this.vocabOfNamespace(value, attrAt));
        } else {
          this.fail(`attribute ${attr} is not allowed on <${qname}>`, attrAt);
        }
      }
    }
    let local = qname;
    let vocab = defaultVocab;
    let inherited = !declaredDefault;
    const colon = qname.indexOf(':');
    if (colon >= 0) {
      const prefix = qname.slice(0, colon);
      local = qname.slice(colon + 1);
      const bound = prefixMap?.get(prefix);
      if (bound === undefined) this.fail(`undeclared namespace prefix "${prefix}" on <${qname}>`, tagStart);
      vocab = bound;
      inherited = prefixMap === this.prefixes[d];
    }
    if (s.charCodeAt(this.pos) === Ch.Slash) {
      this.pos += 2;
      this.pendingEnd = true;
    } else {
      this.pos += 1;
    }
    this.stack[d] = local;
    this.qnames[d] = qname;
    this.defaultVocab[d + 1] = defaultVocab;
    this.prefixes[d + 1] = prefixMap;
    this.depth = d + 1;
    this.vocab = vocab;
    this.inherited = inherited;
    return local;
  }

  private vocabOfNamespace(uri: string, at: number): number {
    if (uri === '') return this.grammar.defaultVocabulary;
    const lower = uri.toLowerCase();
    const ns = this.lowerNamespaces;
    for (let v = 0; v < ns.length; v++) {
      if (ns[v]!.includes(lower)) return v;
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

  private popEndTag(): void {
    // pos is at '</'
    const s = this.s;
    const name = this.qnames[this.depth - 1]!;
    const at = this.pos;
    let p = this.pos + 2;
    // Fast path: `</Name>` written exactly as the start tag.
    if (s.startsWith(name, p) && s.charCodeAt(p + name.length) === Ch.Gt) {
      this.pos = p + name.length + 1;
      this.depth--;
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
    this.depth--;
    p = this.pos;
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
      this.depth--;
      return null;
    }
    const s = this.s;
    for (;;) {
      let p = this.pos;
      while (p < this.end && isSpace(s.charCodeAt(p))) p++;
      this.pos = p;
      if (p >= this.end) this.eof();
      if (s.charCodeAt(p) !== Ch.Lt) this.fail(`text is not allowed in <${this.current()}>, only elements`);
      const c = s.charCodeAt(p + 1);
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
      this.checkVocab(name, expectedVocab);
      return name;
    }
  }

  /** Content of an EMPTY element: nothing but white space or comments. */
  readEmpty(): void {
    if (this.pendingEnd) {
      this.pendingEnd = false;
      this.depth--;
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
      this.depth--;
      return '';
    }
    const s = this.s;
    const start = this.pos;
    const lt = s.indexOf('<', start);
    if (lt < 0) this.eof();
    if (s.charCodeAt(lt + 1) === Ch.Slash) {
      // Common case: plain text up to the end tag.
      this.pos = lt;
      const raw = s.slice(start, lt);
      const text = this.cookText(raw, start);
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
        out += cdata.includes('\r') ? normalizeNewlines(cdata) : cdata;
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
          if (raw.length > this.limits.maxTextLength) this.textTooLong(start);
          this.checkChars(raw, start);
          this.popEndTag();
          return raw.includes('\r') ? normalizeNewlines(raw) : raw;
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
        if (++this.elements > this.limits.maxElements) this.fail(`more than ${this.limits.maxElements} elements`, lt);
        if (this.depth + open.length + 1 > this.limits.maxDepth) {
          this.fail(`nesting deeper than ${this.limits.maxDepth} elements`, lt);
        }
        // Skip attributes, honouring quotes.
        let p = this.pos;
        let quote = 0;
        for (; p < this.end; p++) {
          const c = s.charCodeAt(p);
          if (quote !== 0) {
            if (c === quote) quote = 0;
          } else if (c === Ch.Quote || c === Ch.Apos) {
            quote = c;
          } else if (c === Ch.Lt) {
            this.fail(`malformed start tag <${name}>`, lt);
          } else if (c === Ch.Gt) {
            break;
          }
        }
        if (p >= this.end) {
          this.pos = this.end;
          this.eof();
        }
        if (s.charCodeAt(p - 1) !== Ch.Slash) open.push(name);
        this.pos = p + 1;
      }
      if (this.pos - start > this.limits.maxTextLength) this.textTooLong(start);
    }
  }

  private textTooLong(at: number): never {
    this.fail(`text of <${this.current()}> longer than the limit of ${this.limits.maxTextLength} characters`, at);
  }

  /** Decodes references, normalizes line ends and checks characters of a text run. */
  private cookText(raw: string, at: number): string {
    if (raw.length > this.limits.maxTextLength) this.textTooLong(at);
    // Literal line ends are normalized; a reference such as &#13; keeps its character.
    let text = raw.includes('\r') ? normalizeNewlines(raw) : raw;
    if (text.includes('&')) text = this.decodeEntities(text, at);
    this.checkChars(text, at);
    return text;
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

  private decodeEntities(text: string, at: number): string {
    let out = '';
    let p = 0;
    for (;;) {
      const amp = text.indexOf('&', p);
      if (amp < 0) break;
      out += text.slice(p, amp);
      const semi = text.indexOf(';', amp + 1);
      if (semi < 0 || semi - amp > 12) this.fail('"&" that starts no entity or character reference', at + amp);
      const ref = text.slice(amp + 1, semi);
      switch (ref) {
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
        default: {
          let cp = NaN;
          if (/^#[0-9]{1,7}$/.test(ref)) cp = Number.parseInt(ref.slice(1), 10);
          else if (/^#x[0-9a-fA-F]{1,6}$/.test(ref)) cp = Number.parseInt(ref.slice(2), 16);
          else if (ref.startsWith('#')) this.fail(`malformed character reference &${ref};`, at + amp);
          else this.fail(`undefined entity &${ref}; (only the five XML entities are known)`, at + amp);
          if (!isXmlChar(cp)) this.fail(`character reference &${ref}; names a character XML does not allow`, at + amp);
          out += String.fromCodePoint(cp);
        }
      }
      p = semi + 1;
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

function normalizeNewlines(t: string): string {
  return t.replace(/\r\n?/g, '\n');
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
