/**
 * The management operations over a real store, on SQLite and on PostgreSQL
 * (OMADM_TEST_PG_URL): every input checked with the field named, secrets and snapshots
 * never shown, credentials redacted from recorded messages.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeXml, encodeWbxml } from '../../../src/index.js';
import { Management, isManagementConflictError } from '../../../src/server/management/index.js';
import { isStoreInputError, isStoreNotFoundError, type JobSpec, type Store } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { spec } from '../../cli/helpers.js';

const T0 = 1_800_000_000_000;

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
}

async function refusedField(p: Promise<unknown>): Promise<string> {
  const e = await failure(p);
  if (!isStoreInputError(e)) throw e;
  return e.field;
}

const md5Device = { id: 'IMEI:1', serverId: 'omadm', client: { scheme: 'md5', name: 'dev1', secret: 'client-pw-1' }, server: { secret: 'server-pw-1' } } as const;

const EVERY_KIND: JobSpec[] = [
  { op: 'get', uris: ['./DevInfo/Mod', './DevInfo/Man'] },
  { op: 'replace', items: [{ uri: './A', data: '1', format: 'int' }] },
  { op: 'add', items: [{ uri: './B', format: 'node' }] },
  { op: 'delete', uris: ['./B'] },
  { op: 'exec', uri: './FUMO/Update', data: 'go', correlator: 'c-7' },
  { op: 'copy', items: [{ source: './A', target: './A2' }] },
  { op: 'atomic', steps: [{ op: 'replace', items: [{ uri: './X', data: 'y' }] }, { op: 'sequence', steps: [{ op: 'get', uris: ['./X'] }] }] },
  { op: 'sequence', steps: [{ op: 'delete', uris: ['./X'] }] },
  { op: 'ui', code: 1100, text: 'Hello', options: { MINDT: '2' } },
  { op: 'ui', code: 1101, text: 'Update now?', options: { DR: '1' } },
  { op: 'ui', code: 1102, text: 'PIN?', options: { MAXLEN: '4', IT: 'N', ET: 'P' } },
  { op: 'ui', code: 1103, text: 'Which?', choices: ['a', 'b'] },
  { op: 'ui', code: 1104, text: 'Which ones?', choices: ['a', 'b', 'c'], options: { DR: '1-2' } },
];

function managementSuite(backend: Backend): void {
  describe(`management on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let m: Management;
    let clock: number;

    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      clock = T0;
      m = new Management(store, { now: () => clock });
    });
    afterEach(async () => {
      await database.dispose();
    });

    describe('devices', () => {
      it('adds a device for each scheme; the server side defaults to the client scheme and the server id as its name', async () => {
        const none = await m.addDevice({ id: 'd-none', serverId: 'srv', client: { scheme: 'none' } });
        expect(none.client).toEqual({ scheme: 'none' });
        expect(none.server).toEqual({ scheme: 'none' });
        for (const scheme of ['basic', 'md5', 'hmac'] as const) {
          const d = await m.addDevice({ id: `d-${scheme}`, serverId: 'srv', client: { scheme, name: 'u', secret: 'pw' }, server: { secret: 'spw' } });
          expect(d.client).toEqual({ scheme, name: 'u' });
          expect(d.server).toEqual({ scheme, name: 'srv' });
          const stored = (await store.getDevice(d.id))!;
          expect(stored.server.scheme === 'none' ? undefined : stored.server.secret.reveal()).toBe('spw');
        }
        const mixed = await m.addDevice({ id: 'd-mixed', serverId: 'srv', client: { scheme: 'hmac', name: 'u', secret: 'pw' }, server: { scheme: 'basic', name: 'me', secret: 'spw' }, acceptedClientSchemes: ['md5'] });
        expect(mixed).toMatchObject({ client: { scheme: 'hmac' }, server: { scheme: 'basic', name: 'me' }, acceptedClientSchemes: ['md5'] });
        expect((await m.listDevices()).items.map((d) => d.id)).toEqual(['d-basic', 'd-hmac', 'd-md5', 'd-mixed', 'd-none']);
      });

      it('never gives a secret back: not in views, lists, overviews, JSON or inspect', async () => {
        const added = await m.addDevice(md5Device);
        const shown = [added, await m.getDevice('IMEI:1'), await m.listDevices(), await m.deviceOverview('IMEI:1')];
        for (const v of shown) {
          for (const text of [JSON.stringify(v), inspect(v, { depth: 10 })]) {
            expect(text).not.toContain('client-pw-1');
            expect(text).not.toContain('server-pw-1');
          }
        }
        expect(Object.keys(added.client).sort()).toEqual(['name', 'scheme']);
      });

      it('refuses bad input naming the field', async () => {
        expect(await refusedField(m.addDevice({ ...md5Device, id: '' }))).toBe('id');
        expect(await refusedField(m.addDevice({ ...md5Device, serverId: 'x'.repeat(513) }))).toBe('serverId');
        expect(await refusedField(m.addDevice({ ...md5Device, client: { scheme: 'pgp' } } as never))).toBe('client.scheme');
        expect(await refusedField(m.addDevice({ ...md5Device, client: { scheme: 'md5', name: 'u' } }))).toBe('client.secret');
        expect(await refusedField(m.addDevice({ ...md5Device, client: { scheme: 'basic', secret: 'x' } }))).toBe('client.name');
        expect(await refusedField(m.addDevice({ ...md5Device, server: {} }))).toBe('server.secret');
        expect(await refusedField(m.addDevice({ ...md5Device, server: { scheme: 'none', secret: 'x' } }))).toBe('server.secret');
        expect(await refusedField(m.addDevice({ ...md5Device, client: { scheme: 'none', secret: 'x' } }))).toBe('client.secret');
        expect(await refusedField(m.addDevice({ ...md5Device, colour: 'red' } as never))).toBe('colour');
        expect(await refusedField(m.addDevice({ ...md5Device, acceptedClientSchemes: ['md5', 'x'] } as never))).toBe('acceptedClientSchemes[1]');
        expect(await refusedField(m.addDevice(null as never))).toBe('body');
        expect((await m.listDevices()).items).toEqual([]);
      });

      it('refuses a taken id as a conflict, and a missing device as not found', async () => {
        await m.addDevice(md5Device);
        const e = await failure(m.addDevice({ ...md5Device, client: { scheme: 'none' }, server: { scheme: 'none' } }));
        expect(isManagementConflictError(e) && e.field).toBe('id');
        const calls = [() => m.getDevice('nope'), () => m.deleteDevice('nope'), () => m.listJobs('nope'), () => m.listAlerts('nope'), () => m.listSessions('nope'), () => m.enqueueJob('nope', { spec: EVERY_KIND[0]! })];
        for (const call of calls) {
          const err = await failure(call());
          expect(isStoreNotFoundError(err), String(err)).toBe(true);
        }
      });

      it('pages the device list by id and deletes a device with its jobs', async () => {
        for (let i = 0; i < 5; i++) await m.addDevice({ id: `d${i}`, serverId: 's', client: { scheme: 'none' } });
        const first = await m.listDevices({ limit: 2 });
        expect(first).toEqual({ items: [expect.objectContaining({ id: 'd0' }), expect.objectContaining({ id: 'd1' })], next: 'd1' });
        const rest = await m.listDevices({ limit: 3, after: first.next! });
        expect(rest.items.map((d) => d.id)).toEqual(['d2', 'd3', 'd4']);
        expect(rest.next).toBe('d4');
        expect((await m.listDevices({ after: 'd4' })).items).toEqual([]);
        expect(await refusedField(m.listDevices({ limit: 501 }))).toBe('limit');
        expect(await refusedField(m.listDevices({ limit: 0 }))).toBe('limit');
        const job = await m.enqueueJob('d0', { spec: { op: 'get', uris: ['./A'] } });
        await m.deleteDevice('d0');
        expect(isStoreNotFoundError(await failure(m.getJob(job.id)))).toBe(true);
        expect((await m.listDevices()).items.map((d) => d.id)).toEqual(['d1', 'd2', 'd3', 'd4']);
      });
    });

    describe('jobs', () => {
      beforeEach(async () => {
        await m.addDevice(md5Device);
      });

      it('enqueues every kind of job (Get, Replace, Add, Delete, Exec with Correlator, Copy, Atomic, Sequence, UI 1100–1104) and shows it back', async () => {
        for (const [i, spec] of EVERY_KIND.entries()) {
          clock = T0 + i;
          const job = await m.enqueueJob('IMEI:1', { spec });
          expect(job).toMatchObject({ deviceId: 'IMEI:1', spec, state: 'queued', attempts: 0, createdAt: T0 + i });
          expect(await m.getJob(job.id)).toEqual(job);
        }
        expect((await m.listJobs('IMEI:1')).items.map((j) => j.spec)).toEqual(EVERY_KIND);
      });

      it("refuses a bad job naming the field, whether the schema or the store's rules catch it", async () => {
        const refuse = (spec: unknown, extra: object = {}) => refusedField(m.enqueueJob('IMEI:1', { spec: spec as JobSpec, ...extra }));
        expect(await refuse({ op: 'put', uris: ['./A'] })).toBe('spec.op');
        expect(await refuse({ op: 'get', uris: [] })).toBe('spec.uris');
        expect(await refuse({ op: 'replace', items: [{ uri: './A', format: 'integer' }] })).toBe('spec.items[0].format');
        expect(await refuse({ op: 'atomic', steps: [{ op: 'get', uris: [''] }] })).toBe('spec.steps[0].uris[0]');
        expect(await refuse({ op: 'ui', code: 1100, text: 'x', options: { MAXLEN: '3' } })).toBe('spec.options.MAXLEN');
        expect(await refuse({ op: 'ui', code: 1103, text: 'x' })).toBe('spec.choices');
        expect(await refuse({ op: 'sequence', steps: [{ op: 'sequence', steps: [{ op: 'get', uris: ['./A'] }] }] })).toBe('spec.steps[0]');
        expect(await refuse({ op: 'get', uris: ['./A'] }, { maxAttempts: 0 })).toBe('maxAttempts');
        expect(await refusedField(m.enqueueJob('IMEI:1', {} as never))).toBe('spec');
        expect((await m.listJobs('IMEI:1')).items).toEqual([]);
      });

      it('lists jobs to do first, then results; shows what came back; cancels only a queued job', async () => {
        const get = await m.enqueueJob('IMEI:1', { spec: { op: 'get', uris: ['./DevInfo/Mod'] } });
        const rep = await m.enqueueJob('IMEI:1', { spec: { op: 'replace', items: [{ uri: './A', data: '1' }] } });
        const later = await m.enqueueJob('IMEI:1', { spec: { op: 'delete', uris: ['./A'] } });
        const begun = await store.beginSession('IMEI:1', '1', {}, T0, 60_000);
        if (!begun.ok) throw new Error('busy');
        const claimed = await store.claimJobs('IMEI:1', begun.session.ref, T0, 2);
        expect(claimed.map((j) => j.id)).toEqual([get.id, rep.id]);
        await store.finishJob(get.id, begun.session.ref, { status: 200, results: [{ source: './DevInfo/Mod', data: 'X1' }] }, T0 + 1);
        const conflict = await failure(m.cancelJob(rep.id));
        expect(isManagementConflictError(conflict) && conflict.field).toBe('jobId');
        expect((await m.cancelJob(later.id)).state).toBe('cancelled');
        const listed = await m.listJobs('IMEI:1');
        expect(listed.items.map((j) => [j.id, j.state])).toEqual([
          [rep.id, 'sent'],
          [later.id, 'cancelled'],
          [get.id, 'done'],
        ]);
        expect((await m.getJob(get.id)).outcome).toEqual({ status: 200, results: [{ source: './DevInfo/Mod', data: 'X1' }] });
        expect(isStoreNotFoundError(await failure(m.cancelJob(9999)))).toBe(true);
        expect(await refusedField(m.getJob(0))).toBe('jobId');
        const page = await m.listJobs('IMEI:1', { limit: 2 });
        expect(page.items.map((j) => j.id)).toEqual([rep.id, later.id]);
        expect((await m.listJobs('IMEI:1', { limit: 2, before: page.next! })).items.map((j) => j.id)).toEqual([get.id]);
      });
    });

    describe('alerts and sessions', () => {
      beforeEach(async () => {
        await m.addDevice(md5Device);
      });

      it('lists the alerts of a device, newest first, in pages', async () => {
        for (let i = 0; i < 3; i++) await store.recordAlert({ deviceId: 'IMEI:1', code: 1226, correlator: `c${i}`, items: [{ source: './FUMO', data: `r${i}` }], mark: 'critical' }, T0 + i);
        const page = await m.listAlerts('IMEI:1', { limit: 2 });
        expect(page.items.map((a) => a.correlator)).toEqual(['c2', 'c1']);
        expect(page.items[0]).toMatchObject({ code: 1226, mark: 'critical', items: [{ source: './FUMO', data: 'r2' }], receivedAt: T0 + 2 });
        expect((await m.listAlerts('IMEI:1', { before: page.next! })).items.map((a) => a.correlator)).toEqual(['c0']);
      });

      it('shows sessions without their snapshot, and their messages with every Cred Data redacted (XML and WBXML)', async () => {
        const begun = await store.beginSession('IMEI:1', '1', { secretState: 'nonce-xyz' }, T0, 60_000);
        if (!begun.ok) throw new Error('busy');
        const ref = begun.session.ref;
        const xml = readFileSync(spec('9.4.1-basic-credentials-pkg1.xml'));
        const wbxml = encodeWbxml(decodeXml(xml));
        await store.recordMessage({ sessionRef: ref, direction: 'in', msgId: '1', contentType: 'application/vnd.syncml.dm+xml', body: xml }, T0);
        await store.recordMessage({ sessionRef: ref, direction: 'in', msgId: '2', contentType: 'application/vnd.syncml.dm+wbxml', body: wbxml }, T0 + 1);
        await store.recordMessage({ sessionRef: ref, direction: 'out', msgId: '3', contentType: 'application/vnd.syncml.dm+wbxml', body: wbxml.subarray(0, 20) }, T0 + 2);
        await store.endSession(ref, 'completed', T0 + 3);

        const sessions = await m.listSessions('IMEI:1');
        expect(sessions.items).toEqual([{ ref, deviceId: 'IMEI:1', sessionId: '1', live: false, startedAt: T0, lastActivity: T0, expiresAt: T0 + 60_000, endedAt: T0 + 3, outcome: 'completed' }]);
        const detail = await m.getSession(ref);
        const text = JSON.stringify(detail);
        expect(text).not.toContain('QnJ1Y2UyOk9oQmVoYXZl');
        expect(text).not.toContain('nonce-xyz');
        expect(detail.messages.map((x) => x.msgId)).toEqual(['1', '2', '3']);
        expect(detail.messages[0]!.xml).toContain('<Data>[redacted]</Data>');
        expect(detail.messages[0]!.xml).toContain('syncml:auth-basic');
        expect(detail.messages[0]!.xml).toContain('<Data>1201</Data>');
        expect(detail.messages[1]!.xml).toContain('[redacted]');
        expect(detail.messages[1]!.xml).toContain('IMEI:493005100592800');
        expect(detail.messages[2]!.xml).toBeUndefined();
        expect(detail.messages[2]!.omitted).toMatch(/does not decode/);
        expect(isStoreNotFoundError(await failure(m.getSession(ref + 100)))).toBe(true);
      });

      it('tells a recorded message whose media type says nothing by its first byte: WBXML decoded and redacted, XML redacted, empty as XML', async () => {
        const begun = await store.beginSession('IMEI:1', '1', {}, T0, 60_000);
        if (!begun.ok) throw new Error('busy');
        const ref = begun.session.ref;
        const xml = readFileSync(spec('9.4.1-basic-credentials-pkg1.xml'));
        const wbxml = encodeWbxml(decodeXml(xml));
        await store.recordMessage({ sessionRef: ref, direction: 'in', msgId: '1', contentType: 'application/octet-stream', body: wbxml }, T0);
        await store.recordMessage({ sessionRef: ref, direction: 'in', msgId: '2', contentType: 'application/octet-stream', body: xml }, T0 + 1);
        await store.recordMessage({ sessionRef: ref, direction: 'in', msgId: '3', contentType: 'application/octet-stream', body: new Uint8Array(0) }, T0 + 2);
        const [fromWbxml, fromXml, empty] = (await m.getSession(ref)).messages;
        expect(fromWbxml!.xml).toContain('<Data>[redacted]</Data>');
        expect(fromWbxml!.xml).toContain('IMEI:493005100592800');
        expect(fromXml!.xml).toContain('<Data>[redacted]</Data>');
        expect(JSON.stringify([fromWbxml, fromXml])).not.toContain('QnJ1Y2UyOk9oQmVoYXZl');
        expect(empty).toMatchObject({ xml: '' });
      });
    });
  });
}

managementSuite(sqlite);
describePostgres('management on postgres', () => managementSuite(postgres));
