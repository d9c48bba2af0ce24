/**
 * The session core against Appendix B of the DM protocol (B.1.1-B.1.4 client, B.2.1-B.2.4
 * server), and against a peer that misbehaves: every test names the requirement or the
 * fault. Items that belong to other parts of the toolkit are listed at the end.
 */
import { itemsOf } from '../../generated/command-helpers.js';
import { describe, expect, it } from 'vitest';
import type { Status, SyncBodyCommand, SyncML } from '../../generated/types.js';
import { AuthType, StatusCode } from '../../generated/codes.js';
import { decodeXml, encodeXml, isDecodeError } from '../../src/index.js';
import { ClientSession } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';
import { isLocalProtocolError, isProtocolError } from '../../src/session/errors.js';
import { checkWire } from './invariants.js';
import { Pair, CLIENT_URI, SERVER_URI, authConfigs, counterNonces } from './pair.js';
import { AuthProver, AuthVerifier, InMemoryCredentialStore } from '../../src/session/auth/index.js';

const statuses = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');
const big = (n: number) => 'QUJD'.repeat(Math.ceil(n / 4)).slice(0, n);

function authPair(scheme: AuthType, opts: { preemptive?: boolean; password?: string; encoding?: 'xml' | 'wbxml' } = {}): Pair {
  const { client, server } = authConfigs(scheme, opts);
  return new Pair({ encoding: opts.encoding ?? 'xml', clientMaxMsgSize: 20_000, serverMaxMsgSize: 20_000, client, server });
}

describe('B.1.1 / B.2.1 session setup', () => {
  it('DM-PRO-C-001-M, DM-PRO-S-001-M, DM-PRO-C-005-M, DM-PRO-S-005-M, DM-PRO-C-008-M, DM-PRO-S-008-M: setup then management; statuses and results both ways', () => {
    const pair = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 8_000, serverMaxMsgSize: 8_000 });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/DevId' } }] }]);
    expect(pair.run()).toBe(true);
    expect(pair.serverEvents.filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.status.data)).toEqual(['200']);
    expect(pair.serverEvents.filter((e) => e.type === 'results')).toHaveLength(1);
  });

  it('DM-PRO-Session-C-003-O: a server-initiated session opens with Alert 1200', () => {
    const client = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '7', maxMsgSize: 4000 });
    const p1 = client.start({ alert: 1200, devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    expect(p1.message.syncBody.commands[0]).toMatchObject({ kind: 'Alert', data: '1200' });
    expect(p1.message.syncHdr.meta?.maxMsgSize).toBe('4000');
  });
});

describe('B.1.2 / B.2.2 session abort', () => {
  it('DM-PRO-Abort-S-003-O, DM-PRO-Abort-S-004-O: the server abort message carries the statuses owed so far and Final', () => {
    const server = new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '1', maxMsgSize: 9000 });
    const client = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1', maxMsgSize: 9000 });
    const p1 = client.start({ devInfo: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }] });
    server.receive(p1.message);
    const abort = server.abort();
    expect(abort.message.syncBody.final).toBe(true);
    expect(statuses(abort.message).map((s) => [s.cmdRef, s.data])).toEqual([
      ['0', '200'],
      ['1', '214'],
      ['2', '214'],
    ]);
    expect(() => server.send({ kind: 'Get', items: [{ target: { locURI: './x' } }] })).toThrow(expect.objectContaining({ problem: 'session-ended' }));
  });

  it('DM-PRO-Abort-S-002-M, DM-PRO-Abort-S-005-O: a server receiving 1223 answers the Alert and the SyncHdr with no new command', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 9000, serverMaxMsgSize: 9000 });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }] });
    pair.server.receive(p1.message);
    pair.server.answerRemaining(200);
    pair.server.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    const p2 = pair.server.reply()!;
    pair.client.receive(p2.message);
    const abort = pair.client.abort();
    pair.server.receive(abort.message);
    pair.server.send({ kind: 'Delete', items: [{ target: { locURI: './x' } }] });
    const answer = pair.server.reply()!;
    // Statuses for the SyncHdr and the Alert (the client's Statuses get none), nothing else.
    expect(answer.message.syncBody.commands.map((c) => c.kind)).toEqual(['Status', 'Status']);
    expect(statuses(answer.message).map((s) => [s.cmd, s.data])).toEqual([
      ['SyncHdr', '200'],
      ['Alert', '200'],
    ]);
    expect(pair.server.ended).toBe(true);
  });
});

