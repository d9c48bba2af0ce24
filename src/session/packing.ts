/**
 * MaxMsgSize packing and large-object chunking of one outgoing package (sections 7, 8).
 *
 * Rules kept here, for both sides:
 * - no message is larger than the peer's MaxMsgSize, counted exactly in the encoding in
 *   use (header, statuses, commands, closing tags, Final);
 * - queued responses (statuses, results) go before new commands, in order, the Status
 *   for the peer's header first and, in a Next Message answer, Alert 1222 right after it;
 * - a command that fits in an empty message is never split: it waits for the next
 *   message (DM-PRO-LO-*-005/006: data that fits in one message is sent in one);
 * - Atomic and Sequence fit whole in one message or are refused (section 7.1);
 * - an item too large for any message is chunked: Size (meta) on the first chunk only,
 *   MoreData on every chunk but the last, Meta and Item addressing repeated on each, and
 *   nothing else is packed between chunks, which go in contiguous messages;
 * - no object larger than the peer's MaxObjSize is sent;
 * - Final only on the message that empties the package;
 * - a message that can carry nothing beyond the statuses each exchange brings (so what
 *   waits would never shrink) is refused: LocalProtocolError 'message-too-small', with
 *   the least size the next message needs.
 * Each command is written once, by a MessageAssembler, as it is placed: the message's
 * bytes come out with it.
 */
import type { HeaderInit, SyncBodyCommandDraft } from '../../generated/builders.js';
import { completeSyncBodyCommand, completeSyncHdr } from '../../generated/builders.js';
import type { Item, SyncBodyCommand, SyncML } from '../../generated/types.js';
import { utf8ByteLength } from '../runtime/utf8.js';
import { dataCost, type Encoding } from './message-size.js';
import { DroppedPiece, MessageAssembler } from './message-assembler.js';
import { LocalProtocolError } from './errors.js';

export interface PackingLimits {
  readonly encoding: Encoding;
  /** The peer's MaxMsgSize (bytes). */
  readonly maxMsgSize: number;
  /** The peer's MaxObjSize (bytes), if it sent one. */
  readonly maxObjSize?: number;
}

export interface PackedMessage {
  readonly message: SyncML;
  /**
   * The message encoded (WBXML with inline strings only: a string table could only make
   * it smaller), each command written once while packing.
   */
  readonly bytes: Uint8Array;
  /** `bytes.length`: never more than the peer's MaxMsgSize. */
  readonly size: number;
  /** The message carries Final: the package is complete. */
  readonly final: boolean;
}

/** A draft whose commands carry items (Add, Replace, Copy, Results, Alert, ...). */
type ItemDraft = SyncBodyCommandDraft & { items: Item[] };

interface ChunkState {
  readonly draft: ItemDraft;
  readonly data: string;
  readonly totalBytes: number;
  /** Next code unit of `data` to send. */
  offset: number;
  /** The object is a response (Results), which goes on even in a Next Message answer. */
  readonly fromResponses: boolean;
}

function hasItems(d: SyncBodyCommandDraft): d is ItemDraft {
  return Array.isArray((d as { items?: unknown }).items);
}

/** Items a draft carries, at least 1: what splitting it one item per command would give. */
function itemWeight(d: SyncBodyCommandDraft): number {
  return hasItems(d) ? Math.max(1, d.items.length) : 1;
}

/**
 * CmdIDs are unique within a message and the packer numbers each message from 1: one
 * set by the caller could clash with one it allocates (a message the peer answers 400).
 */
function refuseGivenCmdIDs(d: SyncBodyCommandDraft): void {
  if ((d as { cmdID?: string }).cmdID !== undefined) {
    throw new LocalProtocolError(`a <${d.kind}> given to send() has CmdID ${(d as { cmdID?: string }).cmdID}: leave it out, the session numbers the commands of each message`, 'cmdid-given');
  }
  for (const c of (d as { commands?: SyncBodyCommandDraft[] }).commands ?? []) refuseGivenCmdIDs(c);
}

function isNotResponse(c: SyncBodyCommand): boolean {
  return c.kind !== 'Status' && c.kind !== 'Results';
}

/**
 * CmdIDs of the message being filled, from a function made once per package (the
 * generated builders take a function; one made per message would cost more than it does).
 */
