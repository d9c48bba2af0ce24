import { describe, expect, it } from 'vitest';
import { AuthType, StatusCode } from '../../../generated/codes.js';
import {
  AuthProver,
  AuthVerifier,
  buildCred,
  DEFAULT_MAX_RETRIES,
  InMemoryCredentialStore,
  isAuthConfigError,
  isAuthStateError,
  PROVER_TABLE,
  VERIFIER_TABLES,
  type AuthStateError,
} from '../../../src/session/auth/index.js';
import { CLIENT, counterRandom, pairStores, PASSWORD, runSession, SERVER, USER, Wire } from './pair.js';

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

function md5Verifier(maxRetries?: number) {
  const stores = pairStores({ scheme: AuthType.Md5Digest, initialNonce: Uint8Array.of(1, 2, 3) });
  const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), maxRetries });
  const credOver = (nonce: Uint8Array | undefined, password = PASSWORD) => buildCred(AuthType.Md5Digest, USER, password, nonce);
  return { stores, verifier, credOver, expected: () => stores.server.get(CLIENT)?.expectedNonce };
}

describe('transition tables', () => {
  it('every live state has a row for every event', () => {
    for (const table of Object.values(VERIFIER_TABLES)) {
      for (const rows of Object.values(table)) expect(Object.keys(rows!).sort()).toEqual(['invalid', 'missing', 'stale', 'valid']);
    }
    for (const rows of Object.values(PROVER_TABLE)) expect(Object.keys(rows!).sort()).toEqual(['accepted', 'challenged', 'demanded', 'ok', 'refused', 'send', 'switch']);
  });

  it('an event the table lacks (our own misuse) raises an error naming the event and the state: a prover that gave up refuses to send', () => {
    const stores = pairStores({ scheme: AuthType.Basic });
    const prover = new AuthProver({ store: stores.client, peer: SERVER, maxRetries: 0 });
    expect(prover.receiveStatus({ data: '407' })).toMatchObject({ gaveUp: true, retry: false });
    const error = thrown(() => prover.outgoing()) as AuthStateError;
    expect(isAuthStateError(error)).toBe(true);
    expect([error.role, error.state, error.event]).toEqual(['prover', 'failed', 'send']);
    expect(error.message).toBe("prover: no transition for event 'send' in state 'failed'");
  });

  it('9.1 give-up: a verifier that gave up refuses whatever comes next, the right credential too, without throwing; each refusal carries a Chal', () => {
    const { verifier, credOver, expected } = md5Verifier(0);
    expect(verifier.receive({ cred: credOver(expected(), 'wrong') })).toMatchObject({ status: 401, gaveUp: true, authenticated: false });
    for (const [received, status] of [[{}, 407], [{ cred: credOver(expected()) }, 401]] as const) {
      const answer = verifier.receive(received);
      expect(answer).toMatchObject({ status, gaveUp: true, authenticated: false });
      expect(answer.chal?.meta.nextNonce).toBe(Buffer.from(expected()!).toString('base64'));
    }
    expect(verifier.state).toBe('failed');
  });
});

