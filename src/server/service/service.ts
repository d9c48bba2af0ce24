/**
 * The DM service: what joins the session core, the store, device credentials and the job
 * queue into a DM server. `handle` is the DmHandler of the HTTP endpoint (dm-http.ts): one
 * device message in, one answer out.
 *
 * Per message, in this order:
 * 1. decode (decode-request.ts, the one place), find the device by its Source LocURI
 *    (unknown: HTTP 403), place the message in a session (session-rules.ts: begin,
 *    continue, a resend answered with the very same answer, a second session refused);
 * 2. a device locked out by failed authentications gets 401 without being judged;
 * 3. the session (new for Package#1, else restored from the stored snapshot) reads the
 *    message, HMAC over the exact body bytes; the device's commands are answered
 *    (device-commands.ts), Statuses and Results go to the jobs of the session
 *    (jobs-in-session.ts), finished jobs get their outcome;
 * 4. when the device's package is complete and nothing awaits a Status, the next jobs are
 *    claimed and sent; the session gives its answer (or Alert 1223 when an abort was asked);
 * 5. commit: the snapshot is saved over the version read, in one store transaction with
 *    what the message changed: the jobs it finished, its transcript (the message and the
 *    answer), the end of the session (its sent jobs without a Status go back to the
 *    queue). Another process that saved first wins: none of this one's changes are kept,
 *    the jobs it claimed go back uncounted (unclaimJobs, also when the winner's end put
 *    them back already), and it serves the message again from what that one saved (a
 *    resend, usually), so nothing is half-applied. After the commit: nonces, alerts, the
 *    answer.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AlertCode, StatusCode, isVerDTD, isVerProto } from '../../../generated/codes.js';
import type { AuthType } from '../../../generated/codes.js';
import type { SyncML } from '../../../generated/types.js';
import { isDecodeError } from '../../runtime/errors.js';
import { ServerSession } from '../../session/server-session.js';
import type { EndpointConfig, Outgoing } from '../../session/endpoint.js';
import type { RestoreConfig } from '../../session/snapshot.js';
import { isLocalProtocolError, isProtocolError } from '../../session/errors.js';
import { AuthProver, AuthVerifier } from '../../session/auth/authenticator.js';
import { buildChal } from '../../session/auth/challenge.js';
import type { Encoding } from '../../session/message-size.js';
import { dmMediaType } from '../../binding/media-type.js';
import type { DmHandler, DmHttpAnswer, DmHttpRequest } from '../http/dm-http.js';
import { DeviceCredentials } from '../auth/device-credentials.js';
import { AuthRateLimiter, admission } from '../auth/rate-limit.js';
import { jobCommand } from '../jobs/job-commands.js';
import { isStoreInputError } from '../store/errors.js';
import { AUTH_TYPE_OF, type AlertInit, type ClaimedJob, type JobSettle, type SessionOutcome, type SessionRow } from '../store/types.js';
import { notifyObservers, type EventContext, type ServiceEvent } from './events.js';
import { decodeRequest, type DecodedRequest } from './decode-request.js';
import { answerDeviceCommand } from './device-commands.js';
import { NO_JOBS, SessionJobs, settlement, type Finished } from './jobs-in-session.js';
import { resolveOptions, type DmServiceOptions, type ResolvedOptions } from './options.js';
import { refusalMessage } from './refusal.js';
import { isResend, openingAlert, placeMessage, provesItself, sameSessionID } from './session-rules.js';
import { LargeObjectKeeper } from './large-object-keeper.js';
import { IncomingObjectKeeper, type ReceivedMarker } from './incoming-object-keeper.js';
import { BEGUN, STORED_SESSION_VERSION, readStored, requestDigest, toJson, type SessionSetup, type StoredSession } from './stored-session.js';

/** What one message is, once decoded and its device known. */
interface Message {
  readonly request: DmHttpRequest;
  readonly now: number;
  readonly decoded: DecodedRequest;
  readonly message: SyncML;
  readonly deviceId: string;
  readonly creds: DeviceCredentials;
  readonly digest: string;
  readonly encoding: Encoding;
  readonly contentType: string;
  readonly context: EventContext;
}

