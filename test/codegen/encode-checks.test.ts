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
import { loadModel } from '../../codegen/main.js';
import { isStructured, particlesOf } from '../../codegen/model.js';

const model = loadModel();

interface Field {
  path: string;
  value: unknown;
  set: (v: unknown) => void;
}

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

/**
 * Every field of a typed value of `element`, with the element path an EncodeError names it by (as
 * DecodeError names the XML twin: read off the model, not the checks) and how to replace it. A list
 * is named by its owner; a choice member and its kind by the choice's owner.
 */
function fields(x: Record<string, unknown>, element: string, path: string, out: Field[]): void {
  for (const p of particlesOf(model, model.byName.get(element)!)) {
    const v = x[p.field];
    if (v === undefined) continue;
    const set = (n: unknown): void => void (x[p.field] = n);
    if (p.max === 1) {
      if (p.kind !== 'element') throw new Error('a choice that does not repeat');
      const child = `${path}/${p.element}`;
      out.push({ path: child, value: v, set });
      if (isStructured(model.byName.get(p.element)!)) fields(v as Record<string, unknown>, p.element, child, out);
      continue;
    }
    out.push({ path, value: v, set });
    const seen = new Map<string, number>();
    (v as Record<string, unknown>[]).forEach((m, i) => {
      const setMember = (n: unknown): void => void ((v as unknown[])[i] = n);
      const name = p.kind === 'element' ? p.element : (m.kind as string);
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      const child = `${path}/${name}[${n}]`;
      out.push({ path: p.kind === 'choice' ? path : child, value: m, set: setMember });
      if (p.kind === 'choice') out.push({ path, value: m.kind, set: (k) => void (m.kind = k) });
      if (isStructured(model.byName.get(name)!)) fields(m, name, child, out);
    });
  }
}

describe('encoders refuse what they cannot read back, with the path of the field (issue 10 §3)', () => {
  const cases: [string, (m: Record<string, any>) => void, string, RegExp][] = [
    ['a missing required text', (m) => delete m.syncHdr.msgID, '/SyncML/SyncHdr/MsgID', /<MsgID> must be a string, not nothing/],
    ['null text', (m) => (m.syncHdr.msgID = null), '/SyncML/SyncHdr/MsgID', /not null/],
    ['an object as text', (m) => (m.syncHdr.sessionID = {}), '/SyncML/SyncHdr/SessionID', /not an object/],
    ['a number as text', (m) => (m.syncBody.commands[0].cmdID = 1), '/SyncML/SyncBody/Alert[1]/CmdID', /not number 1/],
    ['a BigInt as text', (m) => (m.syncBody.commands[0].data = 1201n), '/SyncML/SyncBody/Alert[1]/Data', /not bigint 1201n/],
    ['a number as optional text', (m) => (m.syncBody.commands[1].meta.format = 5), '/SyncML/SyncBody/Replace[1]/Meta/Format', /<Format> must be a string/],
    ['a string as flag', (m) => (m.syncBody.final = 'yes'), '/SyncML/SyncBody/Final', /<Final> is EMPTY/],
    ['null as flag', (m) => (m.syncBody.commands[0].noResp = null), '/SyncML/SyncBody/Alert[1]/NoResp', /<NoResp> is EMPTY/],
    ['a missing * list', (m) => delete m.syncBody.commands[0].items, '/SyncML/SyncBody/Alert[1]', /<Alert> needs a list of <Item> in "items"/],
    ['a missing * list of text', (m) => delete m.syncBody.commands[1].meta.emis, '/SyncML/SyncBody/Replace[1]/Meta', /list of <EMI> in "emis"/],
    ['a string for a list', (m) => (m.syncBody.commands[1].items = 'abc'), '/SyncML/SyncBody/Replace[1]', /not string "abc"/],
    ['an empty + list', (m) => (m.syncBody.commands[1].items = []), '/SyncML/SyncBody/Replace[1]', /needs at least one <Item> in "items"/],
    ['a string for an element', (m) => (m.syncHdr.target = 'dev'), '/SyncML/SyncHdr/Target', /<Target> must be an object/],
    ['a number in a list of elements', (m) => (m.syncBody.commands[1].items[0] = 3), '/SyncML/SyncBody/Replace[1]/Item[1]', /<Item> must be an object/],
    ['an unknown kind', (m) => (m.syncBody.commands[1].kind = 'Replace2'), '/SyncML/SyncBody', /member 2 of <SyncBody> has unknown kind string "Replace2"/],
    ['a command that is not an object', (m) => (m.syncBody.commands[0] = null), '/SyncML/SyncBody', /member 1 of <SyncBody> must be an object/],
    ['a lone surrogate', (m) => (m.syncBody.commands[1].items[0].data = 'a\uD800'), '/SyncML/SyncBody/Replace[1]/Item[1]/Data', /U\+D800/],
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
      const list: Field[] = [];
      fields(message as never, 'SyncML', '/SyncML', list);
      return fc.tuple(fc.constant(message), fc.nat({ max: list.length - 1 }), fc.nat({ max: 5 }));
    });
    fc.assert(
      fc.property(cases, ([message, at, which]) => {
        const list: Field[] = [];
        fields(message as never, 'SyncML', '/SyncML', list);
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
    const path = '/SyncML/SyncBody' + '/Atomic[1]'.repeat(MAX_ENCODE_DEPTH - 2);
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
        '  if (!fields(x, path, "R", c)) return false;',
        '  const y = x as Record<string, unknown>;',
        '  if (checkText(y.id, step(path, "Id"), "Id", c) === undefined) return false;',
        '  if (y.flag !== undefined && checkFlag(y.flag, step(path, "Flag"), "Flag", c) === undefined) return false;',
        '  {',
        '    const a = y.items;',
        '    if (!list(a, path, "items", "<Item>", "R", 0, c)) return false;',
        '    for (let i = 0; i < a.length; i++) if (!cItem(a[i], nthStep(path, "Item", i + 1), d + 1, c)) return false;',
        '  }',
        '  {',
        '    const a = y.commands;',
        '    if (!list(a, path, "commands", "<X> or <Y>", "R", 1, c)) return false;',
        '    const seen = new Map<string, number>();',
        '    for (let i = 0; i < a.length; i++) if (!cRCommand(a[i], path, i, seen, d + 1, c)) return false;',
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
    expect(r).toContain('if (b === true) s += "<Flag/>";\n      else if (b !== false) throw refusedValue();');
    // Unknown keys: the fields written are counted (Id, Item list, command list always; Flag when
    // present) and compared with the keys, which are looked at only when there are more.
    const wr = fn(render(emitWbxmlEncoder, 'wbxml-encoder.ts'), 'wR');
    for (const text of [r, wr]) expect(text).toContain('let n = 3;');
    expect(r).toContain('let k = 0;\n  for (const _ in v) k++;\n  if (k !== n) refuseUnknownKeys(v, "R");');
    // WBXML: not in the string count, which the writing pass follows.
    expect(wr).toContain('if (s.checksFields) {\n    let k = 0;\n    for (const _ in v) k++;\n    if (k !== n) refuseUnknownKeys(v, "R");\n  }');
    for (const text of [xml, wbxml]) expect(text).toContain('if (k !== 3) refuseUnknownKeys(v, "X");');
  });
});

