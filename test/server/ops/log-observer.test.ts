/** Each event of the DM service becomes one log line naming its device, session and message. */
import { describe, expect, it } from 'vitest';
import { alertLogObserver, createLogger, logObserver, sweepLogObserver } from '../../../src/server/ops/index.js';
import { Secret } from '../../../src/server/store/index.js';
import { notifyObservers, type ServiceEvent } from '../../../src/server/service/events.js';

const CTX = { deviceId: 'IMEI:493005100592800', sessionId: '4F2A', sessionRef: 7, msgId: '2' } as const;

/** One event of every type of the contract. */
const EVENTS: ServiceEvent[] = [
  { ...CTX, type: 'session-started' },
  { ...CTX, type: 'message-in', bytes: 812, encoding: 'wbxml' },
  { ...CTX, type: 'decode-warning', kind: 'format-case', path: 'SyncML/SyncBody/Results/Item/Meta/Format' },
  { ...CTX, type: 'auth-failed', scheme: 'md5', locked: false },
  { ...CTX, type: 'job-sent', jobId: 12 },
  { ...CTX, type: 'job-finished', jobId: 12, state: 'failed', code: 404 },
  { ...CTX, type: 'alert-received', alertId: 3, code: 1226 },
  { ...CTX, type: 'message-out', bytes: 400, encoding: 'wbxml', duplicate: true },
  { ...CTX, type: 'session-ended', outcome: 'completed' },
  { type: 'refused', status: 415, reason: 'not a DM media type' },
  { ...CTX, type: 'error', error: Object.assign(new Error('store went away'), { secret: new Secret('pw-of-the-db') }) },
];

function run(events: readonly ServiceEvent[]): Record<string, unknown>[] {
  const out: string[] = [];
  const log = createLogger({ level: 'debug', clock: () => 0, destination: { write: (s: string) => void out.push(s) } });
  const observe = logObserver(log);
  for (const e of events) notifyObservers([observe], e);
  return out.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('log observer', () => {
  it('writes one line per event with device id, session id, session ref and message id', () => {
    const lines = run(EVENTS);
    expect(lines.map((l) => l['event'])).toEqual(EVENTS.map((e) => e.type));
    for (const line of lines.filter((l) => l['event'] !== 'refused')) {
      expect(line).toMatchObject({ deviceId: CTX.deviceId, sessionId: CTX.sessionId, sessionRef: CTX.sessionRef, msgId: CTX.msgId });
    }
  });

  it('levels: device problems warn, our failures error, traffic debug', () => {
    const levels = Object.fromEntries(run(EVENTS).map((l) => [l['event'], l['level']]));
    expect(levels).toEqual({
      'session-started': 'info',
      'message-in': 'debug',
      'decode-warning': 'warn',
      'auth-failed': 'warn',
      'job-sent': 'info',
      'job-finished': 'warn',
      'alert-received': 'info',
      'message-out': 'debug',
      'session-ended': 'info',
      refused: 'warn',
      error: 'error',
    });
  });

  it('carries the fields of each event (warning kind and path, refusal status, job state and code)', () => {
    const [, , warning, auth, , finished, alert, out, , refused, error] = run(EVENTS);
    expect(warning).toMatchObject({ kind: 'format-case', path: 'SyncML/SyncBody/Results/Item/Meta/Format' });
    expect(auth).toMatchObject({ scheme: 'md5', locked: false });
    expect(finished).toMatchObject({ jobId: 12, state: 'failed', code: 404 });
    expect(alert).toMatchObject({ alertId: 3, code: 1226 });
    expect(out).toMatchObject({ bytes: 400, encoding: 'wbxml', duplicate: true });
    expect(refused).toMatchObject({ status: 415, reason: 'not a DM media type' });
    expect(error!['err']).toMatchObject({ type: 'Error', message: 'store went away', secret: '[redacted]' });
    expect(JSON.stringify(error)).not.toContain('pw-of-the-db');
  });

  it('a session that did not complete is a warning', () => {
    const [line] = run([{ ...CTX, type: 'session-ended', outcome: 'aborted' }]);
    expect(line).toMatchObject({ level: 'warn', outcome: 'aborted', msg: 'session aborted' });
  });
});

describe('alert dispatch and sweep log lines', () => {
  function lines(write: (log: ReturnType<typeof createLogger>) => void): Record<string, unknown>[] {
    const out: string[] = [];
    write(createLogger({ level: 'debug', clock: () => 0, destination: { write: (s: string) => void out.push(s) } }));
    return out.join('').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it('names the alert, the device and the handler; a given-up delivery is an error', () => {
    const got = lines((log) => {
      const observe = alertLogObserver(log);
      observe({ type: 'alert-delivered', alertId: 1, deviceId: 'd', handler: 'webhook' });
      observe({ type: 'alert-delivery-failed', alertId: 2, deviceId: 'd', handler: 'webhook', deliveries: 5, willRetry: false, error: new Error('answered 500, Authorization: Basic c2VjcmV0') });
      observe({ type: 'alert-given-up', alertId: 2, deviceId: 'd', handler: 'webhook', deliveries: 5 });
      observe({ type: 'alert-handled', alertId: 2, deviceId: 'd', givenUp: true });
    });
    expect(got.map((l) => [l['event'], l['level'], l['alertId'], l['handler']])).toEqual([
      ['alert-delivered', 'debug', 1, 'webhook'],
      ['alert-delivery-failed', 'warn', 2, 'webhook'],
      ['alert-given-up', 'error', 2, 'webhook'],
      ['alert-handled', 'info', 2, undefined],
    ]);
    expect(JSON.stringify(got)).not.toContain('c2VjcmV0');
  });

  it('a sweep that did work is info, an idle one debug, a failed stage error', () => {
    const report = { at: 0, sessionsExpired: 0, jobsExpired: 0, failed: [] };
    const got = lines((log) => {
      const observe = sweepLogObserver(log);
      observe({ type: 'sweep-finished', report });
      observe({ type: 'sweep-finished', report: { ...report, sessionsExpired: 2 } });
      observe({ type: 'sweep-failed', stage: 'jobs', error: new Error('locked') });
    });
    expect(got.map((l) => [l['level'], l['msg']])).toEqual([
      ['debug', 'sweep finished'],
      ['info', 'sweep finished'],
      ['error', 'sweep stage jobs failed'],
    ]);
  });
});
