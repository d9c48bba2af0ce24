/**
 * The part of fetch HttpTransport uses (a POST with a body, headers, an abort signal, a
 * bounded read of the answer), over node:http with a keep-alive agent: the fuzzer sends
 * thousands of small messages, and undici's fetch machinery cost it more CPU per message
 * than the server under test spends (bench/fuzz.ts). The answer's body is read at most to
 * `maxBytes + 1` bytes, then the socket is dropped.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export function nodeFetch(maxBytes: number): typeof globalThis.fetch {
  const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 4 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 4 }) };
  const fetchLike = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const secure = url.protocol === 'https:';
      const headers = new Headers(init.headers);
      const body = init.body instanceof Uint8Array ? init.body : typeof init.body === 'string' ? Buffer.from(init.body) : undefined;
      const outgoing: Record<string, string> = {};
      headers.forEach((v, k) => (outgoing[k] = v));
      if (body) outgoing['content-length'] = String(body.byteLength);
      const req = (secure ? httpsRequest : httpRequest)(url, { method: init.method ?? 'GET', headers: outgoing, agent: secure ? agents.https : agents.http }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.byteLength;
          if (size > maxBytes + 1) {
            res.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('close', () => {
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
          // The length header goes with the bytes kept: the transport checks the size itself.
          h.delete('content-length');
          const status = res.statusCode ?? 0;
          const all = Buffer.concat(chunks);
          resolve(new Response(status === 204 || status === 304 ? null : all, { status, statusText: res.statusMessage ?? '', headers: h }));
        });
      });
      req.on('error', reject);
      const signal = init.signal;
      if (signal) {
        if (signal.aborted) req.destroy(new Error('aborted'));
        else signal.addEventListener('abort', () => req.destroy(new Error('aborted')), { once: true });
      }
      req.end(body);
    });
  return fetchLike as typeof globalThis.fetch;
}
