/**
 * Emits generated/lenient-decoder.ts: the decode functions of lenient mode, one per
 * element with element content, over a LenientElementReader. Where the strict functions
 * (emit/decoder.ts) walk the content model particle by particle, these take the children
 * in any order and put each where the content model puts it, so the value is the one the
 * strict decoder gives for the same children in DTD order. Each slip they recover from is
 * recorded on the reader:
 *
 * - a child that comes after one the DTD puts later (`child-order`): the meaning is not in
 *   doubt because every child of a sequence has a name of its own (checked here), and the
 *   order among the members of a repeated choice (the commands) is kept as it came;
 * - a required child left out where schemas/lenient-repairs.tsv gives its value;
 * - a Format value or command name in another case or with white space around it, and a
 *   code or number with white space around it (the fields of schemas/field-values.tsv).
 *
 * Everything else stays as strict as the strict functions: unknown elements, duplicates,
 * missing required children, the DM profile.
 */
import type { CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle, Repair } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { fieldType, importedTypeNames, valueType } from './common.js';

export function emitLenientDecoder(model: Model, out: Output): void {
  const sf = out.ts('lenient-decoder.ts', [...model.inputs.dtd, 'namespaces.tsv', 'dm-profile.tsv', 'embedding.tsv', 'field-values.tsv', 'format-values.tsv', 'lenient-repairs.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/element-reader.js', isTypeOnly: true, namedImports: ['LenientElementReader'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/lenient.js', namedImports: ['knownName', 'trimmedNumber'] });
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: importedTypeNames(model) });

  // One map per closed list of names: the name in lower case to the name.
  const lists = new Map<string, readonly string[]>();
  for (const e of model.elements) {
    for (const p of particlesOf(model, e)) {
      if (p.kind === 'element' && p.values?.kind === 'names') lists.set(p.values.source, p.values.names);
    }
  }
  for (const [source, names] of [...lists].sort(([a], [b]) => a.localeCompare(b))) {
    sf.addVariableStatement({
      declarations: [{ name: listConst(source), initializer: `new Map<string, string>([${names.map((n) => `[${str(n.toLowerCase())}, ${str(n)}]`).join(', ')}])` }],
      docs: [`The ${source} by their lower-case spelling.`],
    });
  }

  sf.addFunction({
    name: 'decodeMessageLenient',
    isExported: true,
    docs: [`Reads the content of the root <${model.root.name}> element leniently (see lenient.ts), whose start the reader has just read.`],
    parameters: [{ name: 'r', type: 'LenientElementReader' }],
    returnType: model.root.typeName,
    statements: `return l${model.root.name}(r);`,
  });
  for (const e of model.elements) {
    if (e.content.kind !== 'sequence' && e.content.kind !== 'embedded') continue;
    sf.addFunction({
      name: `l${e.name}`,
      parameters: [{ name: 'r', type: 'LenientElementReader' }],
      returnType: e.typeName,
      statements: (w) => writeAnyOrder(model, e, w),
    });
  }
}

function listConst(source: string): string {
  return source.toUpperCase().replace(/-/g, '_');
}

/** Expression that reads the value of `element` (of particle `p`) whose start tag was just read. */
function readValue(model: Model, p: Particle, element: string): string {
  const e = model.byName.get(element)!;
  switch (e.content.kind) {
    case 'empty':
      return '(r.readEmpty(), true)';
    case 'text': {
      const read = e.content.inlineMarkup ? 'r.readText(true)' : 'r.readText()';
      const values = p.kind === 'element' ? p.values : undefined;
      if (values?.kind === 'names') return `knownName(r, ${read}, ${listConst(values.source)}, ${str(element)})`;
      if (values?.kind === 'codes' || values?.kind === 'integer') return `trimmedNumber(r, ${read}, ${str(element)})`;
      return read;
    }
    default:
      return `l${element}(r)`;
  }
}

function childVocab(model: Model, e: Element, particles: readonly Particle[]): number {
  const first = particles[0];
  if (!first) return e.vocabulary.id;
  const name = first.kind === 'element' ? first.element : first.elements[0]!;
  return model.byName.get(name)!.vocabulary.id;
}

function writeAnyOrder(model: Model, e: Element, w: CodeBlockWriter): void {
  const particles = particlesOf(model, e);
  const V = childVocab(model, e, particles);
  const P = str(e.name);
  // Content-model order is kept for sequences; embedded content (Meta) has none.
  const ordered = e.content.kind === 'sequence';
  const seen = new Set<string>();
  for (const p of particles) {
    for (const name of p.kind === 'element' ? [p.element] : p.elements) {
      if (seen.has(name)) throw new Error(`<${e.name}>: <${name}> is in two particles, so its place is in doubt; lenient decoding needs one`);
      seen.add(name);
    }
  }
  const repairs = model.repairs.filter((r) => r.parent === e.name);

  for (const p of particles) {
    const t = valueType(model, p);
    if (p.max === 1) w.writeLine(`let ${p.field}: ${t} | undefined;`);
    else w.writeLine(`const ${p.field}: ${t}[] = [];`);
    if (p.kind === 'choice' && p.max !== 1) w.writeLine(`let ${p.elements.map((_, i) => `${p.field}Seen${i} = 0`).join(', ')};`);
  }
  if (ordered && particles.length > 1) w.writeLine('let orderAt = 0;\nlet orderName = "";');
  w.write(`for (let n = r.nextChild(${V}); n !== null; n = r.nextChild(${V}))`).block(() => {
    w.write('switch (n)').block(() => {
      particles.forEach((p, i) => {
        const members = p.kind === 'element' ? [p.element] : p.elements;
        members.forEach((m, k) => {
          w.writeLine(`case ${str(m)}:`);
          w.indent(() => {
            // (A repeated one is numbered first, so that a warning names it as errors do: TargetRef[2].)
            if (p.max !== 1) w.writeLine(p.kind === 'choice' ? `r.nth(++${p.field}Seen${k});` : `r.nth(${p.field}.length + 1);`);
            if (ordered && particles.length > 1) {
              w.writeLine(`if (orderAt > ${i}) r.slip("child-order", \`<${m}> after <\${orderName}> in <${e.name}>, where the DTD puts it before\`);`);
              w.writeLine(`else { orderAt = ${i}; orderName = n; }`);
            }
            const element = model.byName.get(m)!;
            if (!element.dm) w.writeLine(`if (r.dmOnly) r.outsideProfile(${str(m)}, ${P}, ${str(element.dmNote)});`);
            const value = readValue(model, p, m);
            if (p.max === 1) {
              w.writeLine(`if (${p.field} !== undefined) r.duplicate(${str(m)}, ${P});`);
              w.writeLine(`${p.field} = ${value};`);
            } else {
              w.writeLine(`${p.field}.push(${value});`);
            }
            w.writeLine('break;');
          });
        });
      });
      w.writeLine(`default:\n  r.unexpected(n, ${V}, ${P}, [], []);`);
    });
  });
  // Required children, in content-model order (the first missing one is reported), with the repairs the table allows.
  for (const p of particles) {
    if (p.min !== 1) continue;
    const what = p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
    const absent = p.max === 1 ? `${p.field} === undefined` : `${p.field}.length === 0`;
    const repair = p.kind === 'element' ? repairs.find((r) => r.element === p.element) : undefined;
    if (repair) writeRepair(particles, repair, p.field, absent, what, P, w);
    else w.writeLine(`if (${absent}) r.missing(${str(what)}, ${P}, null);`);
  }
  w.writeLine(e.tagged ? `const o = { kind: ${str(e.name)} } as ${e.typeName};` : `const o = {} as ${e.typeName};`);
  for (const p of particles) {
    if (p.max === 1) w.writeLine(`if (${p.field} !== undefined) o.${p.field} = ${p.field};`);
    else w.writeLine(`o.${p.field} = ${p.field} as ${fieldType(model, p)};`);
  }
  w.writeLine('return o;');
}

function writeRepair(particles: readonly Particle[], repair: Repair, field: string, absent: string, what: string, P: string, w: CodeBlockWriter): void {
  const when = particles.find((q) => q.kind === 'element' && q.element === repair.whenElement)!;
  w.write(`if (${absent})`).block(() => {
    w.write(`if (${when.field} === ${str(repair.whenValue)})`).block(() => {
      w.writeLine(`${field} = ${str(repair.value)};`);
      w.writeLine(
        `r.slipClosed(${str(repair.kind)}, ${str(`<${repair.parent}> with <${repair.whenElement}>${repair.whenValue}</${repair.whenElement}> has no ${what}: read as ${repair.value}`)});`,
      );
    });
    w.writeLine(`else r.missing(${str(what)}, ${P}, null);`);
  });
}
