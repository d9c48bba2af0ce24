/** Recorded messages are shown with the Data of every Cred replaced: whatever the markup, cut off or not. */
import { describe, expect, it } from 'vitest';
import { REDACTED, redactCredentials } from '../../../src/server/management/index.js';

const META = "<Meta><Type xmlns='syncml:metinf'>syncml:auth-basic</Type></Meta>";

describe('redactCredentials', () => {
  it('replaces the Data of a Cred and keeps its Meta (the scheme) and everything else', () => {
    const xml = `<SyncHdr><Cred>${META}<Data>c2VjcmV0</Data></Cred></SyncHdr><SyncBody><Data>1201</Data></SyncBody>`;
    expect(redactCredentials(xml)).toBe(`<SyncHdr><Cred>${META}<Data>${REDACTED}</Data></Cred></SyncHdr><SyncBody><Data>1201</Data></SyncBody>`);
  });

  it('redacts every Cred, with a namespace prefix, attributes, CDATA holding an end tag, or cut off by truncation', () => {
    const cases: [string, string[]][] = [
      [`<a><Cred><Data>one</Data></Cred><Cred><Data>two</Data></Cred></a>`, ['one', 'two']],
      [`<s:Cred x='1'><s:Data>pfx-secret</s:Data></s:Cred>`, ['pfx-secret']],
      [`<Cred><Data><![CDATA[a</Data></Cred>cdata-secret]]></Data></Cred>`, ['cdata-secret', 'a</Data>']],
      [`<Cred>${META}<Data>truncated-sec`, ['truncated-sec']],
      [`<Cred><Data>sec1</Data>\n<!-- comment --><Data>sec2</Data></Cred>`, ['sec1', 'sec2']],
    ];
    for (const [xml, secrets] of cases) {
      const out = redactCredentials(xml);
      for (const s of secrets) expect(out, xml).not.toContain(s);
      expect(out).toContain(REDACTED);
    }
  });

  it('leaves a message without Cred as it is', () => {
    const xml = '<SyncML><SyncBody><Replace><Item><Data>keep</Data></Item></Replace></SyncBody></SyncML>';
    expect(redactCredentials(xml)).toBe(xml);
    expect(redactCredentials('<Credential><Data>x</Data></Credential>')).toBe('<Credential><Data>x</Data></Credential>');
  });

  it('takes a long hostile body (64 KiB of "<" after a Cred) and redacts to its end', () => {
    const xml = `<Cred>${'<'.repeat(64 * 1024)}`;
    expect(redactCredentials(xml)).toBe(`<Cred><Data>${REDACTED}</Data>`);
  });
});
