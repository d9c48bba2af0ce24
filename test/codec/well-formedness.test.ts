/**
 * The XML decoder accepts only well-formed XML: a corpus of documents that are not (each a
 * case a lenient reader lets through) and of the real-peer tolerances the README states
 * (which are well-formed), each checked against our verdict and against `xmllint --noout`
 * (well-formedness only: the DTD is not namespace-aware). Then the namespace rules that
 * xmllint does not enforce (it only warns): prefixes that are NCNames, bound to a
 * namespace, and never the tolerance for an undeclared namespace.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeXml } from '../../src/index.js';
import { isDecodeError, type DecodeError } from '../../src/runtime/errors.js';
import { describeWithTools } from '../helpers/tools.js';

const HDR =
  '<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1</SessionID><MsgID>1</MsgID>' +
  '<Target><LocURI>t</LocURI></Target><Source><LocURI>s</LocURI></Source></SyncHdr>';
const ALERT = '<Alert><CmdID>1</CmdID><Data>1201</Data></Alert>';
const msg = (body: string = ALERT, ns = 'SYNCML:SYNCML1.2', rootAttributes = ''): string =>
  `<SyncML xmlns="${ns}"${rootAttributes}>${HDR}<SyncBody>${body}</SyncBody></SyncML>`;
/** A message whose one Item holds `data` in its Data, and `meta` before it. */
const item = (data: string, meta = ''): string =>
  msg(`<Replace><CmdID>2</CmdID><Item><Target><LocURI>./x</LocURI></Target>${meta}<Data>${data}</Data></Item></Replace>`);
const DOCTYPE_ID = '-//SYNCML//DTD SyncML 1.2//EN';

/** [case, document, reason our decoder gives (a substring)] */
const notWellFormed: readonly (readonly [string, string, string])[] = [
  ['"]]>" in text', item('a]]>b'), '"]]>" in text'],
  ['"]]>" in short plain text', msg('<Alert><CmdID>]]></CmdID><Data>1201</Data></Alert>'), '"]]>" in text'],
  ['"]]>" in text of markup inline in Data', item('<x>a]]>b</x>'), '"]]>" in text'],
  ['"--" inside a comment', msg().replace('<SyncBody>', '<SyncBody><!-- a -- b -->'), '"--" inside a comment'],
  ['a comment ending in "--->"', msg().replace('<SyncBody>', '<SyncBody><!-- a --->'), '"--" inside a comment'],
  ['U+0000 in a comment', msg().replace('<SyncBody>', '<SyncBody><!-- a \u0000 b -->'), 'character U+0000 is not allowed'],
  ['U+0001 in a processing instruction', msg().replace('<SyncBody>', '<SyncBody><?pi a\u0001?>'), 'character U+0001 is not allowed'],
  ['"<??>"', '<??>' + msg(), 'processing instruction without a target'],
  ['a PI target not followed by white space', '<?pi$x?>' + msg(), 'processing instruction target not followed by white space'],
  ['no white space between pseudo-attributes', '<?xml version="1.0"encoding="UTF-8"?>' + msg(), 'malformed XML declaration'],
  ['an unknown pseudo-attribute', '<?xml version="1.0" foo="bar"?>' + msg(), 'malformed XML declaration'],
  ['standalone="maybe"', '<?xml version="1.0" standalone="maybe"?>' + msg(), 'malformed XML declaration'],
  ['pseudo-attributes out of order', '<?xml version="1.0" standalone="yes" encoding="UTF-8"?>' + msg(), 'malformed XML declaration'],
  ['an XML declaration without a version', '<?xml encoding="UTF-8"?>' + msg(), 'XML declaration without a version'],
  ['encoding="US-ASCII" over non-ASCII text', '<?xml version="1.0" encoding="US-ASCII"?>' + item('é'), 'a character outside ASCII in a document declared US-ASCII'],
  ['DOCTYPE PUBLIC without a system literal', `<!DOCTYPE SyncML PUBLIC "${DOCTYPE_ID}">` + msg(), 'DOCTYPE PUBLIC without a system literal'],
  ['DOCTYPE without white space between its literals', `<!DOCTYPE SyncML PUBLIC "${DOCTYPE_ID}""x.dtd">` + msg(), 'white space expected'],
  ['DOCTYPE public identifier with a character it cannot hold', '<!DOCTYPE SyncML PUBLIC "-//SYNCML//DTD SyncML 1.2//EN{" "x.dtd">' + msg(), 'public identifier with a character'],
  ['an element name that is not a Name (<1:Final>)', msg(ALERT + '<1:Final/>'), '<1:Final> is not a well-formed element name'],
  ['inline markup: an undefined entity', item('<x>&nbsp;</x>'), 'undefined entity &nbsp;'],
  ['inline markup: an undefined entity in an attribute value', item('<x a="&foo;"/>'), 'undefined entity &foo;'],
  ['inline markup: a bare "&"', item('<x>a & b</x>'), '"&" that starts no entity'],
  ['inline markup: "<" in an attribute value', item('<x a="<"/>'), '"<" in the value of attribute a'],
  ['inline markup: an attribute without a value', item('<x a/>'), 'attribute a of <x> has no value'],
  ['inline markup: an unquoted attribute value', item('<x a=1/>'), 'expected a quoted literal'],
  ['inline markup: a duplicate attribute', item('<x a="1" b="2" a="3"/>'), 'duplicate attribute a on <x>'],
  ['inline markup: attributes without white space between them', item('<x a="1"b="2"/>'), 'malformed start tag <x>'],
  ['inline markup: a control character in an attribute value', item('<x a="\u0001"/>'), 'character U+0001 is not allowed'],
  ['inline markup: an element name that is not a Name', item('<x><1y/></x>'), '<1y> is not a well-formed element name'],
  ['a character reference with "#X"', item('&#X41;'), 'malformed character reference &#X41;'],
  ['a control character in an attribute value of ours', msg().replace('<Alert>', '<Alert xmlns="SYNCML:SYNCML1.2&#1;">'), 'names a character XML does not allow'],
];

