/**
 * Every requirement of Appendix B, B.1.1-B.1.4 (client) and B.2.1-B.2.4 (server), is
 * named by a test title in test/, or listed here as belonging to another part of the
 * toolkit with the reason. A requirement that loses its test makes this fail.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..');
// The requirement ids, kept with the tests so the checklist runs wherever they do.
const listed = readFileSync(join(repo, 'test', 'fixtures', 'spec', 'appendix-b-requirements.txt'), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'));
// The spec text lives beside the repository (shared/) on developer machines: when it is
// there, the list above must be what it gives.
const specPath = join(repo, '..', 'shared', 'spec', 'OMA-TS-DM_Protocol-V1_3.txt');
const spec = existsSync(specPath) ? readFileSync(specPath, 'utf8') : '';

/** Requirements outside the session core, with where they will be tested. */
const elsewhere: Record<string, string> = {
  'DM-PRO-Session-C-001': 'server notification (Package#0): the notification module',
  'DM-PRO-Session-S-001': 'server notification (Package#0): the notification module',
  'DM-PRO-LO-C-011': 'DevDetail/LrgObj set to true: the client management tree',
};

function requirementsInSpec(): string[] {
  const part = (from: string, to: string) => spec.slice(spec.indexOf(from), spec.indexOf(to));
  const text = part('B.1.1 SCR for DM Session Setup Phase', 'B.1.5 SCR') + part('B.2.1 SCR for DM Session', 'B.2.5 SCR');
  const ids = new Set<string>();
  for (const m of text.matchAll(/DM-PRO-([A-Za-z]+)-\s*([CS])-\s*(\d{3})/g)) ids.add(`DM-PRO-${m[1]}-${m[2]}-${m[3]}`);
  return [...ids].sort();
}

function testText(dir: string): string {
  return readdirSync(dir)
    .map((n) => join(dir, n))
    .map((p) => (statSync(p).isDirectory() ? testText(p) : p.endsWith('.test.ts') ? readFileSync(p, 'utf8') : ''))
    .join('\n');
}

describe('Appendix B conformance checklist (B.1.1-B.1.4, B.2.1-B.2.4)', () => {
  const text = testText(join(repo, 'test')).replace(readFileSync(import.meta.filename, 'utf8'), '');
  it('lists 40 requirements', () => expect(listed).toHaveLength(40));
  it.skipIf(spec === '')('lists what the spec text gives', () => expect(listed).toEqual(requirementsInSpec()));
  it.each(listed)('%s is named by a test, or listed with the part of the toolkit it belongs to', (id) => {
    expect(text.includes(id) || id in elsewhere, id).toBe(true);
  });
});
