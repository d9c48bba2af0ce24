import { describe, expect, it } from 'vitest';
import { ModelError } from '../../codegen/model.js';
import { loadModel } from '../../codegen/main.js';
import { tinyModel } from '../helpers/tiny-model.js';

describe('model', () => {
  it('normalizes a content model into particles with fields', () => {
    const m = tinyModel('<!ELEMENT R (A, B?, C*, D+)><!ELEMENT A (#PCDATA)><!ELEMENT B EMPTY><!ELEMENT C (A)><!ELEMENT D (#PCDATA)>');
    expect(m.byName.get('R')!.content).toEqual({
      kind: 'sequence',
      particles: [
        { kind: 'element', element: 'A', min: 1, max: 1, field: 'a' },
        { kind: 'element', element: 'B', min: 0, max: 1, field: 'b' },
        { kind: 'element', element: 'C', min: 0, max: Infinity, field: 'cs' },
        { kind: 'element', element: 'D', min: 1, max: Infinity, field: 'ds' },
      ],
    });
    expect(m.root.name).toBe('R');
  });

  it('splices nested single sequences and names repeated choices from the table', () => {
    const m = tinyModel('<!ELEMENT R (A, ((X | Y) | Z)+)><!ELEMENT A EMPTY><!ELEMENT X (A)><!ELEMENT Y (A)><!ELEMENT Z (A)>', {
      choiceFields: [['R', 1, 'commands']],
    });
    expect(m.byName.get('R')!.content).toEqual({
      kind: 'sequence',
      particles: [
        { kind: 'element', element: 'A', min: 1, max: 1, field: 'a' },
        { kind: 'choice', elements: ['X', 'Y', 'Z'], min: 1, max: Infinity, field: 'commands', union: 'RCommand' },
      ],
    });
    expect(['X', 'Y', 'Z'].map((n) => m.byName.get(n)!.tagged)).toEqual([true, true, true]);
    expect(m.byName.get('A')!.tagged).toBe(false);
  });

  it('finds recursion, in all of SyncML and in the DM profile', () => {
    const m = loadModel();
    const rec = (n: string) => [m.byName.get(n)!.recursive, m.byName.get(n)!.recursiveInDm];
    expect(rec('Atomic')).toEqual([true, true]);
    expect(rec('Item')).toEqual([true, false]); // only through DS filters
    expect(rec('Add')).toEqual([false, false]);
  });

  it.each([
    ['a repeated sequence', '<!ELEMENT R (A, B)*><!ELEMENT A EMPTY><!ELEMENT B EMPTY>', /repeated or optional sequence/],
    ['an ambiguous model', '<!ELEMENT R (A?, A)><!ELEMENT A EMPTY>', /appears in two places/],
    ['an undeclared child', '<!ELEMENT R (A, Q)><!ELEMENT A EMPTY>', /<Q> is used .* never declared/],
    ['a choice without a field name', '<!ELEMENT R (A | B)+><!ELEMENT A (B)><!ELEMENT B EMPTY>', /no field name for choice group 1 of <R>/],
    ['ANY content', '<!ELEMENT R ANY>', /ANY content/],
  ])('refuses %s', (_, dtd, reason) => {
    expect(() => tinyModel(dtd)).toThrow(ModelError);
    expect(() => tinyModel(dtd)).toThrow(reason);
  });

  it('reads the real schemas: every SyncML and MetInf element, DM subset, codes', () => {
    const m = loadModel();
    expect(m.vocabularies.map((v) => [v.name, v.page, v.root])).toEqual([
      ['SyncML', 0, 'SyncML'],
      ['MetInf', 1, 'MetInf'],
    ]);
    expect(m.elements.filter((e) => e.vocabulary.name === 'SyncML')).toHaveLength(55);
    expect(m.elements.filter((e) => e.vocabulary.name === 'MetInf')).toHaveLength(18);
    expect(m.elements.filter((e) => !e.dm).map((e) => e.name).sort()).toEqual(
      ['Archive', 'Field', 'Filter', 'FilterType', 'Map', 'MapItem', 'Move', 'NoResults', 'NumberOfChanges', 'Put', 'Record', 'Search', 'SftDel', 'SourceParent', 'Sync', 'TargetParent'].sort(),
    );
    expect(m.byName.get('Meta')!.content).toEqual({ kind: 'embedded', holds: 'MetInf' });
    expect(m.byName.get('Data')!.content).toEqual({ kind: 'text', inlineMarkup: true });
    expect(m.byName.get('Correlator')!.wbxmlToken).toBe(0x3c);
    expect(m.byName.get('FieldLevel')!.wbxmlToken).toBe(0x16);
    expect(m.statusCodes.find((c) => c.code === 213)!.name).toBe('ChunkedItemAccepted');
  });
});
