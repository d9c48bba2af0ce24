/** The tests that run the real executable, in a child process, from the source tree. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeXml, encodeWbxml } from '../../src/index.js';
import { ROOT, readSpec } from './helpers.js';

describe('omadm as a process', () => {
  it('npx tsx src/cli/main.ts decode test/fixtures/spec/11.1.1-package1.xml', () => {
    const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'decode', 'test/fixtures/spec/11.1.1-package1.xml'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(JSON.stringify(decodeXml(readSpec('11.1.1-package1.xml')), null, 2) + '\n');
  });

  it('convert writes WBXML bytes to a pipe, and to -o FILE', () => {
    const fixture = 'test/fixtures/spec/11.1.1-package1.xml';
    const expected = encodeWbxml(decodeXml(readSpec('11.1.1-package1.xml')));
    const piped = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'convert', fixture], { cwd: ROOT, timeout: 60_000 });
    expect(piped.error).toBeUndefined();
    expect(piped.stderr.toString()).toBe('');
    expect(piped.status).toBe(0);
    expect(new Uint8Array(piped.stdout)).toEqual(expected);

    const dir = mkdtempSync(join(tmpdir(), 'omadm-cli-'));
    try {
      const out = join(dir, 'out.wbxml');
      const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'convert', '-o', out, fixture], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      expect(r.error).toBeUndefined();
      expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' });
      expect(new Uint8Array(readFileSync(out))).toEqual(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
