/**
 * Emits generated/builders.ts: command constructors (`cmd.add({...})`) that leave the
 * CmdID out, and a MessageBuilder that allocates CmdIDs in document order (a container
 * before its children) as commands are added.
 */
import { Scope, VariableDeclarationKind } from 'ts-morph';
import type { Element, Model } from '../model.js';
import { particlesOf } from '../model.js';
import type { Output } from '../output.js';
import { fieldName, str } from '../naming.js';

/** The element that numbers commands; builders allocate it. */
const COMMAND_ID = 'CmdID';

export function emitBuilders(model: Model, out: Output): void {
  const sf = out.ts('builders.ts', [...model.inputs.dtd, 'field-names.tsv', 'versions.tsv']);
  const root = model.root;
  const [hdrP, bodyP] = particlesOf(model, root);
  if (hdrP?.kind !== 'element' || bodyP?.kind !== 'element') throw new Error(`<${root.name}> is not (header, body)`);
  const hdr = model.byName.get(hdrP.element)!;
  const body = model.byName.get(bodyP.element)!;
  const bodyParticles = particlesOf(model, body);
  const bodyChoice = bodyParticles.find((p) => p.kind === 'choice');
  if (!bodyChoice || bodyChoice.kind !== 'choice') throw new Error(`<${body.name}> has no command choice`);
  const bodyFlags = bodyParticles.filter((p) => p.kind === 'element' && model.byName.get(p.element)!.content.kind === 'empty');

  const tagged = model.elements.filter((e) => e.tagged);
  const hasCmdID = (e: Element): boolean => particlesOf(model, e).some((p) => p.kind === 'element' && p.element === COMMAND_ID);
  const choicesOf = (e: Element) => particlesOf(model, e).filter((p) => p.kind === 'choice');
  const cmdIdField = fieldName(COMMAND_ID);

  const typeImports = new Set<string>([root.typeName, hdr.typeName, ...tagged.map((e) => e.typeName), ...model.unions.map((u) => u.name)]);
  sf.addImportDeclaration({ moduleSpecifier: './types.js', isTypeOnly: true, namedImports: [...typeImports].sort() });
  sf.addImportDeclaration({ moduleSpecifier: './codes.js', namedImports: ['DEFAULT_VERDTD', 'DEFAULT_VERPROTO'] });
  sf.addImportDeclaration({ moduleSpecifier: '../src/runtime/errors.js', namedImports: ['EncodeError'] });

  for (const e of tagged) {
    const omit = ['kind', ...(hasCmdID(e) ? [cmdIdField] : []), ...choicesOf(e).map((p) => p.field)];
    const extra = [
      ...(hasCmdID(e) ? [`${cmdIdField}?: string`] : []),
      ...choicesOf(e).map((p) => (p.kind === 'choice' ? `${p.field}${p.min === 0 ? '?' : ''}: ${p.union}Draft[]` : '')),
    ];
    sf.addTypeAlias({
      name: `${e.name}Init`,
      isExported: true,
      docs: [`A <${e.name}> as the caller writes it${hasCmdID(e) ? ': the CmdID is allocated by the message' : ''}.`],
      type: `Omit<${e.typeName}, ${omit.map(str).join(' | ')}>${extra.length ? ` & { ${extra.join('; ')} }` : ''}`,
    });
    sf.addTypeAlias({ name: `${e.name}Draft`, isExported: true, type: `${e.name}Init & { kind: ${str(e.name)} }` });
  }
  for (const u of model.unions) {
    sf.addTypeAlias({ name: `${u.name}Draft`, isExported: true, type: u.members.map((m) => `${m}Draft`).join(' | ') });
  }

  // cmd.add({...}) and friends.
  sf.addVariableStatement({
    isExported: true,
    declarationKind: VariableDeclarationKind.Const,
    docs: ['Command constructors: each returns a draft tagged by kind, to add to a MessageBuilder or nest in a container.'],
    declarations: [
      {
        name: 'cmd',
        initializer: `{\n${tagged.map((e) => `  ${fieldName(e.name)}: (init: ${e.name}Init): ${e.name}Draft => ({ kind: ${str(e.name)}, ...init }),`).join('\n')}\n}`,
      },
    ],
  });

  // complete<X>(draft, next): the typed command with CmdIDs allocated depth-first.
  for (const e of tagged) {
    sf.addFunction({
      name: `complete${e.name}`,
      parameters: [
        { name: 'd', type: `${e.name}Init` },
        { name: 'next', type: '() => string' },
      ],
      returnType: e.typeName,
      statements: (w) => {
        // Fields copied one by one, in content-model order, absent ones left out: no rest
        // destructuring, `delete` or spread-then-add, each of which sends V8 down a slow
        // path (about a microsecond per command, more than encoding it).
        const draft = `(d as ${e.name}Init & Record<string, unknown>)`;
        w.writeLine(`const v = ${draft};`);
        w.writeLine(`const c: Record<string, unknown> = { kind: ${str(e.name)} };`);
        for (const p of particlesOf(model, e)) {
          if (p.kind === 'choice') {
            w.writeLine(`c.${p.field} = ((v.${p.field} ?? []) as ${p.union}Draft[]).map((x) => complete${p.union}(x, next));`);
          } else if (p.element === COMMAND_ID) {
            w.writeLine(`c.${p.field} = (v.${p.field} as string | undefined) ?? next();`);
          } else {
            w.writeLine(`if (v.${p.field} !== undefined) c.${p.field} = v.${p.field};`);
          }
        }
        w.writeLine(`return c as unknown as ${e.typeName};`);
      },
    });
  }
  for (const u of model.unions) {
    sf.addFunction({
      name: `complete${u.name}`,
      isExported: true,
      docs: [`The typed <${u.owner}> member of a draft, its CmdIDs (and its children's) taken from \`next\` where the draft has none.`],
      parameters: [
        { name: 'd', type: `${u.name}Draft` },
        { name: 'next', type: '() => string' },
      ],
      returnType: u.name,
      statements: (w) => {
        w.write('switch (d.kind)').block(() => {
          for (const m of u.members) w.writeLine(`case ${str(m)}:\n  return complete${m}(d, next);`);
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
    type: `Omit<${hdr.typeName}, ${verFields.map(str).join(' | ')}> & { ${verFields.map((f) => `${f}?: string`).join('; ')} }`,
  });

  const cls = sf.addClass({
    name: 'MessageBuilder',
    isExported: true,
    docs: [
      'Builds one message. Commands are added in order; each gets the next CmdID unless it names one, containers\nbefore their children. `build()` returns the typed message, ready for the encoders.',
    ],
  });
  cls.addProperty({ name: 'lastCmdID', scope: Scope.Private, type: 'number' });
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
    docs: ['Allocates the next CmdID.'],
    returnType: 'string',
    statements: 'this.lastCmdID += 1;\nreturn String(this.lastCmdID);',
  });
  cls.addGetAccessor({ name: 'size', docs: ['Number of top-level commands added so far.'], returnType: 'number', statements: 'return this.commands.length;' });
  cls.addMethod({
    name: 'command',
    docs: ['Adds a command draft (from `cmd`).'],
    parameters: [{ name: 'draft', type: `${bodyChoice.union}Draft` }],
    returnType: 'this',
    statements: `this.commands.push(complete${bodyChoice.union}(draft, () => this.nextCmdID()));\nreturn this;`,
  });
  for (const m of bodyChoice.elements) {
    cls.addMethod({
      name: fieldName(m),
      docs: [`Adds a <${m}>.`],
      parameters: [{ name: 'init', type: `${m}Init` }],
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
  const defaults = new Map(verFields.map((f, i) => [f, i === 0 ? 'DEFAULT_VERDTD' : 'DEFAULT_VERPROTO']));
  sf.addFunction({
    name: `complete${hdr.name}`,
    isExported: true,
    docs: [`The typed <${hdr.name}> of a header as the caller writes it: versions defaulted, fields in content-model order.`],
    parameters: [{ name: 'h', type: 'HeaderInit' }],
    returnType: hdr.typeName,
    statements: (w) => {
      // Fields added one by one in content-model order (the versions defaulted), absent ones
      // left out: no spread-then-add or `delete`, which send V8 down slow paths and leave
      // objects every encoder after reads slowly.
      w.writeLine(`const ordered: Record<string, unknown> = {};`);
      for (const p of hdrParticles) {
        const def = defaults.get(p.field);
        if (def) w.writeLine(`ordered.${p.field} = h.${p.field} ?? ${def};`);
        else w.writeLine(`if (h.${p.field} !== undefined) ordered.${p.field} = h.${p.field};`);
      }
      w.writeLine(`return ordered as unknown as ${hdr.typeName};`);
    },
  });
  cls.addMethod({
    name: 'build',
    docs: [`The typed message. Throws EncodeError when no command was added (<${body.name}> needs one).`],
    returnType: root.typeName,
    statements: (w) => {
      w.writeLine(
        `if (this.commands.length === 0) throw new EncodeError(${str(`<${body.name}> needs at least one command`)}, ${str(`${hdrP.field === '' ? '' : bodyP.field}.${bodyChoice.field}`)});`,
      );
      w.writeLine(`const body: Record<string, unknown> = { ${bodyChoice.field}: this.commands.slice() };`);
      for (const f of bodyFlags) w.writeLine(`if (this.${f.field}Flag) body.${f.field} = true;`);
      w.writeLine(`return { ${hdrP.field}: complete${hdr.name}(this.header), ${bodyP.field}: body } as unknown as ${root.typeName};`);
    },
  });
}
