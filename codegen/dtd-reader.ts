/**
 * Stage 1a: reads DTD files into declarations.
 *
 * Handles what real DTDs use: comments, internal and external parameter entities
 * (expanded where they are referenced, between and inside declarations), element
 * declarations (EMPTY, ANY, #PCDATA, mixed content, nested groups with ? * +), attribute
 * lists, and INCLUDE/IGNORE conditional sections. General entities are recorded and
 * otherwise ignored: nothing in a message grammar needs them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export type Occurrence = '' | '?' | '*' | '+';

/** A content particle of an element declaration. */
export type ContentParticle =
  | { readonly kind: 'name'; readonly name: string; readonly occurs: Occurrence }
  | { readonly kind: 'seq' | 'choice'; readonly items: readonly ContentParticle[]; readonly occurs: Occurrence };

export type ContentSpec =
  | { readonly kind: 'empty' }
  | { readonly kind: 'any' }
  /** `(#PCDATA)` or `(#PCDATA | a | b)*`. */
  | { readonly kind: 'mixed'; readonly names: readonly string[] }
  | { readonly kind: 'children'; readonly particle: ContentParticle };

export interface AttributeDecl {
  readonly name: string;
  /** CDATA, ID, NMTOKEN, ..., or `enum` with `values`. */
  readonly type: string;
  readonly values?: readonly string[];
  readonly presence: '#REQUIRED' | '#IMPLIED' | '#FIXED' | 'default';
  readonly defaultValue?: string;
}

export interface ElementDecl {
  readonly name: string;
  readonly content: ContentSpec;
  /** The DTD file (relative to the schemas folder) that declares it. */
  readonly file: string;
  /** The comment right before the declaration, if any. */
  readonly doc?: string;
}

export interface Dtd {
  /** Element declarations in document order. */
  readonly elements: readonly ElementDecl[];
  readonly attributes: ReadonlyMap<string, readonly AttributeDecl[]>;
  /** Every file read, relative to the base folder, in reading order. */
  readonly files: readonly string[];
}

export class DtdSyntaxError extends Error {
  override readonly name = 'DtdSyntaxError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

interface ParameterEntity {
  readonly value?: string;
  readonly systemPath?: string;
}

/** Reads `file` (and what its parameter entities pull in) relative to `baseDir`. */
export function readDtd(baseDir: string, file: string): Dtd {
  const reader = new DtdReader(baseDir);
  reader.readFile(join(baseDir, file));
  return { elements: reader.elements, attributes: reader.attributes, files: reader.files };
}

/** Reads DTD text given directly (tests); external entities resolve against `baseDir`. */
export function parseDtdText(text: string, fileName = 'inline.dtd', baseDir = '.'): Dtd {
  const reader = new DtdReader(baseDir);
  reader.readText(text, fileName);
  return { elements: reader.elements, attributes: reader.attributes, files: reader.files };
}

class DtdReader {
  readonly elements: ElementDecl[] = [];
  readonly attributes = new Map<string, AttributeDecl[]>();
  readonly files: string[] = [];
  private readonly parameterEntities = new Map<string, ParameterEntity>();
  private readonly generalEntities = new Map<string, string>();
  private readonly openFiles: string[] = [];

  constructor(private readonly baseDir: string) {}

  readFile(path: string): void {
    const rel = relative(this.baseDir, path) || path;
    if (this.openFiles.includes(rel)) throw new DtdSyntaxError(rel, 1, 'recursive inclusion of the DTD');
    this.readText(readFileSync(path, 'utf8'), rel, dirname(path));
  }

  readText(text: string, file: string, dir = this.baseDir): void {
    this.files.push(file);
    this.openFiles.push(file);
    new DeclarationScanner(this, text, file, dir).run();
    this.openFiles.pop();
  }

  defineParameterEntity(name: string, entity: ParameterEntity): void {
    // The first definition binds (XML 1.0, section 4.2).
    if (!this.parameterEntities.has(name)) this.parameterEntities.set(name, entity);
  }

  defineGeneralEntity(name: string, value: string): void {
    if (!this.generalEntities.has(name)) this.generalEntities.set(name, value);
  }

