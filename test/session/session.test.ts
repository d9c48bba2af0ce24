import { describe, expect, it } from 'vitest';
import type { Item, Status, SyncML } from '../../generated/types.js';
import { Pair, CLIENT_URI } from './pair.js';

const statuses = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');

describe('session setup and management (section 6)', () => {
  it('DM-PRO-Session-C-002-M, DM-PRO-Session-C-003-O, DM-PRO-Session-C-004-M, DM-PRO-Session-S-002-M: Package#1 with Alert, DevInfo and Final; Package#2 answers it; the session ends', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 10_000 });
    pair.plan.push([
      { kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] },
      { kind: 'Replace', items: [{ target: { locURI: './Settings/Volume' }, data: '7' }] },
    ]);
    expect(pair.run()).toBe(true);
    const [p1, p2, p3, p4] = pair.wire;
    // Package#1
    expect(p1!.from).toBe('client');
    expect(p1!.message.syncBody.commands.map((c) => c.kind)).toEqual(['Alert', 'Replace']);
    expect(p1!.message.syncBody.commands[0]).toMatchObject({ data: '1201' });
    expect(p1!.message.syncBody.final).toBe(true);
    // Package#2: Status for the SyncHdr first, then for Alert and Replace, then the commands, Final.
    expect(p2!.message.syncBody.commands.map((c) => c.kind)).toEqual(['Status', 'Status', 'Status', 'Get', 'Replace']);
    expect(statuses(p2!.message).map((s) => [s.msgRef, s.cmdRef, s.cmd])).toEqual([
      ['1', '0', 'SyncHdr'],
      ['1', '1', 'Alert'],
      ['1', '2', 'Replace'],
    ]);
    expect(p2!.message.syncBody.final).toBe(true);
    // Package#3: statuses and the Results of the Get.
    expect(p3!.message.syncBody.commands.map((c) => c.kind)).toEqual(['Status', 'Status', 'Results', 'Status']);
    expect(pair.tree.get('./Settings/Volume')).toBe('7');
    // Package#4: only the SyncHdr status and Final: the end.
    expect(p4!.message.syncBody.commands.map((c) => c.kind)).toEqual(['Status']);
    expect(p4!.message.syncBody.final).toBe(true);
    expect(pair.wire).toHaveLength(4);
    expect(pair.server.ended && pair.client.ended).toBe(true);
    const results = pair.serverEvents.find((e) => e.type === 'results');
    expect(results?.type === 'results' && results.results.items[0]!.data).toBe('Device Factory, Inc.');
  });

  it('MsgIDs count up on each side and every Status names an existing MsgRef/CmdRef', () => {
    const pair = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 10_000 });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/DevId' } }] }], [{ kind: 'Delete', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run()).toBe(true);
    for (const side of ['client', 'server'] as const) {
      const ids = pair.wire.filter((r) => r.from === side).map((r) => Number(r.message.syncHdr.msgID));
      expect(ids).toEqual(ids.map((_, i) => i + 1));
    }
    expect(pair.tree.has('./DevInfo/Man')).toBe(false);
  });
});

describe('multiple messages (section 7)', () => {
  it('DM-PRO-Mul-C-001-M, DM-PRO-Mul-C-002-M, DM-PRO-Mul-S-001-M, DM-PRO-Mul-S-002-M: results larger than a message span messages; Final only on the last; 1222 in between', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 100_000, serverMaxMsgSize: 1_200 });
    for (let i = 0; i < 12; i++) pair.tree.set(`./Vendor/Node${i}`, 'v'.repeat(200));
    pair.plan.push(Array.from({ length: 12 }, (_, i) => ({ kind: 'Get' as const, items: [{ target: { locURI: `./Vendor/Node${i}` } }] as [Item] })));
    expect(pair.run()).toBe(true);
    const fromClient = pair.wire.filter((r) => r.from === 'client').slice(1);
    expect(fromClient.length).toBeGreaterThan(2);
    expect(fromClient.map((r) => r.message.syncBody.final === true)).toEqual(fromClient.map((_, i) => i === fromClient.length - 1));
    // The server answers each non-final client message with a Next Message response.
    const serverReplies = pair.wire.filter((r) => r.from === 'server').slice(1, fromClient.length);
    for (const r of serverReplies) {
      expect(r.message.syncBody.final).toBeUndefined();
      expect(r.message.syncBody.commands.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(true);
    }
    const results = pair.serverEvents.filter((e) => e.type === 'results');
    expect(results).toHaveLength(12);
    for (const r of pair.wire) expect(r.bytes.length).toBeLessThanOrEqual(r.limit);
  });
});

