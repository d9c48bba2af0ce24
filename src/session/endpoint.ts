/**
 * What the client and the server session share: one side of a DM session, sans I/O.
 * It takes decoded messages and returns messages to send; it never touches a socket
 * or a clock, so every rule below can be explored by property tests.
 *
 * Rules kept here, for both sides (sections 6, 7, 8, 9 of the DM protocol):
 * 1. Headers: the SessionID never changes; our MsgIDs count up from 1; a message whose
 *    MsgID we already answered is a duplicate (the transport resends our last reply), an
 *    older one is refused. The peer's MaxMsgSize/MaxObjSize in its header bind what we send.
 * 2. Status bookkeeping: every received command that needs one gets exactly one Status,
 *    with MsgRef/CmdRef naming it, in our next message(s): the SyncHdr always, commands
 *    unless NoResp; Status and Results never get one. Every Status we receive is matched
 *    to the command we sent.
 * 3. Responses (statuses, results) go before new commands; when the peer's package is
 *    not complete and we have nothing else to say, we ask for its next message (1222).
 * 4. Large objects in and out follow section 8 (see packing.ts and large-object.ts).
 * 5. Abort (6.1): the aborting side sends 1223 with Final (and the statuses it owes),
 *    then discards whatever comes back; the side receiving it stops.
 * 6. Authentication (9): the verifier judges the peer's SyncHdr Cred; until it accepts,
 *    our answer holds only Statuses and the peer's commands do not reach the application.
 *    The prover adds our Cred and reads the Status of our SyncHdr.
 */
import type { HeaderInit, SyncBodyCommandDraft, StatusInit, ResultsInit } from '../../generated/builders.js';
import { AlertCode, StatusCode, DEFAULT_VERPROTO } from '../../generated/codes.js';
import type { ElementName, Item, Meta, Status, SyncBodyCommand, SyncML, Results } from '../../generated/types.js';
import { AuthFailedError, isAuthFailedError } from './auth/errors.js';
import type { AuthProver, AuthVerifier } from './auth/authenticator.js';
import { LocalProtocolError, ProtocolError } from './errors.js';
import { IncomingLargeObjects } from './large-object.js';
import type { Encoding } from './message-size.js';
import { OutgoingPackage } from './packing.js';

/** Alert 1222: asks the peer for its next message. */
const NEXT_MESSAGE: SyncBodyCommandDraft = { kind: 'Alert', data: String(AlertCode.NextMessage), items: [] };

/** The Cmd of the Status that answers a header. */
export const HEADER_CMD = 'SyncHdr' satisfies ElementName;

export interface EndpointConfig {
  readonly encoding: Encoding;
  /** Our URI (Source LocURI of what we send). */
  readonly localURI: string;
  /** The peer's URI (Target LocURI of what we send). */
  readonly remoteURI: string;
  readonly sessionID: string;
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
  /** Authentication of the peer failed for good: the session ends. */
  | { readonly type: 'auth-failed'; readonly status: number };

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
}

interface Sent {
  readonly msgID: string;
  readonly command: SyncBodyCommand;
}

export type Phase = 'open' | 'aborting' | 'ended';

export abstract class SessionEndpoint {
  protected readonly config: EndpointConfig;
  protected readonly out: OutgoingPackage;
  protected readonly incoming: IncomingLargeObjects;
  protected phase: Phase = 'open';
  private lastMsgID = 0;
  private lastReceivedMsgID = 0;
  private lastReply: Outgoing | undefined;
  /** Commands we sent that await a Status, by `msgID:cmdID`. */
  private readonly awaiting = new Map<string, Sent>();
  /** Received commands (and nested ones) that still need our Status, by `msgRef:cmdID`. */
  private readonly owed = new Map<string, { msgRef: string; command: SyncBodyCommand }>();
  /** The peer's last message was a challenge to our header (we must resend). */
  protected challenged = false;
  private peerMaxMsgSize: number;
  private peerMaxObjSize: number | undefined;

  constructor(config: EndpointConfig) {
    this.config = config;
    this.peerMaxMsgSize = config.peerMaxMsgSize ?? 64 * 1024;
    this.out = new OutgoingPackage({ encoding: config.encoding, maxMsgSize: this.peerMaxMsgSize });
    this.incoming = new IncomingLargeObjects(config.maxObjSize);
  }

  get ended(): boolean {
    return this.phase === 'ended';
  }

  /**
   * Where our next message must go: the RespURI of the peer's last header that had one
   * (section 9.1: the next message is sent to the RespURI), else undefined (the peer's URI).
   */
  get sendTo(): string | undefined {
    return this.peerRespURI;
  }

