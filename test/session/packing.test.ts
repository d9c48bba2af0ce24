import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { HeaderInit, SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item, SyncBodyCommand, SyncML } from '../../generated/types.js';
import { Buffer } from 'node:buffer';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml } from '../../src/index.js';
import { OutgoingPackage, type PackedMessage } from '../../src/session/packing.js';
import { IncomingLargeObjects } from '../../src/session/large-object.js';
import type { Encoding } from '../../src/session/message-size.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { MessageAssembler } from '../../src/session/message-assembler.js';
import { MessageBuilder, completeSyncBodyCommand } from '../../generated/builders.js';

// A short header, so that a MaxMsgSize of 300 bytes leaves room for commands.
const header = (msgID: number): HeaderInit => ({
  sessionID: '4F2A',
  msgID: String(msgID),
  target: { locURI: 'IMEI:4930051' },
  source: { locURI: 'http://dm.example/' },
});

/**
 * Data of up to `large` bytes: mostly small text, sometimes a large object (built
 * cheaply by repeating a unit), with the characters that cost more than a byte.
 */
const dataText = (large: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('<', '&', 'é', '😀', 'a', '\r'), maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: large }), fc.constantFrom('QUJD', 'x<y&', 'é€', 'a😀'))
        .map(([n, unit]) => unit.repeat(Math.ceil(n / unit.length))),
    },
  );

const itemArb = (large: number): fc.Arbitrary<Item> =>
  fc.record(
    {
      target: fc.record({ locURI: fc.stringMatching(/^\.\/[A-Za-z0-9/]{1,30}$/) }),
      meta: fc.record({ format: fc.constantFrom('chr', 'b64'), type: fc.constant('text/plain'), emis: fc.constant([]) }),
      data: dataText(large),
    },
    { requiredKeys: ['target', 'data'] },
  );

const commandArb = (large: number): fc.Arbitrary<SyncBodyCommandDraft> =>
  fc.oneof(
    fc.record({ kind: fc.constant('Replace' as const), items: fc.array(itemArb(large), { minLength: 1, maxLength: 3 }) }),
    fc.record({ kind: fc.constant('Add' as const), items: fc.array(itemArb(large), { minLength: 1, maxLength: 2 }) }),
    fc.record({ kind: fc.constant('Get' as const), items: fc.array(fc.record({ target: fc.record({ locURI: fc.constant<string>('./DevInfo/Man') }) }), { minLength: 1, maxLength: 2 }) }),
  ) as fc.Arbitrary<SyncBodyCommandDraft>; // fc.array's minLength 1 stands for the non-empty tuple type

/**
 * MaxMsgSize from 300 B to 64 KB, with objects up to 4 MB but never more than a few
 * hundred messages' worth (so a run stays short).
 */
const packageArb = fc.integer({ min: 300, max: 64 * 1024 }).chain((maxMsgSize) =>
  fc.tuple(fc.constant(maxMsgSize), fc.array(commandArb(Math.min(4 * 1024 * 1024, maxMsgSize * 100)), { minLength: 1, maxLength: 8 })),
);

function decode(encoding: Encoding, b: Uint8Array): SyncML {
  return encoding === 'xml' ? decodeXml(b) : decodeWbxml(b);
}

/** Sends a whole package; returns the messages as the peer decodes them. */
function sendPackage(encoding: Encoding, maxMsgSize: number, drafts: SyncBodyCommandDraft[]): { packed: PackedMessage[]; received: SyncML[] } {
  const out = new OutgoingPackage({ encoding, maxMsgSize });
  for (const d of drafts) out.send(d);
  const packed: PackedMessage[] = [];
  const received: SyncML[] = [];
  for (let msg = 1; out.pending; msg++) {
    const p = out.next(header(msg));
    // The bytes written while packing are the message, as the encoder writes it (WBXML
    // with inline strings), and within MaxMsgSize.
    expect(p.size).toBe(p.bytes.length);
    expect(p.bytes.length).toBeLessThanOrEqual(maxMsgSize);
    const encoded = encoding === 'xml' ? encodeXml(p.message) : encodeWbxml(p.message, { strings: 'inline' });
    expect(Buffer.from(p.bytes).equals(encoded)).toBe(true);
    // A string table only ever makes a WBXML message smaller.
    if (encoding === 'wbxml') expect(encodeWbxml(p.message).length).toBeLessThanOrEqual(p.bytes.length);
    packed.push(p);
    received.push(decode(encoding, p.bytes));
    if (msg > 100_000) throw new Error('package does not end');
  }
  return { packed, received };
}

