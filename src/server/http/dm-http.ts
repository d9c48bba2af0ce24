/**
 * The DM endpoint over HTTP (the HTTP binding of OMA DM): a POST carries one message, the
 * response carries the answer. This module is only the transport: it checks the method,
 * the path, the media type and the size, reads the exact body bytes (HMAC is computed over
 * them) and hands them to a handler, which returns the answer's bytes.
 *
 * Rules kept here
 * 1. Only POST to the configured path (or below it, for a RespURI that names a session);
 *    anything else is answered by HTTP itself (404, 405 with Allow) and never reaches the
 *    handler.
 * 2. A body larger than `maxBodyBytes` is refused with 413 before it is read: from
 *    Content-Length when there is one (also before `100 Continue`), otherwise as soon as
 *    the count passes the limit; the connection is then closed, so the rest is never read.
 * 3. The answer goes in the request's encoding and media-type family (dm or syncml).
 * 4. HTTP/1.0 clients, which read until the socket closes, get a Content-Length and a
 *    close; HTTP/1.1 keeps the connection alive.
 * 5. Slow clients cannot hold sockets: header, request and idle timeouts close them.
 * 6. A handler that throws gets a 500 with no detail on the wire; `onError` sees the error.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HMAC_HEADER_NAME } from '../../session/auth/digest.js';
import { DM_MEDIA_TYPES, dmMediaType, parseDmMediaType, type DmMediaType } from '../../binding/media-type.js';
import { positiveOption } from '../../binding/options.js';
import { readBody } from './read-body.js';

/** One DM message received over HTTP. */
export interface DmHttpRequest {
  /** The exact bytes of the body. */
  readonly body: Uint8Array;
  readonly media: DmMediaType;
  /** The `x-syncml-hmac` header, if sent. */
  readonly hmac?: string;
  /** What follows the endpoint's path ('' for the path itself, else e.g. '/s/4f2a'). */
  readonly subPath: string;
  readonly httpVersion: string;
  readonly remoteAddress?: string;
}

/** The answer: a DM message in the request's encoding, or an HTTP-level refusal. */
export type DmHttpAnswer =
  | { readonly kind: 'message'; readonly body: Uint8Array; readonly hmac?: string }
  /** No DM answer is possible (e.g. the body is not a DM message at all): plain text. */
  | { readonly kind: 'refusal'; readonly status: number; readonly reason: string };

export type DmHandler = (request: DmHttpRequest) => Promise<DmHttpAnswer> | DmHttpAnswer;

export interface DmHttpOptions {
  readonly handler: DmHandler;
  /** Where the endpoint listens. Default `/dm`. */
  readonly path?: string;
  /** Largest request body accepted. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Told of every handler error (the client only sees a 500). */
  readonly onError?: (error: unknown, request: { readonly subPath: string; readonly remoteAddress?: string }) => void;
}

export interface DmServerOptions extends DmHttpOptions {
  /** Time to receive the request headers. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time to receive a whole request. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  readonly keepAliveTimeoutMs?: number;
  /** A socket with no traffic at all is closed after this. Default 30 s. */
  readonly idleTimeoutMs?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The request listener of the DM endpoint, to mount on any node:http server. */
export function dmRequestListener(options: DmHttpOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const path = normalisePath(options.path ?? '/dm');
  const maxBodyBytes = positiveOption(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
  return (req, res) => {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0]!;
    if (path !== '/' && pathname !== path && !pathname.startsWith(path + '/')) return plain(res, 404, 'not found');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return plain(res, 405, 'a DM message is sent with POST');
    }
    const media = parseDmMediaType(req.headers['content-type']);
    if (media === undefined) return plain(res, 415, `Content-Type must be one of ${DM_MEDIA_TYPES.join(', ')}`);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) return tooLarge(res, maxBodyBytes);
    readBody(req, maxBodyBytes).then(
      async (body) => {
        if (body === undefined) return tooLarge(res, maxBodyBytes);
        const request: DmHttpRequest = {
          body,
          media,
          subPath: path === '/' ? (pathname === '/' ? '' : pathname) : pathname.slice(path.length),
          httpVersion: req.httpVersion,
          ...optional('hmac', header(req, HMAC_HEADER_NAME)),
          ...optional('remoteAddress', req.socket.remoteAddress),
        };
        let answer: DmHttpAnswer;
        try {
          answer = await options.handler(request);
        } catch (error) {
          options.onError?.(error, { subPath: request.subPath, ...optional('remoteAddress', request.remoteAddress) });
          return plain(res, 500, 'internal error');
        }
        if (answer.kind === 'refusal') return plain(res, answer.status, answer.reason);
        if (req.httpVersion === '1.0') res.setHeader('Connection', 'close');
        res.statusCode = 200;
        res.setHeader('Content-Type', dmMediaType(media));
        res.setHeader('Content-Length', answer.body.byteLength);
        if (answer.hmac !== undefined) res.setHeader(HMAC_HEADER_NAME, answer.hmac);
        res.end(answer.body);
      },
      () => {
        // The client went away or sent a broken body: nothing to answer.
        if (!res.headersSent) plain(res, 400, 'the request body could not be read');
      },
    );
  };
}

/** An HTTP server with the DM endpoint and the timeouts of rule 5. */
export function createDmServer(options: DmServerOptions): Server {
  const headersTimeout = positiveOption(options.headersTimeoutMs ?? 10_000, 'headersTimeoutMs');
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: positiveOption(options.requestTimeoutMs ?? 30_000, 'requestTimeoutMs'),
      keepAliveTimeout: positiveOption(options.keepAliveTimeoutMs ?? 5_000, 'keepAliveTimeoutMs'),
      // How often the header and request timeouts are checked: often enough to honour them.
      connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(headersTimeout / 2))),
    },
    dmRequestListener(options),
  );
  server.timeout = positiveOption(options.idleTimeoutMs ?? 30_000, 'idleTimeoutMs');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Expect: 100-continue: refuse a body that is too large before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) return tooLarge(res, maxBodyBytes);
    res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}

/**
 * Stops accepting connections, lets the requests in flight finish, closes idle keep-alive
 * connections at once and every other one after `graceMs`.
 */
export function stopDmServer(server: Server, graceMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close((error) => {
      clearTimeout(force);
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}


function tooLarge(res: ServerResponse, limit: number): void {
  // Close afterwards: the rest of the body is never read.
  res.setHeader('Connection', 'close');
  plain(res, 413, `the request body is larger than ${limit} bytes`);
  res.on('finish', () => res.socket?.destroySoon());
}

function plain(res: ServerResponse, status: number, text: string): void {
  const body = Buffer.from(text + '\n', 'utf8');
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.byteLength);
  res.end(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function normalisePath(path: string): string {
  if (!path.startsWith('/')) throw new RangeError(`the endpoint path must start with '/', not ${JSON.stringify(path)}`);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}


function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
