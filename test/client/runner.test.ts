/**
 * The device runner end to end: one whole DM session of a simulated device against a
 * scripted ServerSession behind the real HTTP endpoint on 127.0.0.1, in XML and WBXML,
 * with every kind of authentication both ways, Package#0, RespURI and a lost answer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import { createDeviceTree, simulatedDeviceTree } from '../../src/client/objects/device-tree.js';
import type { DmAccount } from '../../src/client/objects/dmacc.js';
import { findAccount } from '../../src/client/objects/dmacc.js';
import { genericAlert } from '../../src/client/alerts.js';
import { DmDevice } from '../../src/client/device.js';
import { ExecRegistry } from '../../src/client/executor/exec-handlers.js';
import { formatTranscript, runDeviceSession, type DeviceSessionOptions } from '../../src/client/runner/runner.js';
import { HttpTransport } from '../../src/client/transport/http-transport.js';
import { autoAnswer } from '../../src/client/ui/auto.js';
import { createUiRunner } from '../../src/client/ui/runner.js';
import { buildTrigger } from '../../src/notification/trigger.js';
import { StepClock } from './helpers.js';
import { startScriptedServer, type Auth, type ScriptedServer, type ScriptOptions } from './scripted-server.js';

const DEV = 'IMEI:493005100592800';
let server: ScriptedServer | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const TYPE: Record<Exclude<Auth, 'none'>, string> = { basic: 'BASIC', md5: 'DIGEST', hmac: 'HMAC' };
const clientNonce = Buffer.from('client-nonce-1');
const serverNonce = Buffer.from('server-nonce-1');

function deviceTree(url: string, clientAuth: Auth, serverAuth: Auth) {
  const account: DmAccount = {
    node: 'srv',
    serverId: 'srv',
    addr: url,
    ...(clientAuth !== 'none' ? { client: { type: TYPE[clientAuth], name: 'dev-user', secret: 'dev-secret', nonce: clientNonce.toString('base64') } } : {}),
    // The server credentials sign Package#0 too, whatever the session's server auth.
    server: { type: serverAuth !== 'none' ? TYPE[serverAuth] : 'DIGEST', name: 'srv', secret: 'srv-secret', nonce: serverNonce.toString('base64') },
  };
  return createDeviceTree({
    clock: new StepClock(),
    devInfo: { devId: DEV, man: 'ACME', mod: 'R3', dmV: '1.3', lang: 'en-US' },
    devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1', swV: '1', hwV: '1', lrgObj: true, uri: { maxDepth: 10, maxTotLen: 255, maxSegLen: 32 } },
    accounts: [account],
    rootAcl: 'Add=*&Get=*&Replace=srv&Exec=srv',
  });
}

const PLAN: SyncBodyCommandDraft[][] = [
  [
    { kind: 'Add', items: [{ target: { locURI: './App/Setting' }, meta: { format: 'int', emis: [] }, data: '5' }] },
    { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] },
  ],
  [{ kind: 'Replace', items: [{ target: { locURI: './App/Setting' }, data: '6' }] }],
];

const transport = new HttpTransport({ timeoutMs: 5_000, attempts: 3, backoffMs: () => 0 });

async function run(script: Partial<Omit<ScriptOptions, 'clientAuth' | 'serverAuth'>> & { clientAuth?: Auth; serverAuth?: Auth }, extra: Partial<DeviceSessionOptions> & { encoding?: 'xml' | 'wbxml' } = {}) {
  const clientAuth = script.clientAuth ?? 'none';
  const serverAuth = script.serverAuth ?? 'none';
  server = await startScriptedServer({
    plan: script.plan ?? PLAN,
    ...(clientAuth !== 'none' ? { clientAuth: { type: clientAuth, name: 'dev-user', secret: 'dev-secret', nonce: clientNonce } } : {}),
    ...(serverAuth !== 'none' ? { serverAuth: { type: serverAuth, name: 'srv', secret: 'srv-secret', nonce: serverNonce } } : {}),
    ...(script.respPath ? { respPath: script.respPath } : {}),
    ...(script.dropAnswers ? { dropAnswers: script.dropAnswers } : {}),
    ...(script.rewrite ? { rewrite: script.rewrite } : {}),
  });
  const tree = deviceTree(server.url, clientAuth, serverAuth);
  const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, random: seeded(), serverAuth, ...extra });
  return { transcript, tree, server };
}

function seeded() {
  let n = 3;
  return (len: number) => Uint8Array.from({ length: len }, () => (n = (n * 69069 + 1) % 2 ** 32) & 0xff);
}

describe('the device runner against a scripted DM server over HTTP on 127.0.0.1', () => {
  it('DM-PRO-Session-C-002, DM-PRO-C-005: a client-initiated session (Alert 1201) runs the server packages and completes (XML)', async () => {
    const { transcript, tree, server } = await run({});
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(transcript.alert).toBe(1201);
    expect(server.commands.slice(0, 2)).toEqual(['Alert 1201', 'Replace']);
    expect(server.statuses).toEqual(['Add:201', 'Get:200', 'Replace:200']);
    expect(server.results).toEqual(['./DevInfo/Mod=R3']);
    expect(tree.value('./App/Setting')).toBe('6');
    // Package by package, each command with the status the other side gave it.
    expect(transcript.packages.map((p) => `${p.number}:${p.sender}`)).toEqual(['1:client', '2:server', '3:client', '4:server', '5:client', '6:server']);
    const p1 = transcript.packages[0]!.messages[0]!.commands;
    expect(p1.map((c) => [c.kind, c.status])).toEqual([['Alert', 200], ['Replace', 200]]);
    const p2 = transcript.packages[1]!.messages[0]!.commands.filter((c) => c.kind !== 'Status');
    expect(p2.map((c) => `${c.kind} ${c.uris.join(' ')} ${c.status}`)).toEqual(['Add ./App/Setting 201', 'Get ./DevInfo/Mod 200']);
    const text = formatTranscript(transcript);
    expect(text).toContain('Package 1 (client -> server)');
    expect(text).toContain('Get ./DevInfo/Mod -> 200');
    expect(text).toContain('Session completed');
    expect(JSON.parse(JSON.stringify(transcript))).toEqual(transcript);
  });

  const matrix = (['xml', 'wbxml'] as const).flatMap((encoding) => (['none', 'basic', 'md5', 'hmac'] as const).map((auth) => [encoding, auth] as const));
  it.each(matrix)('DM-PRO-C-001, DM-PRO-C-008: a whole session in %s with %s authentication both ways (section 9)', async (encoding, auth) => {
    const { transcript, tree, server } = await run({ clientAuth: auth, serverAuth: auth }, { encoding });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(server.statuses).toEqual(['Add:201', 'Get:200', 'Replace:200']);
    expect(tree.value('./App/Setting')).toBe('6');
    const credentials = server.seen.map((s) => (s.hmac !== undefined ? 'hmac' : s.message.syncHdr.cred?.meta?.type ?? 'none'));
    const expected = { none: 'none', basic: 'syncml:auth-basic', md5: 'syncml:auth-md5', hmac: 'hmac' }[auth];
    expect(credentials[0]).toBe(expected);
    if (auth !== 'none') {
      // The server proved itself too: its first message carried its credentials.
      expect(transcript.packages[1]!.messages[0]!.credentials).toBe(expected === 'hmac' ? 'syncml:auth-MAC' : expected);
    }
    if (auth === 'md5' || auth === 'hmac') {
      // The nonces the server gave are kept in the account for the next session.
      const account = findAccount(tree, 'srv')!;
      expect(account.client!.nonce).not.toBe(clientNonce.toString('base64'));
      expect(account.server!.nonce).not.toBe(serverNonce.toString('base64'));
    }
  });

  it('DM-PRO-Session-C-001, DM-PRO-Session-C-003: a Package#0 whose digest checks starts session 1200 with the notified session id', async () => {
    server = await startScriptedServer({ plan: PLAN });
    const tree = deviceTree(server.url, 'none', 'none');
    const notification = buildTrigger({ version: 13, uiMode: 1, initiator: 1, sessionId: 0x2a4f, serverId: 'srv' }, { password: 'srv-secret', nonce: serverNonce });
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, notification, serverAuth: 'none' });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(transcript.alert).toBe(1200);
    expect(transcript.sessionId).toBe('2A4F');
    expect(server.seen[0]!.message.syncHdr.sessionID).toBe('2A4F');
    expect(server.commands[0]).toBe('Alert 1200');
    expect(transcript.notification).toMatchObject({ serverId: 'srv', uiMode: 1, dmVersion: '1.3' });
  });

  it('a Package#0 whose session is declined (acceptSession, e.g. ui-mode 3) sends nothing', async () => {
    server = await startScriptedServer({ plan: PLAN });
    const tree = deviceTree(server.url, 'none', 'none');
    const notification = buildTrigger({ version: 13, uiMode: 3, initiator: 1, sessionId: 9, serverId: 'srv' }, { password: 'srv-secret', nonce: serverNonce });
    const asked: number[] = [];
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, notification, acceptSession: (n) => (asked.push(n.uiMode), false) });
    expect(asked).toEqual([3]);
    expect(transcript.outcome).toBe('notification-refused');
    expect(server.seen).toEqual([]);
  });

  it('a Package#0 with a bad digest is refused and nothing is sent', async () => {
    server = await startScriptedServer({ plan: PLAN });
    const tree = deviceTree(server.url, 'none', 'none');
    const notification = buildTrigger({ version: 13, uiMode: 1, initiator: 1, sessionId: 5, serverId: 'srv' }, { password: 'guess', nonce: serverNonce });
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, notification, serverAuth: 'none' });
    expect(transcript.outcome).toBe('notification-refused');
    expect(server.seen).toEqual([]);
  });

  it('follows RespURI: every message after the first goes where the server said (9.1)', async () => {
    const { transcript, server } = await run({ respPath: '/s/7f3a' });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(server.seen.map((s) => s.subPath)).toEqual(['', ...server.seen.slice(1).map(() => '/s/7f3a')]);
    expect(transcript.packages[2]!.messages[0]!.url).toBe(`${server.url}/s/7f3a`);
  });

  it.each(['xml', 'wbxml'] as const)('a message resent after a lost answer is a duplicate to the server, never new commands (%s)', async (encoding) => {
    const { transcript, tree, server } = await run({ dropAnswers: [2], clientAuth: 'md5', serverAuth: 'md5' }, { encoding });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(server.seen.filter((s) => s.duplicate)).toHaveLength(1);
    expect(server.statuses).toEqual(['Add:201', 'Get:200', 'Replace:200']);
    expect(tree.value('./App/Setting')).toBe('6');
    const attempts = transcript.packages.flatMap((p) => p.messages).map((m) => m.attempts ?? 1);
    expect(attempts.filter((a) => a === 2)).toHaveLength(1);
  });

  it('a server answer that is not a DM message ends the session as a protocol error', async () => {
    const { transcript } = await run({ rewrite: (n, bytes) => (n === 2 ? new TextEncoder().encode('<SyncML><oops/>') : bytes) });
    expect(transcript.outcome).toBe('protocol-error');
    expect(transcript.reason).toMatch(/cannot be read/);
  });

  it('the server refusing our credentials ends the session as auth-failed', async () => {
    server = await startScriptedServer({ plan: PLAN, clientAuth: { type: 'md5', name: 'dev-user', secret: 'other-secret', nonce: clientNonce } });
    const tree = deviceTree(server.url, 'md5', 'none');
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, serverAuth: 'none' });
    expect(transcript.outcome).toBe('auth-failed');
    expect(transcript.messagesSent).toBeLessThanOrEqual(6);
  });

  it.each(['xml', 'wbxml'] as const)('DM-PRO-UI-C-003, DM-PRO-UI-C-004, DM-PRO-UI-C-005: the Status of 1102/1103/1104 carries the user input and the chosen items to the server (10.2.3, 10.2.4, %s)', async (encoding) => {
    const ui = (code: number, ...data: string[]): SyncBodyCommandDraft => ({ kind: 'Alert', data: String(code), items: data.map((d) => ({ data: d })) });
    const plan = [[ui(1102, 'MAXLEN=12', 'Your name?'), ui(1103, '', 'Pick one', 'CNN', 'Mobilbank', 'Game'), ui(1104, 'DR=1-3', 'Pick some', 'a', 'b', 'c'), ui(1101, '', 'Reboot?')]];
    const answers = createUiRunner(autoAnswer({ input: 'Ada Lovelace', choose: [2], confirm: false }));
    const { transcript, server } = await run({ plan }, { encoding, ui: answers });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    const got = server.events.flatMap((e) => (e.type === 'status' && e.status.cmd === 'Alert' ? [`${e.status.data}:${e.status.items.map((i) => i.data).join(',')}`] : []));
    expect(got).toEqual(['200:Ada Lovelace', '200:2', '200:1,3', '304:']);
  });

  it.each(['xml', 'wbxml'] as const)('Get ?list=TNDS+Format+Value reaches the server as one TNDS document (%s)', async (encoding) => {
    const plan = [[{ kind: 'Get', items: [{ target: { locURI: './DevInfo?list=TNDS+Format+Value' } }] } as SyncBodyCommandDraft]];
    const { transcript, server } = await run({ plan }, { encoding });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(server.statuses).toEqual(['Get:200']);
    const doc = server.results[0]!;
    expect(doc.startsWith('./DevInfo?list=TNDS+Format+Value=<MgmtTree xmlns="syncml:dmddf1.2">')).toBe(true);
    expect(doc).toContain('<Node><NodeName>Mod</NodeName><RTProperties><Format><chr/></Format></RTProperties><Value>R3</Value></Node>');
  });

  it('a DM 1.1 account (./SyncML/DMAcc) gives the address and both credentials; its nonces are kept', async () => {
    server = await startScriptedServer({
      plan: PLAN,
      clientAuth: { type: 'md5', name: 'dev-user', secret: 'dev-secret', nonce: clientNonce },
      serverAuth: { type: 'md5', name: 'srv', secret: 'srv-secret', nonce: serverNonce },
    });
    const tree = createDeviceTree({
      clock: new StepClock(),
      devInfo: { devId: DEV, man: 'ACME', mod: 'Old', dmV: '1.1', lang: 'en' },
      devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1', swV: '1', hwV: '1', lrgObj: false, uri: { maxDepth: 10, maxTotLen: 255, maxSegLen: 32 } },
      accounts: [
        {
          node: '1',
          layout: '1.1',
          serverId: 'srv',
          addr: server.url,
          client: { type: 'syncml:auth-md5', name: 'dev-user', secret: 'dev-secret', nonce: clientNonce.toString('base64') },
          server: { type: 'syncml:auth-md5', name: 'srv', secret: 'srv-secret', nonce: serverNonce.toString('base64') },
        },
      ],
      rootAcl: 'Add=*&Get=*&Replace=srv',
    });
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, random: seeded() });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect([transcript.clientAuth, transcript.serverAuth]).toEqual(['md5', 'md5']);
    expect(server.statuses).toEqual(['Add:201', 'Get:200', 'Replace:200']);
    expect(tree.value('./SyncML/DMAcc/1/ClientNonce')).not.toBe(clientNonce.toString('base64'));
  });

  it('client alerts given to the runner go in Package#1 after the DevInfo Replace (6.7 Generic Alert)', async () => {
    const alert = genericAlert([{ source: './FwUpdate', type: 'urn:oma:at:fumo:1.0:DownloadAndUpdate', format: 'int', mark: 'critical', data: '200' }], 'job-1');
    const { transcript, server } = await run({}, { alerts: [alert] });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(server.commands.slice(0, 3)).toEqual(['Alert 1201', 'Replace', 'Alert 1226']);
    const p1 = transcript.packages[0]!.messages[0]!.commands;
    expect(p1.map((c) => `${c.kind} ${c.data ?? ''} ${c.status}`)).toEqual(['Alert 1201 200', 'Replace  200', 'Alert 1226 200']);
  });

  it('both sides refusing each other\'s credentials in the same message ends the session as auth-failed, without a throw', async () => {
    server = await startScriptedServer({ plan: PLAN, clientAuth: { type: 'md5', name: 'dev-user', secret: 'other-secret', nonce: clientNonce } });
    const tree = deviceTree(server.url, 'md5', 'md5');
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport, random: seeded() });
    expect(transcript.outcome).toBe('auth-failed');
    expect(transcript.messagesSent).toBeLessThanOrEqual(6);
    expect(server.commands).toEqual([]);
  });

  it('a simulated device (simulatedDeviceTree) lets its server manage what it adds, not the standard objects', async () => {
    server = await startScriptedServer({
      plan: [[
        { kind: 'Add', items: [{ target: { locURI: './App/Setting' }, data: 'a' }] },
        { kind: 'Replace', items: [{ target: { locURI: './App/Setting' }, data: 'b' }] },
        { kind: 'Replace', items: [{ target: { locURI: './DevInfo/Mod' }, data: 'hacked' }] },
        { kind: 'Delete', items: [{ target: { locURI: './DevDetail' } }] },
      ]],
    });
    const tree = simulatedDeviceTree({ devId: 'IMEI:77', serverId: 'srv', clock: new StepClock(), accounts: [{ node: 'srv', serverId: 'srv', addr: server.url }] });
    const transcript = await runDeviceSession({ tree, serverId: 'srv', transport });
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(server.statuses).toEqual(['Add:201', 'Replace:200', 'Replace:425', 'Delete:425']);
    expect(tree.value('./App/Setting')).toBe('b');
    expect(tree.value('./DevInfo/Mod')).toBe('simulated device');
  });

  it('DM-PRO-C-010, DM-PRO-GAlert-C-004: an Exec that finishes after its session is reported by a Generic Alert with its Correlator in the next session of the same device', async () => {
    let finish!: () => void;
    const exec = new ExecRegistry().register('./App/Update', () => ({ accepted: new Promise((r) => (finish = () => r({ type: 'urn:oma:at:app:1.0:done', data: '200' }))) }));
    server = await startScriptedServer({ plan: [[{ kind: 'Exec', correlator: 'job-42', item: { target: { locURI: './App/Update' } } }]] });
    const tree = deviceTree(server.url, 'none', 'none');
    tree.set('./App/Update', { value: '' });
    const device = new DmDevice({ tree, serverId: 'srv', exec });
    const first = await runDeviceSession({ tree, serverId: 'srv', transport, device, serverAuth: 'none' });
    expect(first.outcome, first.reason).toBe('completed');
    expect(server.statuses).toEqual(['Exec:202']);
    finish();
    await device.executor.settled();
    await server.stop();
    server = await startScriptedServer({ plan: [] });
    tree.set('./DMAcc/srv/AppAddr/1/Addr', { value: server.url });
    const second = await runDeviceSession({ tree, serverId: 'srv', transport, device, serverAuth: 'none' });
    expect(second.outcome, second.reason).toBe('completed');
    expect(server.commands).toEqual(['Alert 1201', 'Replace', 'Alert 1226']);
    const alert = server.events.find((e) => e.type === 'command' && e.command.kind === 'Alert' && e.command.data === '1226');
    expect(alert && alert.type === 'command' && alert.command.kind === 'Alert' ? alert.command.correlator : undefined).toBe('job-42');
  });
});
