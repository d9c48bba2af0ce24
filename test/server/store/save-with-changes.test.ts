/**
 * Store.saveSession with the changes of a message (SessionChanges): the snapshot, the jobs
 * finished, the transcript and the end of the session in one transaction: all of it, or
 * nothing when the save is refused or an input is wrong. On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStoreInputError, type JobSpec, type Store, type TranscriptInit } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { device } from '../store-suite.js';

const T0 = 1_800_000_000_000;
const TTL = 60_000;
const GET: JobSpec = { op: 'get', uris: ['./DevInfo/Mod'] };
const OK = { status: 200, results: [{ source: './DevInfo/Mod', format: 'chr', data: 'X1' }] };

function transcript(sessionRef: number, msgId = '2'): TranscriptInit[] {
  return [
    { sessionRef, direction: 'in', msgId, contentType: 'application/vnd.syncml.dm+xml', body: new Uint8Array([1, 2, 3]) },
    { sessionRef, direction: 'out', msgId, contentType: 'application/vnd.syncml.dm+xml', body: new Uint8Array([4, 5]) },
  ];
}

function suite(backend: Backend): void {
  describe(`saveSession with the changes of a message, on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
    });
    afterEach(async () => {
      await database.dispose();
    });

    /** A device with `jobs` Gets, a session begun, the jobs claimed in it. */
    async function claimed(jobs: number): Promise<{ ref: number; ids: number[] }> {
      await store.addDevice(device('dev1'), T0);
      for (let i = 0; i < jobs; i++) await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
      const b = await store.beginSession('dev1', '1', { v: 0 }, T0, TTL);
      if (!b.ok) throw new Error('refused');
      const ids = (await store.claimJobs('dev1', b.session.ref, T0 + 1, jobs)).map((j) => j.id);
      return { ref: b.session.ref, ids };
    }

    it('saves the snapshot, finishes the jobs, keeps the transcript and ends the session, and answers for each', async () => {
      const { ref, ids } = await claimed(2);
      const snapshot = { step: 2, list: [1, 2] };
      const saved = await store.saveSession(ref, 1, snapshot, T0 + 2, TTL, { finishes: ids.map((id) => ({ id, outcome: OK })), transcript: transcript(ref), end: 'completed' });
      if (!saved.ok) throw new Error(`refused: ${saved.reason}`);
      expect(saved.session).toMatchObject({ ref, version: 2, lastActivity: T0 + 2, snapshot });
      expect(saved.finished?.map((r) => r.ok && r.job.state)).toEqual(['done', 'done']);
      expect(saved.recorded).toEqual([true, true]);
      expect(saved.ended).toMatchObject({ ref, outcome: 'completed', endedAt: T0 + 2, version: 2, snapshot });
      for (const id of ids) expect(await store.getJob(id)).toMatchObject({ state: 'done', outcome: OK });
      expect((await store.transcript(ref)).map((t) => [t.direction, [...t.body]])).toEqual([
        ['in', [1, 2, 3]],
        ['out', [4, 5]],
      ]);
      expect(await store.getSession(ref)).toMatchObject({ snapshot, version: 2, outcome: 'completed' });
      expect(await store.liveSession('dev1')).toBeUndefined();
    });

    it('a save over a stale version changes nothing: the jobs stay sent, no transcript, the session live', async () => {
      const { ref, ids } = await claimed(2);
      expect((await store.saveSession(ref, 1, { first: true }, T0 + 2, TTL)).ok).toBe(true);
      const stale = await store.saveSession(ref, 1, { second: true }, T0 + 3, TTL, { finishes: ids.map((id) => ({ id, outcome: OK })), transcript: transcript(ref), end: 'completed' });
      expect(stale).toMatchObject({ ok: false, reason: 'conflict' });
      for (const id of ids) expect(await store.getJob(id)).toMatchObject({ state: 'sent' });
      expect(await store.transcript(ref)).toEqual([]);
      expect(await store.liveSession('dev1')).toMatchObject({ ref, version: 2, snapshot: { first: true } });
    });

    it('a save refused because another process saved and ended the session is a conflict; ended over the version read, it is ended', async () => {
      const { ref } = await claimed(0);
      expect((await store.saveSession(ref, 1, { by: 'other' }, T0 + 2, TTL, { end: 'completed' })).ok).toBe(true);
      expect(await store.saveSession(ref, 1, { by: 'me' }, T0 + 3, TTL, {})).toMatchObject({ ok: false, reason: 'conflict' });
      expect(await store.saveSession(ref, 2, { by: 'me' }, T0 + 3, TTL, {})).toMatchObject({ ok: false, reason: 'ended' });
    });

    it('checks every finish and transcript entry before anything changes', async () => {
      const { ref, ids } = await claimed(1);
      const bad = [
        store.saveSession(ref, 1, { x: 1 }, T0 + 2, TTL, { finishes: [{ id: ids[0]!, outcome: { status: 42 } }] }),
        store.saveSession(ref, 1, { x: 1 }, T0 + 2, TTL, { transcript: [{ ...transcript(ref)[0]!, msgId: '' }] }),
      ];
      for (const p of bad) {
        const e = await p.then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(isStoreInputError(e)).toBe(true);
      }
      expect(await store.liveSession('dev1')).toMatchObject({ version: 1 });
      expect(await store.getJob(ids[0]!)).toMatchObject({ state: 'sent' });
      expect(await store.transcript(ref)).toEqual([]);
    });

    it('jobs claimed by the process that lost the race, put back by the end the winner saved, are unclaimed: their attempt not counted', async () => {
      const { ref, ids } = await claimed(2);
      // The winner's message ends the session: the loser's claims (still sent) go back to the queue.
      expect((await store.saveSession(ref, 1, { by: 'winner' }, T0 + 2, TTL, { end: 'completed' })).ok).toBe(true);
      for (const id of ids) expect(await store.getJob(id)).toMatchObject({ state: 'queued', attempts: 1 });
      expect(await store.unclaimJobs(ids, ref + 1)).toBe(0);
      expect(await store.unclaimJobs(ids, ref)).toBe(2);
      for (const id of ids) {
        const job = await store.getJob(id);
        expect(job).toMatchObject({ state: 'queued', attempts: 0 });
        expect(job?.sessionRef).toBeUndefined();
        expect(job?.lastError).toBeUndefined();
      }
    });
  });
}

suite(sqlite);
describePostgres('saveSession with changes on postgres', () => suite(postgres));
