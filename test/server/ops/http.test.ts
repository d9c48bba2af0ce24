/** /metrics and /healthz over real HTTP on 127.0.0.1, on a real SQLite store. */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMetrics, HealthTimeoutError, opsRequestListener, opsRoutes, type OpsHttpOptions } from '../../../src/server/ops/index.js';
import type { Store } from '../../../src/server/store/index.js';
import { sqlite, type TestDatabase } from '../databases.js';
import { sample } from './prom-text.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function call(server: Server, method: string, path: string): Promise<Reply> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('/metrics and /healthz listener', () => {
  let database: TestDatabase;
  let store: Store;
  let server: Server | undefined;
  const errors: unknown[] = [];

  async function serve(options: Partial<OpsHttpOptions> = {}): Promise<Server> {
    const listener = opsRequestListener({ store, onError: (e) => errors.push(e), ...options });
    server = createServer(listener);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return server;
  }

  beforeEach(async () => {
    errors.length = 0;
    database = await sqlite.fresh();
    store = await database.open();
  });
  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    await database.dispose();
  });

  it('/healthz is 200 with the backend while the store answers', async () => {
    const s = await serve();
    const r = await call(s, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(r.body)).toEqual({ status: 'ok', store: 'sqlite' });
  });

  it('/healthz is 503 when the store does not answer, and the error goes to onError only', async () => {
    const s = await serve();
    await store.close();
    const r = await call(s, 'GET', '/healthz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ status: 'unavailable', store: 'sqlite' });
    expect(errors).toHaveLength(1);
  });

  it('/healthz is 503 when the store takes longer than the health timeout', async () => {
    // The real store, with its lookup held back until the test lets it go.
    let release: () => void = () => {};
    const slow: OpsHttpOptions['store'] = { backend: store.backend, getDevice: (id) => new Promise((resolve) => (release = () => resolve(store.getDevice(id)))) };
    const s = await serve({ store: slow, healthTimeoutMs: 20 });
    const r = await call(s, 'GET', '/healthz');
    release();
    expect(r.status).toBe(503);
    expect(errors[0]).toBeInstanceOf(HealthTimeoutError);
  });

  it('/healthz is 503 draining during a graceful shutdown', async () => {
    let draining = false;
    const s = await serve({ draining: () => draining });
    expect((await call(s, 'GET', '/healthz')).status).toBe(200);
    draining = true;
    const r = await call(s, 'GET', '/healthz');
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({ status: 'draining' });
  });

  it('/metrics serves the Prometheus text of this instance, with jobs read from the store', async () => {
    const metrics = createMetrics({ store, processMetrics: false });
    metrics.observer({ type: 'session-started', deviceId: 'd' });
    const s = await serve({ metrics });
    const r = await call(s, 'GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(metrics.contentType);
    expect(sample(r.body, 'omadm_sessions_started_total')).toBe(1);
    expect(sample(r.body, 'omadm_jobs', { state: 'queued' })).toBe(0);
    const head = await call(s, 'HEAD', '/metrics');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('mounts under a prefix; other paths are 404, other methods 405 with Allow', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const s = await serve({ metrics, prefix: '/ops/' });
    expect((await call(s, 'GET', '/ops/metrics')).status).toBe(200);
    expect((await call(s, 'GET', '/ops/healthz?verbose=1')).status).toBe(200);
    expect((await call(s, 'GET', '/metrics')).status).toBe(404);
    expect((await call(s, 'GET', '/ops/other')).status).toBe(404);
    expect((await call(s, 'GET', '/opsmetrics')).status).toBe(404);
    const post = await call(s, 'POST', '/ops/healthz');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  it('without metrics, /metrics is a 404; opsRoutes names one route per path', async () => {
    const s = await serve();
    expect((await call(s, 'GET', '/metrics')).status).toBe(404);
    expect(opsRoutes({ store, prefix: '/ops' }).map((r) => r.prefix)).toEqual(['/ops/healthz']);
    expect(opsRoutes({ store, metrics: createMetrics({ processMetrics: false }) }).map((r) => r.prefix)).toEqual(['/metrics', '/healthz']);
  });
});
