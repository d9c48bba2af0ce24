/**
 * A device's tree with its standard objects: DevInfo, DevDetail (whose URI limits are the
 * tree's), and its DM accounts. What a simulated or embedded device starts from.
 */
import type { Clock } from '../tree/node.js';
import { ManagementTree, type TreeImage, type TreeLimits } from '../tree/tree.js';
import { type DevDetail, type DevInfo, installDevDetail, installDevInfo } from './devinfo.js';
import { type DmAccount, installAccount } from './dmacc.js';

export interface DeviceTreeInit {
  readonly clock: Clock;
  readonly devInfo: DevInfo;
  readonly devDetail: DevDetail;
  readonly accounts?: readonly DmAccount[];
  /** Node and value bounds (URI limits come from devDetail.uri). */
  readonly limits?: Partial<Omit<TreeLimits, 'maxDepth' | 'maxTotLen' | 'maxSegLen'>>;
  /** Root ACL; default Add and Get for every server (TND: Add=* at the root). */
  readonly rootAcl?: string;
}

export function createDeviceTree(init: DeviceTreeInit): ManagementTree {
  const tree = new ManagementTree({ clock: init.clock, limits: { ...init.limits, ...init.devDetail.uri }, rootAcl: init.rootAcl ?? 'Add=*&Get=*' });
  installDevInfo(tree, init.devInfo);
  installDevDetail(tree, init.devDetail);
  for (const acc of init.accounts ?? []) installAccount(tree, acc);
  return tree;
}

/** A stored device tree, with the URI limits its DevDetail publishes. */
export function openDeviceTree(image: TreeImage, clock: Clock, limits?: DeviceTreeInit['limits']): ManagementTree {
  const probe = new ManagementTree({ clock, image, limits: { maxDepth: 0, maxTotLen: 0, maxSegLen: 0, ...limits } });
  const n = (name: string): number => {
    const v = Number(probe.value(`./DevDetail/URI/${name}`) ?? '0');
    return Number.isSafeInteger(v) && v >= 0 ? v : 0;
  };
  return new ManagementTree({ clock, image, limits: { ...limits, maxDepth: n('MaxDepth'), maxTotLen: n('MaxTotLen'), maxSegLen: n('MaxSegLen') } });
}

export interface SimulatedDeviceInit {
  readonly devId: string;
  /** The server it is run against: its ServerID, given the management rights. */
  readonly serverId: string;
  readonly clock?: Clock;
  /** Its DM accounts (none by default: the embedding application installs them). */
  readonly accounts?: readonly DmAccount[];
}

/**
 * The tree of a simulated device with nothing stored yet: DevInfo (made by omadm),
 * DevDetail (URI limits 16 / 1024 / 64, large objects supported), and a root ACL that
 * lets its server manage what it adds (the standard objects keep their own ACLs).
 */
export function simulatedDeviceTree(init: SimulatedDeviceInit): ManagementTree {
  const id = init.serverId;
  return createDeviceTree({
    clock: init.clock ?? { now: () => Date.now() },
    devInfo: { devId: init.devId, man: 'omadm', mod: 'simulated device', dmV: '1.3', lang: 'en-US' },
    devDetail: { devTyp: 'simulator', oem: 'omadm', fwV: '1.0', swV: '1.0', hwV: '1.0', lrgObj: true, uri: { maxDepth: 16, maxTotLen: 1024, maxSegLen: 64 } },
    ...(init.accounts ? { accounts: init.accounts } : {}),
    rootAcl: `Add=*&Get=*&Replace=${id}&Delete=${id}&Exec=${id}`,
  });
}
