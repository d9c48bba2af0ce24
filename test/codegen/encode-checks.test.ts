/**
 * The encoders never write what they cannot read back (issue 10 §1 and §3): both refuse
 * the same values, each with an EncodeError naming the field, as generated/encode-checks.ts
 * states them; nesting is bounded by the decoders' default maxDepth; and the emitter that
 * writes those checks, from a tiny DTD.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EncodeError,
  checkMessage,
  decodeWbxml,
  decodeXml,
  defaultDecodeLimits,
  encodeWbxml,
  encodeXml,
  encodeXmlString,
  isDecodeError,
  wbxmlSize,
  type AtomicCommand,
  type SyncML,
  type WbxmlEncodeOptions,
} from '../../src/index.js';
import { messageArbitrary } from '../../generated/arbitraries.js';
import { MAX_ENCODE_DEPTH, findEncodeIssue } from '../../generated/encode-checks.js';
import { Output } from '../../codegen/output.js';
import { emitEncodeChecks } from '../../codegen/emit/encode-checks.js';
import { emitXmlEncoder } from '../../codegen/emit/xml-encoder.js';
import { emitWbxmlEncoder } from '../../codegen/emit/wbxml-encoder.js';
import { tinyModel } from '../helpers/tiny-model.js';

const allOptions: WbxmlEncodeOptions[] = (['auto', 'inline', 'table'] as const).flatMap((strings) =>
  (['id', 'fpi'] as const).map((publicId) => ({ strings, publicId })),
);

/** Every way to encode a message, each expected to throw the same EncodeError. */
const encoders: readonly [string, (m: SyncML) => unknown][] = [
  ['encodeXmlString', (m) => encodeXmlString(m)],
  ['encodeXml', (m) => encodeXml(m)],
  ...allOptions.flatMap((o): [string, (m: SyncML) => unknown][] => [
    [`encodeWbxml ${JSON.stringify(o)}`, (m) => encodeWbxml(m, o)],
    [`wbxmlSize ${JSON.stringify(o)}`, (m) => wbxmlSize(m, o)],
  ]),
];

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Each encoder refuses `m` with an EncodeError at `path`, all with the same reason. */
function expectRefused(m: unknown, path: string, reason?: string | RegExp): void {
  const reasons = new Set<string>();
  for (const [name, encode] of encoders) {
    const error = thrown(() => encode(m as SyncML));
    expect(error, name).toBeInstanceOf(EncodeError);
    expect((error as EncodeError).path, `${name}: ${(error as Error).message}`).toBe(path);
    reasons.add((error as EncodeError).reason);
  }
  expect(reasons.size, [...reasons].join(' | ')).toBe(1);
  if (reason !== undefined) expect([...reasons][0]).toMatch(reason);
}

const base = (): SyncML => ({
  syncHdr: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: 'dev' }, source: { locURI: 'srv' } },
  syncBody: {
    commands: [
      { kind: 'Alert', cmdID: '1', data: '1201', items: [] },
      { kind: 'Replace', cmdID: '2', meta: { format: 'chr', emis: [] }, items: [{ target: { locURI: './a' }, data: 'x' }] },
    ],
    final: true,
  },
});

/** A copy of `base()` with `edit` applied. */
function edited(edit: (m: Record<string, any>) => void): unknown {
  const m = base() as unknown as Record<string, any>;
  edit(m);
  return m;
}