  private peerRespURI: string | undefined;

  /** Commands we sent whose Status has not arrived. */
  get awaitingStatus(): number {
    return this.awaiting.size;
  }

  /** Received commands we have not answered yet. */
  get unanswered(): ReceivedCommand[] {
    return [...this.owed.values()].map((o) => ({ msgRef: o.msgRef, command: o.command }));
  }

  // ------------------------------------------------------------------ receiving

  /**
   * Reads a message from the peer. Returns what the application must know; the reply
   * is built by `reply()` once the application has answered the commands.
   * Returns `duplicate: true` when the message was already answered: resend `lastSent`.
   */
  receive(message: SyncML, transport: { hmacHeader?: string; body?: Uint8Array } = {}): { events: SessionEvent[]; duplicate: boolean } {
    // A repeat of the message we answered last (our answer got lost): answer it again,
    // even after the session ended.
    if (message.syncHdr.sessionID === this.config.sessionID && message.syncHdr.msgID.trim() === String(this.lastReceivedMsgID) && this.lastReply) {
      return { events: [], duplicate: true };
    }
    if (this.phase === 'ended') throw new LocalProtocolError('the session has ended', 'session-ended');
    if (this.phase === 'aborting') {
      // DM-PRO-Abort-*-005: the sender of an abort discards any response.
      this.phase = 'ended';
      return { events: [], duplicate: false };
    }
    const hdr = message.syncHdr;
    if (hdr.sessionID !== this.config.sessionID) {
      throw new ProtocolError(`SessionID ${JSON.stringify(hdr.sessionID)} is not this session's ${JSON.stringify(this.config.sessionID)}`, StatusCode.BadRequest);
    }
    const msgID = Number(hdr.msgID.trim());
    if (!Number.isSafeInteger(msgID) || msgID < 1) throw new ProtocolError(`MsgID ${JSON.stringify(hdr.msgID)} is not a positive number`, StatusCode.BadRequest);
    if (msgID === this.lastReceivedMsgID) return { events: [], duplicate: true };
    if (msgID < this.lastReceivedMsgID) {
      throw new ProtocolError(`MsgID ${msgID} comes after ${this.lastReceivedMsgID}: an old message`, StatusCode.BadRequest);
    }
    this.lastReceivedMsgID = msgID;
    if (hdr.respURI !== undefined && hdr.respURI.trim() !== '') this.peerRespURI = hdr.respURI.trim();
    this.readLimits(hdr.meta);
    const msgRef = hdr.msgID;
    const events: SessionEvent[] = [];

    // The Status for the peer's SyncHdr (always owed), with our judgement of its credentials.
    let authenticated = true;
    let headerStatus: number = StatusCode.Ok;
    let chal: StatusInit['chal'];
    if (this.config.verifier) {
      try {
        const verdict = this.config.verifier.receive({
          ...(hdr.cred ? { cred: hdr.cred } : {}),
          ...(hdr.source.locName ? { username: hdr.source.locName } : {}),
          ...(transport.hmacHeader !== undefined ? { hmacHeader: transport.hmacHeader } : {}),
          ...(transport.body ? { body: transport.body } : {}),
        });
        headerStatus = verdict.status;
        chal = verdict.chal;
        authenticated = verdict.authenticated;
      } catch (e) {
        if (!isAuthFailedError(e)) throw e;
        headerStatus = (e as AuthFailedError).status;
        authenticated = false;
        events.push({ type: 'auth-failed', status: headerStatus });
      }
    }
    // TargetRef/SourceRef are optional for the SyncHdr: left out, they leave room in small
    // messages. It goes before every other response.
    this.out.respond({
      kind: 'Status',
      msgRef,
      cmdRef: '0',
      cmd: HEADER_CMD,
      targetRefs: [],
      sourceRefs: [],
      ...(chal ? { chal } : {}),
      data: String(headerStatus),
      items: [],
    }, true);

    for (const command of message.syncBody.commands) {
      if (command.kind === 'Status') {
        this.readStatus(command, events);
        continue;
      }
      if (command.kind === 'Results') {
        this.readResults(command, events);
        continue;
      }
      if (!authenticated) {
        // 9.1: only Statuses in answer, one for every command; nothing runs.
        this.answerNow(msgRef, command, headerStatus);
        continue;
      }
      if (command.kind === 'Alert' && this.readProtocolAlert(msgRef, command, events)) continue;
      this.readCommand(msgRef, command, events);
    }
    if (message.syncBody.final) {
      if (!this.ourPackageOpen) {
        // Its package answers ours: whatever has no Status now never will.
        for (const sent of this.awaiting.values()) events.push({ type: 'status-missing', command: sent.command, msgID: sent.msgID });
        this.awaiting.clear();
      }
      const lost = this.incoming.discard();
      if (lost) {
        this.out.respond(this.objectLostAlert(lost.target, lost.source));
        events.push({ type: 'object-lost', byPeer: false, ...lost });
      }
      events.push({ type: 'package-complete' });
    }
    this.authFailed = events.some((e) => e.type === 'auth-failed');
    this.lastAuthenticated = authenticated;
    this.peerAsksForMore = !message.syncBody.final && message.syncBody.commands.some(isNextMessageAlert);
    this.peerHasMore = !message.syncBody.final && !this.peerAsksForMore;
    this.peerSentCommands = message.syncBody.commands.some((c) => c.kind !== 'Status' && c.kind !== 'Results' && !isNextMessageAlert(c));
    return { events, duplicate: false };
  }

