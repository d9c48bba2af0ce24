/**
 * A DM server process killed (SIGKILL) between two messages of a session, over HTTP: the
 * next process continues the session from the stored snapshot when the device's next
 * message comes; or, when the device gave up and the session expired, a new session picks
 * the sent jobs up again. Nothing acknowledged is lost, no job is finished twice. Both
 * backends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret, type Store } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { ScriptedDevice } from './scripted-device.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts server-child.ts; resolves with its URL. Bounded by a timeout. */
function startChild(db: TestDatabase, clockOffsetMs = 0): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'server-child.ts')], {
      cwd: ROOT,
      env: { ...process.env, OMADM_CHILD_DB: JSON.stringify(db.location), OMADM_CHILD_CLOCK_OFFSET: String(clockOffsetMs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`server child gave no URL in 30 s: ${err}`)), 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.indexOf('\n');
      if (line < 0) return;
      clearTimeout(timer);
      resolve({ url: (JSON.parse(out.slice(0, line)) as { url: string }).url, child });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server child exited with ${code}: ${err}`));
    });
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function suite(backend: Backend): void {
  describe(`a DM server killed between two messages, on ${backend.name}`, () => {
    let database: TestDatabase | undefined;
    let store: Store;
    afterEach(async () => {
      await database?.dispose();
      database = undefined;
    });

    async function setUp(): Promise<{ device: ScriptedDevice; jobs: number[] }> {
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice({ id: 'IMEI:K1', serverId: 'omadm.test', client: { scheme: 'md5', name: 'k1', secret: new Secret('k1-secret') }, server: { scheme: 'md5', name: 'omadm.test', secret: new Secret('srv-k1') } }, Date.now());
      const jobs = [
        (await store.enqueueJob({ deviceId: 'IMEI:K1', spec: { op: 'replace', items: [{ uri: './Vendor/A', data: 'a' }] } }, Date.now())).id,
        (await store.enqueueJob({ deviceId: 'IMEI:K1', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now())).id,
      ];
      const device = new ScriptedDevice({
        url: 'http://127.0.0.1:9/unused',
        id: 'IMEI:K1',
        serverId: 'omadm.test',
        encoding: 'wbxml',
        client: { scheme: 'md5', name: 'k1', secret: 'k1-secret' },
        server: { scheme: 'md5', name: 'omadm.test', secret: 'srv-k1' },
      });
      return { device, jobs };
    }

    it('the next process continues the session from its snapshot: the device notices nothing', { timeout: 90_000 }, async () => {
      const { device, jobs } = await setUp();
      const first = await startChild(database!);
      device.url = first.url;
      let killedAt: number | undefined;
      const run = await device.run({
        before: async (i, out) => {
          // After the answer that carried the jobs, before the device's Statuses go.
          if (killedAt === undefined && out.message.syncBody.commands.some((c) => c.kind === 'Results')) {
            killedAt = i;
            await kill(first.child);
            device.url = (await startChild(database!)).url;
          }
          return 'send' as const;
        },
      });
      expect(killedAt).toBeGreaterThan(0);
      expect(run.ended).toBe(true);
      expect(device.tree.get('./Vendor/A')).toBe('a');
      const again = await database!.open();
      for (const id of jobs) expect(await again.getJob(id)).toMatchObject({ state: 'done', attempts: 1 });
      expect(await again.getJob(jobs[1]!)).toMatchObject({ outcome: { results: [{ data: 'SD-1' }] } });
      const sessions = await again.listSessions('IMEI:K1');
      expect(sessions.map((s) => s.outcome)).toEqual(['completed']);
      const transcript = await again.transcript(sessions[0]!.ref);
      expect(transcript.filter((t) => t.direction === 'in').map((t) => t.msgId)).toEqual(run.exchanges.map((x) => x.sent.syncHdr.msgID));
    });

    it('a new session picks up the jobs sent without their Status once the old one expired; each is finished once', { timeout: 90_000 }, async () => {
      const { device, jobs } = await setUp();
      const first = await startChild(database!);
      device.url = first.url;
      // The device gets the jobs, runs them, and its answer never arrives: the process died.
      const cut = await device.run({ before: (_i, out) => (out.message.syncBody.commands.some((c) => c.kind === 'Results') ? 'stop' : 'send') });
      expect(cut.ended).toBe(false);
      await kill(first.child);
      const mid = await database!.open();
      for (const id of jobs) expect(await mid.getJob(id)).toMatchObject({ state: 'sent', attempts: 1 });
      // A process started later (its clock past the session's expiry) serves the next session.
      device.url = (await startChild(database!, 120_000)).url;
      device.tree.delete('./Vendor/A');
      const run = await device.run();
      expect(run.ended).toBe(true);
      expect(device.tree.get('./Vendor/A')).toBe('a');
      const again = await database!.open();
      for (const id of jobs) expect(await again.getJob(id)).toMatchObject({ state: 'done', attempts: 2 });
      expect((await again.listSessions('IMEI:K1')).map((s) => s.outcome)).toEqual(['completed', 'expired']);
      expect(await again.jobCounts()).toMatchObject({ queued: 0, sent: 0, done: 2 });
    });

    it('killed while the device sends a large object in chunks: the next process puts the chunks acknowledged with 213 back from the store, and the Results come out whole', { timeout: 90_000 }, async () => {
      const { device } = await setUp();
      let value = '';
      for (let i = 0; value.length < 200_000; i++) value += `${i.toString(36)}.`;
      device.tree.set('./Vendor/Log', value);
      const job = (await store.enqueueJob({ deviceId: 'IMEI:K1', spec: { op: 'get', uris: ['./Vendor/Log'] } }, Date.now())).id;
      const first = await startChild(database!);
      device.url = first.url;
      let chunks = 0;
      let killed = false;
      const run = await device.run({
        before: async (_i, out) => {
          // Before the second chunk goes: the first was answered 213 and saved, in rows beside the snapshot.
          if (out.message.syncBody.commands.some((c) => c.kind === 'Results')) chunks++;
          if (chunks === 2 && !killed) {
            killed = true;
            await kill(first.child);
            device.url = (await startChild(database!)).url;
          }
          return 'send' as const;
        },
      });
      expect(killed).toBe(true);
      expect(chunks).toBeGreaterThan(2);
      expect(run.ended).toBe(true);
      const again = await database!.open();
      expect(await again.getJob(job)).toMatchObject({ state: 'done', attempts: 1, outcome: { status: 200 } });
      expect((await again.getJob(job))?.outcome?.results?.map((r) => r.data)).toEqual([value]);
      expect((await again.listSessions('IMEI:K1')).map((s) => s.outcome)).toEqual(['completed']);
    });
  });
}

suite(sqlite);
describePostgres('a DM server killed between two messages, on postgres', () => suite(postgres));
