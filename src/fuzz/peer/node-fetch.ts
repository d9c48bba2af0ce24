/**
 * The part of fetch HttpTransport uses (a POST with a body, headers, an abort signal, a
 * bounded read of the answer), over node:http with a keep-alive agent: the fuzzer sends
 * thousands of small messages, and undici's fetch machinery cost it more CPU per message
 * than the server under test spends (bench/fuzz.ts). The answer's body is read at most to
 * `maxBytes + 1` bytes, then the socket is dropped.
 *
 * The answer is not an undici Response either (its Headers, its ReadableStream and their
 * transferable wrappers cost as much as the HTTP exchange itself): it is a `BufferedAnswer`
 * with what HttpTransport reads of a Response (status, statusText, headers.get, and a body
 * whose reader yields the bytes read, once).
 */
import { Buffer } from 'node:buffer';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The headers of an answer, read as `Headers.get` reads them (case-insensitive, repeated ones joined). */
class AnswerHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const key = name.toLowerCase();
    // The length header goes with the bytes kept: the transport checks the size itself.
    if (key === 'content-length') return null;
    const v = this.raw[key];
    return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
  }

  has(name: string): boolean {
    return this.get(name) !== null;
  }

  forEach(fn: (value: string, key: string) => void): void {
    for (const key of Object.keys(this.raw)) {
      const v = this.get(key);
      if (v !== null) fn(v, key);
    }
  }
}

/** The body of an answer, already read: a reader that yields it once. */
class AnswerBody {
  private taken = false;

  constructor(private readonly bytes: Uint8Array) {}

  getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void>; releaseLock(): void } {
    return {
      read: () => {
        if (this.taken || this.bytes.byteLength === 0) return Promise.resolve({ done: true });
        this.taken = true;
        return Promise.resolve({ done: false, value: this.bytes });
      },
      cancel: () => this.cancel(),
      releaseLock: () => undefined,
    };
  }

  cancel(): Promise<void> {
    this.taken = true;
    return Promise.resolve();
  }
}

/** An answer read to its end (or to the limit): what HttpTransport reads of a Response. */
class BufferedAnswer {
  readonly ok: boolean;
  readonly headers: AnswerHeaders;
  readonly body: AnswerBody | null;

  constructor(
    readonly status: number,
    readonly statusText: string,
    headers: IncomingHttpHeaders,
    bytes: Uint8Array,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = new AnswerHeaders(headers);
    this.body = status === 204 || status === 304 ? null : new AnswerBody(bytes);
  }
}

/** Request headers as HttpTransport gives them (a plain record), or any HeadersInit. */
function outgoingHeaders(init: RequestInit['headers']): Record<string, string> {
  if (init === undefined) return {};
  if (init instanceof Headers || Array.isArray(init)) {
    const out: Record<string, string> = {};
    new Headers(init).forEach((v, k) => (out[k] = v));
    return out;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(init as Record<string, string>)) out[k.toLowerCase()] = v;
  return out;
}

export function nodeFetch(maxBytes: number): typeof globalThis.fetch {
  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 4 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };
  // The fuzzer posts to one address (two with a RespURI): parsed once each.
  const targets = new Map<string, { secure: boolean; options: RequestOptions }>();
  const target = (input: string) => {
    let t = targets.get(input);
    if (t === undefined) {
      const url = new URL(input);
      const secure = url.protocol === 'https:';
      t = { secure, options: { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || (secure ? 443 : 80), path: `${url.pathname}${url.search}`, ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}) } };
      if (targets.size >= 16) targets.clear();
      targets.set(input, t);
    }
    return t;
  };
  const fetchLike = (input: string | URL | Request, init: RequestInit = {}): Promise<BufferedAnswer> =>
    new Promise<BufferedAnswer>((resolve, reject) => {
      const { secure, options } = target(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
      const body = init.body instanceof Uint8Array ? init.body : typeof init.body === 'string' ? Buffer.from(init.body) : undefined;
      const headers = outgoingHeaders(init.headers);
      if (body) headers['content-length'] = String(body.byteLength);
      const req = (secure ? httpsRequest : httpRequest)({ ...options, method: init.method ?? 'GET', headers, agent: secure ? agents.https : agents.http }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let overLimit = false;
        res.on('data', (c: Buffer) => {
          if (overLimit) return;
          if (size + c.byteLength > maxBytes) {
            // One byte past the limit is kept, so that the transport sees the answer is too large.
            chunks.push(c.subarray(0, maxBytes + 1 - size));
            size = maxBytes + 1;
            overLimit = true;
            res.destroy();
            return;
          }
          size += c.byteLength;
          chunks.push(c);
        });
        res.on('error', (e) => {
          if (!overLimit) reject(e);
        });
        res.on('close', () => {
          if (!overLimit && !res.complete) return reject(new Error('the connection closed before the answer was complete'));
          const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          resolve(new BufferedAnswer(res.statusCode ?? 0, res.statusMessage ?? '', res.headers, all));
        });
      });
      req.on('error', reject);
      const signal = init.signal;
      if (signal) {
        if (signal.aborted) req.destroy(new Error('aborted'));
        else {
          const abort = () => req.destroy(new Error('aborted'));
          signal.addEventListener('abort', abort, { once: true });
          req.once('close', () => signal.removeEventListener('abort', abort));
        }
      }
      req.end(body);
    });
  return fetchLike as unknown as typeof globalThis.fetch;
}
