/**
 * The DM service's events as log lines: one line per event, with the device id, the
 * SessionID, the store's session reference and the message id whenever the event knows
 * them, under the same names on every line (`deviceId`, `sessionId`, `sessionRef`,
 * `msgId`), and `event` naming the event type. Levels: a problem of the device (a slip the
 * lenient decoder recovered from, a refusal, a failed authentication, a failed job or
 * session) is `warn`, a failure of ours `error`, the traffic itself (`message-in`,
 * `message-out`) `debug`, everything else `info`.
 */
import type { AlertDispatchObserver } from '../alerts/handler.js';
import type { ServiceEvent, ServiceObserver } from '../service/events.js';
import type { SweepObserver } from '../sweeper.js';
import type { Logger } from './logger.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

interface LogLine {
  readonly level: Level;
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

/** The level, fields and message of an event's line. */
export function eventLine(event: ServiceEvent): LogLine {
  const { deviceId, sessionId, sessionRef, msgId } = event;
  const context = { event: event.type, deviceId, sessionId, sessionRef, msgId };
  const line = (level: Level, msg: string, fields: Record<string, unknown> = {}): LogLine => ({ level, msg, fields: { ...context, ...fields } });
  switch (event.type) {
    case 'session-started':
      return line('info', 'session started');
    case 'session-ended':
      return line(event.outcome === 'completed' ? 'info' : 'warn', `session ${event.outcome}`, { outcome: event.outcome });
    case 'message-in':
      return line('debug', 'message received', { bytes: event.bytes, encoding: event.encoding });
    case 'message-out':
      return line('debug', event.duplicate ? 'answer sent again' : 'answer sent', { bytes: event.bytes, encoding: event.encoding, duplicate: event.duplicate });
    case 'decode-warning':
      return line('warn', `decoded leniently: ${event.kind}`, { kind: event.kind, path: event.path });
    case 'refused':
      return line('warn', `refused with HTTP ${event.status}`, { status: event.status, reason: event.reason });
    case 'auth-failed':
      return line('warn', event.locked ? 'authentication failed, device locked out' : 'authentication failed', { scheme: event.scheme, locked: event.locked });
    case 'job-sent':
      return line('info', 'job sent', { jobId: event.jobId });
    case 'job-finished':
      return line(event.state === 'done' ? 'info' : 'warn', `job ${event.state}`, { jobId: event.jobId, state: event.state, code: event.code });
    case 'alert-received':
      return line('info', `alert ${event.code} received`, { alertId: event.alertId, code: event.code });
    case 'error':
      return line('error', 'service error', { err: event.error });
    default: {
      // An event type added to the contract after this module: logged by its name.
      const other = event as { readonly type: string };
      return line('info', other.type);
    }
  }
}

/** An observer writing each event to `logger` (redacted like every line of createLogger). */
export function logObserver(logger: Logger): ServiceObserver {
  return (event) => {
    const { level, fields, msg } = eventLine(event);
    logger[level](fields, msg);
  };
}

/** The alert dispatcher's events as log lines (`event`, `alertId`, `deviceId`, `handler`). */
export function alertLogObserver(logger: Logger): AlertDispatchObserver {
  return (event) => {
    const base = { event: event.type, alertId: event.alertId, deviceId: event.deviceId };
    switch (event.type) {
      case 'alert-delivered':
        return logger.debug({ ...base, handler: event.handler }, 'alert delivered');
      case 'alert-delivery-failed':
        return logger.warn({ ...base, handler: event.handler, deliveries: event.deliveries, willRetry: event.willRetry, err: event.error }, 'alert delivery failed');
      case 'alert-given-up':
        return logger.error({ ...base, handler: event.handler, deliveries: event.deliveries }, 'alert delivery given up');
      case 'alert-handled':
        return logger.info({ ...base, givenUp: event.givenUp }, 'alert handled');
    }
  };
}

/** The sweeper's events as log lines: a finished sweep at debug (info when it did something), a failed stage at error. */
export function sweepLogObserver(logger: Logger): SweepObserver {
  return (event) => {
    if (event.type === 'sweep-failed') return logger.error({ event: event.type, stage: event.stage, err: event.error }, `sweep stage ${event.stage} failed`);
    const { report } = event;
    const fields = { event: event.type, sessionsExpired: report.sessionsExpired, jobsExpired: report.jobsExpired, alertsHandled: report.alerts?.handled ?? 0, failed: report.failed };
    const busy = report.sessionsExpired + report.jobsExpired + (report.alerts?.handled ?? 0) > 0;
    logger[busy ? 'info' : 'debug'](fields, 'sweep finished');
  };
}
