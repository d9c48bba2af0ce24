/**
 * The ServiceEvent contract (src/server/service/events.ts): one event per fact, in order,
 * naming device, session and message; never a secret, a nonce or a message body; an
 * observer that throws never breaks a session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqlite } from '../databases.js';
import { startHarness, type Harness } from '../e2e/harness.js';

describe('service events', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('tell a whole session in order, with device, session and message ids, and nothing secret; a throwing observer is ignored', async () => {
    h = await startHarness(sqlite, {
      observers: [
        () => {
          throw new Error('a log sink that is gone');
        },
      ],
    });
    const device = await h.device('IMEI:E1', { auth: 'md5', serverAuth: 'md5' });
    const job = await h.store.enqueueJob({ deviceId: 'IMEI:E1', spec: { op: 'replace', items: [{ uri: './Vendor/Secret', data: 'payload-not-for-logs' }] } }, Date.now());
    const run = await device.run({ sessionID: '5A' });
    expect(run.ended).toBe(true);
    expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
    const types = h.events.map((e) => e.type);
    expect(types[0]).toBe('message-in');
    expect(types.filter((t) => t === 'message-in')).toHaveLength(run.exchanges.length);
    expect(types.filter((t) => t === 'message-out')).toHaveLength(run.exchanges.length);
    expect(types.indexOf('session-started')).toBeLessThan(types.indexOf('job-sent'));
    expect(types.indexOf('job-sent')).toBeLessThan(types.indexOf('job-finished'));
    expect(types.at(-2)).toBe('session-ended');
    expect(types.at(-1)).toBe('message-out');
    for (const e of h.events.filter((e) => e.type !== 'message-in')) expect(e).toMatchObject({ deviceId: 'IMEI:E1', sessionId: '5A' });
    const ref = h.eventsOf('session-started')[0]!.sessionRef;
    expect(h.eventsOf('job-finished')).toEqual([{ type: 'job-finished', deviceId: 'IMEI:E1', sessionId: '5A', sessionRef: ref, msgId: expect.any(String), jobId: job.id, state: 'done', code: 200 }]);
    const text = JSON.stringify(h.events);
    for (const secret of ['secret-of-IMEI:E1', 'server-secret-for-IMEI:E1', 'payload-not-for-logs', 'Scripted Devices Ltd']) expect(text).not.toContain(secret);
    const nonces = await h.store.getNonces('IMEI:E1');
    for (const n of [nonces.expectedNonce, nonces.nonceToUse]) if (n) expect(text).not.toContain(Buffer.from(n).toString('base64'));
  });
});
