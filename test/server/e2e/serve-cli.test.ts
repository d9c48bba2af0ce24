/**
 * `omadm serve` as a process: it prints the DM URL and the admin token, serves a device
 * over HTTP on 127.0.0.1, and stops gracefully on SIGTERM (exit 0), the database closed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlertCode } from '../../../generated/codes.js';
import { openSqliteStore, Secret } from '../../../src/server/store/index.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../../src/server/alerts/index.js';
import { ScriptedDevice } from './scripted-device.js';
import { cli } from '../../cli/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

let child: ChildProcess | undefined;
let dir: string | undefined;
let hook: Server | undefined;
afterEach(() => {
  hook?.close();
  hook = undefined;
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Starts `omadm serve`; resolves with its first two stdout lines. Bounded by a timeout. */
function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ url: string; token: string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve', ...args], {
      cwd: ROOT,
      env: { ...process.env, OMADM_ADMIN_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`omadm serve printed no URL in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const url = /^DM endpoint: (\S+)$/m.exec(out)?.[1];
      const token = /^admin token: (.+)$/m.exec(out)?.[1];
      if (url && token) {
        clearTimeout(timer);
        resolve({ url, token, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`omadm serve exited with ${code}: ${err}`));
    });
  });
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve({ code: p.exitCode, signal: p.signalCode });
  return new Promise((resolve) => p.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('omadm serve', () => {
  it('prints the DM URL and a random admin token, serves a session on a free port, and stops on SIGTERM with exit 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'omadm-serve-'));
    const db = join(dir, 'omadm.db');
    const store = await openSqliteStore(db);
    await store.addDevice({ id: 'IMEI:7', serverId: 'omadm.test', client: { scheme: 'md5', name: 'u7', secret: new Secret('s7-secret') }, server: { scheme: 'none' } }, Date.now());
    const job = await store.enqueueJob({ deviceId: 'IMEI:7', spec: { op: 'get', uris: ['./DevInfo/Man'] } }, Date.now());
    await store.close();

    const { url, token, stderr } = await serve(['--port', '0', '--db', `sqlite:${db}`]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+\/dm$/);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const device = new ScriptedDevice({ url, id: 'IMEI:7', serverId: 'omadm.test', encoding: 'wbxml', client: { scheme: 'md5', name: 'u7', secret: 's7-secret' } });
    const run = await device.run();
    expect(run.ended).toBe(true);
    // The rest of the server is on the same port: the REST API with the printed token, /healthz.
    const origin = new URL(url).origin;
    const devices = await fetch(`${origin}/api/v1/devices`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    expect(devices.status).toBe(200);
    expect(JSON.stringify(await devices.json())).toContain('IMEI:7');
    expect((await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);

    child!.kill('SIGTERM');
    expect(await exited(child!)).toEqual({ code: 0, signal: null });
    expect(stderr()).toContain('SIGTERM, stopping');
    // JSON log lines on stderr name the device, never its secret nor the admin token.
    expect(stderr()).toMatch(/^\{.*"deviceId":"IMEI:7".*\}$/m);
    expect(stderr()).not.toContain('s7-secret');
    expect(stderr()).not.toContain(token);
    const after = await openSqliteStore(db);
    try {
      expect(await after.getJob(job.id)).toMatchObject({ state: 'done', outcome: { status: 200, results: [{ data: 'Scripted Devices Ltd' }] } });
    } finally {
      await after.close();
    }
  });

  it('--path, --resp-uri, --log-level and --webhook: the endpoint where asked, sessions pinned by RespURI, only warnings logged, a Generic Alert POSTed to the webhook at once, signed', async () => {
    dir = mkdtempSync(join(tmpdir(), 'omadm-serve-'));
    const db = join(dir, 'omadm.db');
    const store = await openSqliteStore(db);
    await store.addDevice({ id: 'IMEI:8', serverId: 'omadm.test', client: { scheme: 'none' }, server: { scheme: 'none' } }, Date.now());
    await store.close();
    const received: { body: Buffer; signature: string | undefined }[] = [];
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks), signature: req.headers[SIGNATURE_HEADER] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook!.listen(0, '127.0.0.1', r));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
    const args = ['--port', '0', '--db', `sqlite:${db}`, '--path', '/omadm', '--resp-uri', 'https://dm.example/omadm/', '--webhook', hookUrl, '--log-level', 'warn'];
    const { url, stderr } = await serve(args, { OMADM_WEBHOOK_SECRET: 'whsec-serve-test' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+\/omadm$/);
    const device = new ScriptedDevice({ url, id: 'IMEI:8', serverId: 'omadm.test', encoding: 'xml' });
    // One exchange only: the next message would go to the RespURI, a balancer that is not here.
    const run = await device.run({
      extra: [{ kind: 'Alert', data: String(AlertCode.GenericAlert), items: [{ source: { locURI: './Vendor/Battery' }, meta: { type: 'com.example.battery', format: 'chr', emis: [] }, data: 'low' }] }],
      before: (i) => (i === 0 ? 'send' : 'stop'),
    });
    expect(run.exchanges).toHaveLength(1);
    expect(run.exchanges[0]!.received?.syncHdr.respURI).toMatch(/^https:\/\/dm\.example\/omadm\/s\/[0-9]+$/);
    // Delivered without a sweep (they are 30 s apart): the server has swept nothing when it arrives.
    for (let i = 0; i < 500 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    const metrics = await (await fetch(`${new URL(url).origin}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    expect(metrics).toMatch(/^omadm_sweeps_total 0$/m);
    expect(verifyWebhookSignature(received[0]!.signature, received[0]!.body, new Secret('whsec-serve-test'), Date.now())).toMatchObject({ ok: true });
    expect(received[0]!.body.toString()).toContain('com.example.battery');
    child!.kill('SIGTERM');
    expect(await exited(child!)).toEqual({ code: 0, signal: null });
    // At --log-level warn, the session's info lines are not written.
    expect(stderr()).not.toMatch(/"level":"info"/);
    expect(stderr()).not.toContain('whsec-serve-test');
  });

  it('takes the admin token from OMADM_ADMIN_TOKEN and does not print it back', async () => {
    dir = mkdtempSync(join(tmpdir(), 'omadm-serve-'));
    const { token } = await serve(['--port', '0', '--db', `sqlite:${join(dir, 'x.db')}`], { OMADM_ADMIN_TOKEN: 'a-token-of-the-operator' });
    expect(token).toBe('(as given)');
    child!.kill('SIGINT');
    expect(await exited(child!)).toEqual({ code: 0, signal: null });
  });

  it('exits 2 for a bad port or token, 1 when the database cannot be opened, before listening', async () => {
    const listening = process.listenerCount('SIGTERM');
    expect(await cli(['serve', '--port', '70000'])).toMatchObject({ code: 2, stderr: expect.stringContaining("option '--port' takes a port number") });
    expect(await cli(['serve', '--admin-token', 'short'])).toMatchObject({ code: 2 });
    expect(await cli(['serve', '--db', 'mysql://x'])).toMatchObject({ code: 2 });
    expect(await cli(['serve', '--path', 'dm'])).toMatchObject({ code: 2, stderr: expect.stringContaining("option '--path'") });
    expect(await cli(['serve', '--webhook', 'ftp://x/'])).toMatchObject({ code: 2 });
    expect(await cli(['serve', '--resp-uri', 'not a url'])).toMatchObject({ code: 2 });
    expect(await cli(['serve', '--log-level', 'loud'])).toMatchObject({ code: 2 });
    // A webhook is signed: without its secret, no server.
    delete process.env['OMADM_WEBHOOK_SECRET'];
    const unsigned = await cli(['serve', '--webhook', 'http://127.0.0.1:9/hook']);
    expect(unsigned).toMatchObject({ code: 2, stderr: expect.stringContaining('signing secret') });
    const r = await cli(['serve', '--port', '0', '--db', 'sqlite:/nonexistent-dir-omadm/x.db']);
    expect(r).toMatchObject({ code: 1, stdout: '', stderr: expect.stringContaining('cannot open the database') });
    expect(process.listenerCount('SIGTERM')).toBe(listening);
  });
});
