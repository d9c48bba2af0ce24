/**
 * Package#0 for a stored device (Section 6.2; the trigger of [DMNOTI]): the digest over the
 * device's server credentials and stored nonce, and the session id the device must use in
 * its Package#1 (Section 6.2: "SessionID MUST be same as in notification", in hex).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Initiator, parseTrigger, requestedSession, UiMode, verifyTrigger, ZERO_NONCE } from '../../../src/notification/index.js';
import { buildDeviceNotification, isNotifyError, notificationFor, randomSessionId } from '../../../src/server/notify/index.js';
import { isStoreNotFoundError, Secret, type DeviceInit, type Store } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';

const T0 = 1_800_000_000_000;
const DEVICE: DeviceInit = {
  id: 'IMEI:493005100592800',
  serverId: 'omadm.example',
  client: { scheme: 'md5', name: 'dev', secret: new Secret('client-pw') },
  server: { scheme: 'md5', name: 'omadm.example', secret: new Secret('server-pw') },
};
const NONCE = new Uint8Array([0x4e, 0x6f, 0x6e, 0x63, 0x65, 0x21]);

function suite(backend: Backend): void {
  describe(`Package#0 for a stored device (${backend.name})`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice(DEVICE, T0);
    });
    afterEach(async () => {
      await database.dispose();
    });

    it('Section 6.2: the digest verifies with the server secret and the nonce the device gave us', async () => {
      await store.saveNonces(DEVICE.id, { nonceToUse: NONCE, expectedNonce: new Uint8Array([9, 9]) }, T0);
      const built = await buildDeviceNotification(store, DEVICE.id, { uiMode: UiMode.Background, sessionId: 0x4f2a, vendor: new Uint8Array([0xca, 0xfe]) });
      const trigger = parseTrigger(built.bytes);
      expect(verifyTrigger(trigger, { password: 'server-pw', nonce: NONCE }, false)).toBe('stored');
      expect(() => verifyTrigger(trigger, { password: 'client-pw', nonce: NONCE }, false)).toThrow();
      expect(trigger).toMatchObject({ version: 13, uiMode: UiMode.Background, initiator: Initiator.Server, sessionId: 0x4f2a, serverId: 'omadm.example' });
      expect(Array.from(trigger.vendor ?? [])).toEqual([0xca, 0xfe]);
      expect(built).toMatchObject({ deviceId: DEVICE.id, sessionId: 0x4f2a, sessionID: '4F2A', nonce: 'stored' });
      expect(requestedSession(trigger)).toMatchObject({ alert: 1200, sessionID: '4F2A', dmVersion: '1.3' });
    });

    it('with no stored nonce, the all-zero nonce (the fallback every client accepts)', async () => {
      const built = await buildDeviceNotification(store, DEVICE.id, { sessionId: 1, dmVersion: '1.2', initiator: Initiator.Client });
      expect(built.nonce).toBe('zero');
      const trigger = parseTrigger(built.bytes);
      expect(verifyTrigger(trigger, { password: 'server-pw', nonce: ZERO_NONCE }, false)).toBe('stored');
      expect(trigger).toMatchObject({ version: 12, initiator: Initiator.Client, sessionId: 1 });
      await store.saveNonces(DEVICE.id, { nonceToUse: NONCE }, T0);
      expect((await buildDeviceNotification(store, DEVICE.id, { nonce: 'zero', sessionId: 2 })).nonce).toBe('zero');
    });

    it('refuses an unknown device and a device without server credentials, with typed errors', async () => {
      const missing = await buildDeviceNotification(store, 'IMEI:0', {}).catch((e: unknown) => e);
      expect(isStoreNotFoundError(missing)).toBe(true);
      await store.addDevice({ ...DEVICE, id: 'open-device', client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
      const none = await buildDeviceNotification(store, 'open-device', {}).catch((e: unknown) => e);
      expect(isNotifyError(none) && none.problem).toBe('no-server-secret');
    });
  });
}

suite(sqlite);
describePostgres('Package#0 for a stored device on PostgreSQL', () => suite(postgres));

describe('Package#0 fields', () => {
  const device = { ...DEVICE, acceptedClientSchemes: [], createdAt: T0, updatedAt: T0 };

  it('a random session id is 1-65535 and comes from the injected source', () => {
    expect([0, 0.5, 0.9999999].map((r) => randomSessionId(() => r))).toEqual([1, 32768, 65535]);
    expect(notificationFor(device, {}, {}, () => 0.5).sessionId).toBe(32768);
  });

  it('refuses a session id outside 16 bits and a server id the trigger cannot hold', () => {
    const bad = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(bad(() => notificationFor(device, {}, { sessionId: 0x10000 }))).toMatchObject({ name: 'NotifyError', field: 'sessionId' });
    expect(bad(() => notificationFor({ ...device, serverId: 'x'.repeat(256) }, {}, { sessionId: 1 }))).toMatchObject({ name: 'NotifyError', field: 'serverId' });
  });

  it('the built device carries no secret when printed', () => {
    const built = notificationFor(device, { nonceToUse: NONCE }, { sessionId: 7 });
    expect(JSON.stringify(built)).not.toContain('server-pw');
  });
});
