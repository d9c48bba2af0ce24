/**
 * Every verification of a credential compares secrets through constantTimeEqual: the
 * digest module is wrapped with a spy for this file only.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthType } from '../../../generated/codes.js';
import * as digest from '../../../src/session/auth/digest.js';
import { buildCred, formatHmacHeader, hmacMac, verifyCred, verifyHmac, type CredCheck } from '../../../src/session/auth/index.js';

vi.mock('../../../src/session/auth/digest.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/session/auth/digest.js')>();
  return { ...original, constantTimeEqual: vi.fn(original.constantTimeEqual) };
});

const spy = vi.mocked(digest.constantTimeEqual);
const name = fc.stringMatching(/^[A-Za-z0-9._@-]{1,12}$/);
const secret = fc.string({ maxLength: 12 });
const nonce = fc.uint8Array({ maxLength: 8 });

const anyTrue = () => spy.mock.results.some((r) => r.type === 'return' && r.value === true);

describe('verification compares in constant time', () => {
  beforeEach(() => {
    spy.mockClear(); // in braces: a function returned from beforeEach would run as teardown
  });

  it('every Cred that reaches a comparison goes through constantTimeEqual, and only a true one accepts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(AuthType.Basic, AuthType.Md5Digest),
        fc.tuple(name, secret, nonce),
        fc.tuple(name, secret, nonce, fc.option(nonce, { nil: undefined })),
        (scheme, [user, password, usedNonce], [expectedUser, expectedPassword, expectedNonce, previousNonce]) => {
          spy.mockClear();
          const check: CredCheck = {
            passwordFor: (u) => (u === expectedUser ? expectedPassword : undefined),
            username: scheme === AuthType.Md5Digest ? user : undefined,
            nonce: expectedNonce,
            ...(previousNonce ? { previousNonce } : {}),
          };
          const verdict = verifyCred(buildCred(scheme, user, password, usedNonce), scheme, check);
          expect(spy).toHaveBeenCalled();
          const accepted = verdict.outcome === 'valid' || verdict.outcome === 'stale';
          if (accepted) expect(anyTrue() && user === expectedUser).toBe(true);
          if (!anyTrue()) expect(accepted).toBe(false);
          // A digest over the empty nonce is a constant: never valid (9.1 replay).
          if (verdict.outcome === 'valid' && scheme === AuthType.Md5Digest) expect(expectedNonce.byteLength).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('so does every HMAC header', () => {
    fc.assert(
      fc.property(fc.tuple(name, secret, nonce), fc.tuple(secret, nonce), fc.uint8Array({ maxLength: 32 }), ([user, password, usedNonce], [expectedPassword, expectedNonce], body) => {
        spy.mockClear();
        const header = formatHmacHeader({ algorithm: 'MD5', username: user, mac: hmacMac(user, password, usedNonce, body) });
        const verdict = verifyHmac(header, body, { passwordFor: () => expectedPassword, nonce: expectedNonce });
        expect(spy).toHaveBeenCalled();
        if (verdict.outcome === 'valid') expect(anyTrue() && expectedNonce.byteLength > 0).toBe(true);
        if (!anyTrue()) expect(verdict.outcome).toBe('invalid');
      }),
      { numRuns: 200 },
    );
  });

  it('an unknown user costs the same comparison as a known one', () => {
    const check: CredCheck = { passwordFor: () => undefined, username: 'nobody' };
    verifyCred(buildCred(AuthType.Md5Digest, 'nobody', 'p'), AuthType.Md5Digest, check);
    verifyCred(buildCred(AuthType.Basic, 'nobody', 'p'), AuthType.Basic, check);
    // MD5: the expected and the previous nonce, always both; basic: one.
    expect(spy).toHaveBeenCalledTimes(3);
  });
});
