/**
 * Keeps the large object being sent out of the stored session. A 1 MB Replace to a device
 * with a 4 KB MaxMsgSize goes in some 270 messages, and the session is saved after each:
 * with the object in the snapshot, the store wrote it whole every time (about 286 MB of
 * JSON for one job). The object is a job's item, and the job's spec is in the store for
 * as long as the job is sent, so the snapshot names it instead (job, URI, length and
 * digest), and a restore puts the data back: from this process's own small cache when it
 * served the message before, else from the job's spec in the store, checked against the
 * digest. A message then costs the store its own chunk, not the whole object.
 *
 * Only the object the session is sending for a job is left out (a job still going out whose
 * command has an item of that URI and length); anything else stays in the snapshot as it
 * was. A process that restores the session from the store alone checks the job's item
 * against the digest before it sends a byte of it.
 */
import { createHash } from 'node:crypto';
import type { SyncBodyCommandDraft } from '../../../generated/builders.js';
import { itemsOf, nestedCommands } from '../../../generated/command-helpers.js';
import type { EndpointSnapshot } from '../../session/endpoint.js';
import { jobCommand } from '../jobs/job-commands.js';
import type { Store } from '../store/store.js';
import type { StoredSession } from './stored-session.js';
import { ObjectCache } from './object-cache.js';

/** Objects smaller than this stay in the snapshot (the saving is not worth a lookup). */
export const DETACH_FROM_CODE_UNITS = 64 * 1024;

/** What the snapshot holds in place of the object's data. */
export interface DetachedObject {
  readonly job: number;
  readonly uri: string;
  /** Its length in UTF-16 code units, and the SHA-256 of its UTF-8 bytes (base64). */
  readonly length: number;
  readonly digest: string;
}

type Chunk = NonNullable<EndpointSnapshot['outgoing']['chunk']>;
interface DraftItem {
  readonly target?: { readonly locURI: string };
  readonly data?: unknown;
}

export class LargeObjectKeeper {
  private readonly kept = new ObjectCache<string, { readonly data: string; readonly digest: string }>();

  constructor(private readonly store: Pick<Store, 'getJob'>) {}

  /** The stored session to save: the object being sent for a job left out, if there is one. */
  detach(sessionRef: number, s: StoredSession): StoredSession {
    const chunk = s.endpoint.outgoing.chunk;
    if (chunk === undefined || chunk.fromResponses) return s;
    const item = firstItem(chunk.draft);
    const data = item?.data;
    const uri = item?.target?.locURI;
    if (typeof data !== 'string' || data.length < DETACH_FROM_CODE_UNITS || uri === undefined) return s;
    // Its job: still going out, with an item of that URI and length (jobs-in-session's shape).
    const job = s.jobs.inFlight.find((j) => j.sending && j.shape?.includes(`${uri}#${data.length}`) === true);
    if (job === undefined) return s;
    const key = keyOf(sessionRef, job.id, uri);
    const known = this.kept.get(key);
    const digest = known !== undefined && known.data === data ? known.digest : digestOf(data);
    this.kept.set(key, { data, digest });
    return { ...s, endpoint: withData(s.endpoint, chunk, ''), detached: { job: job.id, uri, length: data.length, digest } };
  }

  /** The stored session with its object put back; undefined when it is not to be had (the
   * job is gone from the store, or its item is not what was sent). */
  async attach(sessionRef: number, s: StoredSession): Promise<StoredSession | undefined> {
    const d = s.detached;
    if (d === undefined) return s;
    const chunk = s.endpoint.outgoing.chunk;
    if (chunk === undefined) return undefined;
    const key = keyOf(sessionRef, d.job, d.uri);
    const known = this.kept.get(key);
    let data = known?.digest === d.digest ? known.data : undefined;
    if (data === undefined) {
      const job = await this.store.getJob(d.job);
      const found = job && findData(jobCommand(job.spec) as SyncBodyCommandDraft, d.uri, d.length);
      if (found === undefined || digestOf(found) !== d.digest) return undefined;
      data = found;
    }
    this.kept.set(key, { data, digest: d.digest });
    const { detached: _, ...rest } = s;
    return { ...rest, endpoint: withData(s.endpoint, chunk, data) };
  }

  /** The session ended: its objects need not be kept. */
  forget(sessionRef: number): void {
    const prefix = `${sessionRef}:`;
    this.kept.deleteWhere((key) => key.startsWith(prefix));
  }

  /** How many objects the cache holds (for tests). */
  get size(): number {
    return this.kept.size;
  }
}

function keyOf(sessionRef: number, job: number, uri: string): string {
  return `${sessionRef}:${job}:${uri}`;
}

function digestOf(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('base64');
}

function firstItem(draft: SyncBodyCommandDraft): DraftItem | undefined {
  return itemsOf(draft)[0];
}

function withData(endpoint: EndpointSnapshot, chunk: Chunk, data: string): EndpointSnapshot {
  const items = (chunk.draft as { readonly items: readonly DraftItem[] }).items;
  const draft = { ...chunk.draft, items: [{ ...items[0], data }, ...items.slice(1)] } as SyncBodyCommandDraft;
  return { ...endpoint, outgoing: { ...endpoint.outgoing, chunk: { ...chunk, draft } } };
}

/** The data of the item for `uri` of that length in a job's command, nested commands' too. */
function findData(draft: SyncBodyCommandDraft, uri: string, length: number): string | undefined {
  for (const i of itemsOf(draft) as readonly DraftItem[]) if (i.target?.locURI === uri && typeof i.data === 'string' && i.data.length === length) return i.data;
  for (const c of nestedCommands(draft)) {
    const found = findData(c, uri, length);
    if (found !== undefined) return found;
  }
  return undefined;
}
