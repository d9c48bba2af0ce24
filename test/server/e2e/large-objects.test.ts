/**
 * Large objects over HTTP (section 8): a 1 MB Replace to a device whose MaxMsgSize is
 * 4 KB goes out in chunks, each message within the device's limit; a Get whose Results
 * the device sends in chunks comes back whole in the job's outcome; and a device that
 * answers our non-final chunks with Final and no Alert 1222 still gets the whole object.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AlertCode, StatusCode } from '../../../generated/codes.js';
import type { SyncML } from '../../../generated/types.js';
import { describePostgres, postgres, sqlite, type Backend } from '../databases.js';
import { startHarness, type Harness } from './harness.js';
import type { JsonValue } from '../../../src/server/store/index.js';
import { LargeObjectKeeper } from '../../../src/server/service/large-object-keeper.js';
import { IncomingObjectKeeper } from '../../../src/server/service/incoming-object-keeper.js';
import { readStored } from '../../../src/server/service/stored-session.js';

/** Data that shows where a chunk went missing or was doubled. */
function data(size: number): string {
  let s = '';
  for (let i = 0; s.length < size; i++) s += `${i.toString(36)}.`;
  return s.slice(0, size);
}

/** The slip: Final on a message that should have asked for more with 1222. */
function finalInsteadOf1222(m: SyncML): SyncML {
  const asks = m.syncBody.commands.some((c) => c.kind === 'Alert' && Number(c.data) === AlertCode.NextMessage);
  if (!asks || m.syncBody.final) return m;
  const commands = m.syncBody.commands.filter((c) => !(c.kind === 'Alert' && Number(c.data) === AlertCode.NextMessage));
  return { ...m, syncBody: { commands: commands as SyncML['syncBody']['commands'], final: true } };
}

