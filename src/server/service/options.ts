/** What a DmService is built with, and the defaults. */
import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../../session/auth/challenge.js';
import type { AuthFailurePolicy, Store } from '../store/store.js';
import type { DecodeLimits } from '../../runtime/limits.js';
import { DEFAULT_AUTH_FAILURE_POLICY } from '../auth/rate-limit.js';
import type { ServiceObserver } from './events.js';

export interface DmServiceOptions {
  readonly store: Store;
  /** Told of every ServiceEvent (logs, metrics, tests). */
  readonly observers?: readonly ServiceObserver[];
  /** The clock (ms since the epoch). Default Date.now. */
  readonly now?: () => number;
  /** Nonces for challenges. Default crypto.randomBytes. */
  readonly random?: RandomSource;
  /** A session with no message for this long expires. Default 5 minutes. */
  readonly sessionTtlMs?: number;
  /** The MaxMsgSize we announce (a device that ignores it is still read, up to the HTTP body limit). Default 64 KiB. */
  readonly maxMsgSize?: number;
  /** The MaxObjSize we announce: the largest object a device may send us in chunks. Default 4 MiB. */
  readonly maxObjSize?: number;
  /** The device's MaxMsgSize until its first message says. Default 16 KiB. */
  readonly assumedPeerMaxMsgSize?: number;
  /** Jobs sent in one management package. Default 32. */
  readonly jobsPerPackage?: number;
  /** Credentials a device may get wrong in a row within a session before it ends. Default 3. */
  readonly maxAuthRetries?: number;
  /** Failed authentications (per device, over sessions) that lock a device out. */
  readonly authFailurePolicy?: AuthFailurePolicy;
  /** Decode limits for device messages (the HTTP layer bounds the body size first). */
  readonly decodeLimits?: Partial<DecodeLimits>;
  /**
   * Pins each session to a URL of this server: written as RespURI in every header we send
   * (the device sends its next messages there, e.g. `…/dm/s/REF` behind a load balancer
   * that routes by path). Default: none.
   */
  readonly respUri?: (session: { readonly ref: number; readonly deviceId: string }) => string;
  /** Times a message is served again when another process saved its session first (or is beginning it). Default 5. */
  readonly conflictRetries?: number;
}

export interface ResolvedOptions {
  readonly store: Store;
  readonly observers: readonly ServiceObserver[];
  readonly now: () => number;
  readonly random: RandomSource;
  readonly sessionTtlMs: number;
  readonly maxMsgSize: number;
  readonly maxObjSize: number;
  readonly assumedPeerMaxMsgSize: number;
  readonly jobsPerPackage: number;
  readonly maxAuthRetries: number;
  readonly authFailurePolicy: AuthFailurePolicy;
  readonly decodeLimits?: Partial<DecodeLimits>;
  readonly conflictRetries: number;
  readonly respUri?: (session: { readonly ref: number; readonly deviceId: string }) => string;
}

function positive(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`${what} must be a positive integer, not ${n}`);
  return n;
}

export function resolveOptions(o: DmServiceOptions): ResolvedOptions {
  return {
    store: o.store,
    observers: o.observers ?? [],
    now: o.now ?? Date.now,
    random: o.random ?? ((n) => new Uint8Array(randomBytes(n))),
    sessionTtlMs: positive(o.sessionTtlMs ?? 5 * 60_000, 'sessionTtlMs'),
    maxMsgSize: positive(o.maxMsgSize ?? 64 * 1024, 'maxMsgSize'),
    maxObjSize: positive(o.maxObjSize ?? 4 * 1024 * 1024, 'maxObjSize'),
    assumedPeerMaxMsgSize: positive(o.assumedPeerMaxMsgSize ?? 16 * 1024, 'assumedPeerMaxMsgSize'),
    jobsPerPackage: positive(o.jobsPerPackage ?? 32, 'jobsPerPackage'),
    maxAuthRetries: o.maxAuthRetries ?? 3,
    authFailurePolicy: o.authFailurePolicy ?? DEFAULT_AUTH_FAILURE_POLICY,
    ...(o.decodeLimits ? { decodeLimits: o.decodeLimits } : {}),
    conflictRetries: positive(o.conflictRetries ?? 5, 'conflictRetries'),
    ...(o.respUri ? { respUri: o.respUri } : {}),
  };
}
