/**
 * The REST API over real HTTP on 127.0.0.1 (a node:http server on port 0), on SQLite and
 * PostgreSQL (OMADM_TEST_PG_URL). Every answer is checked against the schema the OpenAPI
 * document gives for it, and no answer holds a secret.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeXml } from '../../../src/index.js';
import { API_SCHEMAS, ROUTES, apiRequestListener, apiRoute, errorBody, type Route } from '../../../src/server/api/index.js';
import { Management, check } from '../../../src/server/management/index.js';
import type { Store } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { spec } from '../../cli/helpers.js';

const TOKEN = 'test-admin-token-0123456789';
const T0 = 1_800_000_000_000;
const SECRETS = ['client-pw-1', 'server-pw-1'];

export interface Api {
  readonly base: string;
  readonly server: Server;
  /** Every response text, to look for secrets in. */
  readonly seen: string[];
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; headers: Headers }>;
  close(): Promise<void>;
}

function routeOf(method: string, path: string): Route | undefined {
  const parts = path.split('?')[0]!.split('/').filter((s) => s !== '').slice(2);
  return ROUTES.find((r) => {
    const segs = r.path.split('/').filter((s) => s !== '');
    return r.method === method && segs.length === parts.length && segs.every((s, i) => s.startsWith('{') || s === parts[i]);
  });
}

