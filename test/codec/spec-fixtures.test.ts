import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeXml, encodeXmlString } from '../../src/index.js';
import { itWithTools } from '../helpers/tools.js';
import { repoRoot, xmllintDtd, xsdValidate } from '../helpers/validators.js';

const dir = join(repoRoot, 'test', 'fixtures', 'spec');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .sort()
  .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));

describe('spec example messages (sections 6, 9, 10, 11)', () => {
  it('are all there', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    for (const s of ['6.7', '9.4.1', '9.4.2', '10.2', '10.3', '11.1', '11.2']) {
      expect(fixtures.some((f) => f.name.startsWith(s)), s).toBe(true);
    }
  });

  it.each(fixtures)('$name: decode → encode → decode gives the same value', ({ bytes }) => {
    const message = decodeXml(bytes, { profile: 'dm' });
    const again = decodeXml(encodeXmlString(message), { profile: 'dm' });
    expect(again).toStrictEqual(message);
  });

  itWithTools(['xmllint'], 'the fixtures themselves and our re-encodings pass xmllint --dtdvalid schemas/syncml12.dtd', () => {
    const docs = fixtures.flatMap((f) => [f.bytes.toString('utf8'), encodeXmlString(decodeXml(f.bytes))]);
    const r = xmllintDtd(docs);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });

  itWithTools(['java'], 'our re-encodings pass the generated XSD', async () => {
    const docs = fixtures.map((f) => encodeXmlString(decodeXml(f.bytes), { declaration: true }));
    expect(await xsdValidate(docs)).toEqual([]);
  }, 180_000);

  it('11.1.2 decodes to the values the spec prints', () => {
    const m = decodeXml(fixtures.find((f) => f.name === '11.1.2-package2.xml')!.bytes);
    expect(m.syncHdr.verProto).toBe('DM/1.3');
    const [first] = m.syncBody.commands;
    expect(first).toMatchObject({ kind: 'Status', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', data: '212' });
    const seq = m.syncBody.commands.find((c) => c.kind === 'Sequence');
    expect(seq?.kind === 'Sequence' && seq.commands.map((c) => c.kind)).toEqual(['Alert', 'Replace']);
    expect(m.syncBody.final).toBe(true);
  });
});
