/**
 * Rules of the DM protocol (sections 6, 7, 9 and SyncML RepPro) that a careful read found
 * the sessions breaking, each checked through real sessions over the pair's wire. Every
 * title names its section and, where there is one, its DM-PRO requirement.
 */
import { itemsOf } from '../../generated/command-helpers.js';
import { describe, expect, it } from 'vitest';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item, Status, SyncML } from '../../generated/types.js';
import { AuthType, StatusCode, VerProto } from '../../generated/codes.js';
import { ClientSession } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';
import { isLocalProtocolError, isProtocolError } from '../../src/session/errors.js';
import { checkWire } from './invariants.js';
import { CLIENT_URI, Pair, SERVER_URI, authConfigs } from './pair.js';

const statuses = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');
const shape = (m: SyncML): string[] =>
  m.syncBody.commands.map((c) => (c.kind === 'Status' ? `Status(${c.msgRef}/${c.cmdRef} ${c.cmd} ${c.data})` : c.kind === 'Alert' ? `Alert(${c.data})` : c.kind));
const devInfo: Item[] = [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }];
const server = (over: Partial<ConstructorParameters<typeof ServerSession>[0]> = {}) =>
  new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '1A', maxMsgSize: 9000, ...over });
const client = (over: Partial<ConstructorParameters<typeof ClientSession>[0]> = {}) =>
  new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1A', maxMsgSize: 9000, ...over });
const deletes = (n: number): SyncBodyCommandDraft[] => Array.from({ length: n }, (_, i) => ({ kind: 'Delete', items: [{ target: { locURI: `./Vendor/N${i}` } }] }));

