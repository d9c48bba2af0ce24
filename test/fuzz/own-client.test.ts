/**
 * Issue 13: `omadm fuzz client` against the project's own DM client — the device runner
 * with its management tree, executor and ACLs, not a fixture — reports zero failures, in
 * XML and WBXML. Whatever it finds here is a bug of ours.
 */
import { describe, expect, it } from 'vitest';
import { runClientFuzz, runClientOnce } from '../../src/fuzz/client-runner.js';
import { refusedObjectKeepsNoData } from '../../src/fuzz/cases/client.js';
import { ClientListener } from '../../src/fuzz/peer/server-driver.js';
import type { FuzzReport } from '../../src/fuzz/runner.js';
import { runDeviceSession } from '../../src/client/runner/runner.js';
import { simulatedDeviceTree } from '../../src/client/objects/device-tree.js';

const failing = (r: FuzzReport) => r.cases.filter((c) => c.verdict === 'fail' || c.verdict === 'crash' || c.verdict === 'hang').map((c) => `${c.verdict} ${c.id}: ${c.detail}`);

async function fuzzOurClient(encoding: 'xml' | 'wbxml'): Promise<FuzzReport> {
  let url = '';
  const sessions: Promise<unknown>[] = [];
  let sessionId = 0;
  const report = await runClientFuzz({
    host: '127.0.0.1',
    port: 0,
    seed: 7,
    timeoutMs: 5000,
    caseTimeoutMs: 10_000,
    onListening: (u) => (url = u),
    onWaiting: () => {
      sessionId++;
      const tree = simulatedDeviceTree({ devId: 'IMEI:000000000000099', serverId: 'omadm.fuzz', accounts: [{ node: 'fuzz', serverId: 'omadm.fuzz', addr: url }] });
      sessions.push(runDeviceSession({ tree, serverId: 'omadm.fuzz', encoding, sessionId: String(sessionId), maxDurationMs: 10_000 }));
    },
  });
  await Promise.all(sessions);
  return report;
}

describe('omadm fuzz client against our own DM client (runDeviceSession)', () => {
  it.each(['xml', 'wbxml'] as const)('reports zero failures in %s', async (encoding) => {
    const report = await fuzzOurClient(encoding);
    expect(failing(report)).toEqual([]);
    expect(report.summary.ok).toBe(true);
    expect(report.cases.filter((c) => c.verdict === 'pass').length).toBeGreaterThan(5);
    // A chunked object it must refuse leaves the node it was for as it was (section 8), whichever way it is broken.
    expect(report.cases.find((c) => c.id === 'dm-1.3/8/8')).toMatchObject({ verdict: 'pass', runs: 2 });
  }, 120_000);

  it.each(['size', 'cut'] as const)('a chunked object it must refuse (%s) leaves the node as it was (DM-PRO-LO-C-003, section 8)', async (broken) => {
    const listener = new ClientListener({ host: '127.0.0.1', port: 0, timeoutMs: 5000 });
    const url = await listener.start();
    try {
      let session: Promise<unknown> | undefined;
      const tree = simulatedDeviceTree({ devId: 'IMEI:000000000000099', serverId: 'omadm.fuzz', accounts: [{ node: 'fuzz', serverId: 'omadm.fuzz', addr: url }] });
      const run = await runClientOnce(refusedObjectKeepsNoData, { size: 700, chunks: 4, broken }, listener, { url, caseTimeoutMs: 10_000 }, () => (session = runDeviceSession({ tree, serverId: 'omadm.fuzz', encoding: 'xml', sessionId: '1', maxDurationMs: 10_000 })));
      await session;
      expect(run.outcome.verdict).toBe('pass');
      expect(tree.value('./OmadmFuzzKept')).toBe('omadm-fuzz: the value before');
    } finally {
      await listener.stop();
    }
  });
});
