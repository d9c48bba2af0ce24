/**
 * Builder inputs as a user meets them (issue 10 §4): `*` lists optional, codes and
 * integers as numbers or the generated enums, Status.cmd and Meta.format typed by their
 * tables with `unlisted()` as the escape, CmdIDs unique in a message; and the builders
 * emitter from a tiny DTD.
 */
import { describe, expect, it } from 'vitest';
import {
  AlertCode,
  EncodeError,
  Format,
  MessageBuilder,
  StatusCode,
  cmd,
  decodeWbxml,
  decodeXml,
  encodeWbxml,
  encodeXml,
  unlisted,
  type HeaderInit,
  type StatusInit,
} from '../../src/index.js';
import { Output } from '../../codegen/output.js';
import { emitBuilders } from '../../codegen/emit/builders.js';
import { parseTable } from '../../codegen/table-reader.js';
import { parseDtdText } from '../../codegen/dtd-reader.js';
import { buildModel } from '../../codegen/model.js';
import { tinyModel } from '../helpers/tiny-model.js';

const header: HeaderInit = { sessionID: '1', msgID: '1', target: { locURI: 'IMEI:1' }, source: { locURI: 'https://dm.example' } };

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('builder inputs (issue 10 §4)', () => {
  it('* lists may be left out and read as empty; codes and MaxMsgSize take numbers and the enums', () => {
    const m = new MessageBuilder({ ...header, meta: { maxMsgSize: 5000, maxObjSize: 65_536 } })
      .alert({ data: AlertCode.ServerInitiatedSession })
      .status({ msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: StatusCode.Ok })
      .replace({ meta: { format: Format.Character, type: 'text/plain' }, items: [{ target: { locURI: './a' }, meta: { size: 3 }, data: 'abc' }] })
      .final()
      .build();
    expect(m.syncHdr.meta).toEqual({ maxMsgSize: '5000', maxObjSize: '65536', emis: [] });
    expect(m.syncBody.commands).toEqual([
      { kind: 'Alert', cmdID: '1', data: '1200', items: [] },
      { kind: 'Status', cmdID: '2', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] },
      { kind: 'Replace', cmdID: '3', meta: { format: 'chr', type: 'text/plain', emis: [] }, items: [{ target: { locURI: './a' }, meta: { size: '3', emis: [] }, data: 'abc' }] },
    ]);
    expect(decodeXml(encodeXml(m))).toStrictEqual(m);
    expect(decodeWbxml(encodeWbxml(m))).toStrictEqual(m);
  });

  it('codes as digits (the typed form) still work', () => {
    const m = new MessageBuilder(header).alert({ data: '1201' }).build();
    expect(m.syncBody.commands[0]).toEqual({ kind: 'Alert', cmdID: '1', data: '1201', items: [] });
  });

  it('a number that is not a non-negative integer is an EncodeError naming the element', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrown(() => new MessageBuilder({ ...header, meta: { maxMsgSize: bad } }).alert({ data: 1201 }).build());
      expect(error, String(bad)).toBeInstanceOf(EncodeError);
      expect((error as EncodeError).reason).toContain('<MaxMsgSize> takes a non-negative integer');
      expect((error as EncodeError).path).toBe('maxMsgSize');
    }
  });

  it('Status.cmd and Meta.format are typed by their tables; other strings go through unlisted()', () => {
    const ok: StatusInit = { msgRef: '1', cmdRef: '2', cmd: 'Replace', data: 200 };
    // @ts-expect-error a typo of a command name fails to compile
    const typo: StatusInit = { msgRef: '1', cmdRef: '2', cmd: 'Replce', data: 200 };
    // @ts-expect-error a typo of a Format value fails to compile
    cmd.replace({ meta: { format: 'b46' }, items: [{ data: 'x' }] });
    const vendor = cmd.replace({ meta: { format: unlisted('x-vendor') }, items: [{ data: 'x' }] });
    const other: StatusInit = { ...ok, cmd: unlisted('Search2') };
    const m = new MessageBuilder(header).command(cmd.status(ok)).command(cmd.status(typo)).command(vendor).command(cmd.status(other)).build();
    expect(m.syncBody.commands.map((c) => (c.kind === 'Status' ? c.cmd : c.kind === 'Replace' ? c.meta?.format : ''))).toEqual(['Replace', 'Replce', 'x-vendor', 'Search2']);
  });

  it('typed values (decoded commands) are taken as drafts', () => {
    const first = new MessageBuilder(header).get({ items: [{ target: { locURI: './DevInfo/Mod' } }] }).build();
    const decoded = decodeXml(encodeXml(first));
    const again = new MessageBuilder(header, 7).command(decoded.syncBody.commands[0]!).build();
    expect(again.syncBody.commands[0]).toEqual(decoded.syncBody.commands[0]);
  });
});

