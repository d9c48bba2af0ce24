import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { elementArbitrary } from '../../generated/arbitraries.js';
import { isStatusCode } from '../../generated/codes.js';
import type { SyncBodyCommand } from '../../generated/types.js';
import { CommandExecutor } from '../../src/client/executor/executor.js';
import { ExecRegistry } from '../../src/client/executor/exec-handlers.js';
import { autoAnswer } from '../../src/client/ui/auto.js';
import { createUiRunner } from '../../src/client/ui/runner.js';
import { sampleTree } from './helpers.js';

/** Texts a hostile server would try: tree URIs, odd URIs, formats, alert codes, ACLs, noise. */
const text = () =>
  fc.oneof(
    fc.constantFrom('./A/x', './A', '.', './B', './B/z', './A/x?prop=ACL', './A?list=Struct', './A/../B', './A/', `./${'d/'.repeat(40)}d`, '%2F', './A/y?prop=Name'),
    fc.constantFrom('node', 'int', 'chr', 'b64', 'bool', 'xml', '1', 'true', '<a/>', 'Get=*', 'Replace=srv2&Get=*', '1100', '1101', '1102', '1103', '1104', '1226', '1223', 'MAXDT=1&DR=1'),
    fc.string({ maxLength: 12 }),
  );

function walk(c: SyncBodyCommand): SyncBodyCommand[] {
  if (c.kind === 'Status' || c.kind === 'Results') return [];
  return [c, ...((c as { commands?: SyncBodyCommand[] }).commands ?? []).flatMap(walk)];
}

describe('a hostile server cannot crash the client or write outside its rights', () => {
  it('property: any SyncML commands get exactly one known status each, and ./A (closed to srv2) stays as it was', async () => {
    const body = elementArbitrary('SyncBody', { profile: 'syncml', maxDepth: 3, maxItems: 3, text });
    await fc.assert(
      fc.asyncProperty(body, async ({ commands }) => {
        const tree = sampleTree();
        // Nobody but srv1 may change ./A or its ACL (TND: that takes Replace on the root).
        tree.set('.', { format: 'node', acl: 'Add=*&Get=*&Exec=*' });
        const exec = new ExecRegistry().register('./B', () => ({ status: 200 }));
        const ex = new CommandExecutor({ tree, exec, ui: createUiRunner(autoAnswer(), undefined, { minDisplayTime: false }) });
        const closed = JSON.stringify(tree.get('./A?list=StructData', undefined));
        const answers = await ex.runPackage(commands, 'srv2');
        const expected = commands.flatMap(walk);
        expect(answers.map((a) => a.command)).toEqual(expect.arrayContaining(expected));
        expect(answers).toHaveLength(expected.length);
        for (const a of answers) expect(isStatusCode(a.status), `${a.command.kind} ${a.status}`).toBe(true);
        expect(JSON.stringify(tree.get('./A?list=StructData', undefined))).toBe(closed);
      }),
      { numRuns: 200 },
    );
  });
});