describe('large objects (section 8)', () => {
  it('DM-PRO-LO-C-001-O, DM-PRO-LO-C-002-O, DM-PRO-LO-S-003-M, DM-PRO-LO-S-004-M, DM-PRO-LO-S-008-M: an object larger than the client MaxMsgSize arrives in chunks and is committed whole', () => {
    const big = 'QUJD'.repeat(5_000);
    const pair = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 1_500, serverMaxMsgSize: 10_000 });
    pair.plan.push([{ kind: 'Replace', items: [{ target: { locURI: './FW/Package' }, meta: { format: 'b64', emis: [] }, data: big }] }]);
    expect(pair.run()).toBe(true);
    expect(pair.tree.get('./FW/Package')).toBe(big);
    const chunks = pair.wire.filter((r) => r.from === 'server').flatMap((r) => r.message.syncBody.commands.filter((c) => c.kind === 'Replace'));
    expect(chunks.length).toBeGreaterThan(5);
    // 213 for every chunk but the last.
    const codes = pair.wire.filter((r) => r.from === 'client').flatMap((r) => statuses(r.message)).filter((s) => s.cmd === 'Replace').map((s) => s.data);
    expect(codes).toEqual([...Array<string>(chunks.length - 1).fill('213'), '200']);
    for (const r of pair.wire) expect(r.bytes.length).toBeLessThanOrEqual(r.limit);
  });
});

describe('session abort (section 6.1)', () => {
  it('DM-PRO-Abort-C-001-O, DM-PRO-Abort-C-004-O, DM-PRO-Abort-C-005-O, DM-PRO-Abort-S-002-M: the client aborts with 1223 and Final; the server answers with statuses and no commands', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 10_000 });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    pair.server.receive(p1.message);
    pair.server.answerRemaining(200);
    pair.server.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    const p2 = pair.server.reply()!;
    const ev = pair.client.receive(p2.message).events;
    expect(ev.some((e) => e.type === 'command')).toBe(true);
    const abort = pair.client.abort();
    expect(abort.message.syncBody.final).toBe(true);
    const kinds = abort.message.syncBody.commands.map((c) => [c.kind, c.kind === 'Status' || c.kind === 'Alert' ? c.data : '']);
    expect(kinds).toContainEqual(['Alert', '1223']);
    expect(kinds).toContainEqual(['Status', '214']); // the Get it did not run
    const s = pair.server.receive(abort.message);
    expect(s.events.some((e) => e.type === 'aborted')).toBe(true);
    const last = pair.server.reply()!;
    expect(last.message.syncBody.commands.every((c) => c.kind === 'Status')).toBe(true);
    expect(pair.server.ended).toBe(true);
    // DM-PRO-Abort-C-005-O: the client discards the response.
    expect(pair.client.receive(last.message).events).toEqual([]);
    expect(pair.client.ended).toBe(true);
  });

  it('DM-PRO-Abort-C-002-M, DM-PRO-Abort-S-001-O: the server aborts; the client stops without answering', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 10_000 });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    pair.server.receive(p1.message);
    pair.server.answerRemaining(200);
    const abort = pair.server.abort();
    expect(abort.message.syncBody.final).toBe(true);
    const c = pair.client.receive(abort.message);
    expect(c.events.some((e) => e.type === 'aborted')).toBe(true);
    expect(pair.client.reply()).toBeUndefined();
    expect(pair.client.ended).toBe(true);
  });
});