/** Could each item of `draft`, alone in a message, travel as a one-character chunk with Size and MoreData? */
function fitsWithOneCharacter(encoding: Encoding, maxMsgSize: number, draft: SyncBodyCommandDraft): boolean {
  const items = (draft as { items?: Item[] }).items ?? [];
  return items.every((item) => {
    const syncHdr = new MessageBuilder(header(1)).command({ kind: 'Alert', data: '0', items: [] }).build().syncHdr;
    const sizer = new MessageAssembler(encoding, syncHdr);
    const chunk = item.data ? { ...item, meta: { ...(item.meta ?? { emis: [] }), size: String(item.data.length) }, data: 'x', moreData: true } : item;
    let id = 0;
    sizer.add(completeSyncBodyCommand({ ...draft, items: [chunk] } as SyncBodyCommandDraft, () => String(++id)));
    return sizer.total(false) <= maxMsgSize;
  });
}

/** The items the drafts carry, in order, as the receiver should end up with them. */
function itemsOf(drafts: SyncBodyCommandDraft[]): { kind: string; target?: string; data?: string }[] {
  return drafts.flatMap((d) => ((d as { items?: Item[] }).items ?? []).map((i) => ({ kind: d.kind, target: i.target?.locURI, data: i.data })));
}

describe('MaxMsgSize packing and large objects (sections 7 and 8)', () => {
  it('DM-PRO-Mul-S-001-M, DM-PRO-LO-S-003-M, DM-PRO-LO-S-004-M, DM-PRO-LO-S-005-M, DM-PRO-LO-S-008-M: every message within MaxMsgSize, Final only on the last, chunks contiguous with MoreData and Size, reassembled data equal', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Encoding>('xml', 'wbxml'),
        packageArb,
        (encoding, [maxMsgSize, drafts]) => {
          let sent: ReturnType<typeof sendPackage>;
          try {
            sent = sendPackage(encoding, maxMsgSize, drafts);
          } catch (e) {
            // Refusing is right only when some item cannot travel even one character at a time.
            expect(isLocalProtocolError(e) && ['message-too-small', 'command-too-large'].includes(e.problem)).toBe(true);
            expect(drafts.some((d) => !fitsWithOneCharacter(encoding, maxMsgSize, d))).toBe(true);
            return;
          }
          const { packed, received } = sent;
          // Final on the package's last message only.
          expect(packed.map((p) => p.final)).toEqual(packed.map((_, i) => i === packed.length - 1));
          expect(received.map((m) => m.syncBody.final === true)).toEqual(packed.map((p) => p.final));
          // Chunk rules, read off the wire.
          let open: { target?: string } | undefined;
          for (const m of received) {
            for (const c of m.syncBody.commands) {
              const items = (c as { items?: Item[] }).items ?? [];
              for (const item of items) {
                if (open) {
                  // Contiguous: the next item on the wire continues the same object, without Size.
                  expect(item.target?.locURI).toBe(open.target);
                  expect(item.meta?.size).toBeUndefined();
                } else if (item.moreData) {
                  expect(item.meta?.size).toBeDefined();
                }
                open = item.moreData ? { target: item.target?.locURI } : undefined;
              }
            }
          }
          expect(open).toBeUndefined();
          // Reassembly gives back exactly the items sent, nothing partial.
          const lo = new IncomingLargeObjects();
          const whole: { kind: string; target?: string; data?: string }[] = [];
          for (const m of received) {
            for (const c of m.syncBody.commands) {
              const r = lo.accept(c);
              expect(r.interrupted).toBeUndefined();
              if (r.kind === 'command') whole.push(...itemsOf([c.kind === r.command.kind ? (r.command as SyncBodyCommandDraft) : (c as SyncBodyCommandDraft)]));
            }
          }
          expect(whole).toEqual(itemsOf(drafts));
        },
      ),
      { numRuns: 40, endOnFailure: true },
    );
  }, 120_000);

  it('DM-PRO-LO-S-005-M: data that fits into one message is never chunked', () => {
    fc.assert(
      fc.property(fc.constantFrom<Encoding>('xml', 'wbxml'), fc.array(commandArb(100_000), { minLength: 1, maxLength: 6 }), (encoding, drafts) => {
        // 8 MB messages; keep packages whose XML (at most 5 bytes a character) stays well under that.
        const { received } = sendPackage(encoding, 1024 * 1024 * 8, drafts.filter((d) => JSON.stringify(d).length < 1024 * 1024));
        for (const m of received) for (const c of m.syncBody.commands) for (const i of (c as { items?: Item[] }).items ?? []) expect(i.moreData).toBeUndefined();
      }),
      { numRuns: 20 },
    );
  });

  it('refuses a command that cannot be split, and an object over the peer MaxObjSize', () => {
    const out = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 600 });
    out.send({ kind: 'Atomic', commands: Array.from({ length: 20 }, () => ({ kind: 'Get' as const, items: [{ target: { locURI: './Vendor/Some/Long/Path' } }] })) });
    expect(() => out.next(header(1))).toThrow(expect.objectContaining({ name: 'LocalProtocolError', problem: 'command-too-large' }));
    const small = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 4000, maxObjSize: 10 });
    let error: unknown;
    try {
      small.send({ kind: 'Replace', items: [{ target: { locURI: './x' }, data: 'more than ten bytes' }] });
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('object-too-large');
  });

  it('responses go before commands', () => {
    const out = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 10_000 });
    out.send({ kind: 'Get', items: [{ target: { locURI: './a' } }] });
    out.respond({ kind: 'Status', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '212', items: [] });
    const p = out.next(header(2));
    expect(p.message.syncBody.commands.map((c: SyncBodyCommand) => c.kind)).toEqual(['Status', 'Get']);
    expect(p.message.syncBody.commands.map((c: SyncBodyCommand) => c.cmdID)).toEqual(['1', '2']);
  });
});

