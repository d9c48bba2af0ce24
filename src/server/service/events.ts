/**
 * What the DM service tells its observers (logs, metrics, tests), one event per fact. The
 * service emits them; observers only read them, and an observer that throws is ignored
 * (it can never break a session). No event carries a secret: credentials, nonces and
 * message bodies stay out; a device is named by its id, a session by its SessionID and
 * the store's row reference.
 */
import type { Encoding } from '../../session/message-size.js';
import type { SessionOutcome } from '../store/types.js';

/** Which device and session an event is about, as far as known when it happened. */
export interface EventContext {
  readonly deviceId?: string;
  readonly sessionId?: string;
  /** The store's reference of the session row. */
  readonly sessionRef?: number;
  readonly msgId?: string;
}

export type ServiceEvent = EventContext &
  (
    | { readonly type: 'session-started' }
    | { readonly type: 'session-ended'; readonly outcome: SessionOutcome }
    /** A message arrived (before it was decoded: bytes only). */
    | { readonly type: 'message-in'; readonly bytes: number; readonly encoding: Encoding }
    /** A message was answered. `duplicate`: the answer was the one already sent. */
    | { readonly type: 'message-out'; readonly bytes: number; readonly encoding: Encoding; readonly duplicate: boolean }
    /** The lenient decoder recovered from a slip of the device. */
    | { readonly type: 'decode-warning'; readonly kind: string; readonly path: string }
    /** No DM answer could be given (not a DM message, unknown device, ...): the HTTP status sent. */
    | { readonly type: 'refused'; readonly status: number; readonly reason: string }
    /** A DM answer refused the message outside any session (a second session, one that is over, a locked device): the DM status given. */
    | { readonly type: 'session-refused'; readonly status: number; readonly reason: string }
    /** A slip of the device the session core accepted or recovered from (a SessionID written `01` for `1`, a Status naming nothing we sent, a chunked object cut short). */
    | { readonly type: 'session-warning'; readonly message: string }
    | { readonly type: 'auth-failed'; readonly scheme?: string; readonly locked: boolean }
    | { readonly type: 'job-sent'; readonly jobId: number }
    | { readonly type: 'job-finished'; readonly jobId: number; readonly state: 'done' | 'failed'; readonly code: number }
    | { readonly type: 'alert-received'; readonly alertId: number; readonly code: number }
    /** Something failed inside the service (the device got a 500 or an abort). */
    | { readonly type: 'error'; readonly error: unknown }
  );

export type ServiceEventType = ServiceEvent['type'];

/** Receives every event of the service. */
export type ServiceObserver = (event: ServiceEvent) => void;

/** Calls each observer; one that throws is skipped, never the session's problem. */
export function notifyObservers(observers: readonly ServiceObserver[], event: ServiceEvent): void {
  for (const observe of observers) {
    try {
      observe(event);
    } catch {
      // An observer's failure is its own (a log sink that is gone, a metric misnamed).
    }
  }
}
