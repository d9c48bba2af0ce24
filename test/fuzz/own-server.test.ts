/**
 * Issue 13: `omadm fuzz server` against the project's own DM server — the whole server of
 * `omadm serve` (DM service, store, jobs), not a fixture — reports zero failures, in XML
 * and WBXML, with and without authentication. Whatever it finds here is a bug of ours.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { runFuzz, type FuzzReport } from '../../src/fuzz/runner.js';
import { startServerStack, type ServerStack } from '../../src/server/server-stack.js';
import type { Store } from '../../src/server/store/store.js';
import { sqlite, type TestDatabase } from '../server/databases.js';

const DEV_ID = 'IMEI:000000000000077';
const seed = fc.readConfigureGlobal().seed ?? 42;

let stack: ServerStack | undefined;
let store: Store | undefined;
let database: TestDatabase | undefined;
afterEach(async () => {
  await stack?.close();
  await store?.close();
  await database?.dispose();
  stack = undefined;
});

const failing = (r: FuzzReport) => r.cases.filter((c) => c.verdict === 'fail' || c.verdict === 'crash' || c.verdict === 'hang').map((c) => `${c.verdict} ${c.id}: ${c.detail}`);

describe('omadm fuzz server against our own server (startServerStack)', () => {
  it.each([
    ['xml', 'none'],
    ['wbxml', 'md5'],
    ['xml', 'hmac'],
  ] as const)('reports zero failures in %s with auth %s', async (encoding, auth) => {
    database = await sqlite.fresh();
    store = await database.open();
    // Failed logins the auth cases send on purpose must not lock the fuzz device out.
    stack = await startServerStack({ store, adminToken: 'own-server-fuzz-token-0123', log: false, service: { authFailurePolicy: { max: 1000, windowMs: 60_000, lockMs: 1000 } } });
    await stack.management.addDevice({
      id: DEV_ID,
      serverId: 'omadm.fuzz',
      client: auth === 'none' ? { scheme: 'none' } : { scheme: auth, name: 'fuzz-device', secret: 'fuzz-secret' },
      server: { scheme: 'none' },
    });
    const report = await runFuzz({
      peer: { url: stack.url, encoding, devId: DEV_ID, auth, ...(auth !== 'none' ? { clientName: 'fuzz-device', clientSecret: 'fuzz-secret' } : {}), timeoutMs: 10_000 },
      seed,
      maxSessions: 400,
    });
    expect(failing(report)).toEqual([]);
    expect(report.summary.ok).toBe(true);
    expect(report.cases.filter((c) => c.verdict === 'pass').length).toBeGreaterThan(15);
  }, 180_000);
});
