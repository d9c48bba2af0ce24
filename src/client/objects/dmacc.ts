/**
 * DM accounts (DMAcc MO 1.2+, AppID w7): one interior node per server, holding what the
 * client needs to reach and authenticate it, both ways.
 *
 *   ./DMAcc/<x>/AppID = w7, ServerID, Name, PrefConRef,
 *     AppAddr/<x>/{Addr, AddrType, Port/<x>/PortNbr},
 *     AAuthPref,
 *     AppAuth/<x>/{AAuthLevel (CLCRED | SRVCRED | OBEX | HTTP), AAuthType, AAuthName, AAuthSecret, AAuthData}
 *
 * Each account is the business of its own server: its ACL names that server only, and
 * the secrets and nonces (AAuthSecret, AAuthData) are writable but never readable.
 */
import { Format } from '../../../generated/codes.js';
import type { ManagementTree } from '../tree/tree.js';

export const DMACC = './DMAcc';

export type AuthLevel = 'CLCRED' | 'SRVCRED' | 'OBEX' | 'HTTP';

/** One credential of an account (AppAuth/<x>). */
export interface AccountCredential {
  /** DMAcc AAuthType: BASIC, DIGEST, HMAC, ... */
  readonly type: string;
  readonly name: string;
  readonly secret: string;
  /** The nonce, base64, as AAuthData holds it. */
  readonly nonce?: string;
}

export interface DmAccount {
  /** The account's node name under ./DMAcc. */
  readonly node: string;
  readonly serverId: string;
  readonly name?: string;
  /** Server address (AppAddr/1/Addr), e.g. an https URL. */
  readonly addr: string;
  readonly addrType?: string;
  readonly port?: number;
  /** Preferred auth type of the server (AAuthPref), e.g. DIGEST. */
  readonly authPref?: string;
  /** What the client presents to the server. */
  readonly client?: AccountCredential;
  /** What the server must present to the client (and the notification digest key). */
  readonly server?: AccountCredential;
}

function own(serverId: string, ...commands: string[]): string {
  return commands.map((c) => `${c}=${serverId}`).join('&');
}

export function installAccount(tree: ManagementTree, acc: DmAccount): void {
  const base = `${DMACC}/${acc.node}`;
  if (!tree.record(DMACC)) tree.set(DMACC, { format: Format.Node, permanent: true, acl: 'Get=*', type: 'urn:oma:mo:oma-dm-dmacc:1.0' });
  tree.set(base, { format: Format.Node, acl: own(acc.serverId, 'Add', 'Delete', 'Get', 'Replace') });
  const leaf = (path: string, value: string, extra: { format?: string; acl?: string } = {}): void =>
    tree.set(`${base}/${path}`, { format: extra.format ?? Format.Character, value, ...(extra.acl !== undefined ? { acl: extra.acl } : {}) });
  leaf('AppID', 'w7', { acl: own(acc.serverId, 'Get') });
  leaf('ServerID', acc.serverId);
  if (acc.name !== undefined) leaf('Name', acc.name);
  leaf('AppAddr/1/Addr', acc.addr);
  leaf('AppAddr/1/AddrType', acc.addrType ?? 'URI');
  if (acc.port !== undefined) leaf('AppAddr/1/Port/1/PortNbr', String(acc.port), { format: Format.Integer });
  if (acc.authPref !== undefined) leaf('AAuthPref', acc.authPref);
  const creds: [string, AuthLevel, AccountCredential | undefined][] = [['1', 'CLCRED', acc.client], ['2', 'SRVCRED', acc.server]];
  for (const [x, level, cred] of creds) {
    if (!cred) continue;
    leaf(`AppAuth/${x}/AAuthLevel`, level);
    leaf(`AppAuth/${x}/AAuthType`, cred.type);
    leaf(`AppAuth/${x}/AAuthName`, cred.name);
    leaf(`AppAuth/${x}/AAuthSecret`, cred.secret, { acl: own(acc.serverId, 'Replace') });
    leaf(`AppAuth/${x}/AAuthData`, cred.nonce ?? '', { format: Format.Binary, acl: own(acc.serverId, 'Replace') });
  }
}

/** Every account in the tree (device side, no ACL). */
export function readAccounts(tree: ManagementTree): DmAccount[] {
  return (tree.children(DMACC) ?? []).flatMap((node) => {
    const acc = readAccount(tree, node);
    return acc ? [acc] : [];
  });
}

export function findAccount(tree: ManagementTree, serverId: string): DmAccount | undefined {
  return readAccounts(tree).find((a) => a.serverId === serverId);
}

function readAccount(tree: ManagementTree, node: string): DmAccount | undefined {
  const base = `${DMACC}/${node}`;
  const v = (path: string): string | undefined => tree.value(`${base}/${path}`);
  const serverId = v('ServerID');
  const addr = (tree.children(`${base}/AppAddr`) ?? []).map((x) => v(`AppAddr/${x}/Addr`)).find((a) => a !== undefined);
  if (serverId === undefined || addr === undefined) return undefined;
  let client: AccountCredential | undefined;
  let server: AccountCredential | undefined;
  for (const x of tree.children(`${base}/AppAuth`) ?? []) {
    const cred: AccountCredential = {
      type: v(`AppAuth/${x}/AAuthType`) ?? '',
      name: v(`AppAuth/${x}/AAuthName`) ?? '',
      secret: v(`AppAuth/${x}/AAuthSecret`) ?? '',
      ...(v(`AppAuth/${x}/AAuthData`) ? { nonce: v(`AppAuth/${x}/AAuthData`)! } : {}),
    };
    const level = v(`AppAuth/${x}/AAuthLevel`);
    if (level === 'CLCRED') client = cred;
    else if (level === 'SRVCRED') server = cred;
  }
  const port = (tree.children(`${base}/AppAddr/1/Port`) ?? []).map((x) => v(`AppAddr/1/Port/${x}/PortNbr`)).find((p) => p !== undefined);
  const name = v('Name');
  const addrType = v('AppAddr/1/AddrType');
  const authPref = v('AAuthPref');
  return {
    node,
    serverId,
    addr,
    ...(name !== undefined ? { name } : {}),
    ...(addrType !== undefined ? { addrType } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(authPref !== undefined ? { authPref } : {}),
    ...(client ? { client } : {}),
    ...(server ? { server } : {}),
  };
}

/** Stores the next nonce of a credential of the server's account (it survives restarts). */
export function storeNonce(tree: ManagementTree, serverId: string, level: 'CLCRED' | 'SRVCRED', nonce: string): boolean {
  const acc = findAccount(tree, serverId);
  if (!acc) return false;
  const base = `${DMACC}/${acc.node}`;
  for (const x of tree.children(`${base}/AppAuth`) ?? []) {
    if (tree.value(`${base}/AppAuth/${x}/AAuthLevel`) === level) {
      tree.set(`${base}/AppAuth/${x}/AAuthData`, { format: Format.Binary, value: nonce });
      return true;
    }
  }
  return false;
}
