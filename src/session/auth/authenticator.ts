/**
 * Authentication state machines, one per session and direction:
 *   AuthVerifier  the peer authenticates to us: judges the Cred (or x-syncml-hmac header)
 *                 of each message received and says what the Status to its SyncHdr answers.
 *   AuthProver    we authenticate to the peer: says what to attach to each message we
 *                 send, and reads the Status the peer returns for our SyncHdr.
 *
 * Rules
 * 1. All authentication state logic lives in this file, in the tables below: for a state
 *    and an event, the next state and what to do. The classes only turn input into events
 *    and carry out the actions. A machine knows neither whether it is the client or the
 *    server nor what time it is; nonces come from the injected random source.
 * 2. An event a table has no row for raises AuthStateError naming the event and the state
 *    (after giving up, every event does).
 * 3. Every new Chal we send carries a fresh nonce, recorded in the store before it leaves.
 *    Nonces therefore rotate at least once per session (the Chal beside 212 is for the next
 *    session) and, when verifying every message, on each message (200 + Chal).
 * 4. Stale is not wrong: a credential over the nonce issued just before the expected one
 *    proves the secret but missed our last Chal (it got lost). It is re-challenged and not
 *    counted. As each Chal rotates the nonce, the same stale credential sent again is invalid.
 * 5. Missing and invalid credentials count. The verifier gives up on the (maxRetries+1)-th
 *    in a row with AuthFailedError carrying the status to answer (401 or 407, no Chal); the
 *    prover gives up when refused more than maxRetries times in a row. Success resets both.
 *    One lost message costs at most one count, so maxRetries >= 2 survives it for any peer.
 * 6. After 212 the session needs no credential (9.1). Credentials repeated after 212 mean
 *    our 212 got lost: 212 again, with the same Chal. After 200 to a message carrying
 *    credentials, the next message carries them again (over the new nonce if a Chal came).
 * 7. The prover attaches credentials exactly in state `presenting`.
 * 8. Everything a machine holds between calls is in its `snapshot()` (plain JSON, see
 *    snapshot.ts); `restore(snapshot, options)` gives a machine that goes on identically.
 *    The nonces live in the store, the secrets too: neither is in a snapshot.
 */
import { AuthType, StatusCode } from '../../../generated/codes.js';
import type { Chal, Cred, Status } from '../../../generated/types.js';
import { buildChal, newNonce, readChallenge, DEFAULT_NONCE_LENGTH, type ChallengeRead, type RandomSource } from './challenge.js';
import { buildCred, verifyCred, verifyHmac, type AuthStatus, type CredCheck, type CredOutcome, type CredVerdict } from './credentials.js';
import { decodeNonce, formatHmacHeader, hmacMac } from './digest.js';
import { AuthConfigError, AuthFailedError, AuthStateError, type AuthRole } from './errors.js';
import { isCredScheme, usesNonce } from './scheme.js';
import { AUTH_SNAPSHOT_VERSION, readProverSnapshot, readVerifierSnapshot, type ProverSnapshot, type VerifierSnapshot } from './snapshot.js';
import type { CredentialStore, Credentials } from './store.js';

/** The nonce of an account that was never given one. */
const EMPTY_NONCE = new Uint8Array(0);

/** Retries when none are configured. */
export const DEFAULT_MAX_RETRIES = 3;

type Table<S extends string, E extends string, R> = { readonly [K in S]?: { readonly [V in E]?: R } };

function step<S extends string, E extends string, R>(role: AuthRole, table: Table<S, E, R>, state: S, event: E): R {
  const row = table[state]?.[event];
  if (row === undefined) throw new AuthStateError(role, state, event);
  return row;
}

// ----- The peer authenticates to us -------------------------------------------------

export type VerifierState = 'expecting' | 'accepted' | 'failed';

/**
 * accept          212 (+ Chal with the next session's nonce); the session is authenticated
 * accept-message  200 + Chal with the next message's nonce
 * repeat          212 + the Chal sent with the first 212 (it got lost)
 * pass            200, no Chal: no credential needed any more
 * challenge       401 + Chal, not counted (stale)
 * count           401/407 + Chal, counted: past maxRetries, give up
 */
export type VerifierAction = 'accept' | 'accept-message' | 'repeat' | 'pass' | 'challenge' | 'count';

export interface VerifierRow {
  readonly next: VerifierState;
  readonly action: VerifierAction;
}

const challengeRows = {
  stale: { next: 'expecting', action: 'challenge' },
  invalid: { next: 'expecting', action: 'count' },
  missing: { next: 'expecting', action: 'count' },
} as const;