describe('verifier', () => {
  it(`9.1: gives up after ${DEFAULT_MAX_RETRIES} retries by default, answering the status with a Chal (the next session's nonce) even then`, () => {
    const { verifier, credOver, expected } = md5Verifier();
    for (let i = 1; i <= DEFAULT_MAX_RETRIES; i++) {
      const answer = verifier.receive({ cred: credOver(expected(), 'wrong') });
      expect(answer).toMatchObject({ status: StatusCode.InvalidCredentials, authenticated: false, gaveUp: false });
      expect(answer.chal?.meta.nextNonce).toBeDefined();
      expect(verifier.failures).toBe(i);
    }
    const last = verifier.receive({});
    expect(last).toMatchObject({ status: StatusCode.MissingCredentials, authenticated: false, gaveUp: true });
    expect(last.chal?.meta).toMatchObject({ type: AuthType.Md5Digest, format: 'b64', nextNonce: Buffer.from(expected()!).toString('base64') });
    expect(verifier.state).toBe('failed');
  });

  it('a success resets the count', () => {
    const { verifier, credOver, expected } = md5Verifier(1);
    verifier.receive({ cred: credOver(undefined, 'wrong') });
    expect(verifier.receive({ cred: credOver(expected()) }).status).toBe(StatusCode.AuthenticationAccepted);
    expect(verifier.failures).toBe(0);
  });

  it('every Chal carries a fresh nonce, recorded before it leaves; the one before stays as previous', () => {
    const { verifier, stores } = md5Verifier();
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = verifier.receive({});
      seen.push(answer.chal?.meta.nextNonce);
      expect(Buffer.from(stores.server.get(CLIENT)!.expectedNonce!).toString('base64')).toBe(answer.chal?.meta.nextNonce);
    }
    expect(new Set(seen).size).toBe(3);
    expect(Buffer.from(stores.server.get(CLIENT)!.previousExpectedNonce!).toString('base64')).toBe(seen[1]);
  });

  it('our challenge got lost: the credential over the previous nonce is re-challenged, not counted', () => {
    const { verifier, credOver, expected, stores } = md5Verifier(1);
    stores.server.recordIssuedNonce(CLIENT, Uint8Array.of(7), Uint8Array.of(6));
    const known = expected(); // the nonce the peer holds
    expect(verifier.receive({}).status).toBe(StatusCode.MissingCredentials); // 407 + Chal: lost on the way
    expect(verifier.failures).toBe(1);
    // The peer sends again, over the nonce it knows: one more counted failure would give up.
    const again = verifier.receive({ cred: credOver(known) });
    expect(again).toMatchObject({ status: StatusCode.InvalidCredentials, authenticated: false, verdict: { outcome: 'stale' } });
    expect(again.chal?.meta.nextNonce).toBe(Buffer.from(expected()!).toString('base64'));
    expect([verifier.failures, verifier.state]).toEqual([1, 'expecting']);
    expect(verifier.receive({ cred: credOver(expected()) }).status).toBe(StatusCode.AuthenticationAccepted);
  });

  it('a credential two nonces old is not stale but invalid, so a replayed one cannot loop forever', () => {
    const { verifier, credOver, stores } = md5Verifier();
    stores.server.recordIssuedNonce(CLIENT, Uint8Array.of(1), Uint8Array.of(0));
    const replayed = credOver(Uint8Array.of(0));
    expect(verifier.receive({ cred: replayed }).verdict.outcome).toBe('stale');
    expect(verifier.receive({ cred: replayed }).verdict.outcome).toBe('invalid');
    expect(verifier.failures).toBe(1);
  });

  it('after 212: no credential needed, and a repeated credential (our 212 lost) gets 212 with the same Chal', () => {
    const { verifier, credOver, expected } = md5Verifier();
    const nonce = expected();
    const first = verifier.receive({ cred: credOver(nonce) });
    expect(first.status).toBe(StatusCode.AuthenticationAccepted);
    expect(verifier.receive({})).toMatchObject({ status: StatusCode.Ok, authenticated: true });
    expect(verifier.receive({ cred: credOver(nonce) })).toEqual({ ...first, verdict: expect.objectContaining({ outcome: 'stale' }) });
    expect(verifier.receive({ cred: credOver(nonce, 'wrong') })).toMatchObject({ status: StatusCode.InvalidCredentials, authenticated: false });
    expect(verifier.state).toBe('expecting');
  });

  it('verifying every message: 200 and a new nonce per message, and a message without credentials is challenged', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest, initialNonce: Uint8Array.of(1) });
    const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), everyMessage: true });
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const answer = verifier.receive({ cred: buildCred(AuthType.Md5Digest, USER, PASSWORD, stores.server.get(CLIENT)?.expectedNonce) });
      expect(answer).toMatchObject({ status: StatusCode.Ok, authenticated: true });
      nonces.add(answer.chal!.meta.nextNonce!);
    }
    expect(nonces.size).toBe(3);
    expect(verifier.receive({})).toMatchObject({ status: StatusCode.MissingCredentials, authenticated: false });
  });

  it('9.1 replay: a fresh account\'s digest over the empty nonce (a constant) is challenged, not accepted nor counted; replayed, it is invalid', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest });
    const verifier = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), maxRetries: 1 });
    const constant = buildCred(AuthType.Md5Digest, USER, PASSWORD);
    const first = verifier.receive({ cred: constant });
    expect(first).toMatchObject({ status: StatusCode.InvalidCredentials, authenticated: false, verdict: { outcome: 'stale' } });
    expect(first.chal?.meta.nextNonce).toBe(Buffer.from(stores.server.get(CLIENT)!.expectedNonce!).toString('base64'));
    expect(verifier.failures).toBe(0);
    expect(verifier.receive({ cred: constant })).toMatchObject({ status: StatusCode.InvalidCredentials, verdict: { outcome: 'invalid' }, gaveUp: false });
    expect(verifier.receive({ cred: buildCred(AuthType.Md5Digest, USER, PASSWORD, stores.server.get(CLIENT)!.expectedNonce) }).status).toBe(StatusCode.AuthenticationAccepted);
  });

  it('an unknown peer is refused, and nothing is stored for it', () => {
    const store = new InMemoryCredentialStore();
    const verifier = new AuthVerifier({ store, peer: 'stranger', random: counterRandom(), maxRetries: 1 });
    expect(verifier.receive({ cred: buildCred(AuthType.Md5Digest, USER, PASSWORD), username: USER }).status).toBe(StatusCode.InvalidCredentials);
    expect(store.get('stranger')).toBeUndefined();
  });

  it('refuses a bad configuration', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest });
    expect(isAuthConfigError(thrown(() => new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), maxRetries: -1 })))).toBe(true);
    const hmac = new AuthVerifier({ store: stores.server, peer: CLIENT, random: counterRandom(), scheme: AuthType.Hmac });
    expect(isAuthConfigError(thrown(() => hmac.receive({ hmacHeader: 'algorithm=MD5, username="u", mac=x' })))).toBe(true);
  });
});

