/**
 * What the service keeps of a session in the store's snapshot column: the session core's
 * own snapshot (ServerSession.snapshot(), plain JSON) and what the service needs beside it
 * to continue in any process: how the session was set up (so it can be restored with the
 * same configuration), the digest of the last message read (a resend of it is answered
 * with the very same answer), and the jobs in flight (jobs-in-session.ts).
 */
import { createHash } from 'node:crypto';
import type { EndpointSnapshot } from '../../session/endpoint.js';
import type { Encoding } from '../../session/message-size.js';
import type { JsonValue } from '../store/types.js';
import type { JobsSnapshot } from './jobs-in-session.js';
import type { DetachedObject } from './large-object-keeper.js';
import type { ReceivedMarker } from './incoming-object-keeper.js';

/** 2: the large object being sent may be `detached` (large-object-keeper.ts); 3: the one
 * being received may be kept in rows (`received`, incoming-object-keeper.ts). A process
 * that reads only older versions sees no stored session rather than an object with no data. */
export const STORED_SESSION_VERSION = 3;

/** The configuration a session was begun with; a restore uses the same. */
export interface SessionSetup {
  readonly encoding: Encoding;
  /** The SessionID as the device wrote it in Package#1 (trimmed). */
  readonly sessionID: string;
  /** Our Source LocURI towards the device (its ServerID for us). */
  readonly localURI: string;
  readonly maxMsgSize: number;
  readonly maxObjSize?: number;
  /** The RespURI our headers carry (DmServiceOptions.respUri), if any. */
  readonly respURI?: string;
  /** The session alert that opened it: 1201 client-initiated, 1200 after a Package#0. */
  readonly initiator: number;
}

export interface StoredSession {
  readonly v: 1 | 2 | typeof STORED_SESSION_VERSION;
  readonly setup: SessionSetup;
  readonly endpoint: EndpointSnapshot;
  /** The digest of the message that opened the session (its Package#1 replayed is not a new session). */
  readonly firstIn: string;
  /** The last message read: its MsgID and the digest of its bytes. */
  readonly lastIn?: { readonly msgID: string; readonly digest: string };
  readonly jobs: JobsSnapshot;
  /** Counted verifier failures so far (to count each new one against the device). */
  readonly authFailures: number;
  /** An abort was asked for (DmService.abortSession): the next answer is Alert 1223. */
  readonly abortRequested?: true;
  /** The large object being sent, left out of `endpoint` (its chunk's data is empty). */
  readonly detached?: DetachedObject;
  /** The large object being received, kept in the store's rows (its pending data is empty). */
  readonly received?: ReceivedMarker;
}

/** The digest that tells a resent message from a new one with the same MsgID. */
export function requestDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64');
}

export function toJson(s: StoredSession): JsonValue {
  // Every field is plain data (the session core's snapshot is JSON by contract).
  return s as unknown as JsonValue;
}

/** The stored session of a row, or undefined when the row holds something else (a
 * session begun by a process that died before its first save). */
export function readStored(value: JsonValue): StoredSession | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const o = value as { readonly [key: string]: JsonValue };
  // Version 1 is version 3 without `detached` and `received`, version 2 without `received`.
  if ((o['v'] !== STORED_SESSION_VERSION && o['v'] !== 1 && o['v'] !== 2) || typeof o['endpoint'] !== 'object' || typeof o['setup'] !== 'object' || typeof o['jobs'] !== 'object') return undefined;
  return value as unknown as StoredSession;
}

/** What a session row holds between beginSession and the first save. */
export const BEGUN: JsonValue = { v: 0 };
