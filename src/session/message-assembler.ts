/**
 * Builds the bytes of a message one command at a time, knowing its exact size at every
 * step, so packing encodes each command once and never encodes the message again.
 *
 * A message is its head (everything up to and including the SyncBody start), its
 * commands, and a tail (Final if any, then the closing tags). The XML head is written by
 * the generated encodeXmlMessageHead; the WBXML head by writing the header with one
 * probe command into the message's buffer and cutting that command and the tail off.
 * The tails are the same for every message of an encoding, found once from a probe
 * (which also checks that head, command and tail make the message the encoders write).
 * A command is written tentatively (`cost`) and either kept (`add`) or dropped by the
 * next `cost`.
 *
 * XML is context-free: a command's text is the same wherever it stands. WBXML threads
 * the code page: a command written after a MetInf element left page 1 in force starts
 * with a SWITCH_PAGE, and so does a Final after it. WBXML messages are written with
 * inline strings only (no string table): a string table never makes a message larger,
 * so re-encoding `message` with `encodeWbxml` always fits as well.
 */
import type { SyncBodyCommand, SyncML } from '../../generated/types.js';
import { encodeSyncBodyCommandXml, encodeXmlMessageHead, encodeXmlString } from '../../generated/xml-encoder.js';
import { encodeWbxml, writeSyncBodyCommandWbxml, writeWbxmlInline } from '../../generated/wbxml-encoder.js';
import { WBXML } from '../../generated/grammar.js';
import { findSyncBodyCommandIssue, findSyncHdrIssue, locatedEncodeError } from '../../generated/encode-checks.js';
import { BytesSink, type SinkMark } from '../runtime/wbxml-writer.js';
import type { EncodeError } from '../runtime/errors.js';
import { encodeUtf8 } from '../runtime/utf8.js';
import { xmlUtf8Count } from '../runtime/xml-writer.js';
import type { Encoding } from './message-size.js';

/** The command every probe message carries (its encoding is cut off to find the head). */
const PROBE_COMMAND: SyncBodyCommand = { kind: 'Alert', cmdID: '1', data: '0', items: [] };

/** A message with `header`'s SyncHdr and the probe command only, with or without Final. */
function probeMessage(syncHdr: SyncML['syncHdr'], final: boolean): SyncML {
  return { syncHdr, syncBody: { commands: [PROBE_COMMAND], ...(final ? { final: true } : {}) } };
}

const FIXED_HEADER: SyncML['syncHdr'] = {
  verDTD: '1.2',
  verProto: 'DM/1.2',
  sessionID: '1',
  msgID: '1',
  target: { locURI: 't' },
  source: { locURI: 's' },
};

/** Whether `needle` stands in `haystack` at `at`. */
function startsAt(haystack: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at < 0 || at + needle.length > haystack.length) return false;
  for (let k = 0; k < needle.length; k++) if (haystack[at + k] !== needle[k]) return false;
  return true;
}

/** Where `needle` last occurs in `haystack`, or -1. */
function lastIndexOfBytes(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = haystack.length - needle.length; i >= 0; i--) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** The closing text of a message, without and with Final (markup only: ASCII, a byte a character). */
interface XmlFrame {
  readonly tail: string;
  readonly finalTail: string;
}

interface WbxmlFrame {
  readonly piece: Uint8Array;
  readonly tail: Uint8Array;
  /** Final and the closing tags, when code page 0 is in force before Final. */
  readonly finalTail: Uint8Array;
}

let xmlFrame: XmlFrame | undefined;
let wbxmlFrame: WbxmlFrame | undefined;

function xmlTails(): XmlFrame {
  if (xmlFrame) return xmlFrame;
  const piece = encodeSyncBodyCommandXml(PROBE_COMMAND);
  const whole = encodeXmlString(probeMessage(FIXED_HEADER, false));
  const head = encodeXmlMessageHead(FIXED_HEADER);
  // A message is its head, its commands and a tail: checked once, on a probe.
  if (!whole.startsWith(head + piece)) throw new Error('unreachable: the XML head is not where a message starts');
  const tail = whole.slice(head.length + piece.length);
  const finalTail = encodeXmlString(probeMessage(FIXED_HEADER, true)).slice(head.length + piece.length);
  if (!/^[\x20-\x7e]*$/.test(tail + finalTail)) throw new Error('unreachable: closing markup that is not ASCII');
  xmlFrame = { tail, finalTail };
  return xmlFrame;
}

