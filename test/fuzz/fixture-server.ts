/**
 * A DM server for testing the fuzzer: the project's ServerSession behind createDmServer on
 * 127.0.0.1, with one rule broken at a time (`breaks`), or none. Per session it answers the
 * client's commands (200 for the session Alert, Generic Alerts and the DevInfo Replace, 405
 * for anything a client may not send) and, once Package#1 is in, sends a Get, a Replace of
 * a 3,000-byte object (a large object at a small MaxMsgSize; smaller when the client's
 * MaxObjSize says so) and a confirm Alert 1101.
 *
 * Bounded: at most MAX_SESSIONS sessions are kept (the oldest go first).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { AuthType, ServerSession, StatusCode, auth, decode, encodeWbxml, encodeXml, isDecodeError, isProtocolError, type SyncML, type SyncBodyCommand } from '../../src/index.js';
import { createDmServer, stopDmServer, type DmHttpAnswer, type DmHttpRequest } from '../../src/server/http/dm-http.js';

export type FixtureBreak =
  /** No Status for the session Alert (CmdID 1) of a message. */
  | 'no-status'
  /** The Status 200 of the DevInfo Replace (CmdRef 2) names CmdRef 102. */
  | 'wrong-cmdref'
  /** Final on every message of a package that spans messages (not on Next Message responses). */
  | 'final-on-non-last'
  /** The client's MaxMsgSize is not read: messages up to 64 KiB. */
  | 'over-maxmsgsize'
  /** A chunked object cut short by a new command is not reported (no Alert 1225). */
  | 'chunks-out-of-order'
  /** Chunks are answered 200, not 213. */
  | 'no-213'
  /** Size is not checked: 200 where 424 is due. */
  | 'size-unchecked'
  /** A Status 401 goes without its Chal. */
  | 'no-chal-on-401'
  /** A command the server does not handle (anything but Alert and Replace) throws: HTTP 500. */
  | 'crash-on-unknown';

export interface FixtureOptions {
  readonly breaks?: FixtureBreak;
  readonly auth?: 'none' | 'basic' | 'md5' | 'hmac';
  readonly devId?: string;
  readonly username?: string;
  readonly password?: string;
  /** How the server authenticates to the client (its prover), with this id and secret. */
  readonly serverAuth?: 'none' | 'basic' | 'md5' | 'hmac';
  readonly serverId?: string;
  readonly serverSecret?: string;
  /** Port to listen on (default: any free one). */
  readonly port?: number;
}

export interface Fixture {
  readonly url: string;
  /** Handler calls so far. */
  readonly requests: () => number;
  close(): Promise<void>;
}

const SERVER_URI = 'http://127.0.0.1/dm';
const MAX_SESSIONS = 256;
const OBJECT_SIZE = 3000;

/** Deterministic nonces (a counter): tests never depend on chance. */
function counterRandom(): (n: number) => Uint8Array {
  let k = 0;
  return (n) => Uint8Array.from({ length: n }, (_, i) => (k++ * 31 + i * 7) & 0xff);
}

