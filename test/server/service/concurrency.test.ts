/**
 * Two server processes serving one device (two DmServices over two connections to one
 * database, as behind a load balancer without stickiness): the same message reaching both
 * at once gets one answer, the same bytes from each, and is applied once; a session hops
 * from one process to the other at every message. On PostgreSQL over two connections; SQLite
 * serves one process (a second connection in the same process would wait on the first's
 * lock with the event loop blocked), so there the two services share one connection and
 * race at every await.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decode } from '../../../src/index.js';
import { DmService } from '../../../src/server/service/service.js';
import type { ServiceEvent } from '../../../src/server/service/events.js';
import type { DmHttpAnswer, DmHttpRequest } from '../../../src/server/http/dm-http.js';
import { Secret } from '../../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from '../databases.js';
import { ScriptedDevice } from '../e2e/scripted-device.js';

function request(bytes: Uint8Array, hmac?: string): DmHttpRequest {
  return { body: bytes, media: { encoding: 'xml', family: 'dm' }, subPath: '', httpVersion: '1.1', ...(hmac !== undefined ? { hmac } : {}) };
}

function body(a: DmHttpAnswer): Uint8Array {
  if (a.kind !== 'message') throw new Error(`refused: ${a.status} ${a.reason}`);
  return a.body;
}

function suite(backend: Backend): void {
  describe(`two processes, one device, on ${backend.name}`, () => {
    let database: TestDatabase | undefined;
    afterEach(async () => {
      await database?.dispose();
      database = undefined;
    });

    it('the same message at both processes at once is served once: both answer the same bytes; messages hop between them; every job goes out and finishes once', async () => {
      database = await backend.fresh();
      const storeA = await database.open();
      const storeB = backend.name === 'sqlite' ? storeA : await database.open();
      const events: ServiceEvent[] = [];
      const a = new DmService({ store: storeA, observers: [(e) => events.push(e)] });
      const b = new DmService({ store: storeB, observers: [(e) => events.push(e)] });
      await storeA.addDevice({ id: 'IMEI:P1', serverId: 'srv', client: { scheme: 'hmac', name: 'p1', secret: new Secret('p1-secret') }, server: { scheme: 'none' } }, Date.now());
      const jobs = [];
      for (const uri of ['./DevInfo/Man', './DevInfo/Mod', './DevInfo/Lang']) jobs.push((await storeA.enqueueJob({ deviceId: 'IMEI:P1', spec: { op: 'get', uris: [uri] } }, Date.now())).id);
      const device = new ScriptedDevice({ url: 'http://127.0.0.1:9/unused', id: 'IMEI:P1', serverId: 'srv', encoding: 'xml', client: { scheme: 'hmac', name: 'p1', secret: 'p1-secret' } });
      const play = async (sessionID: string, race: boolean): Promise<void> => {
        const client = device.newSession(sessionID);
        let out = device.start(client);
        for (let i = 0; i < 20 && out !== undefined; i++) {
          const req = request(out.bytes, out.hmacHeader?.(out.bytes));
          let answer: Uint8Array;
          if (race && i < 2) {
            // A resent message racing its first copy: at both processes at once.
            const [fromA, fromB] = await Promise.all([a.handle(req), b.handle(req)]);
            expect(body(fromB)).toEqual(body(fromA));
            answer = body(fromA);
          } else {
            answer = body(await (i % 2 === 0 ? a : b).handle(req));
          }
          const r = client.receive(decode(answer), { body: answer });
          for (const e of r.events) if (e.type === 'command') device.execute(client, e.msgRef, e.command);
          out = client.reply()!;
        }
        expect(client.ended).toBe(true);
      };
      await play('77', true);
      // The process that lost the race for Package#1 may have claimed the jobs before its
      // save was refused: it gives them back (unclaimed, the attempt not counted), and they
      // go out in the device's next session. Either way each goes out once and finishes once.
      const left = (await Promise.all(jobs.map((id) => storeB.getJob(id)))).filter((j) => j?.state === 'queued');
      if (left.length > 0) await play('78', false);
      for (const id of jobs) expect(await storeB.getJob(id)).toMatchObject({ state: 'done', attempts: 1 });
      expect(events.filter((e) => e.type === 'job-sent')).toHaveLength(3);
      expect(events.filter((e) => e.type === 'job-finished')).toHaveLength(3);
      const sessions = left.length > 0 ? 2 : 1;
      expect(events.filter((e) => e.type === 'session-started')).toHaveLength(sessions);
      expect((await storeA.listSessions('IMEI:P1')).map((s) => s.outcome)).toEqual(Array(sessions).fill('completed'));
      expect(events.filter((e) => e.type === 'message-out' && e.duplicate).length).toBeGreaterThanOrEqual(2);
    });
  });
}

suite(sqlite);
describePostgres('two processes, one device, on postgres', () => suite(postgres));