function suite(backend: Backend): void {
  describe(`large objects over HTTP on ${backend.name}`, () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('DM-PRO-S-004, DM-PRO-LO-S-003, DM-PRO-LO-S-004, DM-PRO-LO-S-007, DM-PRO-LO-S-008: a 1 MB Replace reaches a device with MaxMsgSize 4 KB in chunks within its limit (section 8)', { timeout: 120_000 }, async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:LO1', { maxMsgSize: 4096, maxObjSize: 2 * 1024 * 1024, encoding: 'wbxml', auth: 'md5' });
      const value = data(1024 * 1024);
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:LO1', spec: { op: 'replace', items: [{ uri: './Vendor/Blob', data: value, format: 'chr' }] } }, Date.now());
      // Every stored session the server saves, as the store gets it.
      const saves: JsonValue[] = [];
      const save = h.store.saveSession.bind(h.store);
      h.store.saveSession = (ref, version, snapshot, ...rest) => {
        saves.push(snapshot);
        return save(ref, version, snapshot, ...rest);
      };
      const run = await device.run({ maxMessages: 1000 });
      expect(run.ended).toBe(true);
      expect(run.exchanges.length).toBeGreaterThan(256);
      for (const x of run.exchanges) expect(x.body.byteLength).toBeLessThanOrEqual(4096);
      expect(device.tree.get('./Vendor/Blob')).toBe(value);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok } });
      // The object is not saved with every message (large-object-keeper.ts): each snapshot
      // holds about a message's worth, not the megabyte (it held all of it before, 286 MB in all).
      expect(saves.length).toBe(run.exchanges.length);
      const sizes = saves.map((v) => JSON.stringify(v).length);
      expect(Math.max(...sizes)).toBeLessThan(32 * 1024);
      const detached = saves.map((v) => readStored(v)).filter((v) => v?.detached !== undefined);
      expect(detached.length).toBeGreaterThan(250);
      // A process without this one's cache puts the object back from the job in the store, and
      // refuses an object that is not the one sent.
      const mid = detached[100]!;
      const keeper = new LargeObjectKeeper(h.store);
      const back = await keeper.attach(1, mid);
      expect((back?.endpoint.outgoing.chunk?.draft as { items: { data: string }[] }).items[0]!.data).toBe(value);
      expect(back?.detached).toBeUndefined();
      // Its cache is bounded (16 objects), and forgets a session that ended.
      for (let ref = 2; ref <= 20; ref++) expect(keeper.detach(ref, back!).detached).toEqual(mid.detached);
      expect(keeper.size).toBe(16);
      keeper.forget(20);
      expect(keeper.size).toBe(15);
      expect(await new LargeObjectKeeper(h.store).attach(1, { ...mid, detached: { ...mid.detached!, digest: 'AAAA' } })).toBeUndefined();
      expect(await new LargeObjectKeeper(h.store).attach(1, { ...mid, detached: { ...mid.detached!, job: 999_999 } })).toBeUndefined();
    });

    it('DM-PRO-S-003: a device answering our non-final messages with Final and no Alert 1222 still gets the whole object (section 7.2)', { timeout: 60_000 }, async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:LO2', { maxMsgSize: 2048, maxObjSize: 1024 * 1024 });
      const value = data(20_000);
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:LO2', spec: { op: 'add', items: [{ uri: './Vendor/Blob', data: value }] } }, Date.now());
      let slips = 0;
      const run = await device.run({
        maxMessages: 200,
        tamper: (m) => {
          const t = finalInsteadOf1222(m);
          if (t !== m) slips++;
          return t;
        },
      });
      expect(slips).toBeGreaterThan(5);
      expect(run.ended).toBe(true);
      expect(device.tree.get('./Vendor/Blob')).toBe(value);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.ItemAdded } });
    });

    it('DM-PRO-S-004, DM-PRO-LO-S-001, DM-PRO-LO-S-006: a Get whose Results arrive in chunks is kept whole in the outcome (section 8)', { timeout: 120_000 }, async () => {
      h = await startHarness(backend, { maxMsgSize: 4096, maxObjSize: 512 * 1024 });
      const device = await h.device('IMEI:LO3', { auth: 'hmac' });
      const value = data(300_000);
      device.tree.set('./Vendor/Log', value);
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:LO3', spec: { op: 'get', uris: ['./Vendor/Log'] } }, Date.now());
      const saves: JsonValue[] = [];
      const save = h.store.saveSession.bind(h.store);
      h.store.saveSession = (ref, version, snapshot, ...rest) => {
        saves.push(snapshot);
        return save(ref, version, snapshot, ...rest);
      };
      let ref = 0;
      const run = await device.run({
        maxMessages: 200,
        before: async (i): Promise<'send'> => {
          if (i !== 40) return 'send';
          // Mid-object: the data so far is in rows beside the snapshot, and a process without
          // this one's cache puts it back from them.
          const live = (await h!.store.liveSession('IMEI:LO3'))!;
          ref = live.ref;
          const stored = readStored(live.snapshot)!;
          expect(stored.received).toMatchObject({ object: 1 });
          expect(stored.endpoint.incoming.pending?.data).toBe('');
          const pieces = await h!.store.receivedChunks(ref, 1);
          expect(pieces.length).toBe(stored.received!.pieces);
          expect(pieces.join('')).toBe(value.slice(0, stored.received!.length));
          const back = await new IncomingObjectKeeper(h!.store).attach(ref, stored);
          expect(back?.endpoint.incoming.pending?.data).toBe(value.slice(0, stored.received!.length));
          expect(back?.received).toBeUndefined();
          // Rows that do not add up to the marker are refused, not taken for the object.
          expect(await new IncomingObjectKeeper(h!.store).attach(ref, { ...stored, received: { ...stored.received!, pieces: stored.received!.pieces + 1 } })).toBeUndefined();
          return 'send';
        },
      });
      expect(run.ended).toBe(true);
      expect(ref).toBeGreaterThan(0);
      // Each save holds about a message's worth, not the data so far (all of it before:
      // some 13 MB of snapshots for this object); the rows went with the session.
      expect(saves.length).toBe(run.exchanges.length);
      const sizes = saves.map((v) => JSON.stringify(v).length);
      expect(Math.max(...sizes)).toBeLessThan(32 * 1024);
      expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThan(value.length * 2);
      expect(await h.store.receivedChunks(ref, 1)).toEqual([]);
      // Our MaxMsgSize and MaxObjSize went out in Package#2, and the device kept to them.
      expect(run.exchanges[0]!.received?.syncHdr.meta).toMatchObject({ maxMsgSize: '4096', maxObjSize: String(512 * 1024) });
      expect(run.exchanges.length).toBeGreaterThan(10);
      for (const x of run.exchanges) expect(x.sentBytes.byteLength).toBeLessThanOrEqual(4096);
      const got = await h.store.getJob(job.id);
      expect(got).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok } });
      expect(got?.outcome?.results?.map((r) => r.data)).toEqual([value]);
    });

    it('DM-PRO-LO-S-007: an object larger than the device\'s MaxObjSize is never sent; the job fails with 413', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:LO4', { maxObjSize: 1000 });
      const big = await h.store.enqueueJob({ deviceId: 'IMEI:LO4', spec: { op: 'replace', items: [{ uri: './Vendor/Big', data: data(5000) }] } }, Date.now());
      const small = await h.store.enqueueJob({ deviceId: 'IMEI:LO4', spec: { op: 'replace', items: [{ uri: './Vendor/Small', data: 'ok' }] } }, Date.now());
      // The device announces its MaxObjSize in Package#1, so Package#2 already knows it.
      const run = await device.run();
      expect(run.ended).toBe(true);
      expect(device.tree.has('./Vendor/Big')).toBe(false);
      expect(await h.store.getJob(big.id)).toMatchObject({ state: 'failed', outcome: { status: StatusCode.RequestEntityTooLarge }, lastError: "not sent: an item of 5000 bytes is larger than the peer's MaxObjSize of 1000" });
      expect(await h.store.getJob(small.id)).toMatchObject({ state: 'done' });
    });

    it('a Replace of several items too large for one message goes one item per command; it is one job, done once every item is answered, and the next job keeps its own Status and Results (section 7.1)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:LO6', { maxMsgSize: 2048 });
      const t0 = Date.now();
      const items = ['A', 'B', 'C'].map((n) => ({ uri: `./Vendor/${n}`, data: n.repeat(1400) }));
      const replace = await h.store.enqueueJob({ deviceId: 'IMEI:LO6', spec: { op: 'replace', items } }, t0);
      const get = await h.store.enqueueJob({ deviceId: 'IMEI:LO6', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, t0);
      const run = await device.run({ maxMessages: 50 });
      expect(run.ended).toBe(true);
      // One command per item, in messages of their own.
      const sentReplaces = run.exchanges.flatMap((x) => x.received?.syncBody.commands.filter((c) => c.kind === 'Replace') ?? []);
      expect(sentReplaces.map((c) => (c.kind === 'Replace' ? c.items.map((i) => i.target?.locURI) : []))).toEqual(items.map((i) => [i.uri]));
      for (const i of items) expect(device.tree.get(i.uri)).toBe(i.data);
      expect(await h.store.getJob(replace.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok } });
      const got = await h.store.getJob(get.id);
      expect(got).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok } });
      expect(got?.outcome?.results?.map((r) => r.source)).toEqual(['./DevInfo/Mod']);
    });

    it('DM-PRO-LO-S-007: a device that lowers its MaxObjSize mid-session: the jobs held back fail with 413 at once, the others go on (section 8)', { timeout: 60_000 }, async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:LO5', { maxMsgSize: 4096, maxObjSize: 1024 * 1024 });
      const t0 = Date.now();
      const inProgress = await h.store.enqueueJob({ deviceId: 'IMEI:LO5', spec: { op: 'replace', items: [{ uri: './Vendor/Big', data: data(40_000) }] } }, t0);
      const queued = await h.store.enqueueJob({ deviceId: 'IMEI:LO5', spec: { op: 'replace', items: [{ uri: './Vendor/Mid', data: data(5_000) }] } }, t0);
      const small = await h.store.enqueueJob({ deviceId: 'IMEI:LO5', spec: { op: 'replace', items: [{ uri: './Vendor/Small', data: 'ok' }] } }, t0);
      // From its third message on, the device announces a MaxObjSize of 3000 bytes.
      const run = await device.run({
        maxMessages: 100,
        tamper: (m, i) => (i < 2 ? m : { ...m, syncHdr: { ...m.syncHdr, meta: { emis: [], ...m.syncHdr.meta, maxObjSize: '3000' } } }),
      });
      expect(run.ended).toBe(true);
      expect(device.tree.has('./Vendor/Big')).toBe(false);
      expect(device.tree.has('./Vendor/Mid')).toBe(false);
      expect(device.tree.get('./Vendor/Small')).toBe('ok');
      // Failed in this session, not put back in the queue for the next one.
      expect(await h.store.getJob(inProgress.id)).toMatchObject({ state: 'failed', attempts: 1, outcome: { status: StatusCode.RequestEntityTooLarge } });
      expect(await h.store.getJob(queued.id)).toMatchObject({ state: 'failed', attempts: 1, outcome: { status: StatusCode.RequestEntityTooLarge } });
      expect(await h.store.getJob(small.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok } });
      const warnings = h.eventsOf('session-warning').map((e) => (e.type === 'session-warning' ? e.message : ''));
      for (const job of [inProgress, queued]) {
        const reason = `job ${job.id} not sent: its Replace carries an object larger than the device's MaxObjSize of 3000 bytes (announced after it was queued, section 8)`;
        expect(warnings).toContain(reason);
        expect((await h.store.getJob(job.id))?.lastError).toBe(reason);
      }
    });
  });
}

suite(sqlite);
describePostgres('large objects over HTTP on postgres', () => suite(postgres));