/** [case, document]: well-formed, and read (README: tolerances of real peers). */
const wellFormed: readonly (readonly [string, string])[] = [
  ['character references with leading zeros', item('&#x00000041;&#00000065;&#0000000000000000000000066;')],
  ['white space in an EMPTY element', msg(ALERT + '<Final> </Final>')],
  ['markup written inline in Data', item(`<x a="1" b='&amp;'>t &lt; <y/><!-- c --><![CDATA[]]]]><?p q?></x>`)],
  ['MetInf children in any order, no xmlns inside Meta', item('x', '<Meta><Type>text/plain</Type><Format>chr</Format></Meta>')],
  ['the SyncML namespace in another case', msg(ALERT, 'syncml:syncml1.2')],
  ['a full XML declaration', '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + msg()],
  ['an XML declaration with single quotes and spaces around "="', "<?xml version = '1.0' encoding = 'utf-8' ?>" + msg()],
  ['US-ASCII over ASCII text', '<?xml version="1.0" encoding="US-ASCII"?>' + msg()],
  ['the SyncML DOCTYPE with both literals', `<!DOCTYPE SyncML PUBLIC "${DOCTYPE_ID}" "http://www.openmobilealliance.org/tech/DTD/OMA-TS-SyncML_RepPro_DTD-V1_2.dtd">` + msg()],
  ['processing instructions and empty comments', '<?pi?><?pi  data ?>' + msg().replace('<SyncBody>', '<SyncBody><!----><!-- - -->')],
  ['"]]" and ">" in text apart', item('a]]b>c]>d]] >')],
  ['"]]" ending a CDATA section', item('<![CDATA[a]]]><![CDATA[]]]]>')],
];

function verdict(doc: string): DecodeError | undefined {
  try {
    decodeXml(doc);
    return undefined;
  } catch (e) {
    if (isDecodeError(e)) return e;
    throw e;
  }
}

describe('our decoder', () => {
  it.each(notWellFormed)('refuses what is not well-formed: %s', (_, doc, reason) => {
    const e = verdict(doc);
    expect(e, 'decoded').toBeDefined();
    expect(e!.reason).toContain(reason);
  });

  it.each(wellFormed)('reads what is well-formed: %s', (_, doc) => {
    expect(verdict(doc)?.message).toBeUndefined();
  });

  it('decodes references with leading zeros to their characters', () => {
    const data = (decodeXml(item('&#x00000041;&#00000065;')).syncBody.commands[0] as { items: { data?: string }[] }).items[0]!.data;
    expect(data).toBe('AA');
  });
});

// ---------------------------------------------------------------- xmllint as the oracle

/** Whether `xmllint --noout` finds `doc` well-formed (exit 0). */
function xmllintAccepts(dir: string, name: string, doc: string): boolean {
  const file = join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.xml`);
  writeFileSync(file, doc);
  const r = spawnSync('xmllint', ['--noout', '--nonet', file], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r.status === 0;
}

describeWithTools(['xmllint'], 'the same verdicts as xmllint --noout', () => {
  it('on every document of the corpus', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omadm-wf-'));
    try {
      const disagreements: string[] = [];
      for (const [name, doc] of notWellFormed) if (xmllintAccepts(dir, name, doc)) disagreements.push(`xmllint accepts: ${name}`);
      for (const [name, doc] of wellFormed) if (!xmllintAccepts(dir, name, doc)) disagreements.push(`xmllint refuses: ${name}`);
      expect(disagreements).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------- namespaces

describe('namespaces: what xmllint only warns about, refused', () => {
  const refused = (doc: string): DecodeError => {
    const e = verdict(doc);
    expect(e, 'decoded').toBeDefined();
    return e!;
  };

  it('a prefix bound on an ancestor does not pass for an undeclared namespace: <m:SyncHdr> in MetInf', () => {
    const doc = `<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:m="syncml:metinf"><m:SyncHdr>${HDR.slice('<SyncHdr>'.length).replace('</SyncHdr>', '</m:SyncHdr>')}<SyncBody>${ALERT}</SyncBody></SyncML>`;
    const e = refused(doc);
    expect([e.reason, e.path, e.offset]).toEqual(['<SyncHdr> is in the MetInf namespace, expected SyncML', '/SyncML', doc.indexOf('<m:SyncHdr>')]);
    // The same with the namespace declared on the tag itself, as before.
    expect(refused(msg().replace('<SyncHdr>', '<SyncHdr xmlns="syncml:metinf">')).reason).toBe('<SyncHdr> is in the MetInf namespace, expected SyncML');
  });

  it('a whole SyncBody under a MetInf prefix', () => {
    const body = '<m:SyncBody><m:Alert><m:CmdID>1</m:CmdID><m:Data>1201</m:Data></m:Alert></m:SyncBody>';
    const doc = `<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:m="syncml:metinf">${HDR}${body}</SyncML>`;
    expect(refused(doc).reason).toBe('<SyncBody> is in the MetInf namespace, expected SyncML');
  });

  it('but MetInf elements under a MetInf prefix bound on an ancestor are read', () => {
    const doc = item('x', '<Meta><m:Type>t</m:Type></Meta>').replace('<SyncML xmlns="SYNCML:SYNCML1.2"', '<SyncML xmlns="SYNCML:SYNCML1.2" xmlns:m="syncml:metinf"');
    expect(decodeXml(doc).syncBody.commands[0]).toMatchObject({ items: [{ meta: { type: 't' } }] });
  });

  it('a prefix that is not an NCName', () => {
    expect(refused(msg(ALERT, 'SYNCML:SYNCML1.2', ' xmlns:1="SYNCML:SYNCML1.2"')).reason).toBe('namespace prefix "1" is not an NCName');
    expect(refused(msg(ALERT, 'SYNCML:SYNCML1.2', ' xmlns:a:b="SYNCML:SYNCML1.2"')).reason).toBe('namespace prefix "a:b" is not an NCName');
  });

  it('a prefix bound to no namespace', () => {
    expect(refused(msg(ALERT, 'SYNCML:SYNCML1.2', ' xmlns:m=""')).reason).toBe('prefix "m" bound to no namespace (xmlns:m="" is not allowed)');
  });

  it('an element name with two colons', () => {
    const doc = msg(ALERT + '<m:x:Final/>', 'SYNCML:SYNCML1.2', ' xmlns:m="SYNCML:SYNCML1.2"');
    expect(refused(doc).reason).toBe('<m:x:Final> is not a well-formed element name');
  });
});
