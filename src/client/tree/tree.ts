/**
 * The management tree (DM TND, as far as the protocol needs it): interior and leaf nodes,
 * their properties, ACLs, and the operations a server's commands map to. Every server
 * operation takes the server id it acts for and checks the ACL first (425 when denied);
 * `undefined` stands for the device itself, which the ACLs do not bind.
 *
 * Rules kept here:
 * 1. URIs follow uri.ts; the root is interior, permanent, and its ACL is never empty.
 * 2. Add needs Add on the nearest existing ancestor, creates missing interior parents
 *    (implicit Add), answers 418 when the node exists. Replace needs Replace on the node;
 *    Delete needs Delete on it and never removes a permanent node (405). Get needs Get.
 * 3. Properties: ACL, Format, Name, Size (leaves), Title, TStamp, Type, VerNo are read with
 *    `?prop=`; ACL, Name and Title are written with Replace. A node's ACL may be changed
 *    by a server with Replace on the parent, and for an interior node also by one with
 *    Replace on the node itself (TND 7.7.1.3).
 * 4. Leaf values are checked against their Format (format.ts). A Replace without a Format
 *    keeps the node's.
 * 5. Size is bounded: node count, bytes of one value, bytes of all values (413 for one
 *    value too large, 420 when the tree is full).
 * 6. Changes inside a savepoint are logged and can be rolled back to the exact records
 *    (Atomic); changes since the last `takeChanges()` are what a store must write.
 */
import { Format, StatusCode } from '../../../generated/codes.js';
import { type AclCommand, formatAcl, grants, parseAcl, withoutServer } from './acl.js';
import { parseTndsList, TNDS_MEDIA_TYPE, tndsDocument, type TndsNode, type TndsRequest } from './tnds.js';
import { TreeError } from './errors.js';
import { checkValue } from './format.js';
import { type Clock, formatTStamp, isInterior, type NodeRecord } from './node.js';
import { formatUri, type NodeAddress, parseUri, pathKey, type UriLimits } from './uri.js';

export interface TreeLimits extends UriLimits {
  /** Most nodes the tree holds (the root included). */
  readonly maxNodes: number;
  /** Most bytes (UTF-8) of one leaf value. */
  readonly maxValueBytes: number;
  /** Most bytes of all leaf values together. */
  readonly maxTotalBytes: number;
}

export const defaultTreeLimits: TreeLimits = {
  maxDepth: 16,
  maxTotLen: 1024,
  maxSegLen: 128,
  maxNodes: 10_000,
  maxValueBytes: 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
};

/** What an Add or Replace carries for a node. */
export interface NodeInit {
  /** MetInf Format; `node` for an interior node; default chr (Add) or the node's (Replace). */
  readonly format?: string;
  readonly type?: string;
  readonly value?: string;
}

/** One Item of Results. */
export interface ResultItem {
  readonly uri: string;
  readonly format: string;
  readonly type?: string;
  readonly data?: string;
}

/** Node properties readable with `?prop=` (TND 7.7). */
export const PROPERTIES = ['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo'] as const;

/** A serialised tree: nodes in tree order (parents first, children in their order). */
export interface TreeImage {
  readonly version: 1;
  readonly nodes: readonly (readonly [string, NodeRecord])[];
}

/** What a store must write to catch up with the tree. */
export interface TreeChanges {
  readonly put: readonly (readonly [string, NodeRecord])[];
  readonly remove: readonly string[];
}

export interface TreeOptions {
  readonly clock: Clock;
  readonly limits?: Partial<TreeLimits>;
  /** The root's ACL (never empty); default every command for every server. */
  readonly rootAcl?: string;
  /** Start from a stored image instead of an empty tree. */
  readonly image?: TreeImage;
}

const DEFAULT_ROOT_ACL = 'Add=*&Get=*';

type Server = string | undefined;

interface Found {
  readonly segments: readonly string[];
  readonly key: string;
  readonly record: NodeRecord;
}

