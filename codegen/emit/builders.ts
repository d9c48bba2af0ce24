/**
 * Emits generated/builders.ts: what callers write to make messages, and how it becomes the
 * typed value the encoders take.
 *
 * - An `<E>Init` input type per element with element content, derived from the model:
 *   `*` lists optional (default `[]`), CmdID optional (the message allocates it), codes and
 *   integers as numbers or digits, names from a table (Format, the Cmd a Status answers)
 *   as that table's literal union, other strings only through `unlisted()`. A typed value
 *   (decoded, or built by hand) is accepted wherever its Init is.
 * - Command constructors (`cmd.add({...})`) returning drafts tagged by kind.
 * - `complete<E>` functions: the typed value of an input, fields in content-model order.
 * - A MessageBuilder that allocates CmdIDs in document order (a container before its
 *   children) and refuses a CmdID used twice in one message.
 */
import { Scope, VariableDeclarationKind, type CodeBlockWriter } from 'ts-morph';
import type { Element, FieldValues, Model, Particle } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { fieldName, str } from '../naming.js';
import { fieldKind, messageParts, structuredElements } from './common.js';

/** The element that numbers commands; builders allocate it. */
const COMMAND_ID = 'CmdID';

/** Name of the input type of an element. */
const initName = (e: Element): string => `${e.name}Init`;

/** Name of the function completing an element's input (the header's takes HeaderInit under the plain name). */
let completeName = (name: string): string => `complete${name}`;

/** The enum of codes.ts that names a code table (for docs). */
const CODE_ENUM: Record<'alert-codes' | 'status-codes', string> = { 'alert-codes': 'AlertCode', 'status-codes': 'StatusCode' };

/** The TypeScript type of a names-valued field, and what it is called. */
function namesType(values: Extract<FieldValues, { kind: 'names' }>): string {
  return values.source === 'format-values' ? 'Format' : 'CommandName';
}

/**
 * Elements whose input differs from their typed value (so they get an Init type of their
 * own and a complete function): tagged ones, those with a CmdID, a `*` list, a choice, a
 * field with values, or a child that differs. The rest are taken as they are.
 */
export function elementsToComplete(model: Model): Set<string> {
  const out = new Set<string>();
  const own = (e: Element): boolean =>
    e.tagged ||
    particlesOf(model, e).some((p) => p.kind === 'choice' || (p.max !== 1 && p.min === 0) || (p.kind === 'element' && (p.element === COMMAND_ID || p.values !== undefined)));
  for (const e of structuredElements(model)) if (own(e)) out.add(e.name);
  for (let changed = true; changed; ) {
    changed = false;
    for (const e of structuredElements(model)) {
      if (out.has(e.name)) continue;
      if (particlesOf(model, e).some((p) => p.kind === 'element' && out.has(p.element))) {
        out.add(e.name);
        changed = true;
      }
    }
  }
  return out;
}

