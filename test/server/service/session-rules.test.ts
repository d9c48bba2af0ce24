/** Which session a message belongs to (src/server/service/session-rules.ts), rule by rule. */
import { describe, expect, it } from 'vitest';
import { MessageBuilder } from '../../../generated/builders.js';
import type { SyncML } from '../../../generated/types.js';
import { AuthType } from '../../../generated/codes.js';
import { AuthVerifier } from '../../../src/session/auth/authenticator.js';
import { buildCred } from '../../../src/session/auth/credentials.js';
import { InMemoryCredentialStore } from '../../../src/session/auth/store.js';
import { PENDING_MS, openingAlert, placeMessage, provesItself, sameSessionID, type LiveView } from '../../../src/server/service/session-rules.js';
import { NO_JOBS } from '../../../src/server/service/jobs-in-session.js';
import type { StoredSession } from '../../../src/server/service/stored-session.js';
import type { SessionRow } from '../../../src/server/store/types.js';

const NOW = 1_800_000_000_000;

function message(sessionID: string, msgID: string, alert?: number): SyncML {
  const b = new MessageBuilder({ sessionID, msgID, target: { locURI: 'srv' }, source: { locURI: 'dev' } });
  if (alert !== undefined) b.alert({ data: String(alert), items: [] });
  else b.status({ msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: [], sourceRefs: [], data: '200', items: [] });
  return b.final().build();
}

function live(sessionId: string, stored: Partial<StoredSession> | undefined, lastActivity = NOW - 1000): LiveView {
  const row: SessionRow = { ref: 1, deviceId: 'dev', sessionId, snapshot: null, version: 2, startedAt: NOW - 5000, lastActivity, expiresAt: NOW + 60_000 };
  const full = stored && ({ v: 1, setup: {} as never, endpoint: { lastReply: { bytes: '', message: {} } } as never, jobs: NO_JOBS, authFailures: 0, firstIn: 'P1', ...stored } as StoredSession);
  return { row, stored: full };
}

describe('session rules (session-rules.ts)', () => {
  it('rule 1: a message opens a session when it is MsgID 1 with Alert 1201 or 1200', () => {
    expect(openingAlert(message('1', '1', 1201))).toBe(1201);
    expect(openingAlert(message('1', '1', 1200))).toBe(1200);
    expect(openingAlert(message('1', '2', 1201))).toBeUndefined();
    expect(openingAlert(message('1', '1', 1226))).toBeUndefined();
    expect(openingAlert(message('1', '1'))).toBeUndefined();
  });

  it.each([
    ['1', '1', true],
    [' 1 ', '1', true],
    ['0A1', 'a1', true],
    ['00BEEF', 'beef', true],
    ['10', '16', false],
    ['12', '13', false],
    ['x1', 'X1', false],
  ])('rule 1: SessionID %j is %j: %s', (a, b, same) => expect(sameSessionID(a, b)).toBe(same));

  it.each<[string, LiveView | undefined, SyncML, string, string]>([
    ['no live session, Package#1', undefined, message('5', '1', 1201), 'd', 'begin'],
    ['no live session, a later message', undefined, message('5', '3'), 'd', 'over'],
    ['the live session, its next message', live('5', { lastIn: { msgID: '2', digest: 'x' } }), message('5', '3'), 'd', 'continue'],
    ['the live session, its last message again', live('5', { lastIn: { msgID: '2', digest: 'd' } }), message('5', '2'), 'd', 'resend'],
    ['the live session, its last MsgID with other bytes', live('5', { lastIn: { msgID: '2', digest: 'x' } }), message('5', '2'), 'd', 'continue'],
    ['another SessionID opening while one is live', live('5', { lastIn: { msgID: '2', digest: 'x' } }), message('6', '1', 1201), 'd', 'busy'],
    ['another SessionID, a later message', live('5', { lastIn: { msgID: '2', digest: 'x' } }), message('6', '4'), 'd', 'over'],
    ['the same SessionID opening again (starting over)', live('1', { lastIn: { msgID: '3', digest: 'x' } }), message('1', '1', 1201), 'd', 'restart'],
    ['the live session\'s own Package#1 replayed', live('1', { lastIn: { msgID: '3', digest: 'x' }, firstIn: 'd' }), message('1', '1', 1201), 'd', 'replayed'],
    ['a session another process is beginning', live('1', undefined), message('1', '1', 1201), 'd', 'pending'],
    ['a session begun by a process that died', live('1', undefined, NOW - PENDING_MS - 1), message('1', '1', 1201), 'd', 'restart'],
  ])('rules 2, 4, 5: %s', (_title, view, m, digest, kind) => {
    expect(placeMessage(view, m, digest, NOW).kind).toBe(kind);
  });

  it('rule 4: a Package#1 over the live session\'s SessionID proves itself with a verifier of its own, or is refused (counted when its credentials are wrong)', () => {
    const verifier = (): AuthVerifier => {
      const store = new InMemoryCredentialStore([['dev', { theirs: { username: 'dev-user', password: 'right' } }]]);
      return new AuthVerifier({ store, peer: 'dev', scheme: AuthType.Basic, random: () => new Uint8Array(16) });
    };
    const withCred = (password?: string): SyncML => {
      const m = message('1', '1', 1201);
      return password === undefined ? m : { ...m, syncHdr: { ...m.syncHdr, cred: buildCred(AuthType.Basic, 'dev-user', password) } };
    };
    const body = new Uint8Array(0);
    expect(provesItself(verifier(), withCred('right'), { body })).toEqual({ proved: true });
    expect(provesItself(verifier(), withCred('wrong'), { body })).toEqual({ proved: false, status: 401, counted: true });
    expect(provesItself(verifier(), withCred(), { body })).toEqual({ proved: false, status: 407, counted: true });
    // A device without credentials to check has nothing to prove.
    expect(provesItself(undefined, withCred(), { body })).toEqual({ proved: true });
  });
});
