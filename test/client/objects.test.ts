import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeviceTree, openDeviceTree } from '../../src/client/objects/device-tree.js';
import { devInfoReplace } from '../../src/client/objects/devinfo.js';
import { findAccount, readAccounts, storeNonce, type DmAccount } from '../../src/client/objects/dmacc.js';
import { FileTreeStore } from '../../src/client/store/file-store.js';
import { isTreeError } from '../../src/client/tree/errors.js';
import { StepClock } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'omadm-objects-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const account: DmAccount = {
  node: 'acme',
  serverId: 'acme-dm',
  name: 'ACME DM',
  addr: 'https://dm.acme.example/dm',
  port: 443,
  authPref: 'DIGEST',
  client: { type: 'DIGEST', name: 'IMEI:4930051', secret: 'c-secret', nonce: 'Y2xpZW50' },
  server: { type: 'DIGEST', name: 'acme-dm', secret: 's-secret', nonce: 'c2VydmVy' },
};

function device() {
  return createDeviceTree({
    clock: new StepClock(),
    devInfo: { devId: 'IMEI:4930051', man: 'ACME', mod: 'Rocket 3', dmV: '1.3', lang: 'en-US' },
    devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1.0.7', swV: '2.1', hwV: 'B', lrgObj: true, uri: { maxDepth: 8, maxTotLen: 200, maxSegLen: 32 } },
    accounts: [account, { ...account, node: 'other', serverId: 'other-dm', addr: 'https://other.example/' }],
  });
}

function status(f: () => unknown): number {
  try {
    f();
    return 200;
  } catch (e) {
    if (isTreeError(e)) return e.status;
    throw e;
  }
}

