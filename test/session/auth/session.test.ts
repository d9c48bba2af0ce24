/**
 * Section 9 inside whole sessions: a ClientSession and a ServerSession over the pair
 * harness of test/session/pair.ts (every message really encoded and decoded), with the
 * authentication machines of src/session/auth. Each test names the section it checks.
 */
import { describe, expect, it } from 'vitest';
import { AuthType, StatusCode } from '../../../generated/codes.js';
import type { Status, SyncML } from '../../../generated/types.js';
import { AuthProver, AuthVerifier, InMemoryCredentialStore, isAuthStateError, type RandomSource } from '../../../src/session/auth/index.js';
import { isLocalProtocolError } from '../../../src/session/errors.js';
import type { EndpointConfig, SessionEvent } from '../../../src/session/endpoint.js';
import { ClientSession } from '../../../src/session/client-session.js';
import { ServerSession } from '../../../src/session/server-session.js';
import { checkWire } from '../invariants.js';
import { CLIENT_URI, Pair, SERVER_URI, counterNonces, type WireRecord } from '../pair.js';

const USER = 'Bruce2';
const PASSWORD = 'OhBehave';

const statuses = (m: SyncML): Status[] => m.syncBody.commands.filter((c): c is Status => c.kind === 'Status');
const headerStatus = (m: SyncML): Status => statuses(m).find((s) => s.cmd === 'SyncHdr')!;
const fromServer = (wire: WireRecord[]) => wire.filter((r) => r.from === 'server');
const fromClient = (wire: WireRecord[]) => wire.filter((r) => r.from === 'client');
const authFailed = (events: SessionEvent[]) => events.filter((e): e is Extract<SessionEvent, { type: 'auth-failed' }> => e.type === 'auth-failed');

interface AuthSetup {
  readonly scheme?: AuthType;
  readonly preemptive?: boolean;
  /** What the client presents (default: the right password). */
  readonly password?: string;
  readonly maxRetries?: number;
  readonly random?: RandomSource;
  readonly serverStore?: InMemoryCredentialStore;
  /** A nonce both sides already hold (from an earlier session). */
  readonly initialNonce?: Uint8Array;
}

/** The client authenticates to the server; `serverStore` may be shared between sessions. */
function authPair(setup: AuthSetup = {}, extra: { client?: Partial<EndpointConfig>; server?: Partial<EndpointConfig> } = {}): Pair {
  const scheme = setup.scheme ?? AuthType.Md5Digest;
  const nonce = setup.initialNonce;
  const clientStore = new InMemoryCredentialStore([[SERVER_URI, { ours: { username: USER, password: setup.password ?? PASSWORD, scheme }, ...(nonce ? { nonceToUse: nonce } : {}) }]]);
  const serverStore =
    setup.serverStore ?? new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: USER, password: PASSWORD, scheme }, ...(nonce ? { expectedNonce: nonce } : {}) }]]);
  const prover = new AuthProver({ store: clientStore, peer: SERVER_URI, preemptive: setup.preemptive ?? true, maxRetries: setup.maxRetries });
  const verifier = new AuthVerifier({ store: serverStore, peer: CLIENT_URI, random: setup.random ?? counterNonces(), scheme, maxRetries: setup.maxRetries });
  return new Pair({
    encoding: 'xml',
    clientMaxMsgSize: 20_000,
    serverMaxMsgSize: 20_000,
    client: { prover, ...extra.client },
    server: { verifier, ...extra.server },
  });
}

/** Every Status with 401 or 407 on the wire carries a Chal with a Type (9.1). */
function expectChalOnEvery401And407(wire: WireRecord[]): number {
  let seen = 0;
  for (const r of wire) {
    for (const s of statuses(r.message)) {
      if (s.data !== '401' && s.data !== '407') continue;
      seen++;
      expect(s.chal?.meta.type, `${r.from} message ${r.message.syncHdr.msgID}: Status ${s.data} for ${s.cmd} ${s.cmdRef} has a Chal`).toBeDefined();
    }
  }
  return seen;
}

