/**
 * Receiving large objects (section 8): chunks of one item are buffered until the chunk
 * without MoreData, then the command is handed on whole, never a part of it ("A command
 * on a chunked object MUST implicitly be treated as atomic").
 *
 * - every chunk but the last is answered 213 (chunked item accepted and buffered);
 * - the first chunk must declare the total Size (411 otherwise); a Size above our
 *   MaxObjSize is refused with 416, an unchunked item above it with 413;
 * - later chunks continue the object when they are the same command (for Results, the
 *   same MsgRef and CmdRef) with one item whose address is the first chunk's or left out:
 *   Meta and Item information SHOULD be repeated, so a chunk may repeat Meta, even Size
 *   (the same Size: it goes on; another: 424), or leave out Target; such a chunk never
 *   starts a new object, so a fragment is never taken for a whole one;
 * - on the last chunk the reassembled size must equal Size (424 otherwise: nothing is
 *   committed); buffering stops as soon as the data outgrows Size, so memory stays bounded;
 * - a new command (or another item) arriving before the last chunk ends the object with
 *   Alert 1225, naming its target/source, and nothing is committed; the new command is
 *   then read as usual;
 * - an Atomic or Sequence must fit entirely into one message (7.1), so an item with
 *   MoreData inside one can never be completed: the container is refused whole (Atomic
 *   507, Sequence 412, the chunked command 412, the others 215 not executed) and nothing
 *   in it reaches the application;
 * - the chunks still to come of an object refused or cut short are refused with 412
 *   (incomplete command), the last one included: they are never taken for whole commands.
 *
 * Nothing here throws for what the peer sent: every refusal is an outcome (`refused`)
 * with the Statuses to answer, so a caller can stage a whole message before taking it.
 */
import type { Command, Item, Meta, SyncBodyCommand } from '../../generated/types.js';
import { AlertCode, StatusCode } from '../../generated/codes.js';
import { utf8ByteLength } from '../runtime/utf8.js';
import { LocalProtocolError, ProtocolError } from './errors.js';

/** A SyncBody command that carries items. */
type ItemCommand = Extract<SyncBodyCommand, { items: Item[] }>;

export type IncomingResult =
  /** Not a chunk, or the whole object reassembled: handle it (its last item holds all the data). */
  | { readonly kind: 'command'; readonly command: SyncBodyCommand; readonly interrupted?: Interrupted }
  /** A chunk was buffered: answer the command with 213. */
  | { readonly kind: 'buffered'; readonly command: SyncBodyCommand; readonly status: number; readonly interrupted?: Interrupted }
  /**
   * The command breaks a rule of section 8 (or 7.1): answer with `statuses` (the command's
   * first, then those of the commands it nests), hand nothing on. `error.status` is the
   * command's own status.
   */
  | { readonly kind: 'refused'; readonly command: SyncBodyCommand; readonly error: ProtocolError; readonly statuses: readonly Refusal[]; readonly interrupted?: Interrupted };

/** A Status owed for a refused command, or for one nested in it. */
export interface Refusal {
  readonly command: Command;
  readonly status: number;
}

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

function itemsOf(c: SyncBodyCommand | Command): Item[] | undefined {
  const items = (c as { items?: unknown }).items;
  return Array.isArray(items) ? (items as Item[]) : undefined;
}

function nestedOf(c: SyncBodyCommand | Command): Command[] | undefined {
  const nested = (c as { commands?: unknown }).commands;
  return Array.isArray(nested) ? (nested as Command[]) : undefined;
}

/** The MsgRef and CmdRef of a Results (what ties its chunks together), else undefined. */
function refsOf(c: SyncBodyCommand): string | undefined {
  return c.kind === 'Results' ? `${(c.msgRef ?? '').trim()} ${c.cmdRef.trim()}` : undefined;
}

/** Same address, or left out on the later chunk (Item information SHOULD be repeated, not MUST). */
function sameAddress(first: { locURI: string } | undefined, later: { locURI: string } | undefined): boolean {
  return later === undefined || later.locURI === first?.locURI;
}

function sameObject(p: Pending, c: SyncBodyCommand, item: Item): boolean {
  return c.kind === p.first.kind && refsOf(c) === refsOf(p.first) && sameAddress(p.item.target, item.target) && sameAddress(p.item.source, item.source);
}

/** The Size a chunk declares, on its item's Meta or its command's. */
function sizeOf(c: SyncBodyCommand, item: Item): string | undefined {
  return item.meta?.size ?? metaOf(c)?.size;
}

/** Refused alone (no nested command). */
function refusal(command: SyncBodyCommand, message: string, status: number): Extract<IncomingResult, { kind: 'refused' }> {
  return { kind: 'refused', command, error: new ProtocolError(message, status), statuses: [{ command: command as Command, status }] };
}

