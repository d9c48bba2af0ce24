/**
 * `omadm demo`, the first command README gives: a real server and simulated devices over
 * HTTP on 127.0.0.1, every job done, in XML and in WBXML, and nothing left behind.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { runCli } from '../../src/cli/cli.js';
import { fakeIo } from './helpers.js';

async function demo(args: string[]) {
  const io = fakeIo();
  const code = await runCli(['demo', ...args], io);
  return { code, out: io.out, err: io.err };
}

describe('omadm demo', () => {
  for (const [encoding, args] of [
    ['XML', []],
    ['WBXML', ['--wbxml', '--auth', 'hmac']],
  ] as const) {
    it(`in ${encoding}: every session completes and every job succeeds, a 300 KB object in chunks included; exit 0, the temporary database removed`, async () => {
      const r = await demo([...args, '--devices', '2']);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toContain('2/2 sessions completed');
      expect(r.out).toContain('10/10 jobs done.');
      expect(r.out).toContain('Every job succeeded.');
      // The firmware image went in chunks: a 213 for each but the last (section 8).
      expect(r.out).toMatch(/Replace \.\/Vendor\/omadm\/Firmware -> 213 \(in \d+ messages\)/);
      expect(r.out).toContain('Alert 1101 -> 200');
      expect(r.out).toContain('Exec ./Vendor/omadm/Update -> 200');
      // A pipe gets no colours.
      expect(r.out).not.toContain('\u001b[');
      const dir = /\(SQLite in ([^)]+)\)/.exec(r.out)?.[1];
      expect(dir).toBeDefined();
      expect(existsSync(dir!)).toBe(false);
    }, 120_000);
  }

  it('refuses more devices than it runs, as a usage error', async () => {
    const r = await demo(['--devices', '99']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("option '--devices' takes at most 20, not 99");
  });
});