describe('9.1 Chal: every Status with 401 or 407 carries one (DM-PRO-S-010-M)', () => {
  it('for the SyncHdr and for every command of an unauthenticated Package#1, the same challenge in each', () => {
    for (const scheme of [AuthType.Basic, AuthType.Md5Digest, AuthType.Hmac]) {
      const pair = authPair({ scheme, preemptive: false });
      pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
      expect(pair.run(50)).toBe(true);
      checkWire(pair.wire);
      const challenge = fromServer(pair.wire)[0]!.message;
      expect(statuses(challenge).map((s) => [s.cmd, s.data])).toEqual([['SyncHdr', '407'], ['Alert', '407'], ['Replace', '407']]);
      const chals = statuses(challenge).map((s) => s.chal);
      expect(chals[0]?.meta.type).toBe(scheme);
      for (const chal of chals) expect(chal).toEqual(chals[0]);
      expect(expectChalOnEvery401And407(pair.wire)).toBe(3);
    }
  });

  it('for a command the application answers with 401 or 407: the Chal names our scheme and the nonce of the header\'s Chal; with no verifier to challenge with, such an answer is refused', () => {
    const pair = authPair({ initialNonce: Uint8Array.of(1, 2, 3) });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    const commands = pair.server.receive(p1.message).events.filter((e) => e.type === 'command');
    expect(commands.map((e) => e.type === 'command' && e.command.kind)).toEqual(['Alert', 'Replace']);
    pair.server.answer(commands[0] as Extract<SessionEvent, { type: 'command' }>, StatusCode.Ok);
    pair.server.answer(commands[1] as Extract<SessionEvent, { type: 'command' }>, StatusCode.MissingCredentials);
    const reply = pair.server.reply()!.message;
    const [hdr, , replace] = statuses(reply);
    expect(hdr).toMatchObject({ data: '212', chal: { meta: { type: AuthType.Md5Digest, nextNonce: expect.any(String) } } });
    expect(replace).toMatchObject({ cmd: 'Replace', data: '407', chal: hdr!.chal });

    const plain = new Pair({ encoding: 'xml', clientMaxMsgSize: 20_000, serverMaxMsgSize: 20_000 });
    const q1 = plain.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    const [alert] = plain.server.receive(q1.message).events.filter((e): e is Extract<SessionEvent, { type: 'command' }> => e.type === 'command');
    let error: unknown;
    try {
      plain.server.answer(alert!, StatusCode.InvalidCredentials);
    } catch (e) {
      error = e;
    }
    expect(isLocalProtocolError(error) && error.problem).toBe('wrong-state');
    plain.server.answer(alert!, StatusCode.Forbidden); // still owed: nothing was queued
  });

  it('on the give-up too: a wrong password gets 401 + Chal to the last, the last answer holds only Statuses with Final, and the Chal holds the next nonce', () => {
    const serverStore = new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: USER, password: PASSWORD } }]]);
    const pair = authPair({ password: 'wrong', serverStore });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run(50)).toBe(true);
    const answers = fromServer(pair.wire);
    expect(answers.map((r) => headerStatus(r.message).data)).toEqual(['401', '401', '401', '401']);
    expect(expectChalOnEvery401And407(pair.wire)).toBe(12);
    const last = answers.at(-1)!.message;
    expect(last.syncBody.final).toBe(true);
    expect(last.syncBody.commands.every((c) => c.kind === 'Status')).toBe(true);
    expect(headerStatus(last).chal?.meta.nextNonce).toBe(Buffer.from(serverStore.get(CLIENT_URI)!.expectedNonce!).toString('base64'));
  });
});

