/** `omadm notify DEVICE -o FILE` against a real SQLite database, as `omadm serve` would use it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Initiator, parseTrigger, UiMode, verifyTrigger, ZERO_NONCE } from '../../src/notification/index.js';
import { openSqliteStore, Secret } from '../../src/server/store/index.js';
import { cli, cliBytes } from './helpers.js';

const T0 = 1_800_000_000_000;

describe('omadm notify', () => {
  let dir: string;
  let db: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'omadm-notify-'));
    db = `sqlite:${join(dir, 'omadm.db')}`;
    const store = await openSqliteStore(join(dir, 'omadm.db'));
    await store.addDevice({ id: 'IMEI:1', serverId: 'omadm.example', client: { scheme: 'md5', name: 'd', secret: new Secret('c') }, server: { scheme: 'md5', name: 's', secret: new Secret('server-pw') } }, T0);
    await store.saveNonces('IMEI:1', { nonceToUse: new Uint8Array([7, 7, 7]) }, T0);
    await store.addDevice({ id: 'open', serverId: 'omadm.example', client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
    await store.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the Package#0 of the device with the options given, and says what it announced', async () => {
    const r = await cliBytes(['notify', 'IMEI:1', '--db', db, '--ui-mode', 'ui', '--initiator', 'server', '--session-id', '0x4F2A', '-o', 'p0.bin']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const trigger = parseTrigger(r.written['p0.bin']!);
    expect(trigger).toMatchObject({ uiMode: UiMode.UserInteraction, initiator: Initiator.Server, sessionId: 0x4f2a, serverId: 'omadm.example', version: 13 });
    expect(verifyTrigger(trigger, { password: 'server-pw', nonce: new Uint8Array([7, 7, 7]) }, false)).toBe('stored');
    expect(new TextDecoder().decode(r.stdout)).toBe(`omadm notify: ${r.written['p0.bin']!.length} bytes for IMEI:1: session id 20266 (SessionID 4F2A), stored nonce\n`);
    // The server expects the announced session (Alert 1200 with SessionID 4F2A).
    const store = await openSqliteStore(join(dir, 'omadm.db'));
    try {
      expect(await store.announcedSession('IMEI:1', Date.now())).toMatchObject({ deviceId: 'IMEI:1', sessionId: '4F2A', uiMode: UiMode.UserInteraction, initiator: Initiator.Server });
      const held = await store.announcedSession('IMEI:1', Date.now());
      expect(held!.expiresAt - held!.sentAt).toBe(3_600_000);
    } finally {
      await store.close();
    }
    const short = await cliBytes(['notify', 'IMEI:1', '--db', db, '--session-id', '9', '--expect-for', '60', '-o', 'p1.bin']);
    expect(short.code).toBe(0);
    const again = await openSqliteStore(join(dir, 'omadm.db'));
    try {
      const held = await again.announcedSession('IMEI:1', Date.now());
      expect(held).toMatchObject({ sessionId: '9' });
      expect(held!.expiresAt - held!.sentAt).toBe(60_000);
    } finally {
      await again.close();
    }
  });

  it('-o - writes the bytes to standard output (not a terminal) and the summary to standard error', async () => {
    const r = await cliBytes(['notify', 'IMEI:1', '--db', db, '--session-id', '17', '--dm-version', '1.2', '--initiator', 'client', '--vendor', 'cafe', '-o', '-']);
    expect(r.code).toBe(0);
    const trigger = parseTrigger(r.stdout);
    expect(trigger).toMatchObject({ sessionId: 17, version: 12, initiator: Initiator.Client });
    expect(Array.from(trigger.vendor!)).toEqual([0xca, 0xfe]);
    expect(r.stderr).toContain('SessionID 11');
    expect((await cli(['notify', 'IMEI:1', '--db', db, '-o', '-'], { stdoutIsTTY: true })).code).toBe(2);
  });

  it('exit 1 for an unknown device and for a device without server credentials', async () => {
    const unknown = await cli(['notify', 'IMEI:2', '--db', db, '-o', 'x.bin']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'omadm notify: no device "IMEI:2" in the database\n' });
    const open = await cli(['notify', 'open', '--db', db, '-o', 'x.bin']);
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('no server credentials');
  });

  it('exit 2 for a bad command line', async () => {
    for (const args of [
      ['notify', 'IMEI:1', '--db', db],
      ['notify', 'IMEI:1', '--db', db, '--session-id', '70000', '-o', 'x'],
      ['notify', 'IMEI:1', '--db', db, '--ui-mode', 'loud', '-o', 'x'],
      ['notify', 'IMEI:1', '--db', db, '--vendor', 'xyz', '-o', 'x'],
      ['notify', '--db', db, '-o', 'x'],
      ['notify', 'IMEI:1', '--db', db, '--expect-for', '0', '-o', 'x'],
    ]) {
      expect((await cli(args)).code, args.join(' ')).toBe(2);
    }
    expect((await cli(['notify', 'IMEI:1', '--db', db, '--session-id', '70000', '-o', 'x'])).stderr).toContain("option '--session-id' takes a number from 0 to 65535");
  });

  it('with no stored nonce, uses the zero nonce', async () => {
    const store = await openSqliteStore(join(dir, 'omadm.db'));
    await store.addDevice({ id: 'fresh', serverId: 'omadm.example', client: { scheme: 'basic', name: 'd', secret: new Secret('c') }, server: { scheme: 'basic', name: 's', secret: new Secret('pw2') } }, T0);
    await store.close();
    const r = await cliBytes(['notify', 'fresh', '--db', db, '--session-id', '5', '-o', 'f.bin']);
    expect(r.code).toBe(0);
    expect(verifyTrigger(parseTrigger(r.written['f.bin']!), { password: 'pw2', nonce: ZERO_NONCE }, false)).toBe('stored');
  });
});
