import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthType, StatusCode } from '../../../generated/codes.js';
import type { Cred } from '../../../generated/types.js';
import {
  buildCred,
  formatHmacHeader,
  hmacMac,
  verifyCred,
  verifyHmac,
  type CredCheck,
} from '../../../src/session/auth/index.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const NONCE = ascii('Nonce');
const OLD = ascii('old nonce');
const passwords: Record<string, string> = { Bruce2: 'OhBehave' };
const check: CredCheck = { passwordFor: (u) => passwords[u], username: 'Bruce2', nonce: NONCE, previousNonce: OLD };

describe('buildCred', () => {
  it('basic: Meta Type and Format b64, Data B64(user:password)', () => {
    expect(buildCred(AuthType.Basic, 'Bruce2', 'OhBehave')).toEqual({
      meta: { type: 'syncml:auth-basic', format: 'b64', emis: [] },
      data: 'QnJ1Y2UyOk9oQmVoYXZl',
    });
  });

  it('md5: the digest over the nonce; an absent nonce is the empty one', () => {
    expect(buildCred(AuthType.Md5Digest, 'Bruce2', 'OhBehave', NONCE)).toEqual({
      meta: { type: 'syncml:auth-md5', format: 'b64', emis: [] },
      data: 'Zz6EivR3yeaaENcRN6lpAQ==',
    });
    expect(buildCred(AuthType.Md5Digest, 'u', 'p').data).toBe(buildCred(AuthType.Md5Digest, 'u', 'p', new Uint8Array(0)).data);
  });
});

describe('verifyCred', () => {
  const md5 = (password: string, nonce: Uint8Array) => buildCred(AuthType.Md5Digest, 'Bruce2', password, nonce);
  const cases: [string, Cred | undefined, typeof AuthType.Basic | typeof AuthType.Md5Digest, CredCheck, string, number][] = [
    ['basic, right', buildCred(AuthType.Basic, 'Bruce2', 'OhBehave'), AuthType.Basic, check, 'valid', StatusCode.AuthenticationAccepted],
    ['basic without Meta (SyncML default)', { data: 'QnJ1Y2UyOk9oQmVoYXZl' }, AuthType.Basic, check, 'valid', 212],
    ['basic, wrong password', buildCred(AuthType.Basic, 'Bruce2', 'x'), AuthType.Basic, check, 'invalid', StatusCode.InvalidCredentials],
    ['basic, unknown user', buildCred(AuthType.Basic, 'Eve', 'OhBehave'), AuthType.Basic, { ...check, username: undefined }, 'invalid', 401],
    ['basic, other user than the expected one', buildCred(AuthType.Basic, 'Eve', 'x'), AuthType.Basic, { ...check, passwordFor: () => 'x' }, 'invalid', 401],
    ['basic without colon', { data: Buffer.from('Bruce2').toString('base64') }, AuthType.Basic, check, 'invalid', 401],
    ['md5, right', md5('OhBehave', NONCE), AuthType.Md5Digest, check, 'valid', 212],
    ['md5, previous nonce', md5('OhBehave', OLD), AuthType.Md5Digest, check, 'stale', 401],
    ['md5, older nonce', md5('OhBehave', ascii('older')), AuthType.Md5Digest, check, 'invalid', 401],
    ['md5, wrong password over the previous nonce', md5('x', OLD), AuthType.Md5Digest, check, 'invalid', 401],
    ['md5, wrong password', md5('x', NONCE), AuthType.Md5Digest, check, 'invalid', 401],
    ['md5, no name to check it for', md5('OhBehave', NONCE), AuthType.Md5Digest, { ...check, username: undefined }, 'invalid', 401],
    ['md5, type in other case', { ...md5('OhBehave', NONCE), meta: { type: 'SyncML:Auth-MD5', format: 'B64', emis: [] } }, AuthType.Md5Digest, check, 'valid', 212],
    ['md5 where basic is required', md5('OhBehave', NONCE), AuthType.Basic, check, 'invalid', 401],
    ['basic where md5 is required', buildCred(AuthType.Basic, 'Bruce2', 'OhBehave'), AuthType.Md5Digest, check, 'invalid', 401],
    ['unknown type', { meta: { type: 'syncml:auth-X509', emis: [] }, data: 'AAAA' }, AuthType.Md5Digest, check, 'invalid', 401],
    ['format bin', { ...md5('OhBehave', NONCE), meta: { type: AuthType.Md5Digest, format: 'bin', emis: [] } }, AuthType.Md5Digest, check, 'invalid', 401],
    ['data not base64', { meta: { type: AuthType.Md5Digest, emis: [] }, data: 'not base64!' }, AuthType.Md5Digest, check, 'invalid', 401],
    ['md5 without its padding', { ...md5('OhBehave', NONCE), data: 'Zz6EivR3yeaaENcRN6lpAQ' }, AuthType.Md5Digest, check, 'valid', 212],
    ['basic with Type and no Format', { meta: { type: AuthType.Basic, emis: [] }, data: 'QnJ1Y2UyOk9oQmVoYXZl' }, AuthType.Basic, check, 'valid', 212],
    ['9.1 replay, md5 over the empty nonce, none issued yet: challenged, not accepted', md5('OhBehave', new Uint8Array(0)), AuthType.Md5Digest, { ...check, nonce: undefined, previousNonce: undefined }, 'stale', 401],
    ['9.1 replay, md5 over the empty nonce, issued as empty', md5('OhBehave', new Uint8Array(0)), AuthType.Md5Digest, { ...check, nonce: new Uint8Array(0), previousNonce: undefined }, 'stale', 401],
    ['9.1 replay, md5 over the empty nonce once a nonce was issued', md5('OhBehave', new Uint8Array(0)), AuthType.Md5Digest, { ...check, previousNonce: new Uint8Array(0) }, 'invalid', 401],
    ['no Cred', undefined, AuthType.Md5Digest, check, 'missing', StatusCode.MissingCredentials],
    ['empty Data', { data: ' ' }, AuthType.Basic, check, 'missing', 407],
  ];
  it.each(cases)('%s', (_, cred, scheme, c, outcome, status) => {
    const verdict = verifyCred(cred, scheme, c);
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.status).toBe(status);
    expect(verdict.reason).not.toContain('OhBehave');
  });

  it('never throws for any Cred a peer can send', () => {
    const meta = fc.record({ type: fc.option(fc.oneof(fc.constantFrom(...Object.values(AuthType)), fc.string()), { nil: undefined }), format: fc.option(fc.string(), { nil: undefined }), emis: fc.constant<string[]>([]) });
    const cred = fc.record({ meta: fc.option(meta, { nil: undefined }), data: fc.oneof(fc.string(), fc.base64String()) });
    fc.assert(fc.property(fc.option(cred, { nil: undefined }), fc.constantFrom(AuthType.Basic, AuthType.Md5Digest), (c, scheme) => {
      expect(['valid', 'stale', 'invalid', 'missing']).toContain(verifyCred(c, scheme, check).outcome);
    }));
  });
});