describe('9.1 the answer to a message that failed authentication', () => {
  /** The server must authenticate to the client, and sends no credentials. */
  const clientVerifies = () => {
    const clientCreds = new InMemoryCredentialStore([[SERVER_URI, { theirs: { username: 'dm-server', password: 'S3cret', scheme: AuthType.Basic } }]]);
    return new Pair({
      encoding: 'xml',
      clientMaxMsgSize: 20_000,
      serverMaxMsgSize: 20_000,
      client: { verifier: new AuthVerifier({ store: clientCreds, peer: SERVER_URI, random: counterNonces(), scheme: AuthType.Basic }) },
    });
  };

  it('holds only Statuses: a command the client queued waits for an authenticated server message', () => {
    const pair = clientVerifies();
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    for (const e of pair.server.receive(p1.message).events) if (e.type === 'command') pair.server.answer(e, StatusCode.Ok);
    pair.server.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] });
    const s2 = pair.server.reply()!;
    const c = pair.client.receive(s2.message);
    expect(c.events.some((e) => e.type === 'command')).toBe(false);
    pair.client.send({ kind: 'Alert', data: '1226', items: [{ data: 'a generic alert' }] });
    const c3 = pair.client.reply()!.message;
    expect(c3.syncBody.commands.map((x) => (x.kind === 'Status' ? `${x.cmd} ${x.data}` : x.kind))).toEqual(['SyncHdr 407', 'Get 407']);
    expectChalOnEvery401And407([{ from: 'client', bytes: new Uint8Array(0), message: c3, limit: 0 }]);
  });

  it('9: a server Package#2 without credentials, challenge or commands is not challenged back (the client MUST NOT): the client sends nothing', () => {
    const pair = clientVerifies();
    expect(pair.run(50)).toBe(true);
    expect(pair.wire.map((r) => r.from)).toEqual(['client', 'server']);
    expect(pair.client.ended).toBe(true);
  });
});