describe('6.1.2 session abort at any MaxMsgSize', () => {
  it('DM-PRO-Abort-C-001-O, DM-PRO-Abort-C-004-O: at a MaxMsgSize too small for every owed Status, the client abort still carries Alert 1223 and Final; the Statuses that do not fit are dropped', () => {
    const c = client({ peerMaxMsgSize: 700 });
    const s = server({ maxMsgSize: 700 });
    s.receive(c.start({ devInfo }).message);
    s.answerRemaining(200);
    for (const d of deletes(20)) s.send(d);
    c.receive(s.reply()!.message);
    const abort = c.abort();
    expect(abort.bytes.length).toBeLessThanOrEqual(700);
    expect(abort.message.syncBody.final).toBe(true);
    const kinds = shape(abort.message);
    expect(kinds).toContain('Alert(1223)');
    expect(kinds[0]).toBe('Status(1/0 SyncHdr 200)');
    // Fewer than the 21 Statuses owed: the rest were dropped, not the Alert.
    expect(statuses(abort.message).length).toBeLessThan(21);
    s.receive(abort.message);
    // DM-PRO-Abort-C-005-O: the client discards the server's answer.
    expect(c.receive(s.reply()!.message).events).toEqual([]);
    expect(c.ended && s.ended).toBe(true);
  });

  it('DM-PRO-Abort-S-001-O, DM-PRO-Abort-S-004-O: at a small MaxMsgSize the server abort carries Alert 1223 and Final, in WBXML too', () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const limit = encoding === 'xml' ? 600 : 260;
      const c = client({ encoding, maxMsgSize: limit });
      const s = server({ encoding });
      const extra: SyncBodyCommandDraft[] = Array.from({ length: 12 }, (_, i) => ({ kind: 'Alert', data: '1226', items: [{ source: { locURI: `./Vendor/Event${i}` }, data: 'x' }] }));
      s.receive(c.start({ devInfo, extra }).message);
      const abort = s.abort();
      expect(abort.bytes.length).toBeLessThanOrEqual(limit);
      expect(abort.message.syncBody.final).toBe(true);
      expect(shape(abort.message)).toContain('Alert(1223)');
      expect(statuses(abort.message).length).toBeLessThan(15);
    }
  });

  it('DM-PRO-Abort-C-003-O: the client abort carries the Status and Results of the commands it executed, and 214 for those it did not', () => {
    const c = client();
    const s = server();
    s.receive(c.start({ devInfo }).message);
    s.answerRemaining(200);
    s.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    s.send({ kind: 'Delete', items: [{ target: { locURI: './Vendor/A' } }] });
    const { events } = c.receive(s.reply()!.message);
    const get = events.find((e) => e.type === 'command' && e.command.kind === 'Get');
    if (get?.type !== 'command') throw new Error('no Get');
    c.answer(get, 200, { items: [{ source: { locURI: './DevInfo/Man' }, data: 'Device Factory' }], targetRefs: [], sourceRefs: [] });
    const abort = c.abort();
    expect(shape(abort.message)).toEqual(['Status(1/0 SyncHdr 200)', 'Alert(1223)', 'Status(1/4 Get 200)', 'Results', 'Status(1/5 Delete 214)']);
    expect(abort.message.syncBody.final).toBe(true);
  });

  it('DM-PRO-Abort-S-003-O: the server abort carries the Statuses of the client commands it executed, and 214 for those it did not', () => {
    const c = client();
    const s = server();
    const { events } = s.receive(c.start({ devInfo }).message);
    const alert = events.find((e) => e.type === 'command' && e.command.kind === 'Alert');
    if (alert?.type !== 'command') throw new Error('no Alert');
    s.answer(alert, 200);
    const abort = s.abort();
    expect(shape(abort.message)).toEqual(['Status(1/0 SyncHdr 200)', 'Alert(1223)', 'Status(1/1 Alert 200)', 'Status(1/2 Replace 214)']);
    expect(abort.message.syncBody.final).toBe(true);
  });

  it('DM-PRO-Abort-S-003-O, 6.1.2: Statuses a small message had left for later go out with the abort too, not only those owed since the last message', () => {
    const c = client({ maxMsgSize: 900 });
    const s = server();
    const extra: SyncBodyCommandDraft[] = Array.from({ length: 12 }, (_, i) => ({ kind: 'Alert', data: '1226', items: [{ source: { locURI: `./Vendor/Event${i}` }, data: 'x' }] }));
    s.receive(c.start({ devInfo, extra }).message);
    s.answerRemaining(200);
    const first = s.reply()!.message;
    const sentFirst = statuses(first).length;
    // 1 + 1 + 12 + 1 Statuses are owed; the first answer could only carry some of them.
    expect(sentFirst).toBeLessThan(15);
    expect(first.syncBody.final).not.toBe(true);
    c.receive(first);
    const more = c.reply()!.message;
    s.receive(more);
    const abort = s.abort();
    const left = statuses(abort.message).filter((st) => st.msgRef === '1').map((st) => st.cmdRef);
    const sentRefs = statuses(first).map((st) => st.cmdRef);
    expect(left.length).toBeGreaterThan(0);
    // The abort carries Statuses of message 1 that the first answer had no room for, and none twice.
    for (const ref of left) expect(sentRefs).not.toContain(ref);
    expect(shape(abort.message).slice(0, 2)).toEqual(['Status(2/0 SyncHdr 200)', 'Alert(1223)']);
    expect(abort.message.syncBody.final).toBe(true);
    expect(abort.bytes.length).toBeLessThanOrEqual(900);
  });

  it('DM-PRO-Abort-S-005-O: a server that aborted discards whatever answer comes back, and sends nothing more', () => {
    const c = client();
    const s = server();
    s.receive(c.start({ devInfo }).message);
    s.answerRemaining(200);
    const abort = s.abort();
    c.receive(abort.message);
    expect(c.reply()).toBeUndefined();
    // A misbehaving client answers anyway: the server reads nothing from it.
    const late = { ...abort.message, syncHdr: { ...abort.message.syncHdr, msgID: '2', source: { locURI: CLIENT_URI }, target: { locURI: SERVER_URI } } };
    expect(s.receive(late)).toEqual({ events: [], duplicate: false });
    expect(s.ended).toBe(true);
    expect(s.reply()).toBeUndefined();
  });

  it('6.1.2: the server answer to an abort holds only the Statuses for the SyncHdr and the Alert, even with a chunked object of the client in progress', () => {
    // Package#1 with a DevInfo value of 3,000 bytes goes in chunks to a server of MaxMsgSize 1,000.
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 9000, serverMaxMsgSize: 1000 });
    const p1 = pair.client.start({ devInfo: [...devInfo, { source: { locURI: './DevInfo/Ext/Blob' }, data: 'x'.repeat(3000) }] });
    expect(p1.message.syncBody.final).toBeUndefined();
    pair.server.receive(p1.message);
    pair.server.answerRemaining(200);
    const next = pair.server.reply()!;
    expect(shape(next.message)).toContain('Alert(1222)');
    pair.client.receive(next.message);
    const abort = pair.client.abort();
    pair.server.receive(abort.message);
    const answer = pair.server.reply()!;
    expect(answer.message.syncBody.commands.map((c) => (c.kind === 'Status' ? `Status ${c.cmd}` : c.kind))).toEqual(['Status SyncHdr', 'Status Alert']);
    expect(pair.server.ended).toBe(true);
  });
});

