/**
 * The session's authentication machines over the server's store: a device proving itself
 * with the session's own AuthProver, the server judging with AuthVerifier through
 * DeviceCredentials, the store closed and opened again between sessions (a restart).
 * Runs on SQLite and, with OMADM_TEST_PG_URL, on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuthType, StatusCode } from '../../generated/codes.js';
import { AuthProver, AuthVerifier, InMemoryCredentialStore, type OutgoingCredentials, type VerifierAnswer } from '../../src/session/auth/index.js';
import { AuthRateLimiter, DeviceCredentials, admission } from '../../src/server/auth/index.js';
import { Secret, type AuthName, type Store } from '../../src/server/store/index.js';
import { describePostgres, postgres, sqlite, type Backend, type TestDatabase } from './databases.js';

const T0 = 1_800_000_000_000;
const DEVICE = 'IMEI:493005100592800';
const SERVER_ID = 'omadm.example';
const random = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** The device's side: its own view of both credentials, in memory, kept across sessions. */
function deviceSide(scheme: Exclude<AuthName, 'none'>) {
  const type = { basic: AuthType.Basic, md5: AuthType.Md5Digest, hmac: AuthType.Hmac }[scheme];
  const store = new InMemoryCredentialStore([[SERVER_ID, { ours: { username: 'dev-user', password: 'dev-pass', scheme: type }, theirs: { username: SERVER_ID, password: 'srv-pass', scheme: type } }]]);
  return { store, type, prover: (): AuthProver => new AuthProver({ store, peer: SERVER_ID, scheme: type }) };
}

const BODY = new TextEncoder().encode('<SyncML>…</SyncML>');

/** One message from the device, judged by a verifier over DeviceCredentials. */
function judge(verifier: AuthVerifier, out: OutgoingCredentials): VerifierAnswer {
  return verifier.receive({ ...(out.cred ? { cred: out.cred } : {}), ...(out.hmacHeader ? { hmacHeader: out.hmacHeader(BODY), body: BODY } : {}) });
}

/** The device's messages of one session until it is authenticated (at most 3), the
 * nonces flushed before each answer "leaves"; returns the statuses answered. */
async function authenticate(store: Store, device: ReturnType<typeof deviceSide>, options: { maxRetries?: number; loseLast?: boolean } = {}): Promise<number[]> {
  const creds = (await DeviceCredentials.load(store, DEVICE))!;
  const verifier = new AuthVerifier(creds.verifierOptions(random, options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {})!);
  const prover = device.prover();
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const answer = judge(verifier, prover.outgoing());
    await creds.flush(store, T0 + i);
    statuses.push(answer.status);
    if (answer.authenticated && options.loseLast) break;
    prover.receiveStatus({ data: String(answer.status), ...(answer.chal ? { chal: answer.chal } : {}) });
    if (answer.authenticated) break;
  }
  return statuses;
}

