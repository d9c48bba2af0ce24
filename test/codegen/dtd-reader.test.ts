import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDtdText, readDtd, DtdSyntaxError, type ContentSpec } from '../../codegen/dtd-reader.js';

const contentOf = (dtd: string, name: string): ContentSpec => parseDtdText(dtd).elements.find((e) => e.name === name)!.content;

describe('DTD reader', () => {
  const cases: [string, { given: string; element: string; want: ContentSpec }][] = [
    ['EMPTY', { given: '<!ELEMENT Final EMPTY>', element: 'Final', want: { kind: 'empty' } }],
    ['ANY', { given: '<!ELEMENT X ANY>', element: 'X', want: { kind: 'any' } }],
    ['#PCDATA', { given: '<!ELEMENT CmdID (#PCDATA)>', element: 'CmdID', want: { kind: 'mixed', names: [] } }],
    ['mixed content', { given: '<!ELEMENT Meta (#PCDATA | Type | Format)*>', element: 'Meta', want: { kind: 'mixed', names: ['Type', 'Format'] } }],
    [
      'sequence with occurrences',
      {
        given: '<!ELEMENT Item (Target?, Source*, Data+, MoreData)>',
        element: 'Item',
        want: {
          kind: 'children',
          particle: {
            kind: 'seq',
            occurs: '',
            items: [
              { kind: 'name', name: 'Target', occurs: '?' },
              { kind: 'name', name: 'Source', occurs: '*' },
              { kind: 'name', name: 'Data', occurs: '+' },
              { kind: 'name', name: 'MoreData', occurs: '' },
            ],
          },
        },
      },
    ],
    [
      'nested groups',
      {
        given: '<!ELEMENT A (B, (C | (D, E)?)*)+>',
        element: 'A',
        want: {
          kind: 'children',
          particle: {
            kind: 'seq',
            occurs: '+',
            items: [
              { kind: 'name', name: 'B', occurs: '' },
              {
                kind: 'choice',
                occurs: '*',
                items: [
                  { kind: 'name', name: 'C', occurs: '' },
                  { kind: 'seq', occurs: '?', items: [{ kind: 'name', name: 'D', occurs: '' }, { kind: 'name', name: 'E', occurs: '' }] },
                ],
              },
            ],
          },
        },
      },
    ],
    [
      'parameter entities inside a content model',
      {
        given: '<!ENTITY % head "CmdID, NoResp?"><!ENTITY % cmd "%head;, Item+"><!ELEMENT Add (%cmd;)>',
        element: 'Add',
        want: {
          kind: 'children',
          particle: {
            kind: 'seq',
            occurs: '',
            items: [
              { kind: 'name', name: 'CmdID', occurs: '' },
              { kind: 'name', name: 'NoResp', occurs: '?' },
              { kind: 'name', name: 'Item', occurs: '+' },
            ],
          },
        },
      },
    ],
  ];
  it.each(cases)('%s', (_, { given, element, want }) => {
    expect(contentOf(given, element)).toEqual(want);
  });

  it('skips comments and keeps the one before a declaration as its doc', () => {
    const dtd = parseDtdText('<!-- not this --><!ELEMENT A EMPTY>\n<!-- the B\n element -->\n<!ELEMENT B EMPTY>');
    expect(dtd.elements.map((e) => [e.name, e.doc])).toEqual([
      ['A', 'not this'],
      ['B', 'the B element'],
    ]);
  });

  it('reads attribute lists with every kind of default', () => {
    const dtd = parseDtdText(
      `<!ENTITY % ns "xmlns CDATA #IMPLIED"><!ELEMENT A EMPTY><!ATTLIST A %ns; id ID #REQUIRED kind (a|b) "a" v CDATA #FIXED 'x'>`,
    );
    expect(dtd.attributes.get('A')).toEqual([
      { name: 'xmlns', type: 'CDATA', presence: '#IMPLIED' },
      { name: 'id', type: 'ID', presence: '#REQUIRED' },
      { name: 'kind', type: 'enum', values: ['a', 'b'], presence: 'default', defaultValue: 'a' },
      { name: 'v', type: 'CDATA', presence: '#FIXED', defaultValue: 'x' },
    ]);
  });

  it('includes INCLUDE sections and drops IGNORE ones, also when named by an entity', () => {
    const dtd = parseDtdText(
      '<!ENTITY % on "INCLUDE"><![%on;[<!ELEMENT A EMPTY>]]><![IGNORE[<!ELEMENT B EMPTY><![INCLUDE[<!ELEMENT C EMPTY>]]>]]>',
    );
    expect(dtd.elements.map((e) => e.name)).toEqual(['A']);
  });

  it('follows external parameter entities relative to the including file, first definition winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'omadm-dtd-'));
    writeFileSync(join(dir, 'inner.dtd'), '<!ENTITY % list "B | C"><!ELEMENT B EMPTY><!ELEMENT C EMPTY>');
    writeFileSync(join(dir, 'outer.dtd'), '<!ENTITY % inner SYSTEM "inner.dtd">%inner;<!ENTITY % list "X"><!ELEMENT A (%list;)*>');
    const dtd = readDtd(dir, 'outer.dtd');
    expect(dtd.files).toEqual(['outer.dtd', 'inner.dtd']);
    expect(dtd.elements.map((e) => [e.name, e.file])).toEqual([
      ['B', 'inner.dtd'],
      ['C', 'inner.dtd'],
      ['A', 'outer.dtd'],
    ]);
    expect(dtd.elements[2]!.content).toMatchObject({ particle: { kind: 'choice', occurs: '*' } });
  });

  const errors: [string, string, RegExp][] = [
    ['undefined entity', '<!ELEMENT A (%nope;)>', /undefined parameter entity %nope;/],
    ['mixed separators', '<!ELEMENT A (B, C | D)>', /"," and "\|" mixed/],
    ['unterminated comment', '<!-- oops <!ELEMENT A EMPTY>', /unterminated comment/],
    ['duplicate element', '<!ELEMENT A EMPTY><!ELEMENT A EMPTY>', /declared twice/],
    ['bad mixed content', '<!ELEMENT A (#PCDATA | B)>', /malformed mixed content/],
  ];
  it.each(errors)('refuses %s with file and line', (_, given, reason) => {
    let error: unknown;
    try {
      parseDtdText(`\n${given}`, 'bad.dtd');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DtdSyntaxError);
    expect((error as DtdSyntaxError).message).toMatch(/^bad\.dtd:2: /);
    expect((error as DtdSyntaxError).reason).toMatch(reason);
  });
});
