/**
 * The store's behaviour, once for every backend (store.test.ts runs it on SQLite and
 * PostgreSQL). Every test starts from an empty database; times are given, never read.
 */
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret, isStoreInputError, type DeviceInit, type JobSpec, type Store, type StoreLimits } from '../../src/server/store/index.js';
import type { Backend, TestDatabase } from './databases.js';

const T0 = 1_800_000_000_000;
const TTL = 60_000;
const POLICY = { max: 3, windowMs: 60_000, lockMs: 300_000 };

export function device(id: string, over: Partial<DeviceInit> = {}): DeviceInit {
  return {
    id,
    serverId: 'omadm-server',
    client: { scheme: 'md5', name: `${id}-user`, secret: new Secret(`client-secret-of-${id}`) },
    server: { scheme: 'md5', name: 'omadm-server', secret: new Secret(`server-secret-of-${id}`) },
    ...over,
  };
}

const GET: JobSpec = { op: 'get', uris: ['./DevInfo/Mod'] };

async function expectInputError(p: Promise<unknown>, field: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isStoreInputError(e), `expected a StoreInputError on ${field}, got ${String(e)}`).toBe(true);
  expect((e as { field: string }).field).toBe(field);
}

export function storeSuite(backend: Backend): void {
  describe(`store on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    const open = (limits?: Partial<StoreLimits>): Promise<Store> => database.open(limits);

    beforeEach(async () => {
      database = await backend.fresh();
      store = await open();
    });
    afterEach(async () => {
      await database.dispose();
    });

    describe('devices', () => {
      it('keeps a device with its credentials for every scheme, and refuses a second with the same id', async () => {
        for (const scheme of ['none', 'basic', 'md5', 'hmac'] as const) {
          const init = device(`dev-${scheme}`, {
            client: scheme === 'none' ? { scheme } : { scheme, name: 'u', secret: new Secret(`c-${scheme}`) },
            server: scheme === 'none' ? { scheme } : { scheme, name: 's', secret: new Secret(`s-${scheme}`) },
            acceptedClientSchemes: scheme === 'md5' ? ['md5', 'hmac'] : [],
          });
          await store.addDevice(init, T0);
          const got = await store.getDevice(init.id);
          expect(got?.client.scheme).toBe(scheme);
          expect(got?.serverId).toBe('omadm-server');
          if (got?.client.scheme !== 'none' && got?.client.scheme !== undefined) expect(got.client.secret.reveal()).toBe(`c-${scheme}`);
          if (got?.server.scheme !== 'none' && got?.server.scheme !== undefined) expect(got.server.secret.reveal()).toBe(`s-${scheme}`);
          expect(got?.acceptedClientSchemes).toEqual(scheme === 'md5' ? ['md5', 'hmac'] : []);
        }
        await expectInputError(store.addDevice(device('dev-md5'), T0), 'id');
        expect((await store.listDevices()).map((d) => d.id)).toEqual(['dev-basic', 'dev-hmac', 'dev-md5', 'dev-none']);
        expect((await store.listDevices({ after: 'dev-hmac', limit: 1 })).map((d) => d.id)).toEqual(['dev-md5']);
      });

      it('refuses a device without a secret for a scheme that needs one, naming the field', async () => {
        await expectInputError(store.addDevice(device('d', { client: { scheme: 'basic', name: 'u', secret: new Secret('') } }), T0), 'client.secret');
        await expectInputError(store.addDevice(device('d', { server: { scheme: 'pgp' } as never }), T0), 'server.scheme');
        await expectInputError(store.addDevice(device(''), T0), 'id');
        await expectInputError(store.addDevice(device('d', { acceptedClientSchemes: ['md5', 'x' as never] }), T0), 'acceptedClientSchemes[1]');
        expect(await store.getDevice('d')).toBeUndefined();
      });

      it('never prints a secret: JSON, inspect, String and templates show [redacted]', async () => {
        await store.addDevice(device('dev1'), T0);
        const got = (await store.getDevice('dev1'))!;
        const printed = [JSON.stringify(got), inspect(got, { depth: 10 }), String(got.client.scheme !== 'none' && got.client.secret), `${got.client.scheme !== 'none' ? got.client.secret : ''}`];
        for (const text of printed) {
          expect(text).not.toContain('client-secret-of-dev1');
          expect(text).not.toContain('server-secret-of-dev1');
        }
        expect(JSON.stringify(got)).toContain('[redacted]');
      });

      it('updates credentials and keeps the nonces; deleting a device takes its rows with it', async () => {
        await store.addDevice(device('dev1'), T0);
        await store.saveNonces('dev1', { expectedNonce: new Uint8Array([1, 2, 3]) }, T0);
        const job = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const begun = await store.beginSession('dev1', '1', { step: 1 }, T0, TTL);
        expect(begun.ok).toBe(true);
        await store.recordAlert({ deviceId: 'dev1', code: 1226, items: [{ data: 'x' }] }, T0);
        const updated = await store.updateDevice(device('dev1', { serverId: 'other', client: { scheme: 'basic', name: 'u2', secret: new Secret('new') } }), T0 + 5);
        expect(updated.serverId).toBe('other');
        expect(updated.createdAt).toBe(T0);
        expect(updated.updatedAt).toBe(T0 + 5);
        expect((await store.getNonces('dev1')).expectedNonce).toEqual(new Uint8Array([1, 2, 3]));
        await expectInputError(store.updateDevice(device('nobody'), T0), 'id');

        expect(await store.deleteDevice('dev1')).toBe(true);
        expect(await store.deleteDevice('dev1')).toBe(false);
        expect(await store.getDevice('dev1')).toBeUndefined();
        expect(await store.getJob(job.id)).toBeUndefined();
        expect(await store.getNonces('dev1')).toEqual({});
        expect(await store.listAlerts('dev1')).toEqual([]);
        expect(await store.listSessions('dev1')).toEqual([]);
      });
    });

    describe('nonces', () => {
      it('keeps each nonce until replaced, across a restart, so a lost message never locks a device out', async () => {
        await store.addDevice(device('dev1'), T0);
        expect(await store.getNonces('dev1')).toEqual({});
        await store.saveNonces('dev1', { nonceToUse: new Uint8Array([9]), expectedNonce: new Uint8Array([1]) }, T0);
        await store.saveNonces('dev1', { expectedNonce: new Uint8Array([2]), previousExpectedNonce: new Uint8Array([1]) }, T0 + 1);
        await store.close();
        const again = await open();
        expect(await again.getNonces('dev1')).toEqual({ nonceToUse: new Uint8Array([9]), expectedNonce: new Uint8Array([2]), previousExpectedNonce: new Uint8Array([1]) });
        // Both in one query, as every DM message reads them; a device without nonces has none; no device, nothing.
        expect(await again.getDeviceWithNonces('dev1')).toEqual({ device: await again.getDevice('dev1'), nonces: await again.getNonces('dev1') });
        await again.addDevice(device('dev2'), T0);
        expect(await again.getDeviceWithNonces('dev2')).toEqual({ device: await again.getDevice('dev2'), nonces: {} });
        expect(await again.getDeviceWithNonces('nobody')).toBeUndefined();
        await expectInputError(again.saveNonces('nobody', { expectedNonce: new Uint8Array([1]) }, T0), 'id');
      });
    });

    describe('sessions', () => {
      it('keeps one live session per device: a second is refused with the live one, another device is not touched', async () => {
        await store.addDevice(device('dev1'), T0);
        await store.addDevice(device('dev2'), T0);
        const first = await store.beginSession('dev1', '1', { n: 1 }, T0, TTL);
        if (!first.ok) throw new Error('first session refused');
        const second = await store.beginSession('dev1', '2', { n: 2 }, T0 + 1, TTL);
        expect(second).toMatchObject({ ok: false, reason: 'busy', live: { ref: first.session.ref, sessionId: '1' } });
        const other = await store.beginSession('dev2', '1', { n: 3 }, T0 + 1, TTL);
        expect(other.ok).toBe(true);
        expect((await store.liveSession('dev1'))?.snapshot).toEqual({ n: 1 });
        await expectInputError(store.beginSession('nobody', '1', {}, T0, TTL), 'id');
      });

      it('saves snapshots over the version read: a stale save is refused, an ended session takes none', async () => {
        await store.addDevice(device('dev1'), T0);
        const begun = await store.beginSession('dev1', '1A', { msg: 1 }, T0, TTL);
        if (!begun.ok) throw new Error('refused');
        const s = begun.session;
        expect(s).toMatchObject({ deviceId: 'dev1', sessionId: '1A', version: 1, startedAt: T0, lastActivity: T0, expiresAt: T0 + TTL });
        const saved = await store.saveSession(s.ref, 1, { msg: 2, nested: [1, 'two', null, true] }, T0 + 10, TTL);
        expect(saved).toMatchObject({ ok: true, session: { version: 2, lastActivity: T0 + 10, expiresAt: T0 + 10 + TTL, snapshot: { msg: 2, nested: [1, 'two', null, true] } } });
        expect(await store.saveSession(s.ref, 1, { msg: 'stale' }, T0 + 11, TTL)).toMatchObject({ ok: false, reason: 'conflict', session: { version: 2 } });
        const ended = await store.endSession(s.ref, 'completed', T0 + 20);
        expect(ended).toMatchObject({ endedAt: T0 + 20, outcome: 'completed' });
        expect(await store.endSession(s.ref, 'aborted', T0 + 21)).toBeUndefined();
        expect(await store.saveSession(s.ref, 2, { msg: 3 }, T0 + 30, TTL)).toMatchObject({ ok: false, reason: 'ended' });
        expect(await store.saveSession(999_999, 1, {}, T0, TTL)).toEqual({ ok: false, reason: 'missing' });
        expect(await store.liveSession('dev1')).toBeUndefined();
        expect((await store.beginSession('dev1', '2', {}, T0 + 40, TTL)).ok).toBe(true);
      });

      it('keeps the pieces of a large object being received beside the snapshot, in order, across a restart; a refused save adds none; they go with the object or the session', async () => {
        await store.addDevice(device('dev1'), T0);
        const begun = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!begun.ok) throw new Error('refused');
        const ref = begun.session.ref;
        // Any text a device may send: NUL, a pair of surrogates, markup.
        const pieces = ['first \u0000 piece ', '😀 <b>&amp;</b>', ''.padEnd(5000, 'x')];
        for (const [seq, data] of pieces.entries()) expect((await store.saveSession(ref, seq + 1, { seq }, T0 + seq, TTL, { received: { object: 1, seq, data } })).ok).toBe(true);
        expect(await store.saveSession(ref, 1, { stale: true }, T0, TTL, { received: { object: 1, seq: 3, data: 'lost' } })).toMatchObject({ ok: false, reason: 'conflict' });
        await store.close();
        store = await open();
        expect(await store.receivedChunks(ref, 1)).toEqual(pieces);
        expect(await store.receivedChunks(ref, 2)).toEqual([]);
        // The next object's first piece drops the last object's.
        expect((await store.saveSession(ref, 4, {}, T0 + 5, TTL, { received: { object: 2, seq: 0, data: 'next' } })).ok).toBe(true);
        expect(await store.receivedChunks(ref, 1)).toEqual([]);
        expect(await store.receivedChunks(ref, 2)).toEqual(['next']);
        expect((await store.saveSession(ref, 5, {}, T0 + 6, TTL, { receivedDone: true })).ok).toBe(true);
        expect(await store.receivedChunks(ref, 2)).toEqual([]);
        expect((await store.saveSession(ref, 6, {}, T0 + 7, TTL, { received: { object: 3, seq: 0, data: 'cut short' } })).ok).toBe(true);
        await store.endSession(ref, 'aborted', T0 + 8);
        expect(await store.receivedChunks(ref, 3)).toEqual([]);
      });

      it('keeps a live session and its snapshot across a restart', async () => {
        await store.addDevice(device('dev1'), T0);
        const begun = await store.beginSession('dev1', '7', { pending: ['a', 'b'] }, T0, TTL);
        if (!begun.ok) throw new Error('refused');
        await store.close();
        const again = await open();
        expect(await again.liveSession('dev1')).toMatchObject({ ref: begun.session.ref, sessionId: '7', snapshot: { pending: ['a', 'b'] }, version: 1 });
        expect((await again.saveSession(begun.session.ref, 1, { pending: [] }, T0 + 1, TTL)).ok).toBe(true);
      });

      it('ends an expired session when a new one begins, and on a sweep; the expired one is not continued', async () => {
        await store.addDevice(device('dev1'), T0);
        await store.addDevice(device('dev2'), T0);
        const old = await store.beginSession('dev1', '1', {}, T0, TTL);
        const other = await store.beginSession('dev2', '1', {}, T0, TTL);
        if (!old.ok || !other.ok) throw new Error('refused');
        const fresh = await store.beginSession('dev1', '2', {}, T0 + TTL, TTL);
        expect(fresh).toMatchObject({ ok: true, expired: [{ ref: old.session.ref, outcome: 'expired', endedAt: T0 + TTL }] });
        expect(await store.saveSession(old.session.ref, 1, {}, T0 + TTL, TTL)).toMatchObject({ ok: false, reason: 'ended' });
        const swept = await store.expireSessions(T0 + TTL + 1);
        expect(swept.map((s) => s.deviceId)).toEqual(['dev2']);
        expect(await store.expireSessions(T0 + TTL + 2)).toEqual([]);
      });

      it('keeps only the newest ended sessions of a device, with their transcripts', async () => {
        store = await open({ endedSessionsPerDevice: 2 });
        await store.addDevice(device('dev1'), T0);
        const refs: number[] = [];
        for (let i = 0; i < 4; i++) {
          const b = await store.beginSession('dev1', String(i), {}, T0 + i, TTL);
          if (!b.ok) throw new Error('refused');
          refs.push(b.session.ref);
          await store.recordMessage({ sessionRef: b.session.ref, direction: 'in', msgId: '1', contentType: 'application/vnd.syncml.dm+xml', body: new Uint8Array([i]) }, T0 + i);
          await store.endSession(b.session.ref, 'completed', T0 + i);
        }
        expect((await store.listSessions('dev1')).map((s) => s.ref)).toEqual([refs[3], refs[2]]);
        expect(await store.transcript(refs[0]!)).toEqual([]);
        expect((await store.transcript(refs[3]!)).map((t) => [...t.body])).toEqual([[3]]);
        expect((await store.listSessions('dev1', { before: refs[3]!, limit: 5 })).map((s) => s.ref)).toEqual([refs[2]]);
      });

      it('refuses a snapshot larger than the bound, and one that is not JSON', async () => {
        store = await open({ snapshotBytes: 100 });
        await store.addDevice(device('dev1'), T0);
        await expectInputError(store.beginSession('dev1', '1', { big: 'x'.repeat(200) }, T0, TTL), 'snapshot');
        await expectInputError(store.beginSession('dev1', '1', undefined as never, T0, TTL), 'snapshot');
        expect(await store.liveSession('dev1')).toBeUndefined();
      });
    });

    describe('transcripts', () => {
      it('keeps the first messages of a session within the bounds, each body cut to the byte bound', async () => {
        store = await open({ transcriptMessagesPerSession: 3, transcriptBytesPerMessage: 4 });
        await store.addDevice(device('dev1'), T0);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        const kept: boolean[] = [];
        for (let i = 1; i <= 5; i++) {
          kept.push(await store.recordMessage({ sessionRef: b.session.ref, direction: i % 2 ? 'in' : 'out', msgId: String(i), contentType: 'application/vnd.syncml.dm+wbxml', body: new Uint8Array(i * 2).fill(i) }, T0 + i));
        }
        expect(kept).toEqual([true, true, true, false, false]);
        const t = await store.transcript(b.session.ref);
        expect(t.map((e) => [e.direction, e.msgId, e.size, e.truncated, [...e.body]])).toEqual([
          ['in', '1', 2, false, [1, 1]],
          ['out', '2', 4, false, [2, 2, 2, 2]],
          ['in', '3', 6, true, [3, 3, 3, 3]],
        ]);
        expect(t[0]).toMatchObject({ deviceId: 'dev1', contentType: 'application/vnd.syncml.dm+wbxml', at: T0 + 1 });
        expect(await store.recordMessage({ sessionRef: 999_999, direction: 'in', msgId: '1', contentType: 'x', body: new Uint8Array() }, T0)).toBe(false);
      });

      it('records several messages in one call, each counted against the bound in turn', async () => {
        store = await open({ transcriptMessagesPerSession: 3, transcriptBytesPerMessage: 4 });
        await store.addDevice(device('dev1'), T0);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        const entry = (i: number) => ({ sessionRef: b.session.ref, direction: i % 2 ? ('in' as const) : ('out' as const), msgId: String(i), contentType: 'application/vnd.syncml.dm+xml', body: new Uint8Array(i * 2).fill(i) });
        expect(await store.recordMessages([], T0)).toEqual([]);
        expect(await store.recordMessages([entry(1), entry(2)], T0 + 1)).toEqual([true, true]);
        expect(await store.recordMessages([entry(3), entry(4)], T0 + 2)).toEqual([true, false]);
        const t = await store.transcript(b.session.ref);
        expect(t.map((e) => [e.direction, e.msgId, e.size, e.truncated, [...e.body], e.at])).toEqual([
          ['in', '1', 2, false, [1, 1], T0 + 1],
          ['out', '2', 4, false, [2, 2, 2, 2], T0 + 1],
          ['in', '3', 6, true, [3, 3, 3, 3], T0 + 2],
        ]);
        expect(await store.recordMessages([{ ...entry(1), sessionRef: 999_999 }], T0)).toEqual([false]);
        // A refused entry takes the whole call back: nothing of it is kept.
        const s2 = await store.beginSession('dev1', '2', {}, T0 + TTL + 1, TTL);
        if (!s2.ok) throw new Error('refused');
        await expectInputError(store.recordMessages([{ ...entry(1), sessionRef: s2.session.ref }, { ...entry(2), sessionRef: s2.session.ref, msgId: 'x'.repeat(100_000) }], T0), 'msgId');
        expect(await store.transcript(s2.session.ref)).toEqual([]);
      });
    });

    describe('jobs', () => {
      const specs: JobSpec[] = [
        GET,
        { op: 'replace', items: [{ uri: './Vendor/Val', data: '42', format: 'int' }] },
        { op: 'add', items: [{ uri: './Vendor/New', data: 'x', format: 'chr', type: 'text/plain' }] },
        { op: 'delete', uris: ['./Vendor/Old'] },
        { op: 'exec', uri: './FUMO/Update', correlator: 'c-1' },
        { op: 'copy', items: [{ source: './A', target: './B' }] },
        { op: 'atomic', steps: [{ op: 'replace', items: [{ uri: './A', data: '1' }] }, { op: 'delete', uris: ['./B'] }] },
        { op: 'sequence', steps: [GET, { op: 'atomic', steps: [{ op: 'delete', uris: ['./C'] }] }] },
        { op: 'ui', code: 1101, text: 'Update now?', options: { MINDT: '5', DR: '1' } },
        { op: 'ui', code: 1103, text: 'Pick one', choices: ['red', 'green'] },
      ];

      it('enqueues every kind of job and gives them back as queued, oldest first', async () => {
        await store.addDevice(device('dev1'), T0);
        for (const [i, spec] of specs.entries()) await store.enqueueJob({ deviceId: 'dev1', spec }, T0 + i);
        const jobs = await store.listJobs('dev1');
        expect(jobs.map((j) => j.spec)).toEqual(specs);
        expect(jobs.every((j) => j.state === 'queued' && j.attempts === 0 && j.maxAttempts === 5)).toBe(true);
        expect(jobs.map((j) => j.createdAt)).toEqual(specs.map((_, i) => T0 + i));
        expect(await store.getJob(jobs[3]!.id)).toEqual(jobs[3]);
      });

      it('refuses a job for an unknown device, a malformed job naming its field, and more than the queue bound', async () => {
        store = await open({ queuedJobsPerDevice: 2 });
        await expectInputError(store.enqueueJob({ deviceId: 'nobody', spec: GET }, T0), 'deviceId');
        await store.addDevice(device('dev1'), T0);
        await expectInputError(store.enqueueJob({ deviceId: 'dev1', spec: { op: 'get', uris: [] } }, T0), 'spec.uris');
        await expectInputError(store.enqueueJob({ deviceId: 'dev1', spec: GET, maxAttempts: 0 }, T0), 'maxAttempts');
        await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        await expectInputError(store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0), 'deviceId');
      });

      it('claims queued jobs oldest first for a session, only the device\'s own, at most the limit', async () => {
        await store.addDevice(device('dev1'), T0);
        await store.addDevice(device('dev2'), T0);
        const ids: number[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0)).id);
        const theirs = await store.enqueueJob({ deviceId: 'dev2', spec: GET }, T0);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        const first = await store.claimJobs('dev1', b.session.ref, T0 + 1, 3);
        expect(first.map((j) => j.id)).toEqual(ids.slice(0, 3));
        expect(first.every((j) => j.state === 'sent' && j.attempts === 1 && j.sessionRef === b.session.ref && j.sentAt === T0 + 1)).toBe(true);
        const rest = await store.claimJobs('dev1', b.session.ref, T0 + 2, 10);
        expect(rest.map((j) => j.id)).toEqual(ids.slice(3));
        expect(await store.claimJobs('dev1', b.session.ref, T0 + 3, 10)).toEqual([]);
        expect((await store.getJob(theirs.id))?.state).toBe('queued');
      });

      it('jobs claimed for a message whose session save lost the race are given back: queued, their attempt not counted, only by the session that claimed them', async () => {
        await store.addDevice(device('dev1'), T0);
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) ids.push((await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0)).id);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        const claimed = await store.claimJobs('dev1', b.session.ref, T0 + 1, 2);
        expect(await store.unclaimJobs(claimed.map((j) => j.id), b.session.ref + 1)).toBe(0);
        expect(await store.unclaimJobs(claimed.map((j) => j.id), b.session.ref)).toBe(2);
        expect(await store.unclaimJobs([], b.session.ref)).toBe(0);
        for (const id of ids.slice(0, 2)) expect(await store.getJob(id)).toMatchObject({ state: 'queued', attempts: 0 });
        // Claimable again, oldest first, as if never claimed.
        expect((await store.claimJobs('dev1', b.session.ref, T0 + 2, 10)).map((j) => [j.id, j.attempts])).toEqual(ids.map((id) => [id, 1]));
      });

      it('a job is done only when its Status arrived, and then leaves the queue for the results with what came back', async () => {
        await store.addDevice(device('dev1'), T0);
        const get = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const rep = await store.enqueueJob({ deviceId: 'dev1', spec: specs[1]! }, T0);
        const ui = await store.enqueueJob({ deviceId: 'dev1', spec: { op: 'ui', code: 1102, text: 'Name?' } }, T0);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        await store.claimJobs('dev1', b.session.ref, T0 + 1, 10);
        expect(await store.jobCounts()).toMatchObject({ queued: 0, sent: 3, done: 0, failed: 0 });

        const results = [{ source: './DevInfo/Mod', format: 'chr', data: 'X1' }];
        expect(await store.finishJob(get.id, b.session.ref, { status: 200, results }, T0 + 2)).toMatchObject({ ok: true, job: { id: get.id, state: 'done', finishedAt: T0 + 2, outcome: { status: 200, results } } });
        expect(await store.finishJob(rep.id, b.session.ref, { status: 405 }, T0 + 3)).toMatchObject({ ok: true, job: { state: 'failed', outcome: { status: 405 } } });
        expect(await store.finishJob(ui.id, b.session.ref, { status: 200, answer: ['Ada'] }, T0 + 4)).toMatchObject({ ok: true, job: { state: 'done', outcome: { answer: ['Ada'] } } });
        // Nothing is marked done twice.
        expect(await store.finishJob(get.id, b.session.ref, { status: 200 }, T0 + 5)).toMatchObject({ ok: false, reason: 'wrong-state', job: { state: 'done', finishedAt: T0 + 2 } });
        expect(await store.finishJob(424242, b.session.ref, { status: 200 }, T0 + 5)).toEqual({ ok: false, reason: 'missing' });
        await expectInputError(store.finishJob(get.id, b.session.ref, { status: 1200 }, T0), 'outcome.status');

        expect(await store.jobCounts()).toEqual({ queued: 0, sent: 0, done: 2, failed: 1, expired: 0, cancelled: 0 });
        expect((await store.getJob(get.id))?.outcome?.results).toEqual(results);
        expect((await store.listJobs('dev1')).map((j) => [j.id, j.state])).toEqual([
          [ui.id, 'done'],
          [rep.id, 'failed'],
          [get.id, 'done'],
        ]);
      });

      it('finishes the jobs of one message in one call: each answer as finishJob would give it, in order, the results kept within the bound', async () => {
        store = await open({ resultsPerDevice: 2 });
        await store.addDevice(device('dev1'), T0);
        const jobs = [];
        for (let i = 0; i < 4; i++) jobs.push(await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0));
        const queued = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        await store.claimJobs('dev1', b.session.ref, T0 + 1, 4);
        const [j0, j1, j2, j3] = jobs.map((j) => j.id) as [number, number, number, number];
        expect(await store.finishJobs(b.session.ref, [], T0 + 2)).toEqual([]);
        // A bad status refuses the whole call before anything changes.
        await expectInputError(store.finishJobs(b.session.ref, [{ id: j0, outcome: { status: 200 } }, { id: j1, outcome: { status: 99 } }], T0 + 2), 'outcome.status');
        expect(await store.jobCounts()).toMatchObject({ sent: 4, done: 0 });

        const answers = await store.finishJobs(
          b.session.ref,
          [
            { id: j3, outcome: { status: 200, results: [{ data: 'X3' }] } },
            { id: j1, outcome: { status: 404 } },
            { id: j3, outcome: { status: 200 } },
            { id: queued.id, outcome: { status: 200 } },
            { id: 424242, outcome: { status: 200 } },
            { id: j0, outcome: { status: 200 } },
          ],
          T0 + 2,
        );
        expect(answers).toMatchObject([
          { ok: true, job: { id: j3, state: 'done', finishedAt: T0 + 2, outcome: { results: [{ data: 'X3' }] } } },
          { ok: true, job: { id: j1, state: 'failed', outcome: { status: 404 } } },
          // Nothing is finished twice, not even within one call.
          { ok: false, reason: 'wrong-state', job: { id: j3, state: 'done' } },
          { ok: false, reason: 'wrong-state', job: { id: queued.id, state: 'queued' } },
          { ok: false, reason: 'missing' },
          { ok: true, job: { id: j0, state: 'done' } },
        ]);
        // Only the newest 2 results stay; the job sent in another session is refused.
        expect((await store.listJobs('dev1')).map((j) => [j.id, j.state])).toEqual([
          [j2, 'sent'],
          [queued.id, 'queued'],
          [j3, 'done'],
          [j1, 'failed'],
        ]);
        expect(await store.finishJobs(b.session.ref + 1, [{ id: j2, outcome: { status: 200 } }], T0 + 3)).toMatchObject([{ ok: false, reason: 'wrong-state', job: { state: 'sent' } }]);
      });

      it('finishes more jobs in one call than one statement takes (batches of 200), each once, in the order given', async () => {
        await store.addDevice(device('dev1'), T0);
        const ids: number[] = [];
        for (let i = 0; i < 450; i++) ids.push((await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0)).id);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        expect(await store.claimJobs('dev1', b.session.ref, T0 + 1, 500)).toHaveLength(450);
        const order = [...ids].reverse();
        // The first job named again after the others, past the first batch: refused, not finished twice.
        const answers = await store.finishJobs(b.session.ref, [...order.map((id) => ({ id, outcome: { status: id % 2 ? 200 : 500 } })), { id: order[0]!, outcome: { status: 200 } }], T0 + 2);
        expect(answers.slice(0, 450).map((a) => (a.ok ? [a.job.id, a.job.state] : a.reason))).toEqual(order.map((id) => [id, id % 2 ? 'done' : 'failed']));
        expect(answers[450]).toMatchObject({ ok: false, reason: 'wrong-state' });
        expect(await store.jobCounts()).toMatchObject({ queued: 0, sent: 0, done: 225, failed: 225 });
      });

      it('a queued job cannot finish, and a sent job finishes only in the session it was sent in', async () => {
        await store.addDevice(device('dev1'), T0);
        const job = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const b = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!b.ok) throw new Error('refused');
        expect(await store.finishJob(job.id, b.session.ref, { status: 200 }, T0)).toMatchObject({ ok: false, reason: 'wrong-state', job: { state: 'queued' } });
        await store.claimJobs('dev1', b.session.ref, T0, 1);
        expect(await store.finishJob(job.id, b.session.ref + 1, { status: 200 }, T0)).toMatchObject({ ok: false, reason: 'wrong-state', job: { state: 'sent' } });
      });

      it('a session that ends before a sent job\'s Status puts it back in the queue and records the attempt; spent attempts fail it', async () => {
        await store.addDevice(device('dev1'), T0);
        const job = await store.enqueueJob({ deviceId: 'dev1', spec: GET, maxAttempts: 2 }, T0);
        const s1 = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!s1.ok) throw new Error('refused');
        await store.claimJobs('dev1', s1.session.ref, T0 + 1, 10);
        await store.endSession(s1.session.ref, 'aborted', T0 + 2);
        const back = await store.getJob(job.id);
        expect(back).toMatchObject({ state: 'queued', attempts: 1, lastError: expect.stringContaining('ended before the Status') });
        // A Status arriving late for the dead session changes nothing.
        expect((await store.finishJob(job.id, s1.session.ref, { status: 200 }, T0 + 3)).ok).toBe(false);

        const s2 = await store.beginSession('dev1', '2', {}, T0 + 10, TTL);
        if (!s2.ok) throw new Error('refused');
        expect((await store.claimJobs('dev1', s2.session.ref, T0 + 11, 10)).map((j) => [j.id, j.attempts])).toEqual([[job.id, 2]]);
        // This session dies by expiry (a killed server never ends it): the sweep finds it.
        await store.expireSessions(T0 + 10 + TTL);
        expect(await store.getJob(job.id)).toMatchObject({ state: 'failed', attempts: 2, lastError: expect.stringContaining('sent 2 times') });
        expect(await store.jobCounts()).toMatchObject({ queued: 0, sent: 0, failed: 1 });
      });

      it('cancels a queued job but not one in flight; an expired job is never sent', async () => {
        await store.addDevice(device('dev1'), T0);
        const a = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const b = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const c = await store.enqueueJob({ deviceId: 'dev1', spec: GET, expiresAt: T0 + 100 }, T0);
        const d = await store.enqueueJob({ deviceId: 'dev1', spec: GET, expiresAt: T0 + 10_000 }, T0);
        expect(await store.cancelJob(a.id, T0 + 1)).toMatchObject({ ok: true, job: { state: 'cancelled', finishedAt: T0 + 1 } });
        expect(await store.cancelJob(a.id, T0 + 2)).toMatchObject({ ok: false, reason: 'wrong-state' });
        const s = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!s.ok) throw new Error('refused');
        const claimed = await store.claimJobs('dev1', s.session.ref, T0 + 100, 10);
        expect(claimed.map((j) => j.id)).toEqual([b.id, d.id]);
        expect(await store.getJob(c.id)).toMatchObject({ state: 'expired', attempts: 0, finishedAt: T0 + 100 });
        expect(await store.cancelJob(b.id, T0 + 101)).toMatchObject({ ok: false, reason: 'wrong-state', job: { state: 'sent' } });
        expect(await store.cancelJob(999_999, T0)).toEqual({ ok: false, reason: 'missing' });
        const e = await store.enqueueJob({ deviceId: 'dev1', spec: GET, expiresAt: T0 + 200 }, T0);
        expect(await store.expireJobs(T0 + 199)).toBe(0);
        expect(await store.expireJobs(T0 + 200)).toBe(1);
        expect((await store.getJob(e.id))?.state).toBe('expired');
      });

      it('keeps the queue small: finished jobs leave it, and only the newest results of a device are kept', async () => {
        store = await open({ resultsPerDevice: 3 });
        await store.addDevice(device('dev1'), T0);
        const s = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!s.ok) throw new Error('refused');
        const ids: number[] = [];
        for (let round = 0; round < 10; round++) {
          const job = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0 + round);
          ids.push(job.id);
          await store.claimJobs('dev1', s.session.ref, T0 + round, 1);
          await store.finishJob(job.id, s.session.ref, { status: 200 }, T0 + round);
        }
        const counts = await store.jobCounts();
        expect(counts.queued + counts.sent).toBe(0);
        expect(counts.done).toBe(3);
        expect((await store.listJobs('dev1')).map((j) => j.id)).toEqual(ids.slice(-3).reverse());
        expect((await store.listJobs('dev1', { before: ids[8]!, limit: 10 })).map((j) => j.id)).toEqual([ids[7]]);
        // Ids are never given again, so a result cannot be confused with a later job.
        const next = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        expect(next.id).toBeGreaterThan(ids[9]!);
      });

      it('keeps queued and sent jobs across a restart; the sent ones return to the queue when their session expires', async () => {
        await store.addDevice(device('dev1'), T0);
        const a = await store.enqueueJob({ deviceId: 'dev1', spec: GET }, T0);
        const b = await store.enqueueJob({ deviceId: 'dev1', spec: specs[1]! }, T0);
        const s = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!s.ok) throw new Error('refused');
        await store.claimJobs('dev1', s.session.ref, T0, 1);
        await store.close();
        const again = await open();
        expect((await again.listJobs('dev1')).map((j) => [j.id, j.state])).toEqual([
          [a.id, 'sent'],
          [b.id, 'queued'],
        ]);
        const next = await again.beginSession('dev1', '2', {}, T0 + TTL, TTL);
        if (!next.ok) throw new Error('refused');
        expect((await again.claimJobs('dev1', next.session.ref, T0 + TTL, 10)).map((j) => [j.id, j.attempts])).toEqual([
          [a.id, 2],
          [b.id, 1],
        ]);
      });
    });

    describe('alerts', () => {
      it('keeps Generic Alerts (1226) with their data and tree alerts (1227, 1228), newest first, until handled', async () => {
        await store.addDevice(device('dev1'), T0);
        const s = await store.beginSession('dev1', '1', {}, T0, TTL);
        if (!s.ok) throw new Error('refused');
        const generic = await store.recordAlert(
          { deviceId: 'dev1', sessionRef: s.session.ref, code: 1226, correlator: 'c-1', mark: 'critical', items: [{ source: './FUMO/Update', type: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate', format: 'int', data: '200' }] },
          T0 + 1,
        );
        const changed = await store.recordAlert({ deviceId: 'dev1', code: 1228, items: [] }, T0 + 2);
        await store.recordAlert({ deviceId: 'dev1', code: 1227, items: [] }, T0 + 3);
        expect(generic).toMatchObject({ code: 1226, correlator: 'c-1', mark: 'critical', sessionRef: s.session.ref, receivedAt: T0 + 1 });
        expect((await store.listAlerts('dev1')).map((a) => a.code)).toEqual([1227, 1228, 1226]);
        expect((await store.listAlerts('dev1', { before: changed.id })).map((a) => a.items[0]?.data)).toEqual(['200']);
        expect((await store.unhandledAlerts(10)).map((a) => a.code)).toEqual([1226, 1228, 1227]);
        expect(await store.markAlertHandled(generic.id, T0 + 4)).toBe(true);
        expect(await store.markAlertHandled(generic.id, T0 + 5)).toBe(false);
        expect((await store.unhandledAlerts(10)).map((a) => a.code)).toEqual([1228, 1227]);
        expect((await store.listAlerts('dev1')).find((a) => a.id === generic.id)?.handledAt).toBe(T0 + 4);
        await expectInputError(store.recordAlert({ deviceId: 'nobody', code: 1226, items: [] }, T0), 'deviceId');
      });

      it('keeps only the newest alerts of a device', async () => {
        store = await open({ alertsPerDevice: 2 });
        await store.addDevice(device('dev1'), T0);
        for (let i = 0; i < 5; i++) await store.recordAlert({ deviceId: 'dev1', code: 1226, items: [{ data: String(i) }] }, T0 + i);
        expect((await store.listAlerts('dev1')).map((a) => a.items[0]?.data)).toEqual(['4', '3']);
      });
    });

    describe('failed authentications', () => {
      it('counts failures in a window, locks the device at the bound, and starts over in a new window or when cleared', async () => {
        await store.addDevice(device('dev1'), T0);
        expect(await store.authFailures('dev1')).toBeUndefined();
        expect(await store.recordAuthFailure('dev1', T0, POLICY)).toEqual({ count: 1, windowStart: T0 });
        expect(await store.recordAuthFailure('dev1', T0 + 1, POLICY)).toEqual({ count: 2, windowStart: T0 });
        expect(await store.recordAuthFailure('dev1', T0 + 2, POLICY)).toEqual({ count: 3, windowStart: T0, lockedUntil: T0 + 2 + POLICY.lockMs });
        expect(await store.authFailures('dev1')).toEqual({ count: 3, windowStart: T0, lockedUntil: T0 + 2 + POLICY.lockMs });
        // A new window counts from one, but the lock stays until it runs out.
        expect(await store.recordAuthFailure('dev1', T0 + POLICY.windowMs, POLICY)).toEqual({ count: 1, windowStart: T0 + POLICY.windowMs, lockedUntil: T0 + 2 + POLICY.lockMs });
        expect(await store.recordAuthFailure('dev1', T0 + 2 + POLICY.lockMs, POLICY)).toEqual({ count: 1, windowStart: T0 + 2 + POLICY.lockMs });
        await store.clearAuthFailures('dev1');
        expect(await store.authFailures('dev1')).toBeUndefined();
        // Unknown devices are not counted (their ids come from anyone and would fill the table).
        await expectInputError(store.recordAuthFailure('nobody', T0, POLICY), 'deviceId');
      });
    });
  });
}
