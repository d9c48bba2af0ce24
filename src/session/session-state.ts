/**
 * The states of a DM session and every transition between them, for both roles, as
 * tables (after h11's `_state.py` and ./auth/authenticator.ts). All decisions about what
 * the next message is live here; endpoint.ts only carries them out.
 *
 * Rules:
 * 1. A session is in exactly one state. Each call on it (start, receive, reply, abort,
 *    send) is an event; a received message is one event too, named after what it says
 *    (`classify`). An event the role's table has no row for raises LocalProtocolError
 *    naming the role, the state and the event, and changes nothing.
 * 2. `reply` rows name the kind of message to send (MESSAGE_KINDS says what each may
 *    carry) and may depend on a guard over the session's facts (what is queued, what
 *    awaits a Status): the first row whose guard holds is taken.
 * 3. Section 7.2: while the peer's package is open (its message had no Final) we answer
 *    with a Next Message response (Statuses and Alert 1222, never Final, no new command),
 *    authenticated or not, unless our own package (a large object) is in progress. When
 *    the peer asks for our next message (1222, no Final) we go on with our package.
 * 4. Section 6.1.2: after our abort (1223 + Final) everything received is discarded and
 *    the session ends; after the peer's, the server answers the SyncHdr and the Alert and
 *    ends, the client ends without answering.
 * 5. Section 9: a client challenged (401/407 to its SyncHdr) sends Package#1 again from
 *    its first command (Alert 1200/1201) once the server's package is complete or the
 *    server asks for its next message; a server that refused commands for want of
 *    credentials does not end the session before the client sent them again. A side
 *    whose verifier gave up sends a last answer of Statuses (Final) and ends; one whose
 *    prover gave up sends nothing more.
 * 6. `error`: something failed half-way (our own message could not be built, or an
 *    unexpected fault inside receive); nothing more goes in or out.
 */
import { LocalProtocolError } from './errors.js';

export type Role = 'client' | 'server';

export type SessionState =
  /** Client: Package#1 not sent yet. */
  | 'idle'
  /** Our message is out; the peer's next one is due. */
  | 'waiting'
  /** Client: as `waiting`, but challenged: Package#1 goes again (rule 5). */
  | 'waiting-to-resend'
  /** The peer's package goes on (no Final, no 1222): answer with Next Message (rule 3). */
  | 'peer-sending'
  /** The peer asked for our next message (1222 without Final). */
  | 'peer-asks'
  /** The peer's package is complete (Final). */
  | 'answering'
  /** Client: challenged while the server's package goes on. */
  | 'challenged-sending'
  /** Client: challenged; Package#1 goes again now. */
  | 'resend-due'
  /** The message failed our verifier (not for good): only Statuses (9.1). */
  | 'unauthenticated'
  /** Server: as `unauthenticated`, and the client's package is still open. */
  | 'unauthenticated-sending'
  /** The peer sent Alert 1223. */
  | 'peer-aborted'
  /** Our verifier gave up on the peer's credentials: a last answer of Statuses, then the end. */
  | 'auth-failed'
  /** Our prover gave up (the peer refused our credentials for good): nothing more is sent. */
  | 'refused'
  /** We sent 1223: whatever comes is discarded. */
  | 'aborting'
  | 'ended'
  | 'error';

/** What a received message says, for the table (see `classify`). */
export type MessageEvent =
  /** Alert 1223. */
  | 'abort'
  /** Our verifier gave up. */
  | 'auth-failed'
  /** Our prover gave up. */
  | 'credentials-refused'
  /** Our SyncHdr got 401/407 (client), in a message without Final / with Final or 1222. */
  | 'challenged-part'
  | 'challenged-end'
  /** The message failed our verifier (not for good), without Final / with Final. */
  | 'unauthenticated-part'
  | 'unauthenticated-end'
  /** No Final, no 1222: more of the peer's package comes. */
  | 'part'
  /** 1222 without Final: the peer waits for our next message. */
  | 'ask'
  /** Final: the peer's package is complete. */
  | 'end';

export type SessionEvent = 'start' | 'receive' | 'reply' | 'abort' | 'send' | MessageEvent;

/**
 * The kinds of message a session sends:
 * - package-one   Package#1 (client): from its first command, stale chunks dropped
 * - package       our package goes on (responses first, then commands; Final when empty)
 * - management    a server package: one per message (7.1), Final on each where possible
 * - next-message  Statuses and Alert 1222, no command, never Final (7.2)
 * - responses     only Statuses/Results, Final once they are all out
 * - closing       only Statuses/Results, queued commands dropped, Final; then the end
 * - abort         the owed Statuses that fit, Alert 1223, Final (6.1.2)
 * - none          nothing is sent
 */
export type MessageKind = 'package-one' | 'package' | 'management' | 'next-message' | 'responses' | 'closing' | 'abort' | 'none';

export interface MessageRule {
  /** Final may be set (when what the message must carry is all out). */
  readonly mayEnd: boolean;
  /** New commands of our package may go. */
  readonly commands: boolean;
  /** A server package ends with each message (7.1). */
  readonly packagePerMessage: boolean;
  /** Alert 1222 goes right after the Status for the peer's SyncHdr. */
  readonly askForMore: boolean;
  /** Queued commands (and an object in progress) are dropped first. */
  readonly dropCommands: boolean;
}