describe('7.2 Next Message while the client package is open', () => {
  it('DM-PRO-Mul-S-001-M, DM-PRO-Mul-S-002-M: a challenge in the middle of a chunked Package#1 is a Next Message response (1222, no Final); the client starts again with Alert 1201 first, not with the next chunk', () => {
    const blob = 'y'.repeat(2500);
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 9000, serverMaxMsgSize: 1100, ...authConfigs(AuthType.Md5Digest, { preemptive: false }) });
    expect(pair.run(60, [...devInfo, { source: { locURI: './DevInfo/Ext/Blob' }, data: blob }])).toBe(true);
    checkWire(pair.wire);
    const fromServer = pair.wire.filter((r) => r.from === 'server');
    const fromClient = pair.wire.filter((r) => r.from === 'client');
    // The first server message challenges (407) a Package#1 that is not complete.
    expect(fromClient[0]!.message.syncBody.final).toBeUndefined();
    expect(statuses(fromServer[0]!.message)[0]!.data).toBe('407');
    expect(shape(fromServer[0]!.message)).toContain('Alert(1222)');
    expect(fromServer[0]!.message.syncBody.final).toBeUndefined();
    // The client starts Package#1 again: Alert 1201 first, the Replace from its first chunk (with Size).
    const restart = fromClient[1]!.message;
    expect(restart.syncHdr.cred).toBeDefined();
    expect(shape(restart).filter((x) => !x.startsWith('Status')).slice(0, 2)).toEqual(['Alert(1201)', 'Replace']);
    const replace = restart.syncBody.commands.find((c) => c.kind === 'Replace')!;
    expect(itemsOf(replace)[0]!.source!.locURI).toBe('./DevInfo/DevId');
    // Every server answer to a client message without Final is a Next Message response.
    pair.wire.forEach((r, i) => {
      if (r.from !== 'client' || r.message.syncBody.final) return;
      const answer = pair.wire[i + 1]!;
      expect(answer.message.syncBody.final, `server message ${answer.message.syncHdr.msgID}`).toBeUndefined();
      expect(shape(answer.message)).toContain('Alert(1222)');
    });
    // The server got the whole DevInfo once authenticated (one Replace per item: together they did not fit a message).
    const got = pair.serverEvents.flatMap((e) => (e.type === 'command' && e.command.kind === 'Replace' ? e.command.items : []));
    expect(got.map((i) => i.data)).toEqual([CLIENT_URI, blob]);
  });
});

