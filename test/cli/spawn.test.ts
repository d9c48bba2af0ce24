/** The one test that runs the real executable, in a child process, from the source tree. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeXml } from '../../src/index.js';
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
});
