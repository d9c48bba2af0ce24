/**
 * `/metrics` (Prometheus text format) and `/healthz` as a node:http request listener,
 * mountable under a prefix beside the DM endpoint and the REST API.
 *
 * Rules kept here
 * 1. The listener sees the request's whole path (`req.url` as it arrived) and answers
 *    `PREFIX/metrics` and `PREFIX/healthz`; any other path under the prefix is a 404.
 * 2. GET and HEAD only (405 with Allow otherwise); HEAD gets the headers without the body.
 * 3. `/healthz` is 200 only when the store answered a query within `healthTimeoutMs`, and
 *    the server is not draining (graceful shutdown); otherwise 503, so a load balancer
 *    stops sending. The body is small JSON and never carries an error's text (`onError`
 *    gets the error).
 * 4. `/metrics` that cannot be collected is a 500 with no detail (`onError` gets it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Store } from '../store/store.js';
import type { ServerMetrics } from './metrics.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** A listener and the path prefix it serves, as the server's app mounts it. */
export interface Route {
  readonly prefix: string;
  readonly listener: RequestListener;
}

export interface OpsHttpOptions {
  /** The store /healthz queries (a primary-key lookup of a device that cannot exist). */
  readonly store: Pick<Store, 'getDevice' | 'backend'>;
  /** What /metrics exposes. Without it, /metrics is a 404. */
  readonly metrics?: ServerMetrics;
  /** Where both paths live: '' (default) gives `/metrics` and `/healthz`, '/ops' gives `/ops/metrics`. */
  readonly prefix?: string;
  /** How long the store has to answer /healthz. Default 2000 ms. */
  readonly healthTimeoutMs?: number;
  /** True while the server shuts down: /healthz answers 503 `draining`. */
  readonly draining?: () => boolean;
  /** Told of the error behind a 503 or a 500. */
  readonly onError?: (error: unknown, path: string) => void;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 2000;

/** Thrown (to onError) when the store did not answer /healthz in time. */
export class HealthTimeoutError extends Error {
  override readonly name = 'HealthTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`the store did not answer within ${timeoutMs} ms`);
  }
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Resolves when the store answers, rejects on its error or after `timeoutMs`. */
async function probe(store: OpsHttpOptions['store'], timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HealthTimeoutError(timeoutMs)), timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([store.getDevice(''), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function opsRequestListener(options: OpsHttpOptions): RequestListener {
  const prefix = normalisePrefix(options.prefix ?? '');
  const timeoutMs = options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`healthTimeoutMs: a positive integer, not ${timeoutMs}`);
  const report = (error: unknown, path: string): void => {
    try {
      options.onError?.(error, path);
    } catch {
      // the reporter's own failure cannot change the answer
    }
  };
  return (req, res) => {
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    const route = pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length) : undefined;
    const known = route === '/healthz' || (route === '/metrics' && options.metrics !== undefined);
    if (!known) return send(req, res, 404, 'text/plain; charset=utf-8', 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(req, res, 405, 'text/plain; charset=utf-8', 'use GET or HEAD\n');
    }
    if (route === '/healthz') {
      if (options.draining?.()) return sendJson(req, res, 503, { status: 'draining' });
      probe(options.store, timeoutMs).then(
        () => sendJson(req, res, 200, { status: 'ok', store: options.store.backend }),
        (e: unknown) => {
          report(e, pathname);
          sendJson(req, res, 503, { status: 'unavailable', store: options.store.backend });
        },
      );
      return;
    }
    const metrics = options.metrics!;
    metrics.text().then(
      (text) => send(req, res, 200, metrics.contentType, text),
      (e: unknown) => {
        report(e, pathname);
        send(req, res, 500, 'text/plain; charset=utf-8', 'metrics could not be collected\n');
      },
    );
  };
}

/** The app's `routes` for the listener: one per path it serves (`PREFIX/metrics`, `PREFIX/healthz`),
 * so a router matching by prefix hands it nothing else. The listener reads the whole `req.url`. */
export function opsRoutes(options: OpsHttpOptions): Route[] {
  const prefix = normalisePrefix(options.prefix ?? '');
  const listener = opsRequestListener(options);
  const paths = options.metrics !== undefined ? ['/metrics', '/healthz'] : ['/healthz'];
  return paths.map((path) => ({ prefix: `${prefix}${path}`, listener }));
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: object): void {
  send(req, res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  const bytes = Buffer.from(body, 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', bytes.length);
  res.setHeader('Cache-Control', 'no-store');
  // The request may carry a body (it should not): drain it so keep-alive stays usable.
  req.resume();
  res.end(req.method === 'HEAD' ? undefined : bytes);
}
