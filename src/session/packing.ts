/**
 * MaxMsgSize packing and large-object chunking of one outgoing package (sections 7, 8).
 *
 * Rules kept here, for both sides:
 * - no message is larger than the peer's MaxMsgSize, counted exactly in the encoding in
 *   use (header, statuses, commands, closing tags, Final);
 * - queued responses (statuses, results) go before new commands, in order, the Status
 *   for the peer's header first and, in a Next Message answer, Alert 1222 right after it;
 * - a command that fits in an empty message is never split: it waits for the next
 *   message (DM-PRO-LO-*-005/006: data that fits in one message is sent in one), unless
 *   no later message will ever have room for it whole beside the Statuses each exchange
 *   brings: then it is chunked rather than waited for;
 * - Atomic and Sequence fit whole in one message or are refused (section 7.1);
 * - an item too large for any message is chunked: Size (meta) on the first chunk only,
 *   MoreData on every chunk but the last, Meta and Item addressing repeated on each, and
 *   nothing else is packed between chunks, which go in contiguous messages;
 * - no object larger than the peer's MaxObjSize is sent, as the peer announced it last:
 *   what was queued under a larger one is withheld when a message is packed;
 * - Final only on the message that empties the package;
 * - a message after which what waits would never shrink is refused: LocalProtocolError
 *   'message-too-small', with the least size the next message needs. A message that
 *   moved nothing is only a suspect (fresh statuses may have filled it): the least
 *   exchanges that follow are played on a copy (see stalledNextTime) and decide;
 * - `next()` is all or nothing: a refusal leaves the package as it was;
 * - `snapshot()` / `restore()` save and continue the package as plain JSON data.
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
import { StatusCode } from '../../generated/codes.js';
import { isResponse, nestedCommands } from '../../generated/command-helpers.js';
import type { ElementName } from '../../generated/types.js';

/** The Cmd of a Status for an Alert (the peer's 1222, in the least exchange). */
const ALERT_CMD = 'Alert' satisfies ElementName;
/** The Cmd of the Status for a Get (which its Results follow). */
const GET_CMD: ElementName = 'Get';

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
  /**
   * What was queued but will never go, because the peer's MaxObjSize announced since it
   * was queued is smaller than one of its items (8: "MUST NOT send any single object
   * larger than this size"): commands, Results (the Status for their Get, when it still
   * waits, says 413 instead), or the large object being sent (the peer then gets no last
   * chunk and commits nothing). Empty when nothing was withheld.
   */
  readonly withheld: readonly SyncBodyCommandDraft[];
}

/**
 * Everything an OutgoingPackage holds, as plain JSON data (drafts are plain objects of
 * strings, numbers, booleans and arrays: no bytes, no class instances): what is queued,
 * the large object being sent in chunks (its draft and how much of its data went), and
 * the XML of the command the last message dropped, which the next one reuses.
 */
export interface OutgoingPackageSnapshot {
  readonly version: 1;
  readonly limits: PackingLimits;
  /** Messages packed so far. */
  readonly packed: number;
  /** Queued responses, in order, each with the count of messages packed when it was queued. */
  readonly responses: readonly { readonly draft: SyncBodyCommandDraft; readonly queuedAt?: number }[];
  /** The first response is the Status for the peer's header (Alert 1222 goes after it). */
  readonly leadingFirst: boolean;
  /** The Status for the peer's header, when it went already (the least exchange is played with it). */
  readonly leading?: SyncBodyCommandDraft;
  /** The last message carried a command (the peer answers it with a Status, not a 1222). */
  readonly carried?: true;
  /** Queued drafts to be chunked although they fit an empty message (no message will have room for them whole). */
  readonly mustSplit?: readonly { readonly queue: 'responses' | 'commands'; readonly index: number }[];
  readonly commands: readonly SyncBodyCommandDraft[];
  /**
   * The large object in progress: its draft (one item), the next code unit of its data to
   * send, and its size in UTF-8 bytes (absent in older snapshots: counted again on restore).
   */
  readonly chunk?: { readonly draft: SyncBodyCommandDraft; readonly offset: number; readonly fromResponses: boolean; readonly totalBytes?: number };
  /** The dropped command's XML, when it is the head of one of the queues (else it is simply written again). */
  readonly dropped?: { readonly queue: 'responses' | 'commands'; readonly cmdID: string; readonly text: string; readonly surplus: number };
  /** The peer's MaxObjSize went down: what is queued is checked again at the next message. */
  readonly recheckObjects?: true;
  /** Withheld for the peer's MaxObjSize, to be reported with the next message. */
  readonly withheld?: readonly SyncBodyCommandDraft[];
}

