/** Small helpers the emitters share: how a particle reads as DTD text and as a TS type. */
import type { Element, Model, Particle } from '../model.js';

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