describe('headers (6, 6.3)', () => {
  it('SessionID compared as a value: white space and the case of hex digits do not matter; 01A for 1A is a slip accepted with a warning; another is refused', () => {
    const s = server();
    const c = client({ sessionID: ' 1a ' });
    const r = s.receive(c.start({ devInfo }).message);
    expect(r.events.some((e) => e.type === 'warning')).toBe(false);
    expect(r.events.filter((e) => e.type === 'command')).toHaveLength(2);
    const s2 = server();
    const r2 = s2.receive(client({ sessionID: '01A' }).start({ devInfo }).message);
    expect(r2.events.filter((e) => e.type === 'warning')).toHaveLength(1);
    expect(r2.events.filter((e) => e.type === 'command')).toHaveLength(2);
    expect(() => server().receive(client({ sessionID: '2A' }).start({ devInfo }).message)).toThrow(expect.objectContaining({ name: 'ProtocolError', status: 400 }));
  });

  it('a VerDTD the server does not speak is answered 505, a VerProto 513, and the commands do not run', () => {
    for (const [field, value, code] of [
      ['verDTD', '9.9', StatusCode.DtdVersionNotSupported],
      ['verProto', 'DM/9.9', StatusCode.ProtocolVersionNotSupported],
    ] as const) {
      const s = server();
      const m = client().start({ devInfo }).message;
      const bad = { ...m, syncHdr: { ...m.syncHdr, [field]: value } };
      const { events } = s.receive(bad);
      expect(events.filter((e) => e.type === 'command')).toEqual([]);
      const answer = s.reply()!;
      expect(statuses(answer.message).map((x) => Number(x.data))).toEqual([code, code, code]);
    }
  });

  it('6.3: VerProto is DM/1.2 by default and DM/1.3 when the session is configured for 1.3; either is read', () => {
    const c12 = client();
    expect(c12.start({ devInfo }).message.syncHdr.verProto).toBe(VerProto.Dm12);
    const c13 = client({ verProto: VerProto.Dm13 });
    const p1 = c13.start({ devInfo });
    expect(p1.message.syncHdr.verProto).toBe('DM/1.3');
    const s = server({ verProto: VerProto.Dm13 });
    expect(s.receive(p1.message).events.filter((e) => e.type === 'command')).toHaveLength(2);
    s.answerRemaining(200);
    expect(s.reply()!.message.syncHdr.verProto).toBe('DM/1.3');
  });

  it('NoResp in the SyncHdr: no Status at all goes back for that message', () => {
    const s = server();
    const m = client().start({ devInfo }).message;
    const { events } = s.receive({ ...m, syncHdr: { ...m.syncHdr, noResp: true } });
    for (const e of events) if (e.type === 'command') s.answer(e, 200);
    s.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    const answer = s.reply()!;
    expect(shape(answer.message)).toEqual(['Get']);
  });

  it('the Status for our SyncHdr is recognised by Cmd SyncHdr even with an empty CmdRef', () => {
    const c = client({ prover: authConfigs(AuthType.Basic, { preemptive: false }).client.prover! });
    c.start({ devInfo });
    const s = server();
    const m1 = client().start({ devInfo }).message;
    s.receive(m1);
    s.answerRemaining(200);
    const answer = s.reply()!.message;
    const header = statuses(answer)[0]!;
    const tampered: SyncML = {
      ...answer,
      syncBody: {
        ...answer.syncBody,
        commands: [{ ...header, cmdRef: '', data: '407', chal: { meta: { type: 'syncml:auth-basic', format: 'b64', emis: [] } } }, ...answer.syncBody.commands.slice(1)] as SyncML['syncBody']['commands'],
      },
    };
    const { events } = c.receive(tampered);
    expect(events.filter((e) => e.type === 'protocol-error')).toEqual([]);
    // Challenged: Package#1 again, with credentials.
    const again = c.reply()!.message;
    expect(again.syncHdr.cred).toBeDefined();
    expect(shape(again).filter((x) => !x.startsWith('Status'))).toEqual(['Alert(1201)', 'Replace']);
  });
});

