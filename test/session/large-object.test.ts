/**
 * Receiving large objects (section 8, and 7.1 for containers), rule by rule: every
 * refusal is an outcome with the Statuses to answer, never an exception, and nothing
 * partial is ever handed on as a whole command.
 */
import { describe, expect, it } from 'vitest';
import type { Item, Meta, SyncBodyCommand } from '../../generated/types.js';
import { IncomingLargeObjects, type IncomingResult } from '../../src/session/large-object.js';

interface ChunkOpts {
  readonly size?: number;
  readonly more?: boolean;
  readonly target?: string | null;
  readonly meta?: Omit<Meta, 'emis'>;
}

const item = (data: string, o: ChunkOpts): Item => ({
  ...(o.target === null ? {} : { target: { locURI: o.target ?? './big' } }),
  ...(o.size !== undefined || o.meta ? { meta: { ...o.meta, ...(o.size !== undefined ? { size: String(o.size) } : {}), emis: [] } } : {}),
  data,
  ...(o.more ? { moreData: true } : {}),
});

const replace = (cmdID: string, data: string, o: ChunkOpts = {}): SyncBodyCommand => ({ kind: 'Replace', cmdID, items: [item(data, o)] });

const results = (cmdID: string, data: string, o: ChunkOpts & { cmdRef?: string } = {}): SyncBodyCommand => ({
  kind: 'Results',
  cmdID,
  msgRef: '2',
  cmdRef: o.cmdRef ?? '4',
  targetRefs: [],
  sourceRefs: [],
  items: [{ ...item(data, { ...o, target: null }), source: { locURI: o.target ?? './Vendor/Log' } }],
});

/** The data of a whole command handed on. */
const dataOf = (r: IncomingResult): string | undefined => (r.kind === 'command' ? (r.command as { items?: Item[] }).items?.[0]?.data : undefined);

describe('chunked Results (section 8): the protection chunked commands have', () => {
  it('DM-PRO-LO-S-009-M, section 8: a first Results chunk without Size is refused 411, returned, not thrown; its later chunks are refused 412, the last one included', () => {
    const lo = new IncomingLargeObjects();
    expect(lo.accept(results('1', 'abc', { more: true }))).toMatchObject({ kind: 'refused', error: { status: 411 }, statuses: [{ status: 411 }] });
    expect(lo.accept(results('2', 'def', { more: true }))).toMatchObject({ kind: 'refused', error: { status: 412 } });
    expect(lo.accept(results('3', 'ghi'))).toMatchObject({ kind: 'refused', error: { status: 412 } });
    // After the orphan's last chunk, the next Results is read as usual.
    expect(lo.accept(results('4', 'whole'))).toMatchObject({ kind: 'command' });
  });

  it('DM-PRO-LO-S-009-M, section 8 ("If the size does not match then error status 424"): reassembled Results of the wrong size are refused 424 and never handed on', () => {
    const lo = new IncomingLargeObjects();
    expect(lo.accept(results('1', 'abc', { size: 7, more: true }))).toMatchObject({ kind: 'buffered', status: 213 });
    const r = lo.accept(results('2', 'def'));
    expect(r).toMatchObject({ kind: 'refused', error: { name: 'ProtocolError', status: 424 } });
    expect(lo.inProgress).toBe(false);
    // And a chunk that outgrows Size stops buffering at once.
    const grown = new IncomingLargeObjects();
    grown.accept(results('1', 'abc', { size: 4, more: true }));
    expect(grown.accept(results('2', 'defgh', { more: true }))).toMatchObject({ kind: 'refused', error: { status: 424 } });
    expect(grown.inProgress).toBe(false);
  });

  it('section 8 ("a new data object or command before the previous item has been completed ... Alert 1225"): another Results, or a command, before the last chunk cuts the object short', () => {
    const lo = new IncomingLargeObjects();
    lo.accept(results('1', 'abc', { size: 6, more: true, target: './Vendor/Log' }));
    // Results for another Get (another CmdRef) is a new object, even at the same source.
    const other = lo.accept(results('2', 'xyz', { cmdRef: '5', target: './Vendor/Log' }));
    expect(other).toMatchObject({ kind: 'command', interrupted: { alert: 1225, source: './Vendor/Log' } });
    expect(dataOf(other)).toBe('xyz');
    const again = new IncomingLargeObjects();
    again.accept(results('1', 'abc', { size: 6, more: true }));
    expect(again.accept(replace('2', 'v', { target: './x' }))).toMatchObject({ kind: 'command', interrupted: { alert: 1225 } });
    // The rest of the lost object never comes through as whole Results.
    expect(again.accept(results('3', 'def'))).toMatchObject({ kind: 'refused', error: { status: 412 } });
  });
});

