/**
 * A DM server process for restart.test.ts: startOmadmServer over the database it is given
 * (OMADM_CHILD_DB, JSON), on a free port of 127.0.0.1; prints its URL as one JSON line,
 * then serves until it is killed (SIGKILL: nothing flushed, nothing closed). Its clock runs
 * OMADM_CHILD_CLOCK_OFFSET ms ahead (a process started later). It exits by itself after
 * 60 s so a lost child never lingers.
 */
import { startOmadmServer } from '../../../src/server/app.js';
import { openLocation, type DatabaseLocation } from '../databases.js';

async function main(): Promise<void> {
  const store = await openLocation(JSON.parse(process.env['OMADM_CHILD_DB']!) as DatabaseLocation);
  const offset = Number(process.env['OMADM_CHILD_CLOCK_OFFSET'] ?? '0');
  const server = await startOmadmServer({ store, sessionTtlMs: 60_000, now: () => Date.now() + offset });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  setTimeout(() => process.exit(3), 60_000).unref();
  setInterval(() => undefined, 1_000);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(2);
});
