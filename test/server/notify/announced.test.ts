/**
 * The session a Package#0 announced is recorded, so the server can expect it (Section 6.2:
 * the client's Alert 1200 "SessionID MUST be same as in notification"). Both backends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UiMode } from '../../../src/notification/index.js';
import { httpPushSender, notifyDevice } from '../../../src/server/notify/index.js';
import { isStoreInputError, Secret, type Store } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';

const T0 = 1_800_000_000_000;

function suite(backend: Backend): void {
  describe(`announced sessions on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let receiver: Receiver | undefined;
    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice({ id: 'dev', serverId: 'srv', client: { scheme: 'md5', name: 'u', secret: new Secret('c') }, server: { scheme: 'md5', name: 's', secret: new Secret('pw') } }, T0);
    });
    afterEach(async () => {
      await receiver?.close();
      receiver = undefined;
      await database.dispose();
    });

    it('keeps the latest announcement per device until it expires', async () => {
      expect(await store.announcedSession('dev', T0)).toBeUndefined();
      await store.recordAnnouncedSession({ deviceId: 'dev', sessionId: '4F2A', uiMode: 1, initiator: 1, expiresAt: T0 + 1000 }, T0);
      expect(await store.announcedSession('dev', T0 + 999)).toEqual({ deviceId: 'dev', sessionId: '4F2A', uiMode: 1, initiator: 1, sentAt: T0, expiresAt: T0 + 1000 });
      expect(await store.announcedSession('dev', T0 + 1000)).toBeUndefined();
      await store.recordAnnouncedSession({ deviceId: 'dev', sessionId: '7', uiMode: 0, initiator: 1, expiresAt: T0 + 5000 }, T0 + 10);
      expect((await store.announcedSession('dev', T0 + 20))?.sessionId).toBe('7');
    });

    it('refuses a SessionID that is not 1-4 upper-case hex digits, and an unknown device; goes with the device', async () => {
      for (const sessionId of ['', '4f2a', '12345', 'G1']) {
        const e = await store.recordAnnouncedSession({ deviceId: 'dev', sessionId, uiMode: 0, initiator: 1, expiresAt: T0 }, T0).catch((x: unknown) => x);
        expect(isStoreInputError(e) && e.field).toBe('sessionId');
      }
      const e = await store.recordAnnouncedSession({ deviceId: 'nope', sessionId: '1', uiMode: 0, initiator: 1, expiresAt: T0 + 1 }, T0).catch((x: unknown) => x);
      expect(isStoreInputError(e) && e.field).toBe('deviceId');
      await store.recordAnnouncedSession({ deviceId: 'dev', sessionId: '1', uiMode: 0, initiator: 1, expiresAt: T0 + 1 }, T0);
      await store.deleteDevice('dev');
      expect(await store.announcedSession('dev', T0)).toBeUndefined();
    });

    it('notifyDevice records the announcement, then sends the Package#0', async () => {
      receiver = await startReceiver([{ status: 200 }]);
      const url = receiver.url;
      const outcome = await notifyDevice(store, 'dev', httpPushSender({ urlOf: () => url }), { sessionId: 0xbeef, uiMode: UiMode.Informative }, { now: T0, ttlMs: 60_000 });
      expect(outcome.announced).toEqual({ deviceId: 'dev', sessionId: 'BEEF', uiMode: 2, initiator: 1, sentAt: T0, expiresAt: T0 + 60_000 });
      expect(outcome.sent).toEqual({ status: 200 });
      expect(await store.announcedSession('dev', T0 + 1)).toEqual(outcome.announced);
      expect(Buffer.compare(receiver.received[0]!.body, Buffer.from(outcome.notification.bytes))).toBe(0);
    });
  });
}

suite(sqlite);
describePostgres('announced sessions on PostgreSQL', () => suite(postgres));