/** The session a message is served in. */
interface Serving {
  readonly row: SessionRow;
  readonly setup: SessionSetup;
  readonly session: ServerSession;
  readonly jobs: SessionJobs;
  /** Counted verifier failures before this message. */
  readonly authFailuresBefore: number;
  readonly abortRequested: boolean;
  /** Begun by this message. */
  readonly fresh: boolean;
  readonly firstIn: string;
  /** Where the stored session kept the object being received (incoming-object-keeper.ts). */
  readonly received?: ReceivedMarker;
}

/** Another process saved the session first: serve the message again. */
const CONFLICT = Symbol('conflict');
/** Another process is serving the Package#1 of this session: wait, then place the message again. */
const PENDING = Symbol('pending');
/** How often, and how long at most, to look again at a session another process is beginning. */
const PENDING_POLL_MS = 20;
const PENDING_LIMIT_MS = 2_000;

export class DmService {
  private readonly o: ResolvedOptions;
  private readonly limiter: AuthRateLimiter;
  private readonly largeObjects: LargeObjectKeeper;
  private readonly incomingObjects: IncomingObjectKeeper;
  /** The DmHandler of the HTTP endpoint. */
  readonly handle: DmHandler;

  constructor(options: DmServiceOptions) {
    this.o = resolveOptions(options);
    this.limiter = new AuthRateLimiter(this.o.store, this.o.authFailurePolicy);
    this.largeObjects = new LargeObjectKeeper(this.o.store);
    this.incomingObjects = new IncomingObjectKeeper(this.o.store);
    this.handle = (request) => this.serve(request);
  }

  /**
   * Asks for the device's live session to be aborted: its next answer is Alert 1223 (6.1.2)
   * and the session ends (its sent jobs without a Status go back to the queue). False when
   * the device has no live session.
   */
  async abortSession(deviceId: string): Promise<boolean> {
    for (let attempt = 0; attempt <= this.o.conflictRetries; attempt++) {
      const live = await this.o.store.liveSession(deviceId);
      const stored = live && readStored(live.snapshot);
      if (!live || !stored) return false;
      const saved = await this.o.store.saveSession(live.ref, live.version, toJson({ ...stored, abortRequested: true }), this.o.now(), this.o.sessionTtlMs);
      if (saved.ok) return true;
      if (saved.reason !== 'conflict') return false;
    }
    return false;
  }

  private emit(event: ServiceEvent): void {
    notifyObservers(this.o.observers, event);
  }

