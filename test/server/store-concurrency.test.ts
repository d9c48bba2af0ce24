/**
 * Several server processes on one PostgreSQL database: each store here has its own
 * connection pool, as each process would. Claims use FOR UPDATE SKIP LOCKED, sessions a
 * unique index on the live one; whatever the interleaving, no job is claimed twice and
 * no device gets two live sessions. (SQLite serves one process and is not run here.)
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/server/store/index.js';
import { describePostgres, postgres, type TestDatabase } from './databases.js';
import { device } from './store-suite.js';

const T0 = 1_800_000_000_000;
const TTL = 60_000;
const CLAIMERS = 4;
const JOBS = 200;

describePostgres('store under concurrent processes (postgres)', () => {
  let database: TestDatabase;
  let stores: Store[];

  beforeEach(async () => {
    database = await postgres.fresh();
    stores = [];
    for (let i = 0; i < CLAIMERS; i++) stores.push(await database.open());
  });
  afterEach(async () => {
    await database.dispose();
  });

  it('lets several processes start at once on an empty database: the schema is made once, all of them work', async () => {
    const fresh = await postgres.fresh();
    try {
      const opened = await Promise.all(Array.from({ length: CLAIMERS }, () => fresh.open()));
      await opened[0]!.addDevice(device('dev1'), T0);
      for (const st of opened) expect((await st.getDevice('dev1'))?.id).toBe('dev1');
    } finally {
      await fresh.dispose();
    }
  });

  it('never claims a job twice when several processes claim the same device\'s queue at once', async () => {
    const [first] = stores as [Store];
    await first.addDevice(device('dev1'), T0);
    const refs: number[] = [];
    // Each claimer claims under a session of its own (an impossible state for one device
    // in practice, which is the point: the claim alone must be safe).
    for (let i = 0; i < CLAIMERS; i++) {
      const s = await first.beginSession('dev1', String(i), {}, T0, TTL);
      if (!s.ok) throw new Error('refused');
      refs.push(s.session.ref);
      await first.endSession(s.session.ref, 'completed', T0);
    }
    const enqueued: number[] = [];
    for (let i = 0; i < JOBS; i++) enqueued.push((await first.enqueueJob({ deviceId: 'dev1', spec: { op: 'get', uris: [`./N/${i}`] } }, T0)).id);

    const claimedBy = new Map<number, number>();
    const claimer = async (k: number): Promise<void> => {
      // Bounded: every round that finds nothing counts, and JOBS rounds are always enough.
      for (let round = 0, empty = 0; round < JOBS && empty < 3; round++) {
        const got = await stores[k]!.claimJobs('dev1', refs[k]!, T0 + round, 3);
        empty = got.length === 0 ? empty + 1 : 0;
        for (const job of got) {
          expect(claimedBy.has(job.id), `job ${job.id} claimed by ${claimedBy.get(job.id)} and ${k}`).toBe(false);
          claimedBy.set(job.id, k);
          expect(job).toMatchObject({ state: 'sent', sessionRef: refs[k], attempts: 1 });
        }
      }
    };
    await Promise.all(stores.map((_, k) => claimer(k)));
    expect([...claimedBy.keys()].sort((a, b) => a - b)).toEqual(enqueued);
    expect(await first.jobCounts()).toMatchObject({ queued: 0, sent: JOBS });
  });

  it('never finishes a job twice when two processes receive its Status at once', async () => {
    const [first] = stores as [Store];
    await first.addDevice(device('dev1'), T0);
    const s = await first.beginSession('dev1', '1', {}, T0, TTL);
    if (!s.ok) throw new Error('refused');
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) ids.push((await first.enqueueJob({ deviceId: 'dev1', spec: { op: 'get', uris: ['./A'] } }, T0)).id);
    await first.claimJobs('dev1', s.session.ref, T0, 20);
    const answers = await Promise.all(ids.flatMap((id) => stores.map((st, k) => st.finishJob(id, s.session.ref, { status: 200, results: [{ data: String(k) }] }, T0 + 1))));
    expect(answers.filter((a) => a.ok)).toHaveLength(ids.length);
    expect(await first.jobCounts()).toMatchObject({ sent: 0, done: ids.length });
  });

  it('gives a device one live session when several processes begin one at once', async () => {
    const [first] = stores as [Store];
    await first.addDevice(device('dev1'), T0);
    for (let round = 0; round < 5; round++) {
      const now = T0 + round * TTL * 2;
      const answers = await Promise.all(stores.map((st, k) => st.beginSession('dev1', `${round}-${k}`, {}, now, TTL)));
      const won = answers.filter((a) => a.ok);
      expect(won).toHaveLength(1);
      const live = (won[0] as { session: { ref: number } }).session.ref;
      for (const a of answers) if (!a.ok) expect(a).toMatchObject({ reason: 'busy', live: { ref: live } });
    }
  });
});