/** The first item with MoreData inside a container, at any depth. */
function chunkedInside(c: SyncBodyCommand | Command): Command | undefined {
  for (const n of nestedOf(c) ?? []) {
    if (itemsOf(n)?.some((i) => i.moreData)) return n;
    const deeper = chunkedInside(n);
    if (deeper) return deeper;
  }
  return undefined;
}

/**
 * What IncomingLargeObjects holds, as plain JSON data: the object being received (its
 * first chunk's command, the data so far, as text, and its byte count), the address of
 * an object whose remaining chunks are refused, and how many objects were begun so far
 * (`started`, left out while 0): the pending one is the `started`-th, so whoever keeps
 * the data elsewhere can tell the next object from more of the same one.
 */
export interface IncomingLargeObjectsSnapshot {
  readonly version: 1;
  readonly pending?: { readonly first: SyncBodyCommand; readonly declared: number; readonly data: string; readonly bytes: number };
  readonly orphan?: { readonly kind: string; readonly refs?: string; readonly target?: string; readonly source?: string };
  readonly started?: number;
}

export class IncomingLargeObjects {
  private pending: Pending | undefined;
  /**
   * An object refused or cut short: its remaining chunks (same command, same address,
   * no Size) are orphans and are refused too, the last one included, so that no part of
   * it is ever committed as if it were whole.
   */
  private orphan: { readonly kind: string; readonly refs?: string; readonly target?: string; readonly source?: string } | undefined;
  /** Objects begun (first chunks buffered) so far: the pending one is the last of them. */
  private started = 0;

  /** @param maxObjSize our MaxObjSize, if we announced one */
  constructor(private readonly maxObjSize?: number) {}

