/** `omadm device add|list|show|delete` on a temporary SQLite database, run in-process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/server/store/index.js';
import { cli } from './helpers.js';

let dir: string;
let db: string;
const run = (...args: string[]) => cli([...args, '--db', db]);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'omadm-cli-device-'));
  db = `sqlite:${join(dir, 'omadm.db')}`;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('omadm device add', () => {
  it('adds a device with md5 both ways (server scheme defaulting to the client scheme), storing the secrets', async () => {
    const r = await run('device', 'add', 'IMEI:1', '--server-id', 'omadm', '--auth', 'md5', '--client-name', 'dev1', '--client-secret', 'c-secret', '--server-secret', 's-secret');
    expect(r).toEqual({ code: 0, stdout: 'added device IMEI:1: client md5 (name dev1), server md5 (name omadm)\n', stderr: '' });
    const store = await openSqliteStore(db.slice('sqlite:'.length));
    try {
      const d = (await store.getDevice('IMEI:1'))!;
      expect(d.client.scheme === 'md5' && d.client.secret.reveal()).toBe('c-secret');
      expect(d.server.scheme === 'md5' && [d.server.name, d.server.secret.reveal()]).toEqual(['omadm', 's-secret']);
    } finally {
      await store.close();
    }
  });

  it('takes none, a different server scheme and name, and other accepted schemes; --json shows no secret', async () => {
    expect((await run('device', 'add', 'd-none', '--server-id', 's', '--auth', 'none')).code).toBe(0);
    const r = await run('device', 'add', 'd-hmac', '--server-id', 's', '--auth', 'hmac', '--client-name', 'u', '--client-secret', 'pw1', '--server-auth', 'basic', '--server-name', 'me', '--server-secret', 'pw2', '--accept', 'md5,basic', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'd-hmac', client: { scheme: 'hmac', name: 'u' }, server: { scheme: 'basic', name: 'me' }, acceptedClientSchemes: ['md5', 'basic'] });
    expect(r.stdout).not.toContain('pw1');
    expect(r.stdout).not.toContain('pw2');
  });

  it('is a usage error (exit 2) without the flags a scheme needs, or with a bad scheme', async () => {
    const cases: [string[], string][] = [
      [['--auth', 'md5'], "option '--server-id' is required"],
      [['--server-id', 's'], "option '--auth' is required"],
      [['--server-id', 's', '--auth', 'basic', '--client-name', 'u'], '--auth basic needs --client-name and --client-secret (or --client-secret-file)'],
      [['--server-id', 's', '--auth', 'md5', '--client-name', 'u', '--client-secret', 'x'], 'give --server-secret (or --server-secret-file), or --server-auth none'],
      [['--server-id', 's', '--auth', 'none', '--client-secret', 'x'], '--auth none takes no --client-name or --client-secret'],
      [['--server-id', 's', '--auth', 'pgp'], "option '--auth' takes none, basic, md5 or hmac, not 'pgp'"],
      [['--server-id', 's', '--auth', 'none', '--accept', 'md5,x'], "option '--accept' takes a comma-separated list"],
    ];
    for (const [args, message] of cases) {
      const r = await run('device', 'add', 'IMEI:1', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('Usage: omadm device add');
    }
    expect(JSON.parse((await run('device', 'list', '--json')).stdout).items).toEqual([]);
  });

  it('refuses a taken id and a value the store cannot take with exit 1, naming the flag', async () => {
    await run('device', 'add', 'IMEI:1', '--server-id', 's', '--auth', 'none');
    expect(await run('device', 'add', 'IMEI:1', '--server-id', 's', '--auth', 'none')).toEqual({ code: 1, stdout: '', stderr: 'omadm device add: ID: device "IMEI:1" exists\n' });
    const long = await run('device', 'add', 'IMEI:2', '--server-id', 's', '--auth', 'basic', '--client-name', 'u', '--client-secret', 'x'.repeat(2000), '--server-auth', 'none');
    expect(long).toEqual({ code: 1, stdout: '', stderr: 'omadm device add: --client-secret: longer than 1024 characters\n' });
  });

  it('reads secrets from files or standard input, so they stay off the command line', async () => {
    const r = await cli(['device', 'add', 'IMEI:3', '--server-id', 's', '--auth', 'basic', '--client-name', 'u', '--client-secret-file', 'c.txt', '--server-secret-file', '-', '--db', db], { files: { 'c.txt': 'from-file\n' }, stdin: 'from-stdin\r\n' });
    expect(r.code).toBe(0);
    const store = await openSqliteStore(db.slice('sqlite:'.length));
    try {
      const d = (await store.getDevice('IMEI:3'))!;
      expect([d.client.scheme !== 'none' && d.client.secret.reveal(), d.server.scheme !== 'none' && d.server.secret.reveal()]).toEqual(['from-file', 'from-stdin']);
    } finally {
      await store.close();
    }
    const both = await run('device', 'add', 'IMEI:4', '--server-id', 's', '--auth', 'basic', '--client-name', 'u', '--client-secret', 'x', '--client-secret-file', 'c.txt');
    expect([both.code, both.stderr.split('\n')[0]]).toEqual([2, 'omadm device add: give --client-secret or --client-secret-file, not both']);
    const empty = await cli(['device', 'add', 'IMEI:5', '--server-id', 's', '--auth', 'basic', '--client-name', 'u', '--client-secret-file', 'e.txt', '--server-auth', 'none', '--db', db], { files: { 'e.txt': '\n' } });
    expect(empty).toEqual({ code: 1, stdout: '', stderr: 'omadm device add: --client-secret: must not be empty\n' });
  });

  it('says so, exit 1, when the database cannot be opened', async () => {
    const r = await cli(['device', 'list', '--db', `sqlite:${join(dir, 'no', 'such', 'dir', 'x.db')}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^omadm device list: cannot open the database: /);
  });
});

describe('omadm device list, show, delete', () => {
  beforeEach(async () => {
    await run('device', 'add', 'IMEI:2', '--server-id', 'omadm', '--auth', 'basic', '--client-name', 'u2', '--client-secret', 'p2', '--server-auth', 'none');
    await run('device', 'add', 'IMEI:1', '--server-id', 'omadm', '--auth', 'md5', '--client-name', 'u1', '--client-secret', 'p1', '--server-secret', 'sp1');
  });

  it('lists devices in a table sorted by id, with pages', async () => {
    const r = await run('device', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SERVER ID\s+CLIENT AUTH\s+SERVER AUTH\s+ADDED$/);
    expect(lines[1]).toMatch(/^IMEI:1\s+omadm\s+md5 \(name u1\)\s+md5 \(name omadm\)\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(lines[2]).toMatch(/^IMEI:2\s+omadm\s+basic \(name u2\)\s+none\s+/);
    expect(r.stdout).not.toMatch(/p1|p2|sp1/);
    const page = await run('device', 'list', '--limit', '1');
    expect(page.stdout).toContain('(more: --after IMEI:1)');
    expect(JSON.parse((await run('device', 'list', '--after', 'IMEI:1', '--json')).stdout).items.map((d: { id: string }) => d.id)).toEqual(['IMEI:2']);
  });

  it('shows a device with its sessions, jobs and alerts', async () => {
    await run('job', 'add', 'IMEI:1', 'get', './DevInfo/Mod');
    const store = await openSqliteStore(db.slice('sqlite:'.length));
    try {
      await store.recordAlert({ deviceId: 'IMEI:1', code: 1226, correlator: 'c-1', items: [{ data: 'fumo done' }] }, 1_800_000_000_000);
      await store.beginSession('IMEI:1', '7', {}, 1_800_000_000_000, 60_000);
    } finally {
      await store.close();
    }
    const r = await run('device', 'show', 'IMEI:1');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^device: +IMEI:1\nserver id: +omadm\nclient auth: +md5 \(name u1\)\nserver auth: +md5 \(name omadm\)\n/);
    expect(r.stdout).toMatch(/\nSessions\nREF +SESSION ID +STARTED +LAST MESSAGE +OUTCOME\n1 +7 +2027-01-15T08:00:00Z +2027-01-15T08:00:00Z +live\n/);
    expect(r.stdout).toMatch(/\nJobs\nID +STATE +TRIES +JOB +STATUS +RESULT\n1 +queued +0\/5 +get \.\/DevInfo\/Mod +-\n/);
    expect(r.stdout).toMatch(/\nAlerts\nID +CODE +RECEIVED +CORRELATOR +MARK +DATA\n1 +1226 Generic alert.* +c-1 +- +fumo done\n$/);
    expect(r.stdout).not.toMatch(/p1|sp1/);
    const json = JSON.parse((await run('device', 'show', 'IMEI:1', '--json')).stdout);
    expect(Object.keys(json)).toEqual(['device', 'sessions', 'jobs', 'alerts']);
    expect(JSON.stringify(json)).not.toMatch(/"p1"|"sp1"/);
  });

  it('shows (none) for a device without sessions, jobs or alerts, and cuts a job result to 40 characters', async () => {
    expect((await run('device', 'show', 'IMEI:2')).stdout).toMatch(/\nSessions\n\(none\)\n\nJobs\n\(none\)\n\nAlerts\n\(none\)\n$/);
    await run('job', 'add', 'IMEI:1', 'get', './DevInfo/Mod');
    const store = await openSqliteStore(db.slice('sqlite:'.length));
    try {
      const begun = await store.beginSession('IMEI:1', '7', {}, 1_800_000_000_000, 60_000);
      if (!begun.ok) throw new Error('busy');
      const [job] = await store.claimJobs('IMEI:1', begun.session.ref, 1_800_000_000_000, 1);
      await store.finishJob(job!.id, begun.session.ref, { status: 200, results: [{ data: 'x'.repeat(100) }] }, 1_800_000_000_001);
    } finally {
      await store.close();
    }
    const r = await run('device', 'show', 'IMEI:1');
    expect(r.stdout).toMatch(new RegExp(`\\nJobs\\nID +STATE +TRIES +JOB +STATUS +RESULT\\n1 +done +1/5 +get \\./DevInfo/Mod +200 OK +${'x'.repeat(39)}…\\n\\nAlerts\\n\\(none\\)\\n$`));
  });

  it('deletes a device; a missing one is exit 1', async () => {
    expect(await run('device', 'delete', 'IMEI:2')).toEqual({ code: 0, stdout: 'deleted device IMEI:2\n', stderr: '' });
    expect(await run('device', 'delete', 'IMEI:2')).toEqual({ code: 1, stdout: '', stderr: 'omadm device delete: no device "IMEI:2"\n' });
    expect(await run('device', 'show', 'IMEI:2')).toEqual({ code: 1, stdout: '', stderr: 'omadm device show: no device "IMEI:2"\n' });
    expect(JSON.parse((await run('device', 'list', '--json')).stdout).items.map((d: { id: string }) => d.id)).toEqual(['IMEI:1']);
  });

  it('lists the verbs in the group help', async () => {
    const r = await cli(['device', '--help']);
    expect(r.code).toBe(0);
    for (const verb of ['add', 'list', 'show', 'delete']) expect(r.stdout).toMatch(new RegExp(`\\n  ${verb} +`));
  });
});

describe('help of the device and job verbs', () => {
  it('fits 80 columns, every line of every sub-verb', async () => {
    const { findCommand } = await import('../../src/cli/registry.js');
    for (const group of ['device', 'job']) {
      const command = findCommand(group)!;
      for (const verb of [command, ...(command.subcommands ?? [])]) for (const line of verb.usage.split('\n')) expect(line.length, `${verb.fullName}: ${line}`).toBeLessThanOrEqual(80);
    }
  });
});
