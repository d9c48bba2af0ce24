/**
 * What the client and the server session share: one side of a DM session, sans I/O.
 * It takes decoded messages and returns messages to send; it never touches a socket
 * or a clock, so every rule below can be explored by property tests. Which message goes
 * when is decided by the state tables of session-state.ts; this file carries it out.
 *
 * Rules kept here, for both sides (sections 6, 7, 8, 9 of the DM protocol):
 * 1. Headers: the SessionID never changes (compared as a value: white space trimmed, hex
 *    digits in either case; `01` for `1` is a slip we accept with a warning); our MsgIDs
 *    count up from 1; a message whose MsgID we already answered is a duplicate (the
 *    transport resends our last reply), an older one is refused. A VerDTD or VerProto we
 *    do not speak is answered 505 / 513 and the message's commands are not run. The
 *    peer's MaxMsgSize/MaxObjSize in its header bind what we send. NoResp in its SyncHdr:
 *    no Status at all goes back for that message.
 * 2. `receive()` is atomic: the message is read whole and the state advances, or it
 *    throws a ProtocolError (with the status to answer) and nothing changed, so the
 *    corrected message is read like a new one. A fault we cannot undo puts the session in
 *    state `error`.
 * 3. Status bookkeeping (status-ledger.ts): every received command that needs one gets
 *    exactly one Status, naming it by MsgRef/CmdRef, in our next message(s), in the order
 *    the commands came whatever order the application answers in; the SyncHdr always
 *    gets one (first), recognised by Cmd SyncHdr with CmdRef 0 or empty. Every Status we
 *    receive is matched to the command we sent.
 * 4. Responses (statuses, results) go before new commands; when the peer's package is
 *    not complete and we have nothing else to say, we ask for its next message (1222).
 * 5. Large objects in and out follow section 8 (see packing.ts and large-object.ts).
 * 6. Abort (6.1.2): the aborting side sends 1223 with Final, and the owed Statuses that
 *    fit beside them, whatever the peer's MaxMsgSize; then discards whatever comes back.
 *    The side receiving it stops (the server answers only the SyncHdr and the Alert).
 * 7. Authentication (9): the verifier judges the peer's SyncHdr Cred; until it accepts,
 *    our answer holds only Statuses and the peer's commands do not reach the application;
 *    every 401/407 among them carries the header's Chal (9.1). The prover adds our Cred
 *    and reads the Status of our SyncHdr. When the verifier gives up, that answer (only
 *    Statuses, Final) is our last message; when the prover gives up, nothing more is sent.
 *    Either way the session ends, with an 'auth-failed' event.
 * 8. `snapshot()` is plain JSON; `restore()` continues exactly where it stopped.
 */
import { Buffer } from 'node:buffer';
import type { HeaderInit, SyncBodyCommandDraft, StatusInit, ResultsInit } from '../../generated/builders.js';
import { AlertCode, StatusCode, DEFAULT_VERPROTO, isVerDTD, isVerProto } from '../../generated/codes.js';
import type { ElementName, Item, Meta, Status, SyncBodyCommand, SyncML, Results } from '../../generated/types.js';
import { itemsOf, isResponse, nestedCommands } from '../../generated/command-helpers.js';
import type { AuthProver, AuthVerifier } from './auth/authenticator.js';
import { LocalProtocolError, ProtocolError, isProtocolError } from './errors.js';
import { IncomingLargeObjects, type IncomingLargeObjectsSnapshot, type IncomingResult } from './large-object.js';
import type { ProverSnapshot, VerifierSnapshot } from './auth/snapshot.js';
import type { Encoding } from './message-size.js';
import { OutgoingPackage, type OutgoingPackageSnapshot } from './packing.js';
import { StatusLedger, type LedgerSnapshot } from './status-ledger.js';
import { MESSAGE_KINDS, classify, transition, type MessageKind, type MessageRule, type Role, type SessionFacts, type SessionState } from './session-state.js';

/** Alert 1222: asks the peer for its next message. */
const NEXT_MESSAGE: SyncBodyCommandDraft = { kind: 'Alert', data: String(AlertCode.NextMessage), items: [] };
/** Alert 1223: ends the session at once. */
const SESSION_ABORT: SyncBodyCommandDraft = { kind: 'Alert', data: String(AlertCode.SessionAbort), items: [] };

/** The Cmd of the Status that answers a header. */
export const HEADER_CMD = 'SyncHdr' satisfies ElementName;

export interface EndpointConfig {
  readonly encoding: Encoding;
  /** Our URI (Source LocURI of what we send). */
  readonly localURI: string;
  /** The peer's URI (Target LocURI of what we send). */
  readonly remoteURI: string;
  readonly sessionID: string;
  /** VerProto we write: DM/1.2 by default (1.2 peers), `DM/1.3` for a session of DM 1.3 (6.3). */
  readonly verProto?: string;
  /** Largest message we accept (announced in our header). */
  readonly maxMsgSize: number;
  /** Largest object we accept (announced in our header when set). */
  readonly maxObjSize?: number;
  /** MaxMsgSize assumed for the peer until it announces one. */
  readonly peerMaxMsgSize?: number;
  /** Judges the peer's credentials (server: the client's). */
  readonly verifier?: AuthVerifier;
  /** Presents our credentials (client: to the server). */
  readonly prover?: AuthProver;
  /**
   * Where the peer is to send its next messages (server: e.g. a URI naming this session);
   * written as RespURI in every header we send.
   */
  readonly respURI?: string;
}

