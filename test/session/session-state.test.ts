/**
 * The session state tables (src/session/session-state.ts), the Status ledger and the
 * atomic receive(): the rules as data, checked directly and through real sessions.
 */
import { describe, expect, it } from 'vitest';
import type { Results, SyncML } from '../../generated/types.js';
import { CLIENT_TABLE, SERVER_TABLE, TABLES, classify, transition, type SessionState } from '../../src/session/session-state.js';
import { StatusLedger } from '../../src/session/status-ledger.js';
import { ClientSession } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { Buffer } from 'node:buffer';
import { CLIENT_URI, Pair, SERVER_URI } from './pair.js';

const server = (over: object = {}) => new ServerSession({ encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '1', maxMsgSize: 9000, ...over });
const client = () => new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1', maxMsgSize: 9000 });

describe('state tables', () => {
  it('an event a table has no row for raises LocalProtocolError naming role, state and event, and changes nothing', () => {
    const s = server();
    let error: unknown;
    try {
      s.reply();
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('wrong-state');
    expect((error as Error).message).toContain('server');
    expect((error as Error).message).toContain("'waiting'");
    expect((error as Error).message).toContain("'reply'");
    expect(s.current).toBe('waiting');
    expect(() => transition('client', 'idle', 'receive')).toThrow(/client session in state 'idle' has no transition for 'receive'/);
    expect(() => transition('client', 'ended', 'send')).toThrow(expect.objectContaining({ problem: 'session-ended' }));
  });

  it('every state a row leads to is a state of the same table (or the end)', () => {
    for (const table of [CLIENT_TABLE, SERVER_TABLE]) {
      const states = new Set(Object.keys(table));
      for (const rows of Object.values(table)) {
        for (const row of Object.values(rows ?? {})) {
          for (const r of Array.isArray(row) ? row : [row]) {
            expect(states.has(r.next) || r.next === 'ended' || r.next === 'error', r.next).toBe(true);
          }
        }
      }
    }
    expect(Object.keys(TABLES)).toEqual(['client', 'server']);
  });

  it('section 7.2: a received message is an event named by what it says, abort first', () => {
    const base = { aborted: false, authFailed: false, challenged: false, authenticated: true, final: false, asksForMore: false };
    expect(classify(base, 'server')).toBe('part');
    expect(classify({ ...base, asksForMore: true }, 'server')).toBe('ask');
    expect(classify({ ...base, final: true }, 'server')).toBe('end');
    expect(classify({ ...base, final: true, aborted: true, authFailed: true }, 'server')).toBe('abort');
    expect(classify({ ...base, challenged: true }, 'client')).toBe('challenged-part');
    expect(classify({ ...base, challenged: true, asksForMore: true }, 'client')).toBe('challenged-end');
    expect(classify({ ...base, challenged: true, final: true }, 'server')).toBe('end');
    expect(classify({ ...base, authenticated: false }, 'server')).toBe('unauthenticated-part');
  });

  it('the session walks the table: waiting, answering, ended', () => {
    const c = client();
    const s = server();
    expect(c.current).toBe('idle');
    const p1 = c.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    expect(c.current).toBe('waiting');
    s.receive(p1.message);
    expect(s.current satisfies SessionState).toBe('answering');
    s.answerRemaining(200);
    const p2 = s.reply()!;
    expect(s.current).toBe('ended');
    c.receive(p2.message);
    expect(c.reply()).toBeUndefined();
    expect(c.current).toBe('ended');
  });
});

describe('the Status ledger', () => {
  it('matches a Status once, by MsgRef and CmdRef with white space trimmed', () => {
    const l = new StatusLedger();
    l.expect('3', { kind: 'Get', cmdID: '4', items: [{ target: { locURI: './x' } }] });
    expect(l.awaiting).toBe(1);
    expect(l.match(' 3 ', '4\n')?.command.kind).toBe('Get');
    expect(l.match('3', '4')).toBeUndefined();
    // A Get is kept for its Results (which may leave MsgRef out).
    expect(l.matchResults('', '4')?.command.kind).toBe('Get');
  });

  it('releases answers in request order, whatever order they are given in; rollback undoes a transaction', () => {
    const l = new StatusLedger();
    const cmd = (id: string) => ({ kind: 'Delete' as const, cmdID: id, items: [{ target: { locURI: `./n${id}` } }] as [{ target: { locURI: string } }] });
    l.owe('1', cmd('1'));
    l.owe('1', cmd('2'));
    const status = (id: string) => ({ kind: 'Status' as const, msgRef: '1', cmdRef: id, cmd: 'Delete' as const, targetRefs: [], sourceRefs: [], data: '200', items: [] });
    l.pay('1', '2', [status('2')]);
    expect(l.release()).toEqual([]);
    l.begin();
    l.pay('1', '1', [status('1')]);
    l.rollback();
    expect(l.unanswered.map((e) => e.command.cmdID)).toEqual(['1']);
    l.pay('1', '1', [status('1')]);
    expect(l.release().map((d) => d.kind === 'Status' && d.cmdRef)).toEqual(['1', '2']);
    expect(JSON.parse(JSON.stringify(l.snapshot()))).toEqual({ expected: [], gets: [], owed: [] });
  });
});

describe('receive() is atomic', () => {
  it('section 8: a Results chunk without Size is answered 411 without throwing and changes nothing else; the corrected Results that follow are read, not taken for a duplicate', () => {
    const c = client();
    const s = server();
    s.receive(c.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] }).message);
    s.answerRemaining(200);
    s.send({ kind: 'Get', items: [{ target: { locURI: './Vendor/Log' } }] });
    const p2 = s.reply()!;
    for (const e of c.receive(p2.message).events) {
      if (e.type === 'command' && e.command.kind === 'Get') c.answer(e, 200, { items: [{ source: { locURI: './Vendor/Log' }, data: 'abc' }], targetRefs: [], sourceRefs: [] });
      else if (e.type === 'command') c.answer(e, 200);
    }
    const p3 = c.reply()!.message;
    const broken: SyncML = structuredClone(p3);
    const results = broken.syncBody.commands.find((x): x is Results => x.kind === 'Results')!;
    results.items[0]!.moreData = true;
    const r = s.receive(broken);
    expect(r.duplicate).toBe(false);
    expect(r.events.filter((e) => e.type === 'protocol-error').map((e) => e.type === 'protocol-error' && e.error.status)).toEqual([411]);
    expect(r.events.filter((e) => e.type === 'results')).toEqual([]);
    s.send({ kind: 'Get', items: [{ target: { locURI: './Vendor/Other' } }] });
    const answer = s.reply()!.message;
    expect(answer.syncBody.commands.filter((x) => x.kind === 'Status' && x.cmd === 'Results').map((x) => x.kind === 'Status' && x.data)).toEqual(['411']);
    // The device sends the Results again, whole, in its next message.
    const corrected: SyncML = { ...p3, syncHdr: { ...p3.syncHdr, msgID: '3' }, syncBody: { ...p3.syncBody, commands: p3.syncBody.commands.filter((x) => x.kind === 'Results') as SyncML['syncBody']['commands'] } };
    const again = s.receive(corrected);
    expect(again.duplicate).toBe(false);
    expect(again.events.filter((e) => e.type === 'results').map((e) => e.type === 'results' && e.results.items[0]!.data)).toEqual(['abc']);
  });

  it('a message the session cannot answer within MaxMsgSize leaves it in state error: nothing more goes out', () => {
    const s = server();
    s.receive(new ClientSession({ encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '1', maxMsgSize: 120 }).start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] }).message);
    s.answerRemaining(200);
    expect(() => s.reply()).toThrow(expect.objectContaining({ problem: 'message-too-small' }));
    expect(s.current).toBe('error');
    expect(() => s.reply()).toThrow(expect.objectContaining({ problem: 'session-ended' }));
  });
});

