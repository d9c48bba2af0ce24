/**
 * An answer outside any session: the device's message is not run, its SyncHdr and each of
 * its commands get `code` (a second session while one is live: 503; a message of a session
 * that is over: 408; a device locked out after failed authentications: 401 with the Chal
 * 9.1 asks for), and Final ends the exchange. It is written in the message's encoding.
 */
import { MessageBuilder, encodeWbxml, encodeXml } from '../../../generated/index.js';
import type { Chal, SyncML } from '../../../generated/types.js';
import { isResponse } from '../../../generated/command-helpers.js';
import { statusFor } from '../../message/status-for.js';
import type { Encoding } from '../../session/message-size.js';

export function refusalMessage(received: SyncML, code: number, encoding: Encoding, chal?: Chal): { message: SyncML; bytes: Uint8Array } {
  const hdr = received.syncHdr;
  const builder = new MessageBuilder({
    verProto: hdr.verProto.trim(),
    verDTD: hdr.verDTD.trim(),
    sessionID: hdr.sessionID.trim(),
    // One answer per message: the number of the message answered (a MsgID the device has
    // not had from us yet in this SessionID, so it is not taken for a resend).
    msgID: hdr.msgID.trim(),
    target: { locURI: hdr.source.locURI },
    source: { locURI: hdr.target.locURI },
  });
  builder.status(statusFor(hdr, code, chal ? { chal } : {}));
  if (hdr.noResp !== true) {
    for (const command of received.syncBody.commands) {
      if (isResponse(command) || ('noResp' in command && command.noResp === true)) continue;
      builder.status(statusFor({ msgRef: hdr.msgID, command }, code, chal ? { chal } : {}));
    }
  }
  const message = builder.final().build();
  return { message, bytes: encoding === 'xml' ? encodeXml(message) : encodeWbxml(message) };
}
