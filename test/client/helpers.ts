/** Shared by the client tests: a clock that only moves when told, and a small tree. */
import { ManagementTree, type TreeLimits } from '../../src/client/tree/tree.js';
import type { Clock } from '../../src/client/tree/node.js';

export class StepClock implements Clock {
  constructor(private ms = Date.UTC(2026, 0, 2, 3, 4, 5)) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** ./A (Get=*&Replace=srv1) with leaves ./A/x (int) and ./A/y (chr), ./B open to srv2. */
export function sampleTree(limits: Partial<TreeLimits> = {}): ManagementTree {
  const tree = new ManagementTree({ clock: new StepClock(), limits, rootAcl: 'Add=*&Get=*&Replace=*&Delete=*&Exec=*' });
  tree.set('./A', { format: 'node', acl: 'Add=srv1&Get=*&Replace=srv1&Delete=srv1' });
  tree.set('./A/x', { format: 'int', value: '42' });
  tree.set('./A/y', { format: 'chr', value: 'hello', type: 'text/plain' });
  tree.set('./B', { format: 'node', acl: 'Add=srv2&Get=srv2&Replace=srv2&Delete=srv2&Exec=srv2' });
  tree.takeChanges();
  return tree;
}
