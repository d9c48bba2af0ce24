/**
 * Prometheus metrics (prom-client) of one server instance, in a registry of its own (never
 * prom-client's global one: tests and embedders run several servers in one process).
 * `observer` counts the DM service's events; the job gauge is read from the store at
 * scrape time (`store.jobCounts()`), so it is right whichever process did the work.
 *
 * Label values that come from outside a fixed set (decode-warning kinds, auth schemes,
 * HTTP statuses, alert codes) are bounded: after `maxLabelValues` distinct values of a
 * label, further ones count as `other`, so no device can grow the registry without bound.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlertDispatchObserver } from '../alerts/handler.js';
import type { ServiceObserver } from '../service/events.js';
import type { SweepObserver } from '../sweeper.js';
import type { Store } from '../store/store.js';
import type { JobState } from '../store/types.js';

export interface MetricsOptions {
  /** Where the job gauge reads its counts. Without it, no job gauge. */
  readonly store?: Pick<Store, 'jobCounts'>;
  /** Prefix of every metric name. Default `omadm_`. */
  readonly prefix?: string;
  /** The process metrics of prom-client (CPU, memory, event loop lag, …). Default true. */
  readonly processMetrics?: boolean;
  /** Distinct values kept per open-ended label before `other`. Default 64. */
  readonly maxLabelValues?: number;
}

export interface ServerMetrics {
  readonly registry: Registry;
  /** Counts each event of the DM service. */
  readonly observer: ServiceObserver;
  /** Counts the alert dispatcher's deliveries (createAlertDispatcher's `observers`). */
  readonly alertObserver: AlertDispatchObserver;
  /** Counts sweeps and their failed stages (createSweeper's `observers`). */
  readonly sweepObserver: SweepObserver;
  /** The media type of `text()` (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** The exposition text (collects the job gauge from the store first). */
  text(): Promise<string>;
}

export const OTHER_LABEL = 'other';

/** Maps label values onto at most `max` distinct ones (then `other`), each at most 64 characters. */
export function boundedLabel(max: number): (value: string) => string {
  const known = new Set<string>();
  return (value) => {
    const v = value.length > 64 ? value.slice(0, 64) : value;
    if (known.has(v)) return v;
    if (known.size >= max) return OTHER_LABEL;
    known.add(v);
    return v;
  };
}