export class ManagementTree {
  readonly limits: TreeLimits;
  private readonly clock: Clock;
  private readonly nodes = new Map<string, NodeRecord>();
  private valueBytes = 0;
  /** Undo log of the open savepoints: the record each key had before its first change. */
  private readonly undo: { key: string; prev: NodeRecord | undefined }[] = [];
  private openSavepoints = 0;
  private readonly dirty = new Set<string>();

  constructor(options: TreeOptions) {
    this.clock = options.clock;
    this.limits = { ...defaultTreeLimits, ...options.limits };
    if (options.image) {
      this.load(options.image);
    } else {
      const acl = options.rootAcl ?? DEFAULT_ROOT_ACL;
      if (parseAcl(acl).size === 0) throw new TreeError('the root ACL cannot be empty', StatusCode.CommandNotAllowed, '.');
      this.write('.', { format: Format.Node, acl, tstamp: this.now(), verNo: 0, permanent: true, children: [] });
    }
    this.dirty.clear();
    for (const k of this.nodes.keys()) this.dirty.add(k);
  }

  get size(): number {
    return this.nodes.size;
  }

  get totalValueBytes(): number {
    return this.valueBytes;
  }

  // ------------------------------------------------------------------ server operations

  /** Get: a leaf's value, an interior node's child list, a property, or a `?list=`. */
  get(uri: string, server: Server): ResultItem[] {
    const addr = this.parse(uri);
    const found = this.require(addr, uri);
    this.demand(found, 'Get', server, uri);
    if (addr.prop !== undefined) return [this.property(found, addr.prop, uri)];
    if (addr.list !== undefined) {
      const tnds = parseTndsList(addr.list, uri);
      if (tnds) return [this.tnds(found, addr.list, tnds, server)];
      if (addr.list !== 'Struct' && addr.list !== 'StructData') {
        throw new TreeError(`?list=${addr.list} is not supported (Struct, StructData, TNDS)`, StatusCode.OptionalFeatureNotSupported, uri);
      }
      const items: ResultItem[] = [];
      this.walk(found.segments, server, addr.list === 'StructData', items);
      return items;
    }
    return [this.valueItem(found, formatUri(found.segments))];
  }

  /** Add: a new leaf or interior node, with its missing parents. Returns 201. */
  add(uri: string, init: NodeInit, server: Server): number {
    const addr = this.parse(uri);
    if (addr.prop !== undefined || addr.list !== undefined) throw new TreeError('Add cannot address a property or a list', StatusCode.CommandNotAllowed, uri);
    if (addr.segments.length === 0 || this.nodes.has(pathKey(addr.segments))) throw new TreeError('the node exists', StatusCode.AlreadyExists, uri);
    const format = (init.format ?? Format.Character).trim();
    const value = init.value ?? '';
    checkValue(format, value, uri);
    this.create(addr.segments, { format, ...(init.type !== undefined ? { type: init.type } : {}), value }, server, uri);
    return StatusCode.ItemAdded;
  }

  /** Replace: a leaf's value, or the ACL, Name or Title property. Returns 200. */
  replace(uri: string, init: NodeInit, server: Server): number {
    const addr = this.parse(uri);
    if (addr.list !== undefined) throw new TreeError('Replace cannot address a list', StatusCode.CommandNotAllowed, uri);
    const found = this.require(addr, uri);
    if (addr.prop !== undefined) return this.replaceProperty(found, addr.prop, init.value ?? '', server, uri);
    if (isInterior(found.record)) throw new TreeError('an interior node has no value to replace', StatusCode.CommandNotAllowed, uri);
    this.demand(found, 'Replace', server, uri);
    const format = (init.format ?? found.record.format).trim();
    if (format === Format.Node) throw new TreeError('a leaf cannot become an interior node', StatusCode.CommandNotAllowed, uri);
    const value = init.value ?? '';
    checkValue(format, value, uri);
    this.checkValueSize(value, found.record.value ?? '', uri);
    const { type: _old, ...rest } = found.record;
    this.write(found.key, {
      ...rest,
      format,
      ...(init.type !== undefined ? { type: init.type } : found.record.type !== undefined ? { type: found.record.type } : {}),
      value,
      ...this.touched(found.record),
    });
    return StatusCode.Ok;
  }