describe('9.1 give-up: the session ends cleanly on both sides', () => {
  it('the verifier gives up: an auth-failed event, both sessions end, nothing throws, the next message is refused as after any end', () => {
    const pair = authPair({ password: 'wrong' });
    expect(pair.run(50)).toBe(true);
    expect(pair.server.ended && pair.client.ended).toBe(true);
    expect(authFailed(pair.serverEvents)).toEqual([{ type: 'auth-failed', status: StatusCode.InvalidCredentials, role: 'verifier' }]);
    expect(authFailed(pair.clientEvents)).toEqual([{ type: 'auth-failed', status: StatusCode.InvalidCredentials, role: 'prover' }]);
    expect(pair.serverEvents.some((e) => e.type === 'command')).toBe(false);
    // The client's last message again is a duplicate (answered again); a new one finds the session ended.
    const lastFromClient = fromClient(pair.wire).at(-1)!.message;
    expect(pair.server.receive(lastFromClient).duplicate).toBe(true);
    const next = { ...lastFromClient, syncHdr: { ...lastFromClient.syncHdr, msgID: String(Number(lastFromClient.syncHdr.msgID) + 1) } };
    let error: unknown;
    try {
      pair.server.receive(next);
    } catch (e) {
      error = e;
    }
    expect(isAuthStateError(error)).toBe(false);
    expect(isLocalProtocolError(error) && error.problem).toBe('session-ended');
    expect(pair.server.reply()).toBeUndefined();
  });

  it('a verifier with fewer retries than the prover: the server ends after its last 401 + Chal; the client, refused fewer times than it would take, is left to resend to a closed session', () => {
    // The prover keeps its default of 3; the server gives up on the first wrong credential.
    const verifier = new AuthVerifier({
      store: new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: USER, password: PASSWORD } }]]),
      peer: CLIENT_URI,
      random: counterNonces(),
      maxRetries: 0,
    });
    const p = authPair({ password: 'wrong' }, { server: { verifier } });
    let error: unknown;
    try {
      p.run(50);
    } catch (e) {
      error = e;
    }
    expect(p.server.ended).toBe(true);
    expect(fromServer(p.wire)).toHaveLength(1);
    expect(headerStatus(fromServer(p.wire)[0]!.message)).toMatchObject({ data: '401', chal: { meta: { type: AuthType.Md5Digest } } });
    // What escapes is the closed server's refusal of a message after its end, never an AuthStateError.
    expect(isAuthStateError(error)).toBe(false);
    expect(isLocalProtocolError(error) && error.problem).toBe('session-ended');
  });

  it('9.1 authorisation refused: after 401 without Chal to credentials it sent, the client stops at once instead of resending them', () => {
    const pair = authPair({ password: 'wrong' });
    // A server that refuses without challenging.
    pair.tamper = ({ from, message }) => {
      if (from !== 'server') return message;
      const commands = message.syncBody.commands.map((c) => {
        if (c.kind !== 'Status' || !c.chal) return c;
        const { chal: _chal, ...rest } = c;
        return rest;
      }) as SyncML['syncBody']['commands'];
      return { ...message, syncBody: { ...message.syncBody, commands } };
    };
    expect(pair.run(50)).toBe(true);
    expect(fromClient(pair.wire).filter((r) => r.message.syncHdr.cred !== undefined)).toHaveLength(1);
    expect(pair.client.ended).toBe(true);
    expect(authFailed(pair.clientEvents)).toEqual([{ type: 'auth-failed', status: StatusCode.InvalidCredentials, role: 'prover' }]);
    expect(pair.client.reply()).toBeUndefined();
  });

  it('the client as verifier gives up on the server: its last message holds only Statuses (401 + Chal for the header and each command) with Final, and both ends close', () => {
    const toServer = { store: new InMemoryCredentialStore([[SERVER_URI, { ours: { username: USER, password: PASSWORD, scheme: AuthType.Md5Digest } }]]) };
    const serverCreds = new InMemoryCredentialStore([[CLIENT_URI, { ours: { username: 'dm-server', password: 'not it', scheme: AuthType.Basic } }]]);
    const clientCreds = new InMemoryCredentialStore([[SERVER_URI, { theirs: { username: 'dm-server', password: 'S3cret', scheme: AuthType.Basic } }]]);
    const serverStore = new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: USER, password: PASSWORD } }]]);
    const pair = new Pair({
      encoding: 'wbxml',
      clientMaxMsgSize: 20_000,
      serverMaxMsgSize: 20_000,
      client: {
        prover: new AuthProver({ store: toServer.store, peer: SERVER_URI }),
        verifier: new AuthVerifier({ store: clientCreds, peer: SERVER_URI, random: counterNonces(), scheme: AuthType.Basic, maxRetries: 0 }),
      },
      server: {
        verifier: new AuthVerifier({ store: serverStore, peer: CLIENT_URI, random: counterNonces() }),
        prover: new AuthProver({ store: serverCreds, peer: CLIENT_URI }),
      },
    });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run(50)).toBe(true);
    expect(pair.client.ended).toBe(true);
    expect(authFailed(pair.clientEvents).map((e) => e.role)).toEqual(['verifier']);
    // The Get never reached the device.
    expect(pair.clientEvents.some((e) => e.type === 'command')).toBe(false);
    const last = fromClient(pair.wire).at(-1)!.message;
    expect(last.syncBody.final).toBe(true);
    expect(last.syncBody.commands.every((c) => c.kind === 'Status')).toBe(true);
    expect(headerStatus(last)).toMatchObject({ data: '401', chal: { meta: { type: AuthType.Basic } } });
    expectChalOnEvery401And407(pair.wire);
  });

  it('the server as prover gives up (the client refuses its credentials): the server sends nothing more and ends, no AuthStateError', () => {
    const serverCreds = new InMemoryCredentialStore([[CLIENT_URI, { ours: { username: 'dm-server', password: 'not it', scheme: AuthType.Basic } }]]);
    const clientCreds = new InMemoryCredentialStore([[SERVER_URI, { theirs: { username: 'dm-server', password: 'S3cret', scheme: AuthType.Basic } }]]);
    const pair = authPair(
      {},
      {
        client: { verifier: new AuthVerifier({ store: clientCreds, peer: SERVER_URI, random: counterNonces(), scheme: AuthType.Basic }) },
        server: { prover: new AuthProver({ store: serverCreds, peer: CLIENT_URI, maxRetries: 0 }) },
      },
    );
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    pair.run(50);
    expect(pair.server.ended).toBe(true);
    expect(authFailed(pair.serverEvents)).toEqual([{ type: 'auth-failed', status: StatusCode.InvalidCredentials, role: 'prover' }]);
    // The server's one message, then the client's answer refusing it; nothing after.
    expect(pair.wire.map((r) => r.from)).toEqual(['client', 'server', 'client']);
    expect(headerStatus(pair.wire[2]!.message)).toMatchObject({ data: '401', chal: { meta: { type: AuthType.Basic } } });
    expect(pair.server.reply()).toBeUndefined();
  });
});

