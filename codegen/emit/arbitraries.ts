/**
 * Emits generated/arbitraries.ts: fast-check arbitraries producing valid typed values of
 * every element, optional fields absent or present, arrays within their cardinality,
 * recursion through containers bounded by a depth, and the DM profile by default.
 */
import { VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { importedTypeNames, isOptionalField, structuredElements } from './common.js';

export function emitArbitraries(model: Model, out: Output): void {
  const sf = out.ts('arbitraries.ts', [...model.inputs.dtd, 'dm-profile.tsv', 'field-names.tsv']);
  sf.addImportDeclaration({ moduleSpecifier: 'fast-check', defaultImport: 'fc' });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/arbitrary-text.js', namedImports: ['xmlText'] });
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: importedTypeNames(model) });

  sf.addInterface({
    name: 'ArbitraryOptions',
    isExported: true,
    properties: [
      { name: 'profile', type: "'syncml' | 'dm'", hasQuestionToken: true, docs: ['`dm` (default) uses only the elements of OMA DM.'] },
      { name: 'maxDepth', type: 'number', hasQuestionToken: true, docs: ['How deep containers (Atomic, Sequence, ...) nest; default 2.'] },
      { name: 'maxItems', type: 'number', hasQuestionToken: true, docs: ['Longest list of children; default 3.'] },
      { name: 'text', type: '() => fc.Arbitrary<string>', hasQuestionToken: true, docs: ['Text of every text element; default: any text XML can carry.'] },
    ],
  });
  sf.addInterface({
    name: 'Settings',
    properties: [
      { name: 'dm', type: 'boolean', isReadonly: true },
      { name: 'maxDepth', type: 'number', isReadonly: true },
      { name: 'maxItems', type: 'number', isReadonly: true },
      { name: 'text', type: '() => fc.Arbitrary<string>', isReadonly: true },
      { name: 'cache', type: 'Map<string, fc.Arbitrary<unknown>>', isReadonly: true },
    ],
  });
  sf.addFunction({
    name: 'settings',
    parameters: [{ name: 'o', type: 'ArbitraryOptions' }],
    returnType: 'Settings',
    statements: "return { dm: (o.profile ?? 'dm') === 'dm', maxDepth: o.maxDepth ?? 2, maxItems: o.maxItems ?? 3, text: o.text ?? (() => xmlText()), cache: new Map() };",
  });
  sf.addFunction({
    name: 'messageArbitrary',
    isExported: true,
    docs: [`Valid <${model.root.name}> messages.`],
    parameters: [{ name: 'options', type: 'ArbitraryOptions', initializer: '{}' }],
    returnType: `fc.Arbitrary<${model.root.typeName}>`,
    statements: `return a${model.root.name}(settings(options), 0);`,
  });
  sf.addFunction({
    name: 'elementArbitrary',
    isExported: true,
    docs: ['Valid values of one element with element content.'],
    typeParameters: [{ name: 'K', constraint: 'keyof Arbitraries' }],
    parameters: [
      { name: 'element', type: 'K' },
      { name: 'options', type: 'ArbitraryOptions', initializer: '{}' },
    ],
    returnType: 'fc.Arbitrary<Arbitraries[K]>',
    statements: 'return (builders[element] as (s: Settings, d: number) => fc.Arbitrary<Arbitraries[K]>)(settings(options), 0);',
  });
  const structured = structuredElements(model);
  sf.addInterface({
    name: 'Arbitraries',
    isExported: true,
    docs: ['Element name to the type its arbitrary produces.'],
    properties: structured.map((e) => ({ name: e.name, type: e.typeName })),
  });
  sf.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'builders', initializer: `{\n${structured.map((e) => `  ${e.name}: a${e.name},`).join('\n')}\n}` }],
  });

  for (const e of structured) {
    sf.addFunction({
      name: `a${e.name}`,
      parameters: [
        { name: 's', type: 'Settings' },
        { name: 'depth', type: 'number' },
      ],
      returnType: `fc.Arbitrary<${e.typeName}>`,
      statements: (w) => writeRecord(model, e, w),
    });
  }
}

