/**
 * Leaf values checked against their Format (MetInf Format values, generated/codes.ts).
 * A value the format cannot hold answers 400; an unknown format 415. Interior nodes are
 * `node` and hold no value; `null` leaves hold none either.
 *
 *   int    signed 32-bit decimal          bool   "true" | "false"
 *   float  decimal, optional exponent     date   ISO 8601 YYYY-MM-DD or YYYYMMDD
 *   time   ISO 8601 hh:mm:ss or hhmmss, optional fraction and zone (Z, +hh:mm)
 *   b64    padded base64 (XML white space allowed)
 *   xml    one well-formed element (tags balanced; no DTD)
 *   chr, bin  any text
 */
import { Format, isFormat, StatusCode } from '../../../generated/codes.js';
import { TreeError } from './errors.js';

const INT = /^[+-]?\d{1,10}$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):?([0-5]\d):?([0-5]\d|60)(?:[.,]\d+)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Throws TreeError unless `value` is a valid value of `format`. */
export function checkValue(format: string, value: string, uri?: string): void {
  if (!isFormat(format)) throw new TreeError(`unknown Format ${JSON.stringify(format)}`, StatusCode.UnsupportedMediaTypeOrFormat, uri);
  const why = valueProblem(format, value);
  if (why !== undefined) throw new TreeError(`value is not ${format}: ${why}`, StatusCode.BadRequest, uri);
}

function valueProblem(format: Format, value: string): string | undefined {
  switch (format) {
    case Format.Integer: {
      const t = value.trim();
      if (!INT.test(t)) return 'not a decimal integer';
      const n = Number(t);
      return n < -(2 ** 31) || n > 2 ** 31 - 1 ? 'outside the 32-bit range' : undefined;
    }
    case Format.Boolean:
      return value.trim() === 'true' || value.trim() === 'false' ? undefined : 'neither "true" nor "false"';
    case Format.Float:
      return FLOAT.test(value.trim()) ? undefined : 'not a decimal number';
    case Format.Date: {
      const m = DATE.exec(value.trim());
      if (!m) return 'not YYYY-MM-DD';
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
      return mo >= 1 && mo <= 12 && d >= 1 && d <= days ? undefined : 'no such day';
    }
    case Format.Time:
      return TIME.test(value.trim()) ? undefined : 'not hh:mm:ss';
    case Format.Base64:
      return B64.test(value.replace(/[\t\n\r ]+/g, '')) ? undefined : 'not base64';
    case Format.Xml:
      return xmlProblem(value);
    case Format.Node:
    case Format.Null:
      return value === '' ? undefined : `a ${format} node holds no value`;
    case Format.Character:
    case Format.Binary:
      return undefined;
  }
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9._:]*/;

/** A small well-formedness check: one root element, tags balanced and named alike. */
function xmlProblem(text: string): string | undefined {
  const open: string[] = [];
  let roots = 0;
  let i = 0;
  const s = text;
  while (i < s.length) {
    const lt = s.indexOf('<', i);
    const chunk = lt < 0 ? s.slice(i) : s.slice(i, lt);
    if (open.length === 0 && chunk.trim() !== '') return 'text outside the root element';
    if (lt < 0) break;
    if (s.startsWith('<?', lt)) {
      const end = s.indexOf('?>', lt + 2);
      if (end < 0) return 'unclosed processing instruction';
      i = end + 2;
    } else if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4);
      if (end < 0) return 'unclosed comment';
      i = end + 3;
    } else if (s.startsWith('<![CDATA[', lt)) {
      if (open.length === 0) return 'CDATA outside the root element';
      const end = s.indexOf(']]>', lt + 9);
      if (end < 0) return 'unclosed CDATA section';
      i = end + 3;
    } else if (s.startsWith('<!', lt)) {
      return 'no DTD or declarations';
    } else {
      const end = s.indexOf('>', lt + 1);
      if (end < 0) return 'unclosed tag';
      const tag = s.slice(lt + 1, end);
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim();
        if (open.pop() !== name) return `</${name}> closes nothing open`;
      } else {
        const m = NAME.exec(tag);
        if (!m) return 'bad tag name';
        const selfClosing = tag.endsWith('/');
        if (open.length === 0) roots++;
        if (roots > 1) return 'more than one root element';
        if (!selfClosing) open.push(m[0]);
      }
      i = end + 1;
    }
  }
  if (open.length > 0) return `<${open[open.length - 1]}> is not closed`;
  return roots === 1 ? undefined : 'no root element';
}
