/**
 * A hostile DM server against the device runner (issue 11, "Bad input"): endless 1222
 * loops, huge items and messages, deep URIs, a foreign SessionID, unknown commands. The
 * client never crashes, stays bounded, and never writes outside its rights.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MessageBuilder, type SyncBodyCommandDraft } from '../../generated/builders.js';
import type { SyncML } from '../../generated/types.js';
import { decodeXml, encodeXml } from '../../src/index.js';
import { createDeviceTree } from '../../src/client/objects/device-tree.js';
import { runDeviceSession, type DeviceSessionOptions } from '../../src/client/runner/runner.js';
import { HttpTransport } from '../../src/client/transport/http-transport.js';
import { createDmServer, stopDmServer } from '../../src/server/http/dm-http.js';
import { StepClock } from './helpers.js';
import { startScriptedServer, type ScriptedServer } from './scripted-server.js';

let raw: Server | undefined;
let scripted: ScriptedServer | undefined;

afterEach(async () => {
  if (raw) await stopDmServer(raw, 100);
  await scripted?.stop();
  raw = undefined;
  scripted = undefined;
});

const transport = new HttpTransport({ timeoutMs: 5_000, attempts: 1 });

function tree(url: string) {
  return createDeviceTree({
    clock: new StepClock(),
    devInfo: { devId: 'IMEI:66', man: 'ACME', mod: 'R3', dmV: '1.3', lang: 'en' },
    devDetail: { devTyp: 'phone', oem: 'ACME', fwV: '1', swV: '1', hwV: '1', lrgObj: true, uri: { maxDepth: 8, maxTotLen: 200, maxSegLen: 32 } },
    accounts: [{ node: 'srv', serverId: 'srv', addr: url }],
    rootAcl: 'Add=*&Get=*&Replace=srv',
  });
}

/**
 * A server that answers each client message with what `answer` builds: Statuses for
 * everything the client sent (so the session can go on), then `answer`'s commands.
 */
