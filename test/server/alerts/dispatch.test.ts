/**
 * Alerts in (Section 6.7 Generic Alert, and the tree alerts 1227/1228): stored alerts go to
 * every handler and to the webhook, and are marked handled once all took them. This is the
 * server's "action from the data content in the Generic Alert" (DM-PRO-GAlert-S-002-O).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAlertDispatcher, webhookHandler, verifyWebhookSignature, SIGNATURE_HEADER, type AlertDispatchEvent, type AlertHandler,
} from '../../../src/server/alerts/index.js';
import { Secret, type Store, type StoredAlert } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { startReceiver, type Receiver } from './receiver.js';

const T0 = 1_800_000_000_000;

/** A handler that keeps what it took and fails while `failing` says so. */
function collector(name: string): AlertHandler & { taken: number[]; failing: (a: StoredAlert) => boolean } {
  const h = {
    name,
    taken: [] as number[],
    failing: (_: StoredAlert): boolean => false,
    async handle(alert: StoredAlert): Promise<void> {
      if (h.failing(alert)) throw new Error(`${name} cannot take alert ${alert.id}`);
      h.taken.push(alert.id);
    },
  };
  return h;
}

function suite(backend: Backend): void {
  describe(`alert dispatch on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let receiver: Receiver | undefined;
    const events: AlertDispatchEvent[] = [];

    beforeEach(async () => {
      events.length = 0;
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice({ id: 'dev-1', serverId: 'srv', client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
    });
    afterEach(async () => {
      await receiver?.close();
      receiver = undefined;
      await database.dispose();
    });

    async function record(n: number, code = 1226): Promise<StoredAlert[]> {
      const out = [];
      for (let i = 0; i < n; i++) out.push(await store.recordAlert({ deviceId: 'dev-1', code, items: [{ source: `./Ext/${i}`, data: `event ${i}` }], mark: 'minor' }, T0 + i));
      return out;
    }

    it('DM-PRO-GAlert-S-002-O (Section 6.7): Generic Alert 1226 and tree alerts 1227/1228 reach every handler and the webhook, then are marked handled', async () => {
      const alerts = [...(await record(1, 1226)), ...(await record(1, 1227)), ...(await record(1, 1228))];
      receiver = await startReceiver();
      const local = collector('local');
      const secret = new Secret('hook-key');
      const dispatcher = createAlertDispatcher({
        store,
        handlers: [local, webhookHandler({ url: receiver.url, secret, clock: () => T0, sleep: async () => {} })],
        clock: () => T0 + 100,
        observers: [(e) => events.push(e)],
      });
      const report = await dispatcher.run();
      expect(report).toEqual({ offered: 3, handled: 3, delivered: 6, failed: 0, givenUp: 0, skipped: 0, busy: 0 });
      expect(local.taken).toEqual(alerts.map((a) => a.id));
      expect(receiver.received.map((r) => JSON.parse(r.body.toString('utf8')).alert.code)).toEqual([1226, 1227, 1228]);
      for (const r of receiver.received) expect(verifyWebhookSignature(r.headers[SIGNATURE_HEADER] as string, r.body, secret, T0).ok).toBe(true);
      expect(await store.unhandledAlerts(10)).toEqual([]);
      expect((await store.listAlerts('dev-1')).every((a) => a.handledAt === T0 + 100)).toBe(true);
      expect(events.filter((e) => e.type === 'alert-handled')).toHaveLength(3);
      expect(await dispatcher.run()).toMatchObject({ offered: 0 });
    });

    it('an alert stays unhandled while one handler fails; the next run gives it only to that handler', async () => {
      const [a] = await record(1);
      const first = collector('first');
      const second = collector('second');
      let down = true;
      second.failing = () => down;
      const dispatcher = createAlertDispatcher({ store, handlers: [first, second], clock: () => T0, observers: [(e) => events.push(e)] });
      expect(await dispatcher.run()).toMatchObject({ offered: 1, handled: 0, delivered: 1, failed: 1 });
      expect((await store.unhandledAlerts(10)).map((x) => x.id)).toEqual([a!.id]);
      expect(events.find((e) => e.type === 'alert-delivery-failed')).toMatchObject({ handler: 'second', deliveries: 1, willRetry: true });
      down = false;
      expect(await dispatcher.run()).toMatchObject({ offered: 1, handled: 1, delivered: 1, failed: 0 });
      expect(first.taken).toEqual([a!.id]); // not twice
      expect(second.taken).toEqual([a!.id]);
      expect(await store.unhandledAlerts(10)).toEqual([]);
    });

    it('a handler that failed is not offered the rest of the run; the others still get every alert', async () => {
      await record(5);
      const ok = collector('ok');
      const bad = collector('bad');
      bad.failing = () => true;
      const dispatcher = createAlertDispatcher({ store, handlers: [ok, bad] });
      expect(await dispatcher.run()).toMatchObject({ offered: 5, handled: 0, delivered: 5, failed: 1, skipped: 4 });
      expect(ok.taken).toHaveLength(5);
    });

    it('gives up on a handler after maxDeliveries failed deliveries, records it, and marks the alert handled', async () => {
      const [a, b] = await record(2);
      const picky = collector('picky');
      picky.failing = (x) => x.id === a!.id;
      const dispatcher = createAlertDispatcher({ store, handlers: [picky], maxDeliveries: 3, observers: [(e) => events.push(e)] });
      for (let run = 0; run < 2; run++) expect(await dispatcher.run()).toMatchObject({ handled: 0, failed: 1, skipped: 1 });
      expect(await dispatcher.run()).toMatchObject({ handled: 1, failed: 1, givenUp: 1, skipped: 1 });
      expect(events.filter((e) => e.type === 'alert-given-up')).toEqual([{ type: 'alert-given-up', alertId: a!.id, deviceId: 'dev-1', handler: 'picky', deliveries: 3 }]);
      expect(events.find((e) => e.type === 'alert-handled')).toMatchObject({ alertId: a!.id, givenUp: true });
      // The alert behind it is no longer blocked.
      expect(await dispatcher.run()).toMatchObject({ offered: 1, handled: 1, delivered: 1 });
      expect(picky.taken).toEqual([b!.id]);
    });

    it('takes at most batchSize alerts per run, oldest first', async () => {
      const alerts = await record(7);
      const h = collector('h');
      const dispatcher = createAlertDispatcher({ store, handlers: [h], batchSize: 3 });
      expect(await dispatcher.run()).toMatchObject({ offered: 3, handled: 3 });
      expect(h.taken).toEqual(alerts.slice(0, 3).map((x) => x.id));
      await dispatcher.run();
      await dispatcher.run();
      expect(h.taken).toEqual(alerts.map((x) => x.id));
    });

    it('a run asked for during a run joins it: never two at once', async () => {
      await record(2);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const slow: AlertHandler = {
        name: 'slow',
        async handle() {
          calls++;
          await gate;
        },
      };
      const dispatcher = createAlertDispatcher({ store, handlers: [slow] });
      const one = dispatcher.run();
      const two = dispatcher.run();
      expect(two).toBe(one);
      release();
      expect(await one).toMatchObject({ handled: 2 });
      expect(calls).toBe(2);
    });

    it('a handler that does not answer in time fails with its signal aborted', async () => {
      await record(1);
      let aborted = false;
      const stuck: AlertHandler = {
        name: 'stuck',
        handle: (_, context) =>
          new Promise<void>(() => {
            context.signal.addEventListener('abort', () => (aborted = true));
          }),
      };
      const dispatcher = createAlertDispatcher({ store, handlers: [stuck], handlerTimeoutMs: 20, observers: [(e) => events.push(e)] });
      expect(await dispatcher.run()).toMatchObject({ failed: 1, handled: 0 });
      expect(aborted).toBe(true);
      expect((events[0] as { error: Error }).error.name).toBe('AlertHandlerTimeoutError');
    });

    it('two server processes dispatching at once deliver each alert to each handler once (the claims are in the store)', async () => {
      const alerts = await record(6);
      const other = await database.open(); // another process's connection
      const taken: string[] = [];
      // One receiver behind both processes: each handler is slow enough for the runs to overlap.
      const handler = (name: string): AlertHandler => ({
        name,
        async handle(alert) {
          taken.push(`${name}:${alert.id}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
        },
      });
      const a = createAlertDispatcher({ store, handlers: [handler('hook'), handler('audit')], clock: () => T0, observers: [(e) => events.push(e)] });
      const b = createAlertDispatcher({ store: other, handlers: [handler('hook'), handler('audit')], clock: () => T0, observers: [(e) => events.push(e)] });
      await Promise.all([a.run(), b.run(), a.run(), b.run()]);
      // Whatever one process left (held by the other), the next runs finish.
      for (let i = 0; i < 3 && (await store.unhandledAlerts(10)).length > 0; i++) await Promise.all([a.run(), b.run()]);
      expect([...taken].sort()).toEqual(alerts.flatMap((x) => [`audit:${x.id}`, `hook:${x.id}`]).sort());
      expect(events.filter((e) => e.type === 'alert-handled').map((e) => e.alertId).sort((x, y) => x - y)).toEqual(alerts.map((x) => x.id));
      expect(await store.unhandledAlerts(10)).toEqual([]);
    });

    it('a new dispatcher (a restart) does not deliver again what a handler took before', async () => {
      const [alert] = await record(1);
      const first = collector('first');
      const second = collector('second');
      second.failing = () => true;
      expect(await createAlertDispatcher({ store, handlers: [first, second], clock: () => T0 }).run()).toMatchObject({ delivered: 1, failed: 1, handled: 0 });
      second.failing = () => false;
      const restarted = createAlertDispatcher({ store: await database.open(), handlers: [first, second], clock: () => T0 + 1, observers: [(e) => events.push(e)] });
      expect(await restarted.run()).toMatchObject({ delivered: 1, handled: 1 });
      expect(first.taken).toEqual([alert!.id]);
      expect(second.taken).toEqual([alert!.id]);
      // The failure before the restart counts towards maxDeliveries.
      expect(await store.alertDeliveries(alert!.id)).toMatchObject([
        { handler: 'first', state: 'delivered', failures: 0 },
        { handler: 'second', state: 'delivered', failures: 1 },
      ]);
    });

    it('with no handlers, nothing is marked (alerts wait for one)', async () => {
      await record(2);
      expect(await createAlertDispatcher({ store, handlers: [] }).run()).toMatchObject({ offered: 0, handled: 0 });
      expect(await store.unhandledAlerts(10)).toHaveLength(2);
      expect(() => createAlertDispatcher({ store, handlers: [collector('a'), collector('a')] })).toThrow(RangeError);
      // A claim must outlive the handler it covers.
      expect(() => createAlertDispatcher({ store, handlers: [], handlerTimeoutMs: 100, leaseMs: 100 })).toThrow(RangeError);
    });
  });
}

suite(sqlite);
describePostgres('alert dispatch on PostgreSQL', () => suite(postgres));
