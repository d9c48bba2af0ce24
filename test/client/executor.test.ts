import { describe, expect, it } from 'vitest';
import { CommandExecutor } from '../../src/client/executor/executor.js';
import { ExecRegistry } from '../../src/client/executor/exec-handlers.js';
import type { SyncBodyCommand } from '../../generated/types.js';
import { c, codes } from './commands.js';
import { sampleTree } from './helpers.js';

function setup(exec = new ExecRegistry()) {
  const tree = sampleTree();
  const commits: number[] = [];
  const executor = new CommandExecutor({ tree, exec, commit: (ch) => commits.push(ch.put.length + ch.remove.length) });
  return { tree, executor, commits };
}

describe('command execution (DM-PRO-C-006, DM-PRO-C-008, DM-PRO-C-009)', () => {
  it('DM-PRO-C-008: every command gets its Status, and a Get its Results', async () => {
    const { executor } = setup();
    const answers = await executor.runPackage([c.add('./A/n', '5', 'int'), c.replace('./A/n', '6'), c.get('./A/n', './A'), c.copy('./A/m', './A/n'), c.delete('./A/m')], 'srv1');
    expect(codes(answers)).toEqual(['Add:201', 'Replace:200', 'Get:200', 'Copy:201', 'Delete:200']);
    expect(answers[2]!.results!.items).toEqual([
      { source: { locURI: './A/n' }, meta: { format: 'int', emis: [] }, data: '6' },
      { source: { locURI: './A' }, meta: { format: 'node', emis: [] }, data: 'x/y/n' },
    ]);
  });

  it('DM-PRO-C-009: statuses per outcome: 404, 405, 418, 425, 414, 400, 415', async () => {
    const { executor } = setup();
    const answers = await executor.runPackage(
      [c.get('./nope'), c.delete('.'), c.add('./A/x', '1'), c.get('./B'), c.get(`./A/${'a'.repeat(200)}`), c.add('./A/bad', 'x', 'int'), c.add('./A/u', 'x', 'mp3')],
      'srv1',
    );
    expect(codes(answers)).toEqual(['Get:404', 'Delete:405', 'Add:418', 'Get:425', 'Get:414', 'Add:400', 'Add:415']);
    expect(answers.every((a) => a.reason !== undefined)).toBe(true);
  });

  it('DM-PRO-C-009: a command whose items do not all succeed changes nothing', async () => {
    const { executor, tree } = setup();
    const before = JSON.stringify(tree.image());
    const add: SyncBodyCommand = { kind: 'Add', cmdID: '9', items: [{ target: { locURI: './A/p' }, data: '1' }, { target: { locURI: './A/x' }, data: '1' }] };
    expect(codes(await executor.runPackage([add], 'srv1'))).toEqual(['Add:418']);
    expect(JSON.stringify(tree.image())).toBe(before);
  });

  it('DM-PRO-C-009: commands outside DM answer 406, what they hold 215', async () => {
    const { executor } = setup();
    const sync: SyncBodyCommand = { kind: 'Sync', cmdID: '1', commands: [c.add('./A/s', '1')] };
    const put: SyncBodyCommand = { kind: 'Put', cmdID: '3', items: [{ source: { locURI: './devinf12' } }] };
    const search: SyncBodyCommand = { kind: 'Search', cmdID: '4', sources: [{ locURI: './x' }], meta: { emis: [] }, data: 'q' };
    const move: SyncBodyCommand = { kind: 'Move', cmdID: '5', items: [{ target: { locURI: './A/x' } }] };
    const map: SyncBodyCommand = { kind: 'Map', cmdID: '6', target: { locURI: 'a' }, source: { locURI: 'b' }, mapItems: [{ target: { locURI: 'a' }, source: { locURI: 'b' } }] };
    expect(codes(await executor.runPackage([sync, put, search, move, map], 'srv1'))).toEqual(['Sync:406', 'Add:215', 'Put:406', 'Search:406', 'Move:406', 'Map:406']);
  });

  it('commits the tree after each top-level command, never inside one', async () => {
    const { executor, commits } = setup();
    await executor.runPackage([c.add('./A/a1', '1'), c.atomic(c.add('./A/a2', '1'), c.add('./A/a3', '1')), c.get('./A')], 'srv1');
    expect(commits).toEqual([2, 3, 0]);
  });
});

describe('Exec (DM-PRO-C-006) and Generic Alert (DM-PRO-C-010, DM-PRO-C-011)', () => {
  it('DM-PRO-C-006: Exec runs the registered handler; no handler 405; no Exec right 425', async () => {
    const exec = new ExecRegistry().register('./B', (r) => ({ status: r.data === 'go' ? 200 : 500 }));
    const { executor } = setup(exec);
    expect(codes(await executor.runPackage([c.exec('./B', undefined, 'go'), c.exec('./B', undefined, 'stop')], 'srv2'))).toEqual(['Exec:200', 'Exec:500']);
    expect(codes(await executor.runPackage([c.exec('./A/x'), c.exec('./B')], 'srv1'))).toEqual(['Exec:425', 'Exec:425']);
    exec.register('./B', () => {
      throw new Error('boom');
    });
    expect(codes(await executor.runPackage([c.exec('./B'), c.exec('./B/none')], 'srv2'))).toEqual(['Exec:500', 'Exec:404']);
    const none = setup();
    expect(codes(await none.executor.runPackage([c.exec('./B')], 'srv2'))).toEqual(['Exec:405']);
  });

  it('DM-PRO-GAlert-C-004, DM-PRO-GAlert-C-001, DM-PRO-GAlert-C-003: an asynchronous Exec answers 202, then a Generic Alert with its Correlator and the object URI', async () => {
    let finish!: (v: { type: string; data: string }) => void;
    const exec = new ExecRegistry().register('./B', () => ({ accepted: new Promise((r) => (finish = r)) }));
    const { executor } = setup(exec);
    expect(codes(await executor.runPackage([c.exec('./B', 'corr-77')], 'srv2'))).toEqual(['Exec:202']);
    expect(executor.takeAlerts()).toEqual([]);
    finish({ type: 'urn:oma:at:fumo:1.0:downloadandupdate', data: '200' });
    await executor.settled();
    expect(executor.takeAlerts()).toEqual([
      {
        kind: 'Alert',
        data: '1226',
        correlator: 'corr-77',
        items: [{ source: { locURI: './B' }, meta: { type: 'urn:oma:at:fumo:1.0:downloadandupdate', format: 'chr', emis: [] }, data: '200' }],
      },
    ]);
  });
});