export async function startApi(management: Management, options: { maxBodyBytes?: number; onError?: (e: unknown) => void } = {}): Promise<Api> {
  const server = createServer(apiRequestListener({ management, adminToken: TOKEN, ...options }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const seen: string[] = [];
  return {
    base,
    server,
    seen,
    async call(method, path, body, headers = {}) {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(5_000),
      });
      const text = await res.text();
      seen.push(text);
      const json = text === '' ? undefined : JSON.parse(text);
      // What came back is what the document says comes back.
      if (res.status >= 400) check(errorBody, json, '', API_SCHEMAS);
      else {
        const route = routeOf(method, path);
        if (route?.answer.schema) check(route.answer.schema, json, '', API_SCHEMAS);
        if (route) expect(res.status, `${method} ${path}`).toBe(route.answer.status);
      }
      return { status: res.status, json, headers: res.headers };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const md5Device = { id: 'IMEI:1', serverId: 'omadm', client: { scheme: 'md5', name: 'dev1', secret: 'client-pw-1' }, server: { secret: 'server-pw-1' } };

function restSuite(backend: Backend): void {
  describe(`REST API on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    let api: Api;
    let clock = T0;

    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
      clock = T0;
      api = await startApi(new Management(store, { now: () => clock }));
    });
    afterEach(async () => {
      await api.close();
      for (const text of api.seen) for (const s of SECRETS) expect(text).not.toContain(s);
      await database.dispose();
    });

    it('asks for the admin token (Authorization: Bearer), compared whole', async () => {
      for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Basic ${TOKEN}` }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }]) {
        const r = await api.call('GET', '/api/v1/devices', undefined, headers);
        expect(r.status).toBe(401);
        expect(r.json.error.code).toBe('unauthorized');
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
      expect((await api.call('GET', '/api/v1/devices', undefined, { authorization: `bearer  ${TOKEN}` })).status).toBe(200);
    });

    it('adds, lists, shows and deletes devices; secrets never come back', async () => {
      const added = await api.call('POST', '/api/v1/devices', md5Device);
      expect(added.status).toBe(201);
      expect(added.json).toEqual({ id: 'IMEI:1', serverId: 'omadm', client: { scheme: 'md5', name: 'dev1' }, server: { scheme: 'md5', name: 'omadm' }, acceptedClientSchemes: [], createdAt: T0, updatedAt: T0 });
      await api.call('POST', '/api/v1/devices', { id: 'http://dev/2', serverId: 'omadm', client: { scheme: 'none' } });
      const list = await api.call('GET', '/api/v1/devices?limit=1');
      expect(list.json.items.map((d: { id: string }) => d.id)).toEqual(['IMEI:1']);
      const next = await api.call('GET', `/api/v1/devices?limit=1&after=${encodeURIComponent(list.json.next)}`);
      expect(next.json.items.map((d: { id: string }) => d.id)).toEqual(['http://dev/2']);
      expect((await api.call('GET', `/api/v1/devices/${encodeURIComponent('http://dev/2')}`)).json.client).toEqual({ scheme: 'none' });
      expect((await api.call('DELETE', '/api/v1/devices/IMEI%3A1')).status).toBe(204);
      const gone = await api.call('GET', '/api/v1/devices/IMEI:1');
      expect(gone.status).toBe(404);
      expect(gone.json.error.code).toBe('not-found');
    });

    it('refuses bad input with 400 naming the field, a taken id with 409', async () => {
      await api.call('POST', '/api/v1/devices', md5Device);
      const cases: [string, string, unknown, number, string, string?][] = [
        ['POST', '/api/v1/devices', { ...md5Device, id: 'IMEI:2', client: { scheme: 'md5', name: 'u' } }, 400, 'invalid-input', 'client.secret'],
        ['POST', '/api/v1/devices', { ...md5Device, id: 'IMEI:2', client: { scheme: 'rsa' } }, 400, 'invalid-input', 'client.scheme'],
        ['POST', '/api/v1/devices', { ...md5Device, id: 'IMEI:2', extra: 1 }, 400, 'invalid-input', 'extra'],
        ['POST', '/api/v1/devices', [1, 2], 400, 'invalid-input', 'body'],
        ['POST', '/api/v1/devices', md5Device, 409, 'conflict', 'id'],
        ['POST', '/api/v1/devices', '{"id":', 400, 'invalid-json', 'body'],
        ['GET', '/api/v1/devices?limit=abc', undefined, 400, 'invalid-input', 'limit'],
        ['GET', '/api/v1/devices?limit=1000', undefined, 400, 'invalid-input', 'limit'],
        ['GET', '/api/v1/devices?limit=1&limit=2', undefined, 400, 'invalid-input', 'limit'],
        ['GET', '/api/v1/devices?colour=red', undefined, 400, 'invalid-input', 'colour'],
        ['GET', '/api/v1/jobs/abc', undefined, 400, 'invalid-input', 'jobId'],
        ['GET', '/api/v1/jobs/0', undefined, 400, 'invalid-input', 'jobId'],
        ['GET', '/api/v1/sessions/-1', undefined, 400, 'invalid-input', 'sessionRef'],
        ['GET', `/api/v1/devices/${'x'.repeat(600)}`, undefined, 400, 'invalid-input', 'deviceId'],
        ['GET', '/api/v1/devices/%E0%A4%A', undefined, 400, 'invalid-input'],
        ['POST', '/api/v1/devices/IMEI:1/jobs', { spec: { op: 'replace', items: [{ uri: './A', format: 'integer' }] } }, 400, 'invalid-input', 'spec.items[0].format'],
        ['POST', '/api/v1/devices/IMEI:1/jobs', { spec: { op: 'ui', code: 1100, text: 'x', options: { MAXLEN: 3 } } }, 400, 'invalid-input', 'spec.options.MAXLEN'],
        ['POST', '/api/v1/devices/IMEI:9/jobs', { spec: { op: 'get', uris: ['./A'] } }, 404, 'not-found'],
      ];
      for (const [method, path, body, status, code, field] of cases) {
        const r = await api.call(method, path, body);
        expect([r.status, r.json.error.code, r.json.error.field], `${method} ${path}`).toEqual([status, code, field]);
        expect(r.json.error.message.length).toBeGreaterThan(0);
      }
      expect((await api.call('GET', '/api/v1/devices')).json.items).toHaveLength(1);
    });

    it('enqueues every kind of job, lists, shows and cancels them', async () => {
      await api.call('POST', '/api/v1/devices', md5Device);
      const specs = [
        { op: 'get', uris: ['./DevInfo/Mod'] },
        { op: 'replace', items: [{ uri: './A', data: 'x'.repeat(1 << 20), format: 'chr' }] },
        { op: 'add', items: [{ uri: './B', format: 'node' }] },
        { op: 'delete', uris: ['./B'] },
        { op: 'exec', uri: './FUMO/Update', correlator: 'c1' },
        { op: 'copy', items: [{ source: './A', target: './C' }] },
        { op: 'atomic', steps: [{ op: 'get', uris: ['./A'] }, { op: 'sequence', steps: [{ op: 'delete', uris: ['./A'] }] }] },
        { op: 'ui', code: 1102, text: 'PIN?', options: { MAXLEN: 4, IT: 'N' } },
        { op: 'ui', code: 1104, text: 'Which?', choices: ['a', 'b'] },
      ];
      const ids: number[] = [];
      for (const s of specs) {
        const r = await api.call('POST', '/api/v1/devices/IMEI:1/jobs', { spec: s, maxAttempts: 3 });
        expect(r.status).toBe(201);
        expect(r.json).toMatchObject({ deviceId: 'IMEI:1', state: 'queued', attempts: 0, maxAttempts: 3 });
        ids.push(r.json.id);
      }
      expect((await api.call('GET', `/api/v1/jobs/${ids[7]}`)).json.spec).toEqual({ op: 'ui', code: 1102, text: 'PIN?', options: { MAXLEN: '4', IT: 'N' } });
      expect((await api.call('POST', `/api/v1/jobs/${ids[0]}/cancel`)).json.state).toBe('cancelled');
      const again = await api.call('POST', `/api/v1/jobs/${ids[0]}/cancel`);
      expect([again.status, again.json.error.code, again.json.error.field]).toEqual([409, 'conflict', 'jobId']);
      expect((await api.call('POST', '/api/v1/jobs/999999/cancel')).status).toBe(404);
      const list = await api.call('GET', '/api/v1/devices/IMEI:1/jobs?limit=8');
      expect(list.json.items.map((j: { id: number }) => j.id)).toEqual(ids.slice(1));
      const rest = await api.call('GET', `/api/v1/devices/IMEI:1/jobs?limit=8&before=${list.json.next}`);
      expect(rest.json.items.map((j: { id: number; state: string }) => [j.id, j.state])).toEqual([[ids[0], 'cancelled']]);
    });

    it('shows alerts and sessions with their transcript, Cred Data redacted and no snapshot', async () => {
      await api.call('POST', '/api/v1/devices', md5Device);
      await store.recordAlert({ deviceId: 'IMEI:1', code: 1226, correlator: 'c1', items: [{ source: './FUMO', data: '200' }] }, T0);
      const alerts = await api.call('GET', '/api/v1/devices/IMEI:1/alerts');
      expect(alerts.json.items).toEqual([{ id: expect.any(Number), deviceId: 'IMEI:1', code: 1226, correlator: 'c1', items: [{ source: './FUMO', data: '200' }], receivedAt: T0 }]);
      const begun = await store.beginSession('IMEI:1', '1', { nonce: 'snapshot-only' }, T0, 60_000);
      if (!begun.ok) throw new Error('busy');
      const xml = readFileSync(spec('9.4.1-basic-credentials-pkg1.xml'));
      decodeXml(xml);
      await store.recordMessage({ sessionRef: begun.session.ref, direction: 'in', msgId: '2', contentType: 'application/vnd.syncml.dm+xml', body: xml }, T0);
      const sessions = await api.call('GET', '/api/v1/devices/IMEI:1/sessions');
      expect(sessions.json.items).toEqual([expect.objectContaining({ ref: begun.session.ref, sessionId: '1', live: true })]);
      const detail = await api.call('GET', `/api/v1/sessions/${begun.session.ref}`);
      expect(detail.json.messages).toHaveLength(1);
      expect(detail.json.messages[0].xml).toContain('<Data>[redacted]</Data>');
      const text = JSON.stringify(detail.json);
      expect(text).not.toContain('QnJ1Y2UyOk9oQmVoYXZl');
      expect(text).not.toContain('snapshot-only');
      expect((await api.call('GET', '/api/v1/sessions/424242')).status).toBe(404);
    });
  });
}

