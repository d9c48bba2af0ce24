/**
 * What goes wrong in the field, over real HTTP on 127.0.0.1: an abort from either side, a
 * second concurrent session, a replayed message, a bad MAC, a stale nonce, failed
 * authentications until the device is locked out, an oversized body, a slow client, a
 * malformed body, a message of no DM at all, an unknown device. Each gets the status the
 * spec gives; none crashes the server or touches another device's session (a bystander
 * device runs a whole session after each).
 */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertCode, StatusCode } from '../../../generated/codes.js';
import type { SyncML } from '../../../generated/types.js';
import { encodeXml } from '../../../src/index.js';
import { describePostgres, postgres, sqlite, type Backend } from '../databases.js';
import { startHarness, type Harness } from './harness.js';
import { ScriptedDevice } from './scripted-device.js';

/** The Status the answer gives the device's SyncHdr. */
function headerStatus(answer: SyncML | undefined): number | undefined {
  const s = answer?.syncBody.commands.find((c) => c.kind === 'Status' && c.cmd === 'SyncHdr');
  return s?.kind === 'Status' ? Number(s.data) : undefined;
}

function hasAlert(answer: SyncML | undefined, code: number): boolean {
  return answer?.syncBody.commands.some((c) => c.kind === 'Alert' && Number(c.data) === code) ?? false;
}

/** A device that is not the one under attack: its whole session must still work. */
async function bystanderWorks(h: Harness, bystander: ScriptedDevice): Promise<void> {
  const job = await h.store.enqueueJob({ deviceId: bystander.options.id, spec: { op: 'get', uris: ['./DevInfo/Man'] } }, Date.now());
  const run = await bystander.run();
  expect(run.ended).toBe(true);
  expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
}

/** Raw bytes over a socket; what the server wrote until it closed (or the guard ran out). */
function raw(port: number, write: (s: ReturnType<typeof connect>) => void, guardMs = 10_000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: false });
    }, guardMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: true });
    });
    write(socket);
  });
}

