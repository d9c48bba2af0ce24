/**
 * Stage 2: the model (IR) every emitter reads. It joins the DTDs and the tables and
 * decides everything an emitter would otherwise have to work out:
 *
 * - each element's vocabulary (namespace, WBXML code page) and DM membership;
 * - its content, normalized: EMPTY, text, a sequence of particles (an element or a
 *   choice of elements, each with min/max occurrences), or an embedded vocabulary
 *   whose children appear directly and in any order (Meta holding MetInf);
 * - the typed field of every particle (name, array or not), choice unions and their
 *   names, which elements carry a `kind` tag;
 * - protocol codes and WBXML tokens.
 *
 * Content models the typed layer cannot represent are refused here, with the reason.
 */
import type { ContentParticle, Dtd, ElementDecl, Occurrence } from './dtd-reader.js';
import type { Table } from './table-reader.js';
import { fieldName, pluralize, identifier, typeNameOf } from './naming.js';

export interface Vocabulary {
  readonly id: number;
  readonly name: string;
  /** Namespaces, the preferred one first. */
  readonly namespaces: readonly string[];
  readonly fpis: readonly string[];
  readonly publicIds: readonly { readonly fpi: string; readonly id: number; readonly namespace: string }[];
  readonly page: number;
  readonly dtd: string;
  /** The vocabulary's own root element (not used as anyone's child within it). */
  readonly root: string;
}

/** What the text of a field holds, from schemas/field-values.tsv. */
export type FieldValues =
  /** A protocol code of that table: builders take a number (or its digits). */
  | { readonly kind: 'codes'; readonly table: 'alert-codes' | 'status-codes' }
  /** A non-negative integer: builders take a number (or its digits). */
  | { readonly kind: 'integer' }
  /** One of a closed list of names; builders take others only through an explicit escape. */
  | { readonly kind: 'names'; readonly source: 'format-values' | 'commands'; readonly names: readonly string[] };

export interface ElementParticle {
  readonly kind: 'element';
  readonly element: string;
  readonly min: 0 | 1;
  readonly max: 1 | typeof Infinity;
  readonly field: string;
  /** What its text holds, where schemas/field-values.tsv says (text elements only). */
  readonly values?: FieldValues;
}

export interface ChoiceParticle {
  readonly kind: 'choice';
  readonly elements: readonly string[];
  readonly min: 0 | 1;
  readonly max: 1 | typeof Infinity;
  readonly field: string;
  /** Name of the discriminated union type of the members. */
  readonly union: string;
}

export type Particle = ElementParticle | ChoiceParticle;

export type Content =
  | { readonly kind: 'empty' }
  | { readonly kind: 'text'; readonly inlineMarkup: boolean }
  | { readonly kind: 'sequence'; readonly particles: readonly Particle[] }
  /** Children of `holds` (another vocabulary's root) directly inside, any order. */
  | { readonly kind: 'embedded'; readonly holds: string };

export interface Element {
  readonly name: string;
  /** Name of its TypeScript type (differs from `name` where that would hide a global). */
  readonly typeName: string;
  readonly vocabulary: Vocabulary;
  readonly dm: boolean;
  readonly dmNote: string;
  readonly content: Content;
  /** Appears as a member of some choice: its typed value carries `kind: '<name>'`. */
  readonly tagged: boolean;
  /** Reaches itself through its content (Atomic, Sequence, Sync...). */
  readonly recursive: boolean;
  /** Reaches itself through DM elements only (Item reaches itself only through DS filters). */
  readonly recursiveInDm: boolean;
  readonly doc: string | undefined;
  readonly wbxmlToken: number;
}

export interface Code {
  readonly code: number;
  readonly name: string;
  readonly description: string;
  readonly category?: string;
}

export interface NamedValue {
  readonly value: string;
  readonly name: string;
  readonly description: string;
  readonly extra: Readonly<Record<string, string>>;
}

/**
 * A required child a lenient decoder supplies when a peer leaves it out, where its value
 * is not in doubt (schemas/lenient-repairs.tsv): `element` of `parent` is `value` when the
 * text child `whenElement` of the same parent is `whenValue`.
 */
export interface Repair {
  readonly kind: string;
  readonly parent: string;
  readonly element: string;
  readonly whenElement: string;
  readonly whenValue: string;
  readonly value: string;
}