export const MESSAGE_KINDS: { readonly [K in Exclude<MessageKind, 'none' | 'abort'>]: MessageRule } = {
  'package-one': { mayEnd: true, commands: true, packagePerMessage: false, askForMore: false, dropCommands: true },
  package: { mayEnd: true, commands: true, packagePerMessage: false, askForMore: false, dropCommands: false },
  management: { mayEnd: true, commands: true, packagePerMessage: true, askForMore: false, dropCommands: false },
  'next-message': { mayEnd: false, commands: false, packagePerMessage: false, askForMore: true, dropCommands: false },
  responses: { mayEnd: true, commands: false, packagePerMessage: false, askForMore: false, dropCommands: false },
  closing: { mayEnd: true, commands: false, packagePerMessage: false, askForMore: false, dropCommands: true },
};

/** What guards read: facts about the session at the time of the event. */
export interface SessionFacts {
  /** Commands of ours are queued or partly sent. */
  readonly pendingCommands: boolean;
  /** Our last message left a package of ours open (a large object in progress). */
  readonly ourPackageOpen: boolean;
  /** Commands we sent still await their Status. */
  readonly awaitingStatus: number;
  /** The peer's last message held commands (beyond Statuses, Results and 1222). */
  readonly peerSentCommands: boolean;
  /** Server: the client still has to send again commands refused for want of credentials. */
  readonly peerOwesPackage: boolean;
  /** Client: we can present credentials (a prover and a Package#1 to resend). */
  readonly canProve: boolean;
}

export type Guard =
  /** Client: the server's package held nothing to answer and we have nothing to send. */
  | 'nothing-to-say'
  /** Server: new commands may go (7.1): queued, and either our package is open or every Status is in. */
  | 'may-manage'
  /** Our package (a large object) is in progress. */
  | 'own-package-open'
  /** Client: no credentials to present. */
  | 'cannot-prove';

export const GUARDS: { readonly [G in Guard]: (f: SessionFacts) => boolean } = {
  'nothing-to-say': (f) => !f.peerSentCommands && !f.pendingCommands && !f.ourPackageOpen,
  'may-manage': (f) => f.pendingCommands && (f.ourPackageOpen || f.awaitingStatus === 0),
  'own-package-open': (f) => f.ourPackageOpen,
  'cannot-prove': (f) => !f.canProve,
};

export interface Transition {
  readonly next: SessionState;
  /** `reply`: the message to send. */
  readonly send?: MessageKind;
  readonly when?: Guard;
  /** `reply` with `responses`: the session ends if the message carried Final, unless the peer owes a package. */
  readonly endIfFinal?: true;
  /** `receive`: the message is discarded, not read. */
  readonly discard?: true;
}

type Rows = { readonly [E in SessionEvent]?: Transition | readonly Transition[] };
export type StateTable = { readonly [S in SessionState]?: Rows };

/** Events that a live session takes in any state where it waits for the peer. */
const receiving: Rows = { receive: { next: 'waiting' }, send: { next: 'waiting' }, abort: { next: 'aborting', send: 'abort' } };
/** Our turn to answer: the application may still queue commands, or abort. */
const answeringRows = (reply: Transition | readonly Transition[]): Rows => ({ reply, send: { next: 'waiting' }, abort: { next: 'aborting', send: 'abort' } });
/** After a message: where it leads, whatever state received it (the peer's message decides). */
const afterMessage = {
  abort: { next: 'peer-aborted' },
  'auth-failed': { next: 'auth-failed' },
  'credentials-refused': { next: 'refused' },
  part: { next: 'peer-sending' },
  ask: { next: 'peer-asks' },
  end: { next: 'answering' },
} as const;

function withSelf(rows: Rows, self: SessionState): Rows {
  // `send` leaves the state as it is; the rows above name `waiting` as a placeholder.
  const out: Record<string, Transition | readonly Transition[]> = {};
  for (const [event, row] of Object.entries(rows)) {
    out[event] = event === 'send' || event === 'receive' ? { ...(row as Transition), next: self } : row!;
  }
  return out as Rows;
}

