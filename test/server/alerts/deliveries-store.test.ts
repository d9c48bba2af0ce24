/**
 * The store's alert deliveries (migration 0003, src/server/store/alert-deliveries.ts), the
 * same tests on SQLite and PostgreSQL as the store suite: one claimant at a time per alert
 * and handler, across connections; a lease that runs out lets another take over; only the
 * claimant settles; settled rows are never claimed again; rows go with their alert.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreInputError, type Store, type StoredAlert } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';

const T0 = 1_800_000_000_000;
const LEASE = 1_000;

function suite(backend: Backend): void {
  describe(`alert deliveries in the store on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let alert: StoredAlert;

    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice({ id: 'dev-1', serverId: 'srv', client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
      alert = await store.recordAlert({ deviceId: 'dev-1', code: 1226, items: [{ data: 'x' }] }, T0);
    });
    afterEach(async () => {
      await database.dispose();
    });

    it('one claimant at a time, across connections; a lease that ran out is taken over, and the old owner can no longer settle', async () => {
      const other = await database.open();
      expect(await store.claimAlertDelivery(alert.id, 'hook', 'p1', T0, LEASE)).toEqual({ alertId: alert.id, handler: 'hook', state: 'pending', failures: 0, claimedBy: 'p1', claimedUntil: T0 + LEASE, updatedAt: T0 });
      expect(await other.claimAlertDelivery(alert.id, 'hook', 'p2', T0 + LEASE - 1, LEASE)).toBeUndefined();
      // Another handler of the same alert is another delivery.
      expect(await other.claimAlertDelivery(alert.id, 'audit', 'p2', T0, LEASE)).toMatchObject({ claimedBy: 'p2' });
      expect(await other.claimAlertDelivery(alert.id, 'hook', 'p2', T0 + LEASE, LEASE)).toMatchObject({ claimedBy: 'p2', claimedUntil: T0 + 2 * LEASE });
      expect(await store.settleAlertDelivery(alert.id, 'hook', 'p1', 'delivered', false, T0 + LEASE + 1)).toBeUndefined();
      expect(await other.settleAlertDelivery(alert.id, 'hook', 'p2', 'delivered', false, T0 + LEASE + 2)).toMatchObject({ state: 'delivered', failures: 0, claimedUntil: T0 + LEASE + 2 });
      expect((await store.alertDeliveries(alert.id)).map((d) => [d.handler, d.state, d.claimedBy])).toEqual([
        ['audit', 'pending', 'p2'],
        ['hook', 'delivered', undefined],
      ]);
    });

    it('claims racing on one delivery: exactly one wins', async () => {
      const stores = [store, await database.open(), await database.open(), await database.open()];
      const claims = await Promise.all(stores.flatMap((s, i) => [s.claimAlertDelivery(alert.id, 'hook', `p${i}a`, T0, LEASE), s.claimAlertDelivery(alert.id, 'hook', `p${i}b`, T0, LEASE)]));
      expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
    });

    it('a failure releases the claim at once and counts; delivered and given-up are never claimed again', async () => {
      await store.claimAlertDelivery(alert.id, 'hook', 'p1', T0, LEASE);
      expect(await store.settleAlertDelivery(alert.id, 'hook', 'p1', 'pending', true, T0 + 5)).toMatchObject({ state: 'pending', failures: 1 });
      expect(await store.claimAlertDelivery(alert.id, 'hook', 'p2', T0 + 5, LEASE)).toMatchObject({ failures: 1, claimedBy: 'p2' });
      expect(await store.settleAlertDelivery(alert.id, 'hook', 'p2', 'given-up', true, T0 + 6)).toMatchObject({ state: 'given-up', failures: 2 });
      expect(await store.claimAlertDelivery(alert.id, 'hook', 'p3', T0 + 10 * LEASE, LEASE)).toBeUndefined();
      expect(await store.settleAlertDelivery(alert.id, 'hook', 'p2', 'delivered', false, T0 + 7)).toBeUndefined();
    });

    it('refuses an unknown alert, empty names and a lease of nothing as input errors; the rows go with their alert', async () => {
      const refused = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
      expect(isStoreInputError(await refused(store.claimAlertDelivery(alert.id + 99, 'hook', 'p1', T0, LEASE)))).toBe(true);
      expect(isStoreInputError(await refused(store.claimAlertDelivery(alert.id, '', 'p1', T0, LEASE)))).toBe(true);
      expect(isStoreInputError(await refused(store.claimAlertDelivery(alert.id, 'hook', 'p1', T0, 0)))).toBe(true);
      await store.claimAlertDelivery(alert.id, 'hook', 'p1', T0, LEASE);
      await store.deleteDevice('dev-1');
      expect(await store.alertDeliveries(alert.id)).toEqual([]);
    });
  });
}

suite(sqlite);
describePostgres('alert deliveries in the store on PostgreSQL', () => suite(postgres));
