import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../../src/client/executor/executor.js';
import { ExecRegistry } from '../../src/client/executor/exec-handlers.js';
import { FileTreeStore } from '../../src/client/store/file-store.js';
import type { TreeStore } from '../../src/client/store/store.js';
import { ManagementTree } from '../../src/client/tree/tree.js';
import type { AtomicCommand, SyncBodyCommand } from '../../generated/types.js';
import { c, codes } from './commands.js';
import { StepClock, sampleTree } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'omadm-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(tree: ManagementTree, commands: SyncBodyCommand[], server = 'srv1', exec?: ExecRegistry) {
  return new CommandExecutor({ tree, ...(exec ? { exec } : {}) }).runPackage(commands, server);
}

describe('Atomic (DM-PRO-C-006)', () => {
  it('applies all of its commands when all succeed: 200 for it and each', async () => {
    const tree = sampleTree();
    expect(codes(await run(tree, [c.atomic(c.add('./A/a', '1'), c.replace('./A/x', '7'), c.delete('./A/y'))]))).toEqual(['Atomic:200', 'Add:201', 'Replace:200', 'Delete:200']);
    expect(tree.value('./A/x')).toBe('7');
  });

  it('rolls back when one fails: 507 for it, 216 for what ran, the failure, 215 for what did not run; the tree is byte-identical', async () => {
    const tree = sampleTree();
    const before = JSON.stringify(tree.image());
    const answers = await run(tree, [c.atomic(c.add('./A/a', '1'), c.replace('./A/x', '7'), c.delete('./nope'), c.add('./A/b', '2'))]);
    expect(codes(answers)).toEqual(['Atomic:507', 'Add:216', 'Replace:216', 'Delete:404', 'Add:215']);
    expect(JSON.stringify(tree.image())).toBe(before);
  });

  it('holds no Get and no Atomic in DM: 406, which fails it', async () => {
    const tree = sampleTree();
    expect(codes(await run(tree, [c.atomic(c.add('./A/a', '1'), c.get('./A'))]))).toEqual(['Atomic:507', 'Add:216', 'Get:406']);
    expect(codes(await run(tree, [c.atomic(c.atomic(c.add('./A/a', '1')))]))).toEqual(['Atomic:507', 'Atomic:406', 'Add:215']);
    expect(tree.record('./A/a')).toBeUndefined();
  });

  it('a Sequence inside fails it when the Sequence stops; an Exec that ran cannot be undone (516)', async () => {
    const tree = sampleTree();
    tree.set('./A/run', { value: '' });
    const exec = new ExecRegistry().register('./A/run', () => ({ status: 200 }));
    tree.set('.', { format: 'node', acl: 'Add=*&Get=*&Exec=*&Replace=*&Delete=*' });
    tree.set('./A', { format: 'node', acl: 'Add=srv1&Get=*&Replace=srv1&Delete=srv1&Exec=srv1' });
    const answers = await run(tree, [c.atomic(c.add('./A/a', '1'), c.sequence(c.exec('./A/run'), c.replace('./nope', '1')))], 'srv1', exec);
    expect(codes(answers)).toEqual(['Atomic:516', 'Add:216', 'Sequence:200', 'Exec:200', 'Replace:404']);
    expect(tree.record('./A/a')).toBeUndefined();
  });

  it('property: an Atomic applies all of its commands or leaves the tree byte-identical', async () => {
    const uri = fc.constantFrom('./A/x', './A/y', './A/n', './A/n/m', './B/z', './A', './C/d');
    const cmd: fc.Arbitrary<AtomicCommand> = fc.oneof(
      fc.tuple(uri, fc.constantFrom('1', 'x', ''), fc.constantFrom('int', 'chr', 'node', undefined)).map(([u, d, f]) => c.add(u, d, f)),
      fc.tuple(uri, fc.constantFrom('2', 'y')).map(([u, d]) => c.replace(u, d)),
      uri.map((u) => c.delete(u)),
      fc.tuple(uri, uri).map(([a, b]) => c.copy(a, b)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 6 }), fc.constantFrom('srv1', 'srv2'), async (commands, server) => {
        const tree = sampleTree();
        const before = JSON.stringify(tree.image());
        // The same commands one by one, outside an Atomic, on a copy.
        const reference = new ManagementTree({ clock: new StepClock(), image: tree.image() });
        const alone = await run(reference, commands as SyncBodyCommand[], server);
        const answers = await run(tree, [c.atomic(...commands)], server);
        if (alone.every((a) => a.status < 300)) {
          expect(answers[0]!.status).toBe(200);
          expect(JSON.stringify(tree.image())).toBe(JSON.stringify(reference.image()));
        } else {
          expect(answers[0]!.status).toBe(507);
          expect(JSON.stringify(tree.image())).toBe(before);
          expect(answers.slice(1).every((a) => a.status === 216 || a.status === 215 || a.status >= 300)).toBe(true);
        }
      }),
    );
  });
});

