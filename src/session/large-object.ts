/**
 * Receiving large objects (section 8): chunks of one item are buffered until the chunk
 * without MoreData, then the command is handed on whole, never a part of it.
 *
 * - every chunk but the last is answered 213 (chunked item accepted and buffered);
 * - the first chunk must declare the total Size (411 otherwise); a Size above our
 *   MaxObjSize is refused with 416, an unchunked item above it with 413;
 * - on the last chunk the reassembled size must equal Size (424 otherwise: nothing is
 *   committed); buffering stops as soon as the data outgrows Size, so memory stays bounded;
 * - a new command (or another item) arriving before the last chunk ends the object with
 *   Alert 1225, naming its target/source, and nothing is committed; the new command is
 *   then read as usual;
 * - the chunks still to come of an object refused or cut short are refused with 412
 *   (incomplete command), the last one included: they are never taken for whole commands.
 */
import type { Item, Meta, SyncBodyCommand } from '../../generated/types.js';
import { AlertCode, StatusCode } from '../../generated/codes.js';
import { utf8ByteLength } from '../runtime/utf8.js';
import { LocalProtocolError, ProtocolError } from './errors.js';

/** A SyncBody command that carries items. */
type ItemCommand = Extract<SyncBodyCommand, { items: Item[] }>;

export type IncomingResult =
  /** Not a chunk, or the whole object reassembled: handle it (its last item holds all the data). */
  | { readonly kind: 'command'; readonly command: SyncBodyCommand; readonly interrupted?: Interrupted }
  /** A chunk was buffered: answer the command with 213. */
  | { readonly kind: 'buffered'; readonly command: SyncBodyCommand; readonly status: number; readonly interrupted?: Interrupted };

/** The object that a new command cut short: answer with this alert, commit nothing. */
export interface Interrupted {
  readonly alert: number;
  readonly target?: string;
  readonly source?: string;
}

interface Pending {
  readonly first: ItemCommand;
  readonly item: Item;
  readonly declared: number;
  parts: string[];
  bytes: number;
}

function itemsOf(c: SyncBodyCommand): Item[] | undefined {
  const items = (c as { items?: unknown }).items;
  return Array.isArray(items) ? (items as Item[]) : undefined;
}

function sameObject(p: Pending, c: SyncBodyCommand, item: Item): boolean {
  return (
    c.kind === p.first.kind &&
    item.target?.locURI === p.item.target?.locURI &&
    item.source?.locURI === p.item.source?.locURI
  );
}

/**
 * What IncomingLargeObjects holds, as plain JSON data: the object being received (its
 * first chunk's command, the data so far, as text, and its byte count) and the address of
 * an object whose remaining chunks are refused.
 */
export interface IncomingLargeObjectsSnapshot {
  readonly version: 1;
  readonly pending?: { readonly first: SyncBodyCommand; readonly declared: number; readonly data: string; readonly bytes: number };
  readonly orphan?: { readonly kind: string; readonly target?: string; readonly source?: string };
}

export class IncomingLargeObjects {
  private pending: Pending | undefined;
  /**
   * An object refused or cut short: its remaining chunks (same command, same address,
   * no Size) are orphans and are refused too, the last one included, so that no part of
   * it is ever committed as if it were whole.
   */
  private orphan: { readonly kind: string; readonly target?: string; readonly source?: string } | undefined;

  /** @param maxObjSize our MaxObjSize, if we announced one */
  constructor(private readonly maxObjSize?: number) {}

  /** The state as plain data (see IncomingLargeObjectsSnapshot); `restore` continues from it. */
  snapshot(): IncomingLargeObjectsSnapshot {
    const p = this.pending;
    if (p && p.parts.length > 1) p.parts = [p.parts.join('')];
    return {
      version: 1,
      ...(p ? { pending: { first: p.first, declared: p.declared, data: p.parts[0] ?? '', bytes: p.bytes } } : {}),
      ...(this.orphan ? { orphan: { ...this.orphan } } : {}),
    };
  }

  /** Objects in progress as `snapshot` left them; `maxObjSize` is ours, as for the constructor. */
  static restore(snapshot: IncomingLargeObjectsSnapshot, maxObjSize?: number): IncomingLargeObjects {
    if (snapshot.version !== 1) throw new LocalProtocolError(`a large-object snapshot of version ${String(snapshot.version)}: this code reads version 1`, 'wrong-state');
    const lo = new IncomingLargeObjects(maxObjSize);
    const p = snapshot.pending;
    if (p) {
      const items = itemsOf(p.first);
      const item = items?.[items.length - 1];
      if (!item) throw new LocalProtocolError('a large-object snapshot whose object has no item', 'wrong-state');
      lo.pending = { first: p.first as ItemCommand, item, declared: p.declared, parts: [p.data], bytes: p.bytes };
    }
    if (snapshot.orphan) lo.orphan = { ...snapshot.orphan };
    return lo;
  }

  get inProgress(): boolean {
    return this.pending !== undefined;
  }

  /** Drops a partly received object (session abort, or end of package without its last chunk). */
  discard(): Interrupted | undefined {
    const p = this.pending;
    this.pending = undefined;
    this.orphan = undefined;
    return p && this.interruption(p);
  }

