/**
 * The media types of the DM HTTP binding, and the variants real clients send.
 *
 *   application/vnd.syncml.dm+xml     application/vnd.syncml.dm+wbxml   (DM 1.2/1.3)
 *   application/vnd.syncml+xml        application/vnd.syncml+wbxml      (older and DS-derived clients)
 *
 * Names are case-insensitive and may carry parameters (`; charset=UTF-8`). The answer is
 * written in the encoding and the family (dm or syncml) of the request.
 */
import type { Encoding } from '../session/message-size.js';

export type MediaFamily = 'dm' | 'syncml';

export interface DmMediaType {
  readonly encoding: Encoding;
  readonly family: MediaFamily;
  /** The charset parameter as sent, lower-cased, if any. */
  readonly charset?: string;
}

const TYPES: Readonly<Record<string, { encoding: Encoding; family: MediaFamily }>> = {
  'application/vnd.syncml.dm+xml': { encoding: 'xml', family: 'dm' },
  'application/vnd.syncml.dm+wbxml': { encoding: 'wbxml', family: 'dm' },
  'application/vnd.syncml+xml': { encoding: 'xml', family: 'syncml' },
  'application/vnd.syncml+wbxml': { encoding: 'wbxml', family: 'syncml' },
};

/** Reads a Content-Type header; undefined when it is not one of the DM media types. */
export function parseDmMediaType(header: string | undefined): DmMediaType | undefined {
  if (header === undefined) return undefined;
  const [essence = '', ...params] = header.split(';');
  const known = TYPES[essence.trim().toLowerCase()];
  if (known === undefined) return undefined;
  let charset: string | undefined;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() === 'charset') charset = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return charset === undefined ? known : { ...known, charset };
}

/** The Content-Type of an answer in this encoding and family. */
export function dmMediaType(type: Pick<DmMediaType, 'encoding' | 'family'>): string {
  return `application/vnd.syncml${type.family === 'dm' ? '.dm' : ''}+${type.encoding}`;
}

/** The media types accepted, for an error message or an Accept header. */
export const DM_MEDIA_TYPES: readonly string[] = Object.keys(TYPES);