export function emitBuilders(model: Model, out: Output): void {
  const sf = out.ts('builders.ts', [...model.inputs.dtd, 'field-names.tsv', 'field-values.tsv', 'format-values.tsv', 'versions.tsv']);
  const root = model.root;
  const { hdr, body, hdrField, bodyField, commands: bodyChoice } = messageParts(model);
  if (!bodyChoice) throw new Error(`<${body.name}> has no command choice`);
  const bodyFlags = particlesOf(model, body).filter((p) => fieldKind(model, p).kind === 'flag');
  const tagged = model.elements.filter((e) => e.tagged);
  const toComplete = elementsToComplete(model);
  const structured = structuredElements(model);
  completeName = (name) => (name === hdr.name ? `complete${name}Fields` : `complete${name}`);
  const commandNames = [...new Set(structured.flatMap((e) => particlesOf(model, e)).flatMap((p) => (p.kind === 'element' && p.values?.kind === 'names' && p.values.source === 'commands' ? p.values.names : [])))];

  const typeImports = new Set<string>([root.typeName, ...structured.map((e) => e.typeName), ...model.unions.map((u) => u.name)]);
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: [...typeImports].sort() });
  sf.addImportDeclaration({ moduleSpecifier: './codes.js', namedImports: ['DEFAULT_VERDTD', 'DEFAULT_VERPROTO', 'type Format'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/errors.js', namedImports: ['EncodeError'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/value-checks.js', namedImports: ['numberText'] });

  sf.addTypeAlias({
    name: 'Unlisted',
    isExported: true,
    docs: ['A string that a field typed by a table (Format, the Cmd of a Status) takes although the table does not list it:\nmade by `unlisted()`, so that a typo of a listed value fails to compile instead.'],
    type: 'string & { readonly __unlisted: true }',
  });
  sf.addFunction({
    name: 'unlisted',
    isExported: true,
    docs: ['`value` as a string the tables do not list (a vendor Format, a Cmd of another protocol).'],
    parameters: [{ name: 'value', type: 'string' }],
    returnType: 'Unlisted',
    statements: 'return value as Unlisted;',
  });
  sf.addTypeAlias({
    name: 'CommandName',
    isExported: true,
    docs: ['What the Cmd of a Status names: a command, or the header.'],
    type: commandNames.map(str).join(' | ') || 'never',
  });

  // Input types.
  for (const e of structured) {
    if (!toComplete.has(e.name)) {
      sf.addTypeAlias({ name: initName(e), isExported: true, docs: [`A <${e.name}> as the caller writes it: its typed value.`], type: e.typeName });
      continue;
    }
    sf.addInterface({
      name: initName(e),
      isExported: true,
      docs: [`A <${e.name}> as the caller writes it${particlesOf(model, e).some((p) => p.kind === 'element' && p.element === COMMAND_ID) ? ': the CmdID is allocated by the message' : ''}.`],
      properties: particlesOf(model, e).map((p) => ({
        name: p.field,
        hasQuestionToken: inputOptional(model, p),
        type: inputType(model, p, toComplete),
        docs: inputDoc(p),
      })),
    });
    if (e.tagged) sf.addTypeAlias({ name: `${e.name}Draft`, isExported: true, type: `${initName(e)} & { kind: ${str(e.name)} }` });
  }
  for (const u of model.unions) {
    sf.addTypeAlias({
      name: `${u.name}Draft`,
      isExported: true,
      docs: [`A <${u.owner}> member as the caller writes it (a draft from \`cmd\`), or its typed value.`],
      type: u.members.map((m) => `${m}Draft | ${model.byName.get(m)!.typeName}`).join(' | '),
    });
  }

  // cmd.add({...}) and friends.
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Command constructors: each returns a draft tagged by kind, to add to a MessageBuilder or nest in a container.'],
    declarations: [
      {
        name: 'cmd',
        initializer: `{\n${tagged.map((e) => `  ${fieldName(e.name)}: (init: ${initName(e)}): ${e.name}Draft => ({ kind: ${str(e.name)}, ...init }),`).join('\n')}\n}`,
      },
    ],
  });

  for (const e of structured) {
    if (!toComplete.has(e.name)) continue;
    sf.addFunction({
      name: completeName(e.name),
      parameters: [
        { name: 'd', type: initName(e) },
        { name: 'next', type: '() => string' },
        { name: 'claim', type: '((cmdID: string) => string) | undefined' },
      ],
      returnType: e.typeName,
      statements: (w) => writeComplete(model, e, toComplete, w),
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `complete${u.name}`,
      isExported: true,
      docs: [
        `The typed <${u.owner}> member of a draft: CmdIDs (its own and its children's) taken from \`next\` where the draft has\nnone, and those it has passed to \`claim\` (which returns the one to use, or throws), lists defaulted, numbers written.`,
      ],
      parameters: [
        { name: 'd', type: `${u.name}Draft` },
        { name: 'next', type: '() => string' },
        { name: 'claim', type: '(cmdID: string) => string', hasQuestionToken: true },
      ],
      returnType: u.name,
      statements: (w) => {
        w.writeLine('// (What is not an object is passed on: the encoders locate it.)');
        w.writeLine(`if (typeof d !== 'object' || d === null) return d as unknown as ${u.name};`);
        w.write('switch (d.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return complete${m}(d as ${m}Draft, next, claim);`);
          w.writeLine(`default:\n  return d as unknown as ${u.name};`);
        });
      },
    });
  }

  const hdrParticles = particlesOf(model, hdr);
  const verFields = hdrParticles.filter((p) => p.kind === 'element' && (p.element === 'VerDTD' || p.element === 'VerProto')).map((p) => p.field);
  sf.addTypeAlias({
    name: 'HeaderInit',
    isExported: true,
    docs: [`The <${hdr.name}> of a message being built; ${verFields.join(' and ')} default to the versions table.`],
    type: `Omit<${initName(hdr)}, ${verFields.map(str).join(' | ')}> & { ${verFields.map((f) => `${f}?: string`).join('; ')} }`,
  });
  const defaults = new Map(verFields.map((f, i) => [f, i === 0 ? 'DEFAULT_VERDTD' : 'DEFAULT_VERPROTO']));
  const noIds = "() => {\n  throw new EncodeError('a header has no CmdID', '');\n}";
  sf.addFunction({
    name: `complete${hdr.name}`,
    isExported: true,
    docs: [`The typed <${hdr.name}> of a header as the caller writes it: versions defaulted, fields in content-model order.`],
    parameters: [{ name: 'h', type: 'HeaderInit' }],
    returnType: hdr.typeName,
    statements: (w) => {
      w.writeLine(`const withVersions = { ...h, ${verFields.map((f) => `${f}: h.${f} ?? ${defaults.get(f)}`).join(', ')} };`);
      w.writeLine(`return ${completeName(hdr.name)}(withVersions, ${noIds}, undefined);`);
    },
  });

  const cls = sf.addClass({
    name: 'MessageBuilder',
    isExported: true,
    docs: [
      'Builds one message. Commands are added in order; each gets the next free CmdID unless it names one, containers\nbefore their children. A CmdID named twice in the message is refused (EncodeError). `build()` returns the typed\nmessage, ready for the encoders.',
    ],
  });
  cls.addProperty({ name: 'lastCmdID', scope: Scope.Private, type: 'number' });
  cls.addProperty({ name: 'usedCmdIDs', scope: Scope.Private, isReadonly: true, initializer: 'new Set<string>()', docs: ['CmdIDs in the message so far, allocated or named.'] });
  cls.addProperty({ name: 'commands', scope: Scope.Private, isReadonly: true, type: `${bodyChoice.union}[]`, initializer: '[]' });
  for (const f of bodyFlags) cls.addProperty({ name: `${f.field}Flag`, scope: Scope.Private, initializer: 'false' });
  cls.addConstructor({
    parameters: [
      { name: 'header', type: 'HeaderInit', isReadonly: true, scope: Scope.Private },
      { name: 'firstCmdID', type: 'number', initializer: '1' },
    ],
    statements: 'this.lastCmdID = firstCmdID - 1;',
  });
  cls.addMethod({
    name: 'nextCmdID',
    docs: ['Allocates the next CmdID not used in the message yet.'],
    returnType: 'string',
    statements: (w) => {
      w.writeLine('let id: string;');
      w.write('do').block(() => {
        w.writeLine('this.lastCmdID += 1;');
        w.writeLine('id = String(this.lastCmdID);');
      });
      w.writeLine('while (this.usedCmdIDs.has(id));');
      w.writeLine('this.usedCmdIDs.add(id);');
      w.writeLine('return id;');
    },
  });
  cls.addMethod({
    name: 'claimCmdID',
    scope: Scope.Private,
    docs: [
      'Takes a CmdID a draft names, refusing one the message already has: the error names the command being added,\nof kind `kind`, by its element path (as the encoders and decoders do).',
    ],
    parameters: [
      { name: 'id', type: 'string' },
      { name: 'kind', type: 'string' },
    ],
    returnType: 'string',
    statements: (w) => {
      w.write('if (this.usedCmdIDs.has(id))').block(() => {
        w.writeLine('let n = 1;');
        w.writeLine('for (const c of this.commands) if (c.kind === kind) n++;');
        w.writeLine(
          `throw new EncodeError(\`CmdID \${JSON.stringify(id)} is already used in this message: a CmdID is unique in a message\`, \`${`/${root.name}/${body.name}`}/\${kind}[\${n}]\`);`,
        );
      });
      w.writeLine('this.usedCmdIDs.add(id);');
      w.writeLine('return id;');
    },
  });
  cls.addGetAccessor({ name: 'size', docs: ['Number of top-level commands added so far.'], returnType: 'number', statements: 'return this.commands.length;' });
  cls.addMethod({
    name: 'command',
    docs: ['Adds a command draft (from `cmd`).'],
    parameters: [{ name: 'draft', type: `${bodyChoice.union}Draft` }],
    returnType: 'this',
    statements: (w) => {
      w.writeLine('// Allocated and named CmdIDs are only taken once the whole command is complete.');
      w.writeLine('const used = [...this.usedCmdIDs];');
      w.writeLine('const last = this.lastCmdID;');
      w.write('try').block(() => {
        w.writeLine(`this.commands.push(complete${bodyChoice.union}(draft, () => this.nextCmdID(), (id) => this.claimCmdID(id, draft.kind)));`);
      });
      w.write('catch (error)').block(() => {
        w.writeLine('this.usedCmdIDs.clear();');
        w.writeLine('for (const id of used) this.usedCmdIDs.add(id);');
        w.writeLine('this.lastCmdID = last;');
        w.writeLine('throw error;');
      });
      w.writeLine('return this;');
    },
  });
  for (const m of bodyChoice.elements) {
    cls.addMethod({
      name: fieldName(m),
      docs: [`Adds a <${m}>.`],
      parameters: [{ name: 'init', type: initName(model.byName.get(m)!) }],
      returnType: 'this',
      statements: `return this.command({ ...init, kind: ${str(m)} } as ${m}Draft);`,
    });
  }
  for (const f of bodyFlags) {
    const el = f.kind === 'element' ? f.element : '';
    cls.addMethod({
      name: f.field,
      docs: [`Sets or clears <${el}/> in <${body.name}>.`],
      parameters: [{ name: 'on', type: 'boolean', initializer: 'true' }],
      returnType: 'this',
      statements: `this.${f.field}Flag = on;\nreturn this;`,
    });
  }
  cls.addMethod({
    name: 'build',
    docs: [`The typed message. Throws EncodeError when no command was added (<${body.name}> needs one).`],
    returnType: root.typeName,
    statements: (w) => {
      w.writeLine(`if (this.commands.length === 0) throw new EncodeError(${str(`<${body.name}> needs at least one command`)}, ${str(`/${root.name}/${body.name}`)});`);
      w.writeLine(`const body: Record<string, unknown> = { ${bodyChoice.field}: this.commands.slice() };`);
      for (const f of bodyFlags) w.writeLine(`if (this.${f.field}Flag) body.${f.field} = true;`);
      w.writeLine(`return { ${hdrField}: complete${hdr.name}(this.header), ${bodyField}: body } as unknown as ${root.typeName};`);
    },
  });
}

