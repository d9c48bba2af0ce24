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
 *
 * DM 1.1 servers provision the flat account of SyncML DM 1.1.2 instead, read (and
 * written, for `layout: '1.1'`) the same way:
 *
 *   ./SyncML/DMAcc/<x>/{Addr, AddrType, PortNbr, Name, ServerId, AuthPref,
 *     UserName, ClientPW, ClientNonce (CLCRED), ServerPW, ServerNonce (SRVCRED)}
 *
 * where AuthPref (syncml:auth-basic, syncml:auth-md5) is the type of both credentials and
 * the server authenticates with its ServerId as name. Where a server has both, ./DMAcc wins.
 */
import { Format } from '../../../generated/codes.js';
import type { ManagementTree } from '../tree/tree.js';

export const DMACC = './DMAcc';
/** The DM 1.1 account root. */
export const DMACC_11 = './SyncML/DMAcc';

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
  /** Where it lives: ./DMAcc (1.2, the default) or ./SyncML/DMAcc (1.1). */
  readonly layout?: '1.2' | '1.1';
}

function own(serverId: string, ...commands: string[]): string {
  return commands.map((c) => `${c}=${serverId}`).join('&');
}

export function installAccount(tree: ManagementTree, acc: DmAccount): void {
  if (acc.layout === '1.1') return installAccount11(tree, acc);
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

/** A DM 1.1 account (the flat layout); its type is AuthPref, both ways. */
function installAccount11(tree: ManagementTree, acc: DmAccount): void {
  const base = `${DMACC_11}/${acc.node}`;
  if (!tree.record('./SyncML')) tree.set('./SyncML', { format: Format.Node, permanent: true, acl: 'Get=*' });
  if (!tree.record(DMACC_11)) tree.set(DMACC_11, { format: Format.Node, permanent: true, acl: 'Get=*' });
  tree.set(base, { format: Format.Node, acl: own(acc.serverId, 'Add', 'Delete', 'Get', 'Replace') });
  const leaf = (path: string, value: string, extra: { format?: string; acl?: string } = {}): void =>
    tree.set(`${base}/${path}`, { format: extra.format ?? Format.Character, value, ...(extra.acl !== undefined ? { acl: extra.acl } : {}) });
  const secret = own(acc.serverId, 'Replace');
  leaf('Addr', acc.addr);
  leaf('AddrType', acc.addrType ?? '1');
  if (acc.port !== undefined) leaf('PortNbr', String(acc.port), { format: Format.Integer });
  if (acc.name !== undefined) leaf('Name', acc.name);
  leaf('ServerId', acc.serverId);
  const type = acc.client?.type ?? acc.server?.type ?? acc.authPref;
  if (type !== undefined) leaf('AuthPref', type);
  if (acc.client) {
    leaf('UserName', acc.client.name);
    leaf('ClientPW', acc.client.secret, { acl: secret });
    leaf('ClientNonce', acc.client.nonce ?? '', { format: Format.Binary, acl: secret });
  }
  if (acc.server) {
    leaf('ServerPW', acc.server.secret, { acl: secret });
    leaf('ServerNonce', acc.server.nonce ?? '', { format: Format.Binary, acl: secret });
  }
}

/** Every account in the tree (device side, no ACL): the 1.2 ones, then the 1.1 ones. */
export function readAccounts(tree: ManagementTree): DmAccount[] {
  const of = (root: string, read: (tree: ManagementTree, node: string) => DmAccount | undefined): DmAccount[] =>
    (tree.children(root) ?? []).flatMap((node) => {
      const acc = read(tree, node);
      return acc ? [acc] : [];
    });
  return [...of(DMACC, readAccount), ...of(DMACC_11, readAccount11)];
}

export function findAccount(tree: ManagementTree, serverId: string): DmAccount | undefined {
  return readAccounts(tree).find((a) => a.serverId === serverId);
}

function readAccount11(tree: ManagementTree, node: string): DmAccount | undefined {
  const base = `${DMACC_11}/${node}`;
  const v = (path: string): string | undefined => tree.value(`${base}/${path}`);
  const serverId = v('ServerId');
  const addr = v('Addr');
  if (serverId === undefined || addr === undefined) return undefined;
  const type = v('AuthPref') ?? '';
  const nonce = (path: string): { nonce?: string } => (v(path) ? { nonce: v(path)! } : {});
  const userName = v('UserName');
  const clientPW = v('ClientPW');
  const serverPW = v('ServerPW');
  const [name, addrType, port] = [v('Name'), v('AddrType'), v('PortNbr')];
  return {
    node,
    serverId,
    addr,
    layout: '1.1',
    ...(name !== undefined ? { name } : {}),
    ...(addrType !== undefined ? { addrType } : {}),
    ...(port !== undefined ? { port: Number(port) } : {}),
    ...(type !== '' ? { authPref: type } : {}),
    ...(userName !== undefined && clientPW !== undefined ? { client: { type, name: userName, secret: clientPW, ...nonce('ClientNonce') } } : {}),
    ...(serverPW !== undefined ? { server: { type, name: serverId, secret: serverPW, ...nonce('ServerNonce') } } : {}),
  };
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
  if (acc.layout === '1.1') {
    const leaf = `${DMACC_11}/${acc.node}/${level === 'CLCRED' ? 'ClientNonce' : 'ServerNonce'}`;
    if (!tree.record(leaf)) return false;
    tree.set(leaf, { format: Format.Binary, value: nonce });
    return true;
  }
  const base = `${DMACC}/${acc.node}`;
  for (const x of tree.children(`${base}/AppAuth`) ?? []) {
    if (tree.value(`${base}/AppAuth/${x}/AAuthLevel`) === level) {
      tree.set(`${base}/AppAuth/${x}/AAuthData`, { format: Format.Binary, value: nonce });
      return true;
    }
  }
  return false;
}
