/**
 * The redaction rule of every log line: what a logger is handed is copied through
 * `redactForLog` before it is written, so no secret reaches a line whatever road it takes.
 *
 * Rules
 * 1. A `Secret` is `[redacted]`, wherever it sits.
 * 2. A value under a sensitive key is `[redacted]`, whatever it is: secrets, passwords,
 *    nonces, credentials, Authorization and x-syncml-hmac headers, tokens, digests, MACs,
 *    cookies (SENSITIVE_KEY, matched case-insensitively at any depth).
 * 3. Bytes (Uint8Array, Buffer, ArrayBuffer) are never written, only counted: a nonce or a
 *    message body under an unexpected key still stays out.
 * 4. Text that looks like a credential header (`Authorization: Basic …`,
 *    `x-syncml-hmac: algorithm=MD5, username="…", mac=…`, a `mac=` or `nonce=` parameter,
 *    a scheme and its token on their own: `Basic dXNlcjpwdw==`, as in `req.rawHeaders`)
 *    has its value replaced.
 * 5. Everything is bounded: depth, keys per object, items per array, characters per string;
 *    cycles are cut. What is cut is marked, never written.
 * Errors become plain objects (type, message, code, stack, own fields, cause), redacted the same way.
 */
import { isSecret } from '../store/secret.js';

export const REDACTED = '[redacted]';

/** Keys whose values never reach a log line. */
export const SENSITIVE_KEY =
  /secret|passw(?:or)?d|nonce|authori[sz]ation|hmac|credential|^creds?$|token|digest|^mac$|cookie|^auth$|authdata|^(?:client|server)?pass$/i;

/** Header-like text carrying a credential: the name, the separator, then the value to hide. */
const HEADER_TEXT = /\b((?:proxy-)?authori[sz]ation|x-syncml-hmac|cookie|set-cookie)(\s*[:=]\s*)[^\r\n]*/gi;
/** Parameters of an HMAC or digest header inside other text. */
const PARAM_TEXT = /\b(mac|nonce|response|password|secret)(\s*=\s*)(?:"[^"]*"|[^\s,;"]+)/gi;

export interface RedactLimits {
  readonly depth: number;
  readonly keys: number;
  readonly items: number;
  readonly chars: number;
  /** Values visited in all (a value shared many times over cannot multiply the work). */
  readonly nodes: number;
}

export const DEFAULT_REDACT_LIMITS: RedactLimits = { depth: 8, keys: 64, items: 64, chars: 4096, nodes: 4096 };

/** A credential after its scheme, as an Authorization value on its own (`req.rawHeaders`): a token with a digit, `+`, `/` or `=`. */
const SCHEME_TOKEN = /\b(Basic|Bearer|Digest|Negotiate|NTLM|Token)(\s+)(?=[A-Za-z0-9+/=._~-]*[0-9+/=])[A-Za-z0-9+/=._~-]{4,}/gi;
/** Whether text may hold what the patterns above replace (most text does not). */
const MAY_HOLD_CREDENTIAL = /(?:authori[sz]ation|hmac|cookie|mac|nonce|response|password|secret)\s*[:=]|(?:basic|bearer|digest|negotiate|ntlm|token)\s/i;

/** Text with credential headers and parameters hidden, and cut to `chars`. */
export function redactText(text: string, chars = DEFAULT_REDACT_LIMITS.chars): string {
  const cut = text.length > chars ? `${text.slice(0, chars)}…(${text.length - chars} more)` : text;
  if (!MAY_HOLD_CREDENTIAL.test(cut)) return cut;
  return cut.replace(HEADER_TEXT, `$1$2${REDACTED}`).replace(PARAM_TEXT, `$1$2${REDACTED}`).replace(SCHEME_TOKEN, `$1$2${REDACTED}`);
}

/** Keys seen before, and whether each is sensitive (keys repeat: the same few fields on every line). */
const keyVerdicts = new Map<string, boolean>();
const PLAIN_KEY = /^[\w.-]{1,64}$/;

function isSensitiveKey(key: string): boolean {
  let verdict = keyVerdicts.get(key);
  if (verdict === undefined) {
    verdict = SENSITIVE_KEY.test(key);
    if (keyVerdicts.size < 4096) keyVerdicts.set(key, verdict);
  }
  return verdict;
}

/** A copy of `value` that is safe to log (see the rules above). */
export function redactForLog(value: unknown, limits: RedactLimits = DEFAULT_REDACT_LIMITS): unknown {
  const seen = new WeakSet<object>();
  let budget = limits.nodes;
  const walk = (v: unknown, depth: number): unknown => {
    if (budget-- <= 0) return '[too large]';
    switch (typeof v) {
      case 'string':
        return redactText(v, limits.chars);
      case 'number':
      case 'boolean':
      case 'undefined':
        return v;
      case 'bigint':
        return v.toString();
      case 'symbol':
        return v.toString();
      case 'function':
        return undefined;
    }
    if (v === null) return null;
    if (isSecret(v)) return REDACTED;
    if (v instanceof Uint8Array) return `[${v.byteLength} bytes]`;
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return `[${(v as ArrayBuffer).byteLength} bytes]`;
    const object = v as object;
    if (seen.has(object)) return '[circular]';
    if (depth >= limits.depth) return '[too deep]';
    seen.add(object);
    try {
      if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
      if (Array.isArray(v)) {
        const out = v.slice(0, limits.items).map((item) => walk(item, depth + 1));
        if (v.length > limits.items) out.push(`…(${v.length - limits.items} more)`);
        return out;
      }
      if (v instanceof Map) return walkEntries([...v.entries()].map(([k, x]) => [String(k), x]), depth);
      if (v instanceof Set) return walk([...v], depth);
      if (v instanceof Error) return walkError(v, depth);
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') {
        try {
          return walk((v as { toJSON(): unknown }).toJSON(), depth + 1);
        } catch {
          return '[unserializable]';
        }
      }
      return walkEntries(Object.entries(object), depth);
    } finally {
      seen.delete(object);
    }
  };
  const walkEntries = (entries: [string, unknown][], depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, x] of entries.slice(0, limits.keys)) {
      const safeKey = PLAIN_KEY.test(key) ? key : redactText(key, 128);
      out[safeKey] = isSensitiveKey(key) ? REDACTED : walk(x, depth + 1);
    }
    if (entries.length > limits.keys) out['…'] = `${entries.length - limits.keys} more keys`;
    return out;
  };
  const walkError = (e: Error, depth: number): Record<string, unknown> => {
    const own = Object.entries(e).filter(([k]) => k !== 'name' && k !== 'message' && k !== 'stack' && k !== 'cause');
    const out: Record<string, unknown> = { type: e.name, message: redactText(e.message, limits.chars), ...walkEntries(own, depth) };
    if (e.stack !== undefined) out['stack'] = redactText(e.stack, limits.chars);
    if (e.cause !== undefined) out['cause'] = walk(e.cause, depth + 1);
    return out;
  };
  return walk(value, 0);
}