class CmdIds {
  /** Last CmdID handed out. */
  cursor = 0;
  readonly next = (): string => String(++this.cursor);
}

export class OutgoingPackage {
  private readonly responses: SyncBodyCommandDraft[] = [];
  private readonly commands: SyncBodyCommandDraft[] = [];
  private chunk: ChunkState | undefined;
  /** Messages packed so far. */
  private packed = 0;
  /** The command that did not fit the last message, written: the next one reuses it. */
  private readonly dropped = new DroppedPiece();
  private readonly ids = new CmdIds();
  /** The response queued with `first`, while it waits. */
  private leading: SyncBodyCommandDraft | undefined;
  /** Responses queued before the last message was packed (the backlog), by draft. */
  private readonly queuedBefore = new Map<SyncBodyCommandDraft, number>();

  constructor(private limits: PackingLimits) {}

  /** The peer changed its limits (a new MaxMsgSize or MaxObjSize in its header). */
  updateLimits(limits: PackingLimits): void {
    this.limits = limits;
  }

  /**
   * Queues a response (Status, Results, Alert 1222...): these go before any command, in
   * order; with `first` (the Status for the peer's header), before every other.
   */
  respond(draft: SyncBodyCommandDraft, first = false): void {
    this.queuedBefore.set(draft, this.packed);
    if (first) {
      this.responses.unshift(draft);
      this.leading = draft;
      return;
    }
    this.responses.push(draft);
  }

  /** Something this message may carry was waiting before it: commands, an object in progress, overdue responses. */
  private hasBacklog(withCommands: boolean): boolean {
    if (withCommands && this.commands.length > 0) return true;
    if (this.chunk !== undefined && (withCommands || this.chunk.fromResponses)) return true;
    for (const d of this.responses) if (this.overdue(d)) return true;
    return false;
  }

  /** Items of the responses queued since the last message was packed (by items, see itemWeight). */
  private freshItems(): number {
    let n = 0;
    for (const d of this.responses) if (!this.overdue(d)) n += itemWeight(d);
    return n;
  }

  /** Whether `draft` was queued before the last message was packed (it is overdue). */
  private overdue(draft: SyncBodyCommandDraft): boolean {
    return (this.queuedBefore.get(draft) ?? this.packed) < this.packed;
  }

  /**
   * Queues a command of this package. The draft is kept, not copied, until its last byte
   * is sent (a command written for one message may be reused for the next): do not
   * change it, or what it holds, after this call.
   */
  send(draft: SyncBodyCommandDraft): void {
    refuseGivenCmdIDs(draft);
    this.checkObjectSizes(draft);
    this.commands.push(draft);
  }

  /** Refuses (object-too-large) a draft with an item larger than the peer's MaxObjSize, which must never be sent (8). */
  checkObjectSizes(draft: SyncBodyCommandDraft): void {
    const max = this.limits.maxObjSize;
    if (max === undefined) return;
    const nested = (draft as { commands?: SyncBodyCommandDraft[] }).commands;
    if (nested) for (const d of nested) this.checkObjectSizes(d);
    if (!hasItems(draft)) return;
    for (const item of draft.items) {
      const bytes = item.data === undefined ? 0 : utf8ByteLength(item.data);
      if (bytes > max) {
        throw new LocalProtocolError(`an item of ${bytes} bytes is larger than the peer's MaxObjSize of ${max}`, 'object-too-large');
      }
    }
  }

  /** Something is left to send. */
  get pending(): boolean {
    return this.responses.length > 0 || this.commands.length > 0 || this.chunk !== undefined;
  }

  /** A large object is partly sent: the next message must carry its next chunk. */
  get chunking(): boolean {
    return this.chunk !== undefined;
  }

  /** Commands (not responses) are queued or partly sent. */
  get pendingCommands(): boolean {
    return this.commands.length > 0 || this.chunk !== undefined;
  }

  /** Responses are queued. */
  get pendingResponses(): boolean {
    return this.responses.length > 0;
  }

  /** Drops the queued commands and any partly sent object; responses stay (session abort). */
  dropCommands(): void {
    this.commands.length = 0;
    this.chunk = undefined;
  }

