import { describe, expect, it } from 'vitest';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import type { SyncML } from '../../generated/types.js';
import { decodeWbxml, decodeXml } from '../../src/index.js';
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
async function session(plan: SyncBodyCommandDraft[][], opts: { encoding?: 'xml' | 'wbxml'; serverMaxObjSize?: number; clientMaxMsgSize?: number; serverMaxMsgSize?: number; abortAt?: number; setup?: (tree: ReturnType<typeof newDevice>) => void } = {}) {
  const tree = newDevice();
  opts.setup?.(tree);
  const device = new DmDevice({ tree, serverId: 'srv' });
  const encoding = opts.encoding ?? 'xml';
  const common = { encoding, sessionID: '1' };
  const clientMax = opts.clientMaxMsgSize ?? 16_000;
  const serverMax = opts.serverMaxMsgSize ?? 16_000;
  const client = new ClientSession({ ...common, localURI: CLIENT, remoteURI: SERVER, maxMsgSize: clientMax, peerMaxMsgSize: serverMax });
  const server = new ServerSession({ ...common, localURI: SERVER, remoteURI: CLIENT, maxMsgSize: serverMax, peerMaxMsgSize: clientMax, ...(opts.serverMaxObjSize ? { maxObjSize: opts.serverMaxObjSize } : {}) });
  let clientMessages = 0;
  const wire = (m: { bytes: Uint8Array }): SyncML => (encoding === 'xml' ? decodeXml(m.bytes) : decodeWbxml(m.bytes));
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
    const out = step === opts.abortAt ? server.abort() : server.reply();
    if (!out) break;
    const toClient = wire(out);
    const c = client.receive(toClient);
    await device.handle(c.events as SessionEvent[], client);
    const back = client.reply();
    if (back) clientMessages++;
    toServer = back ? wire(back) : undefined;
  }
  return { tree, statuses, results, firstPackage, ended: client.ended, clientMessages };
}

describe('the device over a real session (glue to the session core)', () => {
  it('DM-PRO-C-001, DM-PRO-Session-C-002: Package#1 carries the Alert and the DevInfo Replace', async () => {
    const { firstPackage } = await session([]);
    expect(firstPackage).toEqual(['Alert', 'Replace']);
  });

  it.each(['xml', 'wbxml'] as const)('DM-PRO-C-005, DM-PRO-C-008: the management phase runs the commands on the tree; the server gets a Status for each and Results for Get (%s)', async (encoding) => {
    const { tree, statuses, results, ended } = await session([
      [
        { kind: 'Add', items: [{ target: { locURI: './App/Setting' }, meta: { format: 'int', emis: [] }, data: '5' }] },
        { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }, { target: { locURI: './App/Setting?prop=Format' } }] },
        { kind: 'Atomic', commands: [{ kind: 'Replace', items: [{ target: { locURI: './App/Setting' }, data: '6' }] }, { kind: 'Delete', items: [{ target: { locURI: './nope' } }] }] },
        { kind: 'Replace', items: [{ target: { locURI: './DevInfo/Mod' }, data: 'hacked' }] },
      ],
    ], { encoding });
    expect(statuses).toEqual(['Add:201', 'Get:200', 'Atomic:507', 'Replace:216', 'Delete:404', 'Replace:425']);
    expect(results).toEqual(['./DevInfo/Mod=R3', './App/Setting?prop=Format=int']);
    expect(tree.value('./App/Setting')).toBe('5');
    expect(ended).toBe(true);
  });

  it('DM-PRO-C-002: the server aborts (1223): the device stops, and answers nothing more', async () => {
    const r = await session([[{ kind: 'Add', items: [{ target: { locURI: './App/x' }, data: '1' }] }]], { abortAt: 0 });
    expect(r.ended).toBe(true);
    expect(r.clientMessages).toBe(0);
    expect(r.tree.record('./App/x')).toBeUndefined();
  });

  it('DM-PRO-C-004: a large object chunked by the server reaches the tree whole, once its last chunk is in', async () => {
    const big = 'x'.repeat(6000);
    const r = await session([[{ kind: 'Replace', items: [{ target: { locURI: './App/Blob' }, data: big }] }]], {
      clientMaxMsgSize: 1500,
      setup: (tree) => tree.set('./App/Blob', { value: '' }),
    });
    expect(r.statuses.length).toBeGreaterThan(2);
    expect(r.statuses.slice(0, -1).every((s) => s === 'Replace:213')).toBe(true);
    expect(r.statuses.at(-1)).toBe('Replace:200');
    expect(r.tree.value('./App/Blob')).toBe(big);
  });

  it('DM-PRO-C-003: Results larger than one message go in several messages of one package', async () => {
    const r = await session([[{ kind: 'Get', items: [{ target: { locURI: './App?list=StructData' } }] }]], {
      serverMaxMsgSize: 3000,
      setup: (tree) => {
        for (let i = 0; i < 40; i++) tree.set(`./App/n${i}`, { value: 'v'.repeat(60) });
      },
    });
    expect(r.statuses.filter((s) => !s.startsWith('Alert:'))).toEqual(['Get:200']);
    expect(r.results).toHaveLength(41);
    expect(r.clientMessages).toBeGreaterThan(1);
  });

  it('Results larger than the server takes (its MaxObjSize) answer 413 instead', async () => {
    const r = await session([[{ kind: 'Get', items: [{ target: { locURI: './App/Big' } }] }]], {
      serverMaxObjSize: 1000,
      setup: (tree) => tree.set('./App/Big', { value: 'b'.repeat(3000) }),
    });
    expect(r.statuses).toEqual(['Get:413']);
    expect(r.results).toEqual([]);
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
