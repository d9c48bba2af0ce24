/**
 * Exact sizes of messages being packed, in the encoding in use, from the generated
 * per-command size functions. XML is context-free: a message is its frame plus its
 * commands. WBXML threads the code page: a command's size depends on the page in force
 * before it, and so does the Final after the last one. Sizes for WBXML are those of the
 * inline-string form; the string table the encoder may choose only ever makes a message
 * smaller, so a message packed to these sizes always fits.
 */
import type { SyncBodyCommand, SyncML } from '../../generated/types.js';
import { encodeXmlString, xmlSyncBodyCommandSize } from '../../generated/xml-encoder.js';
import { wbxmlSize, wbxmlSyncBodyCommandSize } from '../../generated/wbxml-encoder.js';
import { utf8ByteLength } from '../runtime/utf8.js';

export type Encoding = 'xml' | 'wbxml';

/** Size of a message as it grows one command at a time. */
export class MessageSizer {
  /** Bytes of everything but the commands and Final. */
  readonly frame: number;
  private commandBytes = 0;
  private page = 0;

  /**
   * @param probe a complete message with exactly one command and no Final, with the
   *   header the packed message will have (its single command is measured and removed).
   */
  /** Bytes of Final when the page in force is 0. */
  private readonly finalBytes: number;

  constructor(
    readonly encoding: Encoding,
    probe: SyncML,
  ) {
    const only = probe.syncBody.commands[0];
    const plain = { ...probe, syncBody: { commands: probe.syncBody.commands } };
    const withFinal = { ...probe, syncBody: { commands: probe.syncBody.commands, final: true } };
    const measured = commandSize(encoding, only, 0);
    const plainSize = messageSize(encoding, plain);
    this.frame = plainSize - measured.size;
    this.finalBytes = messageSize(encoding, withFinal) - plainSize - switchCost(encoding, measured.page);
  }

  /** Size of the message with the commands added so far, with or without Final. */
  total(final: boolean): number {
    return this.frame + this.commandBytes + (final ? this.finalBytes + switchCost(this.encoding, this.page) : 0);
  }

  /** Size of a message with this frame and `command` alone in it (and Final). */
  totalAlone(command: SyncBodyCommand): number {
    const m = commandSize(this.encoding, command, 0);
    return this.frame + m.size + this.finalBytes + switchCost(this.encoding, m.page);
  }

  /** The last command measured by `cost`, and its measure (so `add` need not measure again). */
  private measured: { command: SyncBodyCommand; size: number; page: number } | undefined;

  /** What adding `command` would cost now. */
  cost(command: SyncBodyCommand): number {
    const m = commandSize(this.encoding, command, this.page);
    this.measured = { command, size: m.size, page: m.page };
    return m.size;
  }

  add(command: SyncBodyCommand): number {
    const m = this.measured?.command === command ? this.measured : commandSize(this.encoding, command, this.page);
    this.measured = undefined;
    this.commandBytes += m.size;
    this.page = m.page;
    return m.size;
  }
}

export function messageSize(encoding: Encoding, message: SyncML): number {
  return encoding === 'xml' ? utf8ByteLength(encodeXmlString(message)) : wbxmlSize(message, { strings: 'inline' });
}

export function commandSize(encoding: Encoding, command: SyncBodyCommand, page: number): { size: number; page: number } {
  return encoding === 'xml' ? { size: xmlSyncBodyCommandSize(command), page: 0 } : wbxmlSyncBodyCommandSize(command, page);
}

/** Bytes of the SWITCH_PAGE (token and page byte) needed to get back to page 0 in WBXML. */
function switchCost(encoding: Encoding, page: number): number {
  return encoding === 'wbxml' && page !== 0 ? 2 : 0;
}

/**
 * Bytes a piece of Data text costs inside an element: XML escapes `<`, `>`, `&` and CR;
 * WBXML carries UTF-8 inline.
 */
export function dataCost(encoding: Encoding, codePoint: number): number {
  const utf8 = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  if (encoding === 'wbxml') return utf8;
  if (codePoint === 0x3c || codePoint === 0x3e) return 4; // &lt; &gt;
  if (codePoint === 0x26 || codePoint === 0x0d) return 5; // &amp; &#13;
  return utf8;
}