  /**
   * Packs the next message of the package under `header`. With `mayEnd` false (the
   * other side has not closed its package yet), Final is never set. With
   * `withCommands` false only responses go out (a "Next Message" answer). With
   * `packagePerMessage` (the server, 7.1), a message that holds every response ends the
   * package with Final even when commands remain: they wait for the next package,
   * unless a large object is in progress. `askForMore` (Alert 1222) goes right after the
   * Status for the peer's header, before any other response: without it the peer would
   * take a message that is not final for the first of a package of ours, and both sides
   * would wait for the other's next message.
   */
  next(header: HeaderInit, mayEnd = true, withCommands = true, packagePerMessage = false, askForMore?: SyncBodyCommandDraft): PackedMessage {
    const { encoding, maxMsgSize } = this.limits;
    // The message is written as it is packed: its header now, each command when placed.
    const syncHdr = completeSyncHdr(header);
    const fill = new MessageFill(new MessageAssembler(encoding, syncHdr, maxMsgSize, this.dropped), maxMsgSize, this.ids);
    if (fill.room(true) <= 0) {
      // Any message needs the header, the closing tags and Final, and one byte more at least.
      const needed = fill.needed();
      throw new LocalProtocolError(`MaxMsgSize ${maxMsgSize} leaves no room for any command after the header (${needed - 1} bytes)`, 'message-too-small', { maxMsgSize, needed });
    }

    const hadBacklog = this.hasBacklog(withCommands);
    // Order within a message: responses without items (statuses, alerts); then the large
    // object in progress, if any (statuses between its chunks are allowed, new items are
    // not: 8); then the other responses (results) and, with `withCommands`, new commands.
    if (askForMore) {
      this.queuedBefore.set(askForMore, this.packed);
      this.responses.splice(this.leading !== undefined && this.responses[0] === this.leading ? 1 : 0, 0, askForMore);
    }
    this.place(fill, this.responses, true, true);
    if (askForMore && this.responses.includes(askForMore)) {
      this.responses.splice(this.responses.indexOf(askForMore), 1);
      this.queuedBefore.delete(askForMore);
      const needed = fill.needed();
      throw new LocalProtocolError(`MaxMsgSize ${maxMsgSize} cannot hold the Status for the header and Alert 1222 (${needed} bytes)`, 'message-too-small', { maxMsgSize, needed });
    }
    if (!fill.full && this.chunk && (withCommands || this.chunk.fromResponses)) {
      fill.full = this.packChunk(fill) !== 'done';
    }
    if (!this.chunk) {
      this.place(fill, this.responses, true, false);
      if (withCommands) this.place(fill, this.commands, false, false);
    }
    const commands = fill.commands;
    if (commands.length === 0) {
      throw new LocalProtocolError(withCommands ? 'nothing to send: the package is empty' : 'nothing to send: no responses are queued', 'empty-message');
    }
    // With a package per message, commands left over wait for the next package; but a
    // message that ended a package with commands pending and nothing in it for the peer
    // to answer would end the session for the peer, so it leaves the package open instead.
    const tookCommand = commands.some(isNotResponse);
    const responsesDone = this.responses.length === 0 && !(this.chunk?.fromResponses ?? false);
    const final =
      mayEnd &&
      (!withCommands
        ? responsesDone // only responses go out: queued commands do not keep the package open
        : packagePerMessage
          ? responsesDone && this.chunk === undefined && (this.commands.length === 0 || tookCommand)
          : !this.pending);
    // Every exchange brings new statuses to send back (for the peer's header, its Alert
    // 1222). When a message cannot carry more than those, what was already waiting never
    // shrinks, and each message would be followed by another like it, for ever.
    // (What waits grows by the fresh responses left behind and shrinks by the older things
    // that went: counted by items, so that splitting a command changes nothing.)
    if (!final && !fill.sentChunk && hadBacklog && this.freshItems() >= fill.oldItemsTaken) {
      const needed = fill.needed();
      throw new LocalProtocolError(
        `MaxMsgSize ${maxMsgSize} leaves no room for more than the statuses each exchange brings; the next message needs ${needed} bytes`,
        'message-too-small',
        { maxMsgSize, needed },
      );
    }
    this.packed++;
    const body: SyncML['syncBody'] = { commands: commands as SyncML['syncBody']['commands'] };
    if (final) body.final = true;
    const bytes = fill.sizer.finish(final);
    return { message: { syncHdr, syncBody: body }, bytes, size: bytes.length, final };
  }

