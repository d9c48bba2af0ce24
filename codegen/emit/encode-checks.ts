/**
 * Emits generated/encode-checks.ts: the rules both encoders apply to the value they write,
 * stated once as a walk that finds the first value breaking them, with its path.
 *
 * The encoders check the same rules on their hot path without paths (a `typeof` test, an
 * `Array.isArray`, a depth compare) and throw a bare EncodeError; their entry points then
 * run this walk to say where. So a value one encoder refuses the other refuses too, and
 * every refusal is an EncodeError naming the field by its element path, as DecodeError names
 * the same place in the XML twin (`/SyncML/SyncBody/Replace[2]/Item[1]/Data`):
 *
 * - a text field is a string of characters XML 1.0 and WBXML can carry;
 * - an EMPTY flag is `true`, `false` or absent;
 * - a structured field is an object, a repeated field an array (non-empty for `+`);
 * - a choice member is an object whose `kind` is one of the choice's elements;
 * - an object has no key its element has no field for (a typo such as `cmdId` for `cmdID`
 *   is refused, not dropped): the encoders count the fields they write and look at the
 *   keys only when an object has more of them (refuseUnknownKeys);
 * - no element with element content stands at depth MAX_ENCODE_DEPTH or deeper (the root
 *   is depth 1), so nothing is written that the decoders refuse by default (maxDepth).
 */
