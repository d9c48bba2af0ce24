/**
 * A device's tree in one JSON file. A commit writes the whole new image to a temporary
 * file beside it, flushes it, and renames it over the old one: a reader (or the next
 * start) sees the old file or the new one, never a mix. A temporary file left by a crash
 * is ignored and overwritten.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { StatusCode } from '../../../generated/codes.js';
import { TreeError } from '../tree/errors.js';
import type { NodeRecord } from '../tree/node.js';
import type { TreeChanges, TreeImage } from '../tree/tree.js';
import type { FaultPoint, TreeStore } from './store.js';

export class FileTreeStore implements TreeStore {
  private nodes: Map<string, NodeRecord> | undefined;

  constructor(
    readonly path: string,
    private readonly fault: FaultPoint = () => {},
  ) {}

  load(): TreeImage | undefined {
    if (!existsSync(this.path)) return undefined;
    let image: TreeImage;
    try {
      image = JSON.parse(readFileSync(this.path, 'utf8')) as TreeImage;
    } catch (e) {
      throw new TreeError(`${this.path} is not a tree file: ${e instanceof Error ? e.message : String(e)}`, StatusCode.DataStoreFailure);
    }
    if (image === null || typeof image !== 'object' || !Array.isArray(image.nodes)) throw new TreeError(`${this.path} is not a tree file`, StatusCode.DataStoreFailure);
    this.nodes = new Map(image.nodes as [string, NodeRecord][]);
    return image;
  }

  commit(changes: TreeChanges): void {
    if (changes.put.length === 0 && changes.remove.length === 0) return;
    if (!this.nodes) {
      if (existsSync(this.path)) this.load();
      else this.nodes = new Map();
    }
    const next = new Map(this.nodes);
    for (const key of changes.remove) next.delete(key);
    for (const [key, r] of changes.put) next.set(key, r);
    this.fault('serialize');
    const image: TreeImage = { version: 1, nodes: [...next.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
    const bytes = Buffer.from(`${JSON.stringify(image)}\n`, 'utf8');
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      this.fault('write');
      const half = bytes.length >> 1;
      writeSync(fd, bytes, 0, half);
      this.fault('write-half');
      writeSync(fd, bytes, half, bytes.length - half);
      this.fault('fsync');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.fault('rename');
    renameSync(tmp, this.path);
    this.syncDir();
    this.nodes = next;
  }

  close(): void {
    this.nodes = undefined;
  }

  private syncDir(): void {
    try {
      const fd = openSync(dirname(this.path), 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch {
      // Some file systems cannot fsync a directory; the rename is still atomic.
    }
  }
}
