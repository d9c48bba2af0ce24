/**
 * `omadm tree show|get|set FILE URI ...`: reads and edits a device tree file (the file
 * store's format, as `omadm device run --tree FILE` keeps it), as the device itself does:
 * no ACL applies. Secrets (DMAcc AAuthSecret, DM 1.1 ServerPW/ClientPW) are never printed.
 */
import { FileTreeStore, isTreeError, openDeviceTree, TNDS_MEDIA_TYPE, type ManagementTree, type NodeRecord } from '../../client/index.js';
import { ExitCode, UsageError } from '../command.js';
import type { CliIo } from '../io.js';
import { defineGroup, defineVerb, verbCommand } from '../verb.js';

const clock = { now: () => Date.now() };
const SECRET_LEAVES = new Set(['AAuthSecret', 'ServerPW', 'ClientPW']);
const HIDDEN = '(secret, not shown)';

function isSecret(uri: string): boolean {
  return SECRET_LEAVES.has(uri.split('?', 1)[0]!.split('/').at(-1) ?? '');
}

/** Opens FILE as a tree; a missing file is a usage error, a broken one exit 1 (TreeError). */
function open(file: string): { store: FileTreeStore; tree: ManagementTree } {
  const store = new FileTreeStore(file);
  const image = store.load();
  if (!image) throw new UsageError(`cannot read '${file}': no such file`);
  return { store, tree: openDeviceTree(image, clock) };
}

/** Runs `body`, turning a TreeError (bad file, bad URI, bad value) into exit 1 with its message. */
async function guarded(io: CliIo, verb: string, file: string, body: () => number): Promise<number> {
  try {
    return body();
  } catch (e) {
    if (!isTreeError(e)) throw e;
    io.stderr(`omadm tree ${verb}: ${file}: ${e.message}\n`);
    return ExitCode.invalidInput;
  }
}

/**
 * A TNDS document (tnds.ts writes it: text escaped, so no `<` inside a Value) with the
 * values of secret leaves hidden.
 */
function hideTndsSecrets(doc: string): string {
  return doc.replace(/(<NodeName>(?:AAuthSecret|ServerPW|ClientPW)<\/NodeName>(?:<Path>[^<]*<\/Path>)?(?:<RTProperties>(?:(?!<\/RTProperties>).)*<\/RTProperties>)?<Value>)[^<]*(<\/Value>)/g, `$1${HIDDEN}$2`);
}

function describeNode(uri: string, r: NodeRecord): string {
  const facts = [
    r.format,
    r.type !== undefined ? `type ${r.type}` : undefined,
    r.acl !== '' ? `ACL ${r.acl}` : undefined,
    r.permanent ? 'permanent' : undefined,
  ].filter((f) => f !== undefined);
  const value = r.children === undefined ? ` = ${isSecret(uri) ? HIDDEN : JSON.stringify(r.value ?? '')}` : '';
  return `${uri}${value} (${facts.join(', ')})`;
}

const show = defineVerb({
  summary: 'Print the tree (or its subtree at URI): values, Format, Type, ACL',
  command: () =>
    verbCommand('show', 'Prints every node of the tree file FILE, or of its subtree at URI, one per line in tree order: the URI, a leaf\'s value, its Format, Type, ACL (when it has its own) and whether it is permanent.', 'tree')
      .usage('[options] FILE [URI]')
      .argument('<FILE>')
      .argument('[URI]'),
  epilogue: `Exit status: 0 printed; 1 not a tree file, or no node at URI; 2 usage error.`,
  async run([file, uri], _o, io) {
    return guarded(io, 'show', file, () => {
      const { tree } = open(file);
      const start = uri ?? '.';
      const root = tree.record(start);
      if (!root) {
        io.stderr(`omadm tree show: ${file}: no node ${start}\n`);
        return ExitCode.invalidInput;
      }
      const lines: string[] = [];
      const visit = (at: string): void => {
        const r = tree.record(at)!;
        lines.push(describeNode(at, r));
        for (const c of r.children ?? []) visit(at === '.' ? `./${c}` : `${at}/${c}`);
      };
      visit(start.replace(/\/+$/, '') || '.');
      io.stdout(lines.join('\n') + '\n');
      return ExitCode.ok;
    });
  },
});

const get = defineVerb({
  summary: 'Print the value at URI, its child names, or URI?prop=NAME',
  command: () =>
    verbCommand('get', 'Prints what a Get of URI returns, as the device sees it (no ACL): a leaf\'s value, the child names of an interior node (one per line), a property with URI?prop=ACL|Format|Name|Size|Title|TStamp|Type|VerNo, or the subtree with URI?list=Struct|StructData.', 'tree')
      .usage('[options] FILE URI')
      .argument('<FILE>')
      .argument('<URI>'),
  epilogue: `Exit status: 0 printed; 1 not a tree file, no such node or property; 2 usage error.`,
  async run([file, uri], _o, io) {
    return guarded(io, 'get', file, () => {
      const { tree } = open(file);
      const items = tree.get(uri, undefined);
      const lines = items.map((i) => {
        const data = isSecret(i.uri) && !uri.includes('?prop=') ? HIDDEN : i.type === TNDS_MEDIA_TYPE ? hideTndsSecrets(i.data ?? '') : i.data ?? '';
        return items.length === 1 && (i.uri === uri || i.uri === uri.split('?', 1)[0]) ? data : `${i.uri}\t${data}`;
      });
      io.stdout(lines.join('\n') + '\n');
      return ExitCode.ok;
    });
  },
});

const set = defineVerb({
  summary: 'Set the leaf at URI (created with its parents when missing)',
  command: () =>
    verbCommand('set', 'Sets the leaf at URI to VALUE in the tree file FILE, creating it and its missing parents, as the device itself does (no ACL applies). The value is checked against its Format. With --format node, creates an interior node (give no VALUE).', 'tree')
      .usage('[options] FILE URI [VALUE]')
      .argument('<FILE>')
      .argument('<URI>')
      .argument('[VALUE]')
      .option('--format <FORMAT>', 'The Format: chr (default), int, bool, b64, bin, xml, float, date, time, null, node')
      .option('--type <TYPE>', 'The MIME type (Meta Type)')
      .option('--acl <ACL>', "The node's ACL, e.g. 'Get=*&Replace=srv'"),
  epilogue: `Exit status: 0 set; 1 not a tree file, or a URI or value the tree refuses; 2 usage error.`,
  async run([file, uri, value], o, io) {
    if (o.format === 'node' && value !== undefined) throw new UsageError('an interior node (--format node) takes no VALUE');
    if (o.format !== 'node' && value === undefined && o.acl === undefined) throw new UsageError('missing VALUE argument');
    return guarded(io, 'set', file, () => {
      const { store, tree } = open(file);
      const existing = tree.record(uri);
      tree.set(uri, {
        ...(o.format !== undefined ? { format: o.format } : existing ? { format: existing.format } : {}),
        ...(value !== undefined ? { value } : existing?.value !== undefined ? { value: existing.value } : {}),
        ...(o.type !== undefined ? { type: o.type } : {}),
        ...(o.acl !== undefined ? { acl: o.acl } : {}),
      });
      store.commit(tree.takeChanges());
      store.close();
      return ExitCode.ok;
    });
  },
});

export default defineGroup({
  name: 'tree',
  summary: 'Read and edit a device tree file (show, get, set)',
  description: [
    'A device management tree stored in a file (the file store of',
    "'omadm device run --tree FILE'), read and changed as the device does: no ACL",
    'applies. Secrets are never printed.',
  ].join('\n'),
  verbs: [show, get, set],
});
