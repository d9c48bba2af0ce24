/**
 * WBXML written by another implementation: Debian's xml2wbxml (libwbxml). `omadm decode` of its
 * output prints exactly the JSON of the XML it was made from. Skipped where xml2wbxml is not
 * installed, except in CI (test/helpers/tools.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeXml, encodeXmlString } from '../../src/index.js';
import { describeWithTools } from '../helpers/tools.js';
import { cli, readSpec, spec } from './helpers.js';

describeWithTools(['xml2wbxml'], 'omadm and the WBXML of xml2wbxml', () => {
  const dir = mkdtempSync(join(tmpdir(), 'omadm-xml2wbxml-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** xml2wbxml's WBXML of a spec fixture; `-n`: no string table. */
  function xml2wbxml(file: string, flags: string[]): string {
    const out = join(dir, `${file}${flags.join('')}.wbxml`);
    const r = spawnSync('xml2wbxml', [...flags, '-o', out, spec(file)], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    return out;
  }

  for (const file of ['11.1.1-package1.xml', '9.4.2-md5-credentials-pkg1.xml']) {
    for (const flags of [[], ['-n']]) {
      it(`${file}${flags.length ? ' (' + flags.join(' ') + ')' : ''}: decode prints the JSON of the XML`, async () => {
        const wbxml = xml2wbxml(file, flags);
        const bytes = readFileSync(wbxml);
        expect(bytes[0]).toBe(0x03); // WBXML 1.3
        expect([...bytes.subarray(1, 4)]).toEqual([0xa4, 0x01, 0x6a]); // public id 0x1201, UTF-8
        if (flags.includes('-n')) expect(bytes[4]).toBe(0); // no string table
        const fromXml = await cli(['decode', spec(file)]);
        expect(fromXml.code).toBe(0);
        expect(await cli(['decode', wbxml])).toEqual(fromXml);
        expect(await cli(['validate', wbxml])).toEqual({ code: 0, stdout: `${wbxml}: valid OMA DM message (WBXML: structure, DM profile, values against the protocol tables)\n`, stderr: '' });
        expect(await cli(['convert', wbxml])).toEqual({ code: 0, stdout: encodeXmlString(decodeXml(readSpec(file))) + '\n', stderr: '' });
      });
    }
  }
});