/** Is the field optional in the input? `*` lists, CmdID, and what is optional in the typed value. */
function inputOptional(model: Model, p: Particle): boolean {
  if (p.max !== 1) return p.min === 0;
  if (p.kind === 'element' && p.element === COMMAND_ID) return true;
  return p.min === 0 || fieldKind(model, p).kind === 'flag';
}

function inputType(model: Model, p: Particle, toComplete: ReadonlySet<string>): string {
  const kind = fieldKind(model, p);
  let one: string;
  switch (kind.kind) {
    case 'flag':
      one = 'boolean';
      break;
    case 'text': {
      const v = p.kind === 'element' ? p.values : undefined;
      one = v === undefined ? 'string' : v.kind === 'names' ? `${namesType(v)} | Unlisted` : 'number | string';
      break;
    }
    case 'element': {
      const e = model.byName.get(kind.element)!;
      one = toComplete.has(e.name) ? `${initName(e)} | ${e.typeName}` : e.typeName;
      break;
    }
    case 'choice':
      one = `${kind.union}Draft`;
      break;
  }
  if (p.max === 1) return one;
  const paren = one.includes('|') ? `(${one})` : one;
  // Non-empty element lists keep their tuple type; command lists stay plain arrays (the
  // encoders refuse an empty one, located).
  return p.min === 1 && p.kind === 'element' ? `[${paren}, ...${paren}[]]` : `${paren}[]`;
}