  parameterEntity(name: string): ParameterEntity | undefined {
    return this.parameterEntities.get(name);
  }

  addElement(decl: ElementDecl, at: () => DtdSyntaxError): void {
    if (this.elements.some((e) => e.name === decl.name)) throw at();
    this.elements.push(decl);
  }

  addAttributes(element: string, attrs: AttributeDecl[]): void {
    const list = this.attributes.get(element) ?? [];
    for (const a of attrs) if (!list.some((b) => b.name === a.name)) list.push(a);
    this.attributes.set(element, list);
  }
}

const NAME = /^[A-Za-z_:][A-Za-z0-9._:-]*/;

class DeclarationScanner {
  private pos = 0;
  private lastComment: string | undefined;

  constructor(
    private readonly dtd: DtdReader,
    private readonly text: string,
    private readonly file: string,
    private readonly dir: string,
  ) {}

  private error(reason: string, at = this.pos): DtdSyntaxError {
    const line = this.text.slice(0, at).split('\n').length;
    return new DtdSyntaxError(this.file, line, reason);
  }

  run(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (/\s/.test(c)) {
        this.pos++;
      } else if (t.startsWith('<!--', this.pos)) {
        const end = t.indexOf('-->', this.pos + 4);
        if (end < 0) throw this.error('unterminated comment');
        this.lastComment = t.slice(this.pos + 4, end).trim().replace(/\s*\n\s*/g, ' ');
        this.pos = end + 3;
      } else if (c === '%') {
        const ref = /^%([A-Za-z_][A-Za-z0-9._-]*);/.exec(t.slice(this.pos));
        if (!ref) throw this.error('malformed parameter entity reference');
        this.pos += ref[0].length;
        this.includeEntity(ref[1]!);
        this.lastComment = undefined;
      } else if (t.startsWith('<![', this.pos)) {
        this.conditionalSection();
      } else if (t.startsWith('<!', this.pos)) {
        this.declaration();
      } else if (t.startsWith('<?', this.pos)) {
        const end = t.indexOf('?>', this.pos);
        if (end < 0) throw this.error('unterminated processing instruction');
        this.pos = end + 2;
      } else if (t.startsWith(']]>', this.pos)) {
        throw this.error('"]]>" without an open conditional section');
      } else {
        throw this.error(`unexpected "${t.slice(this.pos, this.pos + 20)}"`);
      }
    }
  }

  private includeEntity(name: string): void {
    const pe = this.dtd.parameterEntity(name);
    if (!pe) throw this.error(`undefined parameter entity %${name};`);
    if (pe.systemPath !== undefined) this.dtd.readFile(pe.systemPath);
    else this.dtd.readText(pe.value!, `${this.file} (%${name};)`, this.dir);
  }

