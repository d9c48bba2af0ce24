import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isNotificationError } from '../../src/notification/errors.js';
import { buildTrigger, dmVersionField, Initiator, parseTrigger, requestedSession, UiMode, verifyTrigger, ZERO_NONCE } from '../../src/notification/trigger.js';

const secret = { password: 'srv-secret', nonce: new Uint8Array([1, 2, 3, 4]) };

describe('Package#0 trigger (DM Notification)', () => {
  it('DM-PRO-Session-C-001: lays the fields out bit by bit after the 128-bit digest', () => {
    const bytes = buildTrigger({ version: dmVersionField('1.2'), uiMode: UiMode.UserInteraction, initiator: Initiator.Server, sessionId: 0xbeef, serverId: 'srv' }, secret);
    // version 12 = 0000001100, ui 11, initiator 1, future 000 -> 0000 0011 0011 1000; 24 zero bits; session id; length 3; "srv".
    expect([...bytes.slice(16)]).toEqual([0x03, 0x38, 0, 0, 0, 0xbe, 0xef, 3, 0x73, 0x72, 0x76]);
    const md5 = (...p: (string | Uint8Array)[]) => p.reduce((h, x) => h.update(x), createHash('md5')).digest();
    const expected = md5(`${md5('srv:srv-secret').toString('base64')}:`, secret.nonce, `:${md5(bytes.slice(16)).toString('base64')}`);
    expect(Buffer.from(bytes.slice(0, 16)).equals(expected)).toBe(true);
  });

  it('version 13 for DM 1.3; build then parse gives back every field', () => {
    fc.assert(
      fc.property(
        fc.record({
          version: fc.constantFrom(12, 13),
          uiMode: fc.constantFrom(0, 1, 2, 3) as fc.Arbitrary<UiMode>,
          initiator: fc.constantFrom(0, 1) as fc.Arbitrary<Initiator>,
          sessionId: fc.integer({ min: 0, max: 0xffff }),
          serverId: fc.string({ minLength: 1, maxLength: 60 }).filter((s) => Buffer.byteLength(s) <= 255),
          vendor: fc.uint8Array({ maxLength: 20 }),
        }),
        (fields) => {
          const t = parseTrigger(buildTrigger(fields, secret));
          expect({ version: t.version, uiMode: t.uiMode, initiator: t.initiator, sessionId: t.sessionId, serverId: t.serverId, future: t.future }).toEqual({
            version: fields.version, uiMode: fields.uiMode, initiator: fields.initiator, sessionId: fields.sessionId, serverId: fields.serverId, future: 0,
          });
          expect([...(t.vendor ?? [])]).toEqual([...fields.vendor]);
          expect(verifyTrigger(t, secret)).toBe('stored');
        },
      ),
    );
    expect(dmVersionField('1.3')).toBe(13);
  });

  it('DM-PRO-Session-C-003: asks for a server-initiated session (Alert 1200) with the session id in hex', () => {
    const t = parseTrigger(buildTrigger({ version: 13, uiMode: 0, initiator: 1, sessionId: 0x2a, serverId: 'srv' }, secret));
    expect(requestedSession(t)).toEqual({ alert: 1200, sessionID: '2A', serverId: 'srv', uiMode: 0, dmVersion: '1.3' });
  });

  it('refuses a bad digest with a typed error; the all-zero nonce is the one fallback', () => {
    const t = parseTrigger(buildTrigger({ version: 12, uiMode: 0, initiator: 1, sessionId: 1, serverId: 'srv' }, secret));
    const problem = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        if (isNotificationError(e)) return e.problem;
        throw e;
      }
      return undefined;
    };
    expect(problem(() => verifyTrigger(t, { ...secret, password: 'wrong' }))).toBe('bad-digest');
    expect(problem(() => verifyTrigger(t, { ...secret, nonce: new Uint8Array([9]) }))).toBe('bad-digest');
    const zero = parseTrigger(buildTrigger({ version: 12, uiMode: 0, initiator: 1, sessionId: 1, serverId: 'srv' }, { ...secret, nonce: ZERO_NONCE }));
    expect(verifyTrigger(zero, secret)).toBe('zero');
    expect(problem(() => verifyTrigger(zero, secret, false))).toBe('bad-digest');
    const tampered = buildTrigger({ version: 12, uiMode: 0, initiator: 1, sessionId: 1, serverId: 'srv' }, secret);
    tampered[22] ^= 1;
    expect(problem(() => verifyTrigger(parseTrigger(tampered), secret))).toBe('bad-digest');
  });

  it('hostile bytes never crash the reader: a trigger or a NotificationError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const t = parseTrigger(bytes);
          expect(t.serverId.length).toBeGreaterThan(0);
        } catch (e) {
          expect(isNotificationError(e)).toBe(true);
        }
      }),
    );
    expect(() => parseTrigger(new Uint8Array(5000))).toThrow(/more than/);
  });
});