describe('prover', () => {
  it('sends the credentials again after 200, over the nonce of the Chal that came with it', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest });
    const prover = new AuthProver({ store: stores.client, peer: SERVER });
    const first = prover.outgoing().cred;
    prover.receiveStatus({ data: '200', chal: { meta: { type: AuthType.Md5Digest, nextNonce: 'Tm9uY2U=', emis: [] } } });
    expect(prover.state).toBe('presenting');
    expect(prover.outgoing().cred?.data).toBe('Zz6EivR3yeaaENcRN6lpAQ==');
    expect(first?.data).not.toBe('Zz6EivR3yeaaENcRN6lpAQ==');
  });

  it('switches to the scheme a challenge names', () => {
    const stores = pairStores({ scheme: AuthType.Basic });
    const prover = new AuthProver({ store: stores.client, peer: SERVER, preemptive: false });
    expect(prover.outgoing()).toEqual({});
    prover.receiveStatus({ data: '407', chal: { meta: { type: AuthType.Md5Digest, format: 'b64', nextNonce: 'Tm9uY2U=', emis: [] } } });
    expect(prover.scheme).toBe(AuthType.Md5Digest);
    expect(prover.outgoing().cred).toMatchObject({ meta: { type: AuthType.Md5Digest }, data: 'Zz6EivR3yeaaENcRN6lpAQ==' });
  });

  it('a peer that does not ask for credentials is left alone; a later challenge is followed', () => {
    const stores = pairStores({ scheme: AuthType.Basic });
    const prover = new AuthProver({ store: stores.client, peer: SERVER, preemptive: false });
    prover.outgoing();
    prover.receiveStatus({ data: '200' });
    expect([prover.state, prover.outgoing()]).toEqual(['bare', {}]);
    prover.receiveStatus({ data: '401', chal: { meta: { type: AuthType.Basic, emis: [] } } });
    expect(prover.outgoing().cred?.data).toBe('QnJ1Y2UyOk9oQmVoYXZl');
  });

  it('gives up when refused more than maxRetries times in a row', () => {
    const stores = pairStores({ scheme: AuthType.Basic });
    const prover = new AuthProver({ store: stores.client, peer: SERVER, maxRetries: 2, preemptive: false });
    expect(prover.receiveStatus({ data: '401', chal: { meta: { type: 'syncml:auth-X509', emis: [] } } })).toEqual({ event: 'refused', retry: true, gaveUp: false });
    expect(prover.receiveStatus({ data: '407' })).toEqual({ event: 'demanded', retry: true, gaveUp: false });
    expect(prover.receiveStatus({ data: '407', chal: { meta: { type: AuthType.Basic, emis: [] } } })).toMatchObject({ event: 'challenged', retry: false, gaveUp: true });
    expect(prover.state).toBe('failed');
  });

  it('9.1 authorisation refused: 401 without a Chal to credentials we sent gives up at once, never resending them', () => {
    for (const chal of [undefined, { meta: { type: 'syncml:auth-X509', emis: [] } }, { meta: { type: AuthType.Md5Digest, format: 'b64', nextNonce: '%%%', emis: [] } }]) {
      const stores = pairStores({ scheme: AuthType.Md5Digest });
      const prover = new AuthProver({ store: stores.client, peer: SERVER });
      expect(prover.outgoing().cred).toBeDefined();
      const reading = prover.receiveStatus({ data: '401', ...(chal ? { chal } : {}) });
      expect(reading).toMatchObject({ event: 'refused', retry: false, gaveUp: true });
      expect(reading.reason).toMatch(/authorisation refused/);
      expect(prover.state).toBe('failed');
    }
  });

  it('9.1: once accepted, the scheme is kept for the session: a challenge to another one gives up instead of switching, also after a snapshot', () => {
    for (const [code, restore] of [['212', false], ['200', false], ['212', true]] as const) {
      const stores = pairStores({ scheme: AuthType.Md5Digest });
      let prover = new AuthProver({ store: stores.client, peer: SERVER });
      prover.outgoing();
      expect(prover.receiveStatus({ data: code, chal: { meta: { type: AuthType.Md5Digest, format: 'b64', nextNonce: 'Tm9uY2U=', emis: [] } } }).gaveUp).toBe(false);
      if (restore) prover = AuthProver.restore(JSON.parse(JSON.stringify(prover.snapshot())), { store: stores.client });
      // The same scheme may challenge again (a new nonce); another may not.
      expect(prover.receiveStatus({ data: '401', chal: { meta: { type: AuthType.Md5Digest, format: 'b64', nextNonce: 'TjI=', emis: [] } } })).toMatchObject({ event: 'challenged', retry: true });
      prover.outgoing();
      const reading = prover.receiveStatus({ data: '401', chal: { meta: { type: AuthType.Basic, emis: [] } } });
      expect(reading).toMatchObject({ event: 'switch', retry: false, gaveUp: true });
      expect(reading.reason).toMatch(/syncml:auth-md5/);
      expect([prover.state, prover.scheme]).toEqual(['failed', AuthType.Md5Digest]);
    }
  });

  it('before anything was accepted, a challenge may name another scheme than the configured one', () => {
    const stores = pairStores({ scheme: AuthType.Md5Digest });
    const prover = new AuthProver({ store: stores.client, peer: SERVER });
    prover.outgoing();
    expect(prover.receiveStatus({ data: '407', chal: { meta: { type: AuthType.Basic, emis: [] } } })).toMatchObject({ event: 'challenged', retry: true });
    expect(prover.outgoing().cred?.meta?.type).toBe(AuthType.Basic);
  });

  it('a 401 without Chal to a message that carried no credentials is a request for them, not a refusal', () => {
    const stores = pairStores({ scheme: AuthType.Basic });
    const prover = new AuthProver({ store: stores.client, peer: SERVER, preemptive: false });
    expect(prover.outgoing()).toEqual({});
    expect(prover.receiveStatus({ data: '401' })).toEqual({ event: 'refused', retry: true, gaveUp: false });
    expect(prover.outgoing().cred?.data).toBe('QnJ1Y2UyOk9oQmVoYXZl');
  });

  it('needs credentials of its own for the peer', () => {
    expect(isAuthConfigError(thrown(() => new AuthProver({ store: new InMemoryCredentialStore(), peer: SERVER })))).toBe(true);
  });
});