describe('B.1.4 / B.2.4 large objects, sent by the client', () => {
  it('DM-PRO-LO-C-004-O, DM-PRO-LO-C-005-O, DM-PRO-LO-C-009-O, DM-PRO-LO-S-001-M: Results larger than the server MaxMsgSize go in chunks; the server reassembles them', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 20_000, serverMaxMsgSize: 1_500 });
    pair.tree.set('./Vendor/Log', big(9_000));
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './Vendor/Log' } }] }]);
    expect(pair.run()).toBe(true);
    const results = pair.serverEvents.find((e) => e.type === 'results');
    expect(results?.type === 'results' && results.results.items[0]!.data).toBe(big(9_000));
    const chunks = pair.wire.filter((r) => r.from === 'client').flatMap((r) => r.message.syncBody.commands.filter((c) => c.kind === 'Results'));
    expect(chunks.length).toBeGreaterThan(5);
    const items = chunks.map((c) => itemsOf(c)[0]!);
    expect(items.map((i) => i.moreData === true)).toEqual(items.map((_, k) => k < items.length - 1));
    expect(items.map((i) => i.meta?.size !== undefined)).toEqual(items.map((_, k) => k === 0));
  });

  it('DM-PRO-LO-C-006-O, DM-PRO-LO-S-005-M: data that fits a message travels whole', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 20_000, serverMaxMsgSize: 20_000 });
    pair.plan.push([{ kind: 'Replace', items: [{ target: { locURI: './Vendor/Blob' }, data: big(10_000) }] }]);
    expect(pair.run()).toBe(true);
    for (const r of pair.wire) for (const c of r.message.syncBody.commands) for (const i of itemsOf(c)) expect(i.moreData).toBeUndefined();
  });

  it('DM-PRO-LO-C-007-O, DM-PRO-LO-C-008-O, DM-PRO-LO-S-006-O, DM-PRO-LO-S-007-M: MaxObjSize is announced, and never exceeded by the sender', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 2_000, serverMaxMsgSize: 2_000, clientMaxObjSize: 5_000, serverMaxObjSize: 6_000 });
    expect(pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] }).message.syncHdr.meta?.maxObjSize).toBe('5000');
    const fresh = new Pair({ encoding: 'xml', clientMaxMsgSize: 2_000, serverMaxMsgSize: 2_000, clientMaxObjSize: 5_000 });
    const p1 = fresh.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    fresh.server.receive(decodeXml(encodeXml(p1.message)));
    let error: unknown;
    try {
      fresh.server.send({ kind: 'Replace', items: [{ target: { locURI: './Vendor/Big' }, data: big(5_001) }] });
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('object-too-large');
  });

  it('DM-PRO-LO-C-008-O: the device never returns Results larger than the server\'s MaxObjSize, answering the Get with 413 instead; objects nested in Atomic are checked too', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 4_000, serverMaxMsgSize: 4_000, serverMaxObjSize: 100 });
    pair.tree.set('./DevInfo/Man', 'M'.repeat(101));
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run(20)).toBe(true);
    checkWire(pair.wire, { server: 100 });
    expect(pair.refusedObjects).toEqual([{ by: 'client', kind: 'Results' }]);
    const answers = pair.wire.filter((r) => r.from === 'client').flatMap((r) => r.message.syncBody.commands);
    expect(answers.some((c) => c.kind === 'Results')).toBe(false);
    expect(answers.find((c) => c.kind === 'Status' && c.cmd === 'Get')).toMatchObject({ data: '413' });
    // Sending is checked the same way at any depth: a container holding an object too large is refused whole.
    const fresh = new Pair({ encoding: 'xml', clientMaxMsgSize: 2_000, serverMaxMsgSize: 2_000, clientMaxObjSize: 50 });
    fresh.server.receive(fresh.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] }).message);
    let error: unknown;
    try {
      fresh.server.send({ kind: 'Atomic', commands: [{ kind: 'Replace', items: [{ target: { locURI: './A' }, data: big(51) }] }] });
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('object-too-large');
  });
});