export interface Model {
  readonly vocabularies: readonly Vocabulary[];
  /** Every element, in DTD order. */
  readonly elements: readonly Element[];
  readonly byName: ReadonlyMap<string, Element>;
  /** Root of the message grammar (`SyncML`). */
  readonly root: Element;
  readonly unions: readonly { readonly name: string; readonly members: readonly string[]; readonly owner: string }[];
  readonly alertCodes: readonly Code[];
  readonly statusCodes: readonly Code[];
  readonly formats: readonly NamedValue[];
  readonly authTypes: readonly NamedValue[];
  readonly uiOptions: readonly NamedValue[];
  readonly versions: readonly NamedValue[];
  /** WBXML global tokens and framing constants, by name. */
  readonly wbxmlGlobals: readonly { readonly name: string; readonly value: number; readonly description: string }[];
  /** What a lenient decoder supplies for a missing required child (none without schemas/lenient-repairs.tsv). */
  readonly repairs: readonly Repair[];
  /** Input files each output depends on, for the generated headers. */
  readonly inputs: Readonly<Record<'dtd' | 'tables', readonly string[]>> & { readonly all: readonly string[] };
}

export interface ModelInputs {
  readonly dtd: Dtd;
  readonly namespaces: Table;
  readonly tokens: Table;
  readonly dmProfile: Table;
  readonly fieldNames: Table;
  readonly embedding: Table;
  readonly alertCodes: Table;
  readonly statusCodes: Table;
  readonly formats: Table;
  readonly authTypes: Table;
  readonly uiOptions: Table;
  readonly versions: Table;
  readonly wbxmlGlobals: Table;
  /** schemas/field-values.tsv; without it no field has values. */
  readonly fieldValues?: Table;
  /** schemas/lenient-repairs.tsv; without it a lenient decoder supplies nothing. */
  readonly repairs?: Table;
}

export class ModelError extends Error {
  override readonly name = 'ModelError';
}

function occurrence(o: Occurrence): { min: 0 | 1; max: 1 | typeof Infinity } {
  switch (o) {
    case '':
      return { min: 1, max: 1 };
    case '?':
      return { min: 0, max: 1 };
    case '*':
      return { min: 0, max: Infinity };
    case '+':
      return { min: 1, max: Infinity };
  }
}

/** A flattened particle before fields are named. */
interface RawParticle {
  readonly names: readonly string[];
  readonly choice: boolean;
  readonly min: 0 | 1;
  readonly max: 1 | typeof Infinity;
}

/**
 * Flattens a content model into a sequence of particles, each a single element or a
 * choice of single elements. Nested sequences that occur exactly once are spliced in;
 * nested choices inside a choice are merged. Anything else (a repeated sequence inside a
 * group, a sequence inside a choice) has no field-per-particle typing and is refused.
 */
export function flattenContent(element: string, top: ContentParticle): RawParticle[] {
  const refuse = (why: string): never => {
    throw new ModelError(`content model of <${element}> is not supported: ${why}`);
  };
  const choiceNames = (p: ContentParticle): string[] => {
    if (p.kind === 'name') {
      if (p.occurs !== '') refuse(`"${p.name}${p.occurs}" inside a choice`);
      return [p.name];
    }
    if (p.kind === 'choice' && p.occurs === '') return p.items.flatMap(choiceNames);
    return refuse('a sequence or repeated group inside a choice');
  };
  const out: RawParticle[] = [];
  const walk = (p: ContentParticle): void => {
    if (p.kind === 'name') {
      out.push({ names: [p.name], choice: false, ...occurrence(p.occurs) });
    } else if (p.kind === 'choice') {
      out.push({ names: p.items.flatMap(choiceNames), choice: true, ...occurrence(p.occurs) });
    } else if (p.occurs === '') {
      p.items.forEach(walk);
    } else {
      refuse(`repeated or optional sequence "(...)${p.occurs}"`);
    }
  };
  if (top.kind === 'seq' && top.occurs === '') top.items.forEach(walk);
  else walk(top);
  // Greedy decoding needs every name to belong to one particle only.
  const seen = new Set<string>();
  for (const p of out) {
    for (const n of p.names) {
      if (seen.has(n)) refuse(`<${n}> appears in two places, so a reader cannot tell which one it is`);
      seen.add(n);
    }
  }
  return out;
}