  private async serve(request: DmHttpRequest): Promise<DmHttpAnswer> {
    const now = this.o.now();
    const encoding = request.media.encoding;
    this.emit({ type: 'message-in', bytes: request.body.byteLength, encoding });
    let decoded: DecodedRequest;
    try {
      decoded = decodeRequest(request.body, this.o.decodeLimits);
    } catch (e) {
      if (!isDecodeError(e)) throw e;
      return this.refuse({}, 400, `not a SyncML message: ${e.message}`);
    }
    const message = decoded.message;
    const hdr = message.syncHdr;
    const deviceId = hdr.source.locURI.trim();
    // What the device wrote goes into events (and so logs) bounded: a hostile header cannot fill them.
    const context: EventContext = { deviceId: clip(deviceId), sessionId: clip(hdr.sessionID.trim()), msgId: clip(hdr.msgID.trim()) };
    for (const w of decoded.warnings) this.emit({ ...context, type: 'decode-warning', kind: w.kind, path: w.path });
    if (decoded.format !== encoding) return this.refuse(context, 415, `the body is ${decoded.format.toUpperCase()}, the Content-Type says ${encoding.toUpperCase()}`);
    // Not a DM message (a SyncML DS one, another version): answered 505 / 513, no session touched.
    const version = !isVerDTD(hdr.verDTD.trim()) ? StatusCode.DtdVersionNotSupported : !isVerProto(hdr.verProto.trim()) ? StatusCode.ProtocolVersionNotSupported : undefined;
    try {
      for (let conflicts = 0, waited = 0; conflicts <= this.o.conflictRetries && waited <= PENDING_LIMIT_MS; ) {
        // Loaded for every attempt: the other process may have stored new nonces.
        const creds = await DeviceCredentials.load(this.o.store, deviceId);
        if (creds === undefined) return this.refuse(context, 403, 'unknown device');
        const m: Message = { request, now, decoded, message, deviceId, creds, digest: requestDigest(request.body), encoding, contentType: dmMediaType(request.media), context };
        if (version !== undefined) return this.refuseInDm(m, version, `VerDTD ${hdr.verDTD.trim()} / VerProto ${hdr.verProto.trim()} is not OMA DM 1.2 or 1.3`);
        const badSessionID = sessionIDProblem(hdr.sessionID);
        if (badSessionID !== undefined) return this.refuseInDm(m, StatusCode.BadRequest, badSessionID);
        const answer = await this.place(m);
        if (answer === CONFLICT) conflicts++;
        else if (answer === PENDING) {
          await delay(PENDING_POLL_MS);
          waited += PENDING_POLL_MS;
        } else return answer;
      }
      return this.refuse(context, 503, 'the session is being served by another process');
    } catch (error) {
      this.emit({ ...context, type: 'error', error });
      throw error;
    }
  }

