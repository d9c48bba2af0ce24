/**
 * The credential formulas of SyncML DM authentication, as pure functions of their inputs
 * (no store, no state). B64 is base64, MD5 the 16-byte digest, ":" a literal colon:
 *
 *   basic  B64(username ":" password)
 *   md5    B64(MD5(B64(MD5(username ":" password)) ":" nonce))
 *   hmac   B64(MD5(B64(MD5(username ":" password)) ":" nonce ":" B64(MD5(body))))
 *
 * The nonce is raw bytes; it travels base64 in NextNonce (`decodeNonce`/`encodeNonce`).
 * The HMAC travels in the transport header `x-syncml-hmac: algorithm=MD5, username="U", mac=M`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthEncodingError } from './errors.js';

type Part = string | Uint8Array;

function md5(...parts: Part[]): Buffer {
  const hash = createHash('md5');
  parts.forEach((p) => hash.update(p));
  return hash.digest();
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

const B64_PADDED = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const B64_PADDING_OPTIONAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** Whether the final `=` padding must be there. Peers leave it out; we always write it. */
export type Base64Padding = 'required' | 'optional';

/**
 * Base64 of the standard alphabet, tolerant only of the whitespace XML lets in and, with
 * `padding: 'optional'`, of a missing final padding; throws AuthEncodingError naming
 * `what` otherwise. Empty text is zero bytes.
 */
export function decodeBase64(text: string, what = 'base64', padding: Base64Padding = 'required'): Uint8Array {
  const compact = text.replace(/[\t\n\r ]+/g, '');
  const pattern = padding === 'required' ? B64_PADDED : B64_PADDING_OPTIONAL;
  if (!pattern.test(compact)) throw new AuthEncodingError(what, `not base64: ${JSON.stringify(text.slice(0, 40))}`);
  return new Uint8Array(Buffer.from(compact, 'base64'));
}

/** A NextNonce as it travels (base64). */
export function encodeNonce(nonce: Uint8Array): string {
  return b64(nonce);
}

/** The raw nonce bytes of base64 text (padded, as we write it); throws AuthEncodingError. */
export function decodeNonce(text: string): Uint8Array {
  return decodeBase64(text, 'nonce');
}

/** B64(username ":" password). A username holding ':' could not be split back, so it throws. */
export function basicCredential(username: string, password: string): string {
  if (username.includes(':')) throw new AuthEncodingError('username', "basic credentials cannot carry ':' in the username");
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

/** B64(MD5(username ":" password)): the inner digest both MD5 and HMAC start from. */
export function md5UserDigest(username: string, password: string): string {
  return b64(md5(`${username}:${password}`));
}

/** B64(MD5(B64(MD5(username ":" password)) ":" nonce)). */
export function md5Credential(username: string, password: string, nonce: Uint8Array): string {
  return b64(md5(md5UserDigest(username, password), ':', nonce));
}

/** B64(MD5(B64(MD5(username ":" password)) ":" nonce ":" B64(MD5(body)))), body being the exact bytes sent. */
export function hmacMac(username: string, password: string, nonce: Uint8Array, body: Uint8Array): string {
  return b64(md5(md5UserDigest(username, password), ':', nonce, ':', b64(md5(body))));
}

/**
 * Equal bytes, compared in time that depends on the lengths only (never on where they
 * differ). Lengths are not hidden: compare fixed-size digests when the length is secret.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** The parameters of an `x-syncml-hmac` header. */
export interface HmacHeader {
  readonly algorithm: 'MD5';
  readonly username: string;
  /** B64 MAC, as `hmacMac` returns it. */
  readonly mac: string;
}

/** Name of the transport header that carries the HMAC. */
export const HMAC_HEADER_NAME = 'x-syncml-hmac';

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/** `algorithm=MD5, username="U", mac=M` (username quoted, with `"` and `\` escaped). */
export function formatHmacHeader(header: HmacHeader): string {
  return `algorithm=${header.algorithm}, username=${quote(header.username)}, mac=${header.mac}`;
}

/** Splits `name=value, name="quoted value"` into pairs (names lower-cased); throws on bad syntax. */
function headerParams(value: string): Map<string, string> {
  const fail = (reason: string): never => {
    throw new AuthEncodingError(`${HMAC_HEADER_NAME} header`, reason);
  };
  const params = new Map<string, string>();
  let i = 0;
  const skip = (chars: RegExp) => {
    while (i < value.length && chars.test(value[i]!)) i++;
  };
  for (;;) {
    skip(/[\s,]/);
    if (i >= value.length) return params;
    const name = /^[A-Za-z][A-Za-z0-9_-]*/.exec(value.slice(i))?.[0] ?? fail(`parameter name expected at ${i}`);
    i += name.length;
    skip(/\s/);
    if (value[i] !== '=') fail(`'=' expected after ${name}`);
    i++;
    skip(/\s/);
    let text = '';
    if (value[i] === '"') {
      for (i++; value[i] !== '"'; i++) {
        if (i >= value.length) fail(`unterminated quoted value of ${name}`);
        if (value[i] === '\\') i++;
        text += value[i] ?? '';
      }
      i++;
    } else {
      const end = value.indexOf(',', i);
      text = value.slice(i, end < 0 ? value.length : end).trim();
      i = end < 0 ? value.length : end;
      if (/\s/.test(text)) fail(`space inside the unquoted value of ${name}`);
    }
    skip(/\s/);
    if (i < value.length && value[i] !== ',') fail(`',' expected after the value of ${name}`);
    const key = name.toLowerCase();
    if (params.has(key)) fail(`parameter ${key} given twice`);
    params.set(key, text);
  }
}

/**
 * Reads an `x-syncml-hmac` header value. Tolerant of spacing, quoting (any field may be
 * quoted or not), the case of names and of MD5, unknown extra parameters, and a missing
 * algorithm (MD5, the only one, is the default); strict about missing or empty username
 * and mac, and about an algorithm given empty or other than MD5. Throws AuthEncodingError.
 */
export function parseHmacHeader(value: string): HmacHeader {
  const params = headerParams(value);
  const field = (name: string): string => {
    const v = params.get(name);
    if (!v) throw new AuthEncodingError(`${HMAC_HEADER_NAME} header`, `missing ${name}`);
    return v;
  };
  const algorithm = params.has('algorithm') ? field('algorithm') : 'MD5';
  if (algorithm.toUpperCase() !== 'MD5') throw new AuthEncodingError(`${HMAC_HEADER_NAME} header`, `unsupported algorithm ${algorithm}`);
  return { algorithm: 'MD5', username: field('username'), mac: field('mac') };
}
