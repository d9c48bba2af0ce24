/**
 * The standard objects DevInfo and DevDetail (DM StdObj), as permanent nodes every server
 * may read, and the DevInfo Replace of Package#1 (section 6.3: one Item per DevInfo node,
 * Source LocURI naming it).
 *
 *   ./DevInfo/{DevId, Man, Mod, DmV, Lang}            (+ Ext)
 *   ./DevDetail/{DevTyp, OEM, FwV, SwV, HwV, LrgObj, URI/{MaxDepth, MaxTotLen, MaxSegLen}}
 */
import type { ReplaceDraft } from '../../../generated/builders.js';
import { Format } from '../../../generated/codes.js';
import type { Item } from '../../../generated/types.js';
import { isInterior } from '../tree/node.js';
import type { ManagementTree } from '../tree/tree.js';
import type { UriLimits } from '../tree/uri.js';

export interface DevInfo {
  readonly devId: string;
  readonly man: string;
  readonly mod: string;
  /** DM version the client speaks, e.g. "1.3". */
  readonly dmV: string;
  /** Current language, e.g. "en-US". */
  readonly lang: string;
}

export interface DevDetail {
  readonly devTyp: string;
  readonly oem: string;
  readonly fwV: string;
  readonly swV: string;
  readonly hwV: string;
  /** Large objects supported (DM-PRO-LO-C-011). */
  readonly lrgObj: boolean;
  readonly uri: UriLimits;
}

const READ_ONLY = 'Get=*';

export const DEVINFO = './DevInfo';
export const DEVDETAIL = './DevDetail';

export function installDevInfo(tree: ManagementTree, info: DevInfo): void {
  tree.set(DEVINFO, { format: Format.Node, acl: READ_ONLY, permanent: true, type: 'urn:oma:mo:oma-dm-devinfo:1.0' });
  const leaves: [string, string][] = [['DevId', info.devId], ['Man', info.man], ['Mod', info.mod], ['DmV', info.dmV], ['Lang', info.lang]];
  for (const [name, value] of leaves) tree.set(`${DEVINFO}/${name}`, { format: Format.Character, value, permanent: true });
}

export function installDevDetail(tree: ManagementTree, detail: DevDetail): void {
  tree.set(DEVDETAIL, { format: Format.Node, acl: READ_ONLY, permanent: true, type: 'urn:oma:mo:oma-dm-devdetail:1.0' });
  const leaves: [string, string, string][] = [
    ['DevTyp', detail.devTyp, Format.Character],
    ['OEM', detail.oem, Format.Character],
    ['FwV', detail.fwV, Format.Character],
    ['SwV', detail.swV, Format.Character],
    ['HwV', detail.hwV, Format.Character],
    ['LrgObj', String(detail.lrgObj), Format.Boolean],
    ['URI/MaxDepth', String(detail.uri.maxDepth), Format.Character],
    ['URI/MaxTotLen', String(detail.uri.maxTotLen), Format.Character],
    ['URI/MaxSegLen', String(detail.uri.maxSegLen), Format.Character],
  ];
  for (const [name, value, format] of leaves) tree.set(`${DEVDETAIL}/${name}`, { format, value, permanent: true });
}

/** The DevInfo nodes as Items for Package#1 (Source LocURI, Data; Meta Format when not chr). */
export function devInfoItems(tree: ManagementTree): Item[] {
  const names = tree.children(DEVINFO) ?? [];
  return names.flatMap((name): Item[] => {
    const uri = `${DEVINFO}/${name}`;
    const r = tree.record(uri);
    if (!r || isInterior(r)) return [];
    return [{ source: { locURI: uri }, ...(r.format !== Format.Character ? { meta: { format: r.format, emis: [] } } : {}), data: r.value ?? '' }];
  });
}

/** The Replace of Package#1 carrying DevInfo (DM-PRO-Session-C-004). */
export function devInfoReplace(tree: ManagementTree): ReplaceDraft {
  const items = devInfoItems(tree);
  if (items.length === 0) throw new Error('the tree has no ./DevInfo leaves');
  return { kind: 'Replace', items: items as [Item, ...Item[]] };
}
