/**
 * startOmadmServer as one node:http server: the DM endpoint on its path, the other parts
 * mounted as routes by prefix, and a graceful close that answers the message in flight.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Store } from '../../../src/server/store/index.js';
import { sqlite } from '../databases.js';
import { startHarness, type Harness } from './harness.js';
import { startOmadmServer } from '../../../src/server/app.js';
import { ScriptedDevice } from './scripted-device.js';

describe('startOmadmServer', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('mounts routes by prefix beside the DM endpoint; the longest prefix wins; the rest is the DM endpoint\'s', async () => {
    const seen: string[] = [];
    const route = (name: string) => ({
      prefix: name,
      listener: (req: { url?: string }, res: { end(s: string): void }) => {
        seen.push(`${name} ${req.url}`);
        res.end(name);
      },
    });
    h = await startHarness(sqlite, { routes: [route('/api/v1'), route('/api/v1/openapi.json'), route('/healthz'), route('/metrics')], adminToken: 'token-for-the-api-0123' });
    const base = h.server.origin;
    expect(h.server.url).toBe(`${base}/dm`);
    expect(h.server.adminToken).toBe('token-for-the-api-0123');
    expect(await (await fetch(`${base}/api/v1/devices?limit=1`)).text()).toBe('/api/v1');
    expect(await (await fetch(`${base}/api/v1/openapi.json`)).text()).toBe('/api/v1/openapi.json');
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('/healthz');
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('/metrics');
    // Not a prefix match: /healthzz is neither /healthz nor below it.
    expect((await fetch(`${base}/healthzz`)).status).toBe(404);
    expect((await fetch(`${base}/dm`)).status).toBe(405);
    expect(seen).toEqual(['/api/v1 /api/v1/devices?limit=1', '/api/v1/openapi.json /api/v1/openapi.json', '/healthz /healthz', '/metrics /metrics']);
    // The DM endpoint still serves devices.
    const device = await h.device('IMEI:APP1');
    expect((await device.run()).ended).toBe(true);
  });

  it('pins a session to its own URL with RespURI when asked; the device follows it (section 9.1: the next message goes to the RespURI)', async () => {
    h = await startHarness(sqlite, { pinSessions: true });
    const device = await h.device('IMEI:APP3', { auth: 'md5' });
    const job = await h.store.enqueueJob({ deviceId: 'IMEI:APP3', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
    const run = await device.run();
    expect(run.ended).toBe(true);
    const [session] = await h.store.listSessions('IMEI:APP3');
    expect(run.exchanges[0]!.received?.syncHdr.respURI).toBe(`${h.server.url}/s/${session!.ref}`);
    expect(run.client.sendTo).toBe(`${h.server.url}/s/${session!.ref}`);
    expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
  });

  it('expires idle sessions with the sweeper: their sent jobs go back to the queue, and a message of theirs gets 408', async () => {
    let clock = Date.now();
    h = await startHarness(sqlite, { now: () => clock, sessionTtlMs: 60_000 });
    const device = await h.device('IMEI:APP4');
    const job = await h.store.enqueueJob({ deviceId: 'IMEI:APP4', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, clock);
    const cut = await device.run({ before: (i) => (i === 1 ? 'stop' : 'send') });
    expect(cut.ended).toBe(false);
    expect(await h.store.getJob(job.id)).toMatchObject({ state: 'sent' });
    expect(await h.sweep()).toMatchObject({ sessionsExpired: 0 });
    clock += 60_001;
    expect(await h.sweep()).toMatchObject({ sessionsExpired: 1, failed: [] });
    expect(h.eventsOf('session-ended')).toMatchObject([{ outcome: 'expired', deviceId: 'IMEI:APP4' }]);
    expect(await h.store.getJob(job.id)).toMatchObject({ state: 'queued', attempts: 1 });
    const late = await device.resume(cut.client, cut.exchanges[0]!);
    const status = late.exchanges[1]!.received!.syncBody.commands[0]!;
    expect(status.kind === 'Status' && Number(status.data)).toBe(408);
    expect((await device.run()).ended).toBe(true);
    expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('runs no expiry timer of its own: the sweeper is the one way sessions expire', async () => {
    const intervals = vi.spyOn(globalThis, 'setInterval');
    try {
      h = await startHarness(sqlite);
      expect(intervals).not.toHaveBeenCalled();
      expect('expireSessions' in h.server.service).toBe(false);
    } finally {
      intervals.mockRestore();
    }
  });

  it('closes gracefully: the message in flight is answered, then the server stops taking connections', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let arrived: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    let hold = false;
    // A store whose next session save waits at the gate: a message in the middle of being served.
    const wrap = (store: Store): Store =>
      new Proxy(store, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver) as unknown;
          if (key !== 'saveSession' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
          return async (...args: unknown[]) => {
            if (hold) {
              arrived();
              await gate;
            }
            return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          };
        },
      });
    const database = await sqlite.fresh();
    const store = wrap(await database.open());
    const server = await startOmadmServer({ store });
    try {
      await store.addDevice({ id: 'IMEI:APP2', serverId: 'omadm.test', client: { scheme: 'none' }, server: { scheme: 'none' } }, Date.now());
      const device = new ScriptedDevice({ url: server.url, id: 'IMEI:APP2', serverId: 'omadm.test', encoding: 'xml' });
      hold = true;
      const running = device.run();
      await inFlight;
      const closed = server.close();
      let closedYet = false;
      void closed.then(() => (closedYet = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(closedYet).toBe(false);
      hold = false;
      release();
      const run = await running;
      expect(run.exchanges[0]!.status).toBe(200);
      expect(run.exchanges[0]!.received?.syncBody.final).toBe(true);
      await closed;
      await expect(fetch(server.url, { method: 'POST' })).rejects.toThrow();
    } finally {
      release();
      await server.close();
      await database.dispose();
    }
  });
});
