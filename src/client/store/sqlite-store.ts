/**
 * Trees of many devices in one SQLite database (better-sqlite3 12.x): one row per node,
 * keyed by device and node key. A commit is one transaction; if anything throws part way
 * SQLite rolls it back, and a process that dies before COMMIT leaves the journal that
 * the next open rolls back.
 */
import Database from 'better-sqlite3';
import { StatusCode } from '../../../generated/codes.js';
import { TreeError } from '../tree/errors.js';
import type { NodeRecord } from '../tree/node.js';
import type { TreeChanges, TreeImage } from '../tree/tree.js';
import type { FaultPoint, TreeStore } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tree_node (
  device TEXT NOT NULL,
  key    TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (device, key)
) WITHOUT ROWID`;

/** One database holding the trees of many devices. */
export class SqliteTreeDatabase {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  /** The store of one device. */
  device(deviceId: string, fault?: FaultPoint): TreeStore {
    return new SqliteTreeStore(this.db, deviceId, fault ?? (() => {}));
  }

  /** Device ids that have a stored tree. */
  devices(): string[] {
    return (this.db.prepare('SELECT DISTINCT device FROM tree_node ORDER BY device').all() as { device: string }[]).map((r) => r.device);
  }

  close(): void {
    this.db.close();
  }
}

class SqliteTreeStore implements TreeStore {
  private readonly select: Database.Statement;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly apply: (changes: TreeChanges) => void;

  constructor(
    db: Database.Database,
    private readonly deviceId: string,
    private readonly fault: FaultPoint,
  ) {
    this.select = db.prepare('SELECT key, record FROM tree_node WHERE device = ? ORDER BY key');
    this.upsert = db.prepare('INSERT INTO tree_node (device, key, record) VALUES (?, ?, ?) ON CONFLICT (device, key) DO UPDATE SET record = excluded.record');
    this.remove = db.prepare('DELETE FROM tree_node WHERE device = ? AND key = ?');
    this.apply = db.transaction((changes: TreeChanges) => {
      let step = 0;
      for (const key of changes.remove) {
        this.fault(`row ${step++}`);
        this.remove.run(this.deviceId, key);
      }
      for (const [key, r] of changes.put) {
        this.fault(`row ${step++}`);
        this.upsert.run(this.deviceId, key, JSON.stringify(r));
      }
      this.fault('commit');
    });
  }

  load(): TreeImage | undefined {
    const rows = this.select.all(this.deviceId) as { key: string; record: string }[];
    if (rows.length === 0) return undefined;
    const nodes = rows.map((r): [string, NodeRecord] => {
      try {
        return [r.key, JSON.parse(r.record) as NodeRecord];
      } catch {
        throw new TreeError(`stored node ${r.key} of ${this.deviceId} is not JSON`, StatusCode.DataStoreFailure);
      }
    });
    return { version: 1, nodes };
  }

  commit(changes: TreeChanges): void {
    if (changes.put.length === 0 && changes.remove.length === 0) return;
    this.apply(changes);
  }

  close(): void {}
}
