/**
 * store.finishJobsAs (the service finishes jobs with it: jobs-in-session.ts rule 7), the
 * same tests on SQLite and PostgreSQL: the caller's state, not the code's, decides done
 * or failed; a reason is kept as the last error; only a job sent in that session
 * finishes, once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';

const T0 = 1_800_000_000_000;

function suite(backend: Backend): void {
  describe(`finishJobsAs on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice({ id: 'dev-1', serverId: 'srv', client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
    });
    afterEach(async () => {
      await database.dispose();
    });

    it('the state is the caller\'s: a 304 done, a 413 failed with its reason kept; each job once, and only in its session', async () => {
      const confirm = await store.enqueueJob({ deviceId: 'dev-1', spec: { op: 'ui', code: 1101, text: 'Reboot?' } }, T0);
      const big = await store.enqueueJob({ deviceId: 'dev-1', spec: { op: 'replace', items: [{ uri: './A', data: 'x' }] } }, T0);
      const other = await store.enqueueJob({ deviceId: 'dev-1', spec: { op: 'get', uris: ['./B'] } }, T0);
      const begun = await store.beginSession('dev-1', '1', { v: 0 }, T0, 60_000);
      if (!begun.ok) throw new Error('no session');
      const ref = begun.session.ref;
      expect((await store.claimJobs('dev-1', ref, T0, 10)).map((j) => j.id)).toEqual([confirm.id, big.id, other.id]);
      const answers = await store.finishJobsAs(
        ref,
        [
          { id: big.id, outcome: { status: 413 }, state: 'failed', lastError: 'larger than the device\'s MaxObjSize of 12 bytes' },
          { id: confirm.id, outcome: { status: 304, answer: ['no'] }, state: 'done' },
          { id: other.id + 100, outcome: { status: 200 }, state: 'done' },
        ],
        T0 + 1,
      );
      expect(answers.map((a) => a.ok)).toEqual([true, true, false]);
      expect(await store.getJob(confirm.id)).toMatchObject({ state: 'done', outcome: { status: 304, answer: ['no'] } });
      expect(await store.getJob(big.id)).toMatchObject({ state: 'failed', outcome: { status: 413 }, lastError: 'larger than the device\'s MaxObjSize of 12 bytes' });
      // Once only; another session cannot finish a job it did not send.
      expect(await store.finishJobsAs(ref, [{ id: confirm.id, outcome: { status: 200 }, state: 'done' }], T0 + 2)).toMatchObject([{ ok: false, reason: 'wrong-state' }]);
      expect(await store.finishJobsAs(ref + 1, [{ id: other.id, outcome: { status: 200 }, state: 'done' }], T0 + 2)).toMatchObject([{ ok: false, reason: 'wrong-state' }]);
      expect(await store.getJob(other.id)).toMatchObject({ state: 'sent' });
      // Every input is checked before anything changes.
      await expect(store.finishJobsAs(ref, [{ id: other.id, outcome: { status: 200 }, state: 'done' }, { id: other.id, outcome: { status: 99 }, state: 'done' }], T0 + 3)).rejects.toMatchObject({ name: 'StoreInputError' });
      await expect(store.finishJobsAs(ref, [{ id: other.id, outcome: { status: 200 }, state: 'maybe' as 'done' }], T0 + 3)).rejects.toMatchObject({ name: 'StoreInputError' });
      expect(await store.getJob(other.id)).toMatchObject({ state: 'sent' });
      expect(await store.finishJobsAs(ref, [], T0)).toEqual([]);
    });
  });
}

suite(sqlite);
describePostgres('finishJobsAs on PostgreSQL', () => suite(postgres));
