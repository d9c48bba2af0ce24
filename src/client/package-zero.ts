/**
 * A Package#0 received by the device: read it, find the DM account of the server it names,
 * check its digest against that account's server credentials (SRVCRED secret and nonce),
 * and say which session to start (Alert 1200 with the notified session id).
 */
import { findAccount } from './objects/dmacc.js';
import type { ManagementTree } from './tree/tree.js';
import { NotificationError } from '../notification/errors.js';
import { parseTrigger, requestedSession, type RequestedSession, verifyTrigger } from '../notification/trigger.js';

/** Version fields read: 11 (sent by 1.1.2-era peers), 12 (DM 1.2), 13 (DM 1.3). */
const MIN_VERSION = 11;
const MAX_VERSION = 13;

export interface AcceptedNotification extends RequestedSession {
  /** The digest matched only the all-zero nonce: the server should send a new nonce. */
  readonly nonceReset: boolean;
  readonly vendor?: Uint8Array;
}

export function acceptNotification(bytes: Uint8Array, tree: ManagementTree): AcceptedNotification {
  const trigger = parseTrigger(bytes);
  const account = findAccount(tree, trigger.serverId);
  if (!account?.server) throw new NotificationError(`no DM account with server credentials for ${JSON.stringify(trigger.serverId)}`, 'unknown-server');
  if (trigger.version < MIN_VERSION || trigger.version > MAX_VERSION) {
    throw new NotificationError(`version ${trigger.version} is not one of ${MIN_VERSION}-${MAX_VERSION}`, 'bad-field', 'version');
  }
  const nonce = new Uint8Array(Buffer.from(account.server.nonce ?? '', 'base64'));
  const secret = { password: account.server.secret, nonce };
  // The digest names the server by its id; some peers use the SRVCRED AAuthName instead.
  let matched: 'stored' | 'zero' | undefined;
  let refusal: unknown;
  for (const identifier of [...new Set([trigger.serverId, account.server.name].filter((n) => n !== ''))]) {
    try {
      matched = verifyTrigger(trigger, secret, true, identifier);
      break;
    } catch (e) {
      refusal = e;
    }
  }
  if (matched === undefined) throw refusal;
  return { ...requestedSession(trigger), nonceReset: matched === 'zero', ...(trigger.vendor ? { vendor: trigger.vendor } : {}) };
}