/** A received command that the application must answer (unless NoResp). */
export interface ReceivedCommand {
  readonly msgRef: string;
  readonly command: SyncBodyCommand;
}

export type SessionEvent =
  /** A command of the peer, reassembled if it came in chunks: answer it with `answer()`. */
  | { readonly type: 'command'; readonly msgRef: string; readonly command: SyncBodyCommand }
  /** The status of a command we sent. */
  | { readonly type: 'status'; readonly status: Status; readonly command: SyncBodyCommand }
  /** Results of a Get we sent. */
  | { readonly type: 'results'; readonly results: Results; readonly command: SyncBodyCommand | undefined }
  /** A partly received object was cut short (Alert 1225 sent) or the peer told us ours was. */
  | { readonly type: 'object-lost'; readonly target?: string; readonly source?: string; readonly byPeer: boolean }
  /** The peer refused or failed a command at the protocol level. */
  | { readonly type: 'protocol-error'; readonly error: ProtocolError; readonly msgRef: string; readonly cmdRef: string }
  /** The peer's package is complete (it sent Final). */
  | { readonly type: 'package-complete' }
  /** The peer closed its package without a Status for a command we sent. */
  | { readonly type: 'status-missing'; readonly command: SyncBodyCommand; readonly msgID: string }
  /** The peer aborted the session (Alert 1223). */
  | { readonly type: 'aborted' }
  /** Authentication failed for good (we gave up on the peer's credentials, or on ours): the session ends. */
  | { readonly type: 'auth-failed'; readonly status: number; readonly role: 'verifier' | 'prover' }
  /** A slip of the peer we accepted (e.g. SessionID `01` for `1`). */
  | { readonly type: 'warning'; readonly message: string };

/**
 * A message to send: its bytes in the session's encoding, ready for the transport, and
 * the transport-level HMAC header when the prover uses HMAC. `message` is the same
 * message decoded (for logs and tests); the bytes were written while packing, so
 * nothing needs to encode it again. WBXML bytes use inline strings only; whoever wants
 * a string table may re-encode `message`, which can only get smaller.
 */
export interface Outgoing {
  readonly message: SyncML;
  /** The encoded message, within the peer's MaxMsgSize. */
  readonly bytes: Uint8Array;
  readonly hmacHeader?: (body: Uint8Array) => string;
  /**
   * Commands given to `send()` that will never go, because the peer announced a
   * MaxObjSize smaller than one of their items after they were queued (8): the drafts
   * themselves, so the application can tell which (and e.g. fail the job). Absent when none.
   */
  readonly withheld?: readonly SyncBodyCommandDraft[];
}

/** What a session keeps between calls, as plain data (JSON.stringify gives it whole). */
export interface EndpointSnapshot {
  readonly version: 1;
  readonly role: Role;
  readonly state: SessionState;
  readonly lastMsgID: number;
  readonly lastReceivedMsgID: number;
  /** Our last message, for a duplicate: the message, its bytes (base64), its HMAC header. */
  readonly lastReply?: { readonly message: SyncML; readonly bytes: string; readonly hmacHeader?: string };
  readonly peerMaxMsgSize: number;
  readonly peerMaxObjSize?: number;
  readonly peerRespURI?: string;
  readonly peerSentCommands: boolean;
  readonly peerOwesPackage: boolean;
  readonly ourPackageOpen: boolean;
  readonly ledger: LedgerSnapshot;
  /** Client: Package#1, to send again when challenged. */
  readonly packageOne?: readonly SyncBodyCommandDraft[];
  readonly outgoing: OutgoingPackageSnapshot;
  readonly incoming: IncomingLargeObjectsSnapshot;
  readonly verifier?: VerifierSnapshot;
  readonly prover?: ProverSnapshot;
}

/** What a read message says, for the state table. */
interface ReadFacts {
  readonly aborted: boolean;
  readonly authFailed: boolean;
  readonly proverGaveUp: boolean;
  readonly challenged: boolean;
  readonly authenticated: boolean;
  readonly sentCommands: boolean;
  readonly owesPackage: boolean;
}

/** What reading a message produced, before it is committed (rule 2). */
interface Staged {
  readonly events: SessionEvent[];
  /** Responses to queue, in order (the Status for the header first). */
  readonly responses: SyncBodyCommandDraft[];
}

export abstract class SessionEndpoint {
  protected abstract readonly role: Role;
  protected readonly config: EndpointConfig;
  protected out: OutgoingPackage;
  protected incoming: IncomingLargeObjects;
  protected state: SessionState;
  private ledger = new StatusLedger();
  private lastMsgID = 0;
  private lastReceivedMsgID = 0;
  private lastReply: Outgoing | undefined;
  private peerMaxMsgSize: number;
  private peerMaxObjSize: number | undefined;
  private peerRespURI: string | undefined;
  /** The peer's last message held commands (beyond statuses, results and 1222). */
  private peerSentCommands = false;
  /** Server: commands were refused for want of credentials; the client sends them again. */
  private peerOwesPackage = false;
  /** We sent part of a package that has more to come (e.g. a large object). */
  private ourPackageOpen = false;
  /** Responses handed to `out` since our last message (what an abort carries). */

