/** The periodic sweeper, driven by an injected timer and clock (and by vitest's fake timers): no real time passes. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAlertDispatcher, type AlertHandler } from '../../../src/server/alerts/index.js';
import { createMetrics } from '../../../src/server/ops/index.js';
import type { ServiceEvent } from '../../../src/server/service/events.js';
import { Secret, type Store } from '../../../src/server/store/index.js';
import { createSweeper, type SweepEvent, type Timer } from '../../../src/server/sweeper.js';
import { sqlite, type TestDatabase } from '../databases.js';
import { sample } from './prom-text.js';

const T0 = 1_800_000_000_000;
const TTL = 60_000;

/** A timer the test fires by hand: it holds at most the callbacks scheduled and not yet fired. */
class ManualTimer implements Timer {
  readonly pending = new Map<number, { callback: () => void; ms: number }>();
  private next = 1;
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { callback, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  /** Fires every pending callback once (those scheduled meanwhile wait for the next call). */
  fire(): void {
    const due = [...this.pending.entries()];
    for (const [id] of due) this.pending.delete(id);
    for (const [, t] of due) t.callback();
  }
}

/** Lets the promise callbacks of a sweep run (a bounded number of turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('sweeper', () => {
  let database: TestDatabase;
  let store: Store;
  let now: number;
  const events: SweepEvent[] = [];

  beforeEach(async () => {
    events.length = 0;
    now = T0;
    database = await sqlite.fresh();
    store = await database.open();
    await store.addDevice({ id: 'dev', serverId: 'srv', client: { scheme: 'basic', name: 'u', secret: new Secret('p') }, server: { scheme: 'none' } }, T0);
  });
  afterEach(async () => {
    vi.useRealTimers();
    await database.dispose();
  });

  it('ends expired sessions (their sent jobs back to the queue), expires jobs and dispatches alerts, every interval', async () => {
    const begun = await store.beginSession('dev', '1', {}, T0, TTL);
    if (!begun.ok) throw new Error('refused');
    const kept = await store.enqueueJob({ deviceId: 'dev', spec: { op: 'get', uris: ['./A'] } }, T0);
    await store.claimJobs('dev', begun.session.ref, T0, 1);
    await store.enqueueJob({ deviceId: 'dev', spec: { op: 'get', uris: ['./B'] }, expiresAt: T0 + 1000 }, T0);
    await store.recordAlert({ deviceId: 'dev', code: 1226, items: [{ data: 'x' }] }, T0);
    const taken: number[] = [];
    const handler: AlertHandler = { name: 'h', handle: async (a) => void taken.push(a.id) };
    const service: ServiceEvent[] = [];
    const metrics = createMetrics({ store, processMetrics: false });
    const timer = new ManualTimer();
    const sweeper = createSweeper({
      store,
      intervalMs: 5000,
      clock: () => now,
      timer,
      dispatcher: createAlertDispatcher({ store, handlers: [handler], clock: () => now }),
      observers: [(e) => events.push(e)],
      serviceObservers: [(e) => service.push(e), metrics.observer],
    });
    sweeper.start();
    expect([...timer.pending.values()].map((t) => t.ms)).toEqual([5000]);
    now = T0 + TTL + 1;
    timer.fire();
    await settle();
    expect(events).toEqual([{ type: 'sweep-finished', report: { at: now, sessionsExpired: 1, jobsExpired: 1, alerts: expect.objectContaining({ handled: 1 }), failed: [] } }]);
    expect(service).toEqual([{ type: 'session-ended', outcome: 'expired', deviceId: 'dev', sessionId: '1', sessionRef: begun.session.ref }]);
    expect((await store.getJob(kept.id))?.state).toBe('queued');
    expect(taken).toHaveLength(1);
    const text = await metrics.text();
    expect(sample(text, 'omadm_sessions_ended_total', { outcome: 'expired' })).toBe(1);
    expect(sample(text, 'omadm_jobs', { state: 'expired' })).toBe(1);
    // The next sweep is scheduled once the last finished.
    expect(timer.pending.size).toBe(1);
    await sweeper.stop();
    expect(timer.pending.size).toBe(0);
  });

  it('never runs two sweeps at once: a sweep asked for meanwhile joins the one in flight', async () => {
    await store.recordAlert({ deviceId: 'dev', code: 1226, items: [] }, T0);
    let release: () => void = () => {};
    let runs = 0;
    const dispatcher = {
      run: async () => {
        runs++;
        await new Promise<void>((resolve) => (release = resolve));
        return { offered: 0, handled: 0, delivered: 0, failed: 0, givenUp: 0, skipped: 0, busy: 0 };
      },
    };
    const timer = new ManualTimer();
    const sweeper = createSweeper({ store, clock: () => now, timer, dispatcher, observers: [(e) => events.push(e)] });
    sweeper.start();
    timer.fire();
    await settle();
    expect(runs).toBe(1);
    const manual = sweeper.sweep();
    const again = sweeper.sweep();
    expect(again).toBe(manual);
    expect(timer.pending.size).toBe(0); // nothing scheduled while a sweep runs
    release();
    await manual;
    await settle();
    expect(runs).toBe(1);
    expect(events.filter((e) => e.type === 'sweep-finished')).toHaveLength(1);
    expect(timer.pending.size).toBe(1);
    await sweeper.stop();
  });

  it('reports a failing stage to the observers, runs the other stages, and keeps the schedule', async () => {
    const timer = new ManualTimer();
    const boom = new Error('dispatcher down');
    const sweeper = createSweeper({ store, clock: () => now, timer, dispatcher: { run: () => Promise.reject(boom) }, observers: [(e) => events.push(e)] });
    sweeper.start();
    timer.fire();
    await settle();
    expect(events[0]).toEqual({ type: 'sweep-failed', stage: 'alerts', error: boom });
    expect(events[1]).toMatchObject({ type: 'sweep-finished', report: { failed: ['alerts'], sessionsExpired: 0, jobsExpired: 0 } });
    expect(timer.pending.size).toBe(1);
    await store.close();
    events.length = 0;
    timer.fire();
    await settle();
    expect(events.filter((e) => e.type === 'sweep-failed').map((e) => (e as { stage: string }).stage)).toEqual(['sessions', 'jobs', 'alerts']);
    expect(timer.pending.size).toBe(1);
    await sweeper.stop();
  });

  it('stop() cancels the next sweep and waits for the one in flight; start() twice schedules once', async () => {
    let release: () => void = () => {};
    let finished = false;
    const dispatcher = {
      run: async () => {
        await new Promise<void>((resolve) => (release = resolve));
        finished = true;
        return { offered: 0, handled: 0, delivered: 0, failed: 0, givenUp: 0, skipped: 0, busy: 0 };
      },
    };
    const timer = new ManualTimer();
    const sweeper = createSweeper({ store, clock: () => now, timer, dispatcher });
    sweeper.start();
    sweeper.start();
    expect(timer.pending.size).toBe(1);
    timer.fire();
    await settle();
    const stopped = sweeper.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await settle();
    expect(done).toBe(false);
    release();
    await stopped;
    expect(finished).toBe(true);
    await settle();
    expect(timer.pending.size).toBe(0);
    expect(sweeper.started).toBe(false);
  });

  it('with the default timer under vitest fake timers: one sweep per interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const sweeper = createSweeper({ store, intervalMs: 1000, clock: () => now, observers: [(e) => events.push(e)] });
    sweeper.start();
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(1000);
      for (let turn = 0; turn < 50 && events.length < i + 1; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(events).toHaveLength(i + 1);
    }
    await sweeper.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(() => createSweeper({ store, intervalMs: 0 })).toThrow(RangeError);
  });
});
