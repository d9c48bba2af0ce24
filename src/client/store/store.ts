/**
 * Where a device's management tree (and with it its DMAcc accounts) survives restarts.
 * One interface, two backends: a file per device (file-store.ts) and SQLite for many
 * simulated devices in one database (sqlite-store.ts).
 *
 * The one rule: `commit` is atomic. Either every change of the call is stored or none is,
 * whatever happens part way (the process dies, the disk fills). The executor commits
 * between top-level commands only, so a store never holds half an Atomic.
 */
import type { TreeChanges, TreeImage } from '../tree/tree.js';

export interface TreeStore {
  /** The stored tree, or undefined when nothing was stored yet. */
  load(): TreeImage | undefined;
  /** Stores the changes, all or nothing. */
  commit(changes: TreeChanges): void;
  close(): void;
}

/**
 * Test hook of the stores: called before each step of a commit with the step's name;
 * throwing from it is the process dying right there.
 */
export type FaultPoint = (step: string) => void;