describe('receiving large objects', () => {
  const chunk = (data: string, opts: { size?: number; more?: boolean; target?: string } = {}): SyncBodyCommand => ({
    kind: 'Replace',
    cmdID: '1',
    items: [
      {
        target: { locURI: opts.target ?? './big' },
        ...(opts.size !== undefined ? { meta: { size: String(opts.size), emis: [] } } : {}),
        data,
        ...(opts.more ? { moreData: true } : {}),
      },
    ],
  });

  it('DM-PRO-LO-S-001-M: answers 213 per non-last chunk and delivers the whole object once', () => {
    const lo = new IncomingLargeObjects();
    expect(lo.accept(chunk('abc', { size: 6, more: true }))).toMatchObject({ kind: 'buffered', status: 213 });
    const done = lo.accept(chunk('def'));
    expect(done.kind).toBe('command');
    expect((done.command as { items: Item[] }).items[0]!.data).toBe('abcdef');
    expect((done.command as { items: Item[] }).items[0]!.moreData).toBeUndefined();
  });

  it('DM-PRO-LO-S-009-M: a size mismatch is 424 and nothing is committed', () => {
    const lo = new IncomingLargeObjects();
    lo.accept(chunk('abc', { size: 10, more: true }));
    expect(lo.accept(chunk('def'))).toMatchObject({ kind: 'refused', error: { name: 'ProtocolError', status: 424 }, statuses: [{ status: 424 }] });
    expect(lo.inProgress).toBe(false);
    const grown = new IncomingLargeObjects();
    grown.accept(chunk('abc', { size: 4, more: true }));
    expect(grown.accept(chunk('defgh', { more: true }))).toMatchObject({ kind: 'refused', error: { status: 424 } });
  });

  it('a new command before the last chunk gives Alert 1225 with the target, and the new command goes on', () => {
    const lo = new IncomingLargeObjects();
    lo.accept(chunk('abc', { size: 6, more: true, target: './obj' }));
    const r = lo.accept({ kind: 'Get', cmdID: '2', items: [{ target: { locURI: './DevInfo/Man' } }] });
    expect(r).toMatchObject({ kind: 'command', interrupted: { alert: 1225, target: './obj' } });
    expect(lo.inProgress).toBe(false);
  });

  it('first chunk without Size is 411; a Size over our MaxObjSize is 416; an item over it is 413', () => {
    expect(new IncomingLargeObjects().accept(chunk('abc', { more: true }))).toMatchObject({ kind: 'refused', error: { status: 411 } });
    expect(new IncomingLargeObjects(5).accept(chunk('abc', { size: 6, more: true }))).toMatchObject({ kind: 'refused', error: { status: 416 } });
    expect(new IncomingLargeObjects(2).accept(chunk('abc'))).toMatchObject({ kind: 'refused', error: { status: 413 } });
  });
});

describe('CmdIDs', () => {
  it('are the session\'s to number in each message: a draft that brings its own, at any depth, is refused before it is queued', () => {
    const out = new OutgoingPackage({ encoding: 'xml', maxMsgSize: 10_000 });
    const given = [
      { kind: 'Get', cmdID: '1', items: [{ target: { locURI: './a' } }] },
      { kind: 'Atomic', commands: [{ kind: 'Delete', cmdID: '2', items: [{ target: { locURI: './b' } }] }] },
    ] as SyncBodyCommandDraft[];
    for (const d of given) {
      let error: unknown;
      try {
        out.send(d);
      } catch (e) {
        error = e;
      }
      expect(isLocalProtocolError(error) && error.problem).toBe('cmdid-given');
    }
    expect(out.pending).toBe(false);
  });
});