  /** The state as plain data (see IncomingLargeObjectsSnapshot); `restore` continues from it. */
  snapshot(): IncomingLargeObjectsSnapshot {
    const p = this.pending;
    if (p && p.parts.length > 1) p.parts = [p.parts.join('')];
    return {
      version: 1,
      ...(p ? { pending: { first: withoutChunkData(p.first), declared: p.declared, data: p.parts[0] ?? '', bytes: p.bytes } } : {}),
      ...(this.orphan ? { orphan: { ...this.orphan } } : {}),
      ...(this.started > 0 ? { started: this.started } : {}),
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
    // Snapshots from before `started` was kept: at least the pending object was begun.
    lo.started = snapshot.started ?? (p ? 1 : 0);
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
    const refs = refsOf(command);
    this.orphan = {
      kind: command.kind,
      ...(refs !== undefined ? { refs } : {}),
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
      refsOf(command) === o.refs &&
      sameAddress(o.target === undefined ? undefined : { locURI: o.target }, item.target) &&
      sameAddress(o.source === undefined ? undefined : { locURI: o.source }, item.source) &&
      this.continues(command, item)
    );
  }

  /**
   * Whether a chunk at an orphan's address reads as a continuation rather than a new
   * object: it declares no Size, or it is a last chunk whose data is not the Size it
   * repeats (a fragment, which must never be taken for the whole object).
   */
  private continues(command: SyncBodyCommand, item: Item): boolean {
    const size = sizeOf(command, item);
    if (size === undefined) return true;
    return !item.moreData && byteCount(size) !== utf8ByteLength(item.data ?? '');
  }

  /**
   * Takes the next command of a received message (Results included). Never throws for
   * what the peer sent: a chunk that breaks the rules is `refused` (and the object in
   * progress, if it was one of its chunks, is dropped).
   */
  accept(command: SyncBodyCommand): IncomingResult {
    const items = itemsOf(command);
    const p = this.pending;
    if (p) {
      const item = items?.length === 1 ? items[0]! : undefined;
      if (!item || !sameObject(p, command, item)) {
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
      return refusal(command, 'a chunk of an object already refused or cut short', StatusCode.IncompleteCommand);
    }
    const nested = nestedOf(command);
    if (nested) return this.acceptContainer(command, nested);
    if (!items || items.length === 0) return { kind: 'command', command };
    const early = items.findIndex((item, i) => item.moreData && i !== items.length - 1);
    if (early >= 0) {
      return refusal(command, `<MoreData/> on item ${early + 1} of ${items.length}: only the last item of a command can be chunked`, StatusCode.BadRequest);
    }
    const last = items[items.length - 1]!;
    if (!last.moreData) {
      for (const item of items) {
        const bytes = item.data === undefined ? 0 : utf8ByteLength(item.data);
        if (this.tooLarge(bytes)) return refusal(command, this.tooLargeText(bytes), StatusCode.RequestEntityTooLarge);
      }
      return { kind: 'command', command };
    }
    // From here on, a refusal of this first chunk makes its remaining chunks orphans.
    this.orphanOf(command, last);
    const sizeText = sizeOf(command, last);
    if (sizeText === undefined) return refusal(command, 'the first chunk of a large object declares no Size', StatusCode.SizeRequired);
    const declared = byteCount(sizeText);
    if (declared === undefined) return refusal(command, `Size "${sizeText}" is not a byte count`, StatusCode.BadRequest);
    if (this.tooLarge(declared)) return refusal(command, this.tooLargeText(declared), StatusCode.RequestedSizeTooBig);
    const data = last.data ?? '';
    const bytes = utf8ByteLength(data);
    if (bytes > declared) return refusal(command, `chunks already exceed the declared Size of ${declared} bytes`, StatusCode.SizeMismatch);
    this.orphan = undefined;
    this.started++;
    this.pending = { first: command as ItemCommand, item: last, declared, parts: [data], bytes };
    return { kind: 'buffered', command, status: StatusCode.ChunkedItemAccepted };
  }

  /**
   * An Atomic or Sequence "must fit entirely into one message" (7.1): an item with
   * MoreData inside one could only be completed by a later message, so the container is
   * refused whole and its chunk's continuations are orphans.
   */
  private acceptContainer(command: SyncBodyCommand, nested: Command[]): IncomingResult {
    const chunked = chunkedInside(command);
    if (!chunked) return { kind: 'command', command };
    const item = itemsOf(chunked)!.find((i) => i.moreData)!;
    this.orphanOf(chunked as SyncBodyCommand, item);
    const own = command.kind === 'Atomic' ? StatusCode.AtomicFailed : StatusCode.IncompleteCommand;
    const statuses: Refusal[] = [{ command: command as Command, status: own }];
    const walk = (cs: Command[]): void => {
      for (const c of cs) {
        statuses.push({ command: c, status: c === chunked ? StatusCode.IncompleteCommand : StatusCode.NotExecuted });
        walk(nestedOf(c) ?? []);
      }
    };
    walk(nested);
    const error = new ProtocolError(`<${chunked.kind}> CmdID ${chunked.cmdID} inside <${command.kind}> carries <MoreData/>: an ${command.kind} must fit entirely into one message`, own);
    return { kind: 'refused', command, error, statuses };
  }

  private continueObject(p: Pending, command: SyncBodyCommand, item: Item): IncomingResult {
    const repeated = sizeOf(command, item);
    if (repeated !== undefined && byteCount(repeated) !== p.declared) {
      this.pending = undefined;
      if (item.moreData) this.orphanOf(p.first, p.item);
      return refusal(command, `a later chunk declares Size ${repeated}, the first ${p.declared}`, StatusCode.SizeMismatch);
    }
    const data = item.data ?? '';
    p.bytes += utf8ByteLength(data);
    if (p.bytes > p.declared) {
      this.pending = undefined;
      if (item.moreData) this.orphanOf(p.first, p.item);
      return refusal(command, `chunks exceed the declared Size of ${p.declared} bytes`, StatusCode.SizeMismatch);
    }
    p.parts.push(data);
    if (item.moreData) return { kind: 'buffered', command, status: StatusCode.ChunkedItemAccepted };
    this.pending = undefined;
    if (p.bytes !== p.declared) {
      return refusal(command, `reassembled object has ${p.bytes} bytes, Size declared ${p.declared}`, StatusCode.SizeMismatch);
    }
    // The whole command: the first chunk's command and item, all the data, no MoreData.
    const whole: Item = { ...p.item, data: p.parts.join('') };
    delete whole.moreData;
    const firstItems = p.first.items;
    const wholeCommand = { ...p.first, items: [...firstItems.slice(0, -1), whole] } as SyncBodyCommand;
    return { kind: 'command', command: wholeCommand };
  }

  private tooLarge(bytes: number): boolean {
    return this.maxObjSize !== undefined && bytes > this.maxObjSize;
  }

  private tooLargeText(bytes: number): string {
    return `object of ${bytes} bytes is larger than our MaxObjSize of ${String(this.maxObjSize)}`;
  }
}

/** The first chunk's command without its chunk's data (held once, with the rest, in the snapshot's `data`). */
function withoutChunkData(first: ItemCommand): SyncBodyCommand {
  const items = first.items;
  const last: Item = { ...items[items.length - 1]! };
  delete last.data;
  return { ...first, items: [...items.slice(0, -1), last] } as SyncBodyCommand;
}

/** A Size as a byte count, or undefined when it is not one. */
function byteCount(text: string): number | undefined {
  const t = text.trim();
  const n = Number(t);
  return /^[0-9]+$/.test(t) && Number.isSafeInteger(n) ? n : undefined;
}

function metaOf(c: SyncBodyCommand): Meta | undefined {
  return (c as { meta?: Meta }).meta;
}
