/**
 * The one outgoing HTTP POST of the server (the alert webhook, the Package#0 push sender,
 * the SMS gateway): bounded, no pooling.
 *
 * Rules
 * 1. One timeout over the whole exchange, from connecting to the end of the answer.
 * 2. The answer's body is read up to `maxResponseBytes` and dropped; beyond that the
 *    connection is cut (the status and headers already came).
 * 3. An abort signal cuts the exchange at once; its reason (when an Error) is the error.
 * 4. It never rejects: the outcome is the status and headers, or the error.
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type PostOutcome = { readonly status: number; readonly headers: IncomingHttpHeaders } | { readonly error: Error };

export interface PostOptions {
  readonly headers: OutgoingHttpHeaders;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly signal?: AbortSignal;
}

/** `url` as a URL, refused (RangeError naming `what`) unless it is http: or https:. */
export function checkHttpUrl(url: string | URL, what: string): URL {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`${what}: http: or https:, not ${u.protocol}`);
  return u;
}

export function postBytes(url: URL, body: Uint8Array, options: PostOptions): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const { signal } = options;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', agent: false, headers: { ...options.headers, 'content-length': body.length } });
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    timer.unref();
    const onAbort = (): void => void req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort);
    req.on('error', (error) => finish({ error }));
    req.on('response', (res) => {
      let read = 0;
      const answer = { status: res.statusCode ?? 0, headers: res.headers };
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > options.maxResponseBytes) res.destroy();
      });
      res.on('end', () => finish(answer));
      res.on('close', () => finish(answer));
      res.on('error', () => finish(answer));
    });
    req.end(body);
  });
}
