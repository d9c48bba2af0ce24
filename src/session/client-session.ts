/**
 * The client (device) side of a DM session (sans I/O). `start()` gives Package#1 (the
 * session Alert 1200/1201 and the DevInfo Replace, with Final); then for each message
 * of the server: `receive()`, answer every 'command' event with `answer()`, and
 * `reply()` gives the next message, or undefined when the session is over.
 *
 * What the client sends when (sections 6, 7, 9; the transitions are CLIENT_TABLE in
 * session-state.ts):
 * - Package#1 once, again in full when the server challenges it (9: revert to Package#1
 *   with the Alert and DevInfo and the credentials asked for), from its first command
 *   even if the challenge came while Package#1 was still going out in chunks;
 * - Package#1 holds only the session Alert, the Replace of DevInfo and Alerts (Generic
 *   Alerts, 6.7) after them: anything else is refused by `start()`;
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
import { SessionEndpoint, type EndpointConfig, type EndpointSnapshot, type Outgoing } from './endpoint.js';
import { restoreParts, type RestoreConfig } from './snapshot.js';
import type { Role } from './session-state.js';

export interface PackageOneInit {
  /** 1201 client-initiated (default), 1200 server-initiated (after a Package#0). */
  readonly alert?: number;
  /** The DevInfo nodes (./DevInfo/DevId, Man, Mod, DmV, Lang...) for the Replace. */
  readonly devInfo: readonly Item[];
  /** More commands for Package#1: Alerts only (Generic Alerts 1226, a Tree Change Alert...). */
  readonly extra?: readonly SyncBodyCommandDraft[];
}

/** Session alerts that open Package#1. */
const SESSION_ALERTS: readonly number[] = [AlertCode.ClientInitiatedSession, AlertCode.ServerInitiatedSession];
/** Where the DevInfo Replace of Package#1 may point (6). */
const DEVINFO = './DevInfo/';

export class ClientSession extends SessionEndpoint {
  protected readonly role: Role = 'client';
  private packageOneDrafts: SyncBodyCommandDraft[] = [];

  constructor(config: EndpointConfig) {
    super(config, 'idle');
  }

  /** Continues a session from `snapshot()` (plain data, e.g. read back from JSON). */
  static restore(snapshot: EndpointSnapshot, config: RestoreConfig): ClientSession {
    const parts = restoreParts(snapshot, config);
    const s = new ClientSession(parts.config);
    s.restoreFrom(snapshot, parts);
    s.packageOneDrafts = [...(snapshot.packageOne ?? [])];
    return s;
  }

  protected override packageOne(): readonly SyncBodyCommandDraft[] {
    return this.packageOneDrafts;
  }

  /** Package#1 (DM-PRO-Session-C-002/003/004). */
  start(init: PackageOneInit): Outgoing {
    if (this.state !== 'idle') throw new LocalProtocolError('the session has already started', 'wrong-state');
    const alert = init.alert ?? AlertCode.ClientInitiatedSession;
    if (!SESSION_ALERTS.includes(alert)) throw new LocalProtocolError(`Package#1 opens with Alert 1200 or 1201, not ${alert}`, 'wrong-state');
    for (const item of init.devInfo) {
      const uri = item.source?.locURI ?? item.target?.locURI ?? '';
      if (!uri.startsWith(DEVINFO)) throw new LocalProtocolError(`the DevInfo Replace of Package#1 carries ${JSON.stringify(uri)}, not a node under ${DEVINFO}`, 'wrong-state');
    }
    for (const d of init.extra ?? []) {
      const code = d.kind === 'Alert' ? Number(d.data ?? '') : undefined;
      if (code === undefined || SESSION_ALERTS.includes(code) || code === AlertCode.NextMessage || code === AlertCode.SessionAbort) {
        throw new LocalProtocolError(`Package#1 may hold, after the session Alert and DevInfo, only Alerts such as a Generic Alert (6.7), not <${d.kind}>${code !== undefined ? ` ${code}` : ''}`, 'wrong-state');
      }
    }
    this.packageOneDrafts = [
      { kind: 'Alert', data: String(alert), items: [] },
      { kind: 'Replace', items: [...init.devInfo] as [Item, ...Item[]] },
      ...(init.extra ?? []),
    ];
    return this.begin('start');
  }
}
