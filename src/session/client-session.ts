/**
 * The client (device) side of a DM session (sans I/O). `start()` gives Package#1 (the
 * session Alert 1200/1201 and the DevInfo Replace, with Final); then for each message
 * of the server: `receive()`, answer every 'command' event with `answer()`, and
 * `reply()` gives the next message, or undefined when the session is over.
 *
 * What the client sends when (sections 6, 7, 9):
 * - Package#1 once, again in full when the server challenges it (9: revert to Package#1
 *   with the Alert and DevInfo and the credentials asked for);
 * - while the server's package is not complete (a large object arriving), Statuses
 *   (213 per chunk) and Alert 1222, never Final (7.2: Final only after the server's);
 * - once the server's package is complete: its Statuses and Results, with Final on the
 *   message that empties them; if that package held no command, the session is over and
 *   nothing more is sent;
 * - a server's Alert 1223 ends the session at once; nothing is sent back (6.1.2).
 */
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import { AlertCode } from '../../generated/codes.js';
import type { Item } from '../../generated/types.js';
import { LocalProtocolError } from './errors.js';
import { SessionEndpoint, type EndpointConfig, type Outgoing } from './endpoint.js';

export interface PackageOneInit {
  /** 1201 client-initiated (default), 1200 server-initiated (after a Package#0). */
  readonly alert?: number;
  /** The DevInfo nodes (./DevInfo/DevId, Man, Mod, DmV, Lang...) for the Replace. */
  readonly devInfo: readonly Item[];
  /** More commands for Package#1 (Generic Alerts, a Tree Change Alert...). */
  readonly extra?: readonly SyncBodyCommandDraft[];
}

export class ClientSession extends SessionEndpoint {
  private packageOne: SyncBodyCommandDraft[] | undefined;

  constructor(config: EndpointConfig) {
    super(config);
  }

  /** Package#1 (DM-PRO-Session-C-002/003/004). */
  start(init: PackageOneInit): Outgoing {
    if (this.packageOne) throw new LocalProtocolError('the session has already started', 'wrong-state');
    const alert = init.alert ?? AlertCode.ClientInitiatedSession;
    this.packageOne = [
      { kind: 'Alert', data: String(alert), items: [] },
      { kind: 'Replace', items: [...init.devInfo] as [Item, ...Item[]] },
      ...(init.extra ?? []),
    ];
    for (const d of this.packageOne) this.send(d);
    return this.emit(true, true);
  }

  /** Challenged: Package#1 goes again, once the server's answer is complete. */
  private mustResend = false;

  /** The next message to send, or undefined when the session is over. */
  reply(): Outgoing | undefined {
    if (!this.mayReply()) return undefined;
    if (this.peerAborted) {
      this.phase = 'ended';
      return undefined;
    }
    if (this.challenged) {
      if (!this.config.prover || !this.packageOne) {
        // Challenged with no credentials to give: nothing more can be done.
        this.phase = 'ended';
        return undefined;
      }
      this.challenged = false;
      this.mustResend = true;
    }
    if (this.mustResend) {
      // The rest of the server's answer first (Alert 1222, with our credentials now).
      if (this.peerHasMore) return this.emit(false, false, false, true);
      // Revert to Package#1 with the credentials the server asked for.
      this.mustResend = false;
      for (const d of this.packageOne!) this.send(d);
      return this.emit(true, true);
    }
    if (this.peerHasMore) {
      // 8: 213 for each chunk and, having no command of our own to send, ask for more.
      return this.emit(false, false, false, true);
    }
    if (!this.peerSentCommands && !this.out.pendingCommands && !this.peerAsksForMore && !this.ourPackageOpen) {
      // The server's package held no command: the session is over.
      this.phase = 'ended';
      return undefined;
    }
    return this.emit(true, true);
  }
}
