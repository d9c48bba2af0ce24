/**
 * Package#0, the server's notification (media type application/vnd.syncml.notification),
 * built and read by both sides. Bits, in order:
 *
 *   digest 128 | version 10 | ui-mode 2 | initiator 1 | future use 27 | session id 16 |
 *   server-id length 8 | server id (that many bytes) | vendor-specific (the rest)
 *
 *   digest = MD5( B64(MD5(server-id ":" password)) ":" nonce ":" B64(MD5(trigger)) )
 *
 * where `trigger` is everything after the digest, `password` and `nonce` are the server
 * credentials of the matching DM account (SRVCRED AAuthSecret and AAuthData), the nonce
 * taken as raw bytes. The version field is the DM version times ten (12 for 1.2, 13 for
 * 1.3). A client that fails the digest with the stored nonce may retry with the all-zero
 * nonce (the notification spec's recovery when the nonces went out of step).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AlertCode } from '../../generated/codes.js';
import { NotificationError } from './errors.js';

export const NOTIFICATION_MEDIA_TYPE = 'application/vnd.syncml.notification';

export const UiMode = { NotSpecified: 0, Background: 1, Informative: 2, UserInteraction: 3 } as const;
export type UiMode = (typeof UiMode)[keyof typeof UiMode];

export const Initiator = { Client: 0, Server: 1 } as const;
export type Initiator = (typeof Initiator)[keyof typeof Initiator];

/** The fields of a trigger. */
export interface TriggerFields {
  /** DM version times ten: 12 (1.2), 13 (1.3). */
  readonly version: number;
  readonly uiMode: UiMode;
  readonly initiator: Initiator;
  /** 16-bit session id; Package#1 carries it as 1-4 upper-case hex digits. */
  readonly sessionId: number;
  readonly serverId: string;
  readonly vendor?: Uint8Array;
}

export interface Trigger extends TriggerFields {
  readonly digest: Uint8Array;
  /** The bytes the digest covers (all after it). */
  readonly body: Uint8Array;
  /** The 27 future-use bits, as received (0 when we build). */
  readonly future: number;
}

/** The server credentials a digest is made from. */
export interface ServerSecret {
  readonly password: string;
  /** Raw nonce bytes (SRVCRED AAuthData, base64-decoded). */
  readonly nonce: Uint8Array;
}

/** Longest trigger we read (an SMS carries 140 bytes; a WAP push a little more). */
export const MAX_TRIGGER_BYTES = 4096;
const DIGEST_BYTES = 16;
const HEADER_BYTES = 7;
export const ZERO_NONCE = new Uint8Array(4);

export function dmVersionField(version: '1.2' | '1.3'): number {
  return version === '1.2' ? 12 : 13;
}

