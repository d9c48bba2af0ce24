import { describe, expect, it } from 'vitest';
import { TreeChangeTracker } from '../../src/client/objects/tree-changes.js';
import { sampleTree } from './helpers.js';

describe('tree change alerts (section 6.8)', () => {
  it('1227 when nothing changed since the server last left, 1228 naming what changed, nothing on a first session', () => {
    const tree = sampleTree();
    const tracker = new TreeChangeTracker();
    expect(tracker.alertFor('srv1', tree)).toBeUndefined();
    tracker.markSynced('srv1', tree);
    expect(tracker.alertFor('srv1', tree)).toEqual({ kind: 'Alert', data: '1227', items: [] });
    tree.set('./A/x', { format: 'int', value: '43' });
    expect(tracker.alertFor('srv1', tree)).toEqual({ kind: 'Alert', data: '1228', items: [{ source: { locURI: './A' } }] });
    const again = new TreeChangeTracker(JSON.parse(JSON.stringify(tracker.snapshot())));
    expect(again.alertFor('srv1', tree)?.data).toBe('1228');
  });

  it('names only objects the server may Get, and sends neither alert when all changes are hidden', () => {
    const tree = sampleTree();
    const tracker = new TreeChangeTracker();
    tracker.markSynced('srv1', tree);
    tree.set('./B/secret', { value: 's' });
    expect(tracker.alertFor('srv1', tree)).toBeUndefined();
    tree.set('./A/y', { value: 'changed' });
    expect(tracker.alertFor('srv1', tree)).toEqual({ kind: 'Alert', data: '1228', items: [{ source: { locURI: './A' } }] });
  });
});
