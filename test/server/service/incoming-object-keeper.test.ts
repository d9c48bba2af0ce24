/**
 * The keeper of a large object being received (incoming-object-keeper.ts), on its own: what
 * it leaves in the snapshot, the piece it asks the store to append, and when a restore may
 * use its cache instead of the rows. The store here is the rows a real store would return.
 */
import { describe, expect, it } from 'vitest';
import { DETACH_FROM_CODE_UNITS, IncomingObjectKeeper } from '../../../src/server/service/incoming-object-keeper.js';
import type { StoredSession } from '../../../src/server/service/stored-session.js';

const first = { kind: 'Results', cmdID: '4', cmdRef: '3', msgRef: '2', items: [{ source: { locURI: './Vendor/Log' }, moreData: true }], targetRefs: [], sourceRefs: [] };

function stored(data: string, started = 1): StoredSession {
  return { v: 3, endpoint: { incoming: { version: 1, started, pending: { first, declared: 10 * DETACH_FROM_CODE_UNITS, data, bytes: data.length } } } } as unknown as StoredSession;
}

const pendingData = (s: StoredSession | undefined) => s?.endpoint.incoming.pending?.data;

describe('the keeper of a large object being received', () => {
  it('leaves a small object in the snapshot, and a large one in rows: a piece per save, the data left out', () => {
    const keeper = new IncomingObjectKeeper({ receivedChunks: () => Promise.resolve([]) });
    const small = stored('x'.repeat(100));
    expect(keeper.detach(1, small, undefined)).toEqual({ stored: small });
    const a = 'a'.repeat(DETACH_FROM_CODE_UNITS);
    const one = keeper.detach(1, stored(a), undefined);
    expect(one.received).toEqual({ object: 1, seq: 0, data: a });
    expect(pendingData(one.stored)).toBe('');
    expect(one.stored.received).toMatchObject({ object: 1, length: a.length, pieces: 1 });
    const two = keeper.detach(1, stored(a + 'bb'), one.stored.received);
    expect(two.received).toEqual({ object: 1, seq: 1, data: 'bb' });
    // Nothing new: no row. The next object: its first piece, the whole of it.
    const same = keeper.detach(1, stored(a + 'bb'), two.stored.received);
    expect(same.received).toBeUndefined();
    expect(same.stored.received).toMatchObject({ length: a.length + 2, pieces: 2 });
    const next = keeper.detach(1, stored(a + 'c', 2), same.stored.received);
    expect(next.received).toEqual({ object: 2, seq: 0, data: a + 'c' });
    // No object any more: the rows go.
    const { pending: _, ...idle } = stored('').endpoint.incoming;
    expect(keeper.detach(1, { ...stored(''), endpoint: { ...stored('').endpoint, incoming: idle } }, next.stored.received).receivedDone).toBe(true);
  });

  it('restores from its cache only the snapshot it saved itself; another save of the same length is read from the rows', async () => {
    const ours = 'o'.repeat(DETACH_FROM_CODE_UNITS);
    const theirs = 't'.repeat(DETACH_FROM_CODE_UNITS);
    const keeper = new IncomingObjectKeeper({ receivedChunks: () => Promise.resolve([theirs]) });
    const saved = keeper.detach(7, stored(ours), undefined).stored;
    expect(pendingData(await keeper.attach(7, saved))).toBe(ours);
    // The save lost the race to another process's, which kept other data of the same length.
    const winner = new IncomingObjectKeeper({ receivedChunks: () => Promise.resolve([]) }).detach(7, stored(theirs), undefined).stored;
    expect(pendingData(await keeper.attach(7, winner))).toBe(theirs);
    // Rows that do not add up to the marker: no object.
    expect(await keeper.attach(7, { ...winner, received: { ...winner.received!, length: theirs.length + 1 } })).toBeUndefined();
  });
});
