/**
 * One node of the management tree as stored: plain, immutable data (a change writes a new
 * record), so a rollback restores records and an image is their JSON.
 */
export interface NodeRecord {
  /** `node` for interior nodes, else the leaf's MetInf Format. */
  readonly format: string;
  /** MIME type of a leaf value (Meta Type); DDF/MO type of an interior node. */
  readonly type?: string;
  /** A leaf's value, as carried in Data. */
  readonly value?: string;
  /** The node's own ACL; '' inherits the parent's. */
  readonly acl: string;
  readonly title?: string;
  /** Last change, ISO 8601 basic UTC (20010711T163817Z). */
  readonly tstamp: string;
  /** Counts changes, modulo 65536. */
  readonly verNo: number;
  /** Built in (device side): no server may delete or rename it. */
  readonly permanent: boolean;
  /** An interior node's children, by name, in the order they were added. */
  readonly children?: readonly string[];
}

export function isInterior(r: NodeRecord): boolean {
  return r.children !== undefined;
}

/** The clock the tree reads for TStamp: never Date.now() directly. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** ISO 8601 basic UTC, as TND writes TStamp. */
export function formatTStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
