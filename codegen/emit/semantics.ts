/**
 * The value checks of generated/validators.ts that go past the grammar (`checkValues`):
 * what the protocol tables of schemas/ say about a message that the DTD cannot. Versions
 * (versions.tsv), alert and status codes (alert-codes.tsv, status-codes.tsv), Format values
 * (format-values.tsv), authentication types of Cred and Chal (auth-types.tsv), the command
 * a Status names (the DTD's command unions), CmdIDs non-zero and unique in a message, and
 * the numeric fields (MsgRef, CmdRef, MaxMsgSize, MaxObjSize, Size). Each problem is an
 * error, or a warning where the value is well-formed but unknown to the tables (a code a
 * newer or another SyncML protocol may define).
 */
import type { SourceFile } from 'ts-morph';
import { VariableDeclarationKind } from 'ts-morph';
import type { Model } from '../model.js';
import { particlesOf } from '../model.js';
import { str } from '../naming.js';

/** The field of `parent`'s child `child` (the emitter fails when the DTD no longer has it). */
function field(model: Model, parent: string, child: string): string {
  const el = model.byName.get(parent);
  const p = el && particlesOf(model, el).find((q) => q.kind === 'element' && q.element === child);
  if (!p) throw new Error(`semantics emitter: <${parent}> has no <${child}>`);
  return p.field;
}

function setOf(name: string, values: readonly string[]): Parameters<SourceFile['addVariableStatement']>[0] {
  return {
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name, initializer: `new Set<string>([${values.map(str).join(', ')}])` }],
  };
}

/** `a, b or c` */
function alternatives(values: readonly string[]): string {
  return values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values.join('');
}