import type { CodeBlockWriter } from 'ts-morph';
import { VariableDeclarationKind } from 'ts-morph';
import type { Element, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { str } from '../naming.js';
import { fieldKind, messageParts, structuredElements } from './common.js';

/** The parameters of every generated element check `c<Name>(x, path, d, c)`: `path` is the element's own. */
const CHECK_PARAMETERS = [
  { name: 'x', type: 'unknown' },
  { name: 'path', type: 'string' },
  { name: 'd', type: 'number' },
  { name: 'c', type: 'CheckContext' },
];

/**
 * The parameters of a choice member's check `c<Union>(x, parent, i, seen, d, c)`: the path of the
 * element holding the choice, the member's index among all members, and the members of each kind
 * seen before it (its path is `<parent>/<Kind>[n]`, n counted as the decoders count it).
 */
const MEMBER_CHECK_PARAMETERS = [
  { name: 'x', type: 'unknown' },
  { name: 'parent', type: 'string' },
  { name: 'i', type: 'number' },
  { name: 'seen', type: 'Map<string, number>' },
  { name: 'd', type: 'number' },
  { name: 'c', type: 'CheckContext' },
];

/** The keys a typed value of element `e` may have: its fields, and `kind` for a choice member. */
export function fieldKeys(model: Model, e: Element): string[] {
  const keys = particlesOf(model, e).map((p) => p.field);
  return e.tagged ? ['kind', ...keys] : keys;
}

export function emitEncodeChecks(model: Model, out: Output): void {
  const sf = out.ts('encode-checks.ts', [...model.inputs.dtd, 'embedding.tsv']);
  sf.addImportDeclaration({
    moduleSpecifier: '../src/runtime/value-checks.js',
    namedImports: ['CheckContext', 'checkFlag', 'checkText', 'describe', 'isRecord', 'memberStep', 'noSuchField', 'nthStep', 'refusedValue', 'step', 'unknownKey'],
  });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/errors.js', namedImports: ['EncodeError', 'isEncodeError', 'type ValueIssue'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/limits.js', namedImports: ['defaultDecodeLimits'] });

  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: [
      'Depth (the root is 1) at which the encoders refuse an element with element content: its children would\nstand deeper than the decoders accept by default.',
    ],
    declarations: [{ name: 'MAX_ENCODE_DEPTH', initializer: 'defaultDecodeLimits.maxDepth' }],
  });
  const elements = structuredElements(model);
  sf.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    docs: ['The keys a typed value of each element with element content may have.'],
    declarations: [
      {
        name: 'FIELDS',
        type: 'Readonly<Record<string, ReadonlySet<string>>>',
        initializer: (w) =>
          w.block(() => {
            for (const e of elements) w.writeLine(`${e.name}: new Set([${fieldKeys(model, e).map(str).join(', ')}]),`);
          }),
      },
    ],
  });
  sf.addFunction({
    name: 'refuseUnknownKeys',
    isExported: true,
    docs: [
      'Throws a bare EncodeError when `v`, a value of `<element>`, has a key that element has no field for. The\nencoders call it only when `v` has more keys than the fields they wrote (a field set to undefined is one).',
    ],
    parameters: [
      { name: 'v', type: 'object' },
      { name: 'element', type: 'string' },
    ],
    returnType: 'void',
    statements: 'if (unknownKey(v, FIELDS[element]!) !== undefined) throw refusedValue();',
  });
  const root = model.root;
  const rootPath = `/${root.name}`;
  sf.addFunction({
    name: 'findEncodeIssue',
    isExported: true,
    docs: [`The first value in \`message\` (a <${root.name}> message) that the encoders refuse, with its path; undefined when they write it.`],
    parameters: [{ name: 'message', type: 'unknown' }],
    returnType: 'ValueIssue | undefined',
    statements: `const c = new CheckContext(false);\nc${root.name}(message, ${str(rootPath)}, 1, c);\nreturn c.issues[0];`,
  });
  const { hdr } = messageParts(model);
  sf.addFunction({
    name: `find${hdr.name}Issue`,
    isExported: true,
    docs: [`The first value the encoders refuse in the <${hdr.name}> of a message.`],
    parameters: [{ name: 'header', type: 'unknown' }],
    returnType: 'ValueIssue | undefined',
    statements: `const c = new CheckContext(false);\nc${hdr.name}(header, ${str(`${rootPath}/${hdr.name}`)}, 2, c);\nreturn c.issues[0];`,
  });
  for (const u of model.unions) {
    sf.addFunction({
      name: `find${u.name}Issue`,
      isExported: true,
      docs: [
        `The first value the encoders refuse in one <${u.owner}> member, the \`index\`th (from 0) member of the <${u.owner}> at\n\`parent\` and the \`nth\` (from 1) of its kind there, standing at depth \`depth\`.`,
      ],
      parameters: [
        { name: 'member', type: 'unknown' },
        { name: 'parent', type: 'string' },
        { name: 'index', type: 'number' },
        { name: 'nth', type: 'number' },
        { name: 'depth', type: 'number' },
      ],
      returnType: 'ValueIssue | undefined',
      statements: (w) => {
        w.writeLine('const c = new CheckContext(false);');
        w.writeLine('const seen = new Map<string, number>();');
        w.writeLine("if (isRecord(member) && typeof member.kind === 'string') seen.set(member.kind, nth - 1);");
        w.writeLine(`c${u.name}(member, parent, index, seen, depth, c);`);
        w.writeLine('return c.issues[0];');
      },
    });
  }
  sf.addFunction({
    name: 'locatedEncodeError',
    isExported: true,
    docs: [
      'The EncodeError an encoder entry point throws when writing failed with `error`: located by `find` when it\nfinds the value at fault (it always does for what the encoders refuse), else `error` as it is.',
    ],
    parameters: [
      { name: 'error', type: 'unknown' },
      { name: 'find', type: '() => ValueIssue | undefined' },
    ],
    returnType: 'EncodeError',
    statements: (w) => {
      w.writeLine('const issue = find();');
      w.writeLine('if (issue) return new EncodeError(issue.reason, issue.path);');
      w.writeLine('if (isEncodeError(error)) return error;');
      w.writeLine("return new EncodeError(`value cannot be encoded: ${String(error)}`, '');");
    },
  });
  sf.addFunction({
    name: 'tooDeep',
    parameters: [
      { name: 'path', type: 'string' },
      { name: 'element', type: 'string' },
      { name: 'c', type: 'CheckContext' },
    ],
    returnType: 'false',
    statements:
      "c.issue(path, `<${element}> would stand at depth ${MAX_ENCODE_DEPTH} or deeper, with children beyond the decoders' maxDepth (${MAX_ENCODE_DEPTH})`);\nreturn false;",
  });
  sf.addFunction({
    name: 'fields',
    docs: ['Whether `x`, a value of `<element>` at `path`, has only keys that element has fields for; records the issue if not.'],
    parameters: [
      { name: 'x', type: 'object' },
      { name: 'path', type: 'string' },
      { name: 'element', type: 'string' },
      { name: 'c', type: 'CheckContext' },
    ],
    returnType: 'boolean',
    statements: (w) => {
      w.writeLine('const known = FIELDS[element]!;');
      w.writeLine('const key = unknownKey(x, known);');
      w.writeLine('return key === undefined || (c.issue(path, noSuchField(element, key, known)) ?? false);');
    },
  });
  sf.addFunction({
    name: 'list',
    docs: ['Whether `x`, field `field` of the `<owner>` at `path`, is an array, non-empty when `min` is 1; records the issue if not.'],
    parameters: [
      { name: 'x', type: 'unknown' },
      { name: 'path', type: 'string' },
      { name: 'field', type: 'string' },
      { name: 'what', type: 'string' },
      { name: 'owner', type: 'string' },
      { name: 'min', type: 'number' },
      { name: 'c', type: 'CheckContext' },
    ],
    returnType: 'x is unknown[]',
    statements: (w) => {
      w.write('if (!Array.isArray(x))').block(() => {
        w.writeLine('c.issue(path, `<${owner}> needs a list of ${what} in ${JSON.stringify(field)} (empty if none), not ${describe(x)}`);');
        w.writeLine('return false;');
      });
      w.write('if (x.length < min)').block(() => {
        w.writeLine('c.issue(path, `<${owner}> needs at least one ${what} in ${JSON.stringify(field)}`);');
        w.writeLine('return false;');
      });
      w.writeLine('return true;');
    },
  });

  for (const e of elements) {
    sf.addFunction({
      name: `c${e.name}`,
      parameters: CHECK_PARAMETERS,
      returnType: 'boolean',
      statements: (w) => writeElementCheck(model, e, w),
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `c${u.name}`,
      parameters: MEMBER_CHECK_PARAMETERS,
      returnType: 'boolean',
      statements: (w) => {
        const names = u.members.map((m) => `<${m}>`).join(', ');
        w.writeLine(
          `if (!isRecord(x)) return c.issue(parent, \`member \${i + 1} of <${u.owner}> must be an object (one of ${names}), not \${describe(x)}\`) ?? false;`,
        );
        w.write('switch (x.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return c${m}(x, memberStep(parent, ${str(m)}, seen), d, c);`);
          w.writeLine(`default:\n  return c.issue(parent, \`member \${i + 1} of <${u.owner}> has unknown kind \${describe(x.kind)} (one of ${names})\`) ?? false;`);
        });
      },
    });
  }
}

