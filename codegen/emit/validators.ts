/**
 * Emits generated/validators.ts: a check per element that turns an untyped value (JSON)
 * into the canonical typed value and lists every problem with its path: unknown fields,
 * missing required children, wrong types, empty `+` lists, unknown `kind` tags, text XML
 * cannot carry, and (with the DM profile) elements OMA DM does not use.
 */
import { VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { fieldType, importedTypeNames, structuredElements } from './common.js';
import { emitSemantics } from './semantics.js';

export function emitValidators(model: Model, out: Output): void {
  const sf = out.ts('validators.ts', [
    ...model.inputs.dtd,
    'dm-profile.tsv',
    'field-names.tsv',
    'embedding.tsv',
    'versions.tsv',
    'alert-codes.tsv',
    'status-codes.tsv',
    'format-values.tsv',
    'auth-types.tsv',
  ]);
  sf.addImportDeclaration({
    moduleSpecifier: '../src/runtime/value-checks.js',
    namedImports: ['CheckContext', 'checkFlag', 'checkKeys', 'checkText', 'describe', 'isRecord', 'join', 'memberStep', 'nthStep', 'step', 'type Loose'],
  });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/errors.js', namedImports: ['ValueError', 'type ValueIssue'] });
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: importedTypeNames(model) });

  const root = model.root;
  sf.addInterface({
    name: 'CheckOptions',
    isExported: true,
    properties: [
      { name: 'profile', type: "'syncml' | 'dm'", hasQuestionToken: true, docs: ['`dm` also reports elements OMA DM does not use.'] },
      {
        name: 'semantics',
        type: 'boolean',
        hasQuestionToken: true,
        docs: ['Also check the values against the protocol tables (checkValues), once the structure is right; off by default.'],
      },
    ],
  });
  emitSemantics(model, sf);
  sf.addFunction({
    name: 'checkMessage',
    isExported: true,
    docs: [
      [
      `Every problem that keeps \`value\` from being a valid <${root.name}> message; empty when it is one. With \`semantics\`, a value`,
      'of the right structure is also checked against the protocol tables (checkValues): errors and warnings, each with its severity.',
      ].join('\n'),
    ],
    parameters: [
      { name: 'value', type: 'unknown' },
      { name: 'options', type: 'CheckOptions', initializer: '{}' },
    ],
    returnType: 'MessageIssue[]',
    statements: (w) => {
      w.writeLine("const c = new CheckContext(options.profile === 'dm');");
      w.writeLine(`const message = v${root.name}(value, '', c);`);
      w.writeLine('if (options.semantics !== true || c.issues.length > 0 || message === undefined) return c.issues;');
      w.writeLine('return checkValues(message, options);');
    },
  });
  sf.addFunction({
    name: 'parseMessage',
    isExported: true,
    docs: [`The canonical typed <${root.name}> message of an untyped value (e.g. parsed JSON); throws ValueError listing every problem.`],
    parameters: [
      { name: 'value', type: 'unknown' },
      { name: 'options', type: 'CheckOptions', initializer: '{}' },
    ],
    returnType: root.typeName,
    statements: (w) => {
      w.writeLine("const c = new CheckContext(options.profile === 'dm');");
      w.writeLine(`const message = v${root.name}(value, '', c);`);
      w.writeLine('if (c.issues.length > 0 || message === undefined) throw new ValueError(c.issues);');
      w.writeLine('return message;');
    },
  });

  for (const e of structuredElements(model)) {
    const particles = particlesOf(model, e);
    const keys = particles.map((p) => p.field);
    if (e.tagged) keys.unshift('kind');
    sf.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      declarations: [{ name: `KEYS_${e.name}`, initializer: `new Set([${keys.map(str).join(', ')}])` }],
    });
    sf.addFunction({
      name: `v${e.name}`,
      parameters: [
        { name: 'x', type: 'unknown' },
        { name: 'path', type: 'string' },
        { name: 'c', type: 'CheckContext' },
      ],
      returnType: `${e.typeName} | undefined`,
      statements: (w) => writeCheck(model, e, particles, w),
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `v${u.name}`,
      parameters: [
        { name: 'x', type: 'unknown' },
        { name: 'path', type: 'string' },
        { name: 'c', type: 'CheckContext' },
      ],
      returnType: `${u.name} | undefined`,
      statements: (w) => {
        w.writeLine(`if (!isRecord(x)) return c.issue(path, \`expected a command object tagged by kind, not \${describe(x)}\`);`);
        w.write('switch (x.kind)').block(() => {
          for (const m of u.members) {
            w.writeLine(`case ${str(m)}:`);
            w.indent(() => {
              const el = model.byName.get(m)!;
              if (!el.dm) w.writeLine(`if (c.dmOnly) c.issue(path, ${str(`<${m}> in <${u.owner}> is not part of OMA DM (${el.dmNote})`)});`);
              w.writeLine(`return v${m}(x, path, c);`);
            });
          }
          w.writeLine(
            `default:\n  return c.issue(join(path, 'kind'), \`<${u.owner}> cannot hold kind \${describe(x.kind)}; expected one of ${u.members.join(', ')}\`);`,
          );
        });
      },
    });
  }
}