describe('verifyHmac', () => {
  const body = ascii('<SyncML/>');
  const header = (password: string, nonce: Uint8Array, username = 'Bruce2') =>
    formatHmacHeader({ algorithm: 'MD5', username, mac: hmacMac(username, password, nonce, body) });

  it.each([
    ['right', header('OhBehave', NONCE), body, 'valid', 212],
    ['previous nonce', header('OhBehave', OLD), body, 'stale', 401],
    ['other body', header('OhBehave', NONCE), ascii('<SyncML>changed</SyncML>'), 'invalid', 401],
    ['wrong password', header('x', NONCE), body, 'invalid', 401],
    ['other user', header('OhBehave', NONCE, 'Eve'), body, 'invalid', 401],
    ['malformed header', 'algorithm=MD5, mac=xx', body, 'invalid', 401],
    ['mac not base64', 'algorithm=MD5, username="Bruce2", mac=!!', body, 'invalid', 401],
    ['no header', undefined, body, 'missing', 407],
    ['mac without padding, no algorithm', `username="Bruce2", mac=${hmacMac('Bruce2', 'OhBehave', NONCE, body).replace(/=+$/, '')}`, body, 'valid', 212],
    ['9.1 replay: over the empty nonce once one was issued', header('OhBehave', new Uint8Array(0)), body, 'invalid', 401],
  ] as const)('%s', (_, value, received, outcome, status) => {
    const verdict = verifyHmac(value, received, check);
    expect([verdict.outcome, verdict.status]).toEqual([outcome, status]);
  });

  it('never throws for any header text', () => {
    fc.assert(fc.property(fc.option(fc.string(), { nil: undefined }), (value) => {
      expect(verifyHmac(value, body, check).outcome).not.toBe('valid');
    }));
  });
});