async function startRaw(
  answer: (client: SyncML, n: number, answered: readonly Uint8Array[]) => { commands: SyncBodyCommandDraft[]; final: boolean; sessionID?: string } | Uint8Array,
): Promise<{ url: string; seen: SyncML[]; bodies: Uint8Array[] }> {
  const seen: SyncML[] = [];
  const bodies: Uint8Array[] = [];
  const answered: Uint8Array[] = [];
  let url = '';
  raw = createDmServer({
    handler: (request) => {
      const client = decodeXml(request.body);
      seen.push(client);
      bodies.push(request.body);
      const a = answer(client, seen.length, answered);
      if (a instanceof Uint8Array) {
        answered.push(a);
        return { kind: 'message', body: a };
      }
      const b = new MessageBuilder({ sessionID: a.sessionID ?? client.syncHdr.sessionID, msgID: String(seen.length), target: { locURI: client.syncHdr.source.locURI }, source: { locURI: url } });
      const msgRef = client.syncHdr.msgID;
      b.command({ kind: 'Status', msgRef, cmdRef: '0', cmd: 'SyncHdr', data: '200' });
      for (const c of client.syncBody.commands) if (c.kind !== 'Status' && c.kind !== 'Results') b.command({ kind: 'Status', msgRef, cmdRef: c.cmdID, cmd: c.kind, data: '200' });
      for (const c of a.commands) b.command(c);
      const body = encodeXml(b.final(a.final).build());
      answered.push(body);
      return { kind: 'message', body };
    },
    headersTimeoutMs: 2_000,
    requestTimeoutMs: 5_000,
    keepAliveTimeoutMs: 1_000,
  });
  await new Promise<void>((r) => raw!.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}/dm`;
  return { url, seen, bodies };
}

async function device(url: string, extra: Partial<DeviceSessionOptions> = {}) {
  const t = tree(url);
  const transcript = await runDeviceSession({ tree: t, serverId: 'srv', transport, ...extra });
  return { t, transcript };
}

describe('a hostile server against the device runner (issue 11, bad input)', () => {
  it('an endless loop of Alert 1222 is bounded: the client aborts (1223) after maxIdleExchanges', async () => {
    const { url, seen } = await startRaw(() => ({ commands: [{ kind: 'Alert', data: '1222', items: [] }], final: false }));
    const { transcript } = await device(url, { maxIdleExchanges: 5 });
    expect(transcript.outcome).toBe('limit');
    expect(seen.length).toBeLessThanOrEqual(8);
    expect(seen.at(-1)!.syncBody.commands.some((c) => c.kind === 'Alert' && c.data === '1223')).toBe(true);
  });

  it('a server that never ends its session is bounded by maxMessages', async () => {
    let n = 0;
    const { url, seen } = await startRaw(() => ({ commands: [{ kind: 'Replace', items: [{ target: { locURI: './App/n' }, data: String(n++) }] }], final: true }));
    const { transcript, t } = await device(url, { maxMessages: 12 });
    expect(transcript.outcome).toBe('limit');
    expect(seen.length).toBeLessThanOrEqual(13);
    expect(t.value('./App/n')).toBeUndefined(); // no Add right: every Replace of a missing node failed
  });

  it('the session time is bounded (injected clock)', async () => {
    let now = 0;
    const { url } = await startRaw(() => ({ commands: [{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] }], final: true }));
    const { transcript } = await device(url, { maxDurationMs: 1_000, now: () => (now += 300) });
    expect(transcript.outcome).toBe('limit');
    expect(transcript.reason).toMatch(/time/);
    expect(transcript.messagesSent).toBeLessThanOrEqual(5);
  });

  it('an answer larger than our MaxMsgSize is not read: the server broke the protocol', async () => {
    const { url } = await startRaw(() => ({ commands: [{ kind: 'Replace', items: [{ target: { locURI: './App/big' }, data: 'x'.repeat(20_000) }] }], final: true }));
    const { transcript, t } = await device(url, { maxMsgSize: 8_000, transport: new HttpTransport({ attempts: 1, maxResponseBytes: 8_000 }) });
    expect(transcript.outcome).toBe('protocol-error');
    expect(t.value('./App/big')).toBeUndefined();
  });

  it('DM-PRO-C-004: a huge chunked item announced beyond our MaxObjSize is refused (416, section 8), and nothing reaches the tree', async () => {
    let sent = false;
    const { url, seen } = await startRaw(() => {
      if (sent) return { commands: [], final: true };
      sent = true;
      return { commands: [{ kind: 'Add', items: [{ target: { locURI: './App/huge' }, meta: { size: '500000000', emis: [] }, data: 'xxxx', moreData: true }] }], final: false };
    });
    const { transcript, t } = await device(url, { maxObjSize: 10_000 });
    const status = seen.flatMap((m) => m.syncBody.commands).find((c) => c.kind === 'Status' && c.cmd === 'Add');
    expect(status && status.kind === 'Status' ? Number(status.data) : 0).toBe(416);
    expect(t.record('./App/huge')).toBeUndefined();
    expect(transcript.messagesSent).toBeLessThanOrEqual(4);
  });

  it('deep and long URIs are refused with a status, never a crash (MaxDepth, MaxTotLen, MaxSegLen)', async () => {
    const deep = './' + Array.from({ length: 40 }, () => 'a').join('/');
    const long = './App/' + 'x'.repeat(500);
    scripted = await startScriptedServer({
      plan: [
        [
          { kind: 'Add', items: [{ target: { locURI: deep }, data: '1' }] },
          { kind: 'Add', items: [{ target: { locURI: long }, data: '1' }] },
          { kind: 'Get', items: [{ target: { locURI: './' + 'b/'.repeat(5000) + 'c' } }] },
        ],
      ],
    });
    const { transcript, t } = await device(scripted.url);
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(scripted.statuses.map((s) => Number(s.split(':')[1]))).toEqual([414, 414, 414]);
    expect(t.record('./a')).toBeUndefined();
  });

  it('unknown and non-DM commands (Sync, Put, Search) are answered 406 or 501; the session goes on', async () => {
    let sent = false;
    const { url, seen } = await startRaw(() => {
      if (sent) return { commands: [], final: true };
      sent = true;
      return {
        commands: [
          { kind: 'Put', items: [{ source: { locURI: './devinf12' }, data: 'x' }] },
          { kind: 'Sync', commands: [] },
          { kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] },
        ],
        final: true,
      };
    });
    const { transcript } = await device(url);
    const codes = seen[1]!.syncBody.commands.flatMap((c) => (c.kind === 'Status' && c.cmd !== 'SyncHdr' ? [`${c.cmd}:${c.data}`] : []));
    expect(codes.filter((c) => c.startsWith('Put') || c.startsWith('Sync')).every((c) => /:(406|501)$/.test(c))).toBe(true);
    expect(codes).toContain('Get:200');
    expect(transcript.outcome, transcript.reason).toBe('completed');
  });

  it('a message of another session, or not XML at all, ends the session as a protocol error', async () => {
    const foreign = await startRaw(() => ({ commands: [{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] }], final: true, sessionID: '9999' }));
    expect((await device(foreign.url, { sessionId: '1' })).transcript.outcome).toBe('protocol-error');
    await stopDmServer(raw!, 100);
    const garbage = await startRaw(() => new Uint8Array([0x3c, 0x53, 0x79, 0x6e, 0xff, 0xfe]));
    const r = await device(garbage.url);
    expect(r.transcript.outcome).toBe('protocol-error');
    expect(r.transcript.reason).toMatch(/cannot be read/);
  });

  it('a repeat of the server message already answered gets our last message again, the same bytes, and nothing runs twice', async () => {
    let replaced = 0;
    const { url, bodies } = await startRaw((_client, n, answered) => {
      if (n === 1) return { commands: [{ kind: 'Replace', items: [{ target: { locURI: './DevInfo/Lang' }, data: 'x' }] }, { kind: 'Add', items: [{ target: { locURI: './App/n' }, data: String(++replaced) }] }], final: true };
      if (n === 2) return answered[0]!; // the same message again: its answer got lost on its way to us
      return { commands: [], final: true };
    });
    const { transcript, t } = await device(url);
    expect(transcript.outcome, transcript.reason).toBe('completed');
    expect(Buffer.from(bodies[2]!).equals(Buffer.from(bodies[1]!))).toBe(true);
    expect(t.value('./App/n')).toBe('1');
    const messages = transcript.packages.flatMap((p) => p.messages);
    expect(messages.filter((m) => m.duplicate).map((m) => m.sender)).toEqual(['server', 'client']);
  });
});