  /** Delete: a node and its whole subtree. Returns 200. */
  delete(uri: string, server: Server): number {
    const addr = this.parse(uri);
    if (addr.prop !== undefined || addr.list !== undefined) throw new TreeError('Delete cannot address a property or a list', StatusCode.CommandNotAllowed, uri);
    if (addr.segments.length === 0) throw new TreeError('the root cannot be deleted', StatusCode.CommandNotAllowed, uri);
    const found = this.require(addr, uri);
    this.demand(found, 'Delete', server, uri);
    const keys = this.subtreeKeys(found.segments);
    const permanent = keys.find((k) => this.nodes.get(k)!.permanent);
    if (permanent !== undefined) throw new TreeError(`${permanent} is permanent`, StatusCode.CommandNotAllowed, uri);
    this.removeSubtree(found.segments);
    return StatusCode.Ok;
  }

  /**
   * Copy: the source node (and its subtree) to the target. Needs Get on everything copied
   * and Add on the target's ancestor (new target, 201) or Replace on it (existing leaf, 200).
   */
  copy(targetUri: string, sourceUri: string, server: Server): number {
    const src = this.require(this.parse(sourceUri), sourceUri);
    if (this.parse(sourceUri).prop !== undefined) throw new TreeError('Copy cannot copy a property', StatusCode.CommandNotAllowed, sourceUri);
    const dst = this.parse(targetUri);
    if (dst.prop !== undefined || dst.list !== undefined) throw new TreeError('Copy cannot address a property or a list', StatusCode.CommandNotAllowed, targetUri);
    const subtree = this.subtreeKeys(src.segments);
    for (const k of subtree) this.demand(this.foundAt(k), 'Get', server, sourceUri);
    const dstKey = pathKey(dst.segments);
    const existing = this.nodes.get(dstKey);
    if (existing) {
      if (isInterior(existing) || isInterior(src.record)) throw new TreeError('the target exists', StatusCode.AlreadyExists, targetUri);
      return this.replace(targetUri, { format: src.record.format, ...(src.record.type !== undefined ? { type: src.record.type } : {}), value: src.record.value ?? '' }, server);
    }
    if (dstKey === src.key || dstKey.startsWith(`${src.key}/`) || src.segments.length === 0) {
      throw new TreeError('a node cannot be copied into itself', StatusCode.CommandNotAllowed, targetUri);
    }
    const copied = subtree.map((k) => [k.slice(src.key.length), this.nodes.get(k)!] as const);
    const rootRec = src.record;
    const moreBytes = copied.reduce((n, [, r]) => n + bytes(r.value ?? ''), 0) - bytes(rootRec.value ?? '');
    this.create(dst.segments, { format: rootRec.format, ...(rootRec.type !== undefined ? { type: rootRec.type } : {}), value: rootRec.value ?? '' }, server, targetUri, copied.length - 1, moreBytes);
    if (isInterior(rootRec)) this.write(dstKey, { ...this.nodes.get(dstKey)!, children: [...rootRec.children!] });
    for (const [suffix, rec] of copied.slice(1)) {
      const { children: _c, acl: _a, permanent: _p, ...rest } = rec;
      this.write(dstKey + suffix, { ...rest, acl: '', permanent: false, ...this.fresh(), ...(isInterior(rec) ? { children: [...rec.children!] } : {}) });
    }
    return StatusCode.ItemAdded;
  }

  /** Exec: checks the node exists and the ACL grants Exec (the executor runs the handler). */
  requireExec(uri: string, server: Server): string {
    const addr = this.parse(uri);
    if (addr.prop !== undefined || addr.list !== undefined) throw new TreeError('Exec cannot address a property or a list', StatusCode.CommandNotAllowed, uri);
    const found = this.require(addr, uri);
    this.demand(found, 'Exec', server, uri);
    return found.key;
  }

