/**
 * Found by `omadm fuzz` against our own server: a Package#1 whose SessionID is empty, or
 * longer than any client writes, made the store refuse the session row, and the device got
 * an HTTP 500. It is a bad request (400, in DM), and what the device wrote reaches the
 * events (and so the logs) cut short.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqlite } from '../databases.js';
import { startHarness, type Harness } from './harness.js';

describe('SessionIDs no session can have', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each([
    ['empty', ''],
    ['600 characters long', 'x'.repeat(600)],
  ])('a Package#1 with a SessionID %s is refused 400 in DM, not 500, and no session begins', async (_what, sessionID) => {
    h = await startHarness(sqlite);
    const device = await h.device('IMEI:6201');
    const client = device.newSession('1');
    const first = device.start(client);
    const message = { ...first.message, syncHdr: { ...first.message.syncHdr, sessionID } };
    const { bytes } = device.wire(message, first);
    const x = await device.post(bytes, undefined, message);
    expect(x.status).toBe(200);
    const header = x.received?.syncBody.commands.find((c) => c.kind === 'Status' && c.cmd === 'SyncHdr');
    expect(header?.kind === 'Status' && header.data).toBe('400');
    expect(await h.store.liveSession('IMEI:6201')).toBeUndefined();
    expect(h.eventsOf('error')).toEqual([]);
    for (const e of h.events) expect((e.sessionId ?? '').length).toBeLessThan(200);
  });
});