  /**
   * Places commands of `queue` while they fit (with room for Final, so the last message
   * can always carry it). A command that fits an empty message waits for the next one;
   * one too large for any message is split: its items apart, then its one item's data
   * in chunks. With `itemless`, stops at the first command that carries items.
   */
  private place(fill: MessageFill, queue: SyncBodyCommandDraft[], fromResponses: boolean, itemless: boolean): void {
    const maxMsgSize = this.limits.maxMsgSize;
    while (!fill.full && queue.length > 0) {
      const draft = queue[0]!;
      if (itemless && hasItems(draft) && draft.items.length > 0) return;
      const cmd = fill.complete(draft);
      const cost = fill.sizer.cost(cmd);
      if (cost <= fill.room(true)) {
        fill.take(cmd);
        queue.shift();
        if (!fromResponses || this.overdue(draft)) fill.oldItemsTaken += itemWeight(draft);
        if (fromResponses) this.queuedBefore.delete(draft);
        continue;
      }
      const alone = fill.sizer.totalAloneOfLastCost();
      if (alone <= maxMsgSize) {
        if (fill.commands.length === 0) throw new Error('unreachable: a command that fits alone did not fit an empty message');
        fill.full = true;
        fill.wanted ??= fill.sizer.total(true) + cost;
        return;
      }
      // Too large for any message: split it.
      queue.shift();
      const queuedAt = this.queuedBefore.get(draft);
      this.queuedBefore.delete(draft);
      if (hasItems(draft) && draft.items.length > 1) {
        const parts = draft.items.map((item) => ({ ...draft, items: [item] }) as SyncBodyCommandDraft);
        if (queuedAt !== undefined) for (const part of parts) this.queuedBefore.set(part, queuedAt);
        queue.unshift(...parts);
        continue;
      }
      const item = hasItems(draft) ? draft.items[0] : undefined;
      if (!item || item.data === undefined || item.data.length === 0) {
        throw new LocalProtocolError(`a <${draft.kind}> of ${alone} bytes alone in a message is larger than MaxMsgSize ${maxMsgSize} and cannot be split`, 'command-too-large', { maxMsgSize, needed: alone });
      }
      this.chunk = { draft: draft as ItemDraft, data: item.data, totalBytes: utf8ByteLength(item.data), offset: 0, fromResponses };
      const placed = this.packChunk(fill);
      if (placed === 'none') {
        // No room for its first chunk here: the object starts the next message.
        this.chunk = undefined;
        queue.unshift(draft);
        if (queuedAt !== undefined) this.queuedBefore.set(draft, queuedAt);
      }
      fill.full = placed !== 'done';
    }
  }

