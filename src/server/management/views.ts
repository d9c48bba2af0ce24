/**
 * What the store keeps, as the management API shows it. Two things never come out:
 * secrets (a device shows each side's scheme and name only) and session snapshots (they
 * hold the session's state, nonces included). A recorded message is shown as XML with the
 * Data of every Cred replaced: a Basic Cred is the name and password in base64.
 */
import { decodeWbxml, encodeXmlString, sniffFormat } from '../../index.js';
import type { CredentialsSpec, Device, Job, SessionRow, StoredAlert, TranscriptEntry } from '../store/types.js';
import type { AlertView, DeviceView, JobView, MessageView, SessionView } from './schemas.js';

import { REDACTED } from '../ops/redact.js';

/** What stands where a secret was, the same in API answers as in log lines. */
export { REDACTED };

function credentialsView(c: CredentialsSpec): DeviceView['client'] {
  return c.scheme === 'none' ? { scheme: 'none' } : { scheme: c.scheme, name: c.name };
}

export function deviceView(d: Device): DeviceView {
  return {
    id: d.id,
    serverId: d.serverId,
    client: credentialsView(d.client),
    server: credentialsView(d.server),
    acceptedClientSchemes: [...d.acceptedClientSchemes],
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

export function jobView(j: Job): JobView {
  // A copy through JSON: the view is plain data, whatever the store handed over.
  return JSON.parse(JSON.stringify(j)) as JobView;
}

export function alertView(a: StoredAlert): AlertView {
  return JSON.parse(JSON.stringify(a)) as AlertView;
}

export function sessionView(s: SessionRow): SessionView {
  return {
    ref: s.ref,
    deviceId: s.deviceId,
    sessionId: s.sessionId,
    live: s.endedAt === undefined,
    startedAt: s.startedAt,
    lastActivity: s.lastActivity,
    expiresAt: s.expiresAt,
    ...(s.endedAt !== undefined ? { endedAt: s.endedAt } : {}),
    ...(s.outcome !== undefined ? { outcome: s.outcome } : {}),
  };
}

/** Is this body WBXML? By the media type, else by its first byte (sniffFormat: a WBXML version 1–3). */
function isWbxml(contentType: string, body: Uint8Array): boolean {
  if (/\+wbxml\b/i.test(contentType)) return true;
  if (/\+xml\b/i.test(contentType)) return false;
  return sniffFormat(body) === 'wbxml';
}

const NAME = '(?:[A-Za-z_][\\w.-]*:)?';
// Cred's content up to its end tag, a CDATA section read whole (it may hold '</Cred>').
const CRED = new RegExp(`(<${NAME}Cred\\b[^>]*>)((?:<!\\[CDATA\\[[\\s\\S]*?(?:\\]\\]>|$)|[^<]|<(?!\\/${NAME}Cred\\s*>))*)(<\\/${NAME}Cred\\s*>|$)`, 'g');
const META = new RegExp(`<(${NAME})Meta\\b[^>]*>[\\s\\S]*?<\\/${NAME}Meta\\s*>`);

/**
 * The XML text with the Data of every Cred replaced by [redacted]: only its Meta (the
 * scheme) stays. A Cred cut off by truncation is redacted to the end of the text.
 */
export function redactCredentials(xml: string): string {
  return xml.replace(CRED, (_all, open: string, inner: string, close: string) => {
    const meta = META.exec(inner);
    const prefix = /^<([A-Za-z_][\w.-]*:)?/.exec(open)?.[1] ?? '';
    return `${open}${meta ? meta[0] : ''}<${prefix}Data>${REDACTED}</${prefix}Data>${close}`;
  });
}

export function messageView(t: TranscriptEntry): MessageView {
  const base = { id: t.id, direction: t.direction, msgId: t.msgId, contentType: t.contentType, at: t.at, size: t.size, truncated: t.truncated };
  if (!isWbxml(t.contentType, t.body)) return { ...base, xml: redactCredentials(new TextDecoder('utf-8').decode(t.body)) };
  if (t.truncated) return { ...base, omitted: 'a truncated WBXML message is not shown (it may hold credentials)' };
  try {
    return { ...base, xml: redactCredentials(encodeXmlString(decodeWbxml(t.body))) };
  } catch {
    return { ...base, omitted: 'a WBXML message that does not decode is not shown (it may hold credentials)' };
  }
}
