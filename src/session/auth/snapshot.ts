/**
 * The saved form of the authentication machines: plain JSON data (strings, numbers,
 * booleans; bytes as base64), so a session can be kept in a store and continued by any
 * process. What cannot be saved (the credential store, the random source, the secrets the
 * store holds) comes back through the options of `restore`.
 *
 * A snapshot read back from storage is input like any other: `readVerifierSnapshot` and
 * `readProverSnapshot` check every field and throw AuthConfigError naming the first one
 * that is wrong, so a damaged row never becomes a machine in a state its table lacks.
 */
import { AuthType } from '../../../generated/codes.js';
import { decodeBase64 } from './digest.js';
import { AuthConfigError, isAuthEncodingError } from './errors.js';

/** Bumped when the shape changes; `restore` refuses any other. */
export const AUTH_SNAPSHOT_VERSION = 1;

export const VERIFIER_STATES = ['expecting', 'accepted', 'failed'] as const;
export const PROVER_STATES = ['bare', 'presenting', 'accepted', 'failed'] as const;

export interface VerifierSnapshot {
  readonly kind: 'auth-verifier';
  readonly version: typeof AUTH_SNAPSHOT_VERSION;
  readonly peer: string;
  readonly scheme: AuthType;
  readonly everyMessage: boolean;
  readonly maxRetries: number;
  readonly nonceLength: number;
  readonly state: (typeof VERIFIER_STATES)[number];
  readonly failures: number;
  /** NextNonce (base64) of the Chal sent beside our 212, repeated if the peer missed it. */
  readonly acceptNonce?: string;
}

export interface ProverSnapshot {
  readonly kind: 'auth-prover';
  readonly version: typeof AUTH_SNAPSHOT_VERSION;
  readonly peer: string;
  readonly scheme: AuthType;
  readonly maxRetries: number;
  readonly state: (typeof PROVER_STATES)[number];
  readonly refusals: number;
}

type Fields = Record<string, unknown>;

function fail(what: string, field: string, why: string): never {
  throw new AuthConfigError(`${what} snapshot: ${field} ${why}`);
}

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(what, '(root)', 'is not an object');
  return value as Fields;
}

function header(s: Fields, what: string, kind: string): void {
  if (s['kind'] !== kind) fail(what, 'kind', `is ${JSON.stringify(s['kind'])}, not ${JSON.stringify(kind)}`);
  if (s['version'] !== AUTH_SNAPSHOT_VERSION) fail(what, 'version', `is ${JSON.stringify(s['version'])}, not ${AUTH_SNAPSHOT_VERSION}`);
}

function text(s: Fields, what: string, field: string): string {
  const v = s[field];
  if (typeof v !== 'string') fail(what, field, 'is not a string');
  return v;
}

function count(s: Fields, what: string, field: string, min = 0): number {
  const v = s[field];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) fail(what, field, `is not a whole number >= ${min}`);
  return v;
}

function flag(s: Fields, what: string, field: string): boolean {
  const v = s[field];
  if (typeof v !== 'boolean') fail(what, field, 'is not a boolean');
  return v;
}

function oneOf<T extends string>(s: Fields, what: string, field: string, values: readonly T[]): T {
  const v = s[field];
  if (!values.includes(v as T)) fail(what, field, `is ${JSON.stringify(v)}, not one of ${values.join(', ')}`);
  return v as T;
}

function base64(s: Fields, what: string, field: string): string | undefined {
  const v = s[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(what, field, 'is not a string');
  try {
    decodeBase64(v, field);
  } catch (e) {
    if (isAuthEncodingError(e)) fail(what, field, 'is not base64');
    throw e;
  }
  return v;
}

const SCHEMES = Object.values(AuthType);

/** Checks a parsed verifier snapshot field by field. */
export function readVerifierSnapshot(value: unknown): VerifierSnapshot {
  const what = 'verifier';
  const s = object(value, what);
  header(s, what, 'auth-verifier');
  const acceptNonce = base64(s, what, 'acceptNonce');
  return {
    kind: 'auth-verifier',
    version: AUTH_SNAPSHOT_VERSION,
    peer: text(s, what, 'peer'),
    scheme: oneOf(s, what, 'scheme', SCHEMES),
    everyMessage: flag(s, what, 'everyMessage'),
    maxRetries: count(s, what, 'maxRetries'),
    nonceLength: count(s, what, 'nonceLength', 1),
    state: oneOf(s, what, 'state', VERIFIER_STATES),
    failures: count(s, what, 'failures'),
    ...(acceptNonce !== undefined ? { acceptNonce } : {}),
  };
}

/** Checks a parsed prover snapshot field by field. */
export function readProverSnapshot(value: unknown): ProverSnapshot {
  const what = 'prover';
  const s = object(value, what);
  header(s, what, 'auth-prover');
  return {
    kind: 'auth-prover',
    version: AUTH_SNAPSHOT_VERSION,
    peer: text(s, what, 'peer'),
    scheme: oneOf(s, what, 'scheme', SCHEMES),
    maxRetries: count(s, what, 'maxRetries'),
    state: oneOf(s, what, 'state', PROVER_STATES),
    refusals: count(s, what, 'refusals'),
  };
}