function wbxmlTails(): WbxmlFrame {
  if (wbxmlFrame) return wbxmlFrame;
  const sink = new BytesSink(WBXML, undefined, 64);
  writeSyncBodyCommandWbxml(PROBE_COMMAND, sink);
  const piece = sink.result();
  const after = (m: Uint8Array): Uint8Array => m.slice(lastIndexOfBytes(m, piece) + piece.length);
  wbxmlFrame = {
    piece,
    tail: after(encodeWbxml(probeMessage(FIXED_HEADER, false), { strings: 'inline' })),
    finalTail: after(encodeWbxml(probeMessage(FIXED_HEADER, true), { strings: 'inline' })),
  };
  return wbxmlFrame;
}

/** An EncodeError locating what is wrong in `command`, the `index`th of its message. */
function locate(error: unknown, command: SyncBodyCommand, index: number): EncodeError {
  return locatedEncodeError(error, () => findSyncBodyCommandIssue(command, `syncBody.commands[${index}]`, 3));
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
  /** Code page in force after the kept pieces (always 0 in XML). */
  readonly page: number;
  /** Code page in force after the tentative piece. */
  readonly pageAfterTentative: number;
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
    const before = `<${old.kind}><CmdID>${old.cmdID}</CmdID>`;
    if (!this.text.startsWith(before)) return undefined;
    return { text: `<${command.kind}><CmdID>${command.cmdID}</CmdID>` + this.text.slice(before.length), surplus: this.surplus };
  }
}

const DIGITS = /^[0-9]+$/;

