import { describe, expect } from 'vitest';
import fc from 'fast-check';
import { encodeXmlString } from '../../src/index.js';
import { messageArbitrary } from '../../generated/arbitraries.js';
import { itWithTools } from '../helpers/tools.js';
import { xmllintDtd, xsdValidate } from '../helpers/validators.js';

describe('the validators themselves', () => {
  itWithTools(['xmllint', 'java'], 'reject a message that breaks the grammar', async () => {
    const bad = '<SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD></SyncHdr></SyncML>';
    expect(xmllintDtd([bad]).ok).toBe(false);
    expect(await xsdValidate([bad])).toHaveLength(1);
  }, 30_000);
});

describe('XML written for arbitrary valid messages', () => {
  itWithTools(['xmllint'], 'passes xmllint --dtdvalid (DM profile and all of SyncML)', () => {
    const docs = [
      ...fc.sample(messageArbitrary({ profile: 'dm' }), { numRuns: 60, seed: 42 }),
      ...fc.sample(messageArbitrary({ profile: 'syncml' }), { numRuns: 60, seed: 43 }),
    ].map((m) => encodeXmlString(m));
    const r = xmllintDtd(docs);
    expect(r.output).toBe('');
    expect(r.ok).toBe(true);
  });

  itWithTools(['java'], 'passes the generated XSD (a sample)', async () => {
    const docs = fc.sample(messageArbitrary({ profile: 'syncml' }), { numRuns: 6, seed: 7 }).map((m) => encodeXmlString(m));
    expect(await xsdValidate(docs)).toEqual([]);
  }, 120_000);
});
