/**
 * The whole server as `omadm serve` runs it (src/server/server-stack.ts): a device added and
 * a job enqueued through the REST API, a real simulated device (the DM client's runner) doing
 * the session over HTTP, the job's result read back through the API, /metrics and /healthz
 * telling what happened, and JSON logs naming the device without any secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServerStack, type ServerStack } from '../../src/server/server-stack.js';
import { runDeviceSession } from '../../src/client/runner/runner.js';
import { installAccount } from '../../src/client/objects/dmacc.js';
import { simulatedDeviceTree } from '../../src/client/objects/device-tree.js';
import { sqlite, type TestDatabase } from './databases.js';
import type { Store } from '../../src/server/store/store.js';

const TOKEN = 'stack-test-admin-token-0123456789';
const SECRET = 'the-device-secret-f00d';

describe('the server stack (omadm serve)', () => {
  let stack: ServerStack | undefined;
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  afterEach(async () => {
    await stack?.close();
    await store?.close();
    await database?.dispose();
    stack = undefined;
  });

  it('REST API → job → a simulated device over HTTP (MD5 both ways) → the result in the API, counted in /metrics, logged without secrets', async () => {
    database = await sqlite.fresh();
    store = await database.open();
    const lines: string[] = [];
    stack = await startServerStack({ store, adminToken: TOKEN, log: { level: 'debug', destination: { write: (l: string) => lines.push(l) } }, sweepEveryMs: 60_000 });
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${stack!.origin}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const added = await api('POST', '/devices', { id: 'IMEI:4900000000001', serverId: 'omadm.stack', client: { scheme: 'md5', name: 'dev1', secret: SECRET }, server: { secret: 'the-server-secret-beef' } });
    expect(added.status).toBe(201);
    const job = await api('POST', '/devices/IMEI:4900000000001/jobs', { spec: { op: 'get', uris: ['./DevInfo/Mod'] } });
    expect(job.status).toBe(201);

    const tree = simulatedDeviceTree({ devId: 'IMEI:4900000000001', serverId: 'omadm.stack' });
    installAccount(tree, {
      node: 'stack',
      serverId: 'omadm.stack',
      addr: stack.url,
      client: { type: 'DIGEST', name: 'dev1', secret: SECRET },
      server: { type: 'DIGEST', name: 'omadm.stack', secret: 'the-server-secret-beef' },
    });
    const transcript = await runDeviceSession({ tree, serverId: 'omadm.stack' });
    expect(transcript.outcome).toBe('completed');

    const shown = await api('GET', `/jobs/${String(job.body['id'])}`);
    expect(shown.body).toMatchObject({ state: 'done', outcome: { status: 200, results: [{ source: './DevInfo/Mod', data: 'simulated device' }] } });

    const metrics = await (await fetch(`${stack.origin}/metrics`)).text();
    expect(metrics).toMatch(/omadm_sessions_started_total 1\b/);
    expect(metrics).toMatch(/omadm_sessions_ended_total\{outcome="completed"\} 1\b/);
    expect(metrics).toMatch(/omadm_jobs\{state="done"\} 1\b/);
    const health = await fetch(`${stack.origin}/healthz`);
    expect(health.status).toBe(200);

    expect(lines.some((l) => l.includes('"deviceId":"IMEI:4900000000001"'))).toBe(true);
    for (const l of lines) {
      expect(l).not.toContain(SECRET);
      expect(l).not.toContain('the-server-secret-beef');
      expect(l).not.toContain(TOKEN);
    }
  });

  it('without the admin token the API answers 401; once closed, nothing listens', async () => {
    database = await sqlite.fresh();
    store = await database.open();
    stack = await startServerStack({ store, adminToken: TOKEN, log: false });
    expect((await fetch(`${stack.origin}/api/v1/devices`)).status).toBe(401);
    const origin = stack.origin;
    await stack.close();
    await expect(fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });
});