describe('encoders refuse keys the element has no field for (issue 10 §3)', () => {
  const cases: [string, (m: Record<string, any>) => void, string, RegExp][] = [
    ['cmdId for cmdID', (m) => ((m.syncBody.commands[0].cmdId = '1'), delete m.syncBody.commands[0].cmdID), '/SyncML/SyncBody/Alert[1]', /^<Alert> has no field "cmdId" \(did you mean "cmdID"\?\)$/],
    ['item for items', (m) => ((m.syncBody.commands[1].item = m.syncBody.commands[1].items), delete m.syncBody.commands[1].items), '/SyncML/SyncBody/Replace[1]', /^<Replace> has no field "item" \(did you mean "items"\?\)$/],
    ['an extra key beside valid fields', (m) => (m.syncBody.commands[1].items[0].color = 'red'), '/SyncML/SyncBody/Replace[1]/Item[1]', /^<Item> has no field "color"$/],
    ['a MetInf typo in Meta', (m) => (m.syncBody.commands[1].meta.Format = 'chr'), '/SyncML/SyncBody/Replace[1]/Meta', /^<Meta> has no field "Format" \(did you mean "format"\?\)$/],
    ['a key on the header', (m) => (m.syncHdr.maxMsgSize = '4000'), '/SyncML/SyncHdr', /^<SyncHdr> has no field "maxMsgSize"$/],
    ['kind on an element that is no choice member', (m) => (m.syncHdr.target.kind = 'Target'), '/SyncML/SyncHdr/Target', /has no field "kind"/],
    ['a key on the root', (m) => (m.final = true), '/SyncML', /^<SyncML> has no field "final"$/],
  ];
  it.each(cases)('%s', (_name, edit, path, reason) => {
    expectRefused(edited(edit), path, reason);
  });

  it('a field set to undefined is no unknown key: the message is written as without it', () => {
    const m = edited((x) => {
      x.syncBody.commands[0].noResp = undefined;
      x.syncBody.commands[1].meta.type = undefined;
      x.syncHdr.respURI = undefined;
    }) as SyncML;
    expect(findEncodeIssue(m)).toBeUndefined();
    for (const [name, encode] of encoders) expect(thrown(() => encode(m)), name).toBeUndefined();
    expect(encodeXml(m)).toStrictEqual(encodeXml(base()));
    expect(encodeWbxml(m)).toStrictEqual(encodeWbxml(base()));
  });

  it('checkMessage refuses them too (at the field path of the untyped value)', () => {
    const m = edited((x) => (x.syncBody.commands[0].cmdId = '1'));
    expect(checkMessage(m)).toContainEqual({ path: 'syncBody.commands[0].cmdId', reason: '<Alert> has no field "cmdId" (did you mean "cmdID"?)' });
  });

  it('an unknown key anywhere in an arbitrary message: every encoder refuses it at the element holding it', () => {
    /** The message's objects (elements), in a fixed order, each with its path. */
    const objectsOf = (message: unknown): Field[] => {
      const list: Field[] = [{ path: '/SyncML', value: message, set: () => {} }];
      fields(message as never, 'SyncML', '/SyncML', list);
      return list.filter((f) => f.value !== null && typeof f.value === 'object' && !Array.isArray(f.value));
    };
    const cases = messageArbitrary({ profile: 'syncml' }).chain((m) =>
      fc.tuple(fc.constant(m), fc.nat({ max: objectsOf(m).length - 1 }), fc.constantFrom('x', 'cmdid', 'Data', 'item', '__proto__x')),
    );
    fc.assert(
      fc.property(cases, ([generated, at, key]) => {
        // Each run edits a copy of its own: a value fast-check hands out again (shrinking
        // reuses it) must not keep the key an earlier run added.
        const message = structuredClone(generated);
        const o = objectsOf(message)[at]!;
        // `item` is a field of Exec: there it is no unknown key (and 'v' no Item).
        fc.pre(!Object.hasOwn(o.value as object, key));
        (o.value as Record<string, unknown>)[key] = 'v';
        // A choice member is named by its own path here: the list of fields names it by its owner.
        const path = findEncodeIssue(message)?.path;
        expect(path).toBeDefined();
        expect(findEncodeIssue(message)?.reason).toMatch(new RegExp(`has no field "${key}"`));
        expectRefused(message, path!);
        expect(path === o.path || path!.startsWith(o.path + '/')).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('encode and decode errors name the same place the same way (issue 10 §4)', () => {
  /** The DecodeError of `xml`. */
  function decodeError(xml: string): { path: string; reason: string } {
    const e = thrown(() => decodeXml(xml));
    expect(isDecodeError(e), String(e)).toBe(true);
    return e as never;
  }

  it('a character XML cannot carry in a text field: the encoder\'s path is the decoder\'s for the XML twin with its reference', () => {
    const MARK = 'q7Zmarkq7Z';
    const texts = messageArbitrary({ profile: 'syncml' }).chain((m) => {
      const message = structuredClone(m);
      const list: Field[] = [];
      fields(message as never, 'SyncML', '/SyncML', list);
      // Text fields: strings, but not a choice member's kind (named by its owner, no text of the XML).
      const strings = list.filter((f) => typeof f.value === 'string' && !f.path.endsWith('/SyncBody') && list.every((g) => g === f || g.path !== f.path || typeof g.value !== 'object'));
      return fc.tuple(fc.constant(message), fc.constant(strings), fc.nat({ max: Math.max(0, strings.length - 1) }));
    });
    fc.assert(
      fc.property(texts, ([message, strings, at]) => {
        const field = strings[at];
        if (field === undefined) return;
        field.set(MARK);
        const xml = new TextDecoder().decode(encodeXml(message as SyncML));
        expect(xml.split(MARK).length).toBe(2);
        field.set('a\u0001');
        const encodeError = thrown(() => encodeXml(message as SyncML)) as EncodeError;
        expect(encodeError).toBeInstanceOf(EncodeError);
        expect(encodeError.path).toBe(field.path);
        expect(decodeError(xml.replace(MARK, 'a&#1;')).path).toBe(encodeError.path);
      }),
      { numRuns: 150 },
    );
  });

  it('the second Replace\'s first Item: /SyncML/SyncBody/Replace[2]/Item[1]/Data in both directions', () => {
    const m = base();
    m.syncBody.commands.push({ kind: 'Replace', cmdID: '3', items: [{ target: { locURI: './b' }, data: 'MARK' }, { data: 'y' }] });
    const xml = new TextDecoder().decode(encodeXml(m)).replace('MARK', '&#0;');
    (m.syncBody.commands[2] as { items: { data?: string }[] }).items[0]!.data = '\u0000';
    expectRefused(m, '/SyncML/SyncBody/Replace[2]/Item[1]/Data', /U\+0000/);
    expect(decodeError(xml).path).toBe('/SyncML/SyncBody/Replace[2]/Item[1]/Data');
  });

  it('an EMI, repeated in Meta, is numbered as the decoder numbers it', () => {
    const m = base();
    const meta = (m.syncBody.commands[1] as { meta: { emis: string[] } }).meta;
    meta.emis = ['a', 'MARK'];
    const xml = new TextDecoder().decode(encodeXml(m)).replace('MARK', '&#2;');
    meta.emis[1] = '\u0002';
    expectRefused(m, '/SyncML/SyncBody/Replace[1]/Meta/EMI[2]', /U\+0002/);
    expect(decodeError(xml).path).toBe('/SyncML/SyncBody/Replace[1]/Meta/EMI[2]');
  });
});
