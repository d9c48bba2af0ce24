/**
 * Snapshots of the authentication machines: plain JSON data, and a machine restored from
 * its saved text behaves exactly as the one that was never saved.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthType, StatusCode } from '../../../generated/codes.js';
import {
  AuthProver,
  AuthVerifier,
  buildCred,
  InMemoryCredentialStore,
  isAuthConfigError,
  type ProverSnapshot,
  type VerifierSnapshot,
} from '../../../src/session/auth/index.js';
import { CLIENT, counterRandom, pairStores, PASSWORD, runSession, SERVER, USER, Wire, type PairOptions, type SessionResult } from './pair.js';

/** Only what JSON carries unchanged: strings, finite numbers, booleans, arrays and plain objects. */
function expectPlainJson(value: unknown, path = '$'): void {
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    expect(Number.isFinite(value), `${path} is a finite number`).toBe(true);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => expectPlainJson(v, `${path}[${i}]`));
    return;
  }
  expect(value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype, `${path} is a plain object`).toBe(true);
  for (const [k, v] of Object.entries(value as object)) {
    expect(v, `${path}.${k} is not undefined`).not.toBeUndefined();
    expectPlainJson(v, `${path}.${k}`);
  }
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

const b64 = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString('base64'));
const records = (stores: ReturnType<typeof pairStores>) => {
  const c = stores.client.get(SERVER);
  const s = stores.server.get(CLIENT);
  return { nonceToUse: b64(c?.nonceToUse), expectedNonce: b64(s?.expectedNonce), previousExpectedNonce: b64(s?.previousExpectedNonce) };
};
/** Everything a run shows: outcome, answers, wire, end states, the nonces left in the stores. */
const transcript = (results: SessionResult[], wire: Wire, stores: ReturnType<typeof pairStores>) => ({
  results: results.map((r) => ({ outcome: r.outcome, failure: r.failure, answers: r.answers, prover: r.prover.snapshot(), verifier: r.verifier.snapshot() })),
  wire: wire.log,
  stores: records(stores),
});

describe('snapshots of the authentication machines', () => {
  it('are plain JSON data, with bytes as base64, at every step of a challenged exchange', () => {
    const options = { scheme: AuthType.Md5Digest, preemptive: false };
    const stores = pairStores(options);
    const prover = new AuthProver({ store: stores.client, peer: SERVER, preemptive: false });
    const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom() });
    const snaps: (VerifierSnapshot | ProverSnapshot)[] = [prover.snapshot(), verifier.snapshot()];
    const first = verifier.receive({ cred: prover.outgoing().cred });
    prover.receiveStatus({ data: String(first.status), ...(first.chal ? { chal: first.chal } : {}) });
    snaps.push(prover.snapshot(), verifier.snapshot());
    const second = verifier.receive({ cred: prover.outgoing().cred });
    expect(second.status).toBe(StatusCode.AuthenticationAccepted);
    snaps.push(prover.snapshot(), verifier.snapshot());
    for (const s of snaps) expectPlainJson(s);
    // After 212 the verifier keeps the Chal it sent beside it (to repeat it): its nonce as base64.
    expect(verifier.snapshot()).toMatchObject({ kind: 'auth-verifier', state: 'accepted', acceptNonce: second.chal!.meta.nextNonce });
    expect(JSON.stringify(snaps)).not.toContain(PASSWORD);
  });

  it('restored from their JSON text at every step, a client and a server behave identically, whatever is lost, right password or wrong', () => {
    fc.assert(
      fc.property(
        fc.record({
          scheme: fc.constantFrom(...Object.values(AuthType)),
          everyMessage: fc.boolean(),
          preemptive: fc.boolean(),
          maxRetries: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
          initialNonce: fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 }), { nil: undefined }),
          clientPassword: fc.constantFrom(PASSWORD, 'not the password'),
        }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (options: PairOptions, losses, sessions, messages, abandonOnLoss) => {
          const run = (restoreEveryStep: boolean) => {
            const stores = pairStores(options);
            const random = counterRandom();
            const wire = new Wire((i) => losses[i] ?? false);
            const results = Array.from({ length: sessions }, () => runSession(options, stores, wire, random, { messages, abandonOnLoss, restoreEveryStep }));
            return transcript(results, wire, stores);
          };
          expect(run(true)).toEqual(run(false));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a restored verifier repeats the 212 and its Chal to a peer that missed them', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest, initialNonce: Uint8Array.of(5) });
    const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom() });
    const cred = buildCred(AuthType.Md5Digest, USER, PASSWORD, Uint8Array.of(5));
    const accepted = verifier.receive({ cred });
    const restored = AuthVerifier.restore(JSON.parse(JSON.stringify(verifier.snapshot())), { store: stores.server, random: counterRandom(100) });
    expect(restored.receive({ cred })).toEqual({ ...accepted, verdict: expect.objectContaining({ outcome: 'stale' }) });
  });

  it('a restored prover reads its password from the store, and needs it there', () => {
    const stores = pairStores({ scheme: AuthType.Basic });
    const snap = JSON.parse(JSON.stringify(new AuthProver({ store: stores.client, peer: SERVER }).snapshot()));
    expect(AuthProver.restore(snap, { store: stores.client }).outgoing().cred?.data).toBe('QnJ1Y2UyOk9oQmVoYXZl');
    expect(isAuthConfigError(thrown(() => AuthProver.restore(snap, { store: new InMemoryCredentialStore() })))).toBe(true);
  });

  it('a damaged snapshot is refused with the field that is wrong, never restored into a state the tables lack', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest });
    const v = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom() }).snapshot();
    const p = new AuthProver({ store: stores.client, peer: SERVER }).snapshot();
    const cases: [unknown, 'verifier' | 'prover', string][] = [
      [null, 'verifier', '(root)'],
      [[v], 'verifier', '(root)'],
      [p, 'verifier', 'kind'],
      [{ ...v, version: 2 }, 'verifier', 'version'],
      [{ ...v, state: 'presenting' }, 'verifier', 'state'],
      [{ ...v, scheme: 'syncml:auth-X509' }, 'verifier', 'scheme'],
      [{ ...v, failures: -1 }, 'verifier', 'failures'],
      [{ ...v, failures: 1.5 }, 'verifier', 'failures'],
      [{ ...v, maxRetries: '3' }, 'verifier', 'maxRetries'],
      [{ ...v, nonceLength: 0 }, 'verifier', 'nonceLength'],
      [{ ...v, everyMessage: 'no' }, 'verifier', 'everyMessage'],
      [{ ...v, peer: 7 }, 'verifier', 'peer'],
      [{ ...v, acceptNonce: 'not base64!' }, 'verifier', 'acceptNonce'],
      [v, 'prover', 'kind'],
      [{ ...p, state: 'expecting' }, 'prover', 'state'],
      [{ ...p, refusals: null }, 'prover', 'refusals'],
    ];
    for (const [snapshot, which, field] of cases) {
      const error = thrown(() =>
        which === 'verifier' ? AuthVerifier.restore(snapshot, { store: stores.server, random: counterRandom() }) : AuthProver.restore(snapshot, { store: stores.client }),
      ) as Error;
      expect(isAuthConfigError(error), `${which} ${JSON.stringify(snapshot)}`).toBe(true);
      expect(error.message).toMatch(new RegExp(`^${which} snapshot: ${field.replace(/[()]/g, '\\$&')} `));
    }
  });
});