  /** Authentication of the peer failed for good in the last message: answer, then end. */
  protected authFailed = false;
  /** The peer's last message passed authentication (or none is required). */
  protected lastAuthenticated = true;
  /** The peer's last message asked for our next message (1222, no Final). */
  protected peerAsksForMore = false;
  /** The peer's last message left its package open: more of it is coming. */
  protected peerHasMore = false;
  /** The peer's last message held commands (beyond statuses, results and 1222). */
  protected peerSentCommands = false;

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

  private readStatus(status: Status, events: SessionEvent[]): void {
    if (status.cmdRef.trim() === '0' && status.cmd === HEADER_CMD) {
      this.challenged = false;
      if (this.config.prover) {
        const code = Number(status.data.trim());
        this.config.prover.receiveStatus(status);
        if (code === StatusCode.InvalidCredentials || code === StatusCode.MissingCredentials) this.challenged = true;
      }
      return;
    }
    const key = `${status.msgRef.trim()}:${status.cmdRef.trim()}`;
    const sent = this.awaiting.get(key);
    if (!sent) {
      events.push({
        type: 'protocol-error',
        error: new ProtocolError(`Status for MsgRef ${status.msgRef} CmdRef ${status.cmdRef}, which we did not send or already have a Status for`),
        msgRef: status.msgRef,
        cmdRef: status.cmdRef,
      });
      return;
    }
    this.awaiting.delete(key);
    events.push({ type: 'status', status, command: sent.command });
  }

  private readResults(results: Results, events: SessionEvent[]): void {
    const msgRef = (results.msgRef ?? '').trim();
    const sent = this.awaitingByRef(msgRef, results.cmdRef.trim());
    const r = this.incoming.accept(results);
    if (r.kind === 'buffered') return; // Results get no Status, not even 213
    events.push({ type: 'results', results: r.command as Results, command: sent?.command });
  }

  private awaitingByRef(msgRef: string, cmdRef: string): Sent | undefined {
    if (msgRef) return this.awaiting.get(`${msgRef}:${cmdRef}`) ?? this.sentGets.get(`${msgRef}:${cmdRef}`);
    for (const sent of [...this.awaiting.values(), ...this.sentGets.values()]) if (sent.command.cmdID === cmdRef) return sent;
    return undefined;
  }

  /** Gets we sent, kept (after their Status too) to match the Results that answer them. */
  private readonly sentGets = new Map<string, Sent>();

  /** Protocol alerts handled here: 1222 (next message), 1223 (abort), 1225 (object lost). */
  private readProtocolAlert(msgRef: string, alert: Extract<SyncBodyCommand, { kind: 'Alert' }>, events: SessionEvent[]): boolean {
    const code = Number((alert.data ?? '').trim());
    if (code === AlertCode.NextMessage) {
      this.answerNow(msgRef, alert, StatusCode.Ok);
      return true;
    }
    if (code === AlertCode.SessionAbort) {
      this.answerNow(msgRef, alert, StatusCode.Ok);
      this.peerAborted = true;
      events.push({ type: 'aborted' });
      return true;
    }
    if (code === AlertCode.NoEndOfData) {
      this.answerNow(msgRef, alert, StatusCode.Ok);
      const item = alert.items[0];
      events.push({
        type: 'object-lost',
        byPeer: true,
        ...(item?.target ? { target: item.target.locURI } : {}),
        ...(item?.source ? { source: item.source.locURI } : {}),
      });
      return true;
    }
    return false;
  }

  /** The peer aborted the session (Alert 1223). */
  protected peerAborted = false;