  /** Step 1: which session the message is for (session-rules.ts). */
  private async place(m: Message): Promise<DmHttpAnswer | typeof CONFLICT | typeof PENDING> {
    const { store } = this.o;
    let live = await store.liveSession(m.deviceId);
    if (live && live.expiresAt <= m.now) {
      await this.end(live, 'expired', m.now);
      live = undefined;
    }
    const stored = live ? readStored(live.snapshot) : undefined;
    const placement = placeMessage(live && { row: live, stored }, m.message, m.digest, m.now);
    switch (placement.kind) {
      case 'pending':
        return PENDING;
      case 'resend':
        return this.resend(m, live!, stored!);
      case 'replayed':
        return this.refuseInDm(m, StatusCode.BadRequest, 'the Package#1 of the live session, replayed');
      case 'busy':
        return this.refuseInDm(m, StatusCode.ServiceUnavailable, `another session of this device (SessionID ${live!.sessionId}) is live`);
      case 'over': {
        if (live === undefined) {
          // A resend of the last message of a session that ended: the same answer again.
          const [last] = await store.listSessions(m.deviceId, { limit: 1 });
          const lastStored = last && readStored(last.snapshot);
          if (last && lastStored && sameSessionID(last.sessionId, m.message.syncHdr.sessionID) && isResend(lastStored, m.message, m.digest)) return this.resend(m, last, lastStored);
        }
        return this.refuseInDm(m, StatusCode.RequestTimeout, 'this message belongs to no live session (it ended or expired)');
      }
      default:
        break;
    }
    // Step 2: a locked-out device is not judged. (Nothing to judge: a device without
    // credentials, or a session whose verifier accepted them already.)
    const judged = m.creds.clientScheme(this.offered(m)) !== undefined && (placement.kind !== 'continue' || stored?.endpoint.verifier?.state !== 'accepted');
    const failures = judged ? await store.authFailures(m.deviceId) : undefined;
    const admitted = admission(failures, m.now);
    if (!admitted.allowed) {
      this.emit({ ...m.context, type: 'auth-failed', ...this.schemeOf(m), locked: true });
      return this.refuseInDm(m, StatusCode.InvalidCredentials, `locked out for ${Math.ceil(admitted.retryAfterMs / 1000)} s after failed authentications`, this.lockedChal(m));
    }
    let serving: Serving;
    if (placement.kind === 'continue') {
      if (stored!.setup.encoding !== m.encoding) return this.refuse(m.context, 415, `this session is in ${stored!.setup.encoding.toUpperCase()}`);
      const sending = await this.largeObjects.attach(live!.ref, stored!);
      if (sending === undefined) {
        // The job whose object the session was sending is gone (its device deleted): the session cannot go on.
        await this.end(live!, 'failed', m.now);
        return this.refuseInDm(m, StatusCode.CommandFailed, `the large object this session was sending (job ${stored!.detached!.job}) is no longer in the store`);
      }
      const s = await this.incomingObjects.attach(live!.ref, sending);
      if (s === undefined) {
        // The rows do not hold what the snapshot says was received: the object cannot be completed.
        await this.end(live!, 'failed', m.now);
        return this.refuseInDm(m, StatusCode.CommandFailed, `the large object this session was receiving (${stored!.received!.length} code units so far) is not whole in the store`);
      }
      serving = {
        row: live!,
        setup: s.setup,
        session: ServerSession.restore(s.endpoint, this.restoreConfig(s.setup, m)),
        jobs: new SessionJobs(s.jobs),
        authFailuresBefore: s.authFailures,
        abortRequested: s.abortRequested === true,
        fresh: false,
        firstIn: s.firstIn,
        ...(stored!.received !== undefined ? { received: stored!.received } : {}),
      };
    } else {
      if (placement.kind === 'restart') {
        // Session-rules rule 4: only a Package#1 that proves itself ends the live session.
        const refused = await this.unprovenRestart(m);
        if (refused !== undefined) return refused;
        await this.end(live!, 'failed', m.now);
      }
      const begun = await store.beginSession(m.deviceId, m.message.syncHdr.sessionID.trim(), BEGUN, m.now, this.o.sessionTtlMs);
      if (!begun.ok) return CONFLICT;
      for (const row of begun.expired) this.emit({ type: 'session-ended', outcome: 'expired', deviceId: row.deviceId, sessionId: row.sessionId, sessionRef: row.ref });
      const setup: SessionSetup = {
        encoding: m.encoding,
        sessionID: m.message.syncHdr.sessionID.trim(),
        localURI: m.creds.device.serverId,
        maxMsgSize: this.o.maxMsgSize,
        maxObjSize: this.o.maxObjSize,
        initiator: openingAlert(m.message)!,
        ...(this.o.respUri ? { respURI: this.o.respUri({ ref: begun.session.ref, deviceId: m.deviceId }) } : {}),
      };
      serving = { row: begun.session, setup, session: new ServerSession(this.newConfig(setup, m)), jobs: new SessionJobs(NO_JOBS), authFailuresBefore: 0, abortRequested: false, fresh: true, firstIn: m.digest };
      this.emit({ ...m.context, sessionRef: begun.session.ref, type: 'session-started' });
      if (setup.initiator === AlertCode.ServerInitiatedSession) await this.checkAnnounced(m, setup.sessionID, begun.session.ref);
    }
    try {
      return await this.step(m, serving, failures !== undefined && failures.count > 0);
    } catch (error) {
      // Whatever failed half-way, the session cannot go on: its sent jobs go back to the queue.
      await this.end(serving.row, 'failed', m.now).catch(() => undefined);
      throw error;
    }
  }

  /** Session-rules rule 4: the refusal of a Package#1 over the live session's SessionID that does not authenticate, if it does not. */
  private async unprovenRestart(m: Message): Promise<DmHttpAnswer | undefined> {
    const trial = await DeviceCredentials.load(this.o.store, m.deviceId);
    const options = trial?.verifierOptions(this.o.random, { ...this.offeredOption(m), maxRetries: this.o.maxAuthRetries });
    const proof = provesItself(options && new AuthVerifier(options), m.message, { ...(m.request.hmac !== undefined ? { hmacHeader: m.request.hmac } : {}), body: m.request.body });
    if (proof.proved) return undefined;
    if (proof.counted) {
      const admitted = await this.limiter.failed(m.deviceId, m.now);
      this.emit({ ...m.context, type: 'auth-failed', ...this.schemeOf(m), locked: !admitted.allowed });
    }
    return this.refuseInDm(m, proof.status, 'a Package#1 with the SessionID of the live session that does not authenticate: the live session goes on', this.lockedChal(m));
  }