function md5(...parts: (string | Uint8Array)[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The digest of a trigger body for a server id and its secret. */
export function triggerDigest(serverId: string, secret: ServerSecret, body: Uint8Array): Uint8Array {
  const inner = md5(`${serverId}:${secret.password}`).toString('base64');
  return new Uint8Array(md5(`${inner}:`, secret.nonce, `:${md5(body).toString('base64')}`));
}

export function buildTrigger(fields: TriggerFields, secret: ServerSecret): Uint8Array {
  const { version, uiMode, initiator, sessionId } = fields;
  const check = (ok: boolean, field: string, why: string): void => {
    if (!ok) throw new NotificationError(`${field}: ${why}`, 'bad-field', field);
  };
  check(Number.isInteger(version) && version >= 0 && version < 1024, 'version', 'a 10-bit number');
  check([0, 1, 2, 3].includes(uiMode), 'uiMode', '0 to 3');
  check(initiator === 0 || initiator === 1, 'initiator', '0 or 1');
  check(Number.isInteger(sessionId) && sessionId >= 0 && sessionId <= 0xffff, 'sessionId', 'a 16-bit number');
  const id = Buffer.from(fields.serverId, 'utf8');
  check(id.length >= 1 && id.length <= 255, 'serverId', '1 to 255 bytes');
  const vendor = fields.vendor ?? new Uint8Array(0);
  const body = new Uint8Array(HEADER_BYTES + 1 + id.length + vendor.length);
  // version(10) ui-mode(2) initiator(1) future(27) = 40 bits, then the session id.
  const hi = (version << 6) | (uiMode << 4) | (initiator << 3); // top 16 bits: version 10, ui 2, initiator 1, future 3 (0)
  body[0] = hi >> 8;
  body[1] = hi & 0xff;
  // bytes 2-4: the remaining 24 future-use bits, 0.
  body[5] = sessionId >> 8;
  body[6] = sessionId & 0xff;
  body[7] = id.length;
  body.set(id, 8);
  body.set(vendor, 8 + id.length);
  const out = new Uint8Array(DIGEST_BYTES + body.length);
  out.set(triggerDigest(fields.serverId, secret, body), 0);
  out.set(body, DIGEST_BYTES);
  return out;
}

/** Reads a trigger's fields (the digest is checked by `verifyTrigger`). */
export function parseTrigger(bytes: Uint8Array): Trigger {
  if (bytes.length > MAX_TRIGGER_BYTES) throw new NotificationError(`${bytes.length} bytes, more than ${MAX_TRIGGER_BYTES}`, 'too-long');
  if (bytes.length < DIGEST_BYTES + HEADER_BYTES + 1) throw new NotificationError(`${bytes.length} bytes cannot hold digest, header and server id length`, 'truncated', 'header');
  const digest = bytes.slice(0, DIGEST_BYTES);
  const body = bytes.slice(DIGEST_BYTES);
  const hi = (body[0]! << 8) | body[1]!;
  const version = hi >> 6;
  const uiMode = ((hi >> 4) & 3) as UiMode;
  const initiator = ((hi >> 3) & 1) as Initiator;
  const future = ((hi & 7) << 24) | (body[2]! << 16) | (body[3]! << 8) | body[4]!;
  const sessionId = (body[5]! << 8) | body[6]!;
  const idLength = body[7]!;
  if (idLength === 0) throw new NotificationError('the server id is empty', 'bad-field', 'serverId');
  if (body.length < 8 + idLength) throw new NotificationError(`the server id needs ${idLength} bytes, ${body.length - 8} left`, 'truncated', 'serverId');
  let serverId: string;
  try {
    serverId = new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(8, 8 + idLength));
  } catch {
    throw new NotificationError('the server id is not UTF-8', 'bad-field', 'serverId');
  }
  const vendor = body.slice(8 + idLength);
  return { digest, body, version, uiMode, initiator, future, sessionId, serverId, ...(vendor.length > 0 ? { vendor } : {}) };
}

/**
 * Checks the digest against the server's secret (made with `identifier`, by default the
 * server id the trigger names); on a mismatch, with `allowZeroNonce`, against the
 * all-zero nonce too. Returns the nonce that matched; throws
 * NotificationError 'bad-digest' otherwise.
 */
export function verifyTrigger(trigger: Trigger, secret: ServerSecret, allowZeroNonce = true, identifier = trigger.serverId): 'stored' | 'zero' {
  const same = (s: ServerSecret): boolean => timingSafeEqual(Buffer.from(triggerDigest(identifier, s, trigger.body)), Buffer.from(trigger.digest));
  if (same(secret)) return 'stored';
  if (allowZeroNonce && same({ password: secret.password, nonce: ZERO_NONCE })) return 'zero';
  throw new NotificationError(`the digest does not match the credentials of server ${JSON.stringify(trigger.serverId)}`, 'bad-digest');
}

/** The session a trigger asks for: Alert 1200 and its session id as Package#1 writes it. */
export interface RequestedSession {
  readonly alert: number;
  readonly sessionID: string;
  readonly serverId: string;
  readonly uiMode: UiMode;
  readonly dmVersion: string;
}

export function requestedSession(trigger: Trigger): RequestedSession {
  return {
    alert: AlertCode.ServerInitiatedSession,
    sessionID: trigger.sessionId.toString(16).toUpperCase(),
    serverId: trigger.serverId,
    uiMode: trigger.uiMode,
    dmVersion: `${Math.floor(trigger.version / 10)}.${trigger.version % 10}`,
  };
}
