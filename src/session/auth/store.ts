/**
 * What each side keeps per peer between messages and between sessions: the names and
 * passwords of both directions and the nonces. Plain synchronous methods (sans-I/O); a
 * persistent store implements the same interface.
 *
 * Two nonces travel in opposite directions, each issued by the side that verifies:
 *   nonceToUse     the peer issued it (its last Chal NextNonce); our next digest towards
 *                  the peer is computed over it.
 *   expectedNonce  we issued it (our last Chal NextNonce); the peer's next digest must be
 *                  computed over it. previousExpectedNonce is the one we issued before:
 *                  a digest over it means our last Chal got lost, not a wrong password.
 */
import type { AuthType } from '../../../generated/codes.js';

/** A name and password (DMAcc AAuthName and AAuthSecret). */
export interface Credentials {
  readonly username: string;
  readonly password: string;
  /** The scheme to use (ours: pre-configured, e.g. AAuthPref) or to require (theirs). */
  readonly scheme?: AuthType;
}

export interface PeerAuthRecord {
  /** How we authenticate to this peer. */
  readonly ours?: Credentials;
  /** How this peer must authenticate to us. */
  readonly theirs?: Credentials;
  readonly nonceToUse?: Uint8Array;
  readonly expectedNonce?: Uint8Array;
  readonly previousExpectedNonce?: Uint8Array;
}

/** Per-peer authentication state, keyed by the peer's identity (its LocURI). */
export interface CredentialStore {
  get(peer: string): PeerAuthRecord | undefined;
  /** The peer gave us a nonce (a Chal NextNonce): it becomes nonceToUse. */
  recordReceivedNonce(peer: string, nonce: Uint8Array): void;
  /** We gave the peer a nonce: it becomes expectedNonce, and `previous` (the nonce the
   * peer was expected to use until now) previousExpectedNonce. */
  recordIssuedNonce(peer: string, nonce: Uint8Array, previous: Uint8Array): void;
}

/** A CredentialStore in a Map; nonces are copied in, so callers may reuse their buffers. */
export class InMemoryCredentialStore implements CredentialStore {
  private readonly records = new Map<string, PeerAuthRecord>();

  constructor(entries: Iterable<readonly [string, PeerAuthRecord]> = []) {
    for (const [peer, record] of entries) this.set(peer, record);
  }

  /** Provisions (or replaces) what we know about a peer. */
  set(peer: string, record: PeerAuthRecord): void {
    this.records.set(peer, { ...record });
  }

  get(peer: string): PeerAuthRecord | undefined {
    return this.records.get(peer);
  }

  recordReceivedNonce(peer: string, nonce: Uint8Array): void {
    this.records.set(peer, { ...this.records.get(peer), nonceToUse: Uint8Array.from(nonce) });
  }

  recordIssuedNonce(peer: string, nonce: Uint8Array, previous: Uint8Array): void {
    this.records.set(peer, { ...this.records.get(peer), expectedNonce: Uint8Array.from(nonce), previousExpectedNonce: Uint8Array.from(previous) });
  }
}