describe('snapshots', () => {
  const run = (encoding: 'xml' | 'wbxml', restoreAt?: (n: number) => boolean) => {
    const pair = new Pair({ encoding, clientMaxMsgSize: 64_000, serverMaxMsgSize: 64_000, ...(restoreAt ? { restoreAt } : {}) });
    pair.plan.push([{ kind: 'Replace', items: [{ target: { locURI: './FW/Package' }, data: 'QUJD'.repeat(262_144) }] }]);
    expect(pair.run(100)).toBe(true);
    return pair;
  };

  it('a session with a 1 MiB object in flight goes through JSON and back in the middle of the object and sends the same bytes; its snapshot stays within the object plus two messages', () => {
    const plain = run('wbxml');
    // Steps 20 to 23: both sides, with about a third of the object sent.
    const restored = run('wbxml', (n) => n >= 20 && n < 24);
    expect(restored.snapshots).toBe(4);
    expect(restored.wire.map((r) => Buffer.from(r.bytes).toString('base64'))).toEqual(plain.wire.map((r) => Buffer.from(r.bytes).toString('base64')));
    expect(restored.tree.get('./FW/Package')).toBe('QUJD'.repeat(262_144));
    expect(restored.largestSnapshot).toBeLessThan(1024 * 1024 + 4 * 64_000);
  });

  it('a typical session (Package#1, a Get and a Replace) snapshots in under 4 KB of JSON at any step', () => {
    const pair = new Pair({ encoding: 'xml', clientMaxMsgSize: 10_000, serverMaxMsgSize: 10_000, restoreEveryStep: true });
    pair.plan.push([
      { kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] },
      { kind: 'Replace', items: [{ target: { locURI: './Settings/Volume' }, data: '7' }] },
    ]);
    expect(pair.run()).toBe(true);
    expect(pair.snapshots).toBeGreaterThan(10);
    expect(pair.largestSnapshot).toBeLessThan(4096);
  });
});
