/** The examples in examples/ run, and say what they are meant to show. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..');

function run(example: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'examples', example)], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples', () => {
  it('decode-and-build.ts prints Package #1 as JSON', () => {
    const r = run('decode-and-build.ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"final": true');
  }, 60_000);

  it('session-in-memory.ts runs a challenged session with a chunked object to its end', () => {
    const r = run('session-in-memory.ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Status 407 for SyncHdr/);
    expect(r.stdout).toMatch(/Status 213 for Replace/);
    expect(r.stdout).toMatch(/session over: device ended, server ended; \.\/Vendor\/Blob holds 3000 characters/);
    for (const m of r.stdout.matchAll(/message \d+: (\d+) B/g)) expect(Number(m[1])).toBeLessThanOrEqual(1200);
  }, 60_000);
});