  /**
   * Alert 1200 says the session answers our Package#0: it should carry the SessionID the
   * last notification announced. Devices that open 1200 sessions of their own, or reuse an
   * old id, are still served (real clients do both); the mismatch is a session warning.
   */
  private async checkAnnounced(m: Message, sessionID: string, sessionRef: number): Promise<void> {
    const announced = await this.o.store.announcedSession(m.deviceId, m.now);
    if (announced && sameSessionID(announced.sessionId, sessionID)) return;
    const message = announced
      ? `Alert 1200 with SessionID ${sessionID}, but the last Package#0 announced ${announced.sessionId}`
      : `Alert 1200 with SessionID ${sessionID}, but no Package#0 was announced to this device (or it expired)`;
    this.emit({ ...m.context, sessionRef, type: 'session-warning', message });
  }

  /** Steps 3 to 5. */
  private async step(m: Message, s: Serving, hadFailures: boolean): Promise<DmHttpAnswer | typeof CONFLICT> {
    const { store } = this.o;
    const { session, jobs, row } = s;
    const context: EventContext = { ...m.context, sessionRef: row.ref };
    let received: ReturnType<ServerSession['receive']>;
    try {
      received = session.receive(m.message, { ...(m.request.hmac !== undefined ? { hmacHeader: m.request.hmac } : {}), body: m.request.body });
    } catch (e) {
      if (!isProtocolError(e)) throw e;
      // Nothing changed in the session (endpoint.ts rule 2): refuse this message only.
      if (s.fresh) await this.end(row, 'failed', m.now);
      return this.refuseInDm(m, e.status ?? StatusCode.BadRequest, e.message);
    }
    if (received.duplicate) {
      // Its MsgID is that of the last message, its bytes are not (session-rules.ts rule 2).
      return this.refuseInDm(m, StatusCode.BadRequest, `MsgID ${m.message.syncHdr.msgID.trim()} was already used by another message of this session`);
    }
    const alerts: Omit<AlertInit, 'deviceId' | 'sessionRef'>[] = [];
    let packageComplete = false;
    let peerAborted = false;
    let authGaveUp = false;
    for (const e of received.events) {
      switch (e.type) {
        case 'command': {
          const answer = answerDeviceCommand(e.command);
          session.answer(e, answer.status);
          if (answer.alert) alerts.push(answer.alert);
          break;
        }
        case 'status':
          jobs.status(e.status);
          break;
        case 'results':
          jobs.results(e.results);
          break;
        case 'status-missing':
          jobs.statusMissing(e.command, e.msgID);
          break;
        case 'package-complete':
          packageComplete = true;
          break;
        case 'aborted':
          peerAborted = true;
          break;
        case 'auth-failed':
          authGaveUp = true;
          break;
        case 'warning':
          this.emit({ ...context, type: 'session-warning', message: e.message });
          break;
        case 'object-lost':
          this.emit({ ...context, type: 'session-warning', message: `a chunked object (${e.target ?? e.source ?? 'no URI'}) was cut short${e.byPeer ? ' by the device' : ''}` });
          break;
        case 'protocol-error':
          this.emit({ ...context, type: 'session-warning', message: e.error.message });
          break;
      }
    }
    // Commands nested in what the device sent (an Atomic of its own): not ours to run.
    for (const o of session.unanswered) session.answer(o, StatusCode.OptionalFeatureNotSupported);

    // Step 4: the next jobs, or the abort asked for.
    const finished: Finished[] = jobs.takeFinished(packageComplete);
    const claimed: ClaimedJob[] = [];
    const refused: { job: ClaimedJob; status: number; reason: string }[] = [];
    let out: Outgoing | undefined;
    let abortedByUs = false;
    if (s.abortRequested && !peerAborted && !authGaveUp) {
      out = session.abort();
      abortedByUs = true;
    } else {
      for (const again of jobs.takeResends()) {
        const spec = again.spec ?? (await store.getJob(again.id))?.spec;
        if (spec !== undefined) session.send(jobCommand(spec));
        else jobs.remove(again.id);
      }
      if (session.current === 'answering' && session.awaitingStatus === 0 && jobs.idle) {
        for (const job of await store.claimJobs(m.deviceId, row.ref, m.now, this.o.jobsPerPackage)) {
          try {
            session.send(jobCommand(job.spec));
            jobs.add(job.id, job.spec);
            claimed.push(job);
          } catch (e) {
            // Larger than the device's MaxObjSize (8), or a spec no command can carry.
            if (isLocalProtocolError(e) && e.problem === 'object-too-large') refused.push({ job, status: StatusCode.RequestEntityTooLarge, reason: `not sent: ${e.message}` });
            else if (isStoreInputError(e)) refused.push({ job, status: StatusCode.BadRequest, reason: `not sent: ${e.message}` });
            else throw e;
          }
        }
      }
      out = session.reply();
    }
    if (out === undefined) throw new Error(`the session gave no answer in state ${session.current}`);
    // Jobs whose command the device's lowered MaxObjSize holds back: failed now, not requeued (jobs-in-session rule 6).
    const withheld = jobs.withhold(out.withheld ?? [], m.message.syncHdr.meta?.maxObjSize);
    for (const w of withheld) this.emit({ ...context, type: 'session-warning', message: w.reason });
    finished.push(...withheld);
    jobs.sent(out.message);
    const ended = session.ended || session.current === 'aborting';
    if (ended) finished.push(...jobs.takeFinished(true, true));
    const snapshot = session.snapshot();
    const authFailures = snapshot.verifier?.failures ?? 0;
    const next: StoredSession = {
      v: STORED_SESSION_VERSION,
      setup: s.setup,
      endpoint: snapshot,
      firstIn: s.firstIn,
      lastIn: { msgID: m.message.syncHdr.msgID.trim(), digest: m.digest },
      jobs: jobs.snapshot(),
      authFailures,
    };

    // Step 5: the commit, with the jobs finished (and those refused), the transcript and
    // the end of the session, in one store transaction.
    const finishes = await this.finishes([...finished, ...refused.map((r): Finished => ({ id: r.job.id, spec: r.job.spec, status: { data: String(r.status), items: [] }, results: [], inner: [], reason: r.reason }))]);
    const outcome: SessionOutcome | undefined = !ended ? undefined : peerAborted || abortedByUs ? 'aborted' : authGaveUp ? 'failed' : 'completed';
    const kept = this.incomingObjects.detach(row.ref, this.largeObjects.detach(row.ref, next), s.received);
    const saved = await store.saveSession(row.ref, row.version, toJson(kept.stored), m.now, this.o.sessionTtlMs, {
      finishes,
      ...(kept.received !== undefined ? { received: kept.received } : {}),
      ...(kept.receivedDone ? { receivedDone: true } : {}),
      transcript: [
        { sessionRef: row.ref, direction: 'in', msgId: m.message.syncHdr.msgID.trim(), contentType: m.contentType, body: m.request.body },
        { sessionRef: row.ref, direction: 'out', msgId: out.message.syncHdr.msgID, contentType: m.contentType, body: out.bytes },
      ],
      ...(outcome !== undefined ? { end: outcome } : {}),
    });
    if (!saved.ok) {
      // Another process saved this session first: what this one claimed never went out.
      await store.unclaimJobs(claimed.map((j) => j.id), row.ref);
      if (saved.reason === 'conflict') return CONFLICT;
      return this.refuseInDm(m, StatusCode.RequestTimeout, 'the session ended while this message was read');
    }
    for (const [i, r] of (saved.finished ?? []).entries()) {
      // Not ok: finished already (by a process that served this message first), or cancelled.
      if (r.ok && (r.job.state === 'done' || r.job.state === 'failed')) this.emit({ ...context, type: 'job-finished', jobId: finishes[i]!.id, state: r.job.state, code: finishes[i]!.outcome.status });
    }
    await m.creds.flush(store, m.now);
    for (const a of alerts) {
      const stored = await store.recordAlert({ ...a, deviceId: m.deviceId, sessionRef: row.ref }, m.now);
      this.emit({ ...context, type: 'alert-received', alertId: stored.id, code: stored.code });
    }
    for (const job of claimed) this.emit({ ...context, type: 'job-sent', jobId: job.id });
    await this.countAuth(m, s, authFailures, out, hadFailures, context);
    if (outcome !== undefined) {
      this.largeObjects.forget(row.ref);
      this.incomingObjects.forget(row.ref);
    }
    if (outcome !== undefined && saved.ended) this.emit({ type: 'session-ended', outcome, deviceId: row.deviceId, sessionId: row.sessionId, sessionRef: row.ref });
    const hmac = out.hmacHeader?.(out.bytes);
    this.emit({ ...context, type: 'message-out', bytes: out.bytes.byteLength, encoding: m.encoding, duplicate: false });
    return { kind: 'message', body: out.bytes, ...(hmac !== undefined ? { hmac } : {}) };
  }