restSuite(sqlite);
describePostgres('REST API on postgres', () => restSuite(postgres));

describe('REST API over HTTP, whatever the store', () => {
  let database: TestDatabase;
  let api: Api;
  const errors: unknown[] = [];

  beforeEach(async () => {
    database = await sqlite.fresh();
    errors.length = 0;
    api = await startApi(new Management(await database.open()), { maxBodyBytes: 2048, onError: (e) => errors.push(e) });
  });
  afterEach(async () => {
    await api.close();
    await database.dispose();
  });

  it('answers 404 outside its routes, 405 with Allow for a method a path does not take, 415 for a body that is not JSON', async () => {
    const r404 = await api.call('GET', '/api/v1/nothing');
    expect([r404.status, r404.json.error.code]).toEqual([404, 'not-found']);
    expect((await api.call('GET', '/elsewhere')).status).toBe(404);
    const r405 = await api.call('PUT', '/api/v1/devices');
    expect([r405.status, r405.json.error.code, r405.headers.get('allow')]).toEqual([405, 'method-not-allowed', 'GET, POST']);
    expect((await api.call('DELETE', '/api/v1/openapi.json')).headers.get('allow')).toBe('GET');
    const r415 = await api.call('POST', '/api/v1/devices', '{}', { 'content-type': 'text/plain' });
    expect([r415.status, r415.json.error.code]).toEqual([415, 'unsupported-media-type']);
  });

  it('refuses a body over the limit with 413, from Content-Length before reading it, and when it is streamed', async () => {
    const big = JSON.stringify({ id: 'x'.repeat(4096) });
    const declared = await api.call('POST', '/api/v1/devices', big);
    expect([declared.status, declared.json.error.code]).toEqual([413, 'payload-too-large']);
    // Chunked, without a length: refused once the count passes the limit; the rest is not read.
    const port = (api.server.address() as AddressInfo).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/devices', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, timeout: 5_000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      let sent = 0;
      const pump = (): void => {
        // Bounded: at most 64 KiB offered, far past the 2 KiB limit.
        while (sent < 64 * 1024) {
          sent += 1024;
          if (!req.write('x'.repeat(1024))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(errors).toEqual([]);
  });

  it('answers hostile bodies with a JSON error naming the field, never a crash or a 500', async () => {
    await api.call('POST', '/api/v1/devices', { id: 'd1', serverId: 's', client: { scheme: 'none' } });
    const deep = '{"spec":' + '{"op":"atomic","steps":['.repeat(50) + '{"op":"get","uris":["./A"]}' + ']}'.repeat(50) + '}';
    const r = await api.call('POST', '/api/v1/devices/d1/jobs', deep);
    expect([r.status, r.json.error.code]).toEqual([400, 'invalid-input']);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/api/v1/devices', '/api/v1/devices/d1/jobs'), fc.jsonValue({ maxDepth: 4 }), async (path, value) => {
        const answer = await api.call('POST', path, JSON.stringify(value));
        expect([201, 400, 409, 413]).toContain(answer.status);
      }),
      { numRuns: 60 },
    );
    expect(errors).toEqual([]);
  });

  it('answers 500 without detail when the store fails, and tells onError', async () => {
    const m = new Management(await database.open());
    const broken = await startApi(m, { onError: (e) => errors.push(e) });
    await m.store.close();
    const r = await broken.call('GET', '/api/v1/devices');
    expect([r.status, r.json]).toEqual([500, { error: { code: 'internal', message: 'internal error' } }]);
    expect(errors).toHaveLength(1);
    await broken.close();
  });

  it('serves the OpenAPI document without a token, and every route of the router is in it', async () => {
    const res = await fetch(`${api.base}/api/v1/openapi.json`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`));
    const routed = ROUTES.map((r) => `${r.method} /api/v1${r.path} ${r.operationId}`);
    expect(documented.sort()).toEqual([...routed, 'GET /api/v1/openapi.json openApiDocument'].sort());
    // And the router takes every documented operation: none is answered 404 or 405.
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const concrete = path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'deviceId' ? 'IMEI:1' : '1'));
        const r = await fetch(api.base + concrete, { method: method.toUpperCase(), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, ...(method === 'post' ? { body: '{}' } : {}), signal: AbortSignal.timeout(5_000) });
        const body = await r.text();
        expect(r.status === 405 || (r.status === 404 && body.includes('no route')), `${method} ${concrete}: ${r.status} ${body}`).toBe(false);
      }
    }
  });
});

describe('mounting by prefix', () => {
  it('serves its routes and its document below the prefix it is given', async () => {
    const database = await sqlite.fresh();
    const { prefix, listener } = apiRoute({ management: new Management(await database.open()), adminToken: TOKEN, prefix: '/admin/api/' });
    expect(prefix).toBe('/admin/api');
    const server = createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const list = await fetch(`${base}/admin/api/devices`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5_000) });
      expect([list.status, await list.json()]).toEqual([200, { items: [] }]);
      const doc = (await (await fetch(`${base}/admin/api/openapi.json`, { signal: AbortSignal.timeout(5_000) })).json()) as { paths: Record<string, unknown> };
      expect(Object.keys(doc.paths).every((p) => p.startsWith('/admin/api/'))).toBe(true);
      expect((await fetch(`${base}/api/v1/devices`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(5_000) })).status).toBe(404);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.dispose();
    }
  });

  it('refuses a token shorter than 16 characters', async () => {
    const database = await sqlite.fresh();
    try {
      expect(() => apiRequestListener({ management: new Management({} as Store), adminToken: 'short' })).toThrow(/at least 16 characters/);
    } finally {
      await database.dispose();
    }
  });
});
