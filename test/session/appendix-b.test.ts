/**
 * Every requirement of Appendix B (B.1, the client, and B.2, the server, with all their
 * sub-tables) is named by a test title in test/, or listed here as belonging to a part of
 * the toolkit still to come, with the reason. A requirement that loses its test makes this fail.
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

/** Requirements of parts still to come, with the part that will test them: none left (every id is named by a test). */
const elsewhere: Record<string, string> = {};

function requirementsInSpec(): string[] {
  // The appendix itself (its last occurrence: the table of contents names it too).
  const text = spec
    .slice(spec.lastIndexOf('B.1 SCR for DM Client'), spec.lastIndexOf('Appendix C. Protocol Values'))
    // An id the table wrapped before its number ("DM-PRO-GAlert-C-<tab>Support ...<newline>006-O").
    .replace(/-\t[^\n]*\n(\d{3})/g, '-$1');
  const ids = new Set<string>();
  for (const m of text.matchAll(/DM-PRO-(?:([A-Za-z]+)-\s*)?([CS])-\s*(\d{3})/g)) ids.add(m[1] ? `DM-PRO-${m[1]}-${m[2]}-${m[3]}` : `DM-PRO-${m[2]}-${m[3]}`);
  return [...ids].sort();
}

/**
 * The titles of the tests and suites in test/ (the first argument of `it`, `test` or
 * `describe`, their `.each`/`.skipIf(...)` forms included): an id only counts when a test
 * says in its title that it checks it, never from a comment or a string elsewhere.
 */
function testTitles(dir: string): string[] {
  const titles: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) titles.push(...testTitles(path));
    else if (name.endsWith('.test.ts') && path !== import.meta.filename) {
      const source = readFileSync(path, 'utf8');
      for (const m of source.matchAll(TITLE)) titles.push(m[2]!);
    }
  }
  return titles;
}
const TITLE = /\b(?:it|test|describe)(?:\.\w+(?:\([^()]*(?:\([^()]*\))?[^()]*\))?)*\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;

describe('Appendix B conformance checklist (B.1 client, B.2 server)', () => {
  const titles = testTitles(join(repo, 'test'));
  it('lists 81 requirements', () => expect(listed).toHaveLength(81));
  it.skipIf(spec === '')('lists what the spec text gives', () => expect(listed).toEqual(requirementsInSpec()));
  it.each(listed)('%s is named in a test title, or listed with the part of the toolkit it belongs to', (id) => {
    expect(titles.some((t) => t.includes(id)) || id in elsewhere, id).toBe(true);
  });
  it('lists no requirement as still to come that a test title already names', () => {
    expect(Object.keys(elsewhere).filter((id) => titles.some((t) => t.includes(id)))).toEqual([]);
  });
});
