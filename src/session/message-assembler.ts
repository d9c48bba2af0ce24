/**
 * Builds the bytes of a message one command at a time, knowing its exact size at every
 * step, so packing encodes each command once and never encodes the message again.
 *
 * A message is its head (everything up to and including the SyncBody start), its
 * commands, and a tail (Final if any, then the closing tags): the generated encoders
 * write each part (encodeXmlMessageHead, xmlMessageTail; writeWbxmlMessageHead,
 * writeWbxmlMessageTail) exactly as they stand in the message they write whole. A command
 * is written tentatively (`cost`) and either kept (`add`) or dropped by the next `cost`.
 *
 * XML is context-free: a command's text is the same wherever it stands, and its UTF-8
 * size is its length plus the surplus the encoder counted while writing it. WBXML threads
 * the code page: a command written after a MetInf element left page 1 in force starts
 * with a SWITCH_PAGE, and so does a Final after it. WBXML messages are written with
 * inline strings only (no string table): a string table never makes a message larger,
 * so re-encoding `message` with `encodeWbxml` always fits as well.
 */
import type { SyncBodyCommand, SyncML } from '../../generated/types.js';
import { encodeSyncBodyCommandXml, encodeXmlMessageHead, xmlMessageTail, xmlSyncBodyCommandOpening } from '../../generated/xml-encoder.js';
import { writeSyncBodyCommandWbxml, writeWbxmlMessageHead, writeWbxmlMessageTail } from '../../generated/wbxml-encoder.js';
import { WBXML } from '../../generated/grammar.js';
import { findSyncBodyCommandIssue, locatedEncodeError } from '../../generated/encode-checks.js';
import { BytesSink, SizeSink, type SinkMark } from '../runtime/wbxml-writer.js';
import type { EncodeError } from '../runtime/errors.js';
import { encodeUtf8 } from '../runtime/utf8.js';
import type { Utf8Surplus } from '../runtime/xml-writer.js';
import type { Encoding } from './message-size.js';

/** Depth of a SyncBody member (SyncML 1, SyncBody 2). */
const COMMAND_DEPTH = 3;

/** Element path of the SyncBody (SyncML 1, SyncBody 2): where the commands stand. */
const BODY_PATH = '/SyncML/SyncBody';

/**
 * An EncodeError locating what is wrong in `command`, the `index`th (from 0) of its message and
 * the `nth` (from 1) of its kind there.
 */
function locate(error: unknown, command: SyncBodyCommand, index: number, nth: number): EncodeError {
  return locatedEncodeError(error, () => findSyncBodyCommandIssue(command, BODY_PATH, index, nth, COMMAND_DEPTH));
}

/** Bytes of the WBXML tail written after code page `page`, with or without Final (cached: two pages, two tails). */
const wbxmlTailSizes = new Map<number, number>();
function wbxmlTailBytes(page: number, final: boolean): number {
  const key = page * 2 + (final ? 1 : 0);
  let size = wbxmlTailSizes.get(key);
  if (size === undefined) {
    const sizer = new SizeSink(WBXML, undefined, page);
    writeWbxmlMessageTail(sizer, final);
    size = sizer.size;
    wbxmlTailSizes.set(key, size);
  }
  return size;
}

/** The encoding-specific half of the assembler. */
interface Pieces {
  /** Bytes of the head. */
  readonly headBytes: number;
  /** Writes `command` after those kept; returns its size. Replaces any tentative piece. */
  tentative(command: SyncBodyCommand): number;
  /** Keeps the tentative piece. */
  keep(): void;
  /** Drops the tentative piece, if any. */
  drop(): void;
  /** Bytes of the tail after the kept pieces, with or without Final. */
  tailBytes(final: boolean): number;
  /** Bytes of the tentative piece and the tail after it (with Final) in a message holding it alone. */
  aloneBytes(): number;
  finish(final: boolean): Uint8Array;
}

/**
 * The XML of the last command measured and dropped (it did not fit). The packer puts
 * that command first in the next message, the same but for its CmdID: its text is
 * reused with the CmdID swapped, rather than written again.
 */
export class DroppedPiece {
  command: SyncBodyCommand | undefined;
  text = '';
  surplus = 0;