/** Transitions of the verifier, by policy: authenticate once per session, or every message. */
export const VERIFIER_TABLES: {
  readonly perSession: Table<VerifierState, CredOutcome, VerifierRow>;
  readonly everyMessage: Table<VerifierState, CredOutcome, VerifierRow>;
} = {
  perSession: {
    expecting: { valid: { next: 'accepted', action: 'accept' }, ...challengeRows },
    accepted: {
      valid: { next: 'accepted', action: 'repeat' },
      stale: { next: 'accepted', action: 'repeat' },
      invalid: { next: 'expecting', action: 'count' },
      missing: { next: 'accepted', action: 'pass' },
    },
  },
  everyMessage: {
    expecting: { valid: { next: 'expecting', action: 'accept-message' }, ...challengeRows },
  },
};

/** What a received message carries towards authentication. */
export interface ReceivedCredentials {
  /** The Cred of its SyncHdr. */
  readonly cred?: Cred;
  /** Its SyncHdr Source LocName: whose MD5 digest the Cred is (else the store's name). */
  readonly username?: string;
  /** HMAC: the x-syncml-hmac header value the transport received. */
  readonly hmacHeader?: string;
  /** HMAC: the exact body bytes received. */
  readonly body?: Uint8Array;
}

/** What to put in the Status for the received SyncHdr. */
export interface VerifierAnswer {
  readonly status: AuthStatus;
  readonly chal?: Chal;
  /** Whether the message's commands may run; if not, answer only Statuses (9.1). */
  readonly authenticated: boolean;
  readonly verdict: CredVerdict;
}

export interface VerifierOptions {
  readonly store: CredentialStore;
  /** The peer's identity in the store (its LocURI). */
  readonly peer: string;
  readonly random: RandomSource;
  /** The scheme the peer must use; default the store's `theirs.scheme`, else MD5. */
  readonly scheme?: AuthType;
  /** Authenticate every message (200 + a fresh nonce each) rather than once (212). Default: only for HMAC. */
  readonly everyMessage?: boolean;
  readonly maxRetries?: number;
  readonly nonceLength?: number;
}

/** What `AuthVerifier.restore` needs beside the snapshot: what cannot be saved as data. */
export type VerifierRestoreOptions = Pick<VerifierOptions, 'store' | 'random'>;

function checkRetries(maxRetries: number): number {
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new AuthConfigError(`maxRetries must be a whole number >= 0, not ${maxRetries}`);
  return maxRetries;
}

/** The peer authenticates to us: one per session. */
export class AuthVerifier {
  readonly scheme: AuthType;
  readonly everyMessage: boolean;
  readonly maxRetries: number;
  private current: VerifierState = 'expecting';
  private failureCount = 0;
  private acceptChal: Chal | undefined;

  constructor(private readonly options: VerifierOptions) {
    this.scheme = options.scheme ?? options.store.get(options.peer)?.theirs?.scheme ?? AuthType.Md5Digest;
    this.everyMessage = options.everyMessage ?? this.scheme === AuthType.Hmac;
    this.maxRetries = checkRetries(options.maxRetries ?? DEFAULT_MAX_RETRIES);
  }

  get state(): VerifierState {
    return this.current;
  }

  /** The machine as plain JSON data (the store, random source and secrets stay outside). */
  snapshot(): VerifierSnapshot {
    const acceptNonce = this.acceptChal?.meta.nextNonce;
    return {
      kind: 'auth-verifier',
      version: AUTH_SNAPSHOT_VERSION,
      peer: this.options.peer,
      scheme: this.scheme,
      everyMessage: this.everyMessage,
      maxRetries: this.maxRetries,
      nonceLength: this.options.nonceLength ?? DEFAULT_NONCE_LENGTH,
      state: this.current,
      failures: this.failureCount,
      ...(acceptNonce !== undefined ? { acceptNonce } : {}),
    };
  }

  /**
   * A verifier that goes on exactly where `snapshot()` left it. The snapshot may come
   * straight from JSON.parse: every field is checked (AuthConfigError names the first bad one).
   */
  static restore(snapshot: unknown, options: VerifierRestoreOptions): AuthVerifier {
    const s = readVerifierSnapshot(snapshot);
    const verifier = new AuthVerifier({ ...options, peer: s.peer, scheme: s.scheme, everyMessage: s.everyMessage, maxRetries: s.maxRetries, nonceLength: s.nonceLength });
    verifier.current = s.state;
    verifier.failureCount = s.failures;
    if (s.acceptNonce !== undefined) verifier.acceptChal = buildChal(s.scheme, decodeNonce(s.acceptNonce));
    return verifier;
  }

  /** Missing or invalid credentials in a row (stale ones do not count). */
  get failures(): number {
    return this.failureCount;
  }

