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
 *    lost our answer to its Package#1, or it writes SessionID 1 for every session), or
 *    someone else writing the device's id: it must prove itself first (`provesItself`:
 *    its credentials judged by a verifier of its own, nothing stored, no nonce issued).
 *    Authenticated (or the device has no credentials to check), the old session ends
 *    (failed, its sent jobs back to the queue) and the new one begins. Not authenticated,
 *    it is refused 401/407 with the Chal of the nonce the device is expected to use, a
 *    wrong credential counts as a failed authentication (rate-limit.ts), and the live
 *    session is not touched: an unauthenticated message never ends a session. (The
 *    spec, 5 and 9: the SessionID is the client's and stays the same for the whole
 *    session; a client challenged reverts to Package#1 in the same session, with the
 *    next MsgID, which is a `continue`, not this rule.)
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
import type { AuthVerifier } from '../../session/auth/authenticator.js';
import type { SessionRow } from '../store/types.js';
import type { StoredSession } from './stored-session.js';

export type Placement =
  | { readonly kind: 'begin' }
  | { readonly kind: 'continue' }
  /** Rule 2: answer with the stored last answer. */
  | { readonly kind: 'resend' }
  /** Rule 4, same SessionID: if the message proves itself, end the live session, then begin. */
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

/** Rule 4: whether a Package#1 starting over a live session may replace it. */
export type RestartProof = { readonly proved: true } | { readonly proved: false; readonly status: number; readonly counted: boolean };

/**
 * Rule 4: judges the credentials of a Package#1 with `verifier`, one made for this
 * judgement alone over credentials loaded for it (so nothing it does reaches the store or
 * the live session). No verifier: the device has no credentials to check.
 */
export function provesItself(verifier: AuthVerifier | undefined, message: SyncML, transport: { readonly hmacHeader?: string; readonly body: Uint8Array }): RestartProof {
  if (verifier === undefined) return { proved: true };
  const hdr = message.syncHdr;
  const answer = verifier.receive({
    ...(hdr.cred ? { cred: hdr.cred } : {}),
    ...(hdr.source.locName ? { username: hdr.source.locName } : {}),
    ...(transport.hmacHeader !== undefined ? { hmacHeader: transport.hmacHeader } : {}),
    body: transport.body,
  });
  if (answer.authenticated) return { proved: true };
  return { proved: false, status: answer.status, counted: verifier.snapshot().failures > 0 };
}
