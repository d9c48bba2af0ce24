/**
 * The examples in examples/ run, and say what they are meant to show; every one of them is
 * run here and type-checked (tsconfig.json includes examples/, and `npm test` runs tsc
 * over it before vitest).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeXml } from '../src/index.js';

const repo = join(import.meta.dirname, '..');

/** The examples this file runs (each has its test below). */
const TESTED = ['decode-and-build.ts', 'session-in-memory.ts', 'demo.ts'];

function run(example: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'examples', example), ...args], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('examples', () => {
  it('decode-and-build.ts builds, encodes and decodes a Package #1: its XML, then the decoded message as JSON', () => {
    const r = run('decode-and-build.ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const newline = r.stdout.indexOf('\n');
    const xml = r.stdout.slice(0, newline);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2">')).toBe(true);
    expect(JSON.parse(r.stdout.slice(newline + 1)) as unknown).toEqual(decodeXml(xml, { profile: 'dm' }));
    expect(r.stdout).toContain('"kind": "Alert"');
    expect(r.stdout).toContain('"data": "1201"');
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

  it.each(['xml', 'wbxml'])('demo.ts in %s does what omadm demo does: a server and a device over HTTP, every job done, a 300 KB object in chunks', (encoding) => {
    const r = run('demo.ts', ...(encoding === 'wbxml' ? ['--wbxml'] : []));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Status 212 for SyncHdr');
    expect(r.stdout).toMatch(/^ {2}Replace \.\/Vendor\/Firmware -> 213$/m);
    expect(r.stdout).toMatch(/^ {2}Alert 1101 -> 200$/m);
    expect(r.stdout).toContain('session completed');
    expect(r.stdout).toContain('5/5 jobs done; ./Vendor/Firmware holds 307200 characters');
  }, 60_000);

  it('every example in examples/ is run by this file and type-checked with the project', () => {
    expect(readdirSync(join(repo, 'examples')).filter((f) => f.endsWith('.ts')).sort()).toEqual([...TESTED].sort());
    const tsconfig = JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8')) as { include: string[] };
    expect(tsconfig.include).toContain('examples');
    const scripts = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['test']).toMatch(/^tsc -p tsconfig\.json --noEmit && /);
  });
});
