/** Small helpers the emitters share: how a particle reads as DTD text and as a TS type. */
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';

export function occurrenceMark(p: Particle): string {
  if (p.min === 1 && p.max === 1) return '';
  if (p.min === 0 && p.max === 1) return '?';
  return p.min === 0 ? '*' : '+';
}

/** The particle as DTD content-model text: `Item+`, `(Add | Alert)*`. */
export function particleText(p: Particle): string {
  const base = p.kind === 'element' ? p.element : `(${p.elements.join(' | ')})`;
  return base + occurrenceMark(p);
}

/** TypeScript type of one value of a particle (before arrays). */
export function valueType(model: Model, p: Particle): string {
  if (p.kind === 'choice') return p.union;
  const e = model.byName.get(p.element)!;
  switch (e.content.kind) {
    case 'empty':
      return 'boolean';
    case 'text':
      return 'string';
    default:
      return e.typeName;
  }
}

export function fieldType(model: Model, p: Particle): string {
  const t = valueType(model, p);
  if (p.max === 1) return t;
  return p.min === 0 ? `${t}[]` : `[${t}, ...${t}[]]`;
}

/** Is the field absent-able in the typed value? Arrays are always present. */
export function isOptionalField(model: Model, p: Particle): boolean {
  if (p.max !== 1) return false;
  if (p.min === 0) return true;
  return p.kind === 'element' && model.byName.get(p.element)!.content.kind === 'empty';
}

export function isEmptyElement(model: Model, name: string): boolean {
  return model.byName.get(name)!.content.kind === 'empty';
}

export function structuredElements(model: Model): Element[] {
  return model.elements.filter((e) => e.content.kind === 'sequence' || e.content.kind === 'embedded');
}

/** TypeScript type name of an element. */
export function typeOf(model: Model, element: string): string {
  return model.byName.get(element)!.typeName;
}

/** Type names every codec module imports: element types and unions. */
export function importedTypeNames(model: Model): string[] {
  const names = new Set<string>();
  for (const e of structuredElements(model)) names.add(e.typeName);
  for (const u of model.unions) names.add(u.name);
  return [...names].sort();
}

/** Identifier-safe function suffix for an element. */
export function fn(prefix: string, element: string): string {
  return `${prefix}${element}`;
}

/** What one value of a particle is, as the encoders and their checks write it. */
export type FieldKind =
  | { readonly kind: 'flag'; readonly element: string }
  | { readonly kind: 'text'; readonly element: string }
  | { readonly kind: 'element'; readonly element: string }
  | { readonly kind: 'choice'; readonly union: string };

export function fieldKind(model: Model, p: Particle): FieldKind {
  if (p.kind === 'choice') return { kind: 'choice', union: p.union };
  switch (model.byName.get(p.element)!.content.kind) {
    case 'empty':
      return { kind: 'flag', element: p.element };
    case 'text':
      return { kind: 'text', element: p.element };
    default:
      return { kind: 'element', element: p.element };
  }
}

/** What the content model says of a repeated particle: `<Item>` or `<Add> or <Alert>`. */
export function particleWhat(p: Particle): string {
  return p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
}

/** The root's two parts: header and body elements, their fields, and the body's command choice. */
export function messageParts(model: Model): {
  hdr: Element;
  body: Element;
  hdrField: string;
  bodyField: string;
  /** The body's command choice, if it has one. */
  commands: Extract<Particle, { kind: 'choice' }> | undefined;
} {
  const root = model.root;
  const [hdrP, bodyP] = particlesOf(model, root);
  if (hdrP?.kind !== 'element' || bodyP?.kind !== 'element') throw new Error(`<${root.name}> is not (header, body)`);
  const body = model.byName.get(bodyP.element)!;
  const choice = particlesOf(model, body).find((p) => p.kind === 'choice');
  const commands = choice?.kind === 'choice' ? choice : undefined;
  return { hdr: model.byName.get(hdrP.element)!, body, hdrField: hdrP.field, bodyField: bodyP.field, commands };
}

/**
 * Depth (the root is 1) of the members of `owner`'s choice where `owner` stands nearest the
 * root: where a member written on its own stands in a message.
 */
export function memberDepth(model: Model, owner: string): number {
  const depth = new Map<string, number>([[model.root.name, 1]]);
  const queue = [model.root.name];
  while (queue.length) {
    const name = queue.shift()!;
    const d = depth.get(name)!;
    for (const p of particlesOf(model, model.byName.get(name)!)) {
      for (const child of p.kind === 'element' ? [p.element] : p.elements) {
        if (!depth.has(child)) {
          depth.set(child, d + 1);
          queue.push(child);
        }
      }
    }
  }
  const d = depth.get(owner);
  if (d === undefined) throw new Error(`<${owner}> is not reached from <${model.root.name}>`);
  return d + 1;
}

/** The EMPTY flags of the body after its command choice (Final): what closes a message. */
export function bodyTailFlags(model: Model): { element: string; field: string }[] {
  const { body, commands } = messageParts(model);
  const particles = particlesOf(model, body);
  const after = commands ? particles.slice(particles.indexOf(commands) + 1) : [];
  return after.map((p) => {
    if (p.kind !== 'element' || model.byName.get(p.element)!.content.kind !== 'empty' || p.max !== 1) {
      throw new Error(`<${body.name}>: only EMPTY flags may follow the commands, not ${p.kind === 'element' ? `<${p.element}>` : 'a choice'}`);
    }
    return { element: p.element, field: p.field };
  });
}

/**
 * How an encoder counts the fields it writes, to refuse a value with keys its element has no
 * field for at the cost of one compare (see refuseUnknownKeys in encode-checks.ts): `base`
 * counts `kind` and the fields always written; each optional field present adds one.
 */
export function countedFields(model: Model, e: Element): { base: number; counted: (p: Particle) => boolean } {
  const counted = (p: Particle): boolean => p.max === 1 && (p.min === 0 || fieldKind(model, p).kind === 'flag');
  const base = (e.tagged ? 1 : 0) + particlesOf(model, e).filter((p) => !counted(p)).length;
  return { base, counted };
}

/** The statement that ends an encoder's element function: a value with more keys than fields written is looked at. */
export function keysCheck(model: Model, e: Element): string {
  const { base, counted } = countedFields(model, e);
  const n = particlesOf(model, e).some(counted) ? 'n' : String(base);
  // (A for-in count allocates nothing, unlike Object.keys: about half its cost on small objects.)
  return `let k = 0;\nfor (const _ in v) k++;\nif (k !== ${n}) refuseUnknownKeys(v, ${JSON.stringify(e.name)});`;
}
