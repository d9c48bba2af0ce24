/**
 * Hands the stored alerts (store.unhandledAlerts, oldest first) to every handler, and marks
 * an alert handled once each handler took it (or was given up on).
 *
 * Rules kept here
 * 1. A run takes at most `batchSize` alerts; a run asked for while one is going joins it
 *    (never two at once in this process).
 * 2. A handler that failed in a run is not offered more alerts in that run (its receiver is
 *    likely down; the next run tries again); the alerts it missed wait, the other handlers
 *    still get them.
 * 3. An alert a handler failed `maxDeliveries` times is given up for that handler (an
 *    `alert-given-up` event records it), so one alert it cannot take never blocks the
 *    alerts behind it.
 * 4. Where each alert stands with each handler is kept in the store (alert_deliveries),
 *    shared by every server process and kept across restarts: a delivery is claimed
 *    (store.claimAlertDelivery) before the handler is called, by one process at a time
 *    for `leaseMs`, and settled after (delivered, failed, given up). A delivery settled
 *    as delivered is never offered again, by any process; two processes never deliver
 *    the same alert to the same handler at once. What is left at least once: a process
 *    that dies (or whose handler outlives the lease) after the handler took the alert and
 *    before the settlement is written; once the lease runs out another process delivers
 *    it again. Handlers dedupe by alert id for that window.
 * 5. A handler has `handlerTimeoutMs` to resolve; after that its signal is aborted and the
 *    delivery counts as failed. The lease is longer than that, so a claim outlives the
 *    handler it covers.
 * 6. With no handlers nothing is marked: alerts wait for a handler to be configured.
 * 7. Only the process whose mark took effect tells `alert-handled`: once per alert.
 */
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/store.js';
import type { StoredAlert } from '../store/types.js';
import type { AlertDispatchEvent, AlertDispatchObserver, AlertHandler } from './handler.js';

export interface AlertDispatcherOptions {
  readonly store: Pick<Store, 'unhandledAlerts' | 'markAlertHandled' | 'claimAlertDelivery' | 'settleAlertDelivery' | 'alertDeliveries'>;
  readonly handlers: readonly AlertHandler[];
  /** Milliseconds since the epoch. Default Date.now. */
  readonly clock?: () => number;
  /** Alerts per run. Default 100. */
  readonly batchSize?: number;
  /** Failed deliveries of one alert to one handler before it is given up. Default 5. */
  readonly maxDeliveries?: number;
  /** Time a handler has for one alert. Default 300 000 ms (a webhook retries inside it). */
  readonly handlerTimeoutMs?: number;
  /** How long a claim on a delivery holds (rule 4). Default handlerTimeoutMs + 60 000 ms. */
  readonly leaseMs?: number;
  /** This dispatcher's name on its claims. Default a random UUID (one per dispatcher). */
  readonly owner?: string;
  readonly observers?: readonly AlertDispatchObserver[];
}

export interface DispatchReport {
  /** Alerts read from the store. */
  readonly offered: number;
  /** Alerts marked handled. */
  readonly handled: number;
  /** Alerts a handler took. */
  readonly delivered: number;
  readonly failed: number;
  readonly givenUp: number;
  /** Deliveries not tried because the handler had failed earlier in the run. */
  readonly skipped: number;
  /** Deliveries another process holds (rule 4): not tried by this one. */
  readonly busy: number;
}

export interface AlertDispatcher {
  /** One run (see the rules above). Rejects only when the store fails. */
  run(): Promise<DispatchReport>;
}

/** A handler that did not resolve in time. */
export class AlertHandlerTimeoutError extends Error {
  override readonly name = 'AlertHandlerTimeoutError';
  constructor(
    readonly handler: string,
    readonly timeoutMs: number,
  ) {
    super(`alert handler ${JSON.stringify(handler)} took more than ${timeoutMs} ms`);
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name}: a positive integer, not ${value}`);
  return value;
}

export function createAlertDispatcher(options: AlertDispatcherOptions): AlertDispatcher {
  const { store, handlers } = options;
  const names = new Set(handlers.map((h) => h.name));
  if (names.size !== handlers.length) throw new RangeError('alert handlers need distinct names');
  const clock = options.clock ?? Date.now;
  const batchSize = positive(options.batchSize ?? 100, 'batchSize');
  const maxDeliveries = positive(options.maxDeliveries ?? 5, 'maxDeliveries');
  const timeoutMs = positive(options.handlerTimeoutMs ?? 300_000, 'handlerTimeoutMs');
  const leaseMs = positive(options.leaseMs ?? timeoutMs + 60_000, 'leaseMs');
  if (leaseMs <= timeoutMs) throw new RangeError(`leaseMs (${leaseMs}) must be longer than handlerTimeoutMs (${timeoutMs})`);
  const owner = options.owner ?? randomUUID();
  const observers = options.observers ?? [];

  const emit = (event: AlertDispatchEvent): void => {
    for (const observe of observers) {
      try {
        observe(event);
      } catch {
        // an observer's failure is its own
      }
    }
  };

  const deliver = async (handler: AlertHandler, alert: StoredAlert): Promise<void> => {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new AlertHandlerTimeoutError(handler.name, timeoutMs);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([Promise.resolve().then(() => handler.handle(alert, { now: clock(), signal: controller.signal })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const runOnce = async (): Promise<DispatchReport> => {
    const report = { offered: 0, handled: 0, delivered: 0, failed: 0, givenUp: 0, skipped: 0, busy: 0 };
    if (handlers.length === 0) return report;
    const alerts = await store.unhandledAlerts(batchSize);
    report.offered = alerts.length;
    const down = new Set<string>();
    for (const alert of alerts) {
      const settled = new Map((await store.alertDeliveries(alert.id)).filter((d) => d.state !== 'pending').map((d) => [d.handler, d.state]));
      for (const handler of handlers) {
        if (settled.has(handler.name)) continue;
        if (down.has(handler.name)) {
          report.skipped++;
          continue;
        }
        const claim = await store.claimAlertDelivery(alert.id, handler.name, owner, clock(), leaseMs);
        if (claim === undefined) {
          // Another process holds it, or settled it since the look above.
          report.busy++;
          continue;
        }
        const deliveries = claim.failures + 1;
        try {
          await deliver(handler, alert);
        } catch (error) {
          down.add(handler.name);
          report.failed++;
          const willRetry = deliveries < maxDeliveries;
          await store.settleAlertDelivery(alert.id, handler.name, owner, willRetry ? 'pending' : 'given-up', true, clock());
          emit({ type: 'alert-delivery-failed', alertId: alert.id, deviceId: alert.deviceId, handler: handler.name, deliveries, willRetry, error });
          if (!willRetry) {
            settled.set(handler.name, 'given-up');
            report.givenUp++;
            emit({ type: 'alert-given-up', alertId: alert.id, deviceId: alert.deviceId, handler: handler.name, deliveries });
          }
          continue;
        }
        await store.settleAlertDelivery(alert.id, handler.name, owner, 'delivered', false, clock());
        settled.set(handler.name, 'delivered');
        report.delivered++;
        emit({ type: 'alert-delivered', alertId: alert.id, deviceId: alert.deviceId, handler: handler.name });
      }
      if (handlers.every((h) => settled.has(h.name)) && (await store.markAlertHandled(alert.id, clock()))) {
        report.handled++;
        const givenUp = handlers.some((h) => settled.get(h.name) === 'given-up');
        emit({ type: 'alert-handled', alertId: alert.id, deviceId: alert.deviceId, givenUp });
      }
    }
    return report;
  };

  let running: Promise<DispatchReport> | undefined;
  return {
    run() {
      running ??= runOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