function writeElementCheck(model: Model, e: Element, w: CodeBlockWriter): void {
  w.writeLine(`if (!isRecord(x)) return c.issue(path, \`<${e.name}> must be an object, not \${describe(x)}\`) ?? false;`);
  w.writeLine(`if (d >= MAX_ENCODE_DEPTH) return tooDeep(path, ${str(e.name)}, c);`);
  w.writeLine(`if (!fields(x, path, ${str(e.name)}, c)) return false;`);
  const particles = particlesOf(model, e);
  if (particles.length) w.writeLine('const y = x as Record<string, unknown>;');
  for (const p of particles) writeParticleCheck(model, e, p, w);
  w.writeLine('return true;');
}

function writeParticleCheck(model: Model, parent: Element, p: Particle, w: CodeBlockWriter): void {
  const f = `y.${p.field}`;
  const kind = fieldKind(model, p);
  const one = (x: string, path: string): string => {
    switch (kind.kind) {
      case 'flag':
        return `checkFlag(${x}, ${path}, ${str(kind.element)}, c) === undefined`;
      case 'text':
        return `checkText(${x}, ${path}, ${str(kind.element)}, c) === undefined`;
      case 'element':
        return `!c${kind.element}(${x}, ${path}, d + 1, c)`;
      case 'choice':
        return `!c${kind.union}(${x}, path, i, seen, d + 1, c)`;
    }
  };
  if (p.max === 1) {
    if (kind.kind === 'choice') throw new Error(`<${parent.name}>: a choice that does not repeat is not supported`);
    const at = `step(path, ${str(kind.element)})`;
    const optional = p.min === 0 || kind.kind === 'flag';
    w.writeLine(`${optional ? `if (${f} !== undefined && ` : 'if ('}${one(f, at)}) return false;`);
    return;
  }
  const what = p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
  w.write('').block(() => {
    w.writeLine(`const a = ${f};`);
    w.writeLine(`if (!list(a, path, ${str(p.field)}, ${str(what)}, ${str(parent.name)}, ${p.min}, c)) return false;`);
    if (kind.kind === 'choice') {
      w.writeLine('const seen = new Map<string, number>();');
      w.writeLine(`for (let i = 0; i < a.length; i++) if (${one('a[i]', '')}) return false;`);
    } else {
      w.writeLine(`for (let i = 0; i < a.length; i++) if (${one('a[i]', `nthStep(path, ${str(kind.element)}, i + 1)`)}) return false;`);
    }
  });
}