  /** Does the ACL let `server` run `command` on the node at `uri` (false when it does not exist)? */
  may(uri: string, command: AclCommand, server: Server): boolean {
    const addr = this.parse(uri);
    const key = pathKey(addr.segments);
    return this.nodes.has(key) && this.allowed(addr.segments, command, server);
  }

  // ------------------------------------------------------------------ device side

  /**
   * The device sets a node (standard objects, its own settings): creates it and its
   * parents when missing, replaces a leaf's value otherwise; no ACL applies.
   */
  set(uri: string, init: NodeInit & { readonly acl?: string; readonly permanent?: boolean; readonly title?: string }): void {
    const addr = this.parse(uri);
    const key = pathKey(addr.segments);
    const format = (init.format ?? Format.Character).trim();
    const value = init.value ?? '';
    checkValue(format, value, uri);
    if (init.acl !== undefined && init.acl !== '') parseAcl(init.acl);
    const existing = this.nodes.get(key);
    if (!existing) {
      this.create(addr.segments, { format, ...(init.type !== undefined ? { type: init.type } : {}), value }, undefined, uri, 0, 0, init.permanent ?? false);
    } else if (isInterior(existing) !== (format === Format.Node)) {
      throw new TreeError('a node cannot change between leaf and interior', StatusCode.CommandNotAllowed, uri);
    } else if (!isInterior(existing)) {
      this.checkValueSize(value, existing.value ?? '', uri);
      const { type: _t, ...rest } = existing;
      this.write(key, { ...rest, format, value, ...(init.type !== undefined ? { type: init.type } : existing.type !== undefined ? { type: existing.type } : {}), ...this.touched(existing) });
    }
    const now = this.nodes.get(key)!;
    if (init.acl !== undefined || init.permanent !== undefined || init.title !== undefined) {
      if (addr.segments.length === 0 && init.acl !== undefined && parseAcl(init.acl).size === 0) {
        throw new TreeError('the root ACL cannot be empty', StatusCode.CommandNotAllowed, uri);
      }
      this.write(key, {
        ...now,
        ...(init.acl !== undefined ? { acl: formatAcl(parseAcl(init.acl)) } : {}),
        ...(init.permanent !== undefined ? { permanent: addr.segments.length === 0 || init.permanent } : {}),
        ...(init.title !== undefined ? { title: init.title } : {}),
      });
    }
  }

  /**
   * The device forgets a server (its account is gone): its id leaves every ACL; a root
   * entry left with no server becomes "*" (TND 7.7.1.4), other emptied entries go.
   */
  forgetServer(serverId: string): void {
    for (const [key, r] of [...this.nodes]) {
      if (r.acl === '') continue;
      const acl = formatAcl(withoutServer(parseAcl(r.acl), serverId, key === '.'));
      if (acl !== r.acl) this.write(key, { ...r, acl });
    }
  }

  /** The device reads a node's record (no ACL), or undefined. */
  record(uri: string): NodeRecord | undefined {
    return this.nodes.get(pathKey(this.parse(uri).segments));
  }

  /** The device reads a leaf's value (no ACL), or undefined. */
  value(uri: string): string | undefined {
    return this.record(uri)?.value;
  }

  /** Child names of an interior node (no ACL), or undefined. */
  children(uri: string): readonly string[] | undefined {
    return this.record(uri)?.children;
  }

  // ------------------------------------------------------------------ savepoints, changes, images

  /** Opens a savepoint: changes from here on can be undone with `rollbackTo`. */
  savepoint(): number {
    this.openSavepoints++;
    return this.undo.length;
  }

  /** Undoes every change made since `mark` and closes that savepoint. */
  rollbackTo(mark: number): void {
    while (this.undo.length > mark) {
      const { key, prev } = this.undo.pop()!;
      this.put(key, prev);
    }
    this.openSavepoints--;
    if (this.openSavepoints === 0) this.undo.length = 0;
  }

