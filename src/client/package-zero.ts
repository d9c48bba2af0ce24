/**
 * A Package#0 received by the device: read it, find the DM account of the server it names,
 * check its digest against that account's server credentials (SRVCRED secret and nonce),
 * and say which session to start (Alert 1200 with the notified session id).
 */
import { findAccount } from './objects/dmacc.js';
import type { ManagementTree } from './tree/tree.js';
import { NotificationError } from '../notification/errors.js';
import { parseTrigger, requestedSession, type RequestedSession, verifyTrigger } from '../notification/trigger.js';

export interface AcceptedNotification extends RequestedSession {
  /** The digest matched only the all-zero nonce: the server should send a new nonce. */
  readonly nonceReset: boolean;
  readonly vendor?: Uint8Array;
}

export function acceptNotification(bytes: Uint8Array, tree: ManagementTree): AcceptedNotification {
  const trigger = parseTrigger(bytes);
  const account = findAccount(tree, trigger.serverId);
  if (!account?.server) throw new NotificationError(`no DM account with server credentials for ${JSON.stringify(trigger.serverId)}`, 'unknown-server');
  const nonce = new Uint8Array(Buffer.from(account.server.nonce ?? '', 'base64'));
  const matched = verifyTrigger(trigger, { password: account.server.secret, nonce });
  return { ...requestedSession(trigger), nonceReset: matched === 'zero', ...(trigger.vendor ? { vendor: trigger.vendor } : {}) };
}
