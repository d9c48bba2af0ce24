/**
 * What the strict decoder's emitter (decoder.ts) and the lenient one (lenient-decoder.ts)
 * write alike: how a child's value is read, the DM profile check, and the decoding of
 * children that may come in any order (a strict Meta, every lenient element) into locals
 * that are then put into the value in content-model order.
 */
import type { CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import { str } from '../naming.js';
import { fieldType, valueType } from './common.js';

/** How a family of decode functions is named (`d` strict, `l` lenient) and whether it reads values leniently. */
export interface DecoderFamily {
  readonly prefix: 'd' | 'l';
  /** Closed lists of names read case-insensitively (the constant holding each list), codes and numbers trimmed. */
  readonly lenientValues?: (source: string) => string;
}

/** Expression that reads the value of `element` (of particle `p`) whose start tag was just read. */
export function readValue(model: Model, family: DecoderFamily, element: string, p?: Particle): string {
  const e = model.byName.get(element)!;
  switch (e.content.kind) {
    case 'empty':
      return '(r.readEmpty(), true)';
    case 'text': {
      const read = e.content.inlineMarkup ? 'r.readText(true)' : 'r.readText()';
      const values = family.lenientValues && p?.kind === 'element' ? p.values : undefined;
      if (values?.kind === 'names') return `knownName(r, ${read}, ${family.lenientValues!(values.source)}, ${str(element)})`;
      if (values?.kind === 'codes' || values?.kind === 'integer') return `trimmedNumber(r, ${read}, ${str(element)})`;
      return read;
    }
    default:
      return `${family.prefix}${element}(r)`;
  }
}

/** The check that `element` is in the DM profile, when it is not. */
export function profileCheck(model: Model, element: string, parent: string, w: CodeBlockWriter): void {
  const e = model.byName.get(element)!;
  if (!e.dm) w.writeLine(`if (r.dmOnly) r.outsideProfile(${str(element)}, ${str(parent)}, ${str(e.dmNote)});`);
}

/** Vocabulary of the children of `e` (that of its first child). */
export function childVocab(model: Model, e: Element): number {
  const first = particlesOf(model, e)[0];
  if (!first) return e.vocabulary.id;
  const name = first.kind === 'element' ? first.element : first.elements[0]!;
  return model.byName.get(name)!.vocabulary.id;
}

/** Options of writeAnyOrder. */
export interface AnyOrderOptions {
  /** Record a `child-order` slip for a child that comes after one the DTD puts later (lenient sequences). */
  readonly orderSlips: boolean;
  /** Writes the checks of required children, after the loop and before the value is built. */
  readonly required: (w: CodeBlockWriter) => void;
}

/**
 * Children of `e` in any order, each into the local of its particle (a repeated one numbered
 * first, so that errors and warnings name it as errors do: `TargetRef[2]`; the members of a
 * repeated choice kept in the order they came, each kind counted), duplicates and unknown
 * elements refused; then the required checks; then the value in content-model order.
 */
export function writeAnyOrder(model: Model, family: DecoderFamily, e: Element, options: AnyOrderOptions, w: CodeBlockWriter): void {
  const particles = particlesOf(model, e);
  const V = childVocab(model, e);
  const P = str(e.name);
  const ordered = options.orderSlips && particles.length > 1;
  for (const p of particles) {
    const t = valueType(model, p);
    if (p.max === 1) w.writeLine(`let ${p.field}: ${t} | undefined;`);
    else w.writeLine(`const ${p.field}: ${t}[] = [];`);
    if (p.kind === 'choice' && p.max !== 1) w.writeLine(`let ${p.elements.map((_, i) => `${p.field}Seen${i} = 0`).join(', ')};`);
  }
  if (ordered) w.writeLine('let orderAt = 0;\nlet orderName = "";');
  w.write(`for (let n = r.nextChild(${V}); n !== null; n = r.nextChild(${V}))`).block(() => {
    w.write('switch (n)').block(() => {
      particles.forEach((p, i) => {
        const members = p.kind === 'element' ? [p.element] : p.elements;
        members.forEach((m, k) => {
          w.writeLine(`case ${str(m)}:`);
          w.indent(() => {
            if (p.max !== 1) w.writeLine(p.kind === 'choice' ? `r.nth(++${p.field}Seen${k});` : `r.nth(${p.field}.length + 1);`);
            if (ordered) {
              w.writeLine(`if (orderAt > ${i}) r.slip("child-order", \`<${m}> after <\${orderName}> in <${e.name}>, where the DTD puts it before\`);`);
              w.writeLine(`else { orderAt = ${i}; orderName = n; }`);
            }
            profileCheck(model, m, e.name, w);
            const value = readValue(model, family, m, p);
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
  options.required(w);
  w.writeLine(e.tagged ? `const o = { kind: ${str(e.name)} } as ${e.typeName};` : `const o = {} as ${e.typeName};`);
  for (const p of particles) {
    if (p.max === 1) w.writeLine(`if (${p.field} !== undefined) o.${p.field} = ${p.field};`);
    else w.writeLine(`o.${p.field} = ${p.field} as ${fieldType(model, p)};`);
  }
  w.writeLine('return o;');
}

/** What a required particle is missing, as r.missing names it: `<Item>`, `<Add> or <Alert>`. */
export function requiredWhat(p: Particle): string {
  return p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
}

/** Is the particle's local (of writeAnyOrder) empty? */
export function absent(p: Particle): string {
  return p.max === 1 ? `${p.field} === undefined` : `${p.field}.length === 0`;
}