export function buildModel(inputs: ModelInputs): Model {
  const { dtd } = inputs;

  // ---- vocabularies
  const vocabRows = new Map<string, Record<string, string>[]>();
  for (const row of inputs.namespaces.rows) {
    const list = vocabRows.get(row['vocabulary']!) ?? [];
    list.push(row);
    vocabRows.set(row['vocabulary']!, list);
  }
  const declsByFile = new Map<string, ElementDecl[]>();
  for (const e of dtd.elements) {
    const list = declsByFile.get(e.file) ?? [];
    list.push(e);
    declsByFile.set(e.file, list);
  }
  const childNames = new Set<string>();
  for (const e of dtd.elements) {
    if (e.content.kind === 'children') collectNames(e.content.particle, childNames);
    if (e.content.kind === 'mixed') e.content.names.forEach((n) => childNames.add(n));
  }
  const vocabularies: Vocabulary[] = [];
  for (const [name, rows] of vocabRows) {
    const ordered = [...rows].sort((a, b) => (a['preferred'] === 'yes' ? -1 : b['preferred'] === 'yes' ? 1 : 0));
    const dtdFile = ordered[0]!['dtd']!;
    const decls = declsByFile.get(dtdFile);
    if (!decls) throw new ModelError(`namespaces.tsv: vocabulary ${name} names ${dtdFile}, which declares no element`);
    // The vocabulary's root: its first element that no element of its own file uses.
    const own = new Set<string>();
    for (const e of decls) {
      if (e.content.kind === 'children') collectNames(e.content.particle, own);
    }
    const root = decls.find((e) => !own.has(e.name));
    if (!root) throw new ModelError(`vocabulary ${name} has no root element`);
    vocabularies.push({
      id: vocabularies.length,
      name,
      namespaces: ordered.map((r) => r['namespace']!),
      fpis: ordered.map((r) => r['fpi']!),
      publicIds: ordered.map((r) => ({ fpi: r['fpi']!, id: Number.parseInt(r['publicid']!, 16), namespace: r['namespace']! })),
      page: Number(ordered[0]!['page']),
      dtd: dtdFile,
      root: root.name,
    });
  }
  vocabularies.sort((a, b) => a.page - b.page);
  vocabularies.forEach((v, i) => ((v as { id: number }).id = i));
  const vocabOfFile = new Map(vocabularies.map((v) => [v.dtd, v]));

  // ---- tables keyed by element
  const dmRows = new Map(inputs.dmProfile.rows.map((r) => [r['element']!, r]));
  const embedRows = new Map(inputs.embedding.rows.map((r) => [r['element']!, r]));
  const fieldRows = new Map(inputs.fieldNames.rows.map((r) => [`${r['element']}#${r['group']}`, r['field']!]));
  const tokenRows = new Map(inputs.tokens.rows.map((r) => [`${r['vocabulary']}:${r['element']}`, Number.parseInt(r['token']!, 16)]));

  const declByName = new Map(dtd.elements.map((e) => [e.name, e]));
  for (const name of childNames) {
    if (!declByName.has(name)) throw new ModelError(`<${name}> is used in a content model but never declared`);
  }
  const tagged = new Set<string>();
  const unions: { name: string; members: string[]; owner: string }[] = [];

  const contentOf = (decl: ElementDecl): Content => {
    const embed = embedRows.get(decl.name);
    const c = decl.content;
    switch (c.kind) {
      case 'empty':
        return { kind: 'empty' };
      case 'any':
        throw new ModelError(`<${decl.name}> has ANY content, which the typed layer cannot represent`);
      case 'mixed':
        if (c.names.length === 0) return { kind: 'text', inlineMarkup: embed?.['inline-markup'] === 'yes' };
        if (!embed || embed['holds'] === 'text') {
          throw new ModelError(`<${decl.name}> has mixed content; schemas/embedding.tsv must say what it holds`);
        }
        {
          const holds = embed['holds']!;
          const held = declByName.get(holds);
          if (!held || held.content.kind !== 'children') throw new ModelError(`embedding.tsv: <${decl.name}> holds unknown ${holds}`);
          const heldNames = new Set<string>();
          collectNames(held.content.particle, heldNames);
          const listed = new Set(c.names);
          if (heldNames.size !== listed.size || [...heldNames].some((n) => !listed.has(n))) {
            throw new ModelError(`<${decl.name}> lists other children than the content of <${holds}>`);
          }
          return { kind: 'embedded', holds };
        }
      case 'children': {
        const raw = flattenContent(decl.name, c.particle);
        let group = 0;
        const particles: Particle[] = raw.map((p) => {
          if (!p.choice || p.names.length === 1) {
            const element = p.names[0]!;
            const base = fieldName(element);
            return { kind: 'element', element, min: p.min, max: p.max, field: p.max === 1 ? base : pluralize(base) };
          }
          group++;
          const field = fieldRows.get(`${decl.name}#${group}`);
          if (!field) throw new ModelError(`field-names.tsv: no field name for choice group ${group} of <${decl.name}>`);
          const union = decl.name + identifier(p.max === 1 ? field : field.replace(/s$/, ''));
          p.names.forEach((n) => tagged.add(n));
          unions.push({ name: union, members: [...p.names], owner: decl.name });
          return { kind: 'choice', elements: p.names, min: p.min, max: p.max, field, union };
        });
        return { kind: 'sequence', particles };
      }
    }
  };

  const contents = new Map(dtd.elements.map((d) => [d.name, contentOf(d)]));

  // ---- recursion: elements that reach themselves
  const childrenOf = (name: string): string[] => {
    const c = contents.get(name)!;
    if (c.kind === 'sequence') return c.particles.flatMap((p) => (p.kind === 'element' ? [p.element] : [...p.elements]));
    if (c.kind === 'embedded') return [c.holds];
    return [];
  };
  const isDm = (name: string): boolean => dmRows.get(name)?.['dm'] !== 'no';
  const reaches = (from: string, target: string, dmOnly: boolean): boolean => {
    const seen = new Set<string>();
    const next = (n: string): string[] => childrenOf(n).filter((c) => !dmOnly || isDm(c));
    const stack = next(from);
    while (stack.length) {
      const n = stack.pop()!;
      if (n === target) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...next(n));
    }
    return false;
  };

  const elements: Element[] = dtd.elements.map((decl) => {
    const vocabulary = vocabOfFile.get(decl.file);
    if (!vocabulary) throw new ModelError(`${decl.file} belongs to no vocabulary of namespaces.tsv`);
    const dmRow = dmRows.get(decl.name);
    if (vocabulary.page === 0 && !dmRow) throw new ModelError(`dm-profile.tsv does not say whether <${decl.name}> is part of DM`);
    const token = tokenRows.get(`${vocabulary.name}:${decl.name}`);
    if (token === undefined) throw new ModelError(`wbxml-tokens.tsv has no token for <${decl.name}> (${vocabulary.name})`);
    for (const a of dtd.attributes.get(decl.name) ?? []) {
      if (a.name !== 'xmlns' && !a.name.startsWith('xmlns:')) {
        throw new ModelError(`attribute ${a.name} of <${decl.name}>: only namespace declarations are supported`);
      }
    }
    return {
      name: decl.name,
      typeName: typeNameOf(decl.name),
      vocabulary,
      dm: dmRow ? dmRow['dm'] === 'yes' : true,
      dmNote: dmRow?.['note'] ?? '',
      content: contents.get(decl.name)!,
      tagged: tagged.has(decl.name),
      recursive: reaches(decl.name, decl.name, false),
      recursiveInDm: isDm(decl.name) && reaches(decl.name, decl.name, true),
      doc: decl.doc,
      wbxmlToken: token,
    };
  });
  const byName = new Map(elements.map((e) => [e.name, e]));
  for (const e of elements) {
    if (e.tagged && e.content.kind !== 'sequence') {
      throw new ModelError(`<${e.name}> is a choice member but has no element content; it cannot carry a kind tag`);
    }
  }
  for (const [key] of tokenRows) {
    const name = key.slice(key.indexOf(':') + 1);
    if (!byName.has(name)) throw new ModelError(`wbxml-tokens.tsv names <${name}>, which no DTD declares`);
  }
  const rootVocab = vocabularies[0]!;
  const root = byName.get(rootVocab.root)!;

  const codes = (t: Table): Code[] =>
    t.rows.map((r) => ({
      code: Number(r['code']),
      name: r['name']!,
      description: r['description'] ?? r['reason'] ?? '',
      ...(r['category'] ? { category: r['category'] } : {}),
    }));
  const named = (t: Table, key: string): NamedValue[] =>
    t.rows.map((r) => {
      const extra: Record<string, string> = {};
      for (const c of t.columns) if (c !== key && c !== 'name' && c !== 'description') extra[c] = r[c]!;
      return { value: r[key]!, name: r['name']!, description: r['description'] ?? '', extra };
    });

  attachFieldValues(inputs, elements, byName, root, named(inputs.formats, 'value'));

  const tables = [
    inputs.namespaces,
    inputs.tokens,
    inputs.dmProfile,
    inputs.fieldNames,
    inputs.embedding,
    inputs.alertCodes,
    inputs.statusCodes,
    inputs.formats,
    inputs.authTypes,
    inputs.uiOptions,
    inputs.versions,
    inputs.wbxmlGlobals,
    ...(inputs.fieldValues ? [inputs.fieldValues] : []),
    ...(inputs.repairs ? [inputs.repairs] : []),
  ].map((t) => t.file);
  return {
    vocabularies,
    elements,
    byName,
    root,
    unions,
    alertCodes: codes(inputs.alertCodes),
    statusCodes: codes(inputs.statusCodes),
    formats: named(inputs.formats, 'value'),
    authTypes: named(inputs.authTypes, 'value'),
    uiOptions: named(inputs.uiOptions, 'option'),
    versions: named(inputs.versions, 'value'),
    wbxmlGlobals: inputs.wbxmlGlobals.rows.map((r) => ({ name: r['name']!, value: Number(r['value']), description: r['description'] ?? '' })),
    repairs: readRepairs(inputs.repairs, byName),
    inputs: { dtd: dtd.files, tables, all: [...dtd.files, ...tables] },
  };
}