  /**
   * Packs as much of the current large object as fits: `done` when its last chunk went
   * into this message (the message may take more), `partial` when a chunk went in and the
   * message is full, `none` when not even one character fitted.
   */
  private packChunk(fill: MessageFill): 'done' | 'partial' | 'none' {
    const state = this.chunk!;
    const enc = this.limits.encoding;
    const first = state.offset === 0;
    const chunkDraft = (text: string, last: boolean): SyncBodyCommandDraft => {
      const item = state.draft.items[0]! as Item; // (a draft may hold ItemInits: completed again with the chunk)
      const meta = { ...(item.meta ?? { emis: [] }) };
      delete (meta as { size?: string }).size;
      if (first) meta.size = String(state.totalBytes);
      const hasMeta = first || item.meta !== undefined;
      const chunkItem: Item = { ...item, data: text };
      delete chunkItem.meta;
      delete chunkItem.moreData;
      const ordered: Item = {
        ...(chunkItem.target ? { target: chunkItem.target } : {}),
        ...(chunkItem.source ? { source: chunkItem.source } : {}),
        ...(chunkItem.sourceParent ? { sourceParent: chunkItem.sourceParent } : {}),
        ...(chunkItem.targetParent ? { targetParent: chunkItem.targetParent } : {}),
        ...(hasMeta ? { meta } : {}),
        data: text,
        ...(last ? {} : { moreData: true }),
      };
      return { ...state.draft, items: [ordered] } as SyncBodyCommandDraft;
    };
    // Data cost is additive (escaped characters in XML, UTF-8 bytes inline in WBXML), so
    // one scan finds both whether the rest fits as the last chunk and the largest prefix
    // that fits with MoreData; the remainder is never encoded to find out.
    const lastOverhead = fill.sizer.cost(fill.complete(chunkDraft('', true)));
    const moreOverhead = fill.sizer.cost(fill.complete(chunkDraft('', false)));
    const lastBudget = fill.room(true) - lastOverhead;
    const moreBudget = fill.room(false) - moreOverhead;
    let end = state.offset;
    let spent = 0;
    let fitsAsLast = lastBudget >= 0;
    const limit = Math.max(lastBudget, moreBudget);
    while (end < state.data.length) {
      const cp = state.data.codePointAt(end)!;
      spent += dataCost(enc, cp);
      if (spent > limit) {
        fitsAsLast = false;
        break;
      }
      if (spent > lastBudget) fitsAsLast = false;
      end += cp > 0xffff ? 2 : 1;
    }
    if (fitsAsLast && end === state.data.length) {
      fill.take(fill.complete(chunkDraft(state.data.slice(state.offset), true)));
      fill.sentChunk = true;
      this.chunk = undefined;
      return 'done';
    }
    // The largest prefix that fits with MoreData (a chunk that is not last leaves Final out).
    end = state.offset;
    spent = 0;
    while (end < state.data.length) {
      const cp = state.data.codePointAt(end)!;
      const cost = dataCost(enc, cp);
      if (spent + cost > moreBudget) break;
      spent += cost;
      end += cp > 0xffff ? 2 : 1;
    }
    if (end === state.offset) {
      if (fill.sizer.total(false) === fill.sizer.frame) {
        // The smallest chunk: its frame and one character of data (MoreData, no Final).
        const needed = this.limits.maxMsgSize - moreBudget + dataCost(enc, state.data.codePointAt(state.offset)!);
        throw new LocalProtocolError(`MaxMsgSize ${this.limits.maxMsgSize} leaves no room for a single character of data (a chunk needs ${needed} bytes)`, 'message-too-small', { maxMsgSize: this.limits.maxMsgSize, needed });
      }
      // No room left here: the next message starts with this chunk.
      fill.wanted ??= this.limits.maxMsgSize - moreBudget + dataCost(enc, state.data.codePointAt(state.offset)!);
      return 'none';
    }
    fill.take(fill.complete(chunkDraft(state.data.slice(state.offset, end), false)));
    fill.sentChunk = true;
    state.offset = end;
    return 'partial';
  }
}

/**
 * One message being filled: its assembler, the commands taken so far, and the CmdIDs
 * they used (numbered from 1 in each message, a container before its children).
 */
class MessageFill {
  readonly commands: SyncBodyCommand[] = [];
  /** No more commands go in (one waits that would not fit). */
  full = false;
  /** A chunk of a large object went in (the object got smaller). */
  sentChunk = false;
  /** Items of what went in that was waiting before this message: commands, overdue responses. */
  oldItemsTaken = 0;
  /** Size of the message with the first thing that did not fit, if one did not. */
  wanted: number | undefined;
  /** Last CmdID taken by a command in the message. */
  private lastId = 0;
  private lastCompleted: SyncBodyCommand | undefined;

  constructor(
    readonly sizer: MessageAssembler,
    private readonly maxMsgSize: number,
    /** Its cursor is the last CmdID used by the last completed command (taken or not). */
    private readonly ids: CmdIds,
  ) {
    ids.cursor = 0;
  }

  /**
   * The least size the next message needs (for a refusal): the message with the first
   * thing that did not fit, or, when nothing was turned away, one byte more than this one.
   */
  needed(): number {
    return this.wanted ?? this.sizer.total(true) + 1;
  }

  /** Bytes left, keeping room for Final or not. */
  room(final: boolean): number {
    return this.maxMsgSize - this.sizer.total(final);
  }

  /** The typed command of `draft`, numbered from the next free CmdID (not taken yet). */
  complete(draft: SyncBodyCommandDraft): SyncBodyCommand {
    this.ids.cursor = this.lastId;
    this.lastCompleted = completeSyncBodyCommand(draft, this.ids.next);
    return this.lastCompleted;
  }

  /** Puts `cmd`, the last completed command, into the message. */
  take(cmd: SyncBodyCommand): void {
    if (cmd !== this.lastCompleted) throw new Error('unreachable: only the last completed command can be taken');
    this.commands.push(cmd);
    this.sizer.add(cmd);
    this.lastId = this.ids.cursor;
  }
}
