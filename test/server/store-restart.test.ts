/**
 * A server process killed (SIGKILL) between two messages of a session loses nothing the
 * store acknowledged: the next process continues the session from its snapshot, or, once
 * it expired, a new session takes the job that was sent without its Status, and the job
 * that finished stays finished, once. Both backends.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from './databases.js';
import { device } from './store-suite.js';

const ROOT = join(import.meta.dirname, '..', '..');
const T0 = 1_800_000_000_000;
const TTL = 60_000;

interface ChildReport {
  readonly ref: number;
  readonly claimed: number[];
  readonly finished: number;
}

/** Runs store-child.ts, reads its report, kills it with SIGKILL. Bounded by a timeout. */
function runAndKill(db: TestDatabase): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'store-child.ts')], {
      cwd: ROOT,
      env: { ...process.env, OMADM_CHILD_DB: JSON.stringify(db.location), OMADM_CHILD_T0: String(T0) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child gave no report in 30 s: ${err}`));
    }, 30_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.indexOf('\n');
      if (line < 0) return;
      child.kill('SIGKILL');
      clearTimeout(timer);
      child.once('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(JSON.parse(out.slice(0, line)) as ChildReport) : reject(new Error(`child exited by itself: ${err}`))));
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') {
        clearTimeout(timer);
        reject(new Error(`child exited with ${code}: ${err}`));
      }
    });
  });
}

function suite(backend: Backend): void {
  describe(`a killed server process on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let jobs: number[];

    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      await store.addDevice(device('dev1'), T0);
      jobs = [];
      for (const uri of ['./A', './B', './C']) jobs.push((await store.enqueueJob({ deviceId: 'dev1', spec: { op: 'get', uris: [uri] } }, T0)).id);
    });
    afterEach(async () => {
      await database.dispose();
    });

    it('leaves the session to continue from its snapshot in the next process', async () => {
      const report = await runAndKill(database);
      expect(report.claimed).toEqual(jobs.slice(0, 2));
      const again = await database.open();
      const live = await again.liveSession('dev1');
      expect(live).toMatchObject({ ref: report.ref, version: 2, snapshot: { msg: 2, pending: ['Get', 'Replace'] } });
      expect((await again.transcript(report.ref)).map((t) => t.msgId)).toEqual(['2']);
      // The Status of the second job arrives in the next message, served by this process.
      expect(await again.finishJob(jobs[1]!, report.ref, { status: 200 }, T0 + 3)).toMatchObject({ ok: true, job: { state: 'done' } });
      expect((await again.saveSession(report.ref, 2, { msg: 3 }, T0 + 3, TTL)).ok).toBe(true);
      expect(await again.finishJob(jobs[0]!, report.ref, { status: 200 }, T0 + 4)).toMatchObject({ ok: false, reason: 'wrong-state', job: { state: 'done', finishedAt: T0 + 2 } });
    });

    it('puts the job sent without its Status back for a new session once the old one expired; nothing is done twice', async () => {
      const report = await runAndKill(database);
      const again = await database.open();
      const next = await again.beginSession('dev1', '2', {}, T0 + 1 + TTL, TTL);
      expect(next).toMatchObject({ ok: true, expired: [{ ref: report.ref, outcome: 'expired' }] });
      if (!next.ok) return;
      const claimed = await again.claimJobs('dev1', next.session.ref, T0 + 1 + TTL, 10);
      expect(claimed.map((j) => [j.id, j.attempts])).toEqual([
        [jobs[1], 2],
        [jobs[2], 1],
      ]);
      expect(await again.getJob(report.finished)).toMatchObject({ state: 'done', outcome: { status: 200, results: [{ data: 'X1' }] } });
      expect(await again.jobCounts()).toMatchObject({ queued: 0, sent: 2, done: 1 });
    });
  });
}

suite(sqlite);
describePostgres('a killed server process on postgres', () => suite(postgres));
