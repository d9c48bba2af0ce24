/**
 * Known-answer tests: the spec's section 11 exchanges replayed through the sessions.
 * The fixtures are the repaired example messages; the sessions must read them and
 * answer with messages of the same shape (which Statuses, for what, which commands).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Status, SyncML } from '../../generated/types.js';
import { decodeXml } from '../../src/index.js';
import { ClientSession } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';

const fixture = (name: string): SyncML => decodeXml(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'spec', name)));
const shape = (m: SyncML) =>
  m.syncBody.commands.map((c) => (c.kind === 'Status' ? `Status ${c.cmd} ${c.cmdRef}` : c.kind === 'Alert' ? `Alert ${c.data}` : c.kind));
const statusShape = (m: SyncML) =>
  m.syncBody.commands
    .filter((c): c is Status => c.kind === 'Status')
    .map((s) => `${s.cmd}:${s.cmdRef}`)
    .sort();

const SERVER = 'http://www.syncml.org/mgmt-server';
const DEVICE = 'IMEI:493005100592800';

describe('section 11.1: one-step protocol initiated by the server', () => {
  it('a ServerSession answers the spec Package#1 like the spec Package#2, and ends on Package#3 like Package#4', () => {
    const server = new ServerSession({ encoding: 'xml', localURI: SERVER, remoteURI: DEVICE, sessionID: '1', maxMsgSize: 5000 });
    const p1 = fixture('11.1.1-package1.xml');
    const { events } = server.receive(p1);
    expect(events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.command.kind)).toEqual(['Alert', 'Replace']);
    server.answerRemaining(200);
    const spec2 = fixture('11.1.2-package2.xml');
    // The spec's Sequence, without its CmdIDs: the message numbers its commands.
    const seq = structuredClone(spec2.syncBody.commands.find((c) => c.kind === 'Sequence')!) as { cmdID?: string; commands: { cmdID?: string }[] };
    delete seq.cmdID;
    for (const c of seq.commands) delete c.cmdID;
    server.send(seq as never);
    const p2 = server.reply()!.message;
    expect(statusShape(p2)).toEqual(statusShape(spec2));
    expect(shape(p2).filter((s) => !s.startsWith('Status'))).toEqual(shape(spec2).filter((s) => !s.startsWith('Status')));
    expect(p2.syncBody.final).toBe(true);
    // A device answers it (our CmdIDs differ from the spec's, so its Package#3 is made by a
    // ClientSession that read our Package#2), with the Statuses the spec's Package#3 shows.
    const device = new ClientSession({ encoding: 'xml', localURI: DEVICE, remoteURI: SERVER, sessionID: '1', maxMsgSize: 5000 });
    device.start({ alert: 1200, devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: DEVICE }] });
    device.receive(p2);
    for (const u of device.unanswered) device.answer(u, 200);
    const p3 = device.reply()!.message;
    expect(statusShape(p3).map((x) => x.split(':')[0])).toEqual(statusShape(fixture('11.1.3-package3.xml')).map((x) => x.split(':')[0]));
    const after = server.receive(p3);
    expect(after.events.filter((e) => e.type === 'status')).toHaveLength(3); // Sequence, Alert, Replace
    const p4 = server.reply()!.message;
    expect(shape(p4)).toEqual(shape(fixture('11.1.4-package4.xml')));
    expect(server.ended).toBe(true);
  });

  it('a ClientSession answers the spec Package#2 like the spec Package#3', () => {
    const client = new ClientSession({ encoding: 'xml', localURI: DEVICE, remoteURI: SERVER, sessionID: '1', maxMsgSize: 5000 });
    client.start({ alert: 1200, devInfo: fixture('11.1.1-package1.xml').syncBody.commands.flatMap((c) => (c.kind === 'Replace' ? c.items : [])) });
    const { events } = client.receive(fixture('11.1.2-package2.xml'));
    for (const e of events) if (e.type === 'command') client.answer(e, 200);
    for (const u of client.unanswered) client.answer(u, 200);
    const p3 = client.reply()!.message;
    expect(statusShape(p3)).toEqual(statusShape(fixture('11.1.3-package3.xml')));
    expect(p3.syncBody.final).toBe(true);
    // Package#4 of the spec holds no command: the client sends nothing more.
    client.receive({ ...fixture('11.1.4-package4.xml'), syncHdr: { ...fixture('11.1.4-package4.xml').syncHdr, msgID: '2' } });
    expect(client.reply()).toBeUndefined();
    expect(client.ended).toBe(true);
  });
});

describe('section 11.2: two-step protocol initiated by the server', () => {
  it('the client answers Package#2 (display alert and Get) with Status and Results, and Package#4 (Replace) with a Status', () => {
    const client = new ClientSession({ encoding: 'xml', localURI: DEVICE, remoteURI: SERVER, sessionID: '1', maxMsgSize: 5000 });
    client.start({ alert: 1200, devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: DEVICE }] });
    const { events } = client.receive(fixture('11.2.2-package2.xml'));
    for (const e of events) {
      if (e.type !== 'command') continue;
      if (e.command.kind === 'Get') client.answer(e, 200, { items: [{ source: { locURI: './antivirus_data/version' }, data: 'antivirus-inc/20010522b/5' }], targetRefs: [], sourceRefs: [] });
      else client.answer(e, 200);
    }
    const p3 = client.reply()!.message;
    expect(shape(p3).filter((s) => !s.startsWith('Status'))).toEqual(['Results']);
    expect(statusShape(p3)).toEqual(statusShape(fixture('11.2.3-package3.xml')).map((s) => (s === 'SyncHdr:undefined' ? 'SyncHdr:0' : s)).sort());
    const p4 = fixture('11.2.4-package4.xml');
    const r = client.receive({ ...p4, syncHdr: { ...p4.syncHdr, msgID: '2' } });
    for (const e of r.events) if (e.type === 'command') client.answer(e, 200);
    const p5 = client.reply()!.message;
    expect(statusShape(p5)).toEqual(['Replace:2', 'SyncHdr:0']);
  });
});
