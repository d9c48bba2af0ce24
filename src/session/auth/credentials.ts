/**
 * Building our credentials and judging the peer's. Building is for us (it may throw on
 * our own bad input); judging is for peer input and never throws: it returns a verdict
 * with the status to answer. Every comparison of secrets goes through constantTimeEqual.
 *
 * Outcomes:
 *   valid    right secret over the expected nonce                    212
 *   stale    right secret over the nonce issued before the expected  401, re-challenge
 *            one: the peer missed our last Chal (it got lost); or over
 *            the empty nonce when we never issued one (a digest over
 *            no nonce is a constant anyone could replay: never valid)
 *   invalid  wrong secret, unknown user, wrong scheme, unreadable    401
 *   missing  no credential at all                                    407
 */
import { createHash } from 'node:crypto';
import { AuthType, StatusCode, authTypeFormat } from '../../../generated/codes.js';
import type { Cred } from '../../../generated/types.js';
import { basicCredential, constantTimeEqual, decodeBase64, hmacMac, md5Credential, parseHmacHeader } from './digest.js';
import { isAuthEncodingError } from './errors.js';
import { authMeta, parseAuthType, type CredScheme } from './scheme.js';

/** Our credential for a Cred scheme; an MD5 digest without a nonce uses the empty one. */
export function buildCred(scheme: CredScheme, username: string, password: string, nonce: Uint8Array = new Uint8Array(0)): Cred {
  const data = scheme === AuthType.Basic ? basicCredential(username, password) : md5Credential(username, password, nonce);
  return { meta: authMeta(scheme, authTypeFormat[scheme]), data };
}

export type CredOutcome = 'valid' | 'stale' | 'invalid' | 'missing';

export type AuthStatus =
  | typeof StatusCode.AuthenticationAccepted
  | typeof StatusCode.Ok
  | typeof StatusCode.InvalidCredentials
  | typeof StatusCode.MissingCredentials;

export interface CredVerdict {
  readonly outcome: CredOutcome;
  /** The status to answer: 212 valid, 401 stale or invalid, 407 missing. */
  readonly status: AuthStatus;
  /** Whose credential it was, when known (valid and stale always). */
  readonly username?: string;
  /** Why, for logs; never holds a secret. */
  readonly reason: string;
}

/** What a received credential is judged against. */
export interface CredCheck {
  /** The password of a user, or undefined for an unknown user. */
  readonly passwordFor: (username: string) => string | undefined;
  /** The name the credential must be for: required for MD5 (its Cred has no name; take
   * Source LocName or the peer's record); for basic and HMAC, the name they carry must match. */
  readonly username?: string;
  /** The nonce we issued last (absent: the empty nonce). */
  readonly nonce?: Uint8Array;
  /** The nonce we issued before it: a credential over it is stale, not invalid. */
  readonly previousNonce?: Uint8Array;
}

const STATUS: Readonly<Record<CredOutcome, AuthStatus>> = {
  valid: StatusCode.AuthenticationAccepted,
  stale: StatusCode.InvalidCredentials,
  invalid: StatusCode.InvalidCredentials,
  missing: StatusCode.MissingCredentials,
};

function verdict(outcome: CredOutcome, reason: string, username?: string): CredVerdict {
  return { outcome, status: STATUS[outcome], reason, ...(username !== undefined ? { username } : {}) };
}

/** Stands in for the password of an unknown user, so that the work done does not tell. */
const NO_PASSWORD = '\u0000';

const EMPTY = new Uint8Array(0);

/**
 * Compares `received` with the credential computed over the expected nonce and over the
 * previous one. An empty nonce proves nothing (the digest over it never changes, so a
 * replay would pass): a match over it is never valid, stale only while we have issued no
 * nonce at all (a first contact; the Chal that answers it gives one), else invalid.
 * Both comparisons always run.
 */