describe('lost messages (pair harness)', () => {
  it('the 212 with the next nonce is lost and the session abandoned: the next session is re-challenged once, then accepted', () => {
    const options = { scheme: AuthType.Md5Digest, initialNonce: Uint8Array.of(1, 2, 3) };
    const stores = pairStores(options);
    const random = counterRandom();
    const first = runSession(options, stores, new Wire((i) => i === 1), random, { abandonOnLoss: true });
    expect(first.outcome).toBe('abandoned');
    expect(first.verifier.state).toBe('accepted');
    const wire = new Wire();
    const second = runSession(options, stores, wire, random);
    expect(second.outcome).toBe('done');
    expect(second.answers.map((a) => [a.status, a.verdict.outcome])).toEqual([[401, 'stale'], [212, 'valid']]);
    expect(second.verifier.failures).toBe(0);
    expect(second.prover.state).toBe('accepted');
  });

  it('a lost challenge costs one more challenge, then 212', () => {
    const options = { scheme: AuthType.Md5Digest, preemptive: false };
    const wire = new Wire((i) => i === 1);
    const result = runSession(options, pairStores(options), wire, counterRandom());
    expect(result.outcome).toBe('done');
    expect(result.answers.map((a) => a.status)).toEqual([407, 407, 212]);
    expect(wire.log.map((e) => e.lost)).toEqual([false, true, false, false, false, false]);
  });
});
