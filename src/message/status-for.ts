/**
 * The Status that answers a received command or message header, with the references the
 * protocol asks for filled in: MsgRef (the message it came in), CmdRef (its CmdID, `0` for
 * the header), Cmd (its element name, `SyncHdr` for the header), TargetRef and SourceRef (the
 * LocURIs of its items, or of the header's Target and Source).
 */
import type { StatusInit } from '../../generated/builders.js';
import type { StatusCode } from '../../generated/codes.js';
import type { SyncBodyCommand, SyncHdr } from '../../generated/types.js';
import { LocalProtocolError } from '../session/errors.js';

/** A command as it was received: the MsgID of its message and the command (a session's `command` event has this shape). */
export interface Received {
  readonly msgRef: string;
  readonly command: SyncBodyCommand;
}

function isHeader(x: Received | SyncHdr): x is SyncHdr {
  return 'verDTD' in x;
}

/**
 * The StatusInit answering `received` (a command with the MsgID of its message, or the
 * SyncHdr of a received message) with `code`; `extra` adds Chal, Cred or Items. Give it to
 * MessageBuilder.status() or cmd.status(). A Status or Results takes no Status: a
 * LocalProtocolError, as is a code that is not a three-digit status code.
 */
export function statusFor(received: Received | SyncHdr, code: StatusCode | number, extra: Pick<Partial<StatusInit>, 'chal' | 'cred' | 'items'> = {}): StatusInit {
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    throw new LocalProtocolError(`a status code has three digits, not ${code}`, 'wrong-state');
  }
  const data = String(code);
  if (isHeader(received)) {
    return {
      msgRef: received.msgID,
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [received.target.locURI],
      sourceRefs: [received.source.locURI],
      ...extra,
      data,
      items: extra.items ?? [],
    };
  }
  const { command, msgRef } = received;
  if (command.kind === 'Status' || command.kind === 'Results') {
    throw new LocalProtocolError(`a ${command.kind} is never answered with a Status`, 'wrong-state');
  }
  const items = 'items' in command && Array.isArray(command.items) ? command.items : [];
  return {
    msgRef,
    cmdRef: command.cmdID,
    cmd: command.kind,
    targetRefs: items.flatMap((i) => (i.target ? [i.target.locURI] : [])),
    sourceRefs: items.flatMap((i) => (i.source ? [i.source.locURI] : [])),
    ...extra,
    data,
    items: extra.items ?? [],
  };
}
