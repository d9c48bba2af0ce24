import { describe, expect, it } from 'vitest';
import { AuthType } from '../../../generated/codes.js';
import {
  buildChal,
  DEFAULT_NONCE_LENGTH,
  InMemoryCredentialStore,
  isAuthConfigError,
  newNonce,
  readChallenge,
} from '../../../src/session/auth/index.js';
import { counterRandom } from './pair.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('challenges', () => {
  it('builds a Chal: Type, Format b64 and the nonce base64 (spec 9.4.2 Package #2)', () => {
    expect(buildChal(AuthType.Md5Digest, ascii('Nonce'))).toEqual({
      meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'Tm9uY2U=', emis: [] },
    });
    expect(buildChal(AuthType.Hmac, ascii('N'))).toEqual({ meta: { type: 'syncml:auth-MAC', format: 'b64', nextNonce: 'Tg==', emis: [] } });
  });

  it('a basic Chal has no nonce, even if given one', () => {
    expect(buildChal(AuthType.Basic, ascii('N'))).toEqual({ meta: { type: 'syncml:auth-basic', format: 'b64', emis: [] } });
  });

  it('reads back what it builds', () => {
    for (const scheme of Object.values(AuthType)) {
      const read = readChallenge({ chal: buildChal(scheme, ascii('Nonce')) });
      expect(read).toEqual({ kind: 'challenge', challenge: scheme === AuthType.Basic ? { scheme } : { scheme, nonce: ascii('Nonce') } });
    }
  });

  it.each([
    ['no Chal', {}, { kind: 'none' }],
    ['Chal without Type: basic', { chal: { meta: { emis: [] } } }, { kind: 'challenge', challenge: { scheme: AuthType.Basic } }],
    ['unknown type', { chal: { meta: { type: 'syncml:auth-X509', emis: [] } } }, { kind: 'malformed', reason: 'unknown authentication type "syncml:auth-X509"' }],
    ['nonce of Format b64 not base64', { chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: '%%', emis: [] } } }, { kind: 'malformed', reason: 'nonce: not base64: "%%"' }],
    ['nonce of an unknown Format', { chal: { meta: { type: 'syncml:auth-md5', format: 'hex', nextNonce: '4e', emis: [] } } }, { kind: 'malformed', reason: 'nonce: Format "hex" is neither b64 nor chr' }],
  ])('reads %s without throwing', (_, status, expected) => {
    expect(readChallenge(status)).toEqual(expected);
  });

  it.each([
    ['b64, padded', 'b64', 'Tm9uY2U=', 'Nonce'],
    ['b64 without its padding', 'b64', 'Tm9uY2U', 'Nonce'],
    ['b64 in capitals, spaced', ' B64 ', 'Tm9u\nY2U=', 'Nonce'],
    ['chr: the text itself', 'chr', 'Nonce', 'Nonce'],
    ['chr that happens to look like base64', 'chr', 'Tm9uY2U=', 'Tm9uY2U='],
    ['chr beyond ASCII: its UTF-8 bytes', 'chr', 'Nönce', 'Nönce'],
    ['no Format, base64 (as MetInf defines NextNonce)', undefined, 'Tm9uY2U=', 'Nonce'],
    ['no Format and no base64: the text', undefined, 'Nonce', 'Nonce'],
  ])('9.1 nonces: reads NextNonce per its Format: %s', (_, format, nextNonce, nonce) => {
    const read = readChallenge({ chal: { meta: { type: 'syncml:auth-md5', ...(format !== undefined ? { format } : {}), nextNonce, emis: [] } } });
    expect(read).toEqual({ kind: 'challenge', challenge: { scheme: AuthType.Md5Digest, nonce: ascii(nonce) } });
  });

  it('draws nonces from the injected source only', () => {
    const random = counterRandom(258);
    expect(newNonce(random, 4)).toEqual(Uint8Array.of(0, 0, 1, 2));
    expect(newNonce(random)).toHaveLength(DEFAULT_NONCE_LENGTH);
  });

  it('refuses a source that returns the wrong length', () => {
    let error: unknown;
    try {
      newNonce(() => new Uint8Array(3), 16);
    } catch (e) {
      error = e;
    }
    expect(isAuthConfigError(error)).toBe(true);
  });
});

describe('InMemoryCredentialStore', () => {
  it('keeps the nonce to use, and the expected nonce with the one before it, as copies', () => {
    const store = new InMemoryCredentialStore([['peer', { theirs: { username: 'u', password: 'p' } }]]);
    const nonce = ascii('two');
    store.recordIssuedNonce('peer', nonce, ascii('one'));
    nonce[0] = 0;
    store.recordReceivedNonce('peer', ascii('theirs'));
    expect(store.get('peer')).toEqual({
      theirs: { username: 'u', password: 'p' },
      expectedNonce: ascii('two'),
      previousExpectedNonce: ascii('one'),
      nonceToUse: ascii('theirs'),
    });
    expect(store.get('nobody')).toBeUndefined();
  });
});
