/**
 * Management tree URIs (DM TND): relative to the root `.`, written `./A/B` or `A/B`; the
 * root itself is `.`, never `./`; no empty segment, no trailing `/`, no `.` or `..`
 * segment; a segment may carry %XX escapes (RFC 2396) but never an escaped `/`. A URI may
 * end in one query: `?prop=<Name>` (a node property) or `?list=<Struct|StructData|...>`.
 *
 * Limits come from ./DevDetail/URI: MaxDepth (segments below the root), MaxTotLen (the
 * whole URI as sent), MaxSegLen (each segment as sent); 0 means no limit. Breaking one
 * answers 414; a malformed URI answers 400.
 */
import { StatusCode } from '../../../generated/codes.js';
import { TreeError } from './errors.js';

export interface UriLimits {
  readonly maxDepth: number;
  readonly maxTotLen: number;
  readonly maxSegLen: number;
}

/** What a received URI addresses. */
export interface NodeAddress {
  /** Decoded node names below the root (empty for the root). */
  readonly segments: readonly string[];
  /** `?prop=<name>` */
  readonly prop?: string;
  /** `?list=<value>` */
  readonly list?: string;
}

/** The canonical key of a node: its decoded names joined by '/', the root being '.'. */
export function pathKey(segments: readonly string[]): string {
  return segments.length === 0 ? '.' : `./${segments.join('/')}`;
}

/** The URI to send for a node (escapes what would not read back as the same names). */
export function formatUri(segments: readonly string[]): string {
  return segments.length === 0 ? '.' : `./${segments.map(escapeSegment).join('/')}`;
}

function escapeSegment(name: string): string {
  return name.replace(/[%?#/\u0000-\u0020\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function bad(uri: string, why: string): TreeError {
  return new TreeError(why, StatusCode.BadRequest, uri);
}

/** Parses a URI from a command, checking syntax and limits. */
export function parseUri(uri: string, limits: UriLimits): NodeAddress {
  const text = uri.trim();
  if (limits.maxTotLen > 0 && text.length > limits.maxTotLen) {
    throw new TreeError(`URI is ${text.length} characters, more than MaxTotLen ${limits.maxTotLen}`, StatusCode.UriTooLong, uri);
  }
  const q = text.indexOf('?');
  const path = q < 0 ? text : text.slice(0, q);
  const query = q < 0 ? undefined : text.slice(q + 1);
  let prop: string | undefined;
  let list: string | undefined;
  if (query !== undefined) {
    const eq = query.indexOf('=');
    const key = eq < 0 ? query : query.slice(0, eq);
    const value = eq < 0 ? '' : query.slice(eq + 1);
    if (key === 'prop' && value !== '') prop = value;
    else if (key === 'list' && value !== '') list = value;
    else throw bad(uri, `unknown query ${JSON.stringify(query)} (only ?prop= and ?list=)`);
  }
  let rest: string;
  if (path === '.') rest = '';
  else if (path.startsWith('./')) rest = path.slice(2);
  else if (path === '' || path.startsWith('/')) throw bad(uri, 'a tree URI is relative: "." or "./Name/..."');
  else rest = path;
  if (path.endsWith('/')) throw bad(uri, 'a URI must not end with "/"');
  const raw = rest === '' ? [] : rest.split('/');
  if (limits.maxDepth > 0 && raw.length > limits.maxDepth) {
    throw new TreeError(`URI is ${raw.length} segments deep, more than MaxDepth ${limits.maxDepth}`, StatusCode.UriTooLong, uri);
  }
  const segments = raw.map((seg) => {
    if (seg === '') throw bad(uri, 'empty segment');
    if (limits.maxSegLen > 0 && seg.length > limits.maxSegLen) {
      throw new TreeError(`segment ${JSON.stringify(seg.slice(0, 40))} is ${seg.length} characters, more than MaxSegLen ${limits.maxSegLen}`, StatusCode.UriTooLong, uri);
    }
    const name = unescape(uri, seg);
    if (name === '.' || name === '..') throw bad(uri, `segment ${JSON.stringify(name)} is not allowed`);
    if (name.includes('/')) throw bad(uri, 'a node name cannot hold "/"');
    return name;
  });
  return { segments, ...(prop !== undefined ? { prop } : {}), ...(list !== undefined ? { list } : {}) };
}

function unescape(uri: string, seg: string): string {
  if (!seg.includes('%')) return seg;
  if (/%(?![0-9A-Fa-f]{2})/.test(seg)) throw bad(uri, `bad %-escape in ${JSON.stringify(seg)}`);
  try {
    return decodeURIComponent(seg);
  } catch {
    throw bad(uri, `%-escapes of ${JSON.stringify(seg)} are not UTF-8`);
  }
}
