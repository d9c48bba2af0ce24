/**
 * Challenges: the Chal we put in a Status (401/407 to demand credentials, or beside 212
 * and 200 to hand over the next nonce), and reading the Chal of a Status we received.
 * Nonces come from an injected random source, never from a global one.
 */
import { AuthType, Format } from '../../../generated/codes.js';
import type { Chal, Status } from '../../../generated/types.js';
import { decodeBase64, encodeNonce } from './digest.js';
import { AuthConfigError, AuthEncodingError, isAuthEncodingError } from './errors.js';
import { CHAL_FORMAT, authMeta, parseAuthType, usesNonce } from './scheme.js';

/** n random bytes. Tests pass a seeded one; production passes node:crypto randomBytes. */
export type RandomSource = (n: number) => Uint8Array;

/** Nonce length in bytes when none is configured. */
export const DEFAULT_NONCE_LENGTH = 16;

/** A fresh nonce; throws AuthConfigError if the source does not return `length` bytes. */
export function newNonce(random: RandomSource, length: number = DEFAULT_NONCE_LENGTH): Uint8Array {
  const nonce = random(length);
  if (!(nonce instanceof Uint8Array) || nonce.byteLength !== length) {
    throw new AuthConfigError(`random source returned ${nonce instanceof Uint8Array ? nonce.byteLength : typeof nonce} bytes, ${length} asked`);
  }
  return nonce;
}

/** A Chal for a scheme: Meta Type, Format b64 and, for nonce schemes, NextNonce. */
export function buildChal(scheme: AuthType, nonce?: Uint8Array): Chal {
  const next = nonce !== undefined && usesNonce(scheme) ? encodeNonce(nonce) : undefined;
  return { meta: authMeta(scheme, CHAL_FORMAT, next) };
}

/**
 * The raw bytes of a received NextNonce, read per the Format of its Meta: `b64` is base64,
 * padded or not; `chr` is the text itself (its UTF-8 bytes). Without a Format it is base64,
 * as MetInf defines NextNonce, or, when the text is no base64 at all, the text itself.
 * Any other Format throws AuthEncodingError, as does b64 that is not base64.
 */
export function decodeNextNonce(text: string, format: string | undefined): Uint8Array {
  const f = format?.trim().toLowerCase();
  if (f === Format.Character) return new TextEncoder().encode(text);
  if (f === Format.Base64) return decodeBase64(text, 'nonce', 'optional');
  if (f !== undefined && f !== '') throw new AuthEncodingError('nonce', `Format ${JSON.stringify(format)} is neither b64 nor chr`);
  try {
    return decodeBase64(text, 'nonce', 'optional');
  } catch (e) {
    if (isAuthEncodingError(e)) return new TextEncoder().encode(text);
    throw e;
  }
}

/** What a received challenge asks for. */
export interface Challenge {
  readonly scheme: AuthType;
  /** The nonce for our next credential (absent when the Chal names none). */
  readonly nonce?: Uint8Array;
}

/** The Chal of a received Status, read without throwing. */
export type ChallengeRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'challenge'; readonly challenge: Challenge }
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Reads the Chal of a Status (any code: 401/407 demand credentials, 212/200 may carry
 * the next nonce). A Chal without Type is basic, SyncML's default.
 */
export function readChallenge(status: Pick<Status, 'chal'>): ChallengeRead {
  const meta = status.chal?.meta;
  if (meta === undefined) return { kind: 'none' };
  const scheme = meta.type === undefined ? AuthType.Basic : parseAuthType(meta.type);
  if (scheme === undefined) return { kind: 'malformed', reason: `unknown authentication type ${JSON.stringify(meta.type)}` };
  if (meta.nextNonce === undefined) return { kind: 'challenge', challenge: { scheme } };
  try {
    return { kind: 'challenge', challenge: { scheme, nonce: decodeNextNonce(meta.nextNonce, meta.format) } };
  } catch (e) {
    if (isAuthEncodingError(e)) return { kind: 'malformed', reason: e.message };
    throw e;
  }
}
