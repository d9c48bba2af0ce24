/**
 * A pair harness for the authentication machines (after h11's ConnectionPair and aioquic's
 * client_and_server/drop): a prover and a verifier joined over an in-memory wire that can
 * lose messages. One "round" is a message with its credentials one way and the Status to
 * its SyncHdr the other way; after a loss the prover sends again, or abandons the session.
 * With `restoreEveryStep`, both machines are saved (snapshot → JSON text) and restored from
 * that text before every call, as a server that keeps sessions in a database would.
 */
import { AuthType } from '../../../generated/codes.js';
import {
  AuthProver,
  AuthVerifier,
  InMemoryCredentialStore,
  isAuthFailedError,
  type RandomSource,
  type VerifierAnswer,
} from '../../../src/session/auth/index.js';

export const CLIENT = 'IMEI:493005100592800';
export const SERVER = 'http://www.syncml.org/mgmt-server';
export const USER = 'Bruce2';
export const PASSWORD = 'OhBehave';

/** Distinct nonces forever: a counter spelled over n bytes. Deterministic, like any injected source. */
export function counterRandom(start = 1): RandomSource {
  let counter = start;
  return (n) => {
    const bytes = new Uint8Array(n);
    let value = counter++;
    for (let i = n - 1; i >= 0 && value > 0; i--, value = Math.floor(value / 256)) bytes[i] = value % 256;
    return bytes;
  };
}

export interface PairOptions {
  readonly scheme: AuthType;
  readonly everyMessage?: boolean;
  readonly preemptive?: boolean;
  readonly maxRetries?: number;
  /** The password the client presents (default: the right one). */
  readonly clientPassword?: string;
  /** Nonces both sides hold at the start (default: none, a fresh account). */
  readonly initialNonce?: Uint8Array;
}

/** Stores for "the client authenticates to the server", shared by every session of the pair. */
export function pairStores(options: PairOptions): { client: InMemoryCredentialStore; server: InMemoryCredentialStore } {
  const nonce = options.initialNonce;
  const client = new InMemoryCredentialStore([
    [SERVER, { ours: { username: USER, password: options.clientPassword ?? PASSWORD, scheme: options.scheme }, ...(nonce ? { nonceToUse: nonce } : {}) }],
  ]);
  const server = new InMemoryCredentialStore([[CLIENT, { theirs: { username: USER, password: PASSWORD }, ...(nonce ? { expectedNonce: nonce } : {}) }]]);
  return { client, server };
}

export type WireEvent =
  | { readonly dir: 'request'; readonly lost: boolean; readonly carried: boolean }
  | { readonly dir: 'response'; readonly lost: boolean; readonly status: number; readonly authenticated: boolean };

export interface SessionResult {
  readonly outcome: 'done' | 'abandoned' | 'gave-up' | 'stuck';
  readonly prover: AuthProver;
  readonly verifier: AuthVerifier;
  readonly answers: readonly VerifierAnswer[];
  /** Who threw AuthFailedError, with the status it carried. */
  readonly failure?: { readonly role: string; readonly status: number };
}

/** The wire: decides, message by message (both directions counted), whether it is lost. */
export class Wire {
  readonly log: WireEvent[] = [];
  private sent = 0;
  constructor(private readonly lose: (index: number) => boolean = () => false) {}
  next(): boolean {
    return this.lose(this.sent++);
  }
}

/**
 * Runs one session of `messages` application messages. Each message is sent until its
 * answer says it was authenticated (or the session gives up, is abandoned after a loss,
 * or takes more than `maxRounds` rounds for one message).
 */
export function runSession(
  options: PairOptions,
  stores: ReturnType<typeof pairStores>,
  wire: Wire,
  random: RandomSource,
  { messages = 1, abandonOnLoss = false, maxRounds = 20, restoreEveryStep = false } = {},
): SessionResult {
  let prover = new AuthProver({ store: stores.client, peer: SERVER, preemptive: options.preemptive ?? true, maxRetries: options.maxRetries });
  let verifier = new AuthVerifier({
    store: stores.server,
    peer: CLIENT,
    random,
    scheme: options.scheme,
    everyMessage: options.everyMessage,
    maxRetries: options.maxRetries,
  });
  const answers: VerifierAnswer[] = [];
  /** The machines about to be called, back from their saved text when restoring. */
  const p = () => (restoreEveryStep ? (prover = AuthProver.restore(JSON.parse(JSON.stringify(prover.snapshot())), { store: stores.client })) : prover);
  const v = () => (restoreEveryStep ? (verifier = AuthVerifier.restore(JSON.parse(JSON.stringify(verifier.snapshot())), { store: stores.server, random })) : verifier);
  const result = (outcome: SessionResult['outcome'], failure?: SessionResult['failure']): SessionResult => ({
    outcome, prover, verifier, answers, ...(failure ? { failure } : {}),
  });
  try {
    for (let m = 0; m < messages; m++) {
      const body = new TextEncoder().encode(`<SyncML>message ${m}</SyncML>`);
      let delivered = false;
      for (let round = 0; !delivered; round++) {
        if (round >= maxRounds) return result('stuck');
        const out = p().outgoing();
        const lostRequest = wire.next();
        wire.log.push({ dir: 'request', lost: lostRequest, carried: out.cred !== undefined || out.hmacHeader !== undefined });
        if (lostRequest) {
          if (abandonOnLoss) return result('abandoned');
          continue;
        }
        let answer: VerifierAnswer;
        try {
          answer = v().receive({ cred: out.cred, hmacHeader: out.hmacHeader?.(body), body });
        } catch (e) {
          if (!isAuthFailedError(e)) throw e;
          // The session answers the status the error carries, without Chal, and ends.
          if (!wire.next()) {
            try {
              p().receiveStatus({ data: String(e.status) });
            } catch (p) {
              if (!isAuthFailedError(p)) throw p;
            }
          }
          return result('gave-up', { role: e.role, status: e.status });
        }
        answers.push(answer);
        const lostResponse = wire.next();
        wire.log.push({ dir: 'response', lost: lostResponse, status: answer.status, authenticated: answer.authenticated });
        if (lostResponse) {
          if (abandonOnLoss) return result('abandoned');
          continue;
        }
        p().receiveStatus({ data: String(answer.status), ...(answer.chal ? { chal: answer.chal } : {}) });
        delivered = answer.authenticated;
      }
    }
  } catch (e) {
    if (isAuthFailedError(e)) return result('gave-up', { role: e.role, status: e.status });
    throw e;
  }
  return result('done');
}