/** Expression: does `e` recurse in the profile the settings choose? */
function recursesExpr(e: Element): string | undefined {
  if (e.recursive === e.recursiveInDm) return e.recursive ? 'true' : undefined;
  return e.recursiveInDm ? 's.dm' : '!s.dm';
}

function valueArb(model: Model, element: string): string {
  const e = model.byName.get(element)!;
  const rec = recursesExpr(e);
  switch (e.content.kind) {
    case 'empty':
      return 'fc.constant(true)';
    case 'text':
      return 's.text()';
    default:
      return `a${element}(s, ${rec === undefined ? 'depth' : rec === 'true' ? 'depth + 1' : `${rec} ? depth + 1 : depth`})`;
  }
}

function writeRecord(model: Model, e: Element, w: CodeBlockWriter): void {
  const particles = particlesOf(model, e);
  w.writeLine(`const key = ${str(e.name)} + ':' + depth;`);
  w.writeLine(`const hit = s.cache.get(key);`);
  w.writeLine(`if (hit) return hit as fc.Arbitrary<${e.typeName}>;`);
  w.writeLine('const fields: Record<string, fc.Arbitrary<unknown>> = {};');
  w.writeLine('const required: string[] = [];');
  if (e.tagged) {
    w.writeLine(`fields.kind = fc.constant(${str(e.name)});`);
    w.writeLine("required.push('kind');");
  }
  for (const p of particles) writeField(model, p, w);
  w.writeLine(`const arb = fc.record(fields, { requiredKeys: required as never[], noNullPrototype: true }) as unknown as fc.Arbitrary<${e.typeName}>;`);
  w.writeLine('s.cache.set(key, arb);');
  w.writeLine('return arb;');
}

function writeField(model: Model, p: Particle, w: CodeBlockWriter): void {
  const F = str(p.field);
  const optional = isOptionalField(model, p);
  const arrayArb = (one: string): string =>
    `fc.array(${one}, { minLength: ${p.min}, maxLength: Math.max(${p.min}, s.maxItems) })`;
  if (p.kind === 'element') {
    const el = model.byName.get(p.element)!;
    // Optional fields are left out when the profile rules the element out, or when a
    // recursive element would nest deeper than allowed; required ones always recurse
    // (every cycle of the grammar passes an optional field, which bounds it).
    const rec = recursesExpr(el);
    const depthCond = rec === undefined ? [] : rec === 'true' ? ['depth < s.maxDepth'] : [`(!(${rec}) || depth < s.maxDepth)`];
    const conds = [...(el.dm ? [] : ['!s.dm']), ...(optional || p.min === 0 ? depthCond : [])];
    const arb = p.max === 1 ? valueArb(model, p.element) : arrayArb(valueArb(model, p.element));
    if (p.max !== 1) {
      // Arrays are always present; empty when ruled out.
      w.writeLine(`fields[${F}] = ${conds.length ? `${conds.join(' && ')} ? ${arb} : fc.constant([])` : arb};`);
      w.writeLine(`required.push(${F});`);
      return;
    }
    w.writeLine(`${conds.length ? `if (${conds.join(' && ')}) ` : ''}fields[${F}] = ${arb};`);
    if (!optional) w.writeLine(`required.push(${F});`);
    return;
  }
  // Choice: members filtered by profile and depth.
  w.writeLine(`const ${p.field}Members: fc.Arbitrary<unknown>[] = [];`);
  for (const m of p.elements) {
    const el = model.byName.get(m)!;
    const rec = recursesExpr(el);
    const conds = [...(el.dm ? [] : ['!s.dm']), ...(rec === undefined ? [] : rec === 'true' ? ['depth < s.maxDepth'] : [`(!(${rec}) || depth < s.maxDepth)`])];
    const push = `${p.field}Members.push(${valueArb(model, m)});`;
    w.writeLine(conds.length ? `if (${conds.join(' && ')}) ${push}` : push);
  }
  const one = `fc.oneof(...${p.field}Members)`;
  w.writeLine(`fields[${F}] = ${p.max === 1 ? one : arrayArb(one)};`);
  if (!optional) w.writeLine(`required.push(${F});`);
}