describe('large objects inside Atomic and Sequence (sections 7.1 and 8)', () => {
  // 7.1: "a command must fit entirely into one message. This includes the Sequence and
  // Atomic commands, each of which must fit entirely into one message." A chunk inside one
  // could only be completed by a later message, so the container can never be complete.
  const atomic = (kind: 'Atomic' | 'Sequence'): SyncBodyCommand =>
    ({
      kind,
      cmdID: '3',
      commands: [
        { kind: 'Delete', cmdID: '4', items: [{ target: { locURI: './a' } }] },
        replace('5', 'abc', { size: 9, more: true }),
        { kind: 'Get', cmdID: '6', items: [{ target: { locURI: './b' } }] },
      ],
    }) as SyncBodyCommand;

  it('DM-PRO-LO-S-002-M, DM-PRO-LO-C-003-O, section 7.1 ("each of which must fit entirely into one message"): an Atomic with a MoreData item is refused whole: Atomic 507, the chunk 412, the rest 215', () => {
    const lo = new IncomingLargeObjects();
    const r = lo.accept(atomic('Atomic'));
    expect(r.kind).toBe('refused');
    if (r.kind !== 'refused') return;
    expect(r.statuses.map((s) => [s.command.kind, s.command.cmdID, s.status])).toEqual([
      ['Atomic', '3', 507],
      ['Delete', '4', 215],
      ['Replace', '5', 412],
      ['Get', '6', 215],
    ]);
    expect(lo.inProgress).toBe(false);
    // The chunk's continuation, at the top level in the next message, is an orphan: never committed.
    expect(lo.accept(replace('7', 'defghi'))).toMatchObject({ kind: 'refused', error: { status: 412 } });
    expect(lo.accept(replace('8', 'new'))).toMatchObject({ kind: 'command' });
  });

  it('section 7.1: a Sequence with a MoreData item is refused whole (412 incomplete command), nothing in it handed on', () => {
    const r = new IncomingLargeObjects().accept(atomic('Sequence'));
    expect(r).toMatchObject({ kind: 'refused', error: { status: 412 } });
    if (r.kind === 'refused') expect(r.statuses.map((s) => s.status)).toEqual([412, 215, 412, 215]);
  });

  it('section 7.1: a container whose items are all whole is handed on as it is; one arriving before the last chunk of an object cuts it short (1225)', () => {
    const whole = { kind: 'Atomic', cmdID: '3', commands: [replace('4', 'abc')] } as SyncBodyCommand;
    expect(new IncomingLargeObjects().accept(whole)).toEqual({ kind: 'command', command: whole });
    const lo = new IncomingLargeObjects();
    lo.accept(replace('1', 'abc', { size: 6, more: true }));
    expect(lo.accept(whole)).toMatchObject({ kind: 'command', interrupted: { alert: 1225, target: './big' } });
  });
});