  /** Failed authentications count against the device (rate-limit.ts); a success clears them. */
  private async countAuth(m: Message, s: Serving, failuresNow: number, out: Outgoing, hadFailures: boolean, context: EventContext): Promise<void> {
    for (let n = s.authFailuresBefore; n < failuresNow; n++) {
      const admitted = await this.limiter.failed(m.deviceId, m.now);
      this.emit({ ...context, type: 'auth-failed', ...this.schemeOf(m), locked: !admitted.allowed });
    }
    if (failuresNow > s.authFailuresBefore || !hadFailures) return;
    const header = out.message.syncBody.commands.find((c) => c.kind === 'Status' && c.cmd === 'SyncHdr');
    const code = header?.kind === 'Status' ? Number(header.data) : 0;
    if (code === StatusCode.Ok || code === StatusCode.AuthenticationAccepted) await this.limiter.succeeded(m.deviceId);
  }

  /** The outcomes of the jobs finished in this message (a spec not kept in the session is read back). */
  private async finishes(list: readonly Finished[]): Promise<JobSettle[]> {
    const finishes: JobSettle[] = [];
    for (const f of list) {
      const spec = f.spec ?? (await this.o.store.getJob(f.id))?.spec;
      if (spec !== undefined) finishes.push(settlement(f, spec));
    }
    return finishes;
  }