  /** Keeps the changes since `mark` and closes that savepoint. */
  release(_mark: number): void {
    this.openSavepoints--;
    if (this.openSavepoints === 0) this.undo.length = 0;
  }

  /** What changed since the last call (for a store to write), and forgets it. */
  takeChanges(): TreeChanges {
    const put: (readonly [string, NodeRecord])[] = [];
    const remove: string[] = [];
    for (const key of [...this.dirty].sort()) {
      const r = this.nodes.get(key);
      if (r) put.push([key, r]);
      else remove.push(key);
    }
    this.dirty.clear();
    return { put, remove };
  }

  /** Every node in tree order: the same tree always gives the same image. */
  image(): TreeImage {
    const nodes: (readonly [string, NodeRecord])[] = [];
    const visit = (key: string): void => {
      const r = this.nodes.get(key)!;
      nodes.push([key, r]);
      for (const c of r.children ?? []) visit(key === '.' ? `./${c}` : `${key}/${c}`);
    };
    visit('.');
    return { version: 1, nodes };
  }

  private load(image: TreeImage): void {
    const bad = (why: string): TreeError => new TreeError(`stored tree: ${why}`, StatusCode.DataStoreFailure);
    if (image === null || typeof image !== 'object' || image.version !== 1 || !Array.isArray(image.nodes)) throw bad('not a version 1 tree image');
    if (image.nodes.length > this.limits.maxNodes) throw bad(`${image.nodes.length} nodes, more than ${this.limits.maxNodes}`);
    for (const entry of image.nodes) {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') throw bad('a node entry is not [key, record]');
      const [key, r] = entry as [string, NodeRecord];
      if (r === null || typeof r !== 'object' || typeof r.format !== 'string' || typeof r.acl !== 'string' || typeof r.tstamp !== 'string' || typeof r.verNo !== 'number' || typeof r.permanent !== 'boolean') {
        throw bad(`${key}: malformed record`);
      }
      if (r.value !== undefined && typeof r.value !== 'string') throw bad(`${key}: value is not text`);
      if (r.children !== undefined && (!Array.isArray(r.children) || r.children.some((c) => typeof c !== 'string'))) throw bad(`${key}: children are not names`);
      if (this.nodes.has(key)) throw bad(`${key} appears twice`);
      this.put(key, r);
    }
    const root = this.nodes.get('.');
    if (!root || !isInterior(root) || parseAcl(root.acl).size === 0) throw bad('no interior root with an ACL');
    // Every node is reachable from the root and named by its parent.
    const reached = new Set<string>();
    const visit = (key: string, depth: number): void => {
      if ((this.limits.maxDepth > 0 && depth > this.limits.maxDepth) || reached.has(key)) throw bad(`${key}: cycle or too deep`);
      const r = this.nodes.get(key);
      if (!r) throw bad(`${key} is listed by its parent but missing`);
      reached.add(key);
      for (const c of r.children ?? []) visit(key === '.' ? `./${c}` : `${key}/${c}`, depth + 1);
    };
    visit('.', 0);
    if (reached.size !== this.nodes.size) throw bad('nodes not reachable from the root');
  }

  // ------------------------------------------------------------------ internals

  private parse(uri: string): NodeAddress {
    return parseUri(uri, this.limits);
  }

  private now(): string {
    return formatTStamp(this.clock.now());
  }

  private fresh(): { tstamp: string; verNo: number } {
    return { tstamp: this.now(), verNo: 0 };
  }

  private touched(r: NodeRecord): { tstamp: string; verNo: number } {
    return { tstamp: this.now(), verNo: (r.verNo + 1) % 0x10000 };
  }

  private foundAt(key: string): Found {
    const record = this.nodes.get(key)!;
    return { key, record, segments: key === '.' ? [] : key.slice(2).split('/') };
  }