describe('standard objects', () => {
  it('DM-PRO-Session-C-004: Package#1 carries DevInfo in a Replace, one Item per node with its Source LocURI', () => {
    expect(devInfoReplace(device())).toEqual({
      kind: 'Replace',
      items: [
        { source: { locURI: './DevInfo/DevId' }, data: 'IMEI:4930051' },
        { source: { locURI: './DevInfo/Man' }, data: 'ACME' },
        { source: { locURI: './DevInfo/Mod' }, data: 'Rocket 3' },
        { source: { locURI: './DevInfo/DmV' }, data: '1.3' },
        { source: { locURI: './DevInfo/Lang' }, data: 'en-US' },
      ],
    });
  });

  it('DM-PRO-LO-C-011: DevDetail/LrgObj says the client takes large objects', () => {
    const tree = device();
    expect(tree.get('./DevDetail/LrgObj', 'acme-dm')).toEqual([{ uri: './DevDetail/LrgObj', format: 'bool', data: 'true' }]);
  });

  it('DevInfo and DevDetail are permanent and read-only to servers; DevDetail/URI limits bind the tree', () => {
    const tree = device();
    expect(status(() => tree.replace('./DevInfo/Mod', { value: 'x' }, 'acme-dm'))).toBe(425);
    expect(status(() => tree.delete('./DevDetail', 'acme-dm'))).toBe(425);
    expect(tree.get('./DevDetail/URI?list=StructData', 'x').map((i) => i.data)).toEqual([undefined, '8', '200', '32']);
    expect(status(() => tree.add(`./${'s'.repeat(33)}`, { value: '1' }, 'acme-dm'))).toBe(414);
    expect(status(() => tree.add('./a/b/c/d/e/f/g/h/i', { value: '1' }, 'acme-dm'))).toBe(414);
  });

  it('DMAcc (1.2+ layout): AppID w7, ServerID, AppAddr, AAuthPref, AppAuth CLCRED and SRVCRED', () => {
    const tree = device();
    expect(tree.value('./DMAcc/acme/AppID')).toBe('w7');
    expect(tree.value('./DMAcc/acme/AppAddr/1/Addr')).toBe('https://dm.acme.example/dm');
    expect(tree.value('./DMAcc/acme/AppAddr/1/Port/1/PortNbr')).toBe('443');
    expect(tree.value('./DMAcc/acme/AppAuth/1/AAuthLevel')).toBe('CLCRED');
    expect(tree.value('./DMAcc/acme/AppAuth/2/AAuthLevel')).toBe('SRVCRED');
    expect(findAccount(tree, 'acme-dm')).toEqual({ ...account, addrType: 'URI' });
    expect(readAccounts(tree).map((a) => a.serverId)).toEqual(['acme-dm', 'other-dm']);
  });

  it('an account is its own server business; secrets and nonces are never readable', () => {
    const tree = device();
    expect(tree.get('./DMAcc/acme/Name', 'acme-dm')[0]!.data).toBe('ACME DM');
    expect(status(() => tree.get('./DMAcc/acme/Name', 'other-dm'))).toBe(425);
    expect(status(() => tree.get('./DMAcc/acme/AppAuth/1/AAuthSecret', 'acme-dm'))).toBe(425);
    expect(status(() => tree.replace('./DMAcc/acme/AppAuth/1/AAuthSecret', { value: 'new' }, 'acme-dm'))).toBe(200);
    expect(status(() => tree.replace('./DMAcc/acme/AppAuth/1/AAuthSecret', { value: 'new' }, 'other-dm'))).toBe(425);
  });

  it('the tree and the accounts survive a restart (file store), nonces included', () => {
    const tree = device();
    const path = join(dir, 'device.json');
    const store = new FileTreeStore(path);
    store.commit(tree.takeChanges());
    expect(storeNonce(tree, 'acme-dm', 'SRVCRED', 'bmV4dA==')).toBe(true);
    store.commit(tree.takeChanges());
    const again = openDeviceTree(new FileTreeStore(path).load()!, new StepClock());
    expect(findAccount(again, 'acme-dm')!.server!.nonce).toBe('bmV4dA==');
    expect(again.limits.maxSegLen).toBe(32);
    expect(JSON.stringify(again.image())).toBe(JSON.stringify(tree.image()));
  });

  it('DM 1.1 accounts (./SyncML/DMAcc) are read and written like 1.2 ones: credentials both ways from AuthPref, nonces kept', () => {
    const tree = createDeviceTree({
      clock: new StepClock(),
      devInfo: { devId: 'IMEI:11', man: 'ACME', mod: 'Old', dmV: '1.1', lang: 'en' },
      devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1', swV: '1', hwV: '1', lrgObj: false, uri: { maxDepth: 8, maxTotLen: 200, maxSegLen: 32 } },
      accounts: [
        { node: 'old', layout: '1.1', serverId: 'legacy-dm', addr: 'http://legacy.example/dm', client: { type: 'syncml:auth-md5', name: 'IMEI:11', secret: 'c-pw', nonce: 'Y2xpZW50' }, server: { type: 'syncml:auth-md5', name: 'legacy-dm', secret: 's-pw' } },
      ],
    });
    expect(tree.value('./SyncML/DMAcc/old/ServerId')).toBe('legacy-dm');
    expect(tree.value('./SyncML/DMAcc/old/AuthPref')).toBe('syncml:auth-md5');
    expect(tree.value('./SyncML/DMAcc/old/UserName')).toBe('IMEI:11');
    expect(findAccount(tree, 'legacy-dm')).toEqual({
      node: 'old',
      layout: '1.1',
      serverId: 'legacy-dm',
      addr: 'http://legacy.example/dm',
      addrType: '1',
      authPref: 'syncml:auth-md5',
      client: { type: 'syncml:auth-md5', name: 'IMEI:11', secret: 'c-pw', nonce: 'Y2xpZW50' },
      server: { type: 'syncml:auth-md5', name: 'legacy-dm', secret: 's-pw' },
    });
    expect(storeNonce(tree, 'legacy-dm', 'SRVCRED', 'bmV4dA==')).toBe(true);
    expect(tree.value('./SyncML/DMAcc/old/ServerNonce')).toBe('bmV4dA==');
    // The passwords are the server's to replace, nobody's to read.
    expect(status(() => tree.get('./SyncML/DMAcc/old/ClientPW', 'legacy-dm'))).toBe(425);
    expect(status(() => tree.get('./SyncML/DMAcc/old/ServerId', 'other'))).toBe(425);
  });
});