function inputDoc(p: Particle): string[] | undefined {
  if (p.kind !== 'element' || p.values === undefined) return p.max !== 1 && p.min === 0 ? ['Absent: none.'] : undefined;
  const v = p.values;
  switch (v.kind) {
    case 'codes':
      return [`A code of ${CODE_ENUM[v.table]} (\`${CODE_ENUM[v.table]}.…\`), as a number or its digits.`];
    case 'integer':
      return ['A non-negative integer, as a number or its digits.'];
    case 'names':
      return [`A ${namesType(v)} value; another string only as \`unlisted(s)\`.`];
  }
}

function writeComplete(model: Model, e: Element, toComplete: ReadonlySet<string>, w: CodeBlockWriter): void {
  // Fields copied one by one, in content-model order, absent ones left out: no rest
  // destructuring, `delete` or spread-then-add, each of which sends V8 down a slow path
  // (about a microsecond per command, more than encoding it).
  w.writeLine('// (What is not an object is passed on: the encoders locate it.)');
  w.writeLine(`if (typeof d !== 'object' || d === null) return d as unknown as ${e.typeName};`);
  w.writeLine(`const v = d as ${initName(e)} & Record<string, unknown>;`);
  w.writeLine(`const c: Record<string, unknown> = ${e.tagged ? `{ kind: ${str(e.name)} }` : '{}'};`);
  for (const p of particlesOf(model, e)) {
    const f = `v.${p.field}`;
    const kind = fieldKind(model, p);
    if (p.kind === 'element' && p.element === COMMAND_ID) {
      w.writeLine(`const id = ${f};`);
      w.writeLine(`c.${p.field} = id === undefined ? next() : claim ? claim(id) : id;`);
      continue;
    }
    let convert: ((x: string) => string) | undefined;
    if (kind.kind === 'choice') convert = (x) => `complete${kind.union}(${x}, next, claim)`;
    else if (kind.kind === 'element' && toComplete.has(kind.element)) convert = (x) => `${completeName(kind.element)}(${x} as ${initName(model.byName.get(kind.element)!)}, next, claim)`;
    else if (p.kind === 'element' && (p.values?.kind === 'codes' || p.values?.kind === 'integer')) convert = (x) => `numberText(${x}, ${str(p.element)}, ${str(p.field)})`;
    if (p.max === 1) {
      w.writeLine(`if (${f} !== undefined) c.${p.field} = ${convert ? convert(f) : f};`);
    } else {
      // A list: absent is empty; what is not an array is passed on for the encoders to locate.
      const list = convert ? `Array.isArray(${f}) ? ${f}.map((x) => ${convert('x')}) : ${f}` : f;
      w.writeLine(`c.${p.field} = ${f} === undefined ? [] : ${list};`);
    }
  }
  w.writeLine(`return c as unknown as ${e.typeName};`);
}