export interface PackingOptions {
  /**
   * Refuse (message-too-small) a message after which nothing that waits could ever go
   * (default true). Off, such a package is packed for ever, message after message, each
   * like the one before: for tests that show a refusal is true.
   */
  readonly refuseStalls?: boolean;
}

/** What `OutgoingPackage.restore` may change: the limits (the peer's, as the session knows them now). */
export interface OutgoingPackageRestoreOptions extends PackingOptions {
  readonly limits?: PackingLimits;
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
  for (const c of nestedCommands(d)) refuseGivenCmdIDs(c);
}

function isNotResponse(c: SyncBodyCommand): boolean {
  return !isResponse(c);
}

const NONE: readonly SyncBodyCommandDraft[] = Object.freeze([]);

/** Whether `draft`, or a command it nests, has an item larger than `max` bytes. */
function oversized(draft: SyncBodyCommandDraft, max: number): boolean {
  if (nestedCommands(draft).some((d) => oversized(d, max))) return true;
  return hasItems(draft) && draft.items.some((item) => item.data !== undefined && utf8ByteLength(item.data) > max);
}

/** `a` and `b` are one draft completed twice: the same fields, by reference. */
function sameButCmdID(a: SyncBodyCommand, b: SyncBodyCommand): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length || 'commands' in a) return false;
  return ka.every((k) => (a as unknown as Record<string, unknown>)[k] === (b as unknown as Record<string, unknown>)[k]);
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

  constructor(
    private limits: PackingLimits,
    /** See PackingOptions. */
    private readonly options: PackingOptions = {},
  ) {}

  /**
   * The package's state as plain data: `JSON.parse(JSON.stringify(snapshot()))` given to
   * `restore` packs the same bytes from then on as this package would. The drafts are
   * shared, not copied (they are never changed while queued).
   */
  snapshot(): OutgoingPackageSnapshot {
    const responses = this.responses.map((draft) => {
      const queuedAt = this.queuedBefore.get(draft);
      return queuedAt === undefined ? { draft } : { draft, queuedAt };
    });
    const chunk = this.chunk && { draft: this.chunk.draft, offset: this.chunk.offset, fromResponses: this.chunk.fromResponses, totalBytes: this.chunk.totalBytes };
    const dropped = this.droppedSnapshot();
    return {
      version: 1,
      limits: { ...this.limits },
      packed: this.packed,
      responses,
      leadingFirst: this.leading !== undefined && this.responses[0] === this.leading,
      ...(this.leading !== undefined && this.responses[0] !== this.leading ? { leading: this.leading } : {}),
      ...(this.carried ? { carried: true as const } : {}),
      ...(this.mustSplit.size > 0 ? { mustSplit: this.splitMarks() } : {}),
      commands: [...this.commands],
      ...(chunk ? { chunk } : {}),
      ...(dropped ? { dropped } : {}),
      ...(this.recheckObjects ? { recheckObjects: true as const } : {}),
      ...(this.withheld.length > 0 ? { withheld: [...this.withheld] } : {}),
    };
  }

  /** A package continuing where `snapshot` was taken (see `snapshot`). */
  static restore(snapshot: OutgoingPackageSnapshot, options: OutgoingPackageRestoreOptions = {}): OutgoingPackage {
    if (snapshot.version !== 1) throw new LocalProtocolError(`an outgoing package snapshot of version ${String(snapshot.version)}: this code reads version 1`, 'wrong-state');
    const out = new OutgoingPackage(snapshot.limits, options.refuseStalls === undefined ? {} : { refuseStalls: options.refuseStalls });
    out.recheckObjects = snapshot.recheckObjects === true;
    if (options.limits) out.updateLimits(options.limits);
    out.withheld.push(...(snapshot.withheld ?? []));
    out.packed = snapshot.packed;
    for (const { draft, queuedAt } of snapshot.responses) {
      out.responses.push(draft);
      if (queuedAt !== undefined) out.queuedBefore.set(draft, queuedAt);
    }
    out.leading = snapshot.leadingFirst ? out.responses[0] : snapshot.leading;
    out.carried = snapshot.carried === true;
    out.commands.push(...snapshot.commands);
    const c = snapshot.chunk;
    if (c) {
      if (!hasItems(c.draft) || c.draft.items.length !== 1 || typeof c.draft.items[0]!.data !== 'string') {
        throw new LocalProtocolError('an outgoing package snapshot whose large object is not a command with one item of data', 'wrong-state');
      }
      const data = c.draft.items[0]!.data;
      if (!Number.isSafeInteger(c.offset) || c.offset < 0 || c.offset > data.length) {
        throw new LocalProtocolError(`an outgoing package snapshot whose large object is sent up to ${c.offset} of ${data.length}`, 'wrong-state');
      }
      // The size is the snapshot's when it is a byte count (a restore per message of a large object would otherwise read it all again).
      const totalBytes = Number.isSafeInteger(c.totalBytes) && c.totalBytes! >= data.length && c.totalBytes! <= 3 * data.length ? c.totalBytes! : utf8ByteLength(data);
      out.chunk = { draft: c.draft, data, totalBytes, offset: c.offset, fromResponses: c.fromResponses };
    }
    const d = snapshot.dropped;
    const head = d && (d.queue === 'responses' ? out.responses[0] : out.commands[0]);
    if (d && head) {
      out.dropped.command = completeSyncBodyCommand(head, () => d.cmdID);
      out.dropped.text = d.text;
      out.dropped.surplus = d.surplus;
    }
    for (const m of snapshot.mustSplit ?? []) {
      const d = m.queue === 'responses' ? out.responses[m.index] : out.commands[m.index];
      if (d) out.mustSplit.add(d);
    }
    return out;
  }

  /** Where the drafts to be chunked stand in the queues. */
  private splitMarks(): { queue: 'responses' | 'commands'; index: number }[] {
    const marks: { queue: 'responses' | 'commands'; index: number }[] = [];
    this.responses.forEach((d, index) => this.mustSplit.has(d) && marks.push({ queue: 'responses', index }));
    this.commands.forEach((d, index) => this.mustSplit.has(d) && marks.push({ queue: 'commands', index }));
    return marks;
  }

  /** The dropped piece, when it is the XML of the head of a queue (the one command it can serve). */
  private droppedSnapshot(): OutgoingPackageSnapshot['dropped'] {
    const cmd = this.dropped.command;
    if (!cmd || this.dropped.text === '') return undefined;
    const heads: ['responses' | 'commands', SyncBodyCommandDraft | undefined][] = [
      ['responses', this.responses[0]],
      ['commands', this.commands[0]],
    ];
    for (const [queue, head] of heads) {
      if (head && sameButCmdID(completeSyncBodyCommand(head, () => cmd.cmdID), cmd)) {
        return { queue, cmdID: cmd.cmdID, text: this.dropped.text, surplus: this.dropped.surplus };
      }
    }
    return undefined;
  }

  /** The peer changed its limits (a new MaxMsgSize or MaxObjSize in its header). */
  updateLimits(limits: PackingLimits): void {
    const before = this.limits.maxObjSize;
    this.limits = limits;
    const now = limits.maxObjSize;
    if (now !== undefined && (before === undefined || now < before)) this.recheckObjects = true;
  }

  /** The peer's MaxObjSize went down since what is queued was checked against it. */
  private recheckObjects = false;
  /** Withheld and not yet reported by a message packed. */
  private readonly withheld: SyncBodyCommandDraft[] = [];

  /** Withholds (see PackedMessage.withheld) what is queued with an item over the peer's MaxObjSize as it stands. */
  private withholdOversized(): SyncBodyCommandDraft[] {
    this.recheckObjects = false;
    const max = this.limits.maxObjSize;
    if (max === undefined) return [];
    const withheld: SyncBodyCommandDraft[] = [];
    const over = (d: SyncBodyCommandDraft): boolean => oversized(d, max);
    for (let i = 0; i < this.commands.length; ) {
      if (over(this.commands[i]!)) withheld.push(...this.commands.splice(i, 1));
      else i++;
    }
    for (const d of withheld) this.mustSplit.delete(d);
    for (let i = 0; i < this.responses.length; ) {
      const d = this.responses[i]!;
      if (d.kind !== 'Results' || !over(d)) {
        i++;
        continue;
      }
      withheld.push(...this.responses.splice(i, 1));
      this.queuedBefore.delete(d);
      this.mustSplit.delete(d);
      // The Get's Status, if it still waits: 413 (the results are too large for the peer).
      const j = this.responses.findIndex((s) => s.kind === 'Status' && s.cmd === GET_CMD && s.msgRef === d.msgRef && s.cmdRef === d.cmdRef);
      if (j >= 0) {
        const s = this.responses[j]!;
        const refused = { ...s, data: String(StatusCode.RequestEntityTooLarge) } as SyncBodyCommandDraft;
        this.responses[j] = refused;
        const at = this.queuedBefore.get(s);
        this.queuedBefore.delete(s);
        if (at !== undefined) this.queuedBefore.set(refused, at);
        if (this.leading === s) this.leading = refused;
      }
    }
    if (this.chunk && this.chunk.totalBytes > max) {
      withheld.push(this.chunk.draft);
      this.chunk = undefined;
    }
    return withheld;
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
    for (const d of nestedCommands(draft)) this.checkObjectSizes(d);
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

  /** The responses still to go, in the order they would (an abort takes them: 6.1.2). */
  get queuedResponses(): readonly SyncBodyCommandDraft[] {
    return this.responses;
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
    // All or nothing: a refusal leaves the package as it was, so that it can be packed
    // again (e.g. once the peer announced a larger MaxMsgSize).
    const saved = this.saveState();
    try {
      return this.pack(header, mayEnd, withCommands, packagePerMessage, askForMore);
    } catch (e) {
      this.resetState(saved);
      throw e;
    }
  }

  /** What `pack` changes, to put back when it throws. */
  private saveState() {
    return {
      responses: [...this.responses],
      commands: [...this.commands],
      chunk: this.chunk,
      offset: this.chunk?.offset ?? 0,
      packed: this.packed,
      leading: this.leading,
      queuedBefore: [...this.queuedBefore],
      mustSplit: [...this.mustSplit],
      withheld: this.withheld.length,
      recheckObjects: this.recheckObjects,
      moved: this.moved,
      carried: this.carried,
      lastNeeded: this.lastNeeded,
    };
  }

  private resetState(s: ReturnType<OutgoingPackage['saveState']>): void {
    this.responses.splice(0, this.responses.length, ...s.responses);
    this.commands.splice(0, this.commands.length, ...s.commands);
    this.chunk = s.chunk;
    if (s.chunk) s.chunk.offset = s.offset;
    this.packed = s.packed;
    this.leading = s.leading;
    this.queuedBefore.clear();
    for (const [d, at] of s.queuedBefore) this.queuedBefore.set(d, at);
    this.mustSplit.clear();
    for (const d of s.mustSplit) this.mustSplit.add(d);
    this.withheld.length = s.withheld;
    this.recheckObjects = s.recheckObjects;
    this.moved = s.moved;
    this.carried = s.carried;
    this.lastNeeded = s.lastNeeded;
    // The dropped piece is a cache of the XML of a command measured: still right, but let go.
    this.dropped.command = undefined;
  }

  private pack(header: HeaderInit, mayEnd: boolean, withCommands: boolean, packagePerMessage: boolean, askForMore?: SyncBodyCommandDraft): PackedMessage {
    const { encoding, maxMsgSize } = this.limits;
    // The message is written as it is packed: its header now, each command when placed.
    const syncHdr = completeSyncHdr(header);
    const fill = new MessageFill(new MessageAssembler(encoding, syncHdr, maxMsgSize, this.dropped), maxMsgSize, this.ids);
    if (fill.room(true) <= 0) {
      // Any message needs the header, the closing tags and Final, and one byte more at least.
      const needed = fill.needed();
      throw new LocalProtocolError(`MaxMsgSize ${maxMsgSize} leaves no room for any command after the header (${needed - 1} bytes)`, 'message-too-small', { maxMsgSize, needed });
    }

    // The peer's MaxObjSize as it stands now binds what goes, not the one at send() (8).
    if (this.recheckObjects) this.withheld.push(...this.withholdOversized());
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
    // This message may be one that fresh responses filled (the first answer to a large
    // package of the peer's): refused only when the next exchange, which brings no more
    // than the peer's least message does, cannot make what waits shrink either.
    const stalled = !final && !fill.sentChunk && hadBacklog && this.freshItems() >= fill.oldItemsTaken;
    if (stalled && this.options.refuseStalls !== false) {
      this.carried = tookCommand;
      let needed = this.stalledNextTime(header, mayEnd, withCommands, packagePerMessage, askForMore);
      // What fits an empty message waits for one it fits (8), unless no message after
      // this one will ever have the room: then it goes in chunks, if that moves it.
      const head = needed === undefined ? undefined : this.splittableHead(withCommands);
      if (head) {
        this.mustSplit.add(head);
        needed = this.stalledNextTime(header, mayEnd, withCommands, packagePerMessage, askForMore);
        if (needed !== undefined) this.mustSplit.delete(head);
      }
      if (needed !== undefined) {
        throw new LocalProtocolError(
          `MaxMsgSize ${maxMsgSize} leaves no room for more than the statuses each exchange brings; the next message needs ${needed} bytes`,
          'message-too-small',
          { maxMsgSize, needed },
        );
      }
    }
    this.moved = tookCommand || fill.sentChunk;
    this.carried = tookCommand;
    this.lastNeeded = fill.needed();
    this.packed++;
    const body: SyncML['syncBody'] = { commands: commands as SyncML['syncBody']['commands'] };
    if (final) body.final = true;
    const bytes = fill.sizer.finish(final);
    return { message: { syncHdr, syncBody: body }, bytes, size: bytes.length, final, withheld: this.withheld.length === 0 ? NONE : this.withheld.splice(0) };
  }

  /**
   * Drafts that fit an empty message but will never fit one the least exchange leaves
   * room in (see `next`): they are chunked rather than waited for.
   */
  private readonly mustSplit = new Set<SyncBodyCommandDraft>();

  /** The first draft waiting that chunking could move: the first response with data, else the first command. */
  private splittableHead(withCommands: boolean): SyncBodyCommandDraft | undefined {
    const hasData = (d: SyncBodyCommandDraft | undefined): d is SyncBodyCommandDraft =>
      d !== undefined && !this.mustSplit.has(d) && hasItems(d) && d.items.some((i) => i.data !== undefined && i.data.length > 0);
    const response = this.responses.find((d) => hasItems(d) && d.items.length > 0);
    if (response) return hasData(response) ? response : undefined;
    if (this.chunk || !withCommands) return undefined;
    return hasData(this.commands[0]) ? this.commands[0] : undefined;
  }

  /** The last message packed carried a command or a chunk (see `stalledNextTime`). */
  private moved = true;
  /** The last message packed carried a command, which the peer answers with a Status. */
  private carried = false;

  /**
   * After a message that made nothing that waits shrink: plays, on a copy, the least
   * exchanges that follow (each of the peer's messages brings its header and an Alert
   * 1222, so we owe those two Statuses; what is left over is overdue by then). Responses
   * go in order, so once the first ones have gone every exchange is like the one before:
   * after as many exchanges as responses wait (and three more), either a command or a
   * chunk went, or the package ended, or none ever will. Returns, in that last case, the
   * size the message needed to take one thing more (a true refusal); else undefined.
   */
  private stalledNextTime(header: HeaderInit, mayEnd: boolean, withCommands: boolean, packagePerMessage: boolean, askForMore?: SyncBodyCommandDraft): number | undefined {
    const trial = OutgoingPackage.restore(this.snapshot(), { refuseStalls: false });
    trial.packed = this.packed + 1;
    const lead = this.leading;
    let needed: number | undefined;
    for (let round = 0; round < this.responses.length + 3; round++) {
      if (lead !== undefined && lead.kind === 'Status') {
        trial.respond(lead, true);
        // A message of ours with a command gets its Status back; one without, a 1222.
        if (!(round === 0 ? this.carried : trial.carried)) trial.respond({ kind: 'Status', msgRef: lead.msgRef, cmdRef: '1', cmd: ALERT_CMD, targetRefs: [], sourceRefs: [], data: String(StatusCode.Ok), items: [] });
      }
      let packed: PackedMessage;
      try {
        packed = trial.next(header, mayEnd, withCommands, packagePerMessage, askForMore);
      } catch (e) {
        if (e instanceof LocalProtocolError && e.shortfall) return e.shortfall.needed;
        throw e;
      }
      if (packed.final || trial.moved) return undefined;
      needed = trial.lastNeeded;
    }
    return needed;
  }

  /** The least size the last message packed needed to take one thing more. */
  private lastNeeded = 0;

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
        this.mustSplit.delete(draft);
        if (!fromResponses || this.overdue(draft)) fill.oldItemsTaken += itemWeight(draft);
        if (fromResponses) this.queuedBefore.delete(draft);
        continue;
      }
      const alone = fill.sizer.totalAloneOfLastCost();
      if (alone <= maxMsgSize && !this.mustSplit.has(draft)) {
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
        if (this.mustSplit.delete(draft)) for (const part of parts) this.mustSplit.add(part);
        queue.unshift(...parts);
        continue;
      }
      this.mustSplit.delete(draft);
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