  private orphanOf(command: SyncBodyCommand, item: Item): void {
    this.orphan = {
      kind: command.kind,
      ...(item.target ? { target: item.target.locURI } : {}),
      ...(item.source ? { source: item.source.locURI } : {}),
    };
  }

  private isOrphanChunk(command: SyncBodyCommand, items: Item[] | undefined): boolean {
    const o = this.orphan;
    const item = items?.length === 1 ? items[0]! : undefined;
    if (!o || !item) return false;
    return (
      command.kind === o.kind &&
      item.target?.locURI === o.target &&
      item.source?.locURI === o.source &&
      item.meta?.size === undefined &&
      metaOf(command)?.size === undefined
    );
  }

  /**
   * Takes the next command of a received message. Throws ProtocolError (with the
   * status to answer that command) for a chunk that breaks the rules; the object in
   * progress is then dropped.
   */
  accept(command: SyncBodyCommand): IncomingResult {
    const items = itemsOf(command);
    const p = this.pending;
    if (p) {
      const item = items?.length === 1 ? items[0]! : undefined;
      if (!item || !sameObject(p, command, item) || item.meta?.size !== undefined) {
        // A new command before the last chunk: the object is lost.
        this.pending = undefined;
        this.orphanOf(p.first, p.item);
        const interrupted = this.interruption(p);
        return { ...this.acceptFresh(command, items), interrupted };
      }
      return this.continueObject(p, command, item);
    }
    return this.acceptFresh(command, items);
  }

  private interruption(p: Pending): Interrupted {
    return {
      alert: AlertCode.NoEndOfData,
      ...(p.item.target ? { target: p.item.target.locURI } : {}),
      ...(p.item.source ? { source: p.item.source.locURI } : {}),
    };
  }

  private acceptFresh(command: SyncBodyCommand, items: Item[] | undefined): IncomingResult {
    if (this.isOrphanChunk(command, items)) {
      if (!items![0]!.moreData) this.orphan = undefined;
      throw new ProtocolError('a chunk of an object already refused or cut short', StatusCode.IncompleteCommand);
    }
    if (!items || items.length === 0) return { kind: 'command', command };
    items.forEach((item, i) => {
      if (item.moreData && i !== items.length - 1) {
        throw new ProtocolError(`<MoreData/> on item ${i + 1} of ${items.length}: only the last item of a command can be chunked`, StatusCode.BadRequest);
      }
    });
    const last = items[items.length - 1]!;
    if (!last.moreData) {
      for (const item of items) this.checkObjectSize(item.data === undefined ? 0 : utf8ByteLength(item.data), StatusCode.RequestEntityTooLarge);
      return { kind: 'command', command };
    }
    // From here on, a refusal of this first chunk makes its remaining chunks orphans.
    this.orphanOf(command, last);
    const sizeText = last.meta?.size ?? metaOf(command)?.size;
    if (sizeText === undefined) {
      throw new ProtocolError('the first chunk of a large object declares no Size', StatusCode.SizeRequired);
    }
    const declared = Number(sizeText.trim());
    if (!Number.isSafeInteger(declared) || declared < 0) {
      throw new ProtocolError(`Size "${sizeText}" is not a byte count`, StatusCode.BadRequest);
    }
    this.checkObjectSize(declared, StatusCode.RequestedSizeTooBig);
    const data = last.data ?? '';
    const p: Pending = { first: command as ItemCommand, item: last, declared, parts: [data], bytes: utf8ByteLength(data) };
    if (p.bytes > declared) throw new ProtocolError(`chunks already exceed the declared Size of ${declared} bytes`, StatusCode.SizeMismatch);
    this.orphan = undefined;
    this.pending = p;
    return { kind: 'buffered', command, status: StatusCode.ChunkedItemAccepted };
  }

  private continueObject(p: Pending, command: SyncBodyCommand, item: Item): IncomingResult {
    const data = item.data ?? '';
    p.bytes += utf8ByteLength(data);
    if (p.bytes > p.declared) {
      this.pending = undefined;
      if (item.moreData) this.orphanOf(command, item);
      throw new ProtocolError(`chunks exceed the declared Size of ${p.declared} bytes`, StatusCode.SizeMismatch);
    }
    p.parts.push(data);
    if (item.moreData) return { kind: 'buffered', command, status: StatusCode.ChunkedItemAccepted };
    this.pending = undefined;
    if (p.bytes !== p.declared) {
      throw new ProtocolError(`reassembled object has ${p.bytes} bytes, Size declared ${p.declared}`, StatusCode.SizeMismatch);
    }
    // The whole command: the first chunk's command and item, all the data, no MoreData.
    const whole: Item = { ...p.item, data: p.parts.join('') };
    delete whole.moreData;
    const firstItems = p.first.items;
    const wholeCommand = { ...p.first, items: [...firstItems.slice(0, -1), whole] } as SyncBodyCommand;
    return { kind: 'command', command: wholeCommand };
  }

  private checkObjectSize(bytes: number, status: number): void {
    if (this.maxObjSize !== undefined && bytes > this.maxObjSize) {
      throw new ProtocolError(`object of ${bytes} bytes is larger than our MaxObjSize of ${this.maxObjSize}`, status);
    }
  }
}

function metaOf(c: SyncBodyCommand): Meta | undefined {
  return (c as { meta?: Meta }).meta;
}