  private conditionalSection(): void {
    const start = this.pos;
    const head = /^<!\[\s*(%[A-Za-z_][A-Za-z0-9._-]*;|INCLUDE|IGNORE)\s*\[/.exec(this.text.slice(this.pos));
    if (!head) throw this.error('malformed conditional section');
    let keyword = head[1]!;
    if (keyword.startsWith('%')) keyword = this.expand(keyword, start).trim();
    if (keyword !== 'INCLUDE' && keyword !== 'IGNORE') throw this.error(`conditional section keyword "${keyword}"`);
    // Find the matching "]]>", counting nested sections.
    let depth = 1;
    let p = start + head[0].length;
    while (depth > 0) {
      const open = this.text.indexOf('<![', p);
      const close = this.text.indexOf(']]>', p);
      if (close < 0) throw this.error('unterminated conditional section', start);
      if (open >= 0 && open < close) {
        depth++;
        p = open + 3;
      } else {
        depth--;
        p = close + 3;
      }
    }
    if (keyword === 'INCLUDE') {
      new DeclarationScanner(this.dtd, this.text.slice(start + head[0].length, p - 3), this.file, this.dir).run();
    }
    this.pos = p;
  }

  /** Reads `<!KEYWORD ... >`, honouring quoted literals. */
  private declaration(): void {
    const start = this.pos;
    let p = start + 2;
    let quote = '';
    for (; p < this.text.length; p++) {
      const c = this.text[p]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (c === '>') {
        break;
      }
    }
    if (p >= this.text.length) throw this.error('unterminated declaration', start);
    const body = this.text.slice(start + 2, p);
    this.pos = p + 1;
    const keyword = /^[A-Z]+/.exec(body)?.[0];
    const rest = body.slice(keyword?.length ?? 0);
    const doc = this.lastComment;
    this.lastComment = undefined;
    switch (keyword) {
      case 'ENTITY':
        this.entityDecl(rest, start);
        break;
      case 'ELEMENT':
        this.elementDecl(this.expand(rest, start), start, doc);
        break;
      case 'ATTLIST':
        this.attlistDecl(this.expand(rest, start), start);
        break;
      case 'NOTATION':
        break;
      default:
        throw this.error(`unknown declaration <!${keyword ?? body.slice(0, 10)}`, start);
    }
  }

  /** Replaces parameter entity references in declaration text (recursively, bounded). */
  private expand(text: string, at: number, depth = 0): string {
    if (depth > 16) throw this.error('parameter entities nest too deeply', at);
    return text.replace(/%([A-Za-z_][A-Za-z0-9._-]*);/g, (_, name: string) => {
      const pe = this.dtd.parameterEntity(name);
      if (!pe) throw this.error(`undefined parameter entity %${name};`, at);
      if (pe.value === undefined) throw this.error(`external parameter entity %${name}; used inside a declaration`, at);
      return ' ' + this.expand(pe.value, at, depth + 1) + ' ';
    });
  }

  private entityDecl(rest: string, at: number): void {
    const m = /^\s+(%\s+)?([A-Za-z_][A-Za-z0-9._-]*)\s+([\s\S]*)$/.exec(rest);
    if (!m) throw this.error('malformed ENTITY declaration', at);
    const isParameter = m[1] !== undefined;
    const name = m[2]!;
    const def = m[3]!.trim();
    const literal = /^("([^"]*)"|'([^']*)')$/.exec(def);
    const external = /^(SYSTEM\s+("([^"]*)"|'([^']*)')|PUBLIC\s+("[^"]*"|'[^']*')\s+("([^"]*)"|'([^']*)'))(\s+NDATA\s+\S+)?$/.exec(def);
    if (literal) {
      const value = literal[2] ?? literal[3]!;
      if (isParameter) this.dtd.defineParameterEntity(name, { value: this.expand(value, at) });
      else this.dtd.defineGeneralEntity(name, value);
    } else if (external) {
      const system = external[3] ?? external[4] ?? external[7] ?? external[8]!;
      if (isParameter) this.dtd.defineParameterEntity(name, { systemPath: join(this.dir, system) });
    } else {
      throw this.error(`malformed definition of entity ${name}`, at);
    }
  }

  private elementDecl(rest: string, at: number, doc: string | undefined): void {
    const m = /^\s+([A-Za-z_:][A-Za-z0-9._:-]*)\s+([\s\S]*)$/.exec(rest);
    if (!m) throw this.error('malformed ELEMENT declaration', at);
    const name = m[1]!;
    const spec = m[2]!.trim();
    let content: ContentSpec;
    if (spec === 'EMPTY') content = { kind: 'empty' };
    else if (spec === 'ANY') content = { kind: 'any' };
    else if (/^\(\s*#PCDATA/.test(spec)) content = this.mixed(spec, at);
    else content = { kind: 'children', particle: new ContentModelParser(spec, (r) => this.error(`${name}: ${r}`, at)).parse() };
    const decl: ElementDecl = doc === undefined ? { name, content, file: this.file } : { name, content, file: this.file, doc };
    this.dtd.addElement(decl, () => this.error(`element ${name} is declared twice`, at));
  }

  private mixed(spec: string, at: number): ContentSpec {
    const compact = spec.replace(/\s+/g, '');
    if (compact === '(#PCDATA)' || compact === '(#PCDATA)*') return { kind: 'mixed', names: [] };
    const m = /^\(#PCDATA((?:\|[A-Za-z_:][A-Za-z0-9._:-]*)+)\)\*$/.exec(compact);
    if (!m) throw this.error(`malformed mixed content "${spec}"`, at);
    const names = m[1]!.split('|').filter(Boolean);
    return { kind: 'mixed', names };
  }

  private attlistDecl(rest: string, at: number): void {
    let s = rest.trim();
    const head = NAME.exec(s);
    if (!head) throw this.error('malformed ATTLIST declaration', at);
    const element = head[0];
    s = s.slice(element.length).trim();
    const attrs: AttributeDecl[] = [];
    while (s.length > 0) {
      const nm = NAME.exec(s);
      if (!nm) throw this.error(`malformed attribute in ATTLIST ${element}`, at);
      const name = nm[0];
      s = s.slice(name.length).trim();
      let type: string;
      let values: string[] | undefined;
      if (s.startsWith('(')) {
        const close = s.indexOf(')');
        if (close < 0) throw this.error(`unterminated enumeration of ${element}/@${name}`, at);
        values = s
          .slice(1, close)
          .split('|')
          .map((v) => v.trim());
        type = 'enum';
        s = s.slice(close + 1).trim();
      } else {
        const tm = /^(CDATA|ID|IDREF|IDREFS|ENTITY|ENTITIES|NMTOKEN|NMTOKENS)\b/.exec(s);
        if (!tm) throw this.error(`unknown attribute type for ${element}/@${name}`, at);
        type = tm[1]!;
        s = s.slice(type.length).trim();
      }
      let presence: AttributeDecl['presence'];
      let defaultValue: string | undefined;
      const pm = /^(#REQUIRED|#IMPLIED|#FIXED)/.exec(s);
      if (pm && pm[1] !== '#FIXED') {
        presence = pm[1] as AttributeDecl['presence'];
        s = s.slice(pm[1]!.length).trim();
      } else {
        presence = pm ? '#FIXED' : 'default';
        if (pm) s = s.slice(6).trim();
        const lit = /^("([^"]*)"|'([^']*)')/.exec(s);
        if (!lit) throw this.error(`missing default value for ${element}/@${name}`, at);
        defaultValue = lit[2] ?? lit[3]!;
        s = s.slice(lit[0].length).trim();
      }
      const decl: AttributeDecl = { name, type, presence };
      attrs.push({
        ...decl,
        ...(values ? { values } : {}),
        ...(defaultValue !== undefined ? { defaultValue } : {}),
      });
    }
    this.dtd.addAttributes(element, attrs);
  }
}

/** Recursive-descent parser for an element content model: `(a, (b | c)*, d?)+`. */
class ContentModelParser {
  private pos = 0;
  constructor(
    private readonly src: string,
    private readonly error: (reason: string) => Error,
  ) {}

  parse(): ContentParticle {
    const p = this.group();
    this.space();
    if (this.pos !== this.src.length) throw this.error(`unexpected "${this.src.slice(this.pos)}" after content model`);
    return p;
  }

  private space(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private occurs(): Occurrence {
    const c = this.src[this.pos];
    if (c === '?' || c === '*' || c === '+') {
      this.pos++;
      return c;
    }
    return '';
  }

  private group(): ContentParticle {
    this.space();
    if (this.src[this.pos] !== '(') throw this.error('expected "("');
    this.pos++;
    const items: ContentParticle[] = [this.particle()];
    let sep: ',' | '|' | undefined;
    for (;;) {
      this.space();
      const c = this.src[this.pos];
      if (c === ')') {
        this.pos++;
        break;
      }
      if (c !== ',' && c !== '|') throw this.error(`expected "," "|" or ")" at "${this.src.slice(this.pos, this.pos + 10)}"`);
      if (sep && sep !== c) throw this.error('"," and "|" mixed in one group');
      sep = c;
      this.pos++;
      items.push(this.particle());
    }
    return { kind: sep === '|' ? 'choice' : 'seq', items, occurs: this.occurs() };
  }

  private particle(): ContentParticle {
    this.space();
    if (this.src[this.pos] === '(') return this.group();
    const m = NAME.exec(this.src.slice(this.pos));
    if (!m) throw this.error(`expected an element name at "${this.src.slice(this.pos, this.pos + 10)}"`);
    this.pos += m[0].length;
    return { kind: 'name', name: m[0], occurs: this.occurs() };
  }
}
