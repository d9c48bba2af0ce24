/**
 * Large objects in whole sessions (section 8, Appendix B "SCR for Large Object"), each
 * requirement checked on the wire between a real ClientSession and ServerSession
 * (test/session/pair.ts), faults injected where the requirement is about a faulty peer.
 */
import { describe, expect, it } from 'vitest';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item, Status, SyncBodyCommand, SyncML } from '../../generated/types.js';
import type { SessionEvent } from '../../src/session/endpoint.js';
import { Pair, type WireRecord } from './pair.js';

const itemsOf = (c: SyncBodyCommand): Item[] => (c as { items?: Item[] }).items ?? [];
const statuses = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');
const from = (pair: Pair, side: 'client' | 'server'): WireRecord[] => pair.wire.filter((r) => r.from === side);
const hasMoreData = (m: SyncML): boolean => m.syncBody.commands.some((c) => itemsOf(c).some((i) => i.moreData));
const replace = (uri: string, data: string) => ({ kind: 'Replace' as const, items: [{ target: { locURI: uri }, data }] as [Item] });
const get = (uri: string): SyncBodyCommandDraft => ({ kind: 'Get', items: [{ target: { locURI: uri } }] });
const events = (list: SessionEvent[], type: SessionEvent['type']): SessionEvent[] => list.filter((e) => e.type === type);
/** The commands handed to an application that carry (part of) the node at `uri`. */
const commandsAt = (list: SessionEvent[], uri: string): SyncBodyCommand[] =>
  list.flatMap((e) => (e.type === 'command' && itemsOf(e.command).some((i) => i.source?.locURI === uri || i.target?.locURI === uri) ? [e.command] : []));

/** A value whose every part is told apart (so a fragment never equals the whole). */
const value = (n: number): string => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');

/** Package#1 with one large DevInfo node (./DevInfo/Ext/Blob) beside DevId. */
const bigDevInfo = (n: number): Item[] => [
  { source: { locURI: './DevInfo/DevId' }, data: 'IMEI:493005100592800' },
  { source: { locURI: './DevInfo/Ext/Blob' }, data: value(n) },
];

/** Changes, in each command of `message`, its first item that is a chunk (MoreData or Size). */
const editChunk = (message: SyncML, edit: (item: Item, command: SyncBodyCommand) => Item): SyncML => ({
  ...message,
  syncBody: {
    ...message.syncBody,
    commands: message.syncBody.commands.map((c) => {
      const items = itemsOf(c);
      const k = items.findIndex((i) => i.moreData || i.meta?.size !== undefined);
      if (k < 0) return c;
      return { ...c, items: items.map((i, j) => (j === k ? edit(i, c) : i)) } as SyncBodyCommand;
    }) as SyncML['syncBody']['commands'],
  },
});

