/**
 * Hands the stored alerts (store.unhandledAlerts, oldest first) to every handler, and marks
 * an alert handled once each handler took it.
 *
 * Rules kept here
 * 1. A run takes at most `batchSize` alerts; a run asked for while one is going joins it
 *    (never two at once).
 * 2. A handler that failed in a run is not offered more alerts in that run (its receiver is
 *    likely down; the next run tries again); the alerts it missed wait, the other handlers
 *    still get them.
 * 3. An alert a handler failed `maxDeliveries` times is given up for that handler (an
 *    `alert-given-up` event records it), so one alert it cannot take never blocks the
 *    alerts behind it.
 * 4. Which handlers took an alert not yet marked is remembered by this dispatcher (at most
 *    `maxTracked` alerts): across a restart a handler may see an alert again. Delivery is
 *    at least once; handlers dedupe by alert id.
 * 5. A handler has `handlerTimeoutMs` to resolve; after that its signal is aborted and the
 *    delivery counts as failed.
 * 6. With no handlers nothing is marked: alerts wait for a handler to be configured.
 */
import type { Store } from '../store/store.js';
import type { StoredAlert } from '../store/types.js';
import type { AlertDispatchEvent, AlertDispatchObserver, AlertHandler } from './handler.js';

export interface AlertDispatcherOptions {
  readonly store: Pick<Store, 'unhandledAlerts' | 'markAlertHandled'>;
  readonly handlers: readonly AlertHandler[];
  /** Milliseconds since the epoch. Default Date.now. */
  readonly clock?: () => number;
  /** Alerts per run. Default 100. */
  readonly batchSize?: number;
  /** Failed deliveries of one alert to one handler before it is given up. Default 5. */
  readonly maxDeliveries?: number;
  /** Time a handler has for one alert. Default 300 000 ms (a webhook retries inside it). */
  readonly handlerTimeoutMs?: number;
  /** Alerts whose partial progress is remembered. Default 10 000. */
  readonly maxTracked?: number;
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

interface Progress {
  readonly taken: Set<string>;
  readonly failures: Map<string, number>;
  givenUp: boolean;
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
  const maxTracked = positive(options.maxTracked ?? 10_000, 'maxTracked');
  const observers = options.observers ?? [];
  const progress = new Map<number, Progress>();

  const emit = (event: AlertDispatchEvent): void => {
    for (const observe of observers) {
      try {
        observe(event);
      } catch {
        // an observer's failure is its own
      }
    }
  };

  const track = (id: number): Progress => {
    let p = progress.get(id);
    if (p === undefined) {
      p = { taken: new Set(), failures: new Map(), givenUp: false };
      progress.set(id, p);
      // The oldest entries go first (a Map keeps insertion order).
      while (progress.size > maxTracked) progress.delete(progress.keys().next().value!);
    }
    return p;
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
    const report = { offered: 0, handled: 0, delivered: 0, failed: 0, givenUp: 0, skipped: 0 };
    if (handlers.length === 0) return report;
    const alerts = await store.unhandledAlerts(batchSize);
    report.offered = alerts.length;
    const down = new Set<string>();
    for (const alert of alerts) {
      const p = track(alert.id);
      for (const handler of handlers) {
        if (p.taken.has(handler.name)) continue;
        if (down.has(handler.name)) {
          report.skipped++;
          continue;
        }
        const deliveries = (p.failures.get(handler.name) ?? 0) + 1;
        try {
          await deliver(handler, alert);
          p.taken.add(handler.name);
          report.delivered++;
          emit({ type: 'alert-delivered', alertId: alert.id, deviceId: alert.deviceId, handler: handler.name });
        } catch (error) {
          p.failures.set(handler.name, deliveries);
          down.add(handler.name);
          report.failed++;
          const willRetry = deliveries < maxDeliveries;
          emit({ type: 'alert-delivery-failed', alertId: alert.id, deviceId: alert.deviceId, handler: handler.name, deliveries, willRetry, error });
          if (!willRetry) {
            p.taken.add(handler.name);
            p.givenUp = true;
            report.givenUp++;
            emit({ type: 'alert-given-up', alertId: alert.id, deviceId: alert.deviceId, handler: handler.name, deliveries });
          }
        }
      }
      if (handlers.every((h) => p.taken.has(h.name))) {
        await store.markAlertHandled(alert.id, clock());
        progress.delete(alert.id);
        report.handled++;
        emit({ type: 'alert-handled', alertId: alert.id, deviceId: alert.deviceId, givenUp: p.givenUp });
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
