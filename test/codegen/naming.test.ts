import { describe, expect, it } from 'vitest';
import { fieldName, pluralize, typeNameOf } from '../../codegen/naming.js';

describe('naming', () => {
  it.each([
    ['LocURI', 'locURI'],
    ['EMI', 'emi'],
    ['SyncHdr', 'syncHdr'],
    ['VerDTD', 'verDTD'],
    ['CmdID', 'cmdID'],
    ['URLPath', 'urlPath'],
    ['Final', 'final'],
  ])('field of <%s> is %s', (element, want) => expect(fieldName(element)).toBe(want));

  it.each([
    ['item', 'items'],
    ['status', 'statuses'],
    ['targetRef', 'targetRefs'],
    ['emi', 'emis'],
  ])('plural of %s is %s', (name, want) => expect(pluralize(name)).toBe(want));

  it('renames types that would hide a JavaScript global', () => {
    expect(typeNameOf('Map')).toBe('MapElement');
    expect(typeNameOf('Record')).toBe('RecordElement');
    expect(typeNameOf('Item')).toBe('Item');
  });
});