  private require(addr: NodeAddress, uri: string): Found {
    const key = pathKey(addr.segments);
    const record = this.nodes.get(key);
    if (!record) throw new TreeError('no such node', StatusCode.NotFound, uri);
    return { key, record, segments: addr.segments };
  }

  /** The ACL that applies at `segments`: its own, else the nearest ancestor's. */
  private effectiveAcl(segments: readonly string[]): string {
    for (let n = segments.length; n >= 0; n--) {
      const r = this.nodes.get(pathKey(segments.slice(0, n)));
      if (r && r.acl !== '') return r.acl;
    }
    return '';
  }

  private allowed(segments: readonly string[], command: AclCommand, server: Server): boolean {
    return server === undefined || grants(parseAcl(this.effectiveAcl(segments)), command, server);
  }

  private demand(found: Found, command: AclCommand, server: Server, uri: string): void {
    if (!this.allowed(found.segments, command, server)) {
      throw new TreeError(`the ACL does not grant ${command} to ${JSON.stringify(server)}`, StatusCode.PermissionDenied, uri);
    }
  }

  private property(found: Found, prop: string, uri: string): ResultItem {
    const r = found.record;
    const item = (data: string, format: string = Format.Character): ResultItem => ({ uri: `${formatUri(found.segments)}?prop=${prop}`, format, data });
    switch (prop) {
      case 'ACL':
        return item(r.acl);
      case 'Format':
        return item(r.format);
      case 'Name':
        return item(found.segments.length === 0 ? '.' : found.segments[found.segments.length - 1]!);
      case 'Size':
        if (isInterior(r)) throw new TreeError('an interior node has no Size', StatusCode.OptionalFeatureNotSupported, uri);
        return item(String(bytes(r.value ?? '')), Format.Integer);
      case 'Title':
        return item(r.title ?? '');
      case 'TStamp':
        return item(r.tstamp);
      case 'Type':
        return item(r.type ?? (isInterior(r) ? '' : 'text/plain'));
      case 'VerNo':
        return item(String(r.verNo), Format.Integer);
      default:
        throw new TreeError(`no property ${JSON.stringify(prop)}`, StatusCode.OptionalFeatureNotSupported, uri);
    }
  }

  private replaceProperty(found: Found, prop: string, value: string, server: Server, uri: string): number {
    switch (prop) {
      case 'ACL': {
        const parent = found.segments.slice(0, -1);
        const byParent = found.segments.length > 0 && this.allowed(parent, 'Replace', server);
        const bySelf = isInterior(found.record) && this.allowed(found.segments, 'Replace', server);
        if (!byParent && !bySelf) {
          throw new TreeError(`changing this ACL needs Replace on the parent${isInterior(found.record) ? ' or the node' : ''}`, StatusCode.PermissionDenied, uri);
        }
        const acl = parseAcl(value.trim());
        if (found.segments.length === 0 && acl.size === 0) throw new TreeError('the root ACL cannot be empty', StatusCode.CommandNotAllowed, uri);
        this.write(found.key, { ...found.record, acl: formatAcl(acl), ...this.touched(found.record) });
        return StatusCode.Ok;
      }
      case 'Title':
        this.demand(found, 'Replace', server, uri);
        this.checkValueSize(value, found.record.title ?? '', uri);
        this.write(found.key, { ...found.record, title: value, ...this.touched(found.record) });
        return StatusCode.Ok;
      case 'Name':
        this.demand(found, 'Replace', server, uri);
        return this.rename(found, value.trim(), uri);
      default:
        if ((PROPERTIES as readonly string[]).includes(prop)) throw new TreeError(`property ${prop} is read-only`, StatusCode.CommandNotAllowed, uri);
        throw new TreeError(`no property ${JSON.stringify(prop)}`, StatusCode.OptionalFeatureNotSupported, uri);
    }
  }