describe('6: what a client may put in Package#1', () => {
  it('DM-PRO-Session-C-002-M, DM-PRO-Session-C-004-M: Package#1 holds the session Alert, the DevInfo Replace with ./DevInfo URIs and Generic Alerts after them; anything else is refused', () => {
    const p1 = client().start({
      devInfo: [
        { source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI },
        { source: { locURI: './DevInfo/Man' }, data: 'Device Factory' },
        { source: { locURI: './DevInfo/Mod' }, data: 'X1' },
        { source: { locURI: './DevInfo/DmV' }, data: '1.3' },
        { source: { locURI: './DevInfo/Lang' }, data: 'en-US' },
      ],
      extra: [{ kind: 'Alert', data: '1226', items: [{ source: { locURI: './FwUpdate' }, data: '200' }] }],
    }).message;
    expect(shape(p1)).toEqual(['Alert(1201)', 'Replace', 'Alert(1226)']);
    expect(itemsOf(p1.syncBody.commands[1]!).map((i) => i.source!.locURI)).toEqual(['./DevInfo/DevId', './DevInfo/Man', './DevInfo/Mod', './DevInfo/DmV', './DevInfo/Lang']);
    expect(p1.syncBody.final).toBe(true);
    const refused = (f: () => unknown): string | false => {
      try {
        f();
      } catch (e) {
        return isLocalProtocolError(e) && e.problem;
      }
      return false;
    };
    expect(refused(() => client().start({ devInfo, extra: [{ kind: 'Get', items: [{ target: { locURI: './x' } }] }] }))).toBe('wrong-state');
    expect(refused(() => client().start({ devInfo, extra: [{ kind: 'Alert', data: '1201', items: [] }] }))).toBe('wrong-state');
    expect(refused(() => client().start({ devInfo: [{ source: { locURI: './Vendor/Secret' }, data: 'x' }] }))).toBe('wrong-state');
    expect(refused(() => client().start({ alert: 1226, devInfo }))).toBe('wrong-state');
  });
});

describe('SyncML RepPro: Statuses', () => {
  it('Statuses go in the order of the commands, whatever order the application answers in; one Status for a multi-item command names no SourceRef or TargetRef', () => {
    const c = client();
    const s = server();
    s.receive(c.start({ devInfo }).message);
    s.answerRemaining(200);
    s.send({ kind: 'Replace', items: [{ target: { locURI: './Vendor/A' }, data: '1' }, { target: { locURI: './Vendor/B' }, data: '2' }] });
    s.send({ kind: 'Delete', items: [{ target: { locURI: './Vendor/C' } }] });
    s.send({ kind: 'Add', items: [{ target: { locURI: './Vendor/D' }, data: '3' }] });
    const { events } = c.receive(s.reply()!.message);
    const commands = events.filter((e) => e.type === 'command');
    for (const e of [...commands].reverse()) if (e.type === 'command') c.answer(e, 200);
    const answer = c.reply()!.message;
    expect(statuses(answer).map((x) => `${x.cmdRef} ${x.cmd}`)).toEqual(['0 SyncHdr', '4 Replace', '5 Delete', '6 Add']);
    const [, replace, del] = statuses(answer);
    expect(replace!.targetRefs).toEqual([]);
    expect(replace!.sourceRefs).toEqual([]);
    expect(del!.targetRefs).toEqual(['./Vendor/C']);
  });
});

describe('B.2.1 session setup with authentication', () => {
  it('DM-PRO-Session-S-002-M: the server receives Package#1, authenticates the client (challenge, then 212) and sends Package#2 only then', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 9000, serverMaxMsgSize: 9000, ...authConfigs(AuthType.Md5Digest, { preemptive: false }) });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run()).toBe(true);
    checkWire(pair.wire);
    const [p1, s1, p1again, p2] = pair.wire;
    expect(p1!.message.syncHdr.cred).toBeUndefined();
    expect(shape(s1!.message)).toEqual(['Status(1/0 SyncHdr 407)', 'Status(1/1 Alert 407)', 'Status(1/2 Replace 407)']);
    expect(s1!.message.syncBody.commands.some((c) => c.kind === 'Get')).toBe(false);
    expect(p1again!.message.syncHdr.cred).toBeDefined();
    expect(shape(p2!.message).slice(0, 3)).toEqual(['Status(2/0 SyncHdr 212)', 'Status(2/2 Alert 200)', 'Status(2/3 Replace 200)']);
    expect(shape(p2!.message)).toContain('Get');
    expect(pair.serverEvents.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.command.kind)).toEqual(['Alert', 'Replace']);
  });
});

describe('errors are typed', () => {
  it('a message of another session is a ProtocolError with the status to answer', () => {
    let error: unknown;
    try {
      server().receive(client({ sessionID: 'FFFF' }).start({ devInfo }).message);
    } catch (e) {
      error = e;
    }
    expect(isProtocolError(error) && error.status).toBe(400);
  });
});