describe('faults injected by a misbehaving peer', () => {
  function chunkedPair(tamper: Pair['tamper']): Pair {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 1_500, serverMaxMsgSize: 20_000 });
    pair.plan.push([{ kind: 'Replace', items: [{ target: { locURI: './FW/Image' }, data: big(6_000) }] }]);
    pair.tamper = tamper;
    return pair;
  }

  it('DM-PRO-LO-C-010-O, DM-PRO-LO-S-009-M, DM-PRO-LO-C-003-O, DM-PRO-LO-S-002-M: a wrong Size is answered 424 and nothing is committed', () => {
    const pair = chunkedPair(({ from, message }) => {
      if (from !== 'server') return message;
      const json = JSON.stringify(message).replace(/"size":"6000"/, '"size":"5999"');
      return JSON.parse(json) as SyncML;
    });
    expect(pair.run()).toBe(true);
    expect(pair.tree.has('./FW/Image')).toBe(false);
    expect(pair.clientEvents.some((e) => e.type === 'protocol-error' && e.error.status === StatusCode.SizeMismatch)).toBe(true);
    const answered = pair.serverEvents.filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.status.data);
    expect(answered).toContain('424');
  });

  it('a new command before the last chunk: Alert 1225 naming the object, nothing committed', () => {
    let chunkMessages = 0;
    const pair = chunkedPair(({ from, message }) => {
      if (from !== 'server') return message;
      const cmds = message.syncBody.commands;
      if (!cmds.some((c) => c.kind === 'Replace' && itemsOf(c)[0]!.moreData)) return message;
      // The second message with a chunk loses it to a new command.
      if (++chunkMessages !== 2) return message;
      const get: SyncBodyCommand = { kind: 'Get', cmdID: '99', items: [{ target: { locURI: './DevInfo/Man' } }] };
      // Replace the continuing chunk with a new command.
      return { ...message, syncBody: { ...message.syncBody, commands: [...cmds.filter((c) => c.kind !== "Replace"), get] as unknown as typeof cmds } };
    });
    expect(pair.run(200)).toBe(true);
    expect(pair.tree.has('./FW/Image')).toBe(false);
    // The chunks still to come are orphans: refused (412), never committed.
    expect(pair.clientEvents.filter((e) => e.type === 'protocol-error').every((e) => e.type === 'protocol-error' && e.error.status === 412)).toBe(true);
    expect(pair.clientEvents.some((e) => e.type === 'object-lost' && !e.byPeer && e.target === './FW/Image')).toBe(true);
    const alerts = pair.wire.filter((r) => r.from === 'client').flatMap((r) => r.message.syncBody.commands).filter((c) => c.kind === 'Alert' && c.data === '1225');
    expect(alerts).toHaveLength(1);
    expect(itemsOf(alerts[0]!)[0]!.target?.locURI).toBe('./FW/Image');
  });

  it('a chunk whose Size is over our MaxObjSize is refused with 416, an item over it with 413', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 1_500, serverMaxMsgSize: 20_000, clientMaxObjSize: 3_000 });
    // The server ignores the client's MaxObjSize (it never read Package#1's header).
    pair.tamper = ({ from, message }) => (from === 'client' && message.syncHdr.meta ? { ...message, syncHdr: { ...message.syncHdr, meta: { ...message.syncHdr.meta, maxObjSize: '99999999' } } } : message);
    pair.plan.push([
      { kind: 'Replace', items: [{ target: { locURI: './FW/Image' }, data: big(6_000) }] },
      { kind: 'Replace', items: [{ target: { locURI: './Small' }, data: 'ok' }] },
    ]);
    expect(pair.run()).toBe(true);
    const codes = pair.serverEvents.filter((e) => e.type === 'status').map((e) => e.type === 'status' && e.status.data);
    expect(codes).toContain('416');
    expect(pair.tree.has('./FW/Image')).toBe(false);
    expect(pair.tree.get('./Small')).toBe('ok');
  });

  it('a duplicated message is recognised and answered with the same reply', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 9000, serverMaxMsgSize: 9000 });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    pair.server.receive(p1.message);
    pair.server.answerRemaining(200);
    const reply = pair.server.reply()!;
    const again = pair.server.receive(p1.message);
    expect(again.duplicate).toBe(true);
    expect(pair.server.lastSent).toBe(reply);
  });

  it('a lost response: the client resends, the server answers the duplicate, and the session completes', () => {
    const pair = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 9000, serverMaxMsgSize: 9000 });
    pair.plan.push([{ kind: 'Replace', items: [{ target: { locURI: './A' }, data: '1' }] }]);
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    pair.server.receive(p1.message);
    pair.server.answerRemaining(200);
    pair.server.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    pair.server.reply(); // lost on the way
    // HTTP retry: the client sends Package#1 again.
    const dup = pair.server.receive(p1.message);
    expect(dup.duplicate).toBe(true);
    const p2 = pair.server.lastSent!;
    const c = pair.client.receive(p2.message);
    for (const e of c.events) if (e.type === 'command') pair.client.answer(e, 200, e.command.kind === 'Get' ? { items: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }], targetRefs: [], sourceRefs: [] } : undefined);
    const p3 = pair.client.reply()!;
    const s = pair.server.receive(p3.message);
    expect(s.events.some((e) => e.type === 'results')).toBe(true);
  });

  it('a message older than the last one (reordered) is refused with a ProtocolError', () => {
    const server = new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '1', maxMsgSize: 9000 });
    const client = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1', maxMsgSize: 9000 });
    const m1 = client.start({ devInfo: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }] }).message;
    const m2 = { ...m1, syncHdr: { ...m1.syncHdr, msgID: '2' } };
    server.receive(m2);
    server.answerRemaining(200);
    server.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    server.reply();
    expect(() => server.receive(m1)).toThrow(expect.objectContaining({ name: 'ProtocolError', status: 400 }));
  });

  it('a truncated message never reaches the session: the codec refuses it with a DecodeError', () => {
    const client = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1', maxMsgSize: 9000 });
    const bytes = encodeXml(client.start({ devInfo: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }] }).message);
    let error: unknown;
    try {
      decodeXml(bytes.subarray(0, bytes.length - 20));
    } catch (e) {
      error = e;
    }
    expect(isDecodeError(error)).toBe(true);
  });

  it('two commands of one message sharing a CmdID: the second is refused with 400 and never run', () => {
    const server = new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '1', maxMsgSize: 9000 });
    const client = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1', maxMsgSize: 9000 });
    const m = client.start({ devInfo: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }] }).message;
    const [alert, replace] = m.syncBody.commands;
    const clash = { ...m, syncBody: { ...m.syncBody, commands: [alert!, { ...replace!, cmdID: alert!.cmdID }] as typeof m.syncBody.commands } };
    const { events } = server.receive(clash);
    expect(events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.command.kind)).toEqual(['Alert']);
    expect(events.some((e) => e.type === 'protocol-error' && e.error.status === 400)).toBe(true);
  });

  it('a message of another session is refused', () => {
    const server = new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '1', maxMsgSize: 9000 });
    const client = new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '2', maxMsgSize: 9000 });
    const m = client.start({ devInfo: [{ source: { locURI: './DevInfo/Man' }, data: 'x' }] }).message;
    let error: unknown;
    try {
      server.receive(m);
    } catch (e) {
      error = e;
    }
    expect(isProtocolError(error)).toBe(true);
  });
});