  /** The XML of `command` from the dropped one, if it is that one renumbered; else undefined. */
  reuse(command: SyncBodyCommand): { text: string; surplus: number } | undefined {
    const old = this.command;
    if (!old || !renumbered(old, command)) return undefined;
    const before = xmlSyncBodyCommandOpening(old.kind, old.cmdID);
    const after = xmlSyncBodyCommandOpening(command.kind, command.cmdID);
    if (before === undefined || after === undefined || !this.text.startsWith(before)) return undefined;
    return { text: after + this.text.slice(before.length), surplus: this.surplus };
  }
}

const DIGITS = /^[0-9]+$/;

/** `b` is `a` with another CmdID (digits, as packing numbers them), and holds no nested command. */
function renumbered(a: SyncBodyCommand, b: SyncBodyCommand): boolean {
  // Cheap refusals first: this runs for every command measured.
  if (a.kind !== b.kind || (a as { items?: unknown }).items !== (b as { items?: unknown }).items || 'commands' in a) return false;
  if (!DIGITS.test(a.cmdID) || !DIGITS.test(b.cmdID)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (k !== 'cmdID' && (a as unknown as Record<string, unknown>)[k] !== (b as unknown as Record<string, unknown>)[k]) return false;
  return true;
}

class XmlPieces implements Pieces {
  readonly headBytes: number;
  private readonly head: string;
  /** The kept commands, as one string (a rope V8 flattens once, when it is encoded). */
  private kept = '';
  private pending: string | undefined;
  private pendingCommand: SyncBodyCommand | undefined;
  private pendingSurplus = 0;
  /** Where the encoder counts the UTF-8 surplus of what it writes. */
  private readonly count: Utf8Surplus = { surplus: 0 };

  constructor(
    syncHdr: SyncML['syncHdr'],
    private readonly dropped: DroppedPiece | undefined,
  ) {
    this.head = encodeXmlMessageHead(syncHdr, this.count); // (throws a located EncodeError)
    this.headBytes = this.head.length + this.count.surplus;
  }

  tentative(command: SyncBodyCommand): number {
    this.drop();
    const reused = this.dropped?.reuse(command);
    if (reused) {
      this.pending = reused.text;
      this.pendingSurplus = reused.surplus;
    } else {
      // The UTF-8 size from the text's length and what the encoder counted while writing it
      // (measuring the text apart would flatten and scan it once more).
      const before = this.count.surplus;
      this.pending = encodeSyncBodyCommandXml(command, COMMAND_DEPTH, this.count);
      this.pendingSurplus = this.count.surplus - before;
    }
    this.pendingCommand = command;
    return this.pending.length + this.pendingSurplus;
  }

  keep(): void {
    this.kept += this.pending!;
    this.pending = undefined;
    this.pendingCommand = undefined;
  }

  drop(): void {
    if (this.pending !== undefined && this.dropped) {
      this.dropped.command = this.pendingCommand;
      this.dropped.text = this.pending;
      this.dropped.surplus = this.pendingSurplus;
    }
    this.pending = undefined;
    this.pendingCommand = undefined;
  }

  tailBytes(final: boolean): number {
    return xmlMessageTail(final).length; // (ASCII)
  }

  aloneBytes(): number {
    return this.pending!.length + this.pendingSurplus + this.tailBytes(true);
  }

  finish(final: boolean): Uint8Array {
    this.drop();
    return encodeUtf8(this.head + this.kept + xmlMessageTail(final));
  }
}

class WbxmlPieces implements Pieces {
  readonly headBytes: number;
  private readonly sink: BytesSink;
  /** Where the tentative piece starts, if one is written. */
  private pendingFrom: SinkMark | undefined;
  private pendingCommand: SyncBodyCommand | undefined;
  /** Code page in force after the head. */
  private readonly headPage: number;
  /** Code page in force after the kept pieces. */
  private keptPage: number;

  constructor(syncHdr: SyncML['syncHdr'], capacity: number) {
    this.sink = new BytesSink(WBXML, undefined, capacity);
    writeWbxmlMessageHead(syncHdr, this.sink); // (throws a located EncodeError)
    this.headBytes = this.sink.length;
    this.headPage = this.sink.currentPage;
    this.keptPage = this.headPage;
  }

  tentative(command: SyncBodyCommand): number {
    this.drop();
    const from = this.sink.mark();
    this.pendingFrom = from;
    this.pendingCommand = command;
    writeSyncBodyCommandWbxml(command, this.sink, COMMAND_DEPTH);
    return this.sink.length - from.length;
  }

  keep(): void {
    this.pendingFrom = undefined;
    this.pendingCommand = undefined;
    this.keptPage = this.sink.currentPage;
  }

  drop(): void {
    if (this.pendingFrom) this.sink.rewind(this.pendingFrom);
    this.pendingFrom = undefined;
    this.pendingCommand = undefined;
  }

  tailBytes(final: boolean): number {
    return wbxmlTailBytes(this.keptPage, final);
  }

  aloneBytes(): number {
    // Alone, the command starts right after <SyncBody>, on the page the head leaves:
    // measured there, as it would be written.
    const sizer = new SizeSink(WBXML, undefined, this.headPage);
    writeSyncBodyCommandWbxml(this.pendingCommand!, sizer, COMMAND_DEPTH);
    return sizer.size + wbxmlTailBytes(sizer.currentPage, true);
  }


  finish(final: boolean): Uint8Array {
    this.drop();
    writeWbxmlMessageTail(this.sink, final);
    return this.sink.result();
  }
}

export class MessageAssembler {
  /** Bytes of everything but the commands and Final. */
  readonly frame: number;
  private readonly pieces: Pieces;
  private commandBytes = 0;
  /** Commands kept so far. */
  private count = 0;
  /** Commands kept so far of each kind (error paths name a command by its position among those of its kind). */
  private readonly kinds = new Map<string, number>();
  /** The command measured by the last `cost`, written but not kept yet, and its size. */
  private pendingCommand: SyncBodyCommand | undefined;
  private pendingSize = 0;
  private done = false;

  /**
   * @param syncHdr the header of the message being assembled.
   * @param capacity expected size in bytes (the peer's MaxMsgSize), to size the buffer once.
   * @param dropped where the XML of a command dropped at the end of one message waits for
   *   the next (shared by the messages of a package).
   */
  constructor(
    readonly encoding: Encoding,
    syncHdr: SyncML['syncHdr'],
    capacity = 1024,
    dropped?: DroppedPiece,
  ) {
    // WBXML: room for a full message and the command that will not fit in it, mostly.
    this.pieces = encoding === 'xml' ? new XmlPieces(syncHdr, dropped) : new WbxmlPieces(syncHdr, Math.min(capacity, 16 * 1024) + 512);
    this.frame = this.pieces.headBytes + this.pieces.tailBytes(false);
  }

  /** Size of the message with the commands added so far, with or without Final. */
  total(final: boolean): number {
    return this.pieces.headBytes + this.commandBytes + this.pieces.tailBytes(final);
  }

  /** What adding `command` would cost now (it is written, and kept if `add` follows). */
  cost(command: SyncBodyCommand): number {
    this.pendingCommand = undefined;
    let size: number;
    try {
      size = this.pieces.tentative(command);
    } catch (error) {
      this.pieces.drop();
      // (`command` may be no object at all: what the caller passed is not trusted here.)
      const kind = typeof command === 'object' && command !== null ? (command as { kind?: unknown }).kind : undefined;
      throw locate(error, command, this.count, (typeof kind === 'string' ? (this.kinds.get(kind) ?? 0) : 0) + 1);
    }
    this.pendingCommand = command;
    this.pendingSize = size;
    return size;
  }

  /**
   * Size of a message with this frame and `command` alone in it (and Final). Call right
   * after `cost(command)`: a command written after page 1 was in force carries a
   * SWITCH_PAGE it would not need alone, and a Final after it may need one.
   */
  totalAloneOfLastCost(): number {
    if (this.pendingCommand === undefined) throw new Error('MessageAssembler.totalAloneOfLastCost: nothing measured');
    return this.pieces.headBytes + this.pieces.aloneBytes();
  }

  /** Keeps `command` (written once: measured by the last `cost`, or now). */
  add(command: SyncBodyCommand): number {
    if (this.pendingCommand !== command) this.cost(command);
    const size = this.pendingSize;
    this.pieces.keep();
    this.pendingCommand = undefined;
    this.commandBytes += size;
    this.count++;
    this.kinds.set(command.kind, (this.kinds.get(command.kind) ?? 0) + 1);
    return size;
  }

  /** The bytes of the message with the commands kept, with or without Final. */
  finish(final: boolean): Uint8Array {
    if (this.done) throw new Error('MessageAssembler.finish: already finished');
    this.done = true;
    this.pendingCommand = undefined;
    return this.pieces.finish(final); // (which drops a tentative piece)
  }
}
