/**
 * The server side of bench/fuzz.ts, in its own process so that its CPU time is its own.
 *   --target=own      our own server, as `omadm serve` runs it and test/fuzz/own-server.test.ts
 *                     fuzzes it: startServerStack (DM service, jobs, management, metrics)
 *                     over SQLite in a temporary directory, the bench device registered
 *   --target=fixture  the fuzzer's fixture server (test/fuzz/fixture-server.ts): the
 *                     project's ServerSession behind createDmServer, no store at all
 * Prints `url <URL>` when listening; on each line `cpu` read from stdin prints
 * `cpu <user+system microseconds>`; exits when stdin closes (removing the directory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startServerStack } from '../src/server/server-stack.js';
import { openSqliteStore } from '../src/server/store/index.js';
import { startFixture } from '../test/fuzz/fixture-server.js';

export const BENCH_DEV_ID = 'IMEI:000000000000000';

const target = process.argv.find((a) => a.startsWith('--target='))?.slice(9) ?? 'own';

async function start(): Promise<{ url: string; close(): Promise<void> }> {
  if (target === 'fixture') return startFixture({ devId: BENCH_DEV_ID });
  if (target !== 'own') throw new Error(`fuzz-server: unknown --target=${target} (own or fixture)`);
  const dir = mkdtempSync(join(tmpdir(), 'omadm-fuzz-bench-'));
  try {
    const store = await openSqliteStore(join(dir, 'omadm.db'));
    // As the own-server test: the failed logins the auth cases send must not lock the device out.
    const stack = await startServerStack({ store, adminToken: 'fuzz-bench-token-0123456789', log: false, service: { authFailurePolicy: { max: 1_000_000, windowMs: 60_000, lockMs: 1000 } } });
    await stack.management.addDevice({ id: BENCH_DEV_ID, serverId: 'omadm.fuzz', client: { scheme: 'none' }, server: { scheme: 'none' } });
    return {
      url: stack.url,
      async close() {
        await stack.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const server = await start();
process.stdout.write(`url ${server.url}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'cpu') {
    const u = process.cpuUsage();
    process.stdout.write(`cpu ${u.user + u.system}\n`);
  }
});
lines.on('close', () => {
  void server.close().then(() => process.exit(0));
});
