/**
 * generated/command-helpers.ts (codegen/emit/command-helpers.ts): what the session layer
 * reads of a command's shape, emitted from the model. Checked against the typed commands.
 */
import { describe, expect, it } from 'vitest';
import { carriesItems, hasNoResp, isResponse, itemsOf, nestedCommands, withItems } from '../../generated/command-helpers.js';
import { emitCommandHelpers } from '../../codegen/emit/command-helpers.js';
import { loadModel } from '../../codegen/main.js';
import { Output } from '../../codegen/output.js';
import type { Item } from '../../generated/types.js';

const item: Item = { target: { locURI: './a' }, data: 'x' };

describe('command helpers, from the model', () => {
  it('itemsOf reads Item lists and the single Item of Exec; none for containers', () => {
    expect(itemsOf({ kind: 'Replace', cmdID: '1', items: [item, item] })).toHaveLength(2);
    expect(itemsOf({ kind: 'Exec', cmdID: '1', item })).toEqual([item]);
    expect(itemsOf({ kind: 'Atomic', cmdID: '1', commands: [{ kind: 'Add', cmdID: '2', items: [item] }] })).toEqual([]);
    expect(carriesItems({ kind: 'Exec', item })).toBe(true);
    expect(carriesItems({ kind: 'Sequence', commands: [] as never })).toBe(false);
  });

  it('withItems copies a command with other items, and refuses what cannot hold them', () => {
    const d = { kind: 'Add' as const, items: [item] as [Item] };
    const copy = withItems(d, [item, item]);
    expect(copy.items).toHaveLength(2);
    expect(d.items).toHaveLength(1);
    expect(withItems({ kind: 'Exec', item }, [{ ...item, data: 'y' }])).toEqual({ kind: 'Exec', item: { ...item, data: 'y' } });
    expect(() => withItems({ kind: 'Exec', item }, [item, item])).toThrow(RangeError);
    expect(() => withItems({ kind: 'Atomic', commands: [] as never }, [item])).toThrow(RangeError);
  });

  it('nestedCommands, hasNoResp and isResponse', () => {
    const add = { kind: 'Add' as const, cmdID: '2', noResp: true, items: [item] as [Item] };
    expect(nestedCommands({ kind: 'Sequence', cmdID: '1', commands: [add] })).toEqual([add]);
    expect(nestedCommands({ kind: 'Sync', cmdID: '1', commands: [] })).toEqual([]);
    expect(nestedCommands(add)).toEqual([]);
    expect(hasNoResp(add)).toBe(true);
    expect(hasNoResp({ kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '1', cmd: 'Add', targetRefs: [], sourceRefs: [], data: '200', items: [] })).toBe(false);
    expect(isResponse({ kind: 'Results', cmdID: '1', cmdRef: '2', targetRefs: [], sourceRefs: [], items: [item] })).toBe(true);
    expect(isResponse(add)).toBe(false);
  });

  it('the emitter derives each case from the model: Item fields, containers, NoResp and CmdRef', () => {
    const out = new Output();
    emitCommandHelpers(loadModel(), out);
    const text = out.render().get('command-helpers.ts')!;
    expect(text).toMatch(/case 'Exec':\n\s+return \[command\.item\];/);
    expect(text).toMatch(/case 'Atomic':\n\s+case 'Sequence':\n\s+case 'Sync':\n\s+return command\.commands \?\? \[\];/);
    expect(text).toMatch(/case 'Status':\n\s+case 'Results':\n\s+return true;/);
  });
});
