/**
 * `?list=TNDS+<property>+...` (DM TND 1.2+, Tree and Description Serialization): a subtree
 * as one XML document of the DDF grammar (MgmtTree, Node, NodeName, Path, RTProperties,
 * Value), media type application/vnd.syncml.dmtnds+xml.
 *
 *   <MgmtTree xmlns="syncml:dmddf1.2"><VerDTD>1.2</VerDTD>
 *     <Node><NodeName>A</NodeName><Path>.</Path>          (Path: the top node's parent)
 *       <RTProperties><ACL>..</ACL><Format><node/></Format><Type><DDFName>..</DDFName></Type>..</RTProperties>
 *       <Node><NodeName>x</NodeName><RTProperties>..</RTProperties><Value>42</Value></Node>
 *     </Node></MgmtTree>
 *
 * Rules kept here
 * 1. After TNDS come the properties wanted, joined by `+`: ACL, Format, Name, Size, Title,
 *    TStamp, Type, VerNo (each at most once), and Value for leaf values. An unknown one
 *    is 406; with none, the document holds the structure only.
 * 2. RTProperties children follow the DDF order: ACL, Format, Name, Size, Title, TStamp,
 *    Type, VerNo. Size is for leaves only. Text is XML-escaped.
 * 3. Which nodes are in it is the caller's business (the tree applies the ACL and its
 *    bounds); this module only writes them.
 */
import { StatusCode } from '../../../generated/codes.js';
import { TreeError } from './errors.js';
import { isInterior, type NodeRecord } from './node.js';

export const TNDS_MEDIA_TYPE = 'application/vnd.syncml.dmtnds+xml';
export const TNDS_NAMESPACE = 'syncml:dmddf1.2';

const TNDS_PROPERTIES = ['ACL', 'Format', 'Name', 'Size', 'Title', 'TStamp', 'Type', 'VerNo'] as const;
type TndsProperty = (typeof TNDS_PROPERTIES)[number] | 'Value';

export interface TndsRequest {
  readonly properties: ReadonlySet<TndsProperty>;
}

/** Reads the `?list=` value; undefined when it is not a TNDS list at all. */
export function parseTndsList(list: string, uri: string): TndsRequest | undefined {
  const [head, ...rest] = list.split('+');
  if (head !== 'TNDS') return undefined;
  const properties = new Set<TndsProperty>();
  for (const p of rest) {
    const known = p === 'Value' || (TNDS_PROPERTIES as readonly string[]).includes(p);
    if (!known || properties.has(p as TndsProperty)) {
      throw new TreeError(`?list=TNDS: ${known ? 'repeated' : 'unknown'} property ${JSON.stringify(p)} (ACL, Format, Name, Size, Title, TStamp, Type, VerNo, Value)`, StatusCode.OptionalFeatureNotSupported, uri);
    }
    properties.add(p as TndsProperty);
  }
  return { properties };
}

/** One node to write, with the children the caller lets through. */
export interface TndsNode {
  readonly name: string;
  readonly record: NodeRecord;
  readonly children: readonly TndsNode[];
}

/** The document for the subtree `top`, whose parent is `parentPath` (none for the root). */
export function tndsDocument(top: TndsNode, parentPath: string | undefined, request: TndsRequest): string {
  const out: string[] = [`<MgmtTree xmlns="${TNDS_NAMESPACE}"><VerDTD>1.2</VerDTD>`];
  const write = (n: TndsNode, path: string | undefined): void => {
    out.push(`<Node><NodeName>${escape(n.name)}</NodeName>`);
    if (path !== undefined) out.push(`<Path>${escape(path)}</Path>`);
    const props = rtProperties(n, request.properties);
    if (props !== '') out.push(`<RTProperties>${props}</RTProperties>`);
    if (request.properties.has('Value') && !isInterior(n.record)) out.push(`<Value>${escape(n.record.value ?? '')}</Value>`);
    for (const c of n.children) write(c, undefined);
    out.push('</Node>');
  };
  write(top, parentPath);
  out.push('</MgmtTree>');
  return out.join('');
}

function rtProperties(n: TndsNode, wanted: ReadonlySet<TndsProperty>): string {
  const r = n.record;
  const interior = isInterior(r);
  const parts: string[] = [];
  for (const p of TNDS_PROPERTIES) {
    if (!wanted.has(p)) continue;
    switch (p) {
      case 'ACL':
        parts.push(`<ACL>${escape(r.acl)}</ACL>`);
        break;
      case 'Format':
        // The DDF writes a Format as an empty element named by it (<chr/>); the tree only
        // holds the MetInf formats, which are all such names.
        if (/^[a-z]+$/.test(r.format)) parts.push(`<Format><${r.format}/></Format>`);
        break;
      case 'Name':
        parts.push(`<Name>${escape(n.name)}</Name>`);
        break;
      case 'Size':
        if (!interior) parts.push(`<Size>${Buffer.byteLength(r.value ?? '', 'utf8')}</Size>`);
        break;
      case 'Title':
        if (r.title !== undefined) parts.push(`<Title>${escape(r.title)}</Title>`);
        break;
      case 'TStamp':
        parts.push(`<TStamp>${escape(r.tstamp)}</TStamp>`);
        break;
      case 'Type':
        parts.push(interior ? `<Type><DDFName>${escape(r.type ?? '')}</DDFName></Type>` : `<Type><MIME>${escape(r.type ?? 'text/plain')}</MIME></Type>`);
        break;
      case 'VerNo':
        parts.push(`<VerNo>${r.verNo}</VerNo>`);
        break;
    }
  }
  return parts.join('');
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
