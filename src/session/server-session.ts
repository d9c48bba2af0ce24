/**
 * The server side of a DM session (sans I/O). For each message the client sends: call
 * `receive()`, act on its events (statuses, results, the client's commands such as
 * Alert 1201 and the DevInfo Replace, which `answer()` answers), queue management
 * commands with `send()`, then `reply()` gives the one message to answer with.
 *
 * When the server may send what (section 7.1, states 1 to 3):
 * - while the client's package is not complete, the answer is the "Next Message"
 *   response: Statuses (SyncHdr first) and Alert 1222, no commands, no Final;
 * - new commands go out only when the client's package is complete and every command
 *   we sent has its Status; a package of ours that spans messages (a large object)
 *   goes on whatever the client says in between;
 * - Final is on every message where possible (not while a large object is in progress,
 *   not in a Next Message response);
 * - a complete client package when we have nothing to send ends the session with a
 *   last message holding only Statuses and Final (if they need more than one message,
 *   the client asks for the rest with Alert 1222, and the last one ends it); not while
 *   the client still has to resend commands we refused for want of credentials.
 */
import { SessionEndpoint, type EndpointConfig, type Outgoing } from './endpoint.js';

export class ServerSession extends SessionEndpoint {
  constructor(config: EndpointConfig) {
    super(config);
  }

  /** The answer to the message just received, or undefined once the session has ended. */
  reply(): Outgoing | undefined {
    if (!this.mayReply()) return undefined;
    if (this.peerAborted || this.authFailed) {
      // 6.1.2: status for the Alert and the SyncHdr, no new commands. 9.1: only Statuses.
      this.out.dropCommands();
      const last = this.emit(true, false);
      this.phase = 'ended';
      return last;
    }
    if (!this.lastAuthenticated) {
      // 9.1: the answer to a message that failed authentication holds only Statuses; the
      // client sends its package again, with credentials.
      if (this.peerSentCommands) this.clientMustResend = true;
      return this.emit(true, false);
    }
    if (this.peerSentCommands) this.clientMustResend = false;
    if (this.peerHasMore && !this.ourPackageOpen) return this.emit(false, false, false, true);
    const mayCommand = this.ourPackageOpen || (!this.peerHasMore && this.awaitingStatus === 0);
    // A package per message (7.1): what does not fit waits for the statuses of this one.
    if (mayCommand && this.out.pendingCommands) return this.emit(true, true, true);
    // Nothing more to manage: the last message, once it carries the last Status (Final),
    // unless the client still owes the package we refused for want of credentials.
    const last = this.emit(true, false);
    if (last.message.syncBody.final && !this.clientMustResend) this.phase = 'ended';
    return last;
  }

  /** We answered client commands with 401/407: the client resends them authenticated. */
  private clientMustResend = false;
}
