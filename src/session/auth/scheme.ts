/**
 * Authentication schemes as they appear in Meta Type, and the Meta blocks Cred and Chal
 * carry. Values come from generated/codes.ts; this file only reads and assembles them.
 */
import { AuthType, Format, authTypeFormat } from '../../../generated/codes.js';
import type { Meta } from '../../../generated/types.js';

/** The schemes whose credential travels in a Cred (HMAC travels in a transport header). */
export type CredScheme = typeof AuthType.Basic | typeof AuthType.Md5Digest;

/** Schemes whose credential is computed over a nonce the other side issued. */
export function usesNonce(scheme: AuthType): boolean {
  return scheme !== AuthType.Basic;
}

/** Whether a scheme's credential travels in a Cred element. */
export function isCredScheme(scheme: AuthType): scheme is CredScheme {
  return authTypeFormat[scheme] !== '';
}

const byLowerCase = new Map<string, AuthType>(Object.values(AuthType).map((t) => [t.toLowerCase(), t]));

/** The scheme a Meta Type names, ignoring case and surrounding spaces (peers differ); undefined if unknown. */
export function parseAuthType(text: string): AuthType | undefined {
  return byLowerCase.get(text.trim().toLowerCase());
}

/** A Meta holding only Type and Format (plus NextNonce when given). */
export function authMeta(scheme: AuthType, format: string, nextNonce?: string): Meta {
  return { type: scheme, ...(format ? { format } : {}), ...(nextNonce !== undefined ? { nextNonce } : {}), emis: [] };
}

/** The Format of a Chal: its NextNonce is always base64, whatever the scheme. */
export const CHAL_FORMAT: string = Format.Base64;