function suite(backend: Backend): void {
  describe(`hostile and unlucky devices over HTTP on ${backend.name}`, () => {
    let h: Harness | undefined;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('DM-PRO-S-002, DM-PRO-Abort-S-002: the device aborts before running the jobs: answered, the session ends aborted, the jobs wait for the next session (section 6.1.2)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:A1');
      const bystander = await h.device('IMEI:B1');
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:A1', spec: { op: 'replace', items: [{ uri: './Vendor/X', data: '1' }] } }, Date.now());
      const run = await device.run({ abortAt: 1 });
      expect(hasAlert(run.exchanges[1]!.sent, AlertCode.SessionAbort)).toBe(true);
      // The server answers the abort with the Statuses for its SyncHdr and Alert only, and Final.
      const answer = run.exchanges[1]!.received!;
      expect(answer.syncBody.commands.map((c) => c.kind)).toEqual(['Status', 'Status']);
      expect(answer.syncBody.final).toBe(true);
      expect(device.tree.has('./Vendor/X')).toBe(false);
      expect((await h.store.listSessions('IMEI:A1'))[0]).toMatchObject({ outcome: 'aborted' });
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'queued', attempts: 1 });
      await bystanderWorks(h, bystander);
      const again = await device.run();
      expect(again.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', attempts: 2 });
    });

    it('DM-PRO-S-002, DM-PRO-Abort-S-001, DM-PRO-Abort-S-004: the server aborts a session in the middle of a large object: Alert 1223 with Final, the job back in the queue (section 6.1.2)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:A2', { maxMsgSize: 2048, maxObjSize: 1 << 20 });
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:A2', spec: { op: 'replace', items: [{ uri: './Vendor/Blob', data: 'z'.repeat(30_000) }] } }, Date.now());
      const run = await device.run({
        before: async (i) => {
          if (i === 3) expect(await h!.server.service.abortSession('IMEI:A2')).toBe(true);
          return 'send' as const;
        },
      });
      const last = run.exchanges.at(-1)!.received!;
      expect(hasAlert(last, AlertCode.SessionAbort)).toBe(true);
      expect(last.syncBody.final).toBe(true);
      expect(run.client.ended).toBe(true);
      expect(run.exchanges).toHaveLength(4);
      expect(device.tree.has('./Vendor/Blob')).toBe(false);
      expect((await h.store.listSessions('IMEI:A2'))[0]).toMatchObject({ outcome: 'aborted' });
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'queued', attempts: 1 });
      expect(await h.server.service.abortSession('IMEI:A2')).toBe(false);
      const again = await device.run({ maxMessages: 100 });
      expect(again.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', attempts: 2 });
    });

    it('refuses a second concurrent session of a device with 503; the first goes on untouched', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:C1', { auth: 'md5' });
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:C1', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
      const first = device.newSession('11');
      const p1 = await device.post(device.start(first).bytes);
      // Credentials over no nonce yet: challenged.
      expect(headerStatus(p1.received)).toBe(StatusCode.InvalidCredentials);
      // A second session while the first is live.
      const second = await device.run({ sessionID: '12' });
      expect(headerStatus(second.exchanges[0]!.received)).toBe(StatusCode.ServiceUnavailable);
      expect(second.exchanges[0]!.received?.syncBody.final).toBe(true);
      expect(second.exchanges).toHaveLength(1);
      expect(h.eventsOf('session-refused')).toMatchObject([{ status: 503, deviceId: 'IMEI:C1' }]);
      // The first one goes on to its end.
      const rest = await device.resume(first, p1);
      expect(rest.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
      expect((await h.store.listSessions('IMEI:C1')).map((s) => [s.sessionId, s.outcome])).toEqual([['11', 'completed']]);
    });

    it('a Package#1 with the live session\'s SessionID replaces it only once it authenticates: a wrong password gets 401, counted, and the live session goes on', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:P1', { auth: 'basic' });
      const liar = new ScriptedDevice({ ...device.options, client: { scheme: 'basic', name: 'IMEIP1-user', secret: 'guess' } });
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:P1', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
      const client = device.newSession('41');
      const p1 = await device.post(device.start(client).bytes);
      expect(headerStatus(p1.received)).toBe(StatusCode.AuthenticationAccepted);
      const live = await h.store.liveSession('IMEI:P1');
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'sent', attempts: 1 });
      // Someone else's Package#1 under the device's id and the live SessionID: refused, the session untouched.
      const forged = await liar.post(liar.start(liar.newSession('41')).bytes);
      expect(headerStatus(forged.received)).toBe(StatusCode.InvalidCredentials);
      expect(forged.received!.syncBody.commands[0]).toMatchObject({ chal: { meta: { type: 'syncml:auth-basic' } } });
      expect(await h.store.liveSession('IMEI:P1')).toMatchObject({ ref: live!.ref, version: live!.version });
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'sent', attempts: 1 });
      expect(h.eventsOf('auth-failed')).toMatchObject([{ deviceId: 'IMEI:P1', locked: false }]);
      expect(h.eventsOf('session-refused')).toMatchObject([{ deviceId: 'IMEI:P1', status: 401 }]);
      expect(h.eventsOf('session-ended')).toEqual([]);
      // The device goes on in its session to the end.
      const rest = await device.resume(client, p1);
      expect(rest.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done', attempts: 1 });
      // The device itself starting over with the live SessionID (it lost our answer): the old session ends, the new one runs.
      const next = await h.store.enqueueJob({ deviceId: 'IMEI:P1', spec: { op: 'get', uris: ['./DevInfo/Man'] } }, Date.now());
      const lost = await device.post(device.start(device.newSession('42')).bytes);
      expect(headerStatus(lost.received)).toBe(StatusCode.AuthenticationAccepted);
      // Its new Package#1 is not a resend of the first (another MaxMsgSize, after a reboot).
      const over = await device.run({ sessionID: '42', tamper: (m, i) => (i > 0 ? m : { ...m, syncHdr: { ...m.syncHdr, meta: { emis: [], ...m.syncHdr.meta, maxMsgSize: '9000' } } }) });
      expect(over.ended).toBe(true);
      expect((await h.store.listSessions('IMEI:P1')).map((s) => [s.sessionId, s.outcome])).toEqual([
        ['42', 'completed'],
        ['42', 'failed'],
        ['41', 'completed'],
      ]);
      expect(await h.store.getJob(next.id)).toMatchObject({ state: 'done', attempts: 2 });
    });

    it('answers a replayed message with the very same answer (bytes and HMAC); an older message and a replayed Package#1 get 400 and change nothing', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:R1', { auth: 'hmac', serverAuth: 'hmac' });
      const bystander = await h.device('IMEI:B2');
      await h.store.enqueueJob({ deviceId: 'IMEI:R1', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
      const client = device.newSession('21');
      const pkg1 = device.start(client);
      const x1 = await device.post(pkg1.bytes, pkg1.hmacHeader?.(pkg1.bytes));
      // The same message again (our answer got lost): the same answer, byte for byte.
      const again = await device.post(x1.sentBytes, pkg1.hmacHeader?.(pkg1.bytes));
      expect(again.body).toEqual(x1.body);
      expect(again.hmac).toBe(x1.hmac);
      expect(h.eventsOf('message-out').filter((e) => e.type === 'message-out' && e.duplicate)).toHaveLength(1);
      const r = client.receive(x1.received!, { ...(x1.hmac ? { hmacHeader: x1.hmac } : {}), body: x1.body });
      expect(r.duplicate).toBe(false);
      const out2 = client.reply()!;
      const x2 = await device.post(out2.bytes, out2.hmacHeader?.(out2.bytes));
      // HMAC authenticates every message: 200 with the next nonce (9.3).
      expect(headerStatus(x2.received)).toBe(StatusCode.Ok);
      // Package#1 replayed now, and the first message: refused, the session goes on.
      const replayed = await device.post(pkg1.bytes, pkg1.hmacHeader?.(pkg1.bytes));
      expect(headerStatus(replayed.received)).toBe(StatusCode.BadRequest);
      const resentAgain = await device.post(x2.sentBytes, out2.hmacHeader?.(out2.bytes));
      expect(resentAgain.body).toEqual(x2.body);
      await bystanderWorks(h, bystander);
      const rest = await device.resume(client, x2);
      expect(rest.ended).toBe(true);
      expect((await h.store.listSessions('IMEI:R1')).map((s) => s.outcome)).toEqual(['completed']);
      // After the end, its last message again still gets its last answer.
      const lastSent = rest.exchanges.at(-1)!;
      const afterEnd = await device.post(lastSent.sentBytes, client.lastSent?.hmacHeader?.(lastSent.sentBytes));
      expect(afterEnd.body).toEqual(lastSent.body);
    });

    it('DM-PRO-S-010: a bad MAC gets 401 with a Chal and is counted; the device then proves itself (section 9.3)', async () => {
      h = await startHarness(backend);
      const device = await h.device('IMEI:M1', { auth: 'hmac' });
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:M1', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
      const client = device.newSession('31');
      const out = device.start(client);
      const forged = await device.post(out.bytes, 'algorithm=MD5, username="IMEIM1-user", mac=AAAAAAAAAAAAAAAAAAAAAA==');
      expect(headerStatus(forged.received)).toBe(StatusCode.InvalidCredentials);
      const status = forged.received!.syncBody.commands[0]!;
      expect(status.kind === 'Status' && status.chal?.meta.type).toBe('syncml:auth-MAC');
      expect(h.eventsOf('auth-failed')).toMatchObject([{ deviceId: 'IMEI:M1', locked: false }]);
      // A body changed after its MAC was computed is refused the same way.
      const tampered = new Uint8Array(out.bytes);
      const at = Buffer.from(tampered).indexOf('SD-1');
      tampered[at + 3] = '2'.charCodeAt(0);
      const changed = await device.post(tampered, out.hmacHeader?.(out.bytes));
      expect(headerStatus(changed.received)).toBe(StatusCode.InvalidCredentials);
      const rest = await device.resume(client, forged);
      expect(rest.ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
    });

    it('DM-PRO-S-010: a stale nonce (our last Chal got lost) is challenged again, not counted: the device is never locked out (section 9)', async () => {
      h = await startHarness(backend, { maxAuthRetries: 0 });
      const device = await h.device('IMEI:N1', { auth: 'md5' });
      // No nonce yet: the empty nonce is answered like a stale one, and not counted (maxAuthRetries 0).
      expect((await device.run()).ended).toBe(true);
      const before = device.credentials.get('omadm.test')!.nonceToUse!;
      const job = await h.store.enqueueJob({ deviceId: 'IMEI:N1', spec: { op: 'get', uris: ['./DevInfo/Mod'] } }, Date.now());
      expect((await device.run()).ended).toBe(true);
      expect(await h.store.getJob(job.id)).toMatchObject({ state: 'done' });
      // The 212 of that session (with the next nonce) is lost: the device still has the one before.
      device.credentials.recordReceivedNonce('omadm.test', before);
      const job2 = await h.store.enqueueJob({ deviceId: 'IMEI:N1', spec: { op: 'get', uris: ['./DevInfo/Man'] } }, Date.now());
      const run = await device.run();
      expect(headerStatus(run.exchanges[0]!.received)).toBe(StatusCode.InvalidCredentials);
      expect(run.ended).toBe(true);
      expect(await h.store.getJob(job2.id)).toMatchObject({ state: 'done' });
      expect(h.eventsOf('auth-failed')).toEqual([]);
      expect(await h.store.authFailures('IMEI:N1')).toBeUndefined();
    });

    it('DM-PRO-S-010: failed authentications lock the device out (401 without being judged); other devices go on', async () => {
      h = await startHarness(backend, { maxAuthRetries: 0, authFailurePolicy: { max: 2, windowMs: 60_000, lockMs: 60_000 } });
      const device = await h.device('IMEI:L1', { auth: 'basic' });
      const bystander = await h.device('IMEI:B3', { auth: 'basic' });
      const liar = new ScriptedDevice({ ...device.options, client: { scheme: 'basic', name: 'IMEIL1-user', secret: 'guess' } });
      for (let i = 0; i < 2; i++) {
        const run = await liar.run();
        expect(headerStatus(run.exchanges[0]!.received)).toBe(StatusCode.InvalidCredentials);
      }
      expect(h.eventsOf('auth-failed').map((e) => e.type === 'auth-failed' && e.locked)).toEqual([false, true]);
      // Locked: even the right password is not judged now.
      const locked = await device.run();
      expect(headerStatus(locked.exchanges[0]!.received)).toBe(StatusCode.InvalidCredentials);
      expect(locked.exchanges[0]!.received?.syncBody.commands[0]).toMatchObject({ chal: { meta: { type: 'syncml:auth-basic' } } });
      expect(h.eventsOf('session-refused')).toContainEqual(expect.objectContaining({ status: 401, deviceId: 'IMEI:L1' }));
      expect(h.eventsOf('auth-failed').at(-1)).toMatchObject({ deviceId: 'IMEI:L1', locked: true });
      await bystanderWorks(h, bystander);
    });

    it('refuses an oversized body with 413 before reading it, a malformed body with 400, a message of no DM version with 513, an unknown device with 403', async () => {
      h = await startHarness(backend, { maxBodyBytes: 16_000 });
      const device = await h.device('IMEI:H1');
      const bystander = await h.device('IMEI:B4');
      const port = Number(new URL(h.server.url).port);
      const big = await fetch(h.server.url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: new Uint8Array(20_000).fill(0x20) });
      expect(big.status).toBe(413);
      const garbage = [Buffer.from('<SyncML><SyncHdr>'), Buffer.from('not xml at all'), Buffer.from([0x02, 0x00, 0x00, 0x6a, 0xff, 0xff, 0xff])];
      for (const body of garbage) {
        const type = body[0]! <= 3 ? 'wbxml' : 'xml';
        const res = await fetch(h.server.url, { method: 'POST', headers: { 'content-type': `application/vnd.syncml.dm+${type}` }, body });
        expect(res.status, body.toString('latin1')).toBe(400);
      }
      // XML sent as WBXML.
      const mismatch = await fetch(h.server.url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+wbxml' }, body: device.start(device.newSession('1')).bytes });
      expect(mismatch.status).toBe(415);
      // A SyncML DS message: not ours to run.
      const pkg = device.start(device.newSession('41'));
      const ds = await device.post(encodeXml({ ...pkg.message, syncHdr: { ...pkg.message.syncHdr, verProto: 'SyncML/1.2' } }));
      expect(headerStatus(ds.received)).toBe(StatusCode.ProtocolVersionNotSupported);
      // An unknown device.
      const stranger = await fetch(h.server.url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: encodeXml({ ...pkg.message, syncHdr: { ...pkg.message.syncHdr, source: { locURI: 'IMEI:nobody' } } }) });
      expect(stranger.status).toBe(403);
      // A message of a session that does not exist.
      const late = await device.post(encodeXml({ ...pkg.message, syncHdr: { ...pkg.message.syncHdr, msgID: '7' } }));
      expect(headerStatus(late.received)).toBe(StatusCode.RequestTimeout);
      expect(await h.store.liveSession('IMEI:H1')).toBeUndefined();
      expect(h.eventsOf('refused').map((e) => (e.type === 'refused' ? e.status : 0))).toEqual([400, 400, 400, 415, 403]);
      // HTTP/1.0 without keep-alive gets its answer and a close.
      const r = await raw(port, (s) => s.end(`POST /dm HTTP/1.0\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 5\r\n\r\nhello`));
      expect(r.text).toMatch(/^HTTP\/1\.1 400/);
      expect(r.closedByServer).toBe(true);
      await bystanderWorks(h, bystander);
    });

    it('closes the socket of a slow client (headers or body never finished) and serves the others meanwhile', async () => {
      h = await startHarness(backend, { timeouts: { headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 600 } });
      const bystander = await h.device('IMEI:B5');
      const port = Number(new URL(h.server.url).port);
      const slowHeaders = raw(port, (s) => s.write('POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml.dm+xml\r\n'));
      const slowBody = raw(port, (s) => s.write('POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 1000\r\n\r\n<SyncML>'));
      await bystanderWorks(h, bystander);
      const [a, b] = await Promise.all([slowHeaders, slowBody]);
      expect(a.closedByServer).toBe(true);
      expect(b.closedByServer).toBe(true);
      await bystanderWorks(h, bystander);
    });
  });
}

suite(sqlite);
describePostgres('hostile and unlucky devices over HTTP on postgres', () => suite(postgres));
