/** One bounded HTTP POST (no pooling): a timeout over the whole exchange, the answer read up to a bound and dropped. */
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type PostOutcome = { readonly status: number } | { readonly error: Error };

export interface PostOptions {
  readonly headers: OutgoingHttpHeaders;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly signal?: AbortSignal;
}

export function checkHttpUrl(url: string | URL, what: string): URL {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`${what}: http: or https:, not ${u.protocol}`);
  return u;
}

export function postBytes(url: URL, body: Uint8Array, options: PostOptions): Promise<PostOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', agent: false, headers: { ...options.headers, 'content-length': body.length } });
    const finish = (outcome: PostOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    timer.unref();
    const onAbort = (): void => void req.destroy(new Error('aborted'));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort);
    req.on('error', (error) => finish({ error }));
    req.on('response', (res) => {
      let read = 0;
      const status = res.statusCode ?? 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > options.maxResponseBytes) res.destroy();
      });
      res.on('end', () => finish({ status }));
      res.on('close', () => finish({ status }));
      res.on('error', () => finish({ status }));
    });
    req.end(body);
  });
}