describe('9.1 nonces: NextNonce read per its Format', () => {
  /** Nonces of ASCII letters, so that they can also travel as chr. */
  const letterNonces = (): RandomSource => {
    let i = 0;
    return (n) => Uint8Array.from({ length: n }, (_, k) => 0x41 + ((i + k) % 26)).map((b, k) => (k === n - 1 ? 0x61 + (i++ % 26) : b));
  };
  const rewrite = (f: (meta: NonNullable<Status['chal']>['meta']) => NonNullable<Status['chal']>['meta']) =>
    ({ from, message }: { from: 'client' | 'server'; message: SyncML }) => {
      if (from !== 'server') return message;
      const commands = message.syncBody.commands.map((c) => (c.kind === 'Status' && c.chal ? { ...c, chal: { meta: f(c.chal.meta) } } : c)) as SyncML['syncBody']['commands'];
      return { ...message, syncBody: { ...message.syncBody, commands } };
    };

  it.each([
    ['b64 without padding', (m: NonNullable<Status['chal']>['meta']) => ({ ...m, nextNonce: m.nextNonce?.replace(/=+$/, '') })],
    ['chr: the nonce as text', (m: NonNullable<Status['chal']>['meta']) => ({ ...m, format: 'chr', ...(m.nextNonce ? { nextNonce: Buffer.from(m.nextNonce, 'base64').toString('latin1') } : {}) })],
    ['no Format, base64', (m: NonNullable<Status['chal']>['meta']) => {
      const { format: _format, ...rest } = m;
      return rest;
    }],
  ])('%s: the client computes over the right bytes and is accepted after one challenge', (_, f) => {
    const pair = authPair({ preemptive: false, random: letterNonces() });
    pair.tamper = rewrite(f);
    expect(pair.run(50)).toBe(true);
    expect(fromServer(pair.wire).map((r) => headerStatus(r.message).data)).toEqual(['407', '212']);
  });
});

describe('HMAC (x-syncml-hmac) as peers write it', () => {
  it.each([
    ['as we write it', (h: string) => h],
    ['no spaces', (h: string) => h.replace(/, /g, ',')],
    ['names in capitals, md5 in lower case', (h: string) => h.replace('algorithm=MD5', 'ALGORITHM=md5').replace('username=', 'UserName=').replace('mac=', 'MAC=')],
    ['the mac quoted, the username not', (h: string) => h.replace(/username="([^"]*)"/, 'username=$1').replace(/mac=(\S+)$/, 'mac="$1"')],
    ['no algorithm (MD5 is the default)', (h: string) => h.replace('algorithm=MD5, ', '')],
    ['the mac without its padding', (h: string) => h.replace(/=+$/, '')],
    ['another order, an extra parameter', (h: string) => { const [a, u, m] = h.split(', '); return `${m}, ${u}, realm="dm", ${a}`; }],
  ])('%s: the server session accepts the message (200 + the next nonce) and its commands run', (_, rewrite) => {
    const pair = authPair({ scheme: AuthType.Hmac, initialNonce: Uint8Array.of(9, 9) });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    const header = rewrite(p1.hmacHeader!(p1.bytes));
    const s = pair.server.receive(p1.message, { hmacHeader: header, body: p1.bytes });
    expect(s.events.filter((e) => e.type === 'command')).toHaveLength(2);
    for (const e of s.events) if (e.type === 'command') pair.server.answer(e, StatusCode.Ok);
    expect(headerStatus(pair.server.reply()!.message)).toMatchObject({ data: '200', chal: { meta: { type: AuthType.Hmac, format: 'b64' } } });
  });

  it('the same header over other bytes is refused (401 + Chal), and nothing runs', () => {
    const pair = authPair({ scheme: AuthType.Hmac, initialNonce: Uint8Array.of(9, 9) });
    const p1 = pair.client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] });
    const other = new TextEncoder().encode(new TextDecoder().decode(p1.bytes).replace(CLIENT_URI, 'IMEI:000000000000000'));
    const s = pair.server.receive(p1.message, { hmacHeader: p1.hmacHeader!(p1.bytes), body: other });
    expect(s.events.some((e) => e.type === 'command')).toBe(false);
    expect(headerStatus(pair.server.reply()!.message)).toMatchObject({ data: '401', chal: { meta: { type: AuthType.Hmac } } });
  });
});

