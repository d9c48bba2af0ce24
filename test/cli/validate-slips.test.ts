/**
 * `omadm validate` stays strict, and names the slips a lenient decode (the DM server's)
 * would recover from: for each message of the recorded-peer corpus that it refuses, the
 * refusal first, then one `FILE: path: slip KIND: message (offset N)` line per slip; the
 * exit status stays 1. A message no lenient decode accepts gets the refusal alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeLenient } from '../../src/index.js';
import { ROOT, cli } from './helpers.js';

const peer = (file: string): Uint8Array => new Uint8Array(readFileSync(join(ROOT, 'test/fixtures/peers', file)));

describe('omadm validate names the slips a lenient decode accepts (exit 1)', () => {
  for (const file of ['status-synchdr-no-cmdref.xml', 'targetref-after-data.wbxml', 'fpi-unterminated.wbxml', 'unescaped-ampersand.xml', 'format-value-case.xml', 'padded-values.xml']) {
    it(file, async () => {
      const bytes = peer(file);
      const { warnings } = decodeLenient(bytes, { profile: 'dm' });
      const result = await cli(['validate', file], { files: { [file]: bytes } });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const lines = result.stderr.split('\n').filter(Boolean);
      const head = lines.findIndex((l) => l.includes('a lenient decode (as the DM server reads) accepts it'));
      // The strict refusal comes first, as without lenient decoding.
      expect(head).toBeGreaterThan(0);
      expect(lines[head]).toBe(`${file}: a lenient decode (as the DM server reads) accepts it, recovering from ${warnings.length} slip${warnings.length === 1 ? '' : 's'}:`);
      expect(lines.slice(head + 1)).toEqual(warnings.map((w) => `${file}: ${w.path || '/'}: slip ${w.kind}: ${w.message} (offset ${w.offset})`));
    });
  }

  it('the first line is the strict refusal, located', async () => {
    const result = await cli(['validate', 'p.xml'], { files: { 'p.xml': peer('status-synchdr-no-cmdref.xml') } });
    expect(result.stderr.split('\n')[0]).toMatch(/^p\.xml: \/SyncML\/SyncBody\/Status\[1\]: missing <CmdRef> in <Status>, found <Cmd> \(offset \d+\)$/);
    expect(result.stderr).toMatch(/p\.xml: \/SyncML\/SyncBody\/Status\[1\]: slip status-cmdref-missing: .* \(offset \d+\)\n$/);
  });

  it('a message that no lenient decode accepts either: the refusal alone', async () => {
    const text = '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr></SyncML>';
    const result = await cli(['validate', '-'], { stdin: text });
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/lenient/);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('a valid message has no slip to name', async () => {
    const result = await cli(['validate', 's.xml'], { files: { 's.xml': peer('session-id-hex.xml') } });
    expect(result).toEqual({ code: 0, stdout: 's.xml: valid OMA DM message (XML: structure, DM profile, values against the protocol tables)\n', stderr: '' });
  });
});