function judgeDigest(
  received: Uint8Array,
  compute: (nonce: Uint8Array) => string,
  check: CredCheck,
  username: string,
  known: boolean,
): CredVerdict {
  const expected = check.nonce ?? EMPTY;
  const current = constantTimeEqual(received, decodeBase64(compute(expected)));
  const previous = constantTimeEqual(received, decodeBase64(compute(check.previousNonce ?? EMPTY)));
  if (!known) return verdict('invalid', `unknown user ${JSON.stringify(username)}`);
  if (current && expected.byteLength === 0) return verdict('stale', 'digest over the empty nonce (a constant): challenged for a nonce', username);
  if (current) return verdict('valid', 'digest matches the expected nonce', username);
  if (previous && (check.previousNonce?.byteLength ?? 0) > 0) return verdict('stale', 'digest computed with the previous nonce', username);
  return verdict('invalid', 'digest does not match', username);
}

function lookup(check: CredCheck, username: string): { password: string; known: boolean } {
  const password = check.username !== undefined && check.username !== username ? undefined : check.passwordFor(username);
  return password === undefined ? { password: NO_PASSWORD, known: false } : { password, known: true };
}

const md5Of = (bytes: Uint8Array) => createHash('md5').update(bytes).digest();

function judgeBasic(data: Uint8Array, check: CredCheck): CredVerdict {
  const text = Buffer.from(data).toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return verdict('invalid', "basic credential without ':'");
  const username = text.slice(0, colon);
  const { password, known } = lookup(check, username);
  // Digests of both sides: equal lengths, so the comparison does not tell the password's length.
  const same = constantTimeEqual(md5Of(data), md5Of(Buffer.from(`${username}:${password}`, 'utf8')));
  if (!known) return verdict('invalid', `unknown user ${JSON.stringify(username)}`);
  return same ? verdict('valid', 'password matches', username) : verdict('invalid', 'password does not match', username);
}

/**
 * Judges the Cred of a received SyncHdr against the scheme we require. A Cred without
 * Meta is basic (SyncML's default); its Format, when given, must be the scheme's.
 */
export function verifyCred(cred: Cred | undefined, scheme: CredScheme, check: CredCheck): CredVerdict {
  if (cred === undefined || cred.data.trim() === '') return verdict('missing', 'no credential');
  const type = cred.meta?.type;
  const sent = type === undefined ? AuthType.Basic : parseAuthType(type);
  if (sent !== scheme) return verdict('invalid', `scheme ${type ?? AuthType.Basic} where ${scheme} is required`);
  const format = cred.meta?.format;
  if (format !== undefined && format.trim().toLowerCase() !== authTypeFormat[scheme]) return verdict('invalid', `format ${format} where ${authTypeFormat[scheme]} is required`);
  let data: Uint8Array;
  try {
    data = decodeBase64(cred.data, 'Cred Data', 'optional');
  } catch (e) {
    if (isAuthEncodingError(e)) return verdict('invalid', e.message);
    throw e;
  }
  if (scheme === AuthType.Basic) return judgeBasic(data, check);
  if (check.username === undefined) return verdict('invalid', 'no username to check the MD5 digest for');
  const { password, known } = lookup(check, check.username);
  const username = check.username;
  return judgeDigest(data, (nonce) => md5Credential(username, password, nonce), check, username, known);
}

/**
 * Judges an `x-syncml-hmac` header (undefined when the transport had none) over the exact
 * body bytes received.
 */
export function verifyHmac(header: string | undefined, body: Uint8Array, check: CredCheck): CredVerdict {
  if (header === undefined || header.trim() === '') return verdict('missing', 'no x-syncml-hmac header');
  let mac: Uint8Array;
  let username: string;
  try {
    const parsed = parseHmacHeader(header);
    username = parsed.username;
    mac = decodeBase64(parsed.mac, 'mac', 'optional');
  } catch (e) {
    if (isAuthEncodingError(e)) return verdict('invalid', e.message);
    throw e;
  }
  const { password, known } = lookup(check, username);
  return judgeDigest(mac, (nonce) => hmacMac(username, password, nonce, body), check, username, known);
}
