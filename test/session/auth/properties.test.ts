/**
 * Properties of the authentication machines over the pair harness: convergence under one
 * lost message, no acceptance of a wrong password, no lock-out on a stale nonce.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthType, StatusCode } from '../../../generated/codes.js';
import {
  AuthProver,
  AuthVerifier,
  buildCred,
  formatHmacHeader,
  hmacMac,
  type ReceivedCredentials,
} from '../../../src/session/auth/index.js';
import { CLIENT, counterRandom, pairStores, PASSWORD, runSession, USER, Wire, type PairOptions, type SessionResult } from './pair.js';

const scheme = fc.constantFrom(...Object.values(AuthType));
const pairOptions = (maxRetries: fc.Arbitrary<number | undefined>): fc.Arbitrary<PairOptions> =>
  fc.record({
    scheme,
    everyMessage: fc.boolean(),
    preemptive: fc.boolean(),
    maxRetries,
    initialNonce: fc.option(fc.uint8Array({ minLength: 1, maxLength: 8 }), { nil: undefined }),
  });

function runSessions(options: PairOptions, wire: Wire, sessions: number, messages: number, abandonOnLoss: boolean, maxRounds = 20): SessionResult[] {
  const stores = pairStores(options);
  const random = counterRandom();
  return Array.from({ length: sessions }, () => runSession(options, stores, wire, random, { messages, abandonOnLoss, maxRounds }));
}

describe('DM-PRO-S-010-M: application layer authentication, properties', () => {
  it('a client and a server converge (212, or 200 on every message) within the retry bound, whatever single message is lost', () => {
    fc.assert(
      fc.property(
        pairOptions(fc.option(fc.integer({ min: 2, max: 5 }), { nil: undefined })),
        fc.option(fc.nat({ max: 30 }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (options, drop, sessions, messages, abandonOnLoss) => {
          const wire = new Wire((i) => i === drop);
          const results = runSessions(options, wire, sessions, messages, abandonOnLoss);
          for (const r of results) {
            expect(r.outcome === 'done' || (r.outcome === 'abandoned' && abandonOnLoss)).toBe(true);
            if (r.outcome !== 'done') continue;
            expect([r.prover.state, r.verifier.state]).toEqual(options.everyMessage ? ['presenting', 'expecting'] : ['accepted', 'accepted']);
          }
          // The opening 407 of a peer that waits to be asked, plus at most one for the lost message,
          // plus one for a fresh account's first digest, over no nonce (9.1 replay: never accepted).
          const firstContact = options.preemptive && options.initialNonce === undefined && options.scheme !== AuthType.Basic ? 1 : 0;
          const refused = results.flatMap((r) => r.answers).filter((a) => !a.authenticated).length;
          expect(refused).toBeLessThanOrEqual(results.length * (options.preemptive ? 0 : 1) + 1 + firstContact);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a wrong password never gets 212 nor runs a command, however messages are lost, and ends in a typed failure', () => {
    fc.assert(
      fc.property(pairOptions(fc.integer({ min: 0, max: 5 })), fc.array(fc.boolean(), { maxLength: 60 }), fc.boolean(), (options, losses, abandonOnLoss) => {
        const wire = new Wire((i) => losses[i] ?? false);
        const results = runSessions({ ...options, clientPassword: 'not the password' }, wire, 2, 2, abandonOnLoss, 100);
        for (const r of results) {
          for (const a of r.answers) {
            expect(a.status).not.toBe(StatusCode.AuthenticationAccepted);
            expect(a.authenticated).toBe(false);
          }
          expect(r.prover.state).not.toBe('accepted');
          if (r.outcome === 'abandoned') continue;
          expect(r.outcome).toBe('gave-up');
          expect(r.failure?.role).toBe('verifier');
          expect([StatusCode.InvalidCredentials, StatusCode.MissingCredentials]).toContain(r.failure?.status);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a credential over the previous nonce is re-challenged, never counted, even with no retries left', () => {
    const body = new TextEncoder().encode('<SyncML/>');
    const over = (s: AuthType, nonce: Uint8Array, password = PASSWORD): ReceivedCredentials =>
      s === AuthType.Hmac
        ? { hmacHeader: formatHmacHeader({ algorithm: 'MD5', username: USER, mac: hmacMac(USER, password, nonce, body) }), body }
        : { cred: buildCred(s, USER, password, nonce) };
    fc.assert(
      fc.property(
        fc.constantFrom(AuthType.Md5Digest, AuthType.Hmac),
        fc.boolean(),
        fc.integer({ min: 0, max: 5 }).chain((max) => fc.tuple(fc.constant(max), fc.integer({ min: 0, max }))),
        (s, everyMessage, [maxRetries, wrongFirst]) => {
          const stores = pairStores({ scheme: s, initialNonce: Uint8Array.of(9) });
          stores.server.recordIssuedNonce(CLIENT, Uint8Array.of(10), Uint8Array.of(9)); // a Chal of an earlier session, lost
          const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), scheme: s, everyMessage, maxRetries });
          const nonces = () => stores.server.get(CLIENT)!;
          for (let i = 0; i < wrongFirst; i++) verifier.receive(over(s, nonces().expectedNonce!, 'wrong'));
          // Our last Chal got lost: the peer computes over the nonce before it.
          const stale = verifier.receive(over(s, nonces().previousExpectedNonce!));
          expect(stale).toMatchObject({ status: StatusCode.InvalidCredentials, authenticated: false, verdict: { outcome: 'stale' } });
          expect(stale.chal?.meta.nextNonce).toBeDefined();
          expect([verifier.failures, verifier.state]).toEqual([wrongFirst, 'expecting']);
          const next = verifier.receive(over(s, nonces().expectedNonce!));
          expect(next).toMatchObject({ status: everyMessage ? StatusCode.Ok : StatusCode.AuthenticationAccepted, authenticated: true });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('9.1 give-up: no sequence of peer input makes either machine throw; a verifier that gave up never accepts again, and every 401/407 it answers has a Chal', () => {
    const text = fc.oneof(fc.string({ maxLength: 30 }), fc.base64String({ maxLength: 32 }));
    const meta = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...Object.values(AuthType)), fc.string({ maxLength: 12 })),
        format: fc.constantFrom('b64', 'chr', 'B64', 'bin', ''),
        nextNonce: text,
        emis: fc.constant<string[]>([]),
      },
      { requiredKeys: ['emis'] },
    );
    const received = fc.record({ cred: fc.option(fc.record({ meta: fc.option(meta, { nil: undefined }), data: text }), { nil: undefined }), username: fc.option(fc.constantFrom(USER, 'Eve'), { nil: undefined }) });
    const status = fc.record({ data: fc.oneof(fc.constantFrom('200', '212', '401', '407', '500'), fc.string({ maxLength: 4 })), chal: fc.option(fc.record({ meta }), { nil: undefined }) });
    fc.assert(
      fc.property(scheme, fc.integer({ min: 0, max: 3 }), fc.array(fc.tuple(received, status), { maxLength: 12 }), (s, maxRetries, steps) => {
        const stores = pairStores({ scheme: s });
        const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), scheme: s, maxRetries });
        const prover = new AuthProver({ store: stores.client, peer: 'http://www.syncml.org/mgmt-server', maxRetries });
        const body = new TextEncoder().encode('<SyncML/>');
        let verifierGaveUp = false;
        let proverGaveUp = false;
        for (const [r, st] of steps) {
          const answer = verifier.receive(s === AuthType.Hmac ? { hmacHeader: r.cred?.data, body } : r);
          if (verifierGaveUp) expect(answer).toMatchObject({ authenticated: false, gaveUp: true });
          verifierGaveUp ||= answer.gaveUp;
          if ([401, 407].includes(answer.status)) expect(answer.chal).toBeDefined();
          if (proverGaveUp) continue;
          prover.outgoing();
          proverGaveUp = prover.receiveStatus(st).gaveUp;
          if (proverGaveUp) expect(prover.state).toBe('failed');
        }
      }),
      { numRuns: 300 },
    );
  });
});