  /** Judges one received message. Throws AuthFailedError when giving up (rule 5). */
  receive(received: ReceivedCredentials): VerifierAnswer {
    const verdict = this.judge(received);
    const table = this.everyMessage ? VERIFIER_TABLES.everyMessage : VERIFIER_TABLES.perSession;
    const row = step('verifier', table, this.current, verdict.outcome);
    this.current = row.next;
    switch (row.action) {
      case 'accept':
        this.failureCount = 0;
        this.acceptChal = this.nextNonceChal();
        return this.answer(StatusCode.AuthenticationAccepted, verdict, true, this.acceptChal);
      case 'accept-message':
        this.failureCount = 0;
        return this.answer(StatusCode.Ok, verdict, true, this.nextNonceChal());
      case 'repeat':
        return this.answer(StatusCode.AuthenticationAccepted, verdict, true, this.acceptChal);
      case 'pass':
        return this.answer(StatusCode.Ok, verdict, true);
      case 'count':
        this.failureCount += 1;
        if (this.failureCount > this.maxRetries) {
          this.current = 'failed';
          throw new AuthFailedError('verifier', verdict.status, `${this.failureCount} failed attempts: ${verdict.reason}`);
        }
        return this.answer(verdict.status, verdict, false, this.issueChal());
      case 'challenge':
        return this.answer(verdict.status, verdict, false, this.issueChal());
    }
  }

  private judge(received: ReceivedCredentials): CredVerdict {
    const record = this.options.store.get(this.options.peer);
    const theirs = record?.theirs;
    const check: CredCheck = {
      passwordFor: (username) => (theirs !== undefined && username === theirs.username ? theirs.password : undefined),
      username: received.username ?? theirs?.username,
      nonce: record?.expectedNonce,
      previousNonce: record?.previousExpectedNonce,
    };
    if (isCredScheme(this.scheme)) return verifyCred(received.cred, this.scheme, check);
    if (received.hmacHeader !== undefined && received.body === undefined) throw new AuthConfigError('HMAC verification needs the body bytes received');
    return verifyHmac(received.hmacHeader, received.body ?? new Uint8Array(0), check);
  }

  /** A Chal for our scheme; for nonce schemes with a fresh nonce, recorded first (rule 3). */
  private issueChal(): Chal {
    if (!usesNonce(this.scheme)) return buildChal(this.scheme);
    const { store, peer } = this.options;
    const nonce = newNonce(this.options.random, this.options.nonceLength ?? DEFAULT_NONCE_LENGTH);
    const record = store.get(peer);
    if (record !== undefined) store.recordIssuedNonce(peer, nonce, record.expectedNonce ?? EMPTY_NONCE);
    return buildChal(this.scheme, nonce);
  }

  /** Beside a success, a Chal only hands over the next nonce: none for basic. */
  private nextNonceChal(): Chal | undefined {
    return usesNonce(this.scheme) ? this.issueChal() : undefined;
  }

  private answer(status: AuthStatus, verdict: CredVerdict, authenticated: boolean, chal?: Chal): VerifierAnswer {
    return { status, verdict, authenticated, ...(chal !== undefined ? { chal } : {}) };
  }
}

// ----- We authenticate to the peer --------------------------------------------------

export type ProverState = 'bare' | 'presenting' | 'accepted' | 'failed';

/**
 * send        we are building a message
 * accepted    212 to our SyncHdr
 * challenged  401/407 with a Chal we can follow
 * refused     401/407 without one (none, unknown type, unreadable nonce)
 * ok          any other status: the peer read our header without asking for credentials
 */
export type ProverEvent = 'send' | 'accepted' | 'challenged' | 'refused' | 'ok';

export interface ProverRow {
  readonly next: ProverState;
  /** A refusal: past maxRetries in a row, give up. */
  readonly counts?: true;
}

const refusedRows = {
  challenged: { next: 'presenting', counts: true },
  refused: { next: 'presenting', counts: true },
} as const;

/** Transitions of the prover. */
export const PROVER_TABLE: Table<ProverState, ProverEvent, ProverRow> = {
  bare: { send: { next: 'bare' }, ok: { next: 'bare' }, accepted: { next: 'accepted' }, ...refusedRows },
  presenting: { send: { next: 'presenting' }, ok: { next: 'presenting' }, accepted: { next: 'accepted' }, ...refusedRows },
  accepted: { send: { next: 'accepted' }, ok: { next: 'accepted' }, accepted: { next: 'accepted' }, ...refusedRows },
};

/** What to attach to a message we send. */
export interface OutgoingCredentials {
  /** For the SyncHdr. */
  readonly cred?: Cred;
  /** HMAC: the x-syncml-hmac header value over the exact body bytes sent. */
  readonly hmacHeader?: (body: Uint8Array) => string;
}