function suite(backend: Backend): void {
  describe(`device credentials on ${backend.name}`, () => {
    let database: TestDatabase;
    let store: Store;
    const restart = async (): Promise<void> => {
      await store.close();
      store = await database.open();
    };

    beforeEach(async () => {
      database = await backend.fresh();
      store = await database.open();
    });
    afterEach(async () => {
      await database.dispose();
    });

    async function addDevice(scheme: Exclude<AuthName, 'none'>): Promise<void> {
      await store.addDevice({ id: DEVICE, serverId: SERVER_ID, client: { scheme, name: 'dev-user', secret: new Secret('dev-pass') }, server: { scheme, name: SERVER_ID, secret: new Secret('srv-pass') } }, T0);
    }

    for (const scheme of ['basic', 'md5', 'hmac'] as const) {
      it(`authenticates a device with ${scheme} in session after session across restarts, the next nonce kept in the store`, async () => {
        await addDevice(scheme);
        const device = deviceSide(scheme);
        for (let session = 0; session < 3; session++) {
          const statuses = await authenticate(store, device);
          expect(statuses.length, `statuses ${statuses}`).toBeLessThanOrEqual(2);
          expect([StatusCode.Ok, StatusCode.AuthenticationAccepted]).toContain(statuses.at(-1));
          // What the device will digest over next is what the store expects.
          if (scheme !== 'basic') expect((await store.getNonces(DEVICE)).expectedNonce).toEqual(device.store.get(SERVER_ID)?.nonceToUse);
          await restart();
        }
      });
    }

    it('a lost answer does not lock the device out: its digest over the nonce before is challenged again, not counted', async () => {
      await addDevice('md5');
      const device = deviceSide('md5');
      await authenticate(store, device);
      // The device authenticates; our 212 carrying the next nonce is stored, then lost on the way.
      const before = device.store.get(SERVER_ID)?.nonceToUse;
      expect(await authenticate(store, device, { loseLast: true })).toEqual([StatusCode.AuthenticationAccepted]);
      expect(device.store.get(SERVER_ID)?.nonceToUse).toEqual(before);
      expect((await store.getNonces(DEVICE)).previousExpectedNonce).toEqual(before);
      await restart();
      // Next session, after a restart: the device digests over the nonce before the lost one;
      // with no retries allowed, a counted failure would end it.
      expect(await authenticate(store, device, { maxRetries: 0 })).toEqual([StatusCode.InvalidCredentials, StatusCode.AuthenticationAccepted]);
    });

    it('a wrong password is refused; the prover side gets our server credentials', async () => {
      await addDevice('md5');
      const creds = (await DeviceCredentials.load(store, DEVICE))!;
      const liar = new InMemoryCredentialStore([[SERVER_ID, { ours: { username: 'dev-user', password: 'guess', scheme: AuthType.Basic } }]]);
      const verifier = new AuthVerifier(creds.verifierOptions(random, { offered: AuthType.Basic })!);
      expect(verifier.scheme).toBe(AuthType.Md5Digest);
      expect(judge(verifier, new AuthProver({ store: liar, peer: SERVER_ID, scheme: AuthType.Md5Digest }).outgoing()).authenticated).toBe(false);
      const prover = new AuthProver(creds.proverOptions()!);
      expect(prover.scheme).toBe(AuthType.Md5Digest);
      expect(prover.outgoing().cred).toBeDefined();
    });

    it('offers the schemes the device may use, and none for a device without SyncML credentials', async () => {
      await store.addDevice({ id: DEVICE, serverId: SERVER_ID, client: { scheme: 'md5', name: 'u', secret: new Secret('p') }, server: { scheme: 'none' }, acceptedClientSchemes: ['hmac', 'md5'] }, T0);
      await store.addDevice({ id: 'open', serverId: SERVER_ID, client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
      const creds = (await DeviceCredentials.load(store, DEVICE))!;
      expect(creds.clientSchemes()).toEqual(['md5', 'hmac']);
      expect(creds.clientScheme(AuthType.Hmac)).toBe(AuthType.Hmac);
      expect(creds.clientScheme(AuthType.Basic)).toBe(AuthType.Md5Digest);
      expect(creds.proverOptions()).toBeUndefined();
      const open = (await DeviceCredentials.load(store, 'open'))!;
      expect(open.verifierOptions(random)).toBeUndefined();
      expect(await DeviceCredentials.load(store, 'nobody')).toBeUndefined();
    });

    it('hands the session passwords it can read but never print', async () => {
      await addDevice('hmac');
      const creds = (await DeviceCredentials.load(store, DEVICE))!;
      const record = creds.get(DEVICE)!;
      expect(record.theirs?.password).toBe('dev-pass');
      expect(record.ours?.password).toBe('srv-pass');
      for (const text of [JSON.stringify(record), inspect(record, { depth: 5 }), JSON.stringify(creds), inspect(creds, { depth: 8 })]) {
        expect(text).not.toContain('dev-pass');
        expect(text).not.toContain('srv-pass');
      }
      expect(creds.get('another-device')).toBeUndefined();
    });

    it('rate-limits failed authentications per device, in the store that every process shares', async () => {
      await addDevice('basic');
      await store.addDevice({ id: 'other', serverId: SERVER_ID, client: { scheme: 'none' }, server: { scheme: 'none' } }, T0);
      const limiter = new AuthRateLimiter(store, { max: 2, windowMs: 1000, lockMs: 5000 });
      expect(await limiter.failed(DEVICE, T0)).toEqual({ allowed: true });
      expect(await limiter.failed(DEVICE, T0 + 10)).toEqual({ allowed: false, retryAfterMs: 5000 });
      const elsewhere = new AuthRateLimiter(await database.open(), limiter.policy);
      expect(await elsewhere.check(DEVICE, T0 + 20)).toEqual({ allowed: false, retryAfterMs: 4990 });
      expect(await elsewhere.check('other', T0 + 20)).toEqual({ allowed: true });
      expect(await limiter.check(DEVICE, T0 + 10 + 5000)).toEqual({ allowed: true });
      await limiter.failed(DEVICE, T0 + 20);
      await limiter.succeeded(DEVICE);
      expect(await limiter.check(DEVICE, T0 + 30)).toEqual({ allowed: true });
      expect(admission({ count: 9, windowStart: T0, lockedUntil: T0 }, T0)).toEqual({ allowed: true });
      expect(() => new AuthRateLimiter(store, { max: 0, windowMs: 1, lockMs: 1 })).toThrow(RangeError);
    });
  });
}

suite(sqlite);
describePostgres('device credentials on postgres', () => suite(postgres));
