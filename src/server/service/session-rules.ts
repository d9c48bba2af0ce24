/**
 * Which session a message belongs to, decided in one place. The service reads the device's
 * live session (if any) and asks `placeMessage`; everything about one live session per
 * device, resends and stale messages is here.
 *
 * Rules
 * 1. A message opens a session when it is MsgID 1 and carries a session Alert (1201, or
 *    1200 after a Package#0). SessionIDs are compared as values: trimmed, hex digits in
 *    either case, leading zeros ignored (real clients write them in hex or decimal).
 * 2. A message whose MsgID and bytes are those of the last message read in the session it
 *    names (live, or the device's last ended one) is a resend: it gets the very same answer.
 * 3. A session whose expiry passed is ended (expired) before the message is placed.
 * 4. One live session per device: a message opening a session while another one with a
 *    different SessionID is live is refused (503, the other session is not touched). One
 *    opening a session with the live session's SessionID is the device starting over (it
 *    lost our answer to its Package#1, or it writes SessionID 1 for every session): the old
 *    one ends (failed, its sent jobs back to the queue) and the new one begins.
 *    But the very Package#1 that opened the live session, arriving again once the session
 *    went on, is an old message replayed (by the network or by someone else): refused
 *    with 400, the live session untouched.
 *    A live session not saved yet (its Package#1 is being served by another process right
 *    now) is waited for (`pending`), unless it was begun more than PENDING_MS ago: then
 *    the process that began it died, and the device starting over restarts it.
 * 5. A message that opens nothing and names no live session belongs to a session that is
 *    over (ended, expired, or never known): refused with 408, and nothing is begun.
 */
import { AlertCode } from '../../../generated/codes.js';
import type { SyncML } from '../../../generated/types.js';
import type { SessionRow } from '../store/types.js';
import type { StoredSession } from './stored-session.js';

export type Placement =
  | { readonly kind: 'begin' }
  | { readonly kind: 'continue' }
  /** Rule 2: answer with the stored last answer. */
  | { readonly kind: 'resend' }
  /** Rule 4, same SessionID: end the live session, then begin. */
  | { readonly kind: 'restart' }
  /** Rule 4: the live session's own Package#1 again, after it went on. */
  | { readonly kind: 'replayed' }
  /** Rule 4: another process is serving this session's Package#1: wait and place it again. */
  | { readonly kind: 'pending' }
  /** Rule 4: another session is live. */
  | { readonly kind: 'busy' }
  /** Rule 5. */
  | { readonly kind: 'over' };

/** How long a begun session may stay unsaved before it counts as abandoned (rule 4). */
export const PENDING_MS = 10_000;

/** The session alerts that open Package#1. */
const SESSION_ALERTS: readonly number[] = [AlertCode.ClientInitiatedSession, AlertCode.ServerInitiatedSession];

/** The session Alert code of a Package#1 (rule 1), or undefined when the message opens no session. */
export function openingAlert(message: SyncML): number | undefined {
  if (Number(message.syncHdr.msgID.trim()) !== 1) return undefined;
  for (const c of message.syncBody.commands) {
    if (c.kind !== 'Alert') continue;
    const code = Number((c.data ?? '').trim());
    if (SESSION_ALERTS.includes(code)) return code;
  }
  return undefined;
}

/** Rule 1: SessionIDs as values. */
export function sameSessionID(a: string, b: string): boolean {
  const x = a.trim();
  const y = b.trim();
  if (x === y) return true;
  const hex = /^[0-9a-f]+$/i;
  if (!hex.test(x) || !hex.test(y)) return false;
  const strip = (s: string) => s.replace(/^0+(?=.)/, '').toUpperCase();
  return strip(x) === strip(y);
}

/** Rule 2: is this message the last one read in `stored`? */
export function isResend(stored: StoredSession | undefined, message: SyncML, digest: string): boolean {
  const last = stored?.lastIn;
  return last !== undefined && stored?.endpoint.lastReply !== undefined && last.msgID === message.syncHdr.msgID.trim() && last.digest === digest;
}

export interface LiveView {
  readonly row: SessionRow;
  readonly stored: StoredSession | undefined;
}

/** Rules 1, 2, 4, 5 (rule 3 is applied before: `live` is not expired). */
export function placeMessage(live: LiveView | undefined, message: SyncML, digest: string, now: number): Placement {
  const opens = openingAlert(message) !== undefined;
  const hdr = message.syncHdr;
  if (live === undefined) return opens ? { kind: 'begin' } : { kind: 'over' };
  const same = sameSessionID(live.row.sessionId, hdr.sessionID);
  if (same && isResend(live.stored, message, digest)) return { kind: 'resend' };
  if (opens && same && live.stored?.firstIn === digest) return { kind: 'replayed' };
  if (same && live.stored === undefined && now - live.row.lastActivity < PENDING_MS) return { kind: 'pending' };
  if (opens) return same ? { kind: 'restart' } : { kind: 'busy' };
  if (!same || live.stored === undefined) return { kind: 'over' };
  return { kind: 'continue' };
}