function writeCheck(model: Model, e: Element, particles: readonly Particle[], w: CodeBlockWriter): void {
  w.writeLine(`if (!isRecord(x)) return c.issue(path, \`<${e.name}> must be an object, not \${describe(x)}\`);`);
  w.writeLine(`checkKeys(x, KEYS_${e.name}, path, ${str(e.name)}, c);`);
  w.writeLine(e.tagged ? `const o = { kind: ${str(e.name)} } as ${e.typeName};` : `const o = {} as ${e.typeName};`);
  w.writeLine('const y = x as Loose;');
  for (const p of particles) writeParticleCheck(model, e, p, w);
  w.writeLine('return o;');
}

function checkOne(model: Model, element: string, x: string, path: string): string {
  const c = model.byName.get(element)!;
  switch (c.content.kind) {
    case 'empty':
      return `checkFlag(${x}, ${path}, ${str(element)}, c)`;
    case 'text':
      return `checkText(${x}, ${path}, ${str(element)}, c)`;
    default:
      return `v${element}(${x}, ${path}, c)`;
  }
}

function writeParticleCheck(model: Model, parent: Element, p: Particle, w: CodeBlockWriter): void {
  const F = str(p.field);
  const fieldPath = `join(path, ${F})`;
  const what = p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
  const one = (x: string, path: string): string => (p.kind === 'element' ? checkOne(model, p.element, x, path) : `v${p.union}(${x}, ${path}, c)`);
  const profile = (): void => {
    if (p.kind !== 'element') return;
    const el = model.byName.get(p.element)!;
    if (!el.dm) w.writeLine(`if (c.dmOnly) c.issue(${fieldPath}, ${str(`<${p.element}> in <${parent.name}> is not part of OMA DM (${el.dmNote})`)});`);
  };
  w.write(`if (y.${p.field} !== undefined)`).block(() => {
    profile();
    if (p.max === 1) {
      w.writeLine(`const v = ${one(`y.${p.field}`, fieldPath)};`);
      const isFlag = p.kind === 'element' && model.byName.get(p.element)!.content.kind === 'empty';
      w.writeLine(isFlag ? `if (v === true) o.${p.field} = true;` : `if (v !== undefined) o.${p.field} = v;`);
    } else {
      w.writeLine(`const list = y.${p.field};`);
      w.write('if (!Array.isArray(list))').block(() => {
        w.writeLine(`c.issue(${fieldPath}, \`must be a list of ${what}, not \${describe(list)}\`);`);
      });
      w.write('else').block(() => {
        w.writeLine(`const values = list.map((item: unknown, i: number) => ${one('item', `join(${fieldPath}, i)`)});`);
        if (p.min === 1) w.writeLine(`if (values.length === 0) c.issue(${fieldPath}, ${str(`<${parent.name}> needs at least one ${what}`)});`);
        w.writeLine(`o.${p.field} = values.filter((v) => v !== undefined) as ${fieldType(model, p)};`);
      });
    }
  });
  const required = p.min === 1 && !(p.kind === 'element' && model.byName.get(p.element)!.content.kind === 'empty');
  if (required) {
    w.write('else').block(() => {
      w.writeLine(`c.issue(${fieldPath}, ${str(`<${parent.name}> is missing ${what}`)});`);
    });
  } else if (p.max !== 1) {
    w.writeLine(`else o.${p.field} = [] as never;`);
  }
}