describe('large objects received, in a session (section 8)', () => {
  it('DM-PRO-LO-S-001-M: the server answers every chunk but the last of the client\'s object with 213, in the session, and the last with the application\'s status', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1200 });
    expect(pair.run(100, bigDevInfo(3000))).toBe(true);
    const chunks = from(pair, 'client').flatMap((r) =>
      r.message.syncBody.commands.filter((c) => c.kind === 'Replace' && itemsOf(c).some((i) => i.source?.locURI === './DevInfo/Ext/Blob')).map((c) => ({ msgID: r.message.syncHdr.msgID, c })),
    );
    expect(chunks.length).toBeGreaterThan(2);
    const answers = from(pair, 'server').flatMap((r) => statuses(r.message)).filter((s) => s.cmd === 'Replace');
    for (const [i, { msgID, c }] of chunks.entries()) {
      const answer = answers.find((s) => s.msgRef === msgID && s.cmdRef === c.cmdID);
      expect(answer?.data).toBe(i < chunks.length - 1 ? '213' : '200');
    }
    // Handed to the server application once, whole.
    const commands = commandsAt(pair.serverEvents, './DevInfo/Ext/Blob');
    expect(commands).toHaveLength(1);
    expect(itemsOf(commands[0]!).find((i) => i.source?.locURI === './DevInfo/Ext/Blob')?.data).toBe(value(3000));
  });

  it('DM-PRO-LO-S-002-M (section 8: "A command on a chunked object MUST implicitly be treated as atomic"): the server application sees nothing of the client\'s object until its last chunk, and nothing at all when it is cut short (1225)', () => {
    const pair = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 800 });
    let seen = 0;
    // The client's third message: its chunk replaced by a Get (a new command before the last chunk).
    pair.tamper = ({ from: side, message }) => {
      if (side !== 'client' || ++seen !== 3 || !hasMoreData(message)) return message;
      const commands = message.syncBody.commands.map((c) => (itemsOf(c).some((i) => i.source?.locURI === './DevInfo/Ext/Blob') ? ({ kind: 'Alert', cmdID: c.cmdID, data: '1226', items: [{ source: { locURI: './Vendor/Event' }, data: 'x' }] } as SyncBodyCommand) : c));
      return { ...message, syncBody: { ...message.syncBody, commands: commands as SyncML['syncBody']['commands'] } };
    };
    pair.run(100, bigDevInfo(3000));
    const lost = events(pair.serverEvents, 'object-lost');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ byPeer: false, source: './DevInfo/Ext/Blob' });
    const alert = from(pair, 'server').flatMap((r) => r.message.syncBody.commands).find((c) => c.kind === 'Alert' && c.data === '1225');
    expect(alert && itemsOf(alert)[0]?.source?.locURI).toBe('./DevInfo/Ext/Blob');
    // No command of the server's application ever carried any of the object.
    expect(commandsAt(pair.serverEvents, './DevInfo/Ext/Blob')).toEqual([]);
  });

  it('DM-PRO-LO-S-009-M, server side in a session: a reassembled object whose size is not its Size is answered 424, for a command and for Results, and nothing is committed', () => {
    // A command (Package#1's Replace) with a Size one byte short.
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1200 });
    pair.tamper = ({ from: side, message }) =>
      side === 'client' ? editChunk(message, (i) => (i.meta?.size ? { ...i, meta: { ...i.meta, size: String(Number(i.meta.size) - 1) } } : i)) : message;
    pair.run(100, bigDevInfo(3000));
    expect(from(pair, 'server').flatMap((r) => statuses(r.message)).some((s) => s.cmd === 'Replace' && s.data === '424')).toBe(true);
    expect(commandsAt(pair.serverEvents, './DevInfo/Ext/Blob')).toEqual([]);
    // Results (the client's answer to a Get) with a Size one byte too large.
    const results = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1200 });
    results.tree.set('./Vendor/Log', value(4000));
    results.plan.push([get('./Vendor/Log')]);
    results.tamper = ({ from: side, message }) =>
      side === 'client' ? editChunk(message, (i, c) => (c.kind === 'Results' && i.meta?.size ? { ...i, meta: { ...i.meta, size: String(Number(i.meta.size) + 1) } } : i)) : message;
    expect(() => results.run(100)).not.toThrow();
    expect(events(results.serverEvents, 'results')).toHaveLength(0);
    const refusal = events(results.serverEvents, 'protocol-error').find((e) => e.type === 'protocol-error' && e.error.status === 424);
    expect(refusal).toBeDefined();
    expect(from(results, 'server').flatMap((r) => statuses(r.message)).some((s) => s.cmd === 'Results' && s.data === '424')).toBe(true);
  });

  it('section 8: chunked Results without Size (411), or cut short by a new Results (1225, object-lost), are answered in the session; receive() never throws and nothing partial is delivered', () => {
    const noSize = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 700 });
    noSize.tree.set('./Vendor/Log', value(3000));
    noSize.plan.push([get('./Vendor/Log')]);
    noSize.tamper = ({ from: side, message }) =>
      side === 'client'
        ? editChunk(message, (i) => {
            if (!i.meta?.size) return i;
            const meta = { ...i.meta };
            delete meta.size;
            return { ...i, meta };
          })
        : message;
    expect(() => noSize.run(100)).not.toThrow();
    expect(events(noSize.serverEvents, 'results')).toHaveLength(0);
    const codes = from(noSize, 'server').flatMap((r) => statuses(r.message)).filter((s) => s.cmd === 'Results').map((s) => s.data);
    expect(codes[0]).toBe('411');
    // The rest of the object: its chunks refused (412), never taken for whole Results.
    expect(codes.slice(1).every((c) => c === '412')).toBe(true);

    const cut = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1000 });
    cut.tree.set('./Vendor/Log', value(3000));
    cut.plan.push([get('./Vendor/Log')]);
    let chunkMessages = 0;
    cut.tamper = ({ from: side, message }) => {
      if (side !== 'client' || !message.syncBody.commands.some((c) => c.kind === 'Results')) return message;
      if (++chunkMessages !== 2) return message;
      // The second chunk's Results answers another Get (another CmdRef): a new object.
      const commands = message.syncBody.commands.map((c) => (c.kind === 'Results' ? { ...c, cmdRef: '99' } : c));
      return { ...message, syncBody: { ...message.syncBody, commands: commands as SyncML['syncBody']['commands'] } };
    };
    expect(() => cut.run(100)).not.toThrow();
    expect(events(cut.serverEvents, 'object-lost')).toHaveLength(1);
    expect(from(cut, 'server').flatMap((r) => r.message.syncBody.commands).some((c) => c.kind === 'Alert' && c.data === '1225')).toBe(true);
    expect(events(cut.serverEvents, 'results').filter((e) => e.type === 'results' && itemsOf(e.results)[0]?.data === value(3000))).toHaveLength(0);
  });

  it('DM-PRO-LO-C-003-O (section 8: "the recipient can only commit the object once all chunks have been successfully received and reassembled"): the device applies a chunked Replace once, whole, and not at all when its size is wrong', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 1200, serverMaxMsgSize: 10_000 });
    pair.plan.push([replace('./Vendor/Big', value(4000))]);
    const treeAtEachClientMessage: (string | undefined)[] = [];
    pair.tamper = ({ from: side, message }) => {
      if (side === 'client') treeAtEachClientMessage.push(pair.tree.get('./Vendor/Big'));
      return message;
    };
    expect(pair.run(100)).toBe(true);
    // Until the last chunk arrived the node was untouched; then it holds the whole value.
    const written = treeAtEachClientMessage.filter((v) => v !== undefined);
    expect(treeAtEachClientMessage.length - written.length).toBeGreaterThan(2);
    expect(new Set(written)).toEqual(new Set([value(4000)]));
    expect(events(pair.clientEvents, 'command').filter((e) => e.type === 'command' && e.command.kind === 'Replace')).toHaveLength(1);

    const wrong = new Pair({ encoding: 'wbxml', clientMaxMsgSize: 700, serverMaxMsgSize: 10_000 });
    wrong.plan.push([replace('./Vendor/Big', value(4000))]);
    wrong.tamper = ({ from: side, message }) =>
      side === 'server' ? editChunk(message, (i) => (i.meta?.size ? { ...i, meta: { ...i.meta, size: '4001' } } : i)) : message;
    wrong.run(100);
    expect(wrong.tree.has('./Vendor/Big')).toBe(false);
    expect(from(wrong, 'client').flatMap((r) => statuses(r.message)).some((s) => s.cmd === 'Replace' && s.data === '424')).toBe(true);
  });

  it('DM-PRO-LO-C-003-O, DM-PRO-LO-S-002-M, section 7.1 ("Atomic ... must fit entirely into one message"): an Atomic with a chunked item is refused whole in the session (507, the chunk 412, the rest 215) and the device runs none of it', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 10_000 });
    pair.plan.push([{ kind: 'Atomic', commands: [replace('./Vendor/A', 'aaa'), replace('./Vendor/B', 'bbb')] }]);
    pair.tamper = ({ from: side, message }) => {
      if (side !== 'server' || !message.syncBody.commands.some((c) => c.kind === 'Atomic')) return message;
      const commands = message.syncBody.commands.map((c) =>
        c.kind !== 'Atomic'
          ? c
          : { ...c, commands: c.commands.map((n, i) => (i === 1 ? ({ ...n, items: itemsOf(n as SyncBodyCommand).map((it) => ({ ...it, meta: { size: '9', emis: [] }, moreData: true })) } as typeof n) : n)) },
      );
      return { ...message, syncBody: { ...message.syncBody, commands: commands as SyncML['syncBody']['commands'] } };
    };
    pair.run(100);
    expect(pair.tree.has('./Vendor/A') || pair.tree.has('./Vendor/B')).toBe(false);
    expect(events(pair.clientEvents, 'command').some((e) => e.type === 'command' && e.command.kind === 'Atomic')).toBe(false);
    const answer = from(pair, 'client').flatMap((r) => statuses(r.message)).filter((s) => ['Atomic', 'Replace'].includes(s.cmd));
    expect(answer.map((s) => [s.cmd, s.data])).toEqual([
      ['Atomic', '507'],
      ['Replace', '215'],
      ['Replace', '412'],
    ]);
  });
});