/**
 * Marks the particles that schemas/field-values.tsv names with what their text holds.
 * `commands` are the elements numbered by a CmdID, and the header of `root`.
 */
function attachFieldValues(inputs: ModelInputs, elements: readonly Element[], byName: ReadonlyMap<string, Element>, root: Element, formats: readonly NamedValue[]): void {
  const table = inputs.fieldValues;
  if (!table) return;
  const particles = (e: Element): readonly Particle[] => (e.content.kind === 'sequence' ? e.content.particles : []);
  const commands = elements.filter((e) => particles(e).some((p) => p.kind === 'element' && p.element === 'CmdID')).map((e) => e.name);
  const header = particles(root)[0];
  if (header?.kind === 'element') commands.push(header.element);
  for (const row of table.rows) {
    const parent = byName.get(row['parent']!);
    const at = `${table.file}: ${row['parent']}/${row['element']}`;
    const p = parent && particles(parent).find((q) => q.kind === 'element' && q.element === row['element']);
    if (!p || p.kind !== 'element') throw new ModelError(`${at}: <${row['parent']}> has no child <${row['element']}>`);
    if (byName.get(p.element)!.content.kind !== 'text') throw new ModelError(`${at}: <${p.element}> holds no text`);
    let values: FieldValues;
    const v = row['values'];
    if (v === 'alert-codes' || v === 'status-codes') values = { kind: 'codes', table: v };
    else if (v === 'integer') values = { kind: 'integer' };
    else if (v === 'format-values') values = { kind: 'names', source: v, names: formats.map((f) => f.value) };
    else if (v === 'commands') values = { kind: 'names', source: v, names: commands };
    else throw new ModelError(`${at}: unknown values "${v}"`);
    (p as { values?: FieldValues }).values = values;
  }
}