  private async end(row: SessionRow, outcome: SessionOutcome, now: number): Promise<void> {
    const ended = await this.o.store.endSession(row.ref, outcome, now);
    if (ended) this.emit({ type: 'session-ended', outcome, deviceId: row.deviceId, sessionId: row.sessionId, sessionRef: row.ref });
  }

  /** Session-rules rule 2: the answer already given, byte for byte, with its HMAC header. */
  private resend(m: Message, row: SessionRow, stored: StoredSession): DmHttpAnswer {
    const reply = stored.endpoint.lastReply!;
    const body = new Uint8Array(Buffer.from(reply.bytes, 'base64'));
    this.emit({ ...m.context, sessionRef: row.ref, type: 'message-out', bytes: body.byteLength, encoding: m.encoding, duplicate: true });
    return { kind: 'message', body, ...(reply.hmacHeader !== undefined ? { hmac: reply.hmacHeader } : {}) };
  }

  /** A DM answer refusing the message outside any session (refusal.ts). */
  private refuseInDm(m: Message, status: number, reason: string, chal?: ReturnType<typeof buildChal>): DmHttpAnswer {
    const { bytes } = refusalMessage(m.message, status, m.encoding, chal);
    this.emit({ ...m.context, type: 'session-refused', status, reason });
    this.emit({ ...m.context, type: 'message-out', bytes: bytes.byteLength, encoding: m.encoding, duplicate: false });
    return { kind: 'message', body: bytes };
  }

