/**
 * The DM service reads devices' messages in the lenient mode (src/message decodeLenient):
 * a slip a real client makes is recovered from, the session goes on, and each slip is
 * reported for the device as a 'decode-warning' event (what logs and /metrics count).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Buffer } from 'node:buffer';
import { sqlite } from '../databases.js';
import { startHarness, type Harness } from './harness.js';

describe('the DM service decodes leniently', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("recovers from an unescaped & and a C string's trailing NUL in Package#1, reports each slip for the device, and the session completes", async () => {
    h = await startHarness(sqlite);
    const device = await h.device('IMEI:7101');
    device.tree.set('./DevInfo/Man', 'AT&T');
    const client = device.newSession('5');
    const first = device.start(client);
    const xml = Buffer.from(first.bytes).toString('utf8');
    expect(xml).toContain('AT&amp;T');
    const slipped = Buffer.concat([Buffer.from(xml.replace('AT&amp;T', 'AT&T'), 'utf8'), Buffer.from([0])]);
    const x = await device.post(new Uint8Array(slipped), undefined, first.message);
    expect(x.status).toBe(200);
    const run = await device.resume(client, x);
    expect(run.ended).toBe(true);
    const warnings = h.eventsOf('decode-warning');
    expect(warnings.map((w) => w.type === 'decode-warning' && w.kind).sort()).toEqual(['trailing-nul', 'unescaped-ampersand']);
    for (const w of warnings) expect(w.deviceId).toBe('IMEI:7101');
    // The later messages went clean: the session ran to its end once.
    expect(h.eventsOf('session-ended').length).toBe(1);
  });

  it('still refuses what is no DM message at all (400), and reports it', async () => {
    h = await startHarness(sqlite);
    const device = await h.device('IMEI:7102');
    const x = await device.post(new Uint8Array(Buffer.from('<SyncML><SyncHdr>', 'utf8')), undefined, { syncHdr: {}, syncBody: { commands: [] } } as never);
    expect(x.status).toBeGreaterThanOrEqual(400);
    expect(h.eventsOf('refused').length).toBe(1);
  });
});
