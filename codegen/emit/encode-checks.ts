/**
 * Emits generated/encode-checks.ts: the rules both encoders apply to the value they write,
 * stated once as a walk that finds the first value breaking them, with its path.
 *
 * The encoders check the same rules on their hot path without paths (a `typeof` test, an
 * `Array.isArray`, a depth compare) and throw a bare EncodeError; their entry points then
 * run this walk to say where. So a value one encoder refuses the other refuses too, and
 * every refusal is an EncodeError naming the field:
 *
 * - a text field is a string of characters XML 1.0 and WBXML can carry;
 * - an EMPTY flag is `true`, `false` or absent;
 * - a structured field is an object, a repeated field an array (non-empty for `+`);
 * - a choice member is an object whose `kind` is one of the choice's elements;
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

/** The parameters of every generated check function `c<Name>(x, path, d, c)`. */
const CHECK_PARAMETERS = [
  { name: 'x', type: 'unknown' },
  { name: 'path', type: 'string' },
  { name: 'd', type: 'number' },
  { name: 'c', type: 'CheckContext' },
];

export function emitEncodeChecks(model: Model, out: Output): void {
  const sf = out.ts('encode-checks.ts', [...model.inputs.dtd, 'embedding.tsv']);
  sf.addImportDeclaration({
    moduleSpecifier: '../src/runtime/value-checks.js',
    namedImports: ['CheckContext', 'checkFlag', 'checkText', 'describe', 'isRecord', 'join', 'type Loose'],
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
  const root = model.root;
  sf.addFunction({
    name: 'findEncodeIssue',
    isExported: true,
    docs: [`The first value in \`message\` (a <${root.name}> message) that the encoders refuse, with its path; undefined when they write it.`],
    parameters: [{ name: 'message', type: 'unknown' }],
    returnType: 'ValueIssue | undefined',
    statements: `const c = new CheckContext(false);\nc${root.name}(message, '', 1, c);\nreturn c.issues[0];`,
  });
  const { hdr, hdrField } = messageParts(model);
  sf.addFunction({
    name: `find${hdr.name}Issue`,
    isExported: true,
    docs: [`The first value the encoders refuse in the <${hdr.name}> of a message.`],
    parameters: [{ name: 'header', type: 'unknown' }],
    returnType: 'ValueIssue | undefined',
    statements: `const c = new CheckContext(false);\nc${hdr.name}(header, ${str(hdrField)}, 2, c);\nreturn c.issues[0];`,
  });
  for (const u of model.unions) {
    sf.addFunction({
      name: `find${u.name}Issue`,
      isExported: true,
      docs: [`The first value the encoders refuse in one <${u.owner}> member standing at \`path\` and depth \`depth\`.`],
      parameters: [
        { name: 'member', type: 'unknown' },
        { name: 'path', type: 'string' },
        { name: 'depth', type: 'number' },
      ],
      returnType: 'ValueIssue | undefined',
      statements: `const c = new CheckContext(false);\nc${u.name}(member, path, depth, c);\nreturn c.issues[0];`,
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
    name: 'list',
    docs: ['Whether `x` is an array, non-empty when `min` is 1; records the issue if not.'],
    parameters: [
      { name: 'x', type: 'unknown' },
      { name: 'path', type: 'string' },
      { name: 'what', type: 'string' },
      { name: 'owner', type: 'string' },
      { name: 'min', type: 'number' },
      { name: 'c', type: 'CheckContext' },
    ],
    returnType: 'x is unknown[]',
    statements: (w) => {
      w.write('if (!Array.isArray(x))').block(() => {
        w.writeLine('c.issue(path, `<${owner}> needs a list of ${what} here (empty if none), not ${describe(x)}`);');
        w.writeLine('return false;');
      });
      w.write('if (x.length < min)').block(() => {
        w.writeLine('c.issue(path, `<${owner}> needs at least one ${what}`);');
        w.writeLine('return false;');
      });
      w.writeLine('return true;');
    },
  });

  for (const e of structuredElements(model)) {
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
      parameters: CHECK_PARAMETERS,
      returnType: 'boolean',
      statements: (w) => {
        const names = u.members.map((m) => `<${m}>`).join(', ');
        w.writeLine(`if (!isRecord(x)) return c.issue(path, ${str(`a member of <${u.owner}> must be an object (one of ${names}), not `)} + describe(x)) ?? false;`);
        w.write('switch (x.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return c${m}(x, path, d, c);`);
          w.writeLine(`default:\n  return c.issue(join(path, 'kind'), \`unknown kind \${describe(x.kind)} in <${u.owner}> (one of ${names})\`) ?? false;`);
        });
      },
    });
  }
}

function writeElementCheck(model: Model, e: Element, w: CodeBlockWriter): void {
  w.writeLine(`if (!isRecord(x)) return c.issue(path, \`<${e.name}> must be an object, not \${describe(x)}\`) ?? false;`);
  w.writeLine(`if (d >= MAX_ENCODE_DEPTH) return tooDeep(path, ${str(e.name)}, c);`);
  const particles = particlesOf(model, e);
  if (particles.length) w.writeLine('const y = x as Loose;');
  for (const p of particles) writeParticleCheck(model, e, p, w);
  w.writeLine('return true;');
}

function writeParticleCheck(model: Model, parent: Element, p: Particle, w: CodeBlockWriter): void {
  const f = `y.${p.field}`;
  const at = `join(path, ${str(p.field)})`;
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
        return `!c${kind.union}(${x}, ${path}, d + 1, c)`;
    }
  };
  if (p.max === 1) {
    const optional = p.min === 0 || kind.kind === 'flag';
    w.writeLine(`${optional ? `if (${f} !== undefined && ` : 'if ('}${one(f, at)}) return false;`);
    return;
  }
  const what = p.kind === 'element' ? `<${p.element}>` : p.elements.map((m) => `<${m}>`).join(' or ');
  w.write('').block(() => {
    w.writeLine(`const a = ${f};`);
    w.writeLine(`if (!list(a, ${at}, ${str(what)}, ${str(parent.name)}, ${p.min}, c)) return false;`);
    w.writeLine(`for (let i = 0; i < a.length; i++) if (${one('a[i]', `join(${at}, i)`)}) return false;`);
  });
}
