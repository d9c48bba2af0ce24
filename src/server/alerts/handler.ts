/**
 * What takes the alerts devices sent (Generic Alert 1226, tree alerts 1227/1228) once the
 * store has them: pluggable handlers, and what the dispatcher tells its observer.
 */
import type { StoredAlert } from '../store/types.js';

/** Given to a handler with each alert. */
export interface AlertContext {
  /** The dispatcher's time when the alert was handed over. */
  readonly now: number;
  /** Aborted when the handler took longer than the dispatcher's handler timeout. */
  readonly signal: AbortSignal;
}

/**
 * Takes alerts. `handle` resolves when the alert is taken (and may be marked handled as
 * far as this handler goes) and rejects when it could not be: the dispatcher offers it
 * again in a later run. Each delivery is claimed in the store (dispatch.ts rule 4): a
 * handler sees an alert again, with the same `id`, only when the process that delivered
 * it died (or outlived its lease) before writing that it did. Dedupe by `id` for that.
 */
export interface AlertHandler {
  /** Unique among the dispatcher's handlers; names the handler in events and metrics. */
  readonly name: string;
  handle(alert: StoredAlert, context: AlertContext): Promise<void>;
}

/** What the dispatcher reports, one event per fact. */
export type AlertDispatchEvent =
  | { readonly type: 'alert-delivered'; readonly alertId: number; readonly deviceId: string; readonly handler: string }
  /** The handler failed with this alert; `willRetry`: a later run offers it again. */
  | { readonly type: 'alert-delivery-failed'; readonly alertId: number; readonly deviceId: string; readonly handler: string; readonly deliveries: number; readonly willRetry: boolean; readonly error: unknown }
  /** The handler failed `deliveries` times with this alert: the dispatcher stopped offering it. */
  | { readonly type: 'alert-given-up'; readonly alertId: number; readonly deviceId: string; readonly handler: string; readonly deliveries: number }
  /** Every handler took the alert (or was given up on): it is marked handled in the store. */
  | { readonly type: 'alert-handled'; readonly alertId: number; readonly deviceId: string; readonly givenUp: boolean };

export type AlertDispatchObserver = (event: AlertDispatchEvent) => void;
