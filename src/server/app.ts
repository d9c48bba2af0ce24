/**
 * The DM server as one node:http server: the DM endpoint (dm-http.ts over a DmService) on
 * its path, and the other parts (the REST API under /api/v1, /metrics, /healthz) mounted
 * as routes by prefix. `close()` stops taking connections, lets the message in flight be
 * answered, then closes the rest; the store stays open (its owner closes it).
 *
 * It runs no timers: idle sessions are expired by the sweeper (sweeper.ts), which
 * server-stack.ts starts beside it (or the owner of a bare server does).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDmServer, dmRequestListener, stopDmServer, type DmServerOptions } from './http/dm-http.js';
import { DmService } from './service/service.js';
import type { DmServiceOptions } from './service/options.js';

/** Another part of the server, answering every request whose path starts with `prefix`. */
export interface Route {
  readonly prefix: string;
  listener(req: IncomingMessage, res: ServerResponse): void;
}

export interface OmadmServerOptions extends DmServiceOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port (see `url`). */
  readonly port?: number;
  /** The DM endpoint's path. Default /dm. */
  readonly path?: string;
  /** Mounted beside the DM endpoint, longest prefix first. */
  readonly routes?: readonly Route[];
  /** The token the management API asks for (kept here so the routes built for this server can read it). */
  readonly adminToken?: string;
  /** Largest DM message body accepted (413 beyond). Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** HTTP timeouts of the DM endpoint (dm-http.ts rule 5). */
  readonly timeouts?: Pick<DmServerOptions, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'idleTimeoutMs'>;
  /** Pins each session to `URL/s/REF` with RespURI (any process serves it; a balancer may route by it). Default false. */
  readonly pinSessions?: boolean;
  /** How long `close()` waits for requests in flight before closing their connections. Default 5 s. */
  readonly graceMs?: number;
  /** Told of every error a request handler raised (the client got a 500). */
  readonly onError?: (error: unknown) => void;
}

export interface OmadmServer {
  /** The DM endpoint's URL (http://HOST:PORT/dm). */
  readonly url: string;
  /** The base URL (http://HOST:PORT), for the routes. */
  readonly origin: string;
  readonly service: DmService;
  readonly adminToken?: string;
  /** Stops gracefully: the message in flight is answered first. */
  close(): Promise<void>;
}

export async function startOmadmServer(options: OmadmServerOptions): Promise<OmadmServer> {
  const path = options.path ?? '/dm';
  // The RespURI names the listening address, known once listening: read when a session begins.
  let origin = '';
  const service = new DmService({ ...options, ...(options.pinSessions ? { respUri: ({ ref }: { ref: number }) => `${origin}${path}/s/${ref}` } : {}) });
  const routes = [...(options.routes ?? [])].sort((a, b) => b.prefix.length - a.prefix.length);
  const dm = dmRequestListener({
    handler: service.handle,
    path,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
  });
  const server = createDmServer({
    handler: service.handle,
    path,
    ...(options.maxBodyBytes !== undefined ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...options.timeouts,
  });
  // One listener for everything: the routes by prefix, the DM endpoint for the rest.
  server.removeAllListeners('request');
  let closing: Promise<void> | undefined;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Once closing, a connection whose answer went out is closed, not kept alive.
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.setHeader('Connection', 'close');
    const pathname = (req.url ?? '/').split('?', 1)[0]!;
    const route = routes.find((r) => pathname === r.prefix || pathname.startsWith(r.prefix.endsWith('/') ? r.prefix : `${r.prefix}/`));
    if (route) {
      try {
        route.listener(req, res);
      } catch (error) {
        options.onError?.(error);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end('internal error\n');
        }
      }
      return;
    }
    dm(req, res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: origin + path,
    origin,
    service,
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
    close() {
      closing ??= stopDmServer(server, options.graceMs ?? 5_000);
      return closing;
    },
  };
}