describe('Atomic and crashes (persistence)', () => {
  let n = 0;
  const fresh = (): { path: string; tree: ManagementTree; store: FileTreeStore } => {
    const path = join(dir, `tree-${n++}.json`);
    const tree = sampleTree();
    const store = new FileTreeStore(path);
    store.commit({ put: tree.image().nodes, remove: [] });
    return { path, tree, store };
  };
  const reopen = (store: TreeStore): string => JSON.stringify(new ManagementTree({ clock: new StepClock(), image: store.load()! }).image());

  it('property: a process that dies at any step of an Atomic leaves the stored tree as before it', async () => {
    const cmd: fc.Arbitrary<AtomicCommand> = fc.oneof(
      fc.constantFrom('./A/p', './A/q', './A/n/m').map((u) => c.add(u, '1')),
      fc.constantFrom('./A/x', './A/y').map((u) => c.replace(u, '3')),
      fc.constantFrom('./A/y').map((u) => c.delete(u)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 5 }), async (commands) => {
        for (let k = 0; k <= commands.length; k++) {
          const { tree, store, path } = fresh();
          tree.set('./A/hang', { value: '' });
          tree.set('./A', { format: 'node', acl: 'Add=srv1&Get=*&Replace=srv1&Delete=srv1&Exec=srv1' });
          store.commit(tree.takeChanges());
          const before = reopen(new FileTreeStore(path));
          // Step k is an Exec that never returns: the process dies there.
          const exec = new ExecRegistry().register('./A/hang', () => new Promise(() => {}));
          const steps = [...commands.slice(0, k), c.exec('./A/hang'), ...commands.slice(k)];
          void new CommandExecutor({ tree, exec, commit: (ch) => store.commit(ch) }).runPackage([c.atomic(...steps)], 'srv1');
          await new Promise((r) => setImmediate(r));
          expect(reopen(new FileTreeStore(path))).toBe(before);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a file store commit that dies at any step leaves the old tree or the new one, never a mix', async () => {
    for (const step of ['serialize', 'write', 'write-half', 'fsync', 'rename', 'none']) {
      const { tree, path } = fresh();
      const before = reopen(new FileTreeStore(path));
      const store = new FileTreeStore(path, (s) => {
        if (s === step) throw new Error(`crash at ${s}`);
      });
      const commit = () => new CommandExecutor({ tree, commit: (ch) => store.commit(ch) }).runPackage([c.atomic(c.add('./A/p', '1'), c.replace('./A/x', '9'), c.delete('./A/y'))], 'srv1');
      if (step === 'none') {
        await commit();
        const after = reopen(new FileTreeStore(path));
        expect(after).toBe(JSON.stringify(tree.image()));
        expect(after).not.toBe(before);
      } else {
        await expect(commit()).rejects.toThrow(`crash at ${step}`);
        expect(reopen(new FileTreeStore(path)), step).toBe(before);
      }
    }
  });
});

describe('Sequence (DM-PRO-C-006)', () => {
  it('runs in order and stops at the first failure: the rest answer 215, the Sequence 200', async () => {
    const tree = sampleTree();
    const answers = await run(tree, [c.sequence(c.add('./A/a', '1'), c.replace('./nope', '1'), c.add('./A/b', '1')), c.add('./A/c', '1')]);
    expect(codes(answers)).toEqual(['Sequence:200', 'Add:201', 'Replace:404', 'Add:215', 'Add:201']);
    expect(tree.record('./A/a')).toBeDefined();
    expect(tree.record('./A/b')).toBeUndefined();
  });

  it('order matters: a Sequence adding then replacing then reading', async () => {
    const tree = sampleTree();
    const answers = await run(tree, [c.sequence(c.add('./A/s', '1', 'int'), c.replace('./A/s', '2'), c.get('./A/s'))]);
    expect(codes(answers)).toEqual(['Sequence:200', 'Add:201', 'Replace:200', 'Get:200']);
    expect(answers[3]!.results!.items[0]!.data).toBe('2');
  });
});