describe('large objects sent, in a session (section 8)', () => {
  it('DM-PRO-LO-C-005-O: the client sends the chunks of its Results in contiguous messages with nothing but Statuses between them (no new command, no new item)', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1100 });
    pair.tree.set('./Vendor/Log', value(3000));
    pair.tree.set('./Vendor/Small', 'small');
    pair.plan.push([get('./Vendor/Log'), get('./Vendor/Small'), replace('./Vendor/Set', 'v')]);
    expect(pair.run(100)).toBe(true);
    const client = from(pair, 'client').map((r) => r.message);
    const carries = (m: SyncML) => m.syncBody.commands.some((c) => c.kind === 'Results' && itemsOf(c).some((i) => i.source?.locURI === './Vendor/Log'));
    const first = client.findIndex(carries);
    let last = first;
    while (last + 1 < client.length && carries(client[last + 1]!)) last++;
    expect(last - first).toBeGreaterThan(1);
    // Contiguous: every message from the first chunk to the last carries one. In the
    // first, the chunk is the last item; in the middle ones, the only item; in the last,
    // the first item (what follows it is no longer "between chunks").
    for (let k = first; k <= last; k++) {
      const items = client[k]!.syncBody.commands.filter((c) => c.kind !== 'Status').flatMap((c) => itemsOf(c).map((i) => i.source?.locURI ?? i.target?.locURI));
      if (k === first) expect(items.at(-1)).toBe('./Vendor/Log');
      else if (k < last) expect(items).toEqual(['./Vendor/Log']);
      else expect(items[0]).toBe('./Vendor/Log');
    }
    const got = events(pair.serverEvents, 'results').map((e) => (e.type === 'results' ? itemsOf(e.results)[0]?.data : undefined));
    expect(got).toContain(value(3000));
    expect(got).toContain('small');
  });

  it('DM-PRO-LO-C-006-O: Results that fit a message travel in one, whole, even when the message they would first go in is too full for them: they wait for the next', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1500 });
    pair.tree.set('./Vendor/A', value(700));
    pair.tree.set('./Vendor/B', value(700));
    pair.plan.push([get('./Vendor/A'), get('./Vendor/B')]);
    expect(pair.run(100)).toBe(true);
    const client = from(pair, 'client').map((r) => r.message);
    for (const m of client) expect(hasMoreData(m)).toBe(false);
    const withResults = client.filter((m) => m.syncBody.commands.some((c) => c.kind === 'Results'));
    expect(withResults.length).toBe(2);
    const got = events(pair.serverEvents, 'results').map((e) => (e.type === 'results' ? itemsOf(e.results)[0]?.data : undefined));
    expect(got).toEqual([value(700), value(700)]);
  });

  it('DM-PRO-LO-S-005-M: a command that fits an empty message but not the one being filled (the statuses of a large Package#1 fill it) waits for the next message and goes whole, not in chunks', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 1400, serverMaxMsgSize: 100_000 });
    // (650 bytes: one Status names no SourceRefs for the 12 items of the DevInfo Replace, so the statuses are smaller than they were.)
    pair.plan.push([replace('./Vendor/Setting', value(650))]);
    const devInfo: Item[] = Array.from({ length: 12 }, (_, i) => ({ source: { locURI: `./DevInfo/Ext/Node${i}` }, data: `value-${i}` }));
    expect(pair.run(100, devInfo)).toBe(true);
    const server = from(pair, 'server').map((r) => r.message);
    expect(server[0]!.syncBody.commands.some((c) => c.kind === 'Replace')).toBe(false);
    const carrying = server.filter((m) => m.syncBody.commands.some((c) => c.kind === 'Replace'));
    expect(carrying).toHaveLength(1);
    for (const m of server) expect(hasMoreData(m)).toBe(false);
    expect(pair.tree.get('./Vendor/Setting')).toBe(value(650));
  });

  it('DM-PRO-LO-S-006-O: the server announces its MaxObjSize in its first header; the client keeps to it (413 for larger Results) and the server refuses a larger chunked object (416)', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1200, serverMaxObjSize: 2000 });
    pair.tree.set('./Vendor/Log', value(2500));
    pair.plan.push([get('./Vendor/Log')]);
    expect(pair.run(100)).toBe(true);
    const first = from(pair, 'server')[0]!.message;
    expect(first.syncHdr.meta?.maxObjSize).toBe('2000');
    expect(from(pair, 'client').flatMap((r) => statuses(r.message)).some((s) => s.cmd === 'Get' && s.data === '413')).toBe(true);
    expect(pair.refusedObjects).toEqual([{ by: 'client', kind: 'Results' }]);
    // A client that ignores it: its chunked object, declaring 3000 bytes, is refused 416.
    const rude = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 1200, serverMaxObjSize: 2000 });
    rude.run(100, bigDevInfo(3000));
    expect(from(rude, 'server').flatMap((r) => statuses(r.message)).some((s) => s.cmd === 'Replace' && s.data === '416')).toBe(true);
    expect(commandsAt(rude.serverEvents, './DevInfo/Ext/Blob')).toEqual([]);
  });
});
