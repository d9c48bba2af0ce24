/**
 * The wire log of a case: every message sent and every answer, in order, with its bytes
 * and a readable XML rendering (a WBXML message is decoded and written as XML, so a person
 * reads both encodings the same way). Bounded: a log keeps at most MAX_ENTRIES entries and
 * at most MAX_TEXT characters of each rendering.
 */
import { Buffer } from 'node:buffer';
import { decode, encodeXmlString } from '../index.js';
import { sniffFormat } from '../message/decode.js';

export const MAX_ENTRIES = 200;
export const MAX_TEXT = 64 * 1024;

export interface WireEntry {
  readonly direction: 'sent' | 'received';
  readonly url: string;
  /** The HTTP status of an answer (200 for a DM message). */
  readonly httpStatus?: number;
  readonly size: number;
  /** `xml`, `wbxml`, or `other` for what is not a DM message (a refusal text, garbage we sent). */
  readonly format: 'xml' | 'wbxml' | 'other';
  /** The message as indented XML (decoded first when WBXML), or the text / a hex dump of what is no message. */
  readonly text: string;
  /** What happened beside the bytes (a timeout, a refused connection, a RespURI not followed). */
  readonly note?: string;
}

/** What is kept of an exchange until it is shown: the bytes, rendered only when asked for. */
interface Raw {
  readonly direction: WireEntry['direction'];
  readonly url: string;
  readonly bytes?: Uint8Array;
  readonly httpStatus?: number;
  readonly note?: string;
}

export class WireLog {
  private readonly raw: Raw[] = [];
  private rendered: WireEntry[] | undefined;
  private dropped = 0;

  private add(entry: Raw): void {
    if (this.raw.length >= MAX_ENTRIES) {
      this.dropped++;
      return;
    }
    this.raw.push(entry);
    this.rendered = undefined;
  }

  /** The entries, rendered (once; most runs' logs are never shown, so never rendered). */
  get entries(): WireEntry[] {
    this.rendered ??= this.raw.map((r) => ({
      direction: r.direction,
      url: r.url,
      ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
      size: r.bytes?.byteLength ?? 0,
      ...(r.bytes ? renderBytes(r.bytes) : { format: 'other' as const, text: '' }),
      ...(r.note !== undefined ? { note: r.note } : {}),
    }));
    return this.rendered;
  }

  /** Entries left out because the log was full. */
  get omitted(): number {
    return this.dropped;
  }

  message(direction: WireEntry['direction'], url: string, bytes: Uint8Array, extra: { httpStatus?: number; note?: string } = {}): void {
    this.add({ direction, url, bytes, ...extra });
  }

  note(direction: WireEntry['direction'], url: string, note: string, httpStatus?: number): void {
    this.add({ direction, url, note, ...(httpStatus !== undefined ? { httpStatus } : {}) });
  }
}

/**
 * `result` with a `wire` property that renders `log` when first read (a report, a JSON
 * file): a run keeps the wire log of every case, and most are never looked at.
 */
export function withWire<T extends object>(result: T, log: WireLog): T & { readonly wire: readonly WireEntry[] } {
  return Object.defineProperty(result, 'wire', { get: () => log.entries, enumerable: true, configurable: true }) as T & { readonly wire: readonly WireEntry[] };
}

/** A readable form of bytes that should be a DM message. */
export function renderBytes(bytes: Uint8Array): { format: WireEntry['format']; text: string } {
  const format = sniffFormat(bytes);
  try {
    const message = decode(bytes, { limits: { maxBytes: 4 * 1024 * 1024 } });
    return { format, text: cap(indentXml(encodeXmlString(message))) };
  } catch {
    // Not a message (or not one we read): XML-ish text as it is, anything else as hex.
    if (format === 'xml') {
      const text = Buffer.from(bytes.subarray(0, MAX_TEXT)).toString('utf8');
      if (!text.includes('\uFFFD')) return { format: 'xml', text: cap(text) };
    }
    return { format: 'other', text: hexDump(bytes.subarray(0, Math.floor(MAX_TEXT / 4))) };
  }
}

function cap(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters)` : text;
}

/** Indents compact XML as our encoder writes it: one element per line, text kept inline. */
export function indentXml(xml: string): string {
  const out: string[] = [];
  let depth = 0;
  const re = /(<\/?[^>]+>)|([^<]+)/g;
  let pending = '';
  for (const m of xml.matchAll(re)) {
    const token = m[0];
    if (m[2] !== undefined) {
      pending += token;
      continue;
    }
    if (token.startsWith('</')) {
      if (pending !== '') {
        out[out.length - 1] += pending + token;
        pending = '';
        depth--;
        continue;
      }
      depth--;
      out.push('  '.repeat(Math.max(depth, 0)) + token);
    } else {
      if (pending !== '') {
        out[out.length - 1] += pending;
        pending = '';
      }
      out.push('  '.repeat(depth) + token);
      if (!token.endsWith('/>') && !token.startsWith('<?')) depth++;
    }
  }
  if (pending !== '') out.push(pending);
  return out.join('\n');
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push(Buffer.from(bytes.subarray(i, i + 16)).toString('hex').replace(/(..)/g, '$1 ').trim());
  }
  return lines.join('\n');
}
