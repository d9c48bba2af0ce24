/**
 * Keeps the large object the device is sending out of the stored session. A Get whose
 * Results come back in 4 KB messages holds the data received so far in the session core's
 * snapshot (`endpoint.incoming.pending.data`), and the session is saved after every
 * message: with the data in the snapshot, the store wrote the object again each time, so
 * a 1 MB object cost some 125 MB of writes. Here the snapshot keeps the data's length
 * only (`ReceivedMarker`) and each save appends what the message added as a row of its
 * own (`SessionChanges.received`), in the same transaction: a chunk the device was told
 * 213 is in the store, and a message costs the store its own piece.
 *
 * A restore puts the data back from this process's small cache when the snapshot is the
 * one this process saved last (its marker's `tag`), else from the rows
 * (`Store.receivedChunks`), checked against the marker's length and piece count. Objects
 * smaller than DETACH_FROM_CODE_UNITS stay in the snapshot, as they were; once an object
 * is kept in rows it stays there until it is complete, dropped or replaced by the next
 * (the session core counts the objects it began: `started`).
 * The rows are as bounded as the object: the session core refuses one above our
 * MaxObjSize (which the service always announces), and they go when the session ends.
 */
import { randomUUID } from 'node:crypto';
import type { EndpointSnapshot } from '../../session/endpoint.js';
import type { IncomingLargeObjectsSnapshot } from '../../session/large-object.js';
import type { ReceivedChunk } from '../store/types.js';
import type { Store } from '../store/store.js';
import type { StoredSession } from './stored-session.js';
import { ObjectCache } from './object-cache.js';

/** Objects smaller than this stay in the snapshot: below it, writing the data again with
 * each message costs less than a row per message (at most 16 KB²/2 over 4 KB chunks, 32 KB). */
export const DETACH_FROM_CODE_UNITS = 16 * 1024;

/** What the snapshot holds in place of the pending object's data. */
export interface ReceivedMarker {
  /** The session core's ordinal of the object (IncomingLargeObjectsSnapshot.started). */
  readonly object: number;
  /** The data's length so far, in UTF-16 code units, and the pieces it is kept in. */
  readonly length: number;
  readonly pieces: number;
  /** New with every save: the cache serves a restore only for the very save it made (a
   * save of another process, or one that lost the race, reads the rows). */
  readonly tag: string;
}

/** The stored session to save, and what the store must do with the rows beside it. */
export interface Detached {
  readonly stored: StoredSession;
  readonly received?: ReceivedChunk;
  readonly receivedDone?: true;
}

type Pending = NonNullable<IncomingLargeObjectsSnapshot['pending']>;

export class IncomingObjectKeeper {
  private readonly kept = new ObjectCache<number, { readonly tag: string; readonly data: string }>();

  constructor(private readonly store: Pick<Store, 'receivedChunks'>) {}

  /**
   * `next` with the pending object's data left out when it is large (or already kept in
   * rows), and the piece to append. `before`: the marker of the stored session this
   * message was served from (undefined for a new session, or data kept inline).
   */
  detach(sessionRef: number, next: StoredSession, before: ReceivedMarker | undefined): Detached {
    const incoming = next.endpoint.incoming;
    const pending = incoming.pending;
    if (pending === undefined) {
      this.forget(sessionRef);
      return before === undefined ? { stored: next } : { stored: next, receivedDone: true };
    }
    const object = incoming.started ?? 1;
    const same = before !== undefined && before.object === object;
    if (!same && pending.data.length < DETACH_FROM_CODE_UNITS) return before === undefined ? { stored: next } : { stored: next, receivedDone: true };
    const base = same ? before.length : 0;
    // The data only grows while the object is the same one (large-object.ts appends each chunk).
    if (pending.data.length < base) throw new Error(`the object being received shrank from ${base} to ${pending.data.length} code units`);
    const seq = same ? before.pieces : 0;
    const piece = pending.data.slice(base);
    const tag = randomUUID();
    this.kept.set(sessionRef, { tag, data: pending.data });
    // A message that brought nothing new for it writes no row (a new object always has data).
    const marker: ReceivedMarker = { object, length: pending.data.length, pieces: piece.length > 0 ? seq + 1 : seq, tag };
    const stored: StoredSession = { ...next, endpoint: withData(next.endpoint, pending, ''), received: marker };
    return piece.length > 0 ? { stored, received: { object, seq, data: piece } } : { stored };
  }

  /** The stored session with the pending data put back; undefined when the store does not
   * hold what the marker says (rows lost or never written). */
  async attach(sessionRef: number, s: StoredSession): Promise<StoredSession | undefined> {
    const marker = s.received;
    if (marker === undefined) return s;
    const pending = s.endpoint.incoming.pending;
    if (pending === undefined) return undefined;
    const known = this.kept.get(sessionRef);
    let data = known !== undefined && known.tag === marker.tag && known.data.length === marker.length ? known.data : undefined;
    if (data === undefined) {
      const pieces = await this.store.receivedChunks(sessionRef, marker.object);
      data = pieces.join('');
      if (pieces.length !== marker.pieces || data.length !== marker.length) return undefined;
      this.kept.set(sessionRef, { tag: marker.tag, data });
    }
    const { received: _, ...rest } = s;
    return { ...rest, endpoint: withData(s.endpoint, pending, data) };
  }

  /** The session's object is done with (complete, dropped, or the session ended). */
  forget(sessionRef: number): void {
    this.kept.delete(sessionRef);
  }

  /** How many sessions' objects the cache holds (for tests). */
  get size(): number {
    return this.kept.size;
  }
}

function withData(endpoint: EndpointSnapshot, pending: Pending, data: string): EndpointSnapshot {
  return { ...endpoint, incoming: { ...endpoint.incoming, pending: { ...pending, data } } };
}