interface Slot {
  session: ServerSession;
  planned: boolean;
  maxObjSize?: number;
}

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const breaks = options.breaks;
  const authScheme = options.auth ?? 'none';
  const devId = options.devId ?? 'IMEI:000000000000000';
  const store = new auth.InMemoryCredentialStore();
  const scheme = authScheme === 'basic' ? AuthType.Basic : authScheme === 'md5' ? AuthType.Md5Digest : AuthType.Hmac;
  if (authScheme !== 'none') store.set(devId, { theirs: { username: options.username ?? devId, password: options.password ?? 'secret', scheme } });
  const random = counterRandom();
  const schemeOf = (a: 'basic' | 'md5' | 'hmac') => (a === 'basic' ? AuthType.Basic : a === 'md5' ? AuthType.Md5Digest : AuthType.Hmac);
  const serverAuth = options.serverAuth ?? 'none';
  const serverStore = new auth.InMemoryCredentialStore();
  if (serverAuth !== 'none') serverStore.set(devId, { ours: { username: options.serverId ?? 'omadm-fixture', password: options.serverSecret ?? 'server-secret', scheme: schemeOf(serverAuth) } });
  const sessions = new Map<string, Slot>();
  let requests = 0;

  const handler = (request: DmHttpRequest): DmHttpAnswer => {
    requests++;
    let message: SyncML;
    try {
      message = decode(request.body);
    } catch (e) {
      if (isDecodeError(e)) return { kind: 'refusal', status: 400, reason: 'not a DM message' };
      throw e;
    }
    if (breaks === 'over-maxmsgsize' && message.syncHdr.meta) message = { ...message, syncHdr: { ...message.syncHdr, meta: { ...message.syncHdr.meta, maxMsgSize: undefined as unknown as string } } };
    const key = `${message.syncHdr.source.locURI}|${message.syncHdr.sessionID.trim()}`;
    let slot = sessions.get(key);
    if (!slot || (message.syncHdr.msgID.trim() === '1' && slot.session.ended)) {
      if (message.syncHdr.source.locURI !== devId && authScheme !== 'none') return { kind: 'refusal', status: 403, reason: 'unknown device' };
      slot = {
        session: new ServerSession({
          encoding: request.media.encoding,
          sessionID: message.syncHdr.sessionID.trim(),
          localURI: SERVER_URI,
          remoteURI: message.syncHdr.source.locURI,
          maxMsgSize: 64 * 1024,
          ...(authScheme !== 'none' ? { verifier: new auth.AuthVerifier({ store, peer: devId, random, scheme }) } : {}),
          ...(serverAuth !== 'none' ? { prover: new auth.AuthProver({ store: serverStore, peer: devId, scheme: schemeOf(serverAuth) }) } : {}),
        }),
        planned: false,
        ...(message.syncHdr.meta?.maxObjSize !== undefined ? { maxObjSize: Number(message.syncHdr.meta.maxObjSize) } : {}),
      };
      sessions.delete(key);
      sessions.set(key, slot);
      if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    }
    const session = slot.session;
    let events;
    try {
      const received = session.receive(message, { ...(request.hmac !== undefined ? { hmacHeader: request.hmac } : {}), body: request.body });
      if (received.duplicate) {
        const last = session.lastSent;
        return last ? { kind: 'message', body: last.bytes } : { kind: 'refusal', status: 400, reason: 'duplicate of nothing' };
      }
      events = received.events;
    } catch (e) {
      if (isProtocolError(e)) return { kind: 'refusal', status: 400, reason: e.message };
      if (session.current === 'error' || session.ended) return { kind: 'refusal', status: 400, reason: 'the session is over' };
      throw e;
    }
    let opened = false;
    for (const e of events) {
      if (e.type !== 'command') continue;
      const c = e.command;
      if (breaks === 'crash-on-unknown' && c.kind !== 'Alert' && c.kind !== 'Replace') throw new Error(`the fixture does not know <${c.kind}>`);
      if (c.kind === 'Alert') {
        const code = Number((c.data ?? '').trim());
        if (code === 1200 || code === 1201) opened = true;
        session.answer(e, StatusCode.Ok);
      } else if (c.kind === 'Replace' && isDevInfo(c)) session.answer(e, StatusCode.Ok);
      else session.answer(e, StatusCode.CommandNotAllowed);
    }
    session.answerRemaining(StatusCode.CommandNotAllowed);
    if (opened && !slot.planned && events.some((e) => e.type === 'package-complete')) {
      slot.planned = true;
      const size = slot.maxObjSize !== undefined && slot.maxObjSize < OBJECT_SIZE ? Math.floor(slot.maxObjSize / 2) : OBJECT_SIZE;
      session.send({ kind: 'Get', items: [{ target: { locURI: './DevInfo/Mod' } }] });
      session.send({ kind: 'Replace', items: [{ target: { locURI: './Vendor/omadm-fixture/Blob' }, meta: { format: 'chr', emis: [] }, data: 'z'.repeat(size) }] });
      session.send({ kind: 'Alert', data: '1101', items: [{ data: 'MINDT=10' }, { data: 'Apply the omadm fixture settings?' }] });
    }
    let out;
    try {
      out = session.reply();
    } catch (e) {
      if (isProtocolError(e) || (e instanceof Error && e.name === 'LocalProtocolError')) return { kind: 'refusal', status: 400, reason: (e as Error).message };
      throw e;
    }
    if (!out) return { kind: 'refusal', status: 400, reason: 'the session is over' };
    const broken = breakMessage(out.message, breaks);
    const body = broken === out.message ? out.bytes : request.media.encoding === 'wbxml' ? encodeWbxml(broken) : encodeXml(broken);
    const hmac = out.hmacHeader?.(body);
    return { kind: 'message', body, ...(hmac !== undefined ? { hmac } : {}) };
  };

  const server: Server = createDmServer({ handler, maxBodyBytes: 1024 * 1024, headersTimeoutMs: 5000, requestTimeoutMs: 10_000 });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/dm`, requests: () => requests, close: () => stopDmServer(server, 100) };
}

function isDevInfo(c: SyncBodyCommand): boolean {
  return c.kind === 'Replace' && c.items.every((i) => (i.source?.locURI ?? i.target?.locURI ?? '').startsWith('./DevInfo/'));
}

/** The outgoing message with the fixture's broken rule applied (the same object when nothing changes). */
function breakMessage(m: SyncML, breaks: FixtureBreak | undefined): SyncML {
  const commands = m.syncBody.commands;
  const withCommands = (cs: SyncBodyCommand[]): SyncML => (cs.length === 0 ? m : { ...m, syncBody: { ...m.syncBody, commands: cs as SyncML['syncBody']['commands'] } });
  switch (breaks) {
    case 'no-status':
      return commands.some((c) => c.kind === 'Status' && c.cmd === 'Alert' && c.cmdRef === '1') ? withCommands(commands.filter((c) => !(c.kind === 'Status' && c.cmd === 'Alert' && c.cmdRef === '1'))) : m;
    case 'wrong-cmdref':
      return commands.some((c) => c.kind === 'Status' && c.cmd === 'Replace' && c.cmdRef === '2' && c.data === '200')
        ? withCommands(commands.map((c) => (c.kind === 'Status' && c.cmd === 'Replace' && c.cmdRef === '2' && c.data === '200' ? { ...c, cmdRef: '102' } : c)))
        : m;
    case 'final-on-non-last':
      return m.syncBody.final !== true && !commands.some((c) => c.kind === 'Alert' && c.data === '1222') ? { ...m, syncBody: { ...m.syncBody, final: true } } : m;
    case 'chunks-out-of-order':
      return commands.some((c) => c.kind === 'Alert' && c.data === '1225') ? withCommands(commands.filter((c) => !(c.kind === 'Alert' && c.data === '1225'))) : m;
    case 'no-213':
      return rewriteStatus(m, '213', '200');
    case 'size-unchecked':
      return rewriteStatus(m, '424', '200');
    case 'no-chal-on-401':
      return commands.some((c) => c.kind === 'Status' && c.data === '401' && c.chal) ? withCommands(commands.map((c) => (c.kind === 'Status' && c.data === '401' ? { ...c, chal: undefined } : c)) as SyncBodyCommand[]) : m;
    default:
      return m;
  }
}

function rewriteStatus(m: SyncML, from: string, to: string): SyncML {
  if (!m.syncBody.commands.some((c) => c.kind === 'Status' && c.data === from)) return m;
  return { ...m, syncBody: { ...m.syncBody, commands: m.syncBody.commands.map((c) => (c.kind === 'Status' && c.data === from ? { ...c, data: to } : c)) as SyncML['syncBody']['commands'] } };
}
