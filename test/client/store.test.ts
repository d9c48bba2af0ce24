import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../../src/client/executor/executor.js';
import { FileTreeStore } from '../../src/client/store/file-store.js';
import { SqliteTreeDatabase } from '../../src/client/store/sqlite-store.js';
import type { TreeStore } from '../../src/client/store/store.js';
import { isTreeError } from '../../src/client/tree/errors.js';
import { ManagementTree } from '../../src/client/tree/tree.js';
import type { AtomicCommand } from '../../generated/types.js';
import { c } from './commands.js';
import { StepClock, sampleTree } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'omadm-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const imageOf = (store: TreeStore): string => JSON.stringify(new ManagementTree({ clock: new StepClock(), image: store.load()! }).image());

describe('tree stores: one interface, file and SQLite', () => {
  const backends: [string, () => { open: (fault?: (s: string) => void) => TreeStore; done: () => void }][] = [
    ['file', () => {
      const path = join(dir, `t-${Math.random().toString(36).slice(2)}.json`);
      return { open: (fault) => new FileTreeStore(path, fault), done: () => {} };
    }],
    ['sqlite', () => {
      const db = new SqliteTreeDatabase(join(dir, `t-${Math.random().toString(36).slice(2)}.db`));
      return { open: (fault) => db.device('dev-1', fault), done: () => db.close() };
    }],
  ];

  for (const [name, make] of backends) {
    it(`${name}: nothing stored reads as undefined; commits read back as the same tree`, async () => {
      const b = make();
      const store = b.open();
      expect(store.load()).toBeUndefined();
      const tree = sampleTree();
      store.commit({ put: tree.image().nodes, remove: [] });
      await new CommandExecutor({ tree, commit: (ch) => store.commit(ch) }).runPackage([c.add('./A/n', '1'), c.delete('./A/y'), c.replace('./A/x', '5')], 'srv1');
      expect(imageOf(b.open())).toBe(JSON.stringify(tree.image()));
      b.done();
    });

    it(`${name}: property: a commit that dies at any step of an Atomic leaves the tree as before it`, async () => {
      const cmd: fc.Arbitrary<AtomicCommand> = fc.oneof(
        fc.constantFrom('./A/p', './A/q/r').map((u) => c.add(u, '1')),
        fc.constantFrom('./A/x', './A/y').map((u) => c.replace(u, '3')),
        fc.constant(c.delete('./A/y')),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 4 }), fc.nat(12), async (commands, at) => {
          const b = make();
          const tree = sampleTree();
          b.open().commit({ put: tree.image().nodes, remove: [] });
          const before = imageOf(b.open());
          let step = 0;
          let crashed = false;
          const store = b.open((s) => {
            if (step++ === at) {
              crashed = true;
              throw new Error(`crash at ${s}`);
            }
          });
          const answers = await new CommandExecutor({ tree, commit: (ch) => store.commit(ch) }).runPackage([c.atomic(...commands)], 'srv1').catch(() => undefined);
          const after = imageOf(b.open());
          if (crashed) expect(after).toBe(before);
          else expect(after).toBe(answers![0]!.status === 200 ? JSON.stringify(tree.image()) : before);
          b.done();
        }),
        { numRuns: 40 },
      );
    });
  }

  it('sqlite: many devices in one database, each its own tree', () => {
    const db = new SqliteTreeDatabase(join(dir, 'fleet.db'));
    for (let i = 0; i < 50; i++) {
      const tree = sampleTree();
      tree.set('./A/id', { value: `dev-${i}` });
      db.device(`dev-${i}`).commit({ put: tree.image().nodes, remove: [] });
    }
    expect(db.devices()).toHaveLength(50);
    const t7 = new ManagementTree({ clock: new StepClock(), image: db.device('dev-7').load()! });
    expect(t7.value('./A/id')).toBe('dev-7');
    db.close();
  });

  it('a damaged file is refused with a typed error (510), not a crash', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"version":1,"nodes":[[');
    let status: number | undefined;
    try {
      new FileTreeStore(path).load();
    } catch (e) {
      if (isTreeError(e)) status = e.status;
    }
    expect(status).toBe(510);
  });
});