/** Read on every command measured: held here, not looked up through the module each time. */
const count = xmlUtf8Count;

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
  readonly page = 0;
  readonly pageAfterTentative = 0;
  private readonly head: string;
  /** The kept commands, as one string (a rope V8 flattens once, when it is encoded). */
  private kept = '';
  private pending: string | undefined;
  private pendingCommand: SyncBodyCommand | undefined;
  private pendingSurplus = 0;

  constructor(
    private readonly frame: XmlFrame,
    syncHdr: SyncML['syncHdr'],
    private readonly dropped: DroppedPiece | undefined,
  ) {
    const before = count.surplus;
    const head = encodeXmlMessageHead(syncHdr); // (throws a located EncodeError)
    this.head = head;
    this.headBytes = head.length + (count.surplus - before);
  }

  tentative(command: SyncBodyCommand): number {
    this.drop();
    const reused = this.dropped?.reuse(command);
    if (reused) {
      this.pending = reused.text;
      this.pendingSurplus = reused.surplus;
    } else {
      // The UTF-8 size from the text's length and what escapeText counted while writing it
      // (measuring the text apart would flatten and scan it once more).
      const before = count.surplus;
      this.pending = encodeSyncBodyCommandXml(command);
      this.pendingSurplus = count.surplus - before;
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

  finish(final: boolean): Uint8Array {
    this.drop();
    return encodeUtf8(this.head + this.kept + (final ? this.frame.finalTail : this.frame.tail));
  }
}

class WbxmlPieces implements Pieces {
  readonly headBytes: number;
  private readonly sink: BytesSink;
  /** Where the tentative piece starts, if one is written. */
  private pendingFrom: SinkMark | undefined;

  constructor(
    private readonly frame: WbxmlFrame,
    probe: SyncML,
    capacity: number,
  ) {
    // The probe is written into the message's own buffer, then cut back to its head.
    this.sink = new BytesSink(WBXML, undefined, capacity);
    try {
      writeWbxmlInline(probe, this.sink);
    } catch (error) {
      throw locatedEncodeError(error, () => findSyncHdrIssue(probe.syncHdr));
    }
    this.headBytes = this.sink.length - frame.piece.length - frame.tail.length;
    const page = this.sink.currentPage;
    if (page !== 0 || !startsAt(this.sink.view(), frame.piece, this.headBytes)) {
      throw new Error('unreachable: a probe message does not end with its command and tail');
    }
    this.sink.rewind({ length: this.headBytes, page });
  }

  get page(): number {
    return this.pendingFrom?.page ?? this.sink.currentPage;
  }

  get pageAfterTentative(): number {
    return this.sink.currentPage;
  }

  tentative(command: SyncBodyCommand): number {
    this.drop();
    const from = this.sink.mark();
    this.pendingFrom = from;
    writeSyncBodyCommandWbxml(command, this.sink);
    return this.sink.length - from.length;
  }

  keep(): void {
    this.pendingFrom = undefined;
  }

  drop(): void {
    if (this.pendingFrom) this.sink.rewind(this.pendingFrom);
    this.pendingFrom = undefined;
  }

  finish(final: boolean): Uint8Array {
    this.drop();
    if (final && this.sink.currentPage !== 0) {
      this.sink.byte(WBXML.SWITCH_PAGE);
      this.sink.byte(0);
    }
    this.sink.bytes(final ? this.frame.finalTail : this.frame.tail);
    return this.sink.result();
  }
}

/** Bytes of the SWITCH_PAGE (token and page byte) that gets back to page 0 in WBXML. */
function switchCost(encoding: Encoding, page: number): number {
  return encoding === 'wbxml' && page !== 0 ? 2 : 0;
}

export class MessageAssembler {
  /** Bytes of everything but the commands and Final. */
  readonly frame: number;
  private readonly pieces: Pieces;
  private readonly finalBytes: number;
  private commandBytes = 0;
  /** Commands kept so far. */
  private count = 0;
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
    private readonly syncHdr: SyncML['syncHdr'],
    capacity = 1024,
    dropped?: DroppedPiece,
  ) {
    if (encoding === 'xml') {
      const frame = xmlTails();
      this.pieces = new XmlPieces(frame, syncHdr, dropped);
      this.frame = this.pieces.headBytes + frame.tail.length;
      this.finalBytes = frame.finalTail.length - frame.tail.length;
    } else {
      const frame = wbxmlTails();
      // Room for a full message and the command that will not fit in it, mostly.
      this.pieces = new WbxmlPieces(frame, probeMessage(syncHdr, false), Math.min(capacity, 16 * 1024) + 512);
      this.frame = this.pieces.headBytes + frame.tail.length;
      this.finalBytes = frame.finalTail.length - frame.tail.length;
    }
  }

  /** Size of the message with the commands added so far, with or without Final. */
  total(final: boolean): number {
    return this.frame + this.commandBytes + (final ? this.finalBytes + switchCost(this.encoding, this.pieces.page) : 0);
  }

  /** What adding `command` would cost now (it is written, and kept if `add` follows). */
  cost(command: SyncBodyCommand): number {
    this.pendingCommand = undefined;
    let size: number;
    try {
      size = this.pieces.tentative(command);
    } catch (error) {
      this.pieces.drop();
      throw locate(error, command, this.count);
    }
    this.pendingCommand = command;
    this.pendingSize = size;
    return size;
  }

  /**
   * Size of a message with this frame and `command` alone in it (and Final). Call right
   * after `cost(command)`: a command written after page 1 was in force carries a
   * SWITCH_PAGE it would not need alone, and every command ends on the page of its
   * last element wherever it starts.
   */
  totalAloneOfLastCost(): number {
    if (this.pendingCommand === undefined) throw new Error('MessageAssembler.totalAloneOfLastCost: nothing measured');
    const size = this.pendingSize - switchCost(this.encoding, this.pieces.page);
    return this.frame + size + this.finalBytes + switchCost(this.encoding, this.pieces.pageAfterTentative);
  }

  /** Keeps `command` (written once: measured by the last `cost`, or now). */
  add(command: SyncBodyCommand): number {
    if (this.pendingCommand !== command) this.cost(command);
    const size = this.pendingSize;
    this.pieces.keep();
    this.pendingCommand = undefined;
    this.commandBytes += size;
    this.count++;
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
