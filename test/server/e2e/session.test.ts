/**
 * Whole DM sessions over real HTTP on 127.0.0.1: a scripted device (the session core's
 * ClientSession) against `startOmadmServer` over the store, from Package#1 to the end, in
 * both encodings and media-type families, with each authentication scheme, UI alerts,
 * Generic Alerts, a Package#0, and the slips of real clients. Both backends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AlertCode, StatusCode } from '../../../generated/codes.js';
import type { SyncBodyCommand, SyncML } from '../../../generated/types.js';
import { buildTrigger, Initiator, parseTrigger, requestedSession, UiMode } from '../../../src/notification/trigger.js';
import type { JobSpec } from '../../../src/server/store/job-spec.js';
import { describePostgres, postgres, sqlite, type Backend } from '../databases.js';
import { Management } from '../../../src/server/management/index.js';
import { SERVER_ID, startHarness, type Harness } from './harness.js';
import type { SchemeName } from './scripted-device.js';

type Alert = Extract<SyncBodyCommand, { kind: 'Alert' }>;

/** The Status the server gave a command of the device's message `msgID`. */
function statusFor(answer: SyncML | undefined, msgID: string, cmd: string): number | undefined {
  const s = answer?.syncBody.commands.find((c) => c.kind === 'Status' && c.msgRef === msgID && c.cmd === cmd);
  return s?.kind === 'Status' ? Number(s.data) : undefined;
}

