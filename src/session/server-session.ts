/**
 * The server side of a DM session (sans I/O). For each message the client sends: call
 * `receive()`, act on its events (statuses, results, the client's commands such as
 * Alert 1201 and the DevInfo Replace, which `answer()` answers), queue management
 * commands with `send()`, then `reply()` gives the one message to answer with.
 *
 * When the server may send what (section 7.1, states 1 to 3; the transitions are
 * SERVER_TABLE in session-state.ts):
 * - while the client's package is not complete, the answer is the "Next Message"
 *   response: Statuses (SyncHdr first) and Alert 1222, no commands, no Final, also when
 *   the message failed authentication (a challenge in the middle of a chunked Package#1);
 * - new commands go out only when the client's package is complete and every command
 *   we sent has its Status; a package of ours that spans messages (a large object)
 *   goes on whatever the client says in between;
 * - Final is on every message where possible (not while a large object is in progress,
 *   not in a Next Message response);
 * - a complete client package when we have nothing to send ends the session with a
 *   last message holding only Statuses and Final (if they need more than one message,
 *   the client asks for the rest with Alert 1222, and the last one ends it); not while
 *   the client still has to resend commands we refused for want of credentials;
 * - an abort of the client (1223) is answered with the Statuses for its SyncHdr and its
 *   Alert only, and ends the session.
 */
import { SessionEndpoint, type EndpointConfig, type EndpointSnapshot } from './endpoint.js';
import { restoreParts, type RestoreConfig } from './snapshot.js';
import type { Role } from './session-state.js';

export class ServerSession extends SessionEndpoint {
  protected readonly role: Role = 'server';

  constructor(config: EndpointConfig) {
    super(config, 'waiting');
  }

  /** Continues a session from `snapshot()` (plain data, e.g. read back from JSON): any process may serve its next message. */
  static restore(snapshot: EndpointSnapshot, config: RestoreConfig): ServerSession {
    const parts = restoreParts(snapshot, config);
    const s = new ServerSession(parts.config);
    s.restoreFrom(snapshot, parts);
    return s;
  }
}