  /** No DM answer at all: an HTTP status and a reason in plain text. */
  private refuse(context: EventContext, status: number, reason: string): DmHttpAnswer {
    this.emit({ ...context, type: 'refused', status, reason });
    return { kind: 'refusal', status, reason };
  }

  /** The Chal of a 401 to a locked-out device: its scheme, the nonce it is expected to use (none is issued). */
  private lockedChal(m: Message): ReturnType<typeof buildChal> | undefined {
    const scheme = m.creds.clientScheme(this.offered(m));
    if (scheme === undefined) return undefined;
    return buildChal(scheme, m.creds.get(m.deviceId)?.expectedNonce);
  }

  private schemeOf(m: Message): { scheme?: string } {
    const scheme = m.creds.clientScheme(this.offered(m));
    return scheme !== undefined ? { scheme } : {};
  }

  /** The scheme the device's message uses: its Cred's Meta Type, or HMAC for the header. */
  private offered(m: Message): AuthType | undefined {
    const type = m.message.syncHdr.cred?.meta?.type?.trim();
    const known = Object.values(AUTH_TYPE_OF).find((t) => t !== undefined && t === type);
    if (known !== undefined) return known;
    return m.request.hmac !== undefined ? AUTH_TYPE_OF.hmac : undefined;
  }

  private baseConfig(setup: SessionSetup, m: Message): Omit<EndpointConfig, 'verifier' | 'prover'> {
    return {
      encoding: setup.encoding,
      localURI: setup.localURI,
      remoteURI: m.deviceId,
      sessionID: setup.sessionID,
      maxMsgSize: setup.maxMsgSize,
      ...(setup.maxObjSize !== undefined ? { maxObjSize: setup.maxObjSize } : {}),
      ...(setup.respURI !== undefined ? { respURI: setup.respURI } : {}),
    };
  }

  private newConfig(setup: SessionSetup, m: Message): EndpointConfig {
    const verifier = m.creds.verifierOptions(this.o.random, { ...this.offeredOption(m), maxRetries: this.o.maxAuthRetries });
    const prover = m.creds.proverOptions();
    return {
      ...this.baseConfig(setup, m),
      peerMaxMsgSize: this.o.assumedPeerMaxMsgSize,
      ...(verifier ? { verifier: new AuthVerifier(verifier) } : {}),
      ...(prover ? { prover: new AuthProver(prover) } : {}),
    };
  }

  private offeredOption(m: Message): { offered?: AuthType } {
    const offered = this.offered(m);
    return offered !== undefined ? { offered } : {};
  }

  private restoreConfig(setup: SessionSetup, m: Message): RestoreConfig {
    return { ...this.baseConfig(setup, m), verifier: { store: m.creds, random: this.o.random }, prover: { store: m.creds } };
  }
}

/** The longest SessionID taken: a DM SessionID is short (Package#0 carries 16 bits, clients a few hex digits). */
export const MAX_SESSION_ID_LENGTH = 64;

/** Why a SessionID cannot name a session (empty, or longer than any client writes), if it cannot. */
function sessionIDProblem(sessionID: string): string | undefined {
  const id = sessionID.trim();
  if (id === '') return 'the SessionID is empty';
  if (id.length > MAX_SESSION_ID_LENGTH) return `the SessionID has ${id.length} characters, more than ${MAX_SESSION_ID_LENGTH}`;
  return undefined;
}

/** Text of the device's, cut for events and logs. */
function clip(text: string, max = 128): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} characters)`;
}