function suite(backend: Backend): void {
  describe(`DM sessions over HTTP on ${backend.name}`, () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });
    const enqueue = (deviceId: string, spec: JobSpec) => h!.store.enqueueJob({ deviceId, spec }, Date.now());

    it('DM-PRO-S-001, DM-PRO-S-005, DM-PRO-S-006, DM-PRO-Session-S-002: Package#1, the jobs in Package#2, their Statuses and Results, the end (sections 6, 6.4)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:1001');
      const replace = await enqueue('IMEI:1001', { op: 'replace', items: [{ uri: './Vendor/Setting', data: 'on', format: 'chr' }] });
      const get = await enqueue('IMEI:1001', { op: 'get', uris: ['./DevInfo/Mod'] });
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
      expect(h.eventsOf('job-sent')).toHaveLength(2);
      expect(h.eventsOf('session-ended')).toMatchObject([{ outcome: 'completed', deviceId: 'IMEI:1001' }]);
      // A session with nothing to do ends at Package#2.
      const idle = await device.run();
      expect(idle.ended).toBe(true);
      expect(idle.exchanges).toHaveLength(1);
      expect(idle.exchanges[0]!.received?.syncBody.final).toBe(true);
    });

    for (const [encoding, family] of [
      ['xml', 'dm'],
      ['wbxml', 'dm'],
      ['xml', 'syncml'],
      ['wbxml', 'syncml'],
    ] as const) {
      it(`answers application/vnd.syncml${family === 'dm' ? '.dm' : ''}+${encoding} in the same encoding and family (HTTP binding)`, async () => {
        h = await startHarness(backend);
        const device = await h.device('IMEI:2001', { encoding, family });
        const job = await enqueue('IMEI:2001', { op: 'add', items: [{ uri: './Vendor/New', data: 'x' }] });
        const run = await device.run();
        expect(run.ended).toBe(true);
        for (const x of run.exchanges) expect(x.contentType).toBe(device.contentType);
        if (encoding === 'wbxml') expect(run.exchanges[0]!.body[0]).toBeLessThanOrEqual(3);
        else expect(String.fromCharCode(run.exchanges[0]!.body[0]!)).toBe('<');
        expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', outcome: { status: StatusCode.ItemAdded } });
      });
    }

    const schemes: [SchemeName, SchemeName][] = [
      ['basic', 'basic'],
      ['md5', 'md5'],
      ['hmac', 'hmac'],
      ['md5', 'none'],
      ['none', 'md5'],
      ['none', 'none'],
    ];
    for (const [auth, serverAuth] of schemes) {
      it(`DM-PRO-S-010: the device authenticates with ${auth}, the server with ${serverAuth}, session after session (section 9)`, async () => {
        h = await startHarness(backend);
        for (const encoding of ['xml', 'wbxml'] as const) {
          const id = `IMEI:3${auth}${serverAuth}${encoding}`;
          const device = await h.device(id, { auth, serverAuth, encoding });
          for (let session = 0; session < 3; session++) {
            const job = await enqueue(id, { op: 'replace', items: [{ uri: './Vendor/Count', data: String(session) }] });
            const run = await device.run();
            expect(run.ended, `${encoding} session ${session}`).toBe(true);
            expect(run.events.filter((e) => e.type === 'auth-failed')).toEqual([]);
            expect(await h.store.getJob(job.id), `${encoding} session ${session}`).toMatchObject({ state: 'done' });
            if (auth === 'hmac') for (const x of run.exchanges) expect(x.hmac ?? (serverAuth === 'hmac' ? 'missing' : null)).not.toBe('missing');
          }
          expect(device.tree.get('./Vendor/Count')).toBe('2');
        }
        expect(h.eventsOf('auth-failed')).toEqual([]);
      });
    }

    it('DM-PRO-S-007, DM-PRO-UI-S-001, DM-PRO-UI-S-002, DM-PRO-UI-S-003, DM-PRO-UI-S-004, DM-PRO-UI-S-005, DM-PRO-UI-S-006: UI alerts 1100-1104 go out with their Items in order, their answers kept in the outcome (section 10.2)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:4001', { auth: 'md5' });
      const display = await enqueue('IMEI:4001', { op: 'ui', code: AlertCode.Display, text: 'Update done', options: { MINDT: '5' } });
      const confirm = await enqueue('IMEI:4001', { op: 'ui', code: AlertCode.ConfirmOrReject, text: 'Reboot now?' });
      const text = await enqueue('IMEI:4001', { op: 'ui', code: AlertCode.TextInput, text: 'Your name?', options: { MAXLEN: '20' } });
      const single = await enqueue('IMEI:4001', { op: 'ui', code: AlertCode.SingleChoice, text: 'Pick one', choices: ['red', 'green', 'blue'] });
      const multiple = await enqueue('IMEI:4001', { op: 'ui', code: AlertCode.MultipleChoice, text: 'Pick any', choices: ['a', 'b', 'c'] });
      const seen: Alert[] = [];
      const run = await device.run({
        tamper: device.withUiAnswers,
        ui: (alert) => {
          seen.push(alert);
          switch (Number(alert.data)) {
            case AlertCode.ConfirmOrReject:
              return { status: StatusCode.NotModified };
            case AlertCode.TextInput:
              return { status: StatusCode.Ok, answer: ['Ada'] };
            case AlertCode.SingleChoice:
              return { status: StatusCode.Ok, answer: ['2'] };
            case AlertCode.MultipleChoice:
              return { status: StatusCode.Ok, answer: ['1', '3'] };
            default:
              return { status: StatusCode.Ok };
          }
        },
      });
      expect(run.ended).toBe(true);
      // 10.2: the first Item holds the options, the second the text, then the choices in order.
      expect(seen.map((a) => [a.data, ...a.items.map((i) => i.data ?? '')])).toEqual([
        ['1100', 'MINDT=5', 'Update done'],
        ['1101', '', 'Reboot now?'],
        ['1102', 'MAXLEN=20', 'Your name?'],
        ['1103', '', 'Pick one', 'red', 'green', 'blue'],
        ['1104', '', 'Pick any', 'a', 'b', 'c'],
      ]);
      expect(await h.store.getJob(display.id)).toMatchObject({ state: 'done', outcome: { status: 200 } });
      // 304 to a confirm is the user's "No" (10.2): answered, so done, with the answer; the Management API (and REST) shows the same.
      expect(await h.store.getJob(confirm.id)).toMatchObject({ state: 'done', outcome: { status: 304, answer: ['no'] } });
      expect(await new Management(h.store).getJob(confirm.id)).toMatchObject({ state: 'done', outcome: { status: 304, answer: ['no'] } });
      expect((await h.store.getJob(confirm.id))?.lastError).toBeUndefined();
      expect(await h.store.getJob(text.id)).toMatchObject({ state: 'done', outcome: { status: 200, answer: ['Ada'] } });
      expect(await h.store.getJob(single.id)).toMatchObject({ state: 'done', outcome: { status: 200, answer: ['2'] } });
      expect(await h.store.getJob(multiple.id)).toMatchObject({ state: 'done', outcome: { status: 200, answer: ['1', '3'] } });
    });

    it('DM-PRO-UI-S-003: a UI alert the user cancelled (214) failed with that reason and is not asked again in the next session (section 10.2)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:4002', { auth: 'md5' });
      const text = await enqueue('IMEI:4002', { op: 'ui', code: AlertCode.TextInput, text: 'Your name?' });
      const seen: string[] = [];
      const ui = (alert: Alert) => {
        seen.push(alert.data ?? '');
        return { status: StatusCode.OperationCancelled };
      };
      expect((await device.run({ tamper: device.withUiAnswers, ui })).ended).toBe(true);
      expect(seen).toEqual(['1102']);
      expect(await h.store.getJob(text.id)).toMatchObject({
        state: 'failed',
        outcome: { status: 214 },
        lastError: 'the user cancelled alert 1102 (214, section 10.2)',
      });
      // Not put back in the queue: the next session carries no alert for the user.
      expect((await device.run({ tamper: device.withUiAnswers, ui })).ended).toBe(true);
      expect(seen).toEqual(['1102']);
    });

    it('DM-PRO-S-009, DM-PRO-S-008, DM-PRO-GAlert-S-001, DM-PRO-GAlert-S-002: Generic Alerts and tree alerts are stored for the handlers and answered 200 (section 6.7)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:5001', { auth: 'basic', encoding: 'wbxml' });
      const exec = await enqueue('IMEI:5001', { op: 'exec', uri: './FUMO/Update', correlator: 'fw-42' });
      const first = await device.run();
      expect(await h.store.getJob(exec.id)).toMatchObject({ state: 'done', outcome: { status: 200 } });
      expect(first.ended).toBe(true);
      // The device reports the Exec's result later, with the Exec's Correlator (6.7).
      const run = await device.run({
        extra: [
          {
            kind: 'Alert',
            data: String(AlertCode.GenericAlert),
            correlator: 'fw-42',
            items: [{ source: { locURI: './FUMO/Update' }, meta: { type: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate', format: 'int', mark: 'critical', emis: [] }, data: '200' }],
          },
          { kind: 'Alert', data: String(AlertCode.TreeChanged), items: [] },
        ],
      });
      expect(run.ended).toBe(true);
      const answer = run.exchanges[0]!.received;
      expect(statusFor(answer, '1', 'Alert')).toBe(200);
      const statuses = answer!.syncBody.commands.filter((c) => c.kind === 'Status' && c.cmd === 'Alert').map((c) => (c.kind === 'Status' ? Number(c.data) : 0));
      expect(statuses).toEqual([200, 200, 200]);
      const alerts = await h.store.listAlerts('IMEI:5001');
      expect(alerts.map((a) => a.code).sort()).toEqual([AlertCode.GenericAlert, AlertCode.TreeChanged]);
      expect(alerts.find((a) => a.code === AlertCode.GenericAlert)).toMatchObject({
        correlator: 'fw-42',
        mark: 'critical',
        items: [{ source: './FUMO/Update', format: 'int', type: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate', data: '200' }],
      });
      expect(h.eventsOf('alert-received')).toHaveLength(2);
    });

    it('DM-PRO-Session-S-001: after a Package#0 the device opens with Alert 1200 and the session id announced, in hex, and the jobs go out (section 5)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:6001', { auth: 'md5', serverAuth: 'md5' });
      const job = await enqueue('IMEI:6001', { op: 'get', uris: ['./DevInfo/Lang'] });
      const trigger = buildTrigger({ version: 12, uiMode: UiMode.Background, initiator: Initiator.Server, sessionId: 0xbeef, serverId: SERVER_ID }, { password: 'server-secret-for-IMEI:6001', nonce: new Uint8Array(4) });
      const asked = requestedSession(parseTrigger(trigger));
      expect(asked.sessionID).toBe('BEEF');
      const run = await device.run({ alert: asked.alert, sessionID: asked.sessionID });
      expect(run.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', outcome: { results: [{ data: 'en-GB' }] } });
      expect((await h.store.listSessions('IMEI:6001'))[0]).toMatchObject({ sessionId: 'BEEF', outcome: 'completed' });
    });

    it('takes the slips of real clients: a SessionID written in hex then decimal-looking with a leading zero, SessionID 1 for every session, and a device that ignores our MaxMsgSize', async () => {
      h = await startHarness(backend, { maxMsgSize: 2048 });
      const device = await h.device('IMEI:7001', { auth: 'md5' });
      // SessionID 1 for every session.
      for (let i = 0; i < 3; i++) {
        const job = await enqueue('IMEI:7001', { op: 'replace', items: [{ uri: './Vendor/Run', data: String(i) }] });
        const run = await device.run({ sessionID: '1' });
        expect(run.ended).toBe(true);
        expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
      }
      // SessionID A1 in Package#1, 0a1 afterwards: the same session, with a warning.
      const job = await enqueue('IMEI:7001', { op: 'get', uris: ['./DevInfo/DevId'] });
      const run = await device.run({
        sessionID: 'A1',
        tamper: (m, i) => (i === 0 ? m : { ...m, syncHdr: { ...m.syncHdr, sessionID: '0a1' } }),
      });
      expect(run.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
      expect(h.eventsOf('session-warning').length).toBeGreaterThan(0);
      // A Package#1 far over our MaxMsgSize of 2048 bytes (a device that ignores it) is read.
      device.tree.set('./DevInfo/Mod', 'M'.repeat(6000));
      const big = await device.run();
      expect(big.exchanges[0]!.sentBytes.byteLength).toBeGreaterThan(6000);
      expect(big.ended).toBe(true);
      // What we send stays within the device's MaxMsgSize.
      for (const x of [...run.exchanges, ...big.exchanges]) expect(x.body.byteLength).toBeLessThanOrEqual(16 * 1024);
    });

    it('DM-PRO-S-006: Atomic and Sequence jobs carry their steps; the inner Status codes are kept in order', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:8001');
      const atomic = await enqueue('IMEI:8001', {
        op: 'atomic',
        steps: [
          { op: 'add', items: [{ uri: './Vendor/A', data: '1' }] },
          { op: 'replace', items: [{ uri: './Vendor/B', data: '2' }] },
        ],
      });
      const sequence = await enqueue('IMEI:8001', { op: 'sequence', steps: [{ op: 'delete', uris: ['./Vendor/A'] }, { op: 'get', uris: ['./Vendor/B'] }] });
      const run = await device.run();
      expect(run.ended).toBe(true);
      expect(await h.store.getJob(atomic.id)).toMatchObject({ state: 'done', outcome: { status: 200, inner: [201, 200] } });
      expect(await h.store.getJob(sequence.id)).toMatchObject({ state: 'done', outcome: { status: 200, inner: [200, 200], results: [{ source: './Vendor/B', data: '2' }] } });
    });

    it('a failed job keeps its Status; a job for an absent node fails with 404', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:9001');
      const missing = await enqueue('IMEI:9001', { op: 'get', uris: ['./Nope'] });
      await device.run();
      expect(await h.store.getJob(missing.id)).toMatchObject({ state: 'failed', outcome: { status: StatusCode.NotFound } });
    });
  });
}

suite(sqlite);
describePostgres('DM sessions over HTTP on postgres', () => suite(postgres));
