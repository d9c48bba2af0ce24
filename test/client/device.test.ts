import { describe, expect, it } from 'vitest';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import type { SyncML } from '../../generated/types.js';
import { decodeXml } from '../../src/index.js';
import { DmDevice } from '../../src/client/device.js';
import { ExecRegistry } from '../../src/client/executor/exec-handlers.js';
import { createDeviceTree } from '../../src/client/objects/device-tree.js';
import { ClientSession } from '../../src/session/client-session.js';
import type { SessionEvent } from '../../src/session/endpoint.js';
import { ServerSession } from '../../src/session/server-session.js';
import { StepClock } from './helpers.js';

const CLIENT = 'IMEI:4930051';
const SERVER = 'http://127.0.0.1/dm';

function newDevice() {
  const tree = createDeviceTree({
    clock: new StepClock(),
    devInfo: { devId: CLIENT, man: 'ACME', mod: 'R3', dmV: '1.3', lang: 'en-US' },
    devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1', swV: '1', hwV: '1', lrgObj: true, uri: { maxDepth: 10, maxTotLen: 255, maxSegLen: 32 } },
    accounts: [{ node: 'srv', serverId: 'srv', addr: SERVER }],
    rootAcl: 'Add=*&Get=*&Replace=srv&Exec=srv',
  });
  return tree;
}

/** One session over XML bytes: the server sends `plan`, one package per turn. */
async function session(plan: SyncBodyCommandDraft[][], exec?: ExecRegistry) {
  const tree = newDevice();
  const device = new DmDevice({ tree, serverId: 'srv', ...(exec ? { exec } : {}) });
  const common = { encoding: 'xml' as const, sessionID: '1', maxMsgSize: 16_000, peerMaxMsgSize: 16_000 };
  const client = new ClientSession({ ...common, localURI: CLIENT, remoteURI: SERVER });
  const server = new ServerSession({ ...common, localURI: SERVER, remoteURI: CLIENT });
  const wire = (m: { bytes: Uint8Array }): SyncML => decodeXml(m.bytes);
  const statuses: string[] = [];
  const results: string[] = [];
  let toServer: SyncML | undefined = wire(client.start(device.packageOne()));
  const firstPackage = toServer.syncBody.commands.map((c) => c.kind);
  for (let step = 0; step < 20 && toServer; step++) {
    const r = server.receive(toServer);
    for (const e of r.events) {
      if (e.type === 'command') server.answer({ msgRef: e.msgRef, command: e.command }, 200);
      if (e.type === 'status' && e.status.cmd !== 'SyncHdr') statuses.push(`${e.status.cmd}:${e.status.data}`);
      if (e.type === 'results') results.push(...e.results.items.map((i) => `${i.source?.locURI}=${i.data ?? ''}`));
    }
    if (r.events.some((e) => e.type === 'package-complete') && server.awaitingStatus === 0) for (const d of plan.shift() ?? []) server.send(d);
    const out = server.reply();
    if (!out) break;
    const toClient = wire(out);
    const c = client.receive(toClient);
    await device.handle(c.events as SessionEvent[], client);
    const back = client.reply();
    toServer = back ? wire(back) : undefined;
  }
  return { tree, statuses, results, firstPackage, ended: client.ended };
}

describe('the device over a real session (glue to the session core)', () => {
  it('DM-PRO-C-001, DM-PRO-Session-C-002: Package#1 carries the Alert and the DevInfo Replace', async () => {
    const { firstPackage } = await session([]);
    expect(firstPackage).toEqual(['Alert', 'Replace']);
  });

  it('DM-PRO-C-005, DM-PRO-C-008: the management phase runs the commands on the tree; the server gets a Status for each and Results for Get', async () => {
    const { tree, statuses, results, ended } = await session([
      [
        { kind: 'Add', items: [{ target: { locURI: './App/Setting' }, meta: { format: 'int', emis: [] }, data: '5' }] },
        { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }, { target: { locURI: './App/Setting?prop=Format' } }] },
        { kind: 'Atomic', commands: [{ kind: 'Replace', items: [{ target: { locURI: './App/Setting' }, data: '6' }] }, { kind: 'Delete', items: [{ target: { locURI: './nope' } }] }] },
        { kind: 'Replace', items: [{ target: { locURI: './DevInfo/Mod' }, data: 'hacked' }] },
      ],
    ]);
    expect(statuses).toEqual(['Add:201', 'Get:200', 'Atomic:507', 'Replace:216', 'Delete:404', 'Replace:425']);
    expect(results).toEqual(['./DevInfo/Mod=R3', './App/Setting?prop=Format=int']);
    expect(tree.value('./App/Setting')).toBe('5');
    expect(ended).toBe(true);
  });

  it('DM-PRO-C-010, DM-PRO-GAlert-C-004: an accepted Exec answers 202 and its Generic Alert goes out in a later package', async () => {
    let finish!: () => void;
    const exec = new ExecRegistry().register('./App/Run', () => ({ accepted: new Promise((r) => (finish = () => r({ type: 'urn:oma:at:app:1.0:done', data: '0' }))) }));
    const tree = newDevice();
    tree.set('./App/Run', { value: '' });
    const device = new DmDevice({ tree, serverId: 'srv', exec });
    const answers = await device.executor.runPackage([{ kind: 'Exec', cmdID: '2', correlator: 'job-9', item: { target: { locURI: './App/Run' } } }], 'srv');
    expect(answers.map((a) => a.status)).toEqual([202]);
    finish();
    await device.executor.settled();
    const one = device.packageOne(1201);
    expect(one.extra).toMatchObject([{ kind: 'Alert', data: '1226', correlator: 'job-9', items: [{ source: { locURI: './App/Run' }, data: '0' }] }]);
  });
});
