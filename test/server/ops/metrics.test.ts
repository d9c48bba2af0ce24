/**
 * /metrics counts what the DM service tells (sessions by outcome, messages and bytes each
 * way, auth failures, decode warnings by kind, refusals by status) and reads jobs by
 * state from the store when scraped; each server instance has a registry of its own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boundedLabel, createMetrics, OTHER_LABEL } from '../../../src/server/ops/index.js';
import { notifyObservers, type ServiceEvent } from '../../../src/server/service/events.js';
import { Secret, type Store } from '../../../src/server/store/index.js';
import { sample } from './prom-text.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';

const T0 = 1_800_000_000_000;

describe('metrics of the DM service events', () => {
  it('counts sessions by outcome, messages and bytes by direction and encoding, duplicates', async () => {
    const m = createMetrics({ processMetrics: false });
    const events: ServiceEvent[] = [
      { type: 'session-started', deviceId: 'a' },
      { type: 'session-started', deviceId: 'b' },
      { type: 'message-in', bytes: 100, encoding: 'xml' },
      { type: 'message-in', bytes: 50, encoding: 'wbxml' },
      { type: 'message-in', bytes: 25, encoding: 'wbxml' },
      { type: 'message-out', bytes: 300, encoding: 'xml', duplicate: false },
      { type: 'message-out', bytes: 300, encoding: 'xml', duplicate: true },
      { type: 'session-ended', outcome: 'completed' },
      { type: 'session-ended', outcome: 'aborted' },
    ];
    for (const e of events) notifyObservers([m.observer], e);
    const text = await m.text();
    expect(sample(text, 'omadm_sessions_started_total')).toBe(2);
    expect(sample(text, 'omadm_sessions_ended_total', { outcome: 'completed' })).toBe(1);
    expect(sample(text, 'omadm_sessions_ended_total', { outcome: 'aborted' })).toBe(1);
    expect(sample(text, 'omadm_messages_total', { direction: 'in', encoding: 'wbxml' })).toBe(2);
    expect(sample(text, 'omadm_message_bytes_total', { direction: 'in', encoding: 'wbxml' })).toBe(75);
    expect(sample(text, 'omadm_message_bytes_total', { direction: 'in', encoding: 'xml' })).toBe(100);
    expect(sample(text, 'omadm_messages_total', { direction: 'out', encoding: 'xml' })).toBe(2);
    expect(sample(text, 'omadm_message_bytes_total', { direction: 'out', encoding: 'xml' })).toBe(600);
    expect(sample(text, 'omadm_duplicate_answers_total')).toBe(1);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts auth failures, decode warnings by kind, refusals by status, jobs and alerts', async () => {
    const m = createMetrics({ processMetrics: false });
    const events: ServiceEvent[] = [
      { type: 'auth-failed', scheme: 'md5', locked: false },
      { type: 'auth-failed', scheme: 'md5', locked: true },
      { type: 'auth-failed', locked: false },
      { type: 'decode-warning', kind: 'format-case', path: 'x' },
      { type: 'decode-warning', kind: 'format-case', path: 'y' },
      { type: 'decode-warning', kind: 'status-cmdref-missing', path: 'z' },
      { type: 'refused', status: 415, reason: 'media type' },
      { type: 'refused', status: 404, reason: 'unknown device' },
      { type: 'refused', status: 415, reason: 'media type' },
      { type: 'job-sent', jobId: 1 },
      { type: 'job-finished', jobId: 1, state: 'done', code: 200 },
      { type: 'alert-received', alertId: 1, code: 1226 },
      { type: 'error', error: new Error('x') },
    ];
    for (const e of events) m.observer(e);
    const text = await m.text();
    expect(sample(text, 'omadm_auth_failures_total', { scheme: 'md5', locked: 'false' })).toBe(1);
    expect(sample(text, 'omadm_auth_failures_total', { scheme: 'md5', locked: 'true' })).toBe(1);
    expect(sample(text, 'omadm_auth_failures_total', { scheme: 'none', locked: 'false' })).toBe(1);
    expect(sample(text, 'omadm_decode_warnings_total', { kind: 'format-case' })).toBe(2);
    expect(sample(text, 'omadm_decode_warnings_total', { kind: 'status-cmdref-missing' })).toBe(1);
    expect(sample(text, 'omadm_refusals_total', { status: '415' })).toBe(2);
    expect(sample(text, 'omadm_refusals_total', { status: '404' })).toBe(1);
    expect(sample(text, 'omadm_jobs_sent_total')).toBe(1);
    expect(sample(text, 'omadm_jobs_finished_total', { state: 'done' })).toBe(1);
    expect(sample(text, 'omadm_alerts_received_total', { code: '1226' })).toBe(1);
    expect(sample(text, 'omadm_service_errors_total')).toBe(1);
  });

  it('bounds open-ended labels: after the limit, new values count as other', async () => {
    const m = createMetrics({ processMetrics: false, maxLabelValues: 3 });
    for (let i = 0; i < 1000; i++) m.observer({ type: 'decode-warning', kind: `kind-${i % 10}`, path: '' });
    const text = await m.text();
    const kinds = text.split('\n').filter((l) => l.startsWith('omadm_decode_warnings_total{'));
    expect(kinds).toHaveLength(4);
    expect(sample(text, 'omadm_decode_warnings_total', { kind: OTHER_LABEL })).toBe(700);
    const label = boundedLabel(1);
    expect([label('a'.repeat(100)), label('b')]).toEqual(['a'.repeat(64), OTHER_LABEL]);
  });

  it('counts alert deliveries by handler and result, handled alerts, sweeps and failed sweep stages', async () => {
    const m = createMetrics({ processMetrics: false });
    m.alertObserver({ type: 'alert-delivered', alertId: 1, deviceId: 'd', handler: 'webhook' });
    m.alertObserver({ type: 'alert-delivery-failed', alertId: 2, deviceId: 'd', handler: 'webhook', deliveries: 1, willRetry: true, error: new Error('x') });
    m.alertObserver({ type: 'alert-given-up', alertId: 2, deviceId: 'd', handler: 'webhook', deliveries: 5 });
    m.alertObserver({ type: 'alert-handled', alertId: 1, deviceId: 'd', givenUp: false });
    m.sweepObserver({ type: 'sweep-finished', report: { at: 0, sessionsExpired: 0, jobsExpired: 0, failed: [] } });
    m.sweepObserver({ type: 'sweep-failed', stage: 'alerts', error: new Error('x') });
    const text = await m.text();
    expect(sample(text, 'omadm_alert_deliveries_total', { handler: 'webhook', result: 'delivered' })).toBe(1);
    expect(sample(text, 'omadm_alert_deliveries_total', { handler: 'webhook', result: 'failed' })).toBe(1);
    expect(sample(text, 'omadm_alert_deliveries_total', { handler: 'webhook', result: 'given-up' })).toBe(1);
    expect(sample(text, 'omadm_alerts_handled_total')).toBe(1);
    expect(sample(text, 'omadm_sweeps_total')).toBe(1);
    expect(sample(text, 'omadm_sweep_failures_total', { stage: 'alerts' })).toBe(1);
  });

  it('keeps a registry per instance: two servers in one process count apart', async () => {
    const one = createMetrics();
    const two = createMetrics();
    one.observer({ type: 'session-started' });
    expect(sample(await one.text(), 'omadm_sessions_started_total')).toBe(1);
    expect(sample(await two.text(), 'omadm_sessions_started_total')).toBe(0);
    expect(await one.text()).toContain('omadm_process_cpu_user_seconds_total');
  });
});

function jobGauge(backend: Backend): void {
  describe(`jobs by state, read from the store at scrape time (${backend.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
    });
    afterEach(async () => {
      await database.dispose();
    });

    it('shows queued, sent, done and cancelled jobs as the store counts them', async () => {
      const m = createMetrics({ store, processMetrics: false });
      await store.addDevice({ id: 'dev', serverId: 'srv', client: { scheme: 'basic', name: 'u', secret: new Secret('p') }, server: { scheme: 'none' } }, T0);
      const jobs = [];
      for (let i = 0; i < 4; i++) jobs.push(await store.enqueueJob({ deviceId: 'dev', spec: { op: 'get', uris: [`./Vendor/${i}`] } }, T0));
      expect(sample(await m.text(), 'omadm_jobs', { state: 'queued' })).toBe(4);
      const begun = await store.beginSession('dev', '1', {}, T0, 60_000);
      if (!begun.ok) throw new Error('session refused');
      const claimed = await store.claimJobs('dev', begun.session.ref, T0, 2);
      await store.finishJob(claimed[0]!.id, begun.session.ref, { status: 200 }, T0);
      await store.cancelJob(jobs[3]!.id, T0);
      const text = await m.text();
      expect(sample(text, 'omadm_jobs', { state: 'queued' })).toBe(1);
      expect(sample(text, 'omadm_jobs', { state: 'sent' })).toBe(1);
      expect(sample(text, 'omadm_jobs', { state: 'done' })).toBe(1);
      expect(sample(text, 'omadm_jobs', { state: 'cancelled' })).toBe(1);
      expect(sample(text, 'omadm_jobs', { state: 'failed' })).toBe(0);
    });

    it('a store that cannot answer gives no job samples and counts the failed scrape', async () => {
      const m = createMetrics({ store, processMetrics: false });
      await store.close();
      const text = await m.text();
      expect(sample(text, 'omadm_jobs', { state: 'queued' })).toBeUndefined();
      expect(sample(text, 'omadm_jobs_scrape_errors_total')).toBe(1);
    });
  });
}

jobGauge(sqlite);
describePostgres('metrics job gauge on PostgreSQL', () => jobGauge(postgres));