describe('encoders refuse what they cannot read back, with the path of the field (issue 10 §3)', () => {
  const cases: [string, (m: Record<string, any>) => void, string, RegExp][] = [
    ['a missing required text', (m) => delete m.syncHdr.msgID, 'syncHdr.msgID', /<MsgID> must be a string, not nothing/],
    ['null text', (m) => (m.syncHdr.msgID = null), 'syncHdr.msgID', /not null/],
    ['an object as text', (m) => (m.syncHdr.sessionID = {}), 'syncHdr.sessionID', /not an object/],
    ['a number as text', (m) => (m.syncBody.commands[0].cmdID = 1), 'syncBody.commands[0].cmdID', /not number 1/],
    ['a BigInt as text', (m) => (m.syncBody.commands[0].data = 1201n), 'syncBody.commands[0].data', /not bigint 1201n/],
    ['a number as optional text', (m) => (m.syncBody.commands[1].meta.format = 5), 'syncBody.commands[1].meta.format', /<Format> must be a string/],
    ['a string as flag', (m) => (m.syncBody.final = 'yes'), 'syncBody.final', /<Final> is EMPTY/],
    ['null as flag', (m) => (m.syncBody.commands[0].noResp = null), 'syncBody.commands[0].noResp', /<NoResp> is EMPTY/],
    ['a missing * list', (m) => delete m.syncBody.commands[0].items, 'syncBody.commands[0].items', /<Alert> needs a list of <Item>/],
    ['a missing * list of text', (m) => delete m.syncBody.commands[1].meta.emis, 'syncBody.commands[1].meta.emis', /list of <EMI>/],
    ['a string for a list', (m) => (m.syncBody.commands[1].items = 'abc'), 'syncBody.commands[1].items', /not string "abc"/],
    ['an empty + list', (m) => (m.syncBody.commands[1].items = []), 'syncBody.commands[1].items', /needs at least one <Item>/],
    ['a string for an element', (m) => (m.syncHdr.target = 'dev'), 'syncHdr.target', /<Target> must be an object/],
    ['a number in a list of elements', (m) => (m.syncBody.commands[1].items[0] = 3), 'syncBody.commands[1].items[0]', /<Item> must be an object/],
    ['an unknown kind', (m) => (m.syncBody.commands[1].kind = 'Replace2'), 'syncBody.commands[1].kind', /unknown kind string "Replace2"/],
    ['a command that is not an object', (m) => (m.syncBody.commands[0] = null), 'syncBody.commands[0]', /must be an object/],
    ['a lone surrogate', (m) => (m.syncBody.commands[1].items[0].data = 'a\uD800'), 'syncBody.commands[1].items[0].data', /U\+D800/],
  ];
  it.each(cases)('%s', (_name, edit, path, reason) => {
    expectRefused(edited(edit), path, reason);
  });

  it('the base message of those cases is written by every encoder', () => {
    for (const [name, encode] of encoders) expect(() => encode(base()), name).not.toThrow();
    expect(findEncodeIssue(base())).toBeUndefined();
  });

  it('wbxmlSize of numeric text is an EncodeError, not NaN', () => {
    const m = edited((x) => (x.syncHdr.msgID = 12)) as SyncML;
    expect(() => wbxmlSize(m)).toThrow(EncodeError);
  });

  it('checkMessage names a BigInt instead of throwing TypeError', () => {
    const m = edited((x) => (x.syncHdr.msgID = 5n));
    expect(checkMessage(m)[0]).toEqual({ path: 'syncHdr.msgID', reason: '<MsgID> must be a string, not bigint 5n' });
  });

  /** Every field of a value, with its path in EncodeError style and how to replace it. */
  function fields(x: unknown, path: string, out: { path: string; value: unknown; set: (v: unknown) => void }[]): void {
    if (Array.isArray(x)) {
      x.forEach((v, i) => {
        out.push({ path: `${path}[${i}]`, value: v, set: (n) => (x[i] = n) });
        fields(v, `${path}[${i}]`, out);
      });
    } else if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      for (const [k, v] of Object.entries(o)) {
        const p = path ? `${path}.${k}` : k;
        out.push({ path: p, value: v, set: (n) => (o[k] = n) });
        fields(v, p, out);
      }
    }
  }

  /** Values no field of that type may hold. */
  function badFor(v: unknown): unknown[] {
    if (Array.isArray(v)) return [undefined, 'abc', null, {}];
    if (typeof v === 'string') return [null, 7, 7n, {}, ['a'], 'a\u0000'];
    if (typeof v === 'boolean') return ['yes', 1, null];
    return ['x', 7, null, 7n];
  }

  it('one bad value anywhere in an arbitrary message: every encoder refuses it at its path', () => {
    const cases = messageArbitrary({ profile: 'syncml' }).chain((m) => {
      const message = structuredClone(m);
      const list: { path: string; value: unknown; set: (v: unknown) => void }[] = [];
      fields(message, '', list);
      return fc.tuple(fc.constant(message), fc.nat({ max: list.length - 1 }), fc.nat({ max: 5 }));
    });
    fc.assert(
      fc.property(cases, ([message, at, which]) => {
        const list: { path: string; value: unknown; set: (v: unknown) => void }[] = [];
        fields(message, '', list);
        const field = list[at]!;
        const bad = badFor(field.value);
        field.set(bad[which % bad.length]);
        expectRefused(message, field.path);
      }),
      { numRuns: 150 },
    );
  });

  it('arbitrary valid messages: the checks find nothing and every encoder writes them', () => {
    fc.assert(
      fc.property(messageArbitrary({ profile: 'syncml' }), (m) => {
        const message = structuredClone(m);
        expect(findEncodeIssue(message)).toBeUndefined();
        for (const [name, encode] of encoders) expect(() => encode(message), name).not.toThrow();
      }),
      { numRuns: 100 },
    );
  });
});

