/**
 * `omadm device run` (and `omadm device --server ...`) against a scripted DM server on
 * 127.0.0.1: the transcript printed, as text and JSON, the exit status, the tree file kept.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import { buildTrigger } from '../../src/notification/trigger.js';
import { startScriptedServer, type ScriptedServer } from '../client/scripted-server.js';
import { cli } from './helpers.js';

let server: ScriptedServer | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const PLAN: SyncBodyCommandDraft[][] = [
  [
    { kind: 'Add', items: [{ target: { locURI: './App/Setting' }, meta: { format: 'int', emis: [] }, data: '5' }] },
    { kind: 'Get', items: [{ target: { locURI: './DevInfo/DevId' } }] },
  ],
];

describe('omadm device run', () => {
  it('DM-PRO-Session-C-002: runs a session and prints it package by package with statuses; exit 0', async () => {
    server = await startScriptedServer({ plan: PLAN, clientAuth: { type: 'md5', name: 'dev', secret: 'dev-pw' } });
    const r = await cli(['device', '--server', server.url, '--dev-id', 'IMEI:1', '--server-id', 'srv', '--auth', 'md5', '--client-name', 'dev', '--client-secret', 'dev-pw']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Package 1 (client -> server)');
    expect(r.stdout).toContain('Alert 1201 -> ');
    expect(r.stdout).toContain('Add ./App/Setting -> 201');
    expect(r.stdout).toContain('Get ./DevInfo/DevId -> 200');
    expect(r.stdout).toMatch(/Session completed/);
    expect(r.stdout).not.toContain('dev-pw');
    expect(server.results).toEqual(['./DevInfo/DevId=IMEI:1']);
  });

  it('DM-PRO-Session-C-001: --notify starts session 1200 with the notified id; --wbxml --json prints the transcript as JSON', async () => {
    server = await startScriptedServer({ plan: PLAN });
    dir = mkdtempSync(join(tmpdir(), 'omadm-device-'));
    const notification = buildTrigger({ version: 12, uiMode: 0, initiator: 1, sessionId: 0x51, serverId: 'srv' }, { password: 'srv-pw', nonce: new Uint8Array(0) });
    const r = await cli(['device', 'run', '--server', server.url, '--dev-id', 'IMEI:2', '--server-id', 'srv', '--server-secret', 'srv-pw', '--notify', 'pkg0.bin', '--wbxml', '--json'], { files: { 'pkg0.bin': notification } });
    expect(r.code, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t).toMatchObject({ outcome: 'completed', alert: 1200, sessionId: '51', encoding: 'wbxml' });
    expect(server.seen[0]!.message.syncHdr.sessionID).toBe('51');
    expect(r.stdout).not.toContain('srv-pw');
  });

  it('--tree FILE is created, then read again: what the server added is there in the next session', async () => {
    server = await startScriptedServer({ plan: PLAN });
    dir = mkdtempSync(join(tmpdir(), 'omadm-device-'));
    const file = join(dir, 'dev.json');
    const args = ['device', '--server', server.url, '--server-id', 'srv', '--tree', file];
    expect((await cli(args)).code).toBe(2); // a new tree needs --dev-id
    const first = await cli([...args, '--dev-id', 'IMEI:3']);
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    const shown = await cli(['tree', 'get', file, './App/Setting']);
    expect(shown).toMatchObject({ code: 0, stdout: '5\n' });
    await server.stop();
    server = await startScriptedServer({ plan: [[{ kind: 'Get', items: [{ target: { locURI: './App/Setting' } }] }]] });
    const second = await cli(['device', '--server', server.url, '--server-id', 'srv', '--tree', file]);
    expect(second.code, second.stderr).toBe(0);
    expect(server.results).toEqual(['./App/Setting=5']);
  });

  it('exit 1 when the server refuses our credentials or cannot be reached; exit 2 for usage errors', async () => {
    server = await startScriptedServer({ plan: PLAN, clientAuth: { type: 'basic', name: 'dev', secret: 'right' } });
    const refused = await cli(['device', '--server', server.url, '--dev-id', 'IMEI:4', '--server-id', 'srv', '--auth', 'basic', '--client-name', 'dev', '--client-secret', 'wrong']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/Session ended: auth-failed/);
    const url = server.url;
    await server.stop();
    server = undefined;
    const gone = await cli(['device', '--server', url, '--dev-id', 'IMEI:4', '--server-id', 'srv', '--timeout', '2000']);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/Session ended: transport-error/);
    expect((await cli(['device', '--dev-id', 'IMEI:4', '--server-id', 'srv'])).code).toBe(2);
    expect((await cli(['device', '--server', url, '--dev-id', 'x', '--server-id', 'srv', '--auth', 'md5'])).stderr).toContain('--auth md5 needs --client-name and --client-secret');
    expect((await cli(['device', '--server', url, '--dev-id', 'x', '--server-id', 'srv', '--auth', 'sha1'])).code).toBe(2);
    expect((await cli(['device', '--server', 'ftp://x', '--dev-id', 'x', '--server-id', 'srv'])).code).toBe(2);
    expect((await cli(['device', 'run', '--help'])).stdout).toContain('Usage: omadm device run');
  });
});
