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
import { importedTypeNames } from './common.js';
import { absent, requiredWhat, writeAnyOrder, type DecoderFamily } from './decoding.js';

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
      statements: (w) => writeLenient(model, e, w),
    });
  }
}

function listConst(source: string): string {
  return source.toUpperCase().replace(/-/g, '_');
}

const LENIENT: DecoderFamily = { prefix: 'l', lenientValues: listConst };

function writeLenient(model: Model, e: Element, w: CodeBlockWriter): void {
  const particles = particlesOf(model, e);
  const seen = new Set<string>();
  for (const p of particles) {
    for (const name of p.kind === 'element' ? [p.element] : p.elements) {
      if (seen.has(name)) throw new Error(`<${e.name}>: <${name}> is in two particles, so its place is in doubt; lenient decoding needs one`);
      seen.add(name);
    }
  }
  const repairs = model.repairs.filter((r) => r.parent === e.name);
  const P = str(e.name);
  // Content-model order is kept for sequences; embedded content (Meta) has none.
  writeAnyOrder(model, LENIENT, e, {
    orderSlips: e.content.kind === 'sequence',
    // Required children, in content-model order (the first missing one is reported), with the repairs the table allows.
    required: (w) => {
      for (const p of particles) {
        if (p.min !== 1) continue;
        const repair = p.kind === 'element' ? repairs.find((r) => r.element === p.element) : undefined;
        if (repair) writeRepair(particles, repair, p.field, absent(p), requiredWhat(p), P, w);
        else w.writeLine(`if (${absent(p)}) r.missing(${str(requiredWhat(p))}, ${P}, null);`);
      }
    },
  }, w);
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
