/**
 * What changed in the tree since a server's last session (section 6.8), for the optional
 * Tree Change Alerts of Package#1: 1227 when nothing changed, 1228 naming each changed
 * management object. A management object here is a node with an MO Type, or a child of
 * the root. The fingerprints are plain JSON (`snapshot()`) for the application to keep.
 *
 * Rules: only objects the server may Get are named; when something changed that the
 * server may not see, neither alert is sent (6.8: 1227 SHALL NOT be sent then).
 */
import { createHash } from 'node:crypto';
import type { AlertDraft } from '../../../generated/builders.js';
import { treeChangeAlert } from '../alerts.js';
import type { ManagementTree } from '../tree/tree.js';

export type ChangeSnapshot = Record<string, Record<string, string>>;

export class TreeChangeTracker {
  private readonly seen: Map<string, Record<string, string>>;

  constructor(snapshot: ChangeSnapshot = {}) {
    this.seen = new Map(Object.entries(snapshot));
  }

  /** Records the tree as `serverId` leaves it (at the end of its session). */
  markSynced(serverId: string, tree: ManagementTree): void {
    this.seen.set(serverId, fingerprints(tree));
  }

  /** The alert for Package#1 of a session with `serverId`, or undefined (first session, or hidden changes). */
  alertFor(serverId: string, tree: ManagementTree): AlertDraft | undefined {
    const before = this.seen.get(serverId);
    if (!before) return undefined;
    const now = fingerprints(tree);
    const changed = [...new Set([...Object.keys(before), ...Object.keys(now)])].filter((uri) => before[uri] !== now[uri]).sort();
    const visible = changed.filter((uri) => now[uri] !== undefined && tree.may(uri, 'Get', serverId));
    if (changed.length > 0 && visible.length === 0) return undefined;
    return treeChangeAlert(visible);
  }

  snapshot(): ChangeSnapshot {
    return Object.fromEntries(this.seen);
  }
}

/** One fingerprint per management object: the hash of its subtree's records. */
function fingerprints(tree: ManagementTree): Record<string, string> {
  const nodes = tree.image().nodes;
  const roots = nodes
    .map(([key]) => key)
    .filter((key) => key !== '.' && (key.split('/').length === 2 || (tree.record(key)?.children !== undefined && (tree.record(key)?.type ?? '').startsWith('urn:'))));
  // The innermost MO root owns a node.
  const owner = (key: string): string | undefined => roots.filter((r) => key === r || key.startsWith(`${r}/`)).sort((a, b) => b.length - a.length)[0];
  const hashes = new Map<string, ReturnType<typeof createHash>>();
  for (const [key, record] of nodes) {
    const o = owner(key);
    if (o === undefined) continue;
    if (!hashes.has(o)) hashes.set(o, createHash('sha256'));
    hashes.get(o)!.update(`${key}\u0000${JSON.stringify(record)}\u0000`);
  }
  return Object.fromEntries([...hashes].map(([k, h]) => [k, h.digest('base64')]));
}