  private rename(found: Found, name: string, uri: string): number {
    if (found.segments.length === 0 || found.record.permanent) throw new TreeError('a permanent node keeps its name', StatusCode.CommandNotAllowed, uri);
    if (name === '' || name === '.' || name === '..' || name.includes('/') || (this.limits.maxSegLen > 0 && name.length > this.limits.maxSegLen)) {
      throw new TreeError(`${JSON.stringify(name)} is not a node name`, StatusCode.BadRequest, uri);
    }
    const parentSegs = found.segments.slice(0, -1);
    const target = [...parentSegs, name];
    if (this.nodes.has(pathKey(target))) throw new TreeError(`a node named ${JSON.stringify(name)} exists`, StatusCode.AlreadyExists, uri);
    const oldName = found.segments[found.segments.length - 1]!;
    const newKey = pathKey(target);
    for (const k of this.subtreeKeys(found.segments)) {
      const r = this.nodes.get(k)!;
      this.write(k, undefined);
      this.write(newKey + k.slice(found.key.length), k === found.key ? { ...r, ...this.touched(r) } : r);
    }
    const parentKey = pathKey(parentSegs);
    const parent = this.nodes.get(parentKey)!;
    this.write(parentKey, { ...parent, children: parent.children!.map((c) => (c === oldName ? name : c)), ...this.touched(parent) });
    return StatusCode.Ok;
  }

  /** Creates the node at `segments` and any missing interior parents (dynamic unless `permanent`). */
  private create(segments: readonly string[], init: Required<Pick<NodeInit, 'format' | 'value'>> & { type?: string }, server: Server, uri: string, extraNodes = 0, extraBytes = 0, permanent = false): void {
    let existing = segments.length - 1;
    while (existing > 0 && !this.nodes.has(pathKey(segments.slice(0, existing)))) existing--;
    const ancestor = segments.slice(0, existing);
    const ancestorRec = this.nodes.get(pathKey(ancestor))!;
    if (!isInterior(ancestorRec)) throw new TreeError(`${pathKey(ancestor)} is a leaf: it has no children`, StatusCode.CommandNotAllowed, uri);
    if (!this.allowed(ancestor, 'Add', server)) {
      throw new TreeError(`the ACL of ${pathKey(ancestor)} does not grant Add to ${JSON.stringify(server)}`, StatusCode.PermissionDenied, uri);
    }
    const interior = init.format === Format.Node;
    const newNodes = segments.length - existing + extraNodes;
    if (bytes(init.value) > this.limits.maxValueBytes) {
      throw new TreeError(`the value is ${bytes(init.value)} bytes, more than ${this.limits.maxValueBytes}`, StatusCode.RequestEntityTooLarge, uri);
    }
    this.checkRoom(newNodes, bytes(init.value) + extraBytes, uri);
    for (let n = existing; n < segments.length; n++) {
      const parentKey = pathKey(segments.slice(0, n));
      const parent = this.nodes.get(parentKey)!;
      const name = segments[n]!;
      this.write(parentKey, { ...parent, children: [...parent.children!, name], ...this.touched(parent) });
      const last = n === segments.length - 1;
      const key = pathKey(segments.slice(0, n + 1));
      if (!last || interior) {
        this.write(key, { format: Format.Node, ...(last && init.type !== undefined ? { type: init.type } : {}), acl: '', ...this.fresh(), permanent, children: [] });
      } else {
        this.write(key, { format: init.format, ...(init.type !== undefined ? { type: init.type } : {}), value: init.value, acl: '', ...this.fresh(), permanent });
      }
    }
  }

  private checkRoom(newNodes: number, newBytes: number, uri: string): void {
    if (this.nodes.size + newNodes > this.limits.maxNodes) {
      throw new TreeError(`the tree holds at most ${this.limits.maxNodes} nodes`, StatusCode.DeviceFull, uri);
    }
    if (this.valueBytes + newBytes > this.limits.maxTotalBytes) {
      throw new TreeError(`the tree holds at most ${this.limits.maxTotalBytes} bytes of values`, StatusCode.DeviceFull, uri);
    }
  }