describe('nesting on encode is bounded by the decoders (issue 10 §1)', () => {
  /** A message whose SyncBody holds `n` Atomics nested in each other around one Alert. */
  function nested(n: number): SyncML {
    let inner: AtomicCommand = { kind: 'Alert', cmdID: '1', data: '1201', items: [] };
    for (let i = 0; i < n; i++) inner = { kind: 'Atomic', cmdID: String(i + 2), commands: [inner] };
    const m = base();
    m.syncBody.commands = [inner as never];
    return m;
  }

  it('a 10,000-deep Atomic is an EncodeError naming the element at the limit, from every encoder', () => {
    const m = nested(10_000);
    // SyncML is depth 1, SyncBody 2, the outer Atomic 3: the Atomic at MAX_ENCODE_DEPTH is the (MAX-2)th.
    const path = 'syncBody.commands[0]' + '.commands[0]'.repeat(MAX_ENCODE_DEPTH - 3);
    expectRefused(m, path, new RegExp(`<Atomic> would stand at depth ${MAX_ENCODE_DEPTH}`));
  });

  it('the limit is the decoders\' default maxDepth: what is written is read back, one level more is refused', () => {
    expect(MAX_ENCODE_DEPTH).toBe(defaultDecodeLimits.maxDepth);
    // Alert's CmdID stands at depth n + 4 under n Atomics.
    const deepest = defaultDecodeLimits.maxDepth - 4;
    const ok = nested(deepest);
    expect(decodeXml(encodeXml(ok))).toStrictEqual(ok);
    expect(decodeWbxml(encodeWbxml(ok))).toStrictEqual(ok);
    const over = nested(deepest + 1);
    expect(() => encodeXml(over)).toThrow(EncodeError);
    expect(() => encodeWbxml(over)).toThrow(EncodeError);
    // The same message written by hand is refused by the decoder too.
    const xml = new TextDecoder().decode(encodeXml(ok)).replace('<Atomic>', '<Atomic><CmdID>99</CmdID><Atomic>').replace('</Atomic>', '</Atomic></Atomic>');
    expect(isDecodeError(thrown(() => decodeXml(xml)))).toBe(true);
  });
});

describe("WBXML strings: 'inline' means inline", () => {
  it("with publicId 'fpi', a text equal to the FPI is written inline, not as a reference to the string table", () => {
    const fpi = '-//SYNCML//DTD SyncML 1.2//EN';
    const m = base();
    m.syncHdr.sessionID = fpi;
    const bytes = encodeWbxml(m, { strings: 'inline', publicId: 'fpi' });
    expect(bytes.includes(0x83), 'no STR_T').toBe(false);
    expect(decodeWbxml(bytes)).toStrictEqual(m);
    expect(wbxmlSize(m, { strings: 'inline', publicId: 'fpi' })).toBe(bytes.length);
  });
});

describe('encode-checks emitter', () => {
  const DTD = '<!ELEMENT R (Id, Flag?, Item*, (X | Y)+)><!ELEMENT Id (#PCDATA)><!ELEMENT Flag EMPTY><!ELEMENT Item (Id)><!ELEMENT X (Id, Item+)><!ELEMENT Y (Id)>';
  const render = (emit: (m: ReturnType<typeof tinyModel>, o: Output) => void, file: string): string => {
    const out = new Output();
    emit(tinyModel(DTD, { choiceFields: [['R', 1, 'commands']] }), out);
    return out.render().get(file)!;
  };
  const fn = (text: string, name: string): string => {
    const at = text.indexOf(`function ${name}(`);
    return text.slice(at, text.indexOf('\n}\n', at) + 2);
  };

  it.each([
    [
      'cR',
      [
        'function cR(x: unknown, path: string, d: number, c: CheckContext): boolean {',
        '  if (!isRecord(x)) return c.issue(path, `<R> must be an object, not ${describe(x)}`) ?? false;',
        '  if (d >= MAX_ENCODE_DEPTH) return tooDeep(path, "R", c);',
        '  const y = x as Loose;',
        '  if (checkText(y.id, join(path, "id"), "Id", c) === undefined) return false;',
        '  if (y.flag !== undefined && checkFlag(y.flag, join(path, "flag"), "Flag", c) === undefined) return false;',
        '  {',
        '    const a = y.items;',
        '    if (!list(a, join(path, "items"), "<Item>", "R", 0, c)) return false;',
        '    for (let i = 0; i < a.length; i++) if (!cItem(a[i], join(join(path, "items"), i), d + 1, c)) return false;',
        '  }',
        '  {',
        '    const a = y.commands;',
        '    if (!list(a, join(path, "commands"), "<X> or <Y>", "R", 1, c)) return false;',
        '    for (let i = 0; i < a.length; i++) if (!cRCommand(a[i], join(join(path, "commands"), i), d + 1, c)) return false;',
        '  }',
        '  return true;',
        '}',
      ],
    ],
  ])('%s: every particle checked as the encoders write it', (name, want) => {
    expect(fn(render(emitEncodeChecks, 'encode-checks.ts'), name)).toBe(want.join('\n'));
  });

  it('both encoders apply the same cheap checks on their hot path', () => {
    const xml = fn(render(emitXmlEncoder, 'xml-encoder.ts'), 'eX');
    const wbxml = fn(render(emitWbxmlEncoder, 'wbxml-encoder.ts'), 'wX');
    for (const text of [xml, wbxml]) {
      expect(text).toContain("if (typeof v !== 'object' || v === null || d >= MAX_ENCODE_DEPTH) throw refusedValue();");
      expect(text).toContain('if (!Array.isArray(a) || a.length === 0) throw refusedValue();');
    }
    const r = fn(render(emitXmlEncoder, 'xml-encoder.ts'), 'eR');
    expect(r).toContain('if (b === true) s += "<Flag/>";\n    else if (b !== undefined && b !== false) throw refusedValue();');
  });
});