  private readCommand(msgRef: string, command: SyncBodyCommand, events: SessionEvent[]): void {
    let result;
    try {
      result = this.incoming.accept(command);
    } catch (e) {
      if (!(e instanceof ProtocolError) || e.status === undefined) throw e;
      this.answerNow(msgRef, command, e.status);
      events.push({ type: 'protocol-error', error: e, msgRef, cmdRef: command.cmdID });
      return;
    }
    if (result.interrupted) {
      const { target, source } = result.interrupted;
      this.out.respond(this.objectLostAlert(target, source));
      events.push({ type: 'object-lost', byPeer: false, ...(target ? { target } : {}), ...(source ? { source } : {}) });
    }
    if (result.kind === 'buffered') {
      this.answerNow(msgRef, command, result.status);
      return;
    }
    // The whole command (its CmdID is that of the last chunk, which is what the Status names).
    const whole = { ...result.command, cmdID: command.cmdID } as SyncBodyCommand;
    const clash = this.cmdIDs(whole).find((id) => this.owed.has(`${msgRef}:${id}`));
    if (clash !== undefined || new Set(this.cmdIDs(whole)).size !== this.cmdIDs(whole).length) {
      // Two commands of one message share a CmdID: no Status could tell them apart.
      const error = new ProtocolError(`CmdID ${clash ?? command.cmdID} is used twice in message ${msgRef}`, StatusCode.BadRequest);
      events.push({ type: 'protocol-error', error, msgRef, cmdRef: command.cmdID });
      this.out.respond(statusFor(msgRef, command, StatusCode.BadRequest));
      return;
    }
    this.owe(msgRef, whole);
    events.push({ type: 'command', msgRef, command: whole });
  }

  private objectLostAlert(target?: string, source?: string): SyncBodyCommandDraft {
    const item: Item = { ...(target ? { target: { locURI: target } } : {}), ...(source ? { source: { locURI: source } } : {}) };
    return { kind: 'Alert', data: String(AlertCode.NoEndOfData), items: target || source ? [item] : [] };
  }

  /** The CmdIDs of a command and of everything it nests. */
  private cmdIDs(command: SyncBodyCommand): string[] {
    const nested = (command as { commands?: SyncBodyCommand[] }).commands ?? [];
    return [command.cmdID, ...nested.flatMap((c) => this.cmdIDs(c))];
  }

  /** Records the Statuses a received command (and what it nests) needs. */
  private owe(msgRef: string, command: SyncBodyCommand): void {
    if (!(command as { noResp?: boolean }).noResp) this.owed.set(`${msgRef}:${command.cmdID}`, { msgRef, command });
    const nested = (command as { commands?: SyncBodyCommand[] }).commands;
    if (nested) for (const c of nested) this.owe(msgRef, c);
  }

  /** Queues a Status for a received command at once (protocol-level answers). */
  private answerNow(msgRef: string, command: SyncBodyCommand, code: number): void {
    if ((command as { noResp?: boolean }).noResp) return;
    this.out.respond(statusFor(msgRef, command, code));
    const nested = (command as { commands?: SyncBodyCommand[] }).commands;
    if (nested) for (const c of nested) this.answerNow(msgRef, c, code);
  }

  // ------------------------------------------------------------------ answering

  /**
   * Answers a received command (or one nested in an Atomic or Sequence) with a status,
   * and for a Get with its results. Results with an item larger than the peer's
   * MaxObjSize are refused (LocalProtocolError 'object-too-large') and nothing is
   * queued: answer again, without them (e.g. with 413).
   */
  answer(received: ReceivedCommand, code: number, results?: Omit<ResultsInit, 'msgRef' | 'cmdRef'>): void {
    const key = `${received.msgRef}:${received.command.cmdID}`;
    if (!this.owed.has(key)) {
      throw new LocalProtocolError(`no Status is owed for MsgRef ${received.msgRef} CmdID ${received.command.cmdID}`, 'wrong-state');
    }
    const resultsDraft: SyncBodyCommandDraft | undefined = results && { kind: 'Results', ...results, msgRef: received.msgRef, cmdRef: received.command.cmdID };
    if (resultsDraft) this.out.checkObjectSizes(resultsDraft);
    this.owed.delete(key);
    this.out.respond(statusFor(received.msgRef, received.command, code));
    if (resultsDraft) this.out.respond(resultsDraft);
  }

  /** Answers every received command still owed a Status with `code` (e.g. 200 for Package#1). */
  answerRemaining(code: number): void {
    for (const o of [...this.owed.values()]) this.answer(o, code);
  }

  // ------------------------------------------------------------------ sending

