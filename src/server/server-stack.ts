/**
 * The whole DM server as `omadm serve` (and `omadm demo`) run it, on one node:http server:
 * the DM endpoint (/dm) over the DM service, the management REST API (/api/v1, with its
 * OpenAPI document), /metrics and /healthz; structured JSON logs and Prometheus metrics fed
 * by the service's events; a sweeper that expires idle sessions and old jobs and hands
 * stored alerts to the webhook. Each part is usable alone (app.ts, api/, ops/, alerts/,
 * sweeper.ts); this module only joins them, in one place. With a webhook, an alert the
 * service stores is dispatched at once (the sweeps retry what failed).
 *
 * `close()` drains: /healthz says `draining`, the sweeper stops, the message in flight is
 * answered; the store stays open (its owner closes it).
 */
import { startOmadmServer, type OmadmServer, type OmadmServerOptions } from './app.js';
import { apiRoute } from './api/index.js';
import { Management } from './management/index.js';
import { alertLogObserver, createLogger, createMetrics, logObserver, opsRoutes, sweepLogObserver, type Logger, type LogLevel, type ServerMetrics } from './ops/index.js';
import { createAlertDispatcher, webhookHandler } from './alerts/index.js';
import { createSweeper } from './sweeper.js';
import type { Secret } from './store/secret.js';
import type { Store } from './store/store.js';
import type { DmServiceOptions } from './service/options.js';
import type { ServiceObserver } from './service/events.js';

export interface ServerStackOptions {
  readonly store: Store;
  /** The token of the management API (at least 16 characters). */
  readonly adminToken: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** JSON log lines: where and from which level; `false` for none. Default info to standard output. */
  readonly log?: false | { readonly level?: LogLevel; readonly destination?: { write(line: string): unknown } };
  /** Stored alerts (Generic Alert, tree alerts) are POSTed here, signed with `secret`. */
  readonly webhook?: { readonly url: string; readonly secret: Secret };
  /** Time between sweeps (session and job expiry, alert dispatch). Default 30 s. */
  readonly sweepEveryMs?: number;
  /** Told of every event of the DM service, beside the logs and metrics. */
  readonly observers?: readonly ServiceObserver[];
  /** The DM service's own settings (session TTL, MaxMsgSize, ...). */
  readonly service?: Omit<DmServiceOptions, 'store' | 'observers'>;
  /** HTTP limits of the DM endpoint. */
  readonly http?: Pick<OmadmServerOptions, 'path' | 'maxBodyBytes' | 'timeouts' | 'graceMs'>;
}

export interface ServerStack {
  /** The DM endpoint's URL (http://HOST:PORT/dm). */
  readonly url: string;
  /** http://HOST:PORT: the REST API is under `${origin}/api/v1`. */
  readonly origin: string;
  readonly server: OmadmServer;
  readonly management: Management;
  readonly metrics: ServerMetrics;
  readonly logger?: Logger;
  /** Runs a sweep now (expiry and alert dispatch), as the timer does. */
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export async function startServerStack(options: ServerStackOptions): Promise<ServerStack> {
  const { store } = options;
  const logger = options.log === false ? undefined : createLogger({ ...(options.log?.level ? { level: options.log.level } : {}), ...(options.log?.destination ? { destination: options.log.destination } : {}) });
  const metrics = createMetrics({ store });
  // Set once the dispatcher exists (below): a stored alert goes out at once, not at the next sweep.
  let dispatchNow: () => void = () => undefined;
  const observers: ServiceObserver[] = [
    metrics.observer,
    ...(logger ? [logObserver(logger)] : []),
    ...(options.observers ?? []),
    (event) => {
      if (event.type === 'alert-received') dispatchNow();
    },
  ];
  const onError = (error: unknown): void => logger?.error({ err: error instanceof Error ? { name: error.name, message: error.message } : String(error) }, 'request failed');
  const management = new Management(store);
  let draining = false;
  const server = await startOmadmServer({
    ...options.service,
    ...options.http,
    store,
    observers,
    adminToken: options.adminToken,
    ...(options.host !== undefined ? { host: options.host } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    routes: [apiRoute({ management, adminToken: options.adminToken, onError }), ...opsRoutes({ store, metrics, draining: () => draining, onError })],
    onError,
  });
  const dispatcher = createAlertDispatcher({
    store,
    handlers: options.webhook ? [webhookHandler({ url: options.webhook.url, secret: options.webhook.secret })] : [],
    observers: [metrics.alertObserver, ...(logger ? [alertLogObserver(logger)] : [])],
  });
  // One run at a time; alerts stored during a run get one more run after it.
  let dispatching: Promise<unknown> | undefined;
  let again = false;
  if (options.webhook) {
    dispatchNow = () => {
      if (dispatching) {
        again = true;
        return;
      }
      dispatching = dispatcher
        .run()
        .catch(() => undefined)
        .finally(() => {
          dispatching = undefined;
          if (again && !draining) {
            again = false;
            dispatchNow();
          }
        });
    };
  }
  const sweeper = createSweeper({
    store,
    intervalMs: options.sweepEveryMs ?? 30_000,
    dispatcher,
    observers: [metrics.sweepObserver, ...(logger ? [sweepLogObserver(logger)] : [])],
    serviceObservers: observers,
  });
  sweeper.start();
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    origin: server.origin,
    server,
    management,
    metrics,
    ...(logger ? { logger } : {}),
    async sweep() {
      await sweeper.sweep();
    },
    close() {
      closing ??= (async () => {
        draining = true;
        await sweeper.stop();
        await dispatching;
        await server.close();
      })();
      return closing;
    },
  };
}