export function createMetrics(options: MetricsOptions = {}): ServerMetrics {
  const prefix = options.prefix ?? 'omadm_';
  const maxValues = options.maxLabelValues ?? 64;
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const sessionsStarted = new Counter({ name: `${prefix}sessions_started_total`, help: 'DM sessions started', registers });
  const sessionsEnded = new Counter({ name: `${prefix}sessions_ended_total`, help: 'DM sessions ended, by outcome', labelNames: ['outcome'] as const, registers });
  const messages = new Counter({ name: `${prefix}messages_total`, help: 'DM messages, by direction (in: received, out: answers sent) and encoding', labelNames: ['direction', 'encoding'] as const, registers });
  const bytes = new Counter({ name: `${prefix}message_bytes_total`, help: 'Bytes of DM messages, by direction and encoding', labelNames: ['direction', 'encoding'] as const, registers });
  const duplicates = new Counter({ name: `${prefix}duplicate_answers_total`, help: 'Answers sent again for a message received twice', registers });
  const warnings = new Counter({ name: `${prefix}decode_warnings_total`, help: 'Slips of devices the lenient decoder recovered from, by kind', labelNames: ['kind'] as const, registers });
  const refusals = new Counter({ name: `${prefix}refusals_total`, help: 'Requests given no DM answer, by HTTP status', labelNames: ['status'] as const, registers });
  const authFailures = new Counter({ name: `${prefix}auth_failures_total`, help: 'Failed authentications of devices, by scheme and whether the device got locked out', labelNames: ['scheme', 'locked'] as const, registers });
  const jobsSent = new Counter({ name: `${prefix}jobs_sent_total`, help: 'Jobs sent to devices', registers });
  const jobsFinished = new Counter({ name: `${prefix}jobs_finished_total`, help: 'Jobs whose Status arrived, by state', labelNames: ['state'] as const, registers });
  const alerts = new Counter({ name: `${prefix}alerts_received_total`, help: 'Alerts received from devices (1226, 1227, 1228), by code', labelNames: ['code'] as const, registers });
  const errors = new Counter({ name: `${prefix}service_errors_total`, help: 'Failures inside the DM service', registers });
  const deliveries = new Counter({ name: `${prefix}alert_deliveries_total`, help: 'Alerts handed to a handler, by handler and result (delivered, failed, given-up)', labelNames: ['handler', 'result'] as const, registers });
  const alertsHandled = new Counter({ name: `${prefix}alerts_handled_total`, help: 'Alerts marked handled (every handler took them or was given up on)', registers });
  const sweeps = new Counter({ name: `${prefix}sweeps_total`, help: 'Sweeps of expired sessions and jobs and of unhandled alerts', registers });
  const sweepFailures = new Counter({ name: `${prefix}sweep_failures_total`, help: 'Stages of a sweep that failed, by stage', labelNames: ['stage'] as const, registers });

  const store = options.store;
  if (store !== undefined) {
    // One read of the store per scrape; the error counter (collected after the gauge, in
    // registration order) waits for it, so a failed read shows in the same scrape.
    let pending: Promise<unknown> = Promise.resolve();
    let failures = 0;
    new Gauge({
      name: `${prefix}jobs`,
      help: 'Jobs by state, in the queue (queued, sent) and the results (done, failed, expired, cancelled)',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const read = store.jobCounts();
        pending = read.catch(() => undefined);
        let counts: Record<JobState, number>;
        try {
          counts = await read;
        } catch {
          // A scrape shows no job samples rather than stale ones; /healthz tells why.
          this.reset();
          failures++;
          return;
        }
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
    new Counter({
      name: `${prefix}jobs_scrape_errors_total`,
      help: 'Scrapes whose job counts the store could not give',
      registers,
      async collect() {
        await pending;
        this.reset();
        this.inc(failures);
      },
    });
  }

  const kind = boundedLabel(maxValues);
  const status = boundedLabel(maxValues);
  const scheme = boundedLabel(maxValues);
  const code = boundedLabel(maxValues);
  const handlerName = boundedLabel(maxValues);

  const observer: ServiceObserver = (event) => {
    switch (event.type) {
      case 'session-started':
        return sessionsStarted.inc();
      case 'session-ended':
        return sessionsEnded.inc({ outcome: event.outcome });
      case 'message-in':
        messages.inc({ direction: 'in', encoding: event.encoding });
        return bytes.inc({ direction: 'in', encoding: event.encoding }, event.bytes);
      case 'message-out':
        messages.inc({ direction: 'out', encoding: event.encoding });
        bytes.inc({ direction: 'out', encoding: event.encoding }, event.bytes);
        if (event.duplicate) duplicates.inc();
        return;
      case 'decode-warning':
        return warnings.inc({ kind: kind(event.kind) });
      case 'refused':
        return refusals.inc({ status: status(String(event.status)) });
      case 'auth-failed':
        return authFailures.inc({ scheme: scheme(event.scheme ?? 'none'), locked: String(event.locked) });
      case 'job-sent':
        return jobsSent.inc();
      case 'job-finished':
        return jobsFinished.inc({ state: event.state });
      case 'alert-received':
        return alerts.inc({ code: code(String(event.code)) });
      case 'error':
        return errors.inc();
      default:
        return; // an event type added after this module: not counted
    }
  };

  const alertObserver: AlertDispatchObserver = (event) => {
    switch (event.type) {
      case 'alert-delivered':
        return deliveries.inc({ handler: handlerName(event.handler), result: 'delivered' });
      case 'alert-delivery-failed':
        return deliveries.inc({ handler: handlerName(event.handler), result: 'failed' });
      case 'alert-given-up':
        return deliveries.inc({ handler: handlerName(event.handler), result: 'given-up' });
      case 'alert-handled':
        return alertsHandled.inc();
    }
  };

  const sweepObserver: SweepObserver = (event) => {
    if (event.type === 'sweep-finished') sweeps.inc();
    else sweepFailures.inc({ stage: event.stage });
  };

  return { registry, observer, alertObserver, sweepObserver, contentType: registry.contentType, text: () => registry.metrics() };
}
