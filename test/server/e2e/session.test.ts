/**
 * Whole DM sessions over real HTTP on 127.0.0.1: a scripted device (the session core's
 * ClientSession) against `startOmadmServer` over the store, from Package#1 to the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StatusCode } from '../../../generated/codes.js';
import { sqlite, type Backend } from '../databases.js';
import { startHarness, type Harness } from './harness.js';

function suite(backend: Backend): void {
  describe(`DM sessions over HTTP on ${backend.name}`, () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('DM-PRO-S-001, DM-PRO-S-005, DM-PRO-S-006, DM-PRO-Session-S-002: Package#1, the jobs in Package#2, their Statuses and Results, the end (sections 6, 6.4)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:1001');
      const replace = await h.store.enqueueJob({ deviceId: 'IMEI:1001', spec: { op: 'replace', items: [{ uri: './Vendor/Setting', data: 'on', format: 'chr' }] } }, Date.now());
      const get = await h.store.enqueueJob({ deviceId: 'IMEI:1001', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
      const run = await device.run();
      expect(run.ended).toBe(true);
      expect(run.exchanges.map((x) => x.status)).toEqual([200, 200]);
      expect(device.tree.get('./Vendor/Setting')).toBe('on');
      expect(await h.store.getJob(replace.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok } });
      expect(await h.store.getJob(get.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.Ok, results: [{ source: './DevInfo/Mod', data: 'SD-1' }] } });
      const [session] = await h.store.listSessions('IMEI:1001');
      expect(session).toMatchObject({ outcome: 'completed' });
      expect((await h.store.transcript(session!.ref)).map((t) => `${t.direction}${t.msgId}`)).toEqual(['in1', 'out1', 'in2', 'out2']);
      expect(h.eventsOf('job-finished')).toHaveLength(2);
      expect(h.eventsOf('session-ended')).toMatchObject([{ outcome: 'completed', deviceId: 'IMEI:1001' }]);
    });
  });
}

suite(sqlite);