  constructor(config: EndpointConfig, initial: SessionState) {
    this.config = config;
    this.state = initial;
    this.peerMaxMsgSize = config.peerMaxMsgSize ?? 64 * 1024;
    this.out = new OutgoingPackage({ encoding: config.encoding, maxMsgSize: this.peerMaxMsgSize });
    this.incoming = new IncomingLargeObjects(config.maxObjSize);
  }

  /** The state of the session (see session-state.ts). */
  get current(): SessionState {
    return this.state;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /**
   * Where our next message must go: the RespURI of the peer's last header that had one
   * (section 9.1: the next message is sent to the RespURI), else undefined (the peer's URI).
   */
  get sendTo(): string | undefined {
    return this.peerRespURI;
  }

  /** Commands we sent whose Status has not arrived. */
  get awaitingStatus(): number {
    return this.ledger.awaiting;
  }

  /** Received commands we have not answered yet. */
  get unanswered(): ReceivedCommand[] {
    return this.ledger.unanswered.map((e) => ({ msgRef: e.msgID, command: e.command }));
  }

  /** The last message produced (for resending a duplicate's answer). */
  get lastSent(): Outgoing | undefined {
    return this.lastReply;
  }

  /** Client: Package#1 as sent (to send again when challenged); none for a server. */
  protected packageOne(): readonly SyncBodyCommandDraft[] {
    return [];
  }

  protected facts(): SessionFacts {
    return {
      pendingCommands: this.out.pendingCommands,
      ourPackageOpen: this.ourPackageOpen,
      awaitingStatus: this.ledger.awaiting,
      peerSentCommands: this.peerSentCommands,
      peerOwesPackage: this.peerOwesPackage,
      canProve: this.config.prover !== undefined && this.packageOne().length > 0,
    };
  }

  // ------------------------------------------------------------------ receiving

  /**
   * Reads a message from the peer. Returns what the application must know; the reply
   * is built by `reply()` once the application has answered the commands.
   * Returns `duplicate: true` when the message was already answered: resend `lastSent`.
   * Throws ProtocolError (and changes nothing) for a message that cannot be read.
   */
  receive(message: SyncML, transport: { hmacHeader?: string; body?: Uint8Array } = {}): { events: SessionEvent[]; duplicate: boolean } {
    const hdr = message.syncHdr;
    const session = compareSessionIDs(hdr.sessionID, this.config.sessionID);
    const msgID = Number(hdr.msgID.trim());
    // A repeat of the message we answered last (our answer got lost): answer it again,
    // even after the session ended.
    if (session !== 'different' && msgID === this.lastReceivedMsgID && this.lastReply) return { events: [], duplicate: true };
    const row = transition(this.role, this.state, 'receive');
    if (row.discard) {
      // DM-PRO-Abort-*-005: the sender of an abort discards any response.
      this.state = row.next;
      return { events: [], duplicate: false };
    }
    if (session === 'different') {
      throw new ProtocolError(`SessionID ${JSON.stringify(hdr.sessionID)} is not this session's ${JSON.stringify(this.config.sessionID)}`, StatusCode.BadRequest);
    }
    if (!Number.isSafeInteger(msgID) || msgID < 1) throw new ProtocolError(`MsgID ${JSON.stringify(hdr.msgID)} is not a positive number`, StatusCode.BadRequest);
    if (msgID === this.lastReceivedMsgID) return { events: [], duplicate: true };
    if (msgID < this.lastReceivedMsgID) {
      throw new ProtocolError(`MsgID ${msgID} comes after ${this.lastReceivedMsgID}: an old message`, StatusCode.BadRequest);
    }

    this.ledger.begin();
    // Only Results can refuse a whole message (their chunks get no Status to say 411 or
    // 424 in): with Results in it, the objects in progress are kept to be put back.
    const incomingBefore = message.syncBody.commands.some((c) => c.kind === 'Results') ? this.incoming.snapshot() : undefined;
    let staged: Staged;
    let facts: ReadFacts;
    try {
      ({ staged, facts } = this.read(message, transport, session === 'slip'));
    } catch (e) {
      this.ledger.rollback();
      if (isProtocolError(e) && incomingBefore) this.incoming = IncomingLargeObjects.restore(incomingBefore, this.config.maxObjSize);
      else this.state = 'error';
      throw e;
    }
    // Commit (rule 2): nothing below throws.
    this.ledger.commit();
    this.lastReceivedMsgID = msgID;
    if (hdr.respURI !== undefined && hdr.respURI.trim() !== '') this.peerRespURI = hdr.respURI.trim();
    this.readLimits(hdr.meta);
    for (const [i, d] of staged.responses.entries()) this.respond(d, i === 0 && d.kind === 'Status' && d.cmd === HEADER_CMD);
    this.releaseAnswered();
    const final = message.syncBody.final === true;
    const event = classify(
      {
        aborted: facts.aborted,
        authFailed: facts.authFailed,
        proverGaveUp: facts.proverGaveUp,
        challenged: facts.challenged,
        authenticated: facts.authenticated,
        final,
        asksForMore: message.syncBody.commands.some(isNextMessageAlert),
      },
      this.role,
    );
    this.state = transition(this.role, this.state, event).next;
    this.peerSentCommands = facts.sentCommands;
    if (facts.owesPackage) this.peerOwesPackage = true;
    else if (facts.authenticated && facts.sentCommands) this.peerOwesPackage = false;
    return { events: staged.events, duplicate: false };
  }

  /** Reads a message without committing anything but the ledger's transaction (rule 2). */
  private read(
    message: SyncML,
    transport: { hmacHeader?: string; body?: Uint8Array },
    sessionSlip: boolean,
  ): { staged: Staged; facts: ReadFacts } {
    const hdr = message.syncHdr;
    const msgRef = hdr.msgID;
    const staged: Staged = { events: [], responses: [] };
    if (sessionSlip) staged.events.push({ type: 'warning', message: `SessionID ${JSON.stringify(hdr.sessionID)} taken for ${JSON.stringify(this.config.sessionID)}` });
    /** NoResp in the SyncHdr: no Status goes back for this message (rule 1). */
    const silent = hdr.noResp === true;

    // The Status for the peer's SyncHdr (always owed), with our judgement of its credentials.
    let authenticated = true;
    let authFailed = false;
    let headerStatus: number = StatusCode.Ok;
    let chal: StatusInit['chal'];
    const version = versionProblem(hdr.verDTD, hdr.verProto);
    if (version !== undefined) {
      headerStatus = version;
      authenticated = false;
    } else if (this.config.verifier) {
      const verdict = this.config.verifier.receive({
        ...(hdr.cred ? { cred: hdr.cred } : {}),
        ...(hdr.source.locName ? { username: hdr.source.locName } : {}),
        ...(transport.hmacHeader !== undefined ? { hmacHeader: transport.hmacHeader } : {}),
        ...(transport.body ? { body: transport.body } : {}),
      });
      headerStatus = verdict.status;
      chal = verdict.chal;
      authenticated = verdict.authenticated;
      if (verdict.gaveUp) {
        authFailed = true;
        staged.events.push({ type: 'auth-failed', status: headerStatus, role: 'verifier' });
      }
    }
    // TargetRef/SourceRef are optional for the SyncHdr: left out, they leave room in small
    // messages. It goes before every other response.
    if (!silent) {
      staged.responses.push({
        kind: 'Status',
        msgRef,
        cmdRef: '0',
        cmd: HEADER_CMD,
        targetRefs: [],
        sourceRefs: [],
        ...(chal ? { chal } : {}),
        data: String(headerStatus),
        items: [],
      });
    }

    const reader = new MessageReader(this, msgRef, staged, silent);
    let aborted = false;
    let challenged = false;
    let proverGaveUp = false;
    let sentCommands = false;
    for (const command of message.syncBody.commands) {
      if (command.kind === 'Status') {
        const r = this.readStatus(command, staged.events);
        if (r === 'challenged') challenged = true;
        if (r === 'gave-up') proverGaveUp = true;
        continue;
      }
      if (command.kind === 'Results') {
        this.readResults(reader, command);
        continue;
      }
      if (!isNextMessageAlert(command)) sentCommands = true;
      if (!authenticated) {
        // 9.1: only Statuses in answer, one for every command, each 401/407 with the Chal; nothing runs.
        reader.answerNow(command, headerStatus, chal);
        continue;
      }
      if (command.kind === 'Alert' && this.readProtocolAlert(reader, command)) {
        if (isAbortAlert(command)) aborted = true;
        continue;
      }
      this.readCommand(reader, command);
    }
    if (message.syncBody.final) {
      if (!this.ourPackageOpen) {
        // Its package answers ours: whatever has no Status now never will.
        for (const sent of this.ledger.takeAwaiting()) staged.events.push({ type: 'status-missing', command: sent.command, msgID: sent.msgID });
      }
      const lost = this.incoming.discard();
      // 6.1.2: the answer to an abort holds only the Statuses for the Alert and the SyncHdr.
      if (lost && !aborted) {
        staged.responses.push(objectLostAlert(lost.target, lost.source));
        staged.events.push({ type: 'object-lost', byPeer: false, ...lost });
      }
      staged.events.push({ type: 'package-complete' });
    }
    // The commands refused for want of credentials come again (server: do not end before).
    const owesPackage = !authenticated && !authFailed && sentCommands;
    return { staged, facts: { aborted, authFailed, proverGaveUp, challenged, authenticated, sentCommands, owesPackage } };
  }

  private readLimits(meta: Meta | undefined): void {
    const size = meta?.maxMsgSize !== undefined ? Number(meta.maxMsgSize.trim()) : undefined;
    const obj = meta?.maxObjSize !== undefined ? Number(meta.maxObjSize.trim()) : undefined;
    if (size !== undefined && Number.isSafeInteger(size) && size > 0) this.peerMaxMsgSize = size;
    if (obj !== undefined && Number.isSafeInteger(obj) && obj > 0) this.peerMaxObjSize = obj;
    this.out.updateLimits({
      encoding: this.config.encoding,
      maxMsgSize: this.peerMaxMsgSize,
      ...(this.peerMaxObjSize !== undefined ? { maxObjSize: this.peerMaxObjSize } : {}),
    });
  }

  /** Reads a Status: the one for our SyncHdr goes to the prover; others are matched in the ledger. */
  private readStatus(status: Status, events: SessionEvent[]): 'challenged' | 'gave-up' | undefined {
    const cmdRef = status.cmdRef.trim();
    if (status.cmd.trim() === HEADER_CMD && (cmdRef === '0' || cmdRef === '')) {
      const code = Number(status.data.trim());
      if (this.config.prover) {
        const reading = this.config.prover.receiveStatus(status);
        if (reading.gaveUp) {
          events.push({ type: 'auth-failed', status: code, role: 'prover' });
          return 'gave-up';
        }
        return reading.retry ? 'challenged' : undefined;
      }
      // Challenged with no credentials to give: the session cannot go on (session-state.ts).
      return code === StatusCode.InvalidCredentials || code === StatusCode.MissingCredentials ? 'challenged' : undefined;
    }
    const sent = this.ledger.match(status.msgRef, status.cmdRef);
    if (!sent) {
      events.push({
        type: 'protocol-error',
        error: new ProtocolError(`Status for MsgRef ${status.msgRef} CmdRef ${status.cmdRef}, which we did not send or already have a Status for`),
        msgRef: status.msgRef,
        cmdRef: status.cmdRef,
      });
      return undefined;
    }
    events.push({ type: 'status', status, command: sent.command });
    return undefined;
  }

  private readResults(reader: MessageReader, results: Results): void {
    const sent = this.ledger.matchResults(results.msgRef ?? '', results.cmdRef);
    const r = this.incoming.accept(results);
    this.objectInterrupted(reader, r);
    if (r.kind === 'buffered') return; // Results get no Status, not even 213
    if (r.kind === 'refused') {
      // Results get no Status (7.1), but a broken chunked object is reported as section 8
      // says ("error status 424 'Size mismatch' MUST be returned", 411 for a missing Size).
      this.answerRefusal(reader, r);
      return;
    }
    reader.staged.events.push({ type: 'results', results: r.command as Results, command: sent?.command });
  }

  // --- large objects (large-object.ts): the outcomes of IncomingLargeObjects.accept ---

  /** A chunked object cut short by `r`'s command: Alert 1225 and an `object-lost` event. */
  private objectInterrupted(reader: MessageReader, r: IncomingResult): void {
    if (!r.interrupted) return;
    const { target, source } = r.interrupted;
    reader.staged.responses.push(objectLostAlert(target, source));
    reader.staged.events.push({ type: 'object-lost', byPeer: false, ...(target ? { target } : {}), ...(source ? { source } : {}) });
  }

  /** A command refused by the large-object rules: its Statuses (and its nested ones), and a `protocol-error` event. */
  private answerRefusal(reader: MessageReader, r: Extract<IncomingResult, { kind: 'refused' }>): void {
    for (const { command, status } of r.statuses) this.answerOne(reader.msgRef, command as SyncBodyCommand, status, reader.silent);
    reader.staged.events.push({ type: 'protocol-error', error: r.error, msgRef: reader.msgRef, cmdRef: r.command.cmdID });
  }
  // --- end of large objects ---

  /** Protocol alerts handled here: 1222 (next message), 1223 (abort), 1225 (object lost). */
  private readProtocolAlert(reader: MessageReader, alert: Extract<SyncBodyCommand, { kind: 'Alert' }>): boolean {
    const code = Number((alert.data ?? '').trim());
    if (code === AlertCode.NextMessage) {
      reader.answerNow(alert, StatusCode.Ok);
      return true;
    }
    if (code === AlertCode.SessionAbort) {
      reader.answerNow(alert, StatusCode.Ok);
      reader.staged.events.push({ type: 'aborted' });
      return true;
    }
    if (code === AlertCode.NoEndOfData) {
      reader.answerNow(alert, StatusCode.Ok);
      const item = alert.items[0];
      reader.staged.events.push({
        type: 'object-lost',
        byPeer: true,
        ...(item?.target ? { target: item.target.locURI } : {}),
        ...(item?.source ? { source: item.source.locURI } : {}),
      });
      return true;
    }
    return false;
  }

  private readCommand(reader: MessageReader, command: SyncBodyCommand): void {
    const { msgRef, staged } = reader;
    const result = this.incoming.accept(command);
    this.objectInterrupted(reader, result);
    if (result.kind === 'refused') {
      this.answerRefusal(reader, result);
      return;
    }
    if (result.kind === 'buffered') {
      reader.answerNow(command, result.status);
      return;
    }
    // The whole command (its CmdID is that of the last chunk, which is what the Status names).
    const whole = { ...result.command, cmdID: command.cmdID } as SyncBodyCommand;
    const ids = cmdIDs(whole);
    const clash = ids.find((id) => this.ledger.isKnown(msgRef, id));
    if (clash !== undefined || new Set(ids).size !== ids.length) {
      // Two commands of one message share a CmdID: no Status could tell them apart.
      const error = new ProtocolError(`CmdID ${clash ?? command.cmdID} is used twice in message ${msgRef}`, StatusCode.BadRequest);
      staged.events.push({ type: 'protocol-error', error, msgRef, cmdRef: command.cmdID });
      if (!reader.silent) staged.responses.push(statusFor(msgRef, command, StatusCode.BadRequest));
      return;
    }
    this.ledger.owe(msgRef, whole, reader.silent);
    staged.events.push({ type: 'command', msgRef, command: whole });
  }

  /** Queues a Status for a received command at once (protocol-level answers), in request order. */
  answerNowFor(msgRef: string, command: SyncBodyCommand, code: number, silent: boolean, chal?: StatusInit['chal']): void {
    this.ledger.owe(msgRef, command, silent);
    this.payAll(msgRef, command, code, chal);
  }

  /** Queues a Status for `command` alone (not what it nests), in request order. */
  private answerOne(msgRef: string, command: SyncBodyCommand, code: number, silent: boolean): void {
    this.ledger.owe(msgRef, command, silent, false);
    this.ledger.pay(msgRef, command.cmdID, [statusFor(msgRef, command, code)]);
  }

  private payAll(msgRef: string, command: SyncBodyCommand, code: number, chal?: StatusInit['chal']): void {
    this.ledger.pay(msgRef, command.cmdID, [{ ...statusFor(msgRef, command, code), ...(chal ? { chal } : {}) } as SyncBodyCommandDraft]);
    for (const c of nestedCommands(command)) this.payAll(msgRef, c, code, chal);
  }

  // ------------------------------------------------------------------ answering

  /**
   * Answers a received command (or one nested in an Atomic or Sequence) with a status,
   * and for a Get with its results. Results with an item larger than the peer's
   * MaxObjSize are refused (LocalProtocolError 'object-too-large') and nothing is
   * queued: answer again, without them (e.g. with 413). Statuses go out in the order the
   * commands came, whatever order they are answered in. `statusItems` go in the Status
   * itself (10.2: the user's text input, the chosen items of a single or multiple choice).
   */
  answer(received: ReceivedCommand, code: number, results?: Omit<ResultsInit, 'msgRef' | 'cmdRef'>, statusItems?: readonly Item[]): void {
    if (!this.ledger.owes(received.msgRef, received.command.cmdID)) {
      throw new LocalProtocolError(`no Status is owed for MsgRef ${received.msgRef} CmdID ${received.command.cmdID}`, 'wrong-state');
    }
    const resultsDraft: SyncBodyCommandDraft | undefined = results && { kind: 'Results', ...results, msgRef: received.msgRef, cmdRef: received.command.cmdID };
    if (resultsDraft) this.out.checkObjectSizes(resultsDraft);
    // 9.1: a 401 or 407 carries a Chal; only a verifier knows what to challenge with.
    const demandsCredentials = code === StatusCode.InvalidCredentials || code === StatusCode.MissingCredentials;
    if (demandsCredentials && !this.config.verifier) {
      throw new LocalProtocolError(`a Status ${code} must carry a Chal (9.1), and this session has no verifier to challenge with`, 'wrong-state');
    }
    const chal = demandsCredentials ? this.config.verifier?.challenge() : undefined;
    const status = {
      ...statusFor(received.msgRef, received.command, code),
      ...(chal ? { chal } : {}),
      ...(statusItems && statusItems.length > 0 ? { items: [...statusItems] } : {}),
    } as SyncBodyCommandDraft;
    this.ledger.pay(received.msgRef, received.command.cmdID, resultsDraft ? [status, resultsDraft] : [status]);
    this.releaseAnswered();
  }

  /** Answers every received command still owed a Status with `code` (e.g. 200 for Package#1). */
  answerRemaining(code: number): void {
    for (const o of this.unanswered) this.answer(o, code);
  }

  /** Hands the answered prefix of the ledger (request order) to the outgoing package. */
  private releaseAnswered(): void {
    for (const d of this.ledger.release()) this.respond(d);
  }

  private respond(draft: SyncBodyCommandDraft, first = false): void {
    this.out.respond(draft, first);
  }

  // ------------------------------------------------------------------ sending

  /**
   * Queues a command of our package (server: management commands; client: e.g. a Generic
   * Alert). The draft is not copied: leave it unchanged once given.
   */
  send(draft: SyncBodyCommandDraft): this {
    transition(this.role, this.state, 'send');
    this.out.send(draft);
    return this;
  }

  /** The next message to send, or undefined when the session is over (session-state.ts decides which). */
  reply(): Outgoing | undefined {
    if (this.state === 'ended') return undefined;
    if (this.state === 'aborting') throw new LocalProtocolError('the abort has been sent; nothing more goes out', 'session-ended');
    this.checkAnswered();
    const row = transition(this.role, this.state, 'reply', this.facts());
    const sent = this.sendKind(row.send ?? 'none');
    this.state = row.endIfFinal && sent?.message.syncBody.final && !this.peerOwesPackage ? 'ended' : row.next;
    return sent;
  }

  /** Starts the session with `kind` (client: Package#1). */
  protected begin(kind: 'start'): Outgoing {
    const row = transition(this.role, this.state, kind, this.facts());
    const sent = this.sendKind(row.send ?? 'none');
    this.state = row.next;
    if (!sent) throw new Error('unreachable: a start row sends nothing');
    return sent;
  }

  private sendKind(kind: MessageKind): Outgoing | undefined {
    if (kind === 'none') return undefined;
    if (kind === 'abort') return this.abortMessage();
    const rule = MESSAGE_KINDS[kind];
    if (rule.dropCommands) this.out.dropCommands();
    if (kind === 'package-one') for (const d of this.packageOne()) this.out.send(d);
    return this.emit(rule);
  }

  private checkAnswered(): void {
    const first = this.ledger.unanswered[0];
    if (first) {
      throw new LocalProtocolError(`answer every received command first: <${first.command.kind}> CmdID ${first.command.cmdID} of message ${first.msgID} has no Status`, 'wrong-state');
    }
  }

  /**
   * Aborts the session (6.1.2): the next message carries Alert 1223 and Final, with the
   * Statuses owed so far (214 for commands not run) that fit beside them; anything
   * received afterwards is discarded.
   */
  abort(): Outgoing {
    const row = transition(this.role, this.state, 'abort');
    const sent = this.sendKind('abort');
    this.state = row.next;
    return sent!;
  }

  /** The abort message: Alert 1223 right after the Status for the header, then what fits of the rest, Final. */
  private abortMessage(): Outgoing {
    for (const o of this.ledger.unanswered) this.ledger.pay(o.msgID, o.command.cmdID, [statusFor(o.msgID, o.command, StatusCode.OperationCancelled)]);
    for (const d of this.ledger.release()) this.respond(d);
    // Every response still owed, also those a smaller message left for later.
    const responses = [...this.out.queuedResponses];
    const leading = responses[0]?.kind === 'Status' && responses[0].cmd === HEADER_CMD;
    const { header, hmacHeader } = this.header();
    const limits = { encoding: this.config.encoding, maxMsgSize: this.peerMaxMsgSize };
    // Fewer and fewer of the responses until the message ends with Final (rule 6).
    for (let n = responses.length; ; n--) {
      const pack = new OutgoingPackage(limits);
      responses.slice(0, n).forEach((d, i) => pack.respond(d, i === 0 && leading));
      try {
        const packed = pack.next(header, true, false, false, SESSION_ABORT);
        if (packed.final || n === 0) {
          this.out = pack;
          return this.sent({ message: packed.message, bytes: packed.bytes, ...(hmacHeader ? { hmacHeader } : {}) }, packed.final, header.msgID);
        }
        const placed = packed.message.syncBody.commands.length - 1;
        if (placed < n) n = placed + 1;
      } catch (e) {
        if (n === 0 || !(e instanceof LocalProtocolError) || e.problem !== 'message-too-small') {
          this.state = 'error';
          throw e;
        }
      }
    }
  }

  private header(): { header: HeaderInit & { msgID: string }; hmacHeader?: (body: Uint8Array) => string } {
    // A prover that gave up has nothing more to present (9.1): the last message goes bare.
    const prover = this.config.prover;
    const credentials = prover && prover.state !== 'failed' ? prover.outgoing() : {};
    const msgID = String(++this.lastMsgID);
    const header = {
      verProto: this.config.verProto ?? DEFAULT_VERPROTO,
      sessionID: this.config.sessionID,
      msgID,
      target: { locURI: this.config.remoteURI },
      source: { locURI: this.config.localURI },
      ...(this.config.respURI ? { respURI: this.config.respURI } : {}),
      ...(credentials.cred ? { cred: credentials.cred } : {}),
      // Our limits hold for the whole session once announced (8): the first message carries them.
      ...(this.lastMsgID === 1
        ? {
            meta: {
              maxMsgSize: String(this.config.maxMsgSize),
              ...(this.config.maxObjSize !== undefined ? { maxObjSize: String(this.config.maxObjSize) } : {}),
              emis: [],
            },
          }
        : {}),
    };
    return { header, ...(credentials.hmacHeader ? { hmacHeader: credentials.hmacHeader } : {}) };
  }

  /** Builds and records the next message as `rule` says. A failure leaves the session in `error`. */
  private emit(rule: MessageRule): Outgoing {
    try {
      const { header, hmacHeader } = this.header();
      const packed = this.out.next(header, rule.mayEnd, rule.commands, rule.packagePerMessage, rule.askForMore ? NEXT_MESSAGE : undefined);
      return this.sent(
        { message: packed.message, bytes: packed.bytes, ...(hmacHeader ? { hmacHeader } : {}), ...(packed.withheld.length > 0 ? { withheld: packed.withheld } : {}) },
        packed.final,
        header.msgID,
      );
    } catch (e) {
      this.state = 'error';
      throw e;
    }
  }

  private sent(outgoing: Outgoing, final: boolean, msgID: string): Outgoing {
    const commands = outgoing.message.syncBody.commands;
    this.ourPackageOpen = !final && commands.some((c) => !isResponse(c) && c.kind !== 'Alert');
    for (const c of commands) this.ledger.expect(msgID, c);
    this.lastReply = outgoing;
    return outgoing;
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * The whole session as plain data (JSON.stringify-able, no class instances): restore it
   * with `ServerSession.restore` / `ClientSession.restore` to continue exactly here.
   */
  snapshot(): EndpointSnapshot {
    const reply = this.lastReply;
    return {
      version: 1,
      role: this.role,
      state: this.state,
      lastMsgID: this.lastMsgID,
      lastReceivedMsgID: this.lastReceivedMsgID,
      ...(reply
        ? { lastReply: { message: reply.message, bytes: Buffer.from(reply.bytes).toString('base64'), ...(reply.hmacHeader ? { hmacHeader: reply.hmacHeader(reply.bytes) } : {}) } }
        : {}),
      peerMaxMsgSize: this.peerMaxMsgSize,
      ...(this.peerMaxObjSize !== undefined ? { peerMaxObjSize: this.peerMaxObjSize } : {}),
      ...(this.peerRespURI !== undefined ? { peerRespURI: this.peerRespURI } : {}),
      peerSentCommands: this.peerSentCommands,
      peerOwesPackage: this.peerOwesPackage,
      ourPackageOpen: this.ourPackageOpen,
      ledger: this.ledger.snapshot(),
      ...(this.packageOne().length > 0 ? { packageOne: this.packageOne() } : {}),
      outgoing: this.out.snapshot(),
      incoming: this.incoming.snapshot(),
      ...(this.config.verifier ? { verifier: this.config.verifier.snapshot() } : {}),
      ...(this.config.prover ? { prover: this.config.prover.snapshot() } : {}),
    };
  }

  /** Puts `s` back into this (freshly constructed) endpoint. */
  protected restoreFrom(s: EndpointSnapshot, parts: { out: OutgoingPackage; incoming: IncomingLargeObjects }): void {
    if (s.version !== 1 || s.role !== this.role) throw new LocalProtocolError(`not a ${this.role} session snapshot of version 1`, 'wrong-state');
    this.state = s.state;
    this.lastMsgID = s.lastMsgID;
    this.lastReceivedMsgID = s.lastReceivedMsgID;
    if (s.lastReply) {
      const value = s.lastReply.hmacHeader;
      this.lastReply = { message: s.lastReply.message, bytes: new Uint8Array(Buffer.from(s.lastReply.bytes, 'base64')), ...(value !== undefined ? { hmacHeader: () => value } : {}) };
    }
    this.peerMaxMsgSize = s.peerMaxMsgSize;
    this.peerMaxObjSize = s.peerMaxObjSize;
    this.peerRespURI = s.peerRespURI;
    this.peerSentCommands = s.peerSentCommands;
    this.peerOwesPackage = s.peerOwesPackage;
    this.ourPackageOpen = s.ourPackageOpen;
    this.ledger = StatusLedger.restore(s.ledger);
    this.out = parts.out;
    this.incoming = parts.incoming;
  }
}

/** Reading one message: where its protocol-level answers go (staged until the commit). */
class MessageReader {
  constructor(
    private readonly endpoint: SessionEndpoint,
    readonly msgRef: string,
    readonly staged: Staged,
    /** NoResp in its SyncHdr: no Status goes back. */
    readonly silent: boolean,
  ) {}

  answerNow(command: SyncBodyCommand, code: number, chal?: StatusInit['chal']): void {
    this.endpoint.answerNowFor(this.msgRef, command, code, this.silent, chal);
  }
}

/** How a received SessionID compares with ours (rule 1). */
function compareSessionIDs(received: string, ours: string): 'same' | 'slip' | 'different' {
  const a = received.trim();
  const b = ours.trim();
  if (a === b) return 'same';
  const hex = /^[0-9a-f]+$/i;
  if (!hex.test(a) || !hex.test(b)) return 'different';
  if (a.toUpperCase() === b.toUpperCase()) return 'same';
  return a.replace(/^0+(?=.)/, '').toUpperCase() === b.replace(/^0+(?=.)/, '').toUpperCase() ? 'slip' : 'different';
}

/** 505 / 513 for a VerDTD / VerProto we do not speak, else undefined. */
function versionProblem(verDTD: string, verProto: string): number | undefined {
  if (!isVerDTD(verDTD.trim())) return StatusCode.DtdVersionNotSupported;
  if (!isVerProto(verProto.trim())) return StatusCode.ProtocolVersionNotSupported;
  return undefined;
}

function objectLostAlert(target?: string, source?: string): SyncBodyCommandDraft {
  const item: Item = { ...(target ? { target: { locURI: target } } : {}), ...(source ? { source: { locURI: source } } : {}) };
  return { kind: 'Alert', data: String(AlertCode.NoEndOfData), items: target || source ? [item] : [] };
}

/** The CmdIDs of a command and of everything it nests. */
function cmdIDs(command: SyncBodyCommand): string[] {
  return [command.cmdID, ...nestedCommands(command).flatMap((c) => cmdIDs(c as SyncBodyCommand))];
}

/**
 * The Status answering `command` of message `msgRef`. It names the Item it answers by
 * TargetRef/SourceRef only for a one-item command: one Status for several items names none.
 */
export function statusFor(msgRef: string, command: SyncBodyCommand, code: number): SyncBodyCommandDraft {
  const items = itemsOf(command);
  const one = items.length === 1 ? items[0]! : undefined;
  const targetRefs = one?.target ? [one.target.locURI] : [];
  const sourceRefs = one?.source ? [one.source.locURI] : [];
  return { kind: 'Status', msgRef, cmdRef: command.cmdID, cmd: command.kind, targetRefs, sourceRefs, data: String(code), items: [] };
}

/** Is `c` Alert 1222 (next message)? */
function isNextMessageAlert(c: SyncBodyCommand): boolean {
  return c.kind === 'Alert' && Number((c.data ?? '').trim()) === AlertCode.NextMessage;
}

/** Is `c` Alert 1223 (session abort)? */
function isAbortAlert(c: SyncBodyCommand): boolean {
  return c.kind === 'Alert' && Number((c.data ?? '').trim()) === AlertCode.SessionAbort;
}