describe('chunk continuation (section 8: "Meta and Item information SHOULD be repeated")', () => {
  it('DM-PRO-LO-S-001-M, section 8: later chunks may repeat Meta (Size included, the same) or leave out Target; the object goes on and arrives whole once', () => {
    const lo = new IncomingLargeObjects();
    const meta = { format: 'b64', type: 'application/octet-stream' };
    expect(lo.accept(replace('1', 'QUJD', { size: 12, more: true, meta }))).toMatchObject({ kind: 'buffered', status: 213 });
    expect(lo.accept(replace('2', 'REVG', { more: true, target: null }))).toMatchObject({ kind: 'buffered', status: 213 });
    expect(lo.accept(replace('3', 'R0hJ', { size: 12, meta }))).toMatchObject({ kind: 'command' });
    const lo2 = new IncomingLargeObjects();
    lo2.accept(replace('1', 'QUJD', { size: 12, more: true, meta }));
    lo2.accept(replace('2', 'REVG', { size: 12, more: true, meta }));
    const done = lo2.accept(replace('3', 'R0hJ', { target: null, meta }));
    expect(dataOf(done)).toBe('QUJDREVGR0hJ');
    expect(done.kind === 'command' && (done.command as { items: Item[] }).items[0]).toMatchObject({ target: { locURI: './big' }, meta: { format: 'b64', size: '12' } });
  });

  it('DM-PRO-LO-S-009-M, section 8: a last chunk repeating Size never starts a new object, so a fragment is never committed as whole', () => {
    // Before: the repeated Size made the last chunk look like a new, whole object.
    const lo = new IncomingLargeObjects();
    lo.accept(replace('1', 'abc', { size: 6, more: true }));
    const last = lo.accept(replace('2', 'de', { size: 6 }));
    expect(last).toMatchObject({ kind: 'refused', error: { status: 424 } });
    expect(last.interrupted).toBeUndefined();
    // Another Size on a later chunk: 424, nothing committed, and the rest are orphans.
    const lo2 = new IncomingLargeObjects();
    lo2.accept(replace('1', 'abc', { size: 9, more: true }));
    expect(lo2.accept(replace('2', 'def', { size: 12, more: true }))).toMatchObject({ kind: 'refused', error: { status: 424 } });
    expect(lo2.accept(replace('3', 'ghi'))).toMatchObject({ kind: 'refused', error: { status: 412 } });
    // A last fragment that repeats Size after its object was refused is an orphan too ...
    const lo3 = new IncomingLargeObjects(5);
    expect(lo3.accept(replace('1', 'abc', { size: 9, more: true }))).toMatchObject({ kind: 'refused', error: { status: 416 } });
    expect(lo3.accept(replace('2', 'def', { size: 9 }))).toMatchObject({ kind: 'refused', error: { status: 412 } });
    // ... while a whole object at that address (its data is its Size) is read as new.
    const lo4 = new IncomingLargeObjects(5);
    lo4.accept(replace('1', 'abc', { size: 9, more: true }));
    expect(lo4.accept(replace('2', 'abcd', { size: 4 }))).toMatchObject({ kind: 'command' });
  });

  it('section 8: the whole command is the first chunk\'s, with all the data and no MoreData; a Size that is not a byte count is 400', () => {
    const lo = new IncomingLargeObjects();
    lo.accept({ kind: 'Add', cmdID: '1', meta: { size: '4', emis: [] }, items: [item('ab', { more: true })] } as SyncBodyCommand);
    const done = lo.accept({ kind: 'Add', cmdID: '2', items: [item('cd', {})] } as SyncBodyCommand);
    expect(done).toMatchObject({ kind: 'command', command: { kind: 'Add', cmdID: '1', items: [{ data: 'abcd' }] } });
    expect(done.kind === 'command' && (done.command as { items: Item[] }).items[0]!.moreData).toBeUndefined();
    expect(new IncomingLargeObjects().accept(replace('1', 'ab', { size: Number.NaN, more: true }))).toMatchObject({ kind: 'refused', error: { status: 400 } });
  });
});
