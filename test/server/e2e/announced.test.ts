/**
 * DM-PRO-Session-S-001 (section 5): the server expects the session its Package#0 announced.
 * A device answering the notification opens with Alert 1200 and the announced SessionID;
 * one that opens a 1200 session with another id (or none was announced) is still served,
 * as real clients do that, and the mismatch is reported for the device.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseTrigger, requestedSession } from '../../../src/notification/index.js';
import { buildDeviceNotification, recordAnnouncement } from '../../../src/server/notify/index.js';
import { sqlite } from '../databases.js';
import { startHarness, type Harness } from './harness.js';

describe('announced sessions (Package#0)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('DM-PRO-Session-S-001: Alert 1200 with the SessionID the recorded Package#0 announced is served without a warning; another SessionID is served with one', async () => {
    h = await startHarness(sqlite);
    const device = await h.device('IMEI:6101', { auth: 'md5', serverAuth: 'md5' });
    const built = await buildDeviceNotification(h.store, 'IMEI:6101', { sessionId: 0x1234 });
    await recordAnnouncement(h.store, built, Date.now());
    const asked = requestedSession(parseTrigger(built.bytes));
    expect(asked.sessionID).toBe(built.sessionID);
    const run = await device.run({ alert: asked.alert, sessionID: asked.sessionID });
    expect(run.ended).toBe(true);
    expect(h.eventsOf('session-warning')).toEqual([]);

    const other = await device.run({ alert: asked.alert, sessionID: 'ABCD' });
    expect(other.ended).toBe(true);
    const warnings = h.eventsOf('session-warning').map((e) => (e.type === 'session-warning' ? e.message : ''));
    expect(warnings).toEqual([`Alert 1200 with SessionID ABCD, but the last Package#0 announced ${built.sessionID}`]);
  });
});