describe('MessageBuilder never gives two commands one CmdID (issue 10 §4)', () => {
  it('allocation skips a CmdID a command named', () => {
    const m = new MessageBuilder(header).alert({ cmdID: '1', data: 1201 }).alert({ data: 1222 }).alert({ cmdID: '3', data: 1223 }).alert({ data: 1224 }).build();
    expect(m.syncBody.commands.map((c) => c.cmdID)).toEqual(['1', '2', '3', '4']);
  });

  it('a CmdID named twice, or naming one already allocated, is an EncodeError; the builder is left as it was', () => {
    const b = new MessageBuilder(header).alert({ data: 1201 });
    const error = thrown(() => b.alert({ cmdID: '1', data: 1222 }));
    expect(error).toBeInstanceOf(EncodeError);
    expect((error as EncodeError).path).toBe('/SyncML/SyncBody/Alert[2]');
    expect((error as EncodeError).reason).toContain('CmdID "1" is already used');
    // Inside a container too, and nothing of the refused command stays allocated.
    expect(() => b.atomic({ commands: [cmd.add({ items: [{ data: 'x' }] }), cmd.add({ cmdID: '1', items: [{ data: 'y' }] })] })).toThrow(EncodeError);
    const m = b.alert({ data: 1222 }).build();
    expect(m.syncBody.commands.map((c) => c.cmdID)).toEqual(['1', '2']);
  });

  it('containers take their CmdID before their children', () => {
    const m = new MessageBuilder(header).atomic({ commands: [cmd.add({ items: [{ data: 'x' }] }), cmd.sequence({ commands: [cmd.exec({ item: { data: 'y' } })] })] }).build();
    const atomic = m.syncBody.commands[0]!;
    expect(atomic.kind === 'Atomic' && [atomic.cmdID, ...atomic.commands.map((c) => c.cmdID)]).toEqual(['1', '2', '3']);
  });
});

describe('builders emitter', () => {
  const DTD =
    '<!ELEMENT R (H, B)><!ELEMENT H (VerDTD, VerProto, Id, M?)><!ELEMENT VerDTD (#PCDATA)><!ELEMENT VerProto (#PCDATA)><!ELEMENT Id (#PCDATA)>' +
    '<!ELEMENT M (Size?, Tag*)><!ELEMENT Size (#PCDATA)><!ELEMENT Tag (#PCDATA)>' +
    '<!ELEMENT B ((X | Y)+, Final?)><!ELEMENT Final EMPTY><!ELEMENT X (CmdID, T)><!ELEMENT Y (CmdID, M?, Z*)><!ELEMENT CmdID (#PCDATA)>' +
    '<!ELEMENT T (Id)><!ELEMENT Z (Id)>';
  const render = (): string => {
    const base = tinyModel(DTD, { choiceFields: [['B', 1, 'commands']] });
    const model = buildModel({
      ...inputsOf(),
      fieldValues: parseTable('parent\telement\tvalues\nM\tSize\tinteger', 'field-values.tsv'),
    });
    expect(model.elements.length).toBe(base.elements.length);
    const out = new Output();
    emitBuilders(model, out);
    return out.render().get('builders.ts')!;
  };
  /** The inputs tinyModel builds, rebuilt here to add a field-values table. */
  function inputsOf(): Parameters<typeof buildModel>[0] {
    const parsed = parseDtdText(DTD, 'tiny.dtd');
    const names = parsed.elements.map((e) => e.name);
    const tsv = (h: string, rows: readonly string[]) => [h, ...rows].join('\n');
    return {
      dtd: parsed,
      namespaces: parseTable(tsv('vocabulary\tnamespace\tfpi\tpublicid\tpage\tdtd\tpreferred', ['Tiny\turn:tiny\t-//TINY//EN\t0x01\t0\ttiny.dtd\tyes']), 'namespaces.tsv'),
      tokens: parseTable(tsv('vocabulary\tpage\ttoken\telement', names.map((n, i) => `Tiny\t0\t0x${(i + 5).toString(16)}\t${n}`)), 'wbxml-tokens.tsv'),
      dmProfile: parseTable(tsv('element\tdm\tnote', names.map((n) => `${n}\tyes\t`)), 'dm-profile.tsv'),
      fieldNames: parseTable('element\tgroup\tfield\nB\t1\tcommands', 'field-names.tsv'),
      embedding: parseTable('element\tholds\tinline-markup', 'embedding.tsv'),
      alertCodes: parseTable('code\tname\tcategory\tdescription', 'alert-codes.tsv'),
      statusCodes: parseTable('code\tname\treason', 'status-codes.tsv'),
      formats: parseTable('value\tname\tdescription', 'format-values.tsv'),
      authTypes: parseTable('value\tname\tformat\tdescription', 'auth-types.tsv'),
      uiOptions: parseTable('option\tname\tvalue\talerts\tdescription', 'ui-options.tsv'),
      versions: parseTable('element\tvalue\tname\tdefault\tdescription', 'versions.tsv'),
      wbxmlGlobals: parseTable('name\tvalue\tdescription\nSWITCH_PAGE\t0\t\nEND\t1\t', 'wbxml-global-tokens.tsv'),
    };
  }

  it.each([
    ['an element with a * list and an integer gets an Init with both optional', 'export interface MInit {\n  /** A non-negative integer, as a number or its digits. */\n  size?: number | string;\n  /** Absent: none. */\n  tags?: string[];\n}'],
    ['an element with nothing to complete is taken as it is', 'export type TInit = T;'],
    ['a command: CmdID optional, children as Init or typed value', 'export interface YInit {\n  cmdID?: string;\n  m?: MInit | M;\n  /** Absent: none. */\n  zs?: Z[];\n}'],
    ['the integer is written, the list defaulted', '  if (v.size !== undefined) c.size = numberText(v.size, "Size", "size");\n  c.tags = v.tags === undefined ? [] : v.tags;'],
    ['a CmdID is allocated or claimed', '  const id = v.cmdID;\n  c.cmdID = id === undefined ? next() : claim ? claim(id) : id;'],
    ['a nested element is completed', '  if (v.m !== undefined) c.m = completeM(v.m as MInit, next, claim);'],
  ])('%s', (_name, want) => {
    expect(render()).toContain(want);
  });
});
