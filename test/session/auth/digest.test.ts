import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  basicCredential,
  constantTimeEqual,
  decodeBase64,
  decodeNonce,
  encodeNonce,
  formatHmacHeader,
  hmacMac,
  isAuthEncodingError,
  md5Credential,
  md5UserDigest,
  parseHmacHeader,
} from '../../../src/session/auth/index.js';

const ascii = (s: string) => new TextEncoder().encode(s);

describe('known answers (PROTOCOL-FACTS, spec 9.4.2)', () => {
  it('MD5 digest of Bruce2 / OhBehave / nonce "Nonce"', () => {
    expect(md5UserDigest('Bruce2', 'OhBehave')).toBe('PtEdr8lBQ45IbT1bZIkrOQ==');
    expect(md5Credential('Bruce2', 'OhBehave', ascii('Nonce'))).toBe('Zz6EivR3yeaaENcRN6lpAQ==');
  });

  it('basic is B64(user ":" password) once (the spec shows it OCR-damaged as OnJ1Y2UyOk9oOmVoYXZ1)', () => {
    expect(basicCredential('Bruce2', 'OhBehave')).toBe('QnJ1Y2UyOk9oQmVoYXZl');
  });

  it('basic refuses a username that could not be split back', () => {
    expect(() => basicCredential('a:b', 'p')).toThrow(expect.objectContaining({ name: 'AuthEncodingError' }));
  });

  it('HMAC over a body, computed step by step from the formula', () => {
    const body = ascii("<SyncML xmlns='SYNCML:SYNCML1.2'><SyncHdr/></SyncML>");
    const nonce = ascii('Nonce');
    const b64md5 = (...parts: (string | Uint8Array)[]) => {
      const h = createHash('md5');
      for (const p of parts) h.update(p);
      return h.digest('base64');
    };
    const expected = b64md5(b64md5('Bruce2:OhBehave'), ':', nonce, ':', b64md5(body));
    expect(hmacMac('Bruce2', 'OhBehave', nonce, body)).toBe(expected);
    // Pinned so that a change of formula is seen even if the step-by-step copy follows it.
    expect(expected).toBe(b64md5('PtEdr8lBQ45IbT1bZIkrOQ==:Nonce:', b64md5(body)));
    expect(expected).toBe('A9eE1Vs1T6HSl6hBFZEHaQ==');
    expect(hmacMac('Bruce2', 'OhBehave', nonce, ascii('other body'))).not.toBe(expected);
  });
});

describe('nonces travel base64', () => {
  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(decodeNonce(encodeNonce(bytes))).toEqual(bytes);
    }));
  });

  it('tolerates the whitespace XML lets in', () => {
    expect(decodeNonce(' Tm9u\n Y2U= \t')).toEqual(ascii('Nonce'));
  });

  it('peer input may leave the padding out (padding optional), never put it in the wrong place', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      expect(decodeBase64(encodeNonce(bytes).replace(/=+$/, ''), 'nonce', 'optional')).toEqual(bytes);
    }));
    for (const bad of ['Tm9uY', 'Tm=uY2U', 'Tm9uY2U===', 'Tm9u*2U']) expect(() => decodeBase64(bad, 'nonce', 'optional')).toThrow(/^nonce: not base64/);
  });

  it.each([
    ['bad character', 'Tm9u*2U='],
    ['missing padding', 'Tm9uY2U'],
    ['padding inside', 'Tm=uY2U='],
    ['url alphabet', 'Tm9u-2U_'],
    ['too much padding', 'Tm9uY2U==='],
  ])('rejects %s with a typed error', (_, text) => {
    let error: unknown;
    try {
      decodeNonce(text);
    } catch (e) {
      error = e;
    }
    expect(isAuthEncodingError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^nonce: not base64/);
  });
});

describe('x-syncml-hmac header', () => {
  it('formats as the spec writes it', () => {
    expect(formatHmacHeader({ algorithm: 'MD5', username: 'Bruce2', mac: 'Zz6EivR3yeaaENcRN6lpAQ==' }))
      .toBe('algorithm=MD5, username="Bruce2", mac=Zz6EivR3yeaaENcRN6lpAQ==');
  });

  it('round-trips any username and a real mac', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (username, digest) => {
      const header = { algorithm: 'MD5' as const, username, mac: Buffer.from(digest).toString('base64') };
      expect(parseHmacHeader(formatHmacHeader(header))).toEqual(header);
    }));
  });

  it.each([
    ['spaces everywhere', ' algorithm = MD5 ,  username = "U" , mac = M== ', 'U', 'M=='],
    ['no spaces', 'algorithm=MD5,username="U",mac=M==', 'U', 'M=='],
    ['unquoted username', 'algorithm=MD5, username=U, mac=M==', 'U', 'M=='],
    ['quoted mac and algorithm', 'algorithm="MD5", username="U", mac="M=="', 'U', 'M=='],
    ['other order, names in capitals, md5 in lower case', 'MAC=M==, Username="U", ALGORITHM=md5', 'U', 'M=='],
    ['comma and escaped quote inside the quoted name', 'algorithm=MD5, username="a, \\"b\\"", mac=M==', 'a, "b"', 'M=='],
    ['unknown extra parameter', 'algorithm=MD5, username="U", mac=M==, realm="x"', 'U', 'M=='],
    ['no algorithm: MD5 is the default', 'username="U", mac=M==', 'U', 'M=='],
  ])('reads %s', (_, value, username, mac) => {
    expect(parseHmacHeader(value)).toEqual({ algorithm: 'MD5', username, mac });
  });

  it.each([
    ['empty algorithm', 'algorithm=, username="U", mac=M', /missing algorithm/],
    ['missing username', 'algorithm=MD5, mac=M', /missing username/],
    ['missing mac', 'algorithm=MD5, username="U"', /missing mac/],
    ['empty mac', 'algorithm=MD5, username="U", mac=', /missing mac/],
    ['empty username', 'algorithm=MD5, username="", mac=M', /missing username/],
    ['another algorithm', 'algorithm=SHA256, username="U", mac=M', /unsupported algorithm SHA256/],
    ['unterminated quote', 'algorithm=MD5, username="U, mac=M', /unterminated/],
    ['no equals sign', 'algorithm MD5, username="U", mac=M', /'=' expected/],
    ['a parameter twice', 'algorithm=MD5, username="U", username="V", mac=M', /given twice/],
    ['space inside a bare value', 'algorithm=MD5, username=U V, mac=M', /space inside/],
    ['text after a quoted value', 'algorithm=MD5, username="U"x, mac=M', /',' expected/],
    ['empty header', '', /missing username/],
  ])('rejects %s with a typed error', (_, value, reason) => {
    let error: unknown;
    try {
      parseHmacHeader(value);
    } catch (e) {
      error = e;
    }
    expect(isAuthEncodingError(error)).toBe(true);
    expect((error as Error).message).toMatch(reason);
  });
});

describe('constantTimeEqual', () => {
  it('agrees with byte equality', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 24 }), fc.uint8Array({ maxLength: 24 }), (a, b) => {
      expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
      expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true);
    }));
  });
});
