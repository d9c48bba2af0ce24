/**
 * A server process for store-restart.test.ts: opens the database it is given
 * (OMADM_CHILD_DB, JSON), does a session's worth of store work, reports what it did as
 * one JSON line, then waits to be killed (SIGKILL, nothing flushed or closed). It exits by
 * itself after 60 s so a lost child never lingers.
 */
import { openLocation, type DatabaseLocation } from './databases.js';

const T0 = Number(process.env['OMADM_CHILD_T0']);
const TTL = 60_000;

async function main(): Promise<void> {
  const store = await openLocation(JSON.parse(process.env['OMADM_CHILD_DB']!) as DatabaseLocation);
  const begun = await store.beginSession('dev1', '1', { msg: 1 }, T0, TTL);
  if (!begun.ok) throw new Error('session refused');
  const ref = begun.session.ref;
  const saved = await store.saveSession(ref, 1, { msg: 2, pending: ['Get', 'Replace'] }, T0 + 1, TTL);
  if (!saved.ok) throw new Error('save refused');
  const claimed = await store.claimJobs('dev1', ref, T0 + 1, 2);
  const finished = await store.finishJob(claimed[0]!.id, ref, { status: 200, results: [{ data: 'X1' }] }, T0 + 2);
  if (!finished.ok) throw new Error('finish refused');
  await store.recordMessage({ sessionRef: ref, direction: 'in', msgId: '2', contentType: 'application/vnd.syncml.dm+xml', body: new TextEncoder().encode('<SyncML/>') }, T0 + 2);
  process.stdout.write(`${JSON.stringify({ ref, claimed: claimed.map((j) => j.id), finished: finished.job.id })}\n`);
  setTimeout(() => process.exit(3), 60_000);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(2);
});