describe('RespURI (section 9.1)', () => {
  it('the server names where the client is to send next; the client reports it as sendTo', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 9000, serverMaxMsgSize: 9000, server: { respURI: 'http://dm.example/manage?s=42' } });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run()).toBe(true);
    expect(pair.wire.filter((r) => r.from === 'server').every((r) => r.message.syncHdr.respURI === 'http://dm.example/manage?s=42')).toBe(true);
    expect(pair.client.sendTo).toBe('http://dm.example/manage?s=42');
    expect(pair.server.sendTo).toBeUndefined();
  });
});

describe('authentication inside a session (section 9), DM-PRO-S-010-M', () => {
  it('both directions: the server authenticates to the client too, each with its own scheme', () => {
    const toServer = authConfigs(AuthType.Md5Digest);
    const serverCreds = new InMemoryCredentialStore([[CLIENT_URI, { ours: { username: 'dm-server', password: 'S3cret', scheme: AuthType.Basic } }]]);
    const clientCreds = new InMemoryCredentialStore([[SERVER_URI, { theirs: { username: 'dm-server', password: 'S3cret', scheme: AuthType.Basic } }]]);
    const pair = new Pair({
      encoding: 'wbxml',
      clientMaxMsgSize: 9000,
      serverMaxMsgSize: 9000,
      client: { ...toServer.client, verifier: new AuthVerifier({ store: clientCreds, peer: SERVER_URI, random: counterNonces(), scheme: AuthType.Basic }) },
      server: { ...toServer.server, prover: new AuthProver({ store: serverCreds, peer: CLIENT_URI }) },
    });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run()).toBe(true);
    const toClient = pair.wire.filter((r) => r.from === 'server');
    expect(toClient[0]!.message.syncHdr.cred?.meta?.type).toBe(AuthType.Basic);
    // The client's Status for the server's SyncHdr accepts it.
    const clientStatuses = pair.wire.filter((r) => r.from === 'client').slice(1).map((r) => statuses(r.message)[0]!);
    expect(clientStatuses[0]).toMatchObject({ cmd: 'SyncHdr', data: '212' });
    expect(pair.serverEvents.filter((e) => e.type === 'results')).toHaveLength(1);
  });

  for (const scheme of [AuthType.Basic, AuthType.Md5Digest, AuthType.Hmac] as const) {
    it(`${scheme}: without credentials first, the server challenges (407 + Chal, only Statuses), the client reverts to Package#1 with credentials, and the session completes`, () => {
      const pair = authPair(scheme, { preemptive: false });
      pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
      expect(pair.run()).toBe(true);
      const [, challenge, again] = pair.wire;
      const hdrStatus = statuses(challenge!.message)[0]!;
      expect(hdrStatus).toMatchObject({ cmd: 'SyncHdr', data: '407' });
      expect(hdrStatus.chal?.meta.type).toBe(scheme);
      expect(challenge!.message.syncBody.commands.every((c) => c.kind === 'Status')).toBe(true);
      expect(statuses(challenge!.message).slice(1).map((s) => s.data)).toEqual(['407', '407']);
      // The client starts again with Package#1.
      expect(again!.message.syncBody.commands.filter((c) => c.kind !== 'Status').map((c) => c.kind)).toEqual(['Alert', 'Replace']);
      if (scheme !== AuthType.Hmac) expect(again!.message.syncHdr.cred?.meta?.type).toBe(scheme);
      expect(pair.serverEvents.filter((e) => e.type === 'results')).toHaveLength(1);
    });
  }

  it('a wrong password never gets in: 401 until the server gives up, and no command reaches the server application', () => {
    const pair = authPair(AuthType.Md5Digest, { password: 'wrong' });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    try {
      pair.run(50);
    } catch {
      // The client gives up when refused too often.
    }
    expect(pair.serverEvents.some((e) => e.type === 'command')).toBe(false);
    const codes = pair.wire.filter((r) => r.from === 'server').map((r) => statuses(r.message)[0]!.data);
    expect(codes.every((c) => c === '401' || c === '407')).toBe(true);
    expect(codes).toContain('401');
  });

  it('a bad HMAC is refused with 401', () => {
    const pair = authPair(AuthType.Hmac);
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    const body = encodeXml(p1.message);
    const header = p1.hmacHeader!(body).replace(/mac=[^,]*/, 'mac=AAAAAAAAAAAAAAAAAAAAAA==');
    const s = pair.server.receive(decodeXml(body), { hmacHeader: header, body });
    expect(s.events.some((e) => e.type === 'command')).toBe(false);
    const reply = pair.server.reply()!;
    expect(statuses(reply.message)[0]!.data).toBe('401');
  });
});

/**
 * Items of B.1.1-B.1.4 and B.2.1-B.2.4 that belong elsewhere in the toolkit:
 * - DM-PRO-Session-C-001-O, DM-PRO-Session-S-001-O (server notification): Package#0.
 * - DM-PRO-LO-C-011-M (DevDetail/LrgObj set to true): the client's management tree.
 */