export const CLIENT_TABLE: StateTable = {
  idle: { start: { next: 'waiting', send: 'package-one' }, send: { next: 'idle' } },
  waiting: withSelf({ ...receiving, ...afterMessage, 'challenged-part': { next: 'challenged-sending' }, 'challenged-end': { next: 'resend-due' }, 'unauthenticated-part': { next: 'peer-sending' }, 'unauthenticated-end': { next: 'unauthenticated' } }, 'waiting'),
  // 9.1: the server failed our verifier: only Statuses; what we queued waits.
  unauthenticated: withSelf(answeringRows([{ when: 'nothing-to-say', next: 'ended', send: 'none' }, { next: 'waiting', send: 'responses' }]), 'unauthenticated'),
  'waiting-to-resend': withSelf(
    {
      ...receiving,
      ...afterMessage,
      part: { next: 'challenged-sending' },
      ask: { next: 'resend-due' },
      end: { next: 'resend-due' },
      'challenged-part': { next: 'challenged-sending' },
      'challenged-end': { next: 'resend-due' },
      'unauthenticated-part': { next: 'challenged-sending' },
      'unauthenticated-end': { next: 'resend-due' },
    },
    'waiting-to-resend',
  ),
  'peer-sending': withSelf(answeringRows({ next: 'waiting', send: 'next-message' }), 'peer-sending'),
  'peer-asks': withSelf(answeringRows({ next: 'waiting', send: 'package' }), 'peer-asks'),
  answering: withSelf(answeringRows([{ when: 'nothing-to-say', next: 'ended', send: 'none' }, { next: 'waiting', send: 'package' }]), 'answering'),
  'challenged-sending': withSelf(answeringRows([{ when: 'cannot-prove', next: 'ended', send: 'none' }, { next: 'waiting-to-resend', send: 'next-message' }]), 'challenged-sending'),
  'resend-due': withSelf(answeringRows([{ when: 'cannot-prove', next: 'ended', send: 'none' }, { next: 'waiting', send: 'package-one' }]), 'resend-due'),
  // A command queued after the end was announced is dropped with the rest.
  'peer-aborted': { reply: { next: 'ended', send: 'none' }, send: { next: 'peer-aborted' } },
  'auth-failed': { reply: { next: 'ended', send: 'closing' }, send: { next: 'auth-failed' } },
  refused: { reply: { next: 'ended', send: 'none' }, send: { next: 'refused' } },
  aborting: { receive: { next: 'ended', discard: true } },
};

export const SERVER_TABLE: StateTable = {
  waiting: withSelf({ ...receiving, ...afterMessage, 'unauthenticated-part': { next: 'unauthenticated-sending' }, 'unauthenticated-end': { next: 'unauthenticated' } }, 'waiting'),
  'peer-sending': withSelf(answeringRows([{ when: 'own-package-open', next: 'waiting', send: 'management' }, { next: 'waiting', send: 'next-message' }]), 'peer-sending'),
  'peer-asks': withSelf(answeringRows([{ when: 'may-manage', next: 'waiting', send: 'management' }, { next: 'waiting', send: 'responses', endIfFinal: true }]), 'peer-asks'),
  answering: withSelf(answeringRows([{ when: 'may-manage', next: 'waiting', send: 'management' }, { next: 'waiting', send: 'responses', endIfFinal: true }]), 'answering'),
  unauthenticated: withSelf(answeringRows({ next: 'waiting', send: 'responses' }), 'unauthenticated'),
  'unauthenticated-sending': withSelf(answeringRows({ next: 'waiting', send: 'next-message' }), 'unauthenticated-sending'),
  'peer-aborted': { reply: { next: 'ended', send: 'closing' }, send: { next: 'peer-aborted' } },
  'auth-failed': { reply: { next: 'ended', send: 'closing' }, send: { next: 'auth-failed' } },
  refused: { reply: { next: 'ended', send: 'none' }, send: { next: 'refused' } },
  aborting: { receive: { next: 'ended', discard: true } },
};

export const TABLES: { readonly [R in Role]: StateTable } = { client: CLIENT_TABLE, server: SERVER_TABLE };

/** The row for `event` in `state` (rule 1), its guard checked against `facts` (rule 2). */
export function transition(role: Role, state: SessionState, event: SessionEvent, facts?: SessionFacts): Transition {
  const rows = TABLES[role][state]?.[event];
  if (rows !== undefined) {
    const list: readonly Transition[] = Array.isArray(rows) ? rows : [rows as Transition];
    for (const row of list) if (row.when === undefined || (facts !== undefined && GUARDS[row.when](facts))) return row;
  }
  const ended = state === 'ended' || state === 'aborting' || state === 'error';
  throw new LocalProtocolError(`${role} session in state '${state}' has no transition for '${event}'`, ended ? 'session-ended' : 'wrong-state');
}

/** What a received message carries that decides its event. */
export interface MessageFacts {
  readonly aborted: boolean;
  readonly authFailed: boolean;
  /** Our prover gave up. */
  readonly proverGaveUp?: boolean;
  /** Our SyncHdr got 401/407 and our prover tries again. */
  readonly challenged: boolean;
  /** The message passed our verifier (or none is required). */
  readonly authenticated: boolean;
  readonly final: boolean;
  /** It holds Alert 1222. */
  readonly asksForMore: boolean;
}

/**
 * The event a received message is (rule 1); the first that applies wins. A challenge
 * concerns the client (the server's prover, if any, answers it in its next header).
 */
export function classify(m: MessageFacts, role: Role): MessageEvent {
  if (m.aborted) return 'abort';
  if (m.authFailed) return 'auth-failed';
  if (m.proverGaveUp) return 'credentials-refused';
  const done = m.final || m.asksForMore;
  if (m.challenged && role === 'client') return done ? 'challenged-end' : 'challenged-part';
  if (!m.authenticated) return done ? 'unauthenticated-end' : 'unauthenticated-part';
  if (m.final) return 'end';
  return m.asksForMore ? 'ask' : 'part';
}
