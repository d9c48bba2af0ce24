/**
 * The session's CredentialStore (src/session/auth/store.ts) for one device, over the
 * server's Store. The session's machines are synchronous and the Store is not, so a
 * message is served in three steps:
 *   1. `DeviceCredentials.load(store, deviceId)` before the message is judged;
 *   2. the session's AuthVerifier / AuthProver read and record nonces synchronously;
 *   3. `flush(now)` before the answer is sent, so a nonce we hand the device (or one it
 *      handed us) is stored before it can be used: a restart or a lost message never
 *      leaves the device with a nonce the server forgot.
 * Passwords reach the session's Credentials objects, which print without them.
 */
import { inspect } from 'node:util';
import type { AuthType } from '../../../generated/codes.js';
import type { CredentialStore, Credentials, PeerAuthRecord, ProverOptions, RandomSource, VerifierOptions } from '../../session/auth/index.js';
import { AUTH_TYPE_OF, type AuthName, type CredentialsSpec, type Device, type DeviceNonces } from '../store/types.js';
import type { Store } from '../store/store.js';

export class DeviceCredentials implements CredentialStore {
  private record: PeerAuthRecord;
  private pending: { -readonly [K in keyof DeviceNonces]: DeviceNonces[K] } = {};

  private constructor(
    readonly device: Device,
    nonces: DeviceNonces,
  ) {
    this.record = {
      ...credentialsField('ours', device.server),
      ...credentialsField('theirs', device.client),
      ...nonces,
    };
  }

  /** What the store knows of the device, or undefined for a device it does not know. */
  static async load(store: Store, deviceId: string): Promise<DeviceCredentials | undefined> {
    const found = await store.getDeviceWithNonces(deviceId);
    return found && new DeviceCredentials(found.device, found.nonces);
  }

  get(peer: string): PeerAuthRecord | undefined {
    return peer === this.device.id ? this.record : undefined;
  }

  recordReceivedNonce(peer: string, nonce: Uint8Array): void {
    if (peer !== this.device.id) return;
    const copy = Uint8Array.from(nonce);
    this.record = { ...this.record, nonceToUse: copy };
    this.pending.nonceToUse = copy;
  }

  recordIssuedNonce(peer: string, nonce: Uint8Array, previous: Uint8Array): void {
    if (peer !== this.device.id) return;
    const expected = Uint8Array.from(nonce);
    const before = Uint8Array.from(previous);
    this.record = { ...this.record, expectedNonce: expected, previousExpectedNonce: before };
    this.pending.expectedNonce = expected;
    this.pending.previousExpectedNonce = before;
  }

  /** Whether nonces changed since the last flush. */
  get dirty(): boolean {
    return Object.keys(this.pending).length > 0;
  }

  /** Stores the nonces that changed; call before the answer leaves. */
  async flush(store: Store, now: number): Promise<void> {
    if (!this.dirty) return;
    const pending = this.pending;
    await store.saveNonces(this.device.id, pending, now);
    if (this.pending === pending) this.pending = {};
  }

  /** The schemes the device may prove itself with, preferred first (none: no SyncML credentials). */
  clientSchemes(): AuthName[] {
    const all = [this.device.client.scheme, ...this.device.acceptedClientSchemes];
    return all.filter((s, i) => all.indexOf(s) === i);
  }

  /** The scheme to require of the device: the one its message used when that one is
   * allowed, else its configured one; undefined when it authenticates with none. */
  clientScheme(offered?: AuthType): AuthType | undefined {
    const allowed = this.clientSchemes().map((s) => AUTH_TYPE_OF[s]);
    if (offered !== undefined && allowed.includes(offered)) return offered;
    return AUTH_TYPE_OF[this.device.client.scheme];
  }

  /** Options for the session's AuthVerifier (the device proves itself to us); undefined
   * when the device sends no SyncML credentials (scheme none). */
  verifierOptions(random: RandomSource, options: { readonly offered?: AuthType; readonly maxRetries?: number; readonly everyMessage?: boolean } = {}): VerifierOptions | undefined {
    const scheme = this.clientScheme(options.offered);
    if (scheme === undefined) return undefined;
    return {
      store: this,
      peer: this.device.id,
      random,
      scheme,
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.everyMessage !== undefined ? { everyMessage: options.everyMessage } : {}),
    };
  }

  /** Options for the session's AuthProver (we prove ourselves to the device); undefined
   * when the device expects no server credentials. */
  proverOptions(options: { readonly maxRetries?: number; readonly preemptive?: boolean } = {}): ProverOptions | undefined {
    const scheme = AUTH_TYPE_OF[this.device.server.scheme];
    if (scheme === undefined) return undefined;
    return {
      store: this,
      peer: this.device.id,
      scheme,
      ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
      ...(options.preemptive !== undefined ? { preemptive: options.preemptive } : {}),
    };
  }
}

function credentialsField(field: 'ours' | 'theirs', spec: CredentialsSpec): Partial<PeerAuthRecord> {
  if (spec.scheme === 'none') return {};
  return { [field]: redactedCredentials(spec.name, spec.secret.reveal(), AUTH_TYPE_OF[spec.scheme]) };
}

/** Credentials whose password is there to read but not to print: it is not enumerable,
 * and JSON and inspect show it redacted. */
function redactedCredentials(username: string, password: string, scheme: AuthType | undefined): Credentials {
  const shown = { username, password: '[redacted]', ...(scheme !== undefined ? { scheme } : {}) };
  const c = { username, ...(scheme !== undefined ? { scheme } : {}) };
  Object.defineProperty(c, 'password', { value: password, enumerable: false });
  Object.defineProperty(c, 'toJSON', { value: () => shown, enumerable: false });
  Object.defineProperty(c, inspect.custom, { value: () => `Credentials ${inspect(shown)}`, enumerable: false });
  return c as Credentials;
}
