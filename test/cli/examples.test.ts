/** The examples in examples/ run, as a user would run them, and succeed. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { decodeXml } from '../../src/index.js';
import { ROOT } from './helpers.js';

describe('examples', () => {
  it('examples/decode-and-build.ts builds, encodes and decodes a Package #1', () => {
    const r = spawnSync('npx', ['tsx', 'examples/decode-and-build.ts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // First line: the XML; the rest: the decoded message as JSON.
    const newline = r.stdout.indexOf('\n');
    const xml = r.stdout.slice(0, newline);
    const json = JSON.parse(r.stdout.slice(newline + 1)) as unknown;
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?><SyncML xmlns="SYNCML:SYNCML1.2">')).toBe(true);
    expect(json).toEqual(decodeXml(xml, { profile: 'dm' }));
    expect(r.stdout).toContain('"kind": "Alert"');
    expect(r.stdout).toContain('"data": "1201"');
  });
});