export interface ProverOptions {
  readonly store: CredentialStore;
  /** The peer's identity in the store (its LocURI). */
  readonly peer: string;
  /** The scheme to start with (pre-configuration, e.g. AAuthPref); a challenge switches it.
   * Default: the store's `ours.scheme`, else MD5. */
  readonly scheme?: AuthType;
  /** Send credentials on the first message, before any challenge. Default true. */
  readonly preemptive?: boolean;
  readonly maxRetries?: number;
}

/** What `AuthProver.restore` needs beside the snapshot: the store, which holds our secret. */
export type ProverRestoreOptions = Pick<ProverOptions, 'store'>;

function statusEvent(code: number, read: ChallengeRead): ProverEvent {
  if (code === StatusCode.AuthenticationAccepted) return 'accepted';
  if (code !== StatusCode.InvalidCredentials && code !== StatusCode.MissingCredentials) return 'ok';
  return read.kind === 'challenge' ? 'challenged' : 'refused';
}

/** We authenticate to the peer: one per session. */
export class AuthProver {
  readonly maxRetries: number;
  private current: ProverState;
  private schemeInUse: AuthType;
  private refusalCount = 0;
  private readonly credentials: Credentials;

  constructor(private readonly options: ProverOptions) {
    const ours = options.store.get(options.peer)?.ours;
    if (ours === undefined) throw new AuthConfigError(`no credentials of ours for peer ${JSON.stringify(options.peer)}`);
    this.credentials = ours;
    this.schemeInUse = options.scheme ?? ours.scheme ?? AuthType.Md5Digest;
    this.maxRetries = checkRetries(options.maxRetries ?? DEFAULT_MAX_RETRIES);
    this.current = options.preemptive ?? true ? 'presenting' : 'bare';
  }

  get state(): ProverState {
    return this.current;
  }

  /** The scheme of our next credentials (the last challenge's, else the configured one). */
  get scheme(): AuthType {
    return this.schemeInUse;
  }

  /** Refusals in a row. */
  get refusals(): number {
    return this.refusalCount;
  }

  /** The machine as plain JSON data (our password stays in the store). */
  snapshot(): ProverSnapshot {
    return {
      kind: 'auth-prover',
      version: AUTH_SNAPSHOT_VERSION,
      peer: this.options.peer,
      scheme: this.schemeInUse,
      maxRetries: this.maxRetries,
      state: this.current,
      refusals: this.refusalCount,
    };
  }

  /**
   * A prover that goes on exactly where `snapshot()` left it; its credentials are read
   * from the store again. Every field of the snapshot is checked (AuthConfigError).
   */
  static restore(snapshot: unknown, options: ProverRestoreOptions): AuthProver {
    const s = readProverSnapshot(snapshot);
    const prover = new AuthProver({ store: options.store, peer: s.peer, scheme: s.scheme, maxRetries: s.maxRetries });
    prover.current = s.state;
    prover.refusalCount = s.refusals;
    return prover;
  }

  /** What to attach to the message being built (rule 7); the nonce is read from the store now. */
  outgoing(): OutgoingCredentials {
    this.current = step('prover', PROVER_TABLE, this.current, 'send').next;
    if (this.current !== 'presenting') return {};
    const { username, password } = this.credentials;
    const nonce = this.options.store.get(this.options.peer)?.nonceToUse ?? EMPTY_NONCE;
    const scheme = this.schemeInUse;
    if (isCredScheme(scheme)) return { cred: buildCred(scheme, username, password, nonce) };
    return { hmacHeader: (body) => formatHmacHeader({ algorithm: 'MD5', username, mac: hmacMac(username, password, nonce, body) }) };
  }

  /**
   * Reads the Status the peer returned for our SyncHdr. A Chal's nonce is kept for our next
   * credentials whatever the code. Throws AuthFailedError when giving up (rule 5).
   */
  receiveStatus(status: Pick<Status, 'data' | 'chal'>): void {
    const code = Number(status.data.trim());
    const read = readChallenge(status);
    const event = statusEvent(code, read);
    const row = step('prover', PROVER_TABLE, this.current, event);
    this.current = row.next;
    if (read.kind === 'challenge') {
      if (read.challenge.nonce !== undefined) this.options.store.recordReceivedNonce(this.options.peer, read.challenge.nonce);
      if (event === 'challenged') this.schemeInUse = read.challenge.scheme;
    }
    if (!row.counts) {
      this.refusalCount = 0;
      return;
    }
    this.refusalCount += 1;
    if (this.refusalCount > this.maxRetries) {
      this.current = 'failed';
      const why = read.kind === 'malformed' ? read.reason : read.kind === 'none' ? 'no Chal' : 'challenged again';
      throw new AuthFailedError('prover', code as AuthStatus, `refused ${this.refusalCount} times in a row (${why})`);
    }
  }
}