describe('9.1 replay: a digest over the empty nonce is no proof', () => {
  it('a fresh account\'s first MD5 Cred (over no nonce) is challenged, its commands do not run; the session goes on over the nonce given', () => {
    const pair = authPair({ preemptive: true });
    pair.plan.push([{ kind: 'Get', items: [{ target: { locURI: './DevInfo/Man' } }] }]);
    expect(pair.run(50)).toBe(true);
    const [first, second] = fromServer(pair.wire);
    expect(headerStatus(first!.message)).toMatchObject({ data: '401', chal: { meta: { type: AuthType.Md5Digest, format: 'b64' } } });
    expect(statuses(first!.message).slice(1).map((s) => s.data)).toEqual(['401', '401']);
    expect(headerStatus(second!.message).data).toBe('212');
    expect(pair.serverEvents.filter((e) => e.type === 'command')).toHaveLength(2);
  });

  it('a captured Package#1 replayed into a new session is refused whether its digest was over the empty nonce or over a nonce since used', () => {
    const serverStore = new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: USER, password: PASSWORD } }]]);
    const random = counterNonces();
    const honest = authPair({ serverStore, random });
    expect(honest.run(50)).toBe(true);
    const [overEmpty, overNonce] = fromClient(honest.wire);
    expect(headerStatus(fromServer(honest.wire)[1]!.message).data).toBe('212');
    for (const captured of [overEmpty!.message, overNonce!.message]) {
      const attacked = authPair({ serverStore, random });
      const s = attacked.server.receive(captured);
      expect(s.events.some((e) => e.type === 'command')).toBe(false);
      const answer = attacked.server.reply()!;
      expect(headerStatus(answer.message)).toMatchObject({ data: '401', chal: { meta: { type: AuthType.Md5Digest } } });
    }
  });
});

describe('9.1 give-up on both sides of one message', () => {
  it('our prover and our verifier give up on the same message: reply() closes the session without asking the failed prover for credentials (no AuthStateError)', () => {
    const basic = AuthType.Basic;
    const client = new ClientSession({
      encoding: 'xml', localURI: CLIENT_URI, remoteURI: SERVER_URI, sessionID: '77', maxMsgSize: 20_000,
      prover: new AuthProver({ store: new InMemoryCredentialStore([[SERVER_URI, { ours: { username: USER, password: 'wrong', scheme: basic } }]]), peer: SERVER_URI, maxRetries: 0 }),
      verifier: new AuthVerifier({ store: new InMemoryCredentialStore([[SERVER_URI, { theirs: { username: 'dm-server', password: 'S3cret', scheme: basic } }]]), peer: SERVER_URI, random: counterNonces(), maxRetries: 0 }),
    });
    const server = new ServerSession({
      encoding: 'xml', localURI: SERVER_URI, remoteURI: CLIENT_URI, sessionID: '77', maxMsgSize: 20_000,
      verifier: new AuthVerifier({ store: new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: USER, password: PASSWORD, scheme: basic } }]]), peer: CLIENT_URI, random: counterNonces(), maxRetries: 0 }),
      prover: new AuthProver({ store: new InMemoryCredentialStore([[CLIENT_URI, { ours: { username: 'dm-server', password: 'not it', scheme: basic } }]]), peer: CLIENT_URI, maxRetries: 0 }),
    });
    server.receive(client.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }] }).message);
    const refusal = server.reply()!;
    expect(headerStatus(refusal.message).data).toBe('401');
    const { events } = client.receive(refusal.message);
    expect(authFailed(events).map((e) => e.role).sort()).toEqual(['prover', 'verifier']);
    let error: unknown;
    let last;
    try {
      last = client.reply();
    } catch (e) {
      error = e;
    }
    expect(isAuthStateError(error)).toBe(false);
    expect(error).toBeUndefined();
    // Whatever it sends last carries no credentials of ours: we gave up on them.
    if (last) expect(last.message.syncHdr.cred).toBeUndefined();
    expect(client.ended).toBe(true);
  });
});