/**
 * The rows of schemas/lenient-repairs.tsv, checked: the repaired element is a required
 * text child of its parent, the condition names another text child of it, and `when` is
 * `Element=value`.
 */
function readRepairs(table: Table | undefined, byName: ReadonlyMap<string, Element>): Repair[] {
  if (!table) return [];
  return table.rows.map((row) => {
    const at = `${table.file}: ${row['parent']}/${row['element']}`;
    const parent = byName.get(row['parent']!);
    const particles = parent?.content.kind === 'sequence' ? parent.content.particles : [];
    const child = (name: string): ElementParticle | undefined =>
      particles.find((p): p is ElementParticle => p.kind === 'element' && p.element === name && p.max === 1 && byName.get(name)!.content.kind === 'text');
    const target = child(row['element']!);
    if (!target || target.min !== 1) throw new ModelError(`${at}: <${row['element']}> is not a required text child of <${row['parent']}>`);
    const when = /^([A-Za-z]+)=(.+)$/.exec(row['when']!);
    if (!when) throw new ModelError(`${at}: when "${row['when']}" is not Element=value`);
    if (when[1] === row['element'] || !child(when[1]!)) throw new ModelError(`${at}: when names <${when[1]}>, not another text child of <${row['parent']}>`);
    if (!/^[a-z]+(?:-[a-z]+)*$/.test(row['kind']!)) throw new ModelError(`${at}: kind "${row['kind']}" is not kebab-case`);
    return { kind: row['kind']!, parent: row['parent']!, element: row['element']!, whenElement: when[1]!, whenValue: when[2]!, value: row['value']! };
  });
}

function collectNames(p: ContentParticle, into: Set<string>): void {
  if (p.kind === 'name') into.add(p.name);
  else p.items.forEach((i) => collectNames(i, into));
}

/** The particles of an element's content, or of the vocabulary root it embeds. */
export function particlesOf(model: Model, e: Element): readonly Particle[] {
  if (e.content.kind === 'sequence') return e.content.particles;
  if (e.content.kind === 'embedded') {
    const held = model.byName.get(e.content.holds)!;
    return held.content.kind === 'sequence' ? held.content.particles : [];
  }
  return [];
}

/** Elements whose typed value is an object (sequence or embedded content). */
export function isStructured(e: Element): boolean {
  return e.content.kind === 'sequence' || e.content.kind === 'embedded';
}
