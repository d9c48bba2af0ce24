/**
 * Lenient decoding: the slips real DM clients make that a decoder can recover from
 * because their meaning is not in doubt, each recorded as a DecodeWarning. The strict
 * decoders refuse every one of them with a DecodeError; `{ lenient: true }` takes them.
 * Nothing here changes what a strict decode does.
 */
import type { DecodeWarning } from './errors.js';
import type { LenientElementReader } from './element-reader.js';

/** Most warnings recorded for one message; past it, one `warnings-truncated` and no more. */
export const MAX_WARNINGS = 256;

/**
 * Every kind of slip a lenient decode recovers from, with what it means. A kind is a
 * stable name: logs and metrics count warnings by it.
 */
export const LENIENT_SLIPS = {
  'child-order': 'a child element out of the order the DTD gives, where each child still says what it is (TargetRef after Data)',
  'status-cmdref-missing': 'a Status for the SyncHdr (Cmd SyncHdr) without CmdRef, which can only be 0',
  'value-case': 'a Format value or a command name in another case (Chr for chr)',
  'value-space': 'white space around a code, a number, a Format value or a command name',
  'unescaped-ampersand': 'an & in XML text that starts no reference (AT&T), taken as the character',
  'xml-encoding':
    'an XML declaration naming another encoding over text that cannot be in it: UTF-16 over UTF-8 bytes (a message serialized to a string, then sent), or an ASCII-compatible one (ISO-8859-1) over ASCII',
  'trailing-nul': 'NUL bytes after the end of the message (a C string terminator sent with it)',
  'wbxml-version': 'a WBXML version byte other than 1.1 to 1.3: 1.0 (no charset field) or an unknown one, read as 1.3',
  'wbxml-charset': 'a WBXML charset of 0 (unknown) or US-ASCII (3), read as UTF-8 (as libwbxml does)',
  'wbxml-public-id-unterminated': 'the public identifier in the string table without its terminating NUL (it ends with the table)',
  'wbxml-public-id-case': 'the public identifier in another case (-//SYNCML//DTD SyncML 1.2//en)',
  'wbxml-string-unterminated': 'the last string of the string table without its terminating NUL (it ends with the table)',
  'warnings-truncated': `more than ${MAX_WARNINGS} slips in one message: the rest are not recorded`,
} as const;

export type LenientSlip = keyof typeof LENIENT_SLIPS;

/** Where a reader in lenient mode puts its warnings: the caller's array, bounded by MAX_WARNINGS. */
export class WarningLog {
  private count = 0;
  constructor(private readonly sink: DecodeWarning[] | undefined) {}

  add(kind: LenientSlip, message: string, path: string, offset: number): void {
    const n = ++this.count;
    if (n > MAX_WARNINGS + 1) return;
    const w: DecodeWarning =
      n === MAX_WARNINGS + 1
        ? { kind: 'warnings-truncated', message: `more than ${MAX_WARNINGS} slips: the rest are not recorded`, path, offset }
        : { kind, message, path, offset };
    this.sink?.push(w);
  }
}

function isSpaceCode(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** `s` without the XML white space around it. */
function trimXmlSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpaceCode(s.charCodeAt(a))) a++;
  while (b > a && isSpaceCode(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * The text of `element` (just closed) when it is one of a closed list of names: as read
 * when it is one or none of them; else the listed name it spells in another case or with
 * white space around it, recorded as a slip. `canonical` maps each name in lower case to
 * the name.
 */
export function knownName(r: LenientElementReader, value: string, canonical: ReadonlyMap<string, string>, element: string): string {
  if (value.length > 64) return value;
  const trimmed = trimXmlSpace(value);
  const name = canonical.get(trimmed.toLowerCase());
  if (name === undefined || name === value) return value;
  if (trimmed === name) r.slipClosed('value-space', `<${element}> ${JSON.stringify(value)} read as ${JSON.stringify(name)} (white space around it)`);
  else r.slipClosed('value-case', `<${element}> ${JSON.stringify(value)} read as ${JSON.stringify(name)}`);
  return name;
}

/** The text of `element` (just closed) that holds a number or a code: white space around the digits is dropped, as a slip. */
export function trimmedNumber(r: LenientElementReader, value: string, element: string): string {
  const c = value.charCodeAt(0);
  const d = value.charCodeAt(value.length - 1);
  if (!(isSpaceCode(c) || isSpaceCode(d)) || value.length > 64) return value;
  const trimmed = trimXmlSpace(value);
  if (!/^[0-9]+$/.test(trimmed)) return value;
  r.slipClosed('value-space', `<${element}> ${JSON.stringify(value)} read as ${JSON.stringify(trimmed)} (white space around it)`);
  return trimmed;
}