  /**
   * Queues a command of our package (server: management commands; client: e.g. a Generic
   * Alert). The draft is not copied: leave it unchanged once given.
   */
  send(draft: SyncBodyCommandDraft): this {
    if (this.phase !== 'open') throw new LocalProtocolError(`cannot send commands: the session is ${this.phase}`, 'session-ended');
    this.out.send(draft);
    return this;
  }

  /** Whether a reply may still be built: false once ended; an error after our own abort. */
  protected mayReply(): boolean {
    if (this.phase === 'ended') return false;
    if (this.phase === 'aborting') throw new LocalProtocolError('the abort has been sent; nothing more goes out', 'session-ended');
    return true;
  }

  /**
   * Aborts the session (6.1): the next message carries the Statuses we owe so far, Alert
   * 1223 and Final; anything received afterwards is discarded.
   */
  abort(): Outgoing {
    if (this.phase === 'ended') throw new LocalProtocolError('the session has ended', 'session-ended');
    // Owed statuses we cannot give now: the commands were not run.
    for (const o of this.owed.values()) this.out.respond(statusFor(o.msgRef, o.command, StatusCode.OperationCancelled));
    this.owed.clear();
    this.out.dropCommands();
    this.out.respond({ kind: 'Alert', data: String(AlertCode.SessionAbort), items: [] });
    const sent = this.emit(true);
    this.phase = 'aborting';
    return sent;
  }

  /** The last message produced (for resending a duplicate's answer). */
  get lastSent(): Outgoing | undefined {
    return this.lastReply;
  }

  /**
   * Builds and records the next message: responses first, then (with `withCommands`)
   * commands of our package; Final when `mayEnd` and nothing is left.
   */
  protected emit(mayEnd: boolean, withCommands = true, packagePerMessage = false, askForMore = false): Outgoing {
    if (this.owed.size > 0) {
      const first = [...this.owed.values()][0]!;
      throw new LocalProtocolError(`answer every received command first: <${first.command.kind}> CmdID ${first.command.cmdID} of message ${first.msgRef} has no Status`, 'wrong-state');
    }
    const credentials = this.config.prover?.outgoing() ?? {};
    const header: HeaderInit = {
      ...(this.config.verProto ? { verProto: this.config.verProto } : { verProto: DEFAULT_VERPROTO }),
      sessionID: this.config.sessionID,
      msgID: String(++this.lastMsgID),
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
    const packed = this.out.next(header, mayEnd, withCommands, packagePerMessage, askForMore ? NEXT_MESSAGE : undefined);
    this.ourPackageOpen = !packed.final && packed.message.syncBody.commands.some((c) => c.kind !== 'Status' && c.kind !== 'Results' && c.kind !== 'Alert');
    for (const c of packed.message.syncBody.commands) this.expectStatus(header.msgID, c);
    const outgoing: Outgoing = { message: packed.message, bytes: packed.bytes, ...(credentials.hmacHeader ? { hmacHeader: credentials.hmacHeader } : {}) };
    this.lastReply = outgoing;
    return outgoing;
  }

  /** Records what needs a Status from the peer among what we send. */
  private expectStatus(msgID: string, command: SyncBodyCommand): void {
    if (command.kind === 'Status' || command.kind === 'Results') return;
    if (command.kind === 'Get') this.sentGets.set(`${msgID}:${command.cmdID}`, { msgID, command });
    if (!(command as { noResp?: boolean }).noResp) this.awaiting.set(`${msgID}:${command.cmdID}`, { msgID, command });
    const nested = (command as { commands?: SyncBodyCommand[] }).commands;
    if (nested) for (const c of nested) this.expectStatus(msgID, c);
  }

  /** We sent part of a package that has more to come (e.g. a large object). */
  protected ourPackageOpen = false;


}

/** The Status answering `command` of message `msgRef`. */
export function statusFor(msgRef: string, command: SyncBodyCommand, code: number): SyncBodyCommandDraft {
  const items = (command as { items?: Item[] }).items ?? [];
  const targetRefs = items.flatMap((i) => (i.target ? [i.target.locURI] : []));
  const sourceRefs = items.flatMap((i) => (i.source ? [i.source.locURI] : []));
  return { kind: 'Status', msgRef, cmdRef: command.cmdID, cmd: command.kind, targetRefs, sourceRefs, data: String(code), items: [] };
}

/** Is `c` Alert 1222 (next message)? */
function isNextMessageAlert(c: SyncBodyCommand): boolean {
  return c.kind === 'Alert' && Number((c.data ?? '').trim()) === AlertCode.NextMessage;
}