  private checkValueSize(value: string, old: string, uri: string): void {
    const n = bytes(value);
    if (n > this.limits.maxValueBytes) throw new TreeError(`the value is ${n} bytes, more than ${this.limits.maxValueBytes}`, StatusCode.RequestEntityTooLarge, uri);
    if (this.valueBytes - bytes(old) + n > this.limits.maxTotalBytes) {
      throw new TreeError(`the tree holds at most ${this.limits.maxTotalBytes} bytes of values`, StatusCode.DeviceFull, uri);
    }
  }

  /** The keys of a subtree, its root first, in tree order. */
  private subtreeKeys(segments: readonly string[]): string[] {
    const out: string[] = [];
    const visit = (key: string): void => {
      out.push(key);
      for (const c of this.nodes.get(key)!.children ?? []) visit(key === '.' ? `./${c}` : `${key}/${c}`);
    };
    visit(pathKey(segments));
    return out;
  }

  private removeSubtree(segments: readonly string[]): void {
    for (const k of this.subtreeKeys(segments).reverse()) this.write(k, undefined);
    const parentKey = pathKey(segments.slice(0, -1));
    const parent = this.nodes.get(parentKey)!;
    const name = segments[segments.length - 1]!;
    this.write(parentKey, { ...parent, children: parent.children!.filter((c) => c !== name), ...this.touched(parent) });
  }

  private walk(segments: readonly string[], server: Server, withData: boolean, out: ResultItem[]): void {
    if (!this.allowed(segments, 'Get', server)) return;
    const key = pathKey(segments);
    const r = this.nodes.get(key)!;
    if (out.length >= this.limits.maxNodes) return;
    const uri = formatUri(segments);
    if (isInterior(r)) out.push({ uri, format: r.format, ...(r.type ? { type: r.type } : {}) });
    else out.push(withData ? this.valueItem({ key, record: r, segments }, uri) : { uri, format: r.format, ...(r.type !== undefined ? { type: r.type } : {}) });
    for (const c of r.children ?? []) this.walk([...segments, c], server, withData, out);
  }

  /** `?list=TNDS+...` (tnds.ts): the nodes the server may Get, within the node bound. */
  private tnds(found: Found, list: string, request: TndsRequest, server: Server): ResultItem {
    let count = 0;
    const node = (segments: readonly string[]): TndsNode | undefined => {
      if (count >= this.limits.maxNodes || !this.allowed(segments, 'Get', server)) return undefined;
      count++;
      const record = this.nodes.get(pathKey(segments))!;
      const children = (record.children ?? []).map((c) => node([...segments, c])).filter((n): n is TndsNode => n !== undefined);
      return { name: segments.length === 0 ? '.' : segments[segments.length - 1]!, record, children };
    };
    const top = node(found.segments)!;
    const parent = found.segments.length === 0 ? undefined : formatUri(found.segments.slice(0, -1));
    return { uri: `${formatUri(found.segments)}?list=${list}`, format: Format.Xml, type: TNDS_MEDIA_TYPE, data: tndsDocument(top, parent, request) };
  }

  private valueItem(found: Found, uri: string): ResultItem {
    const r = found.record;
    if (isInterior(r)) return { uri, format: Format.Node, ...(r.type ? { type: r.type } : {}), data: r.children!.join('/') };
    return { uri, format: r.format, ...(r.type !== undefined ? { type: r.type } : {}), data: r.value ?? '' };
  }

  /** Writes (or with undefined removes) one record, logging it for rollback and the store. */
  private write(key: string, record: NodeRecord | undefined): void {
    if (this.openSavepoints > 0) this.undo.push({ key, prev: this.nodes.get(key) });
    this.put(key, record);
  }

  private put(key: string, record: NodeRecord | undefined): void {
    const old = this.nodes.get(key);
    if (old) this.valueBytes -= bytes(old.value ?? '');
    if (record) {
      this.nodes.set(key, record);
      this.valueBytes += bytes(record.value ?? '');
    } else {
      this.nodes.delete(key);
    }
    this.dirty.add(key);
  }
}

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