export function emitSemantics(model: Model, sf: SourceFile): void {
  const versions = (element: string) => model.versions.filter((v) => v.extra.element === element).map((v) => v.value);
  const verDTD = versions('VerDTD');
  const verProto = versions('VerProto');
  if (verDTD.length === 0 || verProto.length === 0) throw new Error('semantics emitter: versions.tsv names no VerDTD or VerProto');
  const commandNames = [...new Set(model.unions.flatMap((u) => u.members))].sort();
  const unionFields = [
    ...new Set(
      model.elements.flatMap((e) => (e.content.kind === 'sequence' ? particlesOf(model, e).filter((p) => p.kind !== 'element').map((p) => p.field) : [])),
    ),
  ];
  const hdr = (child: string) => field(model, 'SyncHdr', child);
  const f = {
    syncHdr: field(model, 'SyncML', 'SyncHdr'),
    syncBody: field(model, 'SyncML', 'SyncBody'),
    verDTD: hdr('VerDTD'),
    verProto: hdr('VerProto'),
    meta: hdr('Meta'),
    cred: hdr('Cred'),
    cmdID: field(model, 'Status', 'CmdID'),
    msgRef: field(model, 'Status', 'MsgRef'),
    cmdRef: field(model, 'Status', 'CmdRef'),
    cmd: field(model, 'Status', 'Cmd'),
    data: field(model, 'Status', 'Data'),
    chal: field(model, 'Status', 'Chal'),
    items: field(model, 'Status', 'Item'),
    itemMeta: field(model, 'Item', 'Meta'),
    format: field(model, 'MetInf', 'Format'),
    type: field(model, 'MetInf', 'Type'),
    numeric: ['MaxMsgSize', 'MaxObjSize', 'Size'].map((e) => [e, field(model, 'MetInf', e)] as const),
  };
  const formats = model.formats.map((v) => v.value);
  const authTypes = model.authTypes.map((v) => v.value);

  sf.addVariableStatement(setOf('VER_DTD', verDTD));
  sf.addVariableStatement(setOf('VER_PROTO', verProto));
  sf.addVariableStatement(setOf('ALERT_CODES', model.alertCodes.map((c) => String(c.code))));
  sf.addVariableStatement(setOf('STATUS_CODES', model.statusCodes.map((c) => String(c.code))));
  sf.addVariableStatement(setOf('FORMATS', formats));
  sf.addVariableStatement(setOf('AUTH_TYPES', authTypes));
  // No Status answers a Status.
  sf.addVariableStatement(setOf('STATUS_CMDS', ['SyncHdr', ...commandNames.filter((c) => c !== 'Status')]));
  sf.addVariableStatement(setOf('NESTED_COMMANDS', unionFields));
  sf.addVariableStatement({
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name: 'DIGITS', initializer: '/^[0-9]+$/' }],
  });

  sf.addInterface({
    name: 'MessageIssue',
    isExported: true,
    extends: ['ValueIssue'],
    docs: ['A problem checkMessage found. Structural ones (the value is no message) carry no severity: they are errors.'],
    properties: [
      {
        name: 'severity',
        type: "'error' | 'warning'",
        hasQuestionToken: true,
        isReadonly: true,
        docs: ["`error`: the message breaks a rule of the protocol tables; `warning`: a well-formed value the tables do not know."],
      },
    ],
  });

  sf.addFunction({
    name: 'checkValues',
    isExported: true,
    docs: [
      [
        'What the protocol tables say about a typed message beyond its grammar: VerDTD and VerProto',
        `values (${alternatives(verDTD)}; ${alternatives(verProto)}), Alert and Status codes, CmdIDs`,
        'non-zero and unique in the message, MsgRef and CmdRef numeric, the command a Status names,',
        'Format values, the auth type of Cred and Chal, MaxMsgSize, MaxObjSize and Size numeric.',
        'Paths name elements as the decoders and encoders do (`/SyncML/SyncBody/Alert[2]/Data`). With the `syncml` profile (the default) a VerProto the tables',
        'do not know (another SyncML protocol than DM) is a warning; with `dm`, an error.',
      ].join('\n'),
    ],
    parameters: [
      { name: 'message', type: 'SyncML' },
      { name: 'options', type: 'CheckOptions', initializer: '{}' },
    ],
    returnType: 'MessageIssue[]',
    statements: (w) => {
      w.writeLine('const issues: MessageIssue[] = [];');
      w.writeLine("const error = (path: string, reason: string): void => void issues.push({ path, reason, severity: 'error' });");
      w.writeLine("const warning = (path: string, reason: string): void => void issues.push({ path, reason, severity: 'warning' });");
      w.writeLine('const q = (s: string): string => JSON.stringify(s);');
      w.writeLine('/** A hint for a value the table holds in another case. */');
      w.writeLine("const caseHint = (table: ReadonlySet<string>, v: string): string => { for (const t of table) if (t.toLowerCase() === v.toLowerCase()) return ` (did you mean ${q(t)}?)`; return ''; };");
      w.writeLine('const checkMeta = (meta: Loose | undefined, path: string, auth: boolean): void => {');
      w.indent(() => {
        w.writeLine('if (meta === undefined) return;');
        w.writeLine(`const format = meta.${f.format};`);
        w.writeLine(
          `if (typeof format === 'string' && !FORMATS.has(format)) error(step(path, 'Format'), \`Format \${q(format)} is not a Format value (${alternatives(formats)})\${caseHint(FORMATS, format)}\`);`,
        );
        w.writeLine(`const type = meta.${f.type};`);
        w.writeLine(
          `if (auth && typeof type === 'string' && !AUTH_TYPES.has(type)) error(step(path, 'Type'), \`Type \${q(type)} is not an authentication type (${alternatives(authTypes)})\${caseHint(AUTH_TYPES, type)}\`);`,
        );
        for (const [element, name] of f.numeric) {
          w.writeLine(`const ${name} = meta.${name};`);
          w.writeLine(`if (typeof ${name} === 'string' && !DIGITS.test(${name})) error(step(path, ${str(element)}), \`${element} \${q(${name})} is not a number of bytes\`);`);
        }
      });
      w.writeLine('};');
      w.writeLine('const checkAuth = (holder: Loose, path: string): void => {');
      w.indent(() => {
        for (const [element, k] of [['Cred', f.cred], ['Chal', f.chal]] as const) {
          w.writeLine(`const ${k} = holder.${k} as Loose | undefined;`);
          w.writeLine(`if (${k} !== undefined) checkMeta(${k}.${f.meta} as Loose | undefined, step(step(path, ${str(element)}), 'Meta'), true);`);
        }
      });
      w.writeLine('};');
      w.writeLine('const cmdIDs = new Map<string, string>();');
      w.writeLine('const walk = (commands: readonly Loose[], path: string): void => {');
      w.indent(() => {
        w.writeLine('const seen = new Map<string, number>();');
        w.writeLine('commands.forEach((command) => {');
        w.indent(() => {
          w.writeLine('const at = memberStep(path, String(command.kind), seen);');
          w.writeLine(`const cmdID = command.${f.cmdID} as string;`);
          w.writeLine(`const idPath = step(at, 'CmdID');`);
          w.writeLine("if (!DIGITS.test(cmdID) || /^0+$/.test(cmdID)) error(idPath, `CmdID ${q(cmdID)} is not a positive integer`);");
          w.writeLine('else if (cmdIDs.has(cmdID)) error(idPath, `CmdID ${cmdID} is used twice in the message (first at ${cmdIDs.get(cmdID)})`);');
          w.writeLine('else cmdIDs.set(cmdID, idPath);');
          w.writeLine(`const data = command.${f.data};`);
          w.write("if (command.kind === 'Alert' && typeof data === 'string')").block(() => {
            w.writeLine(`if (!DIGITS.test(data)) error(step(at, 'Data'), \`Alert code \${q(data)} is not a number\`);`);
            w.writeLine(`else if (!ALERT_CODES.has(data)) warning(step(at, 'Data'), \`Alert code \${data} is not one the tables know\`);`);
          });
          w.write("if (command.kind === 'Status')").block(() => {
            w.writeLine(`if (typeof data === 'string' && !/^[0-9]{3}$/.test(data)) error(step(at, 'Data'), \`Status code \${q(data)} is not a three-digit number\`);`);
            w.writeLine(`else if (typeof data === 'string' && !STATUS_CODES.has(data)) warning(step(at, 'Data'), \`Status code \${data} is not one the tables know\`);`);
            w.writeLine(`const cmd = command.${f.cmd} as string;`);
            w.writeLine(`if (!STATUS_CMDS.has(cmd)) error(step(at, 'Cmd'), \`Cmd \${q(cmd)} names no command (SyncHdr or a command of SyncML)\`);`);
          });
          w.write("if (command.kind === 'Status' || command.kind === 'Results')").block(() => {
            for (const [element, name] of [
              ['MsgRef', f.msgRef],
              ['CmdRef', f.cmdRef],
            ] as const) {
              w.writeLine(`const ${name} = command.${name};`);
              w.writeLine(`if (typeof ${name} === 'string' && !DIGITS.test(${name})) error(step(at, ${str(element)}), \`${element} \${q(${name})} is not a number\`);`);
            }
          });
          w.writeLine(`checkMeta(command.${f.meta} as Loose | undefined, step(at, 'Meta'), false);`);
          w.writeLine('checkAuth(command, at);');
          w.writeLine(`const items = command.${f.items};`);
          w.writeLine(
            `if (Array.isArray(items)) items.forEach((item: Loose, j: number) => checkMeta(item.${f.itemMeta} as Loose | undefined, step(nthStep(at, 'Item', j + 1), 'Meta'), false));`,
          );
          w.writeLine('for (const k of NESTED_COMMANDS) if (Array.isArray(command[k])) walk(command[k] as Loose[], at);');
        });
        w.writeLine('});');
      });
      w.writeLine('};');
      w.writeLine(`const hdr = message.${f.syncHdr} as unknown as Loose;`);
      w.writeLine(`const hdrPath = '/SyncML/SyncHdr';`);
      w.writeLine(`const verDTD = hdr.${f.verDTD} as string;`);
      w.writeLine(`if (!VER_DTD.has(verDTD)) error(step(hdrPath, 'VerDTD'), \`VerDTD \${q(verDTD)} is not a version of SyncML (${alternatives(verDTD)})\`);`);
      w.writeLine(`const verProto = hdr.${f.verProto} as string;`);
      w.writeLine(
        `if (!VER_PROTO.has(verProto)) (options.profile === 'dm' ? error : warning)(step(hdrPath, 'VerProto'), \`VerProto \${q(verProto)} is not a version of the DM protocol (${alternatives(verProto)})\${caseHint(VER_PROTO, verProto)}\`);`,
      );
      w.writeLine(`checkMeta(hdr.${f.meta} as Loose | undefined, step(hdrPath, 'Meta'), false);`);
      w.writeLine('checkAuth(hdr, hdrPath);');
      w.writeLine(`const body = message.${f.syncBody} as unknown as Loose;`);
      w.writeLine(`for (const k of NESTED_COMMANDS) if (Array.isArray(body[k])) walk(body[k] as Loose[], '/SyncML/SyncBody');`);
      w.writeLine('return issues;');
    },
  });
}
