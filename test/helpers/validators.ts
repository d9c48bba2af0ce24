/**
 * The external validators the XML output is checked with: xmllint against the project's
 * DTD (libxml2-utils) and the generated XSD (xsd-schema-validator, which runs Java:
 * default-jdk-headless). A missing tool is an error naming its Debian package; the tests
 * that call these are written with itWithTools (test/helpers/tools.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xsd from 'xsd-schema-validator';
import { requireTools } from './tools.js';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const dtdPath = join(repoRoot, 'schemas', 'syncml12.dtd');
export const xsdPath = join(repoRoot, 'generated', 'xsd', 'syncml12.xsd');

export interface LintResult {
  readonly ok: boolean;
  readonly output: string;
}

/** Validates every document against the SyncML DTD in one xmllint run. */
export function xmllintDtd(documents: readonly string[]): LintResult {
  requireTools(['xmllint']);
  const dir = mkdtempSync(join(tmpdir(), 'omadm-xmllint-'));
  try {
    const files = documents.map((doc, i) => {
      const f = join(dir, `m${i}.xml`);
      writeFileSync(f, doc);
      return f;
    });
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--dtdvalid', dtdPath, ...files], { encoding: 'utf8' });
    if (r.error) throw r.error;
    return { ok: r.status === 0, output: (r.stdout ?? '') + (r.stderr ?? '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Validates documents against the generated XSD, two at a time (each starts a JVM). */
export async function xsdValidate(documents: readonly string[]): Promise<{ index: number; error: string }[]> {
  requireTools(['java']);
  const failures: { index: number; error: string }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < documents.length) {
      const i = next++;
      try {
        const r = await xsd.validateXML(documents[i]!, xsdPath);
        if (!r.valid) failures.push({ index: i, error: r.messages.join('\n') });
      } catch (e) {
        failures.push({ index: i, error: String(e) });
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return failures;
}
