/**
 * A client and a server session joined by an in-memory wire that really encodes and
 * decodes every message (XML or WBXML), after h11's ConnectionPair and aioquic's
 * client_and_server(). The client plays a small device (a map of node values); the
 * server plays a management program that sends planned packages of commands.
 * Every message that crosses is recorded, with its bytes, for the invariant checks.
 */
import { hasNoResp, itemsOf } from '../../generated/command-helpers.js';
import { expect } from 'vitest';
import { isDeepStrictEqual } from 'node:util';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import type { Item, SyncBodyCommand, SyncML } from '../../generated/types.js';
import { StatusCode } from '../../generated/codes.js';
import { isLocalProtocolError } from '../../src/session/errors.js';
import { decodeWbxml, decodeXml, encodeWbxml, encodeXml } from '../../src/index.js';
import { ClientSession } from '../../src/session/client-session.js';
import { ServerSession } from '../../src/session/server-session.js';
import type { EndpointConfig, Outgoing, SessionEvent } from '../../src/session/endpoint.js';
import type { RestoreConfig } from '../../src/session/snapshot.js';
import type { Encoding } from '../../src/session/message-size.js';
import { AuthProver, AuthVerifier, InMemoryCredentialStore, type RandomSource } from '../../src/session/auth/index.js';
import type { AuthType } from '../../generated/codes.js';

export interface WireRecord {
  readonly from: 'client' | 'server';
  readonly bytes: Uint8Array;
  readonly message: SyncML;
  /** MaxMsgSize the receiver had announced when this was sent. */
  readonly limit: number;
}

export interface PairOptions {
  readonly encoding: Encoding;
  readonly clientMaxMsgSize: number;
  readonly serverMaxMsgSize: number;
  readonly clientMaxObjSize?: number;
  readonly serverMaxObjSize?: number;
  readonly client?: Partial<EndpointConfig>;
  readonly server?: Partial<EndpointConfig>;
  /** What a side's authentication needs to be restored from a snapshot (see authConfigs). */
  readonly restore?: { readonly client?: Partial<RestoreConfig>; readonly server?: Partial<RestoreConfig> };
  /**
   * Replace each side by `restore(JSON.parse(JSON.stringify(snapshot())))` after every
   * step (each receive, each set of answers, each reply): the wire must not change.
   */
  readonly restoreEveryStep?: boolean;
  /** Restore only at the steps (counted from 0 over both sides) this says yes to. */
  readonly restoreAt?: (step: number) => boolean;
}

export const CLIENT_URI = 'IMEI:493005100592800';
export const SERVER_URI = 'http://dm.example/manage';

/** Deterministic nonces: a counter over the last byte. */
export function counterNonces(): RandomSource {
  let i = 0;
  return (n) => Uint8Array.from({ length: n }, (_, k) => (k === n - 1 ? ++i % 256 : 0));
}

/** Session configuration for "the client authenticates to the server" with `scheme`. */
export function authConfigs(
  scheme: AuthType,
  opts: { preemptive?: boolean; password?: string } = {},
): { client: Partial<EndpointConfig>; server: Partial<EndpointConfig>; restore: { client: Partial<RestoreConfig>; server: Partial<RestoreConfig> } } {
  const clientStore = new InMemoryCredentialStore([[SERVER_URI, { ours: { username: 'Bruce2', password: opts.password ?? 'OhBehave', scheme } }]]);
  const serverStore = new InMemoryCredentialStore([[CLIENT_URI, { theirs: { username: 'Bruce2', password: 'OhBehave', scheme } }]]);
  const random = counterNonces();
  return {
    client: { prover: new AuthProver({ store: clientStore, peer: SERVER_URI, preemptive: opts.preemptive ?? true }) },
    server: { verifier: new AuthVerifier({ store: serverStore, peer: CLIENT_URI, random, scheme }) },
    restore: { client: { prover: { store: clientStore } }, server: { verifier: { store: serverStore, random } } },
  };
}

export class Pair {
  client: ClientSession;
  server: ServerSession;
  private readonly clientConfig: EndpointConfig;
  private readonly serverConfig: EndpointConfig;
  /** Snapshots taken (with restoreEveryStep), and the largest, in bytes of JSON. */
  snapshots = 0;
  largestSnapshot = 0;
  private steps = 0;
  readonly wire: WireRecord[] = [];
  readonly clientEvents: SessionEvent[] = [];
  readonly serverEvents: SessionEvent[] = [];
  /** The device's management tree, as a flat map. */
  readonly tree = new Map<string, string>([
    ['./DevInfo/DevId', CLIENT_URI],
    ['./DevInfo/Man', 'Device Factory, Inc.'],
  ]);
  /** Packages of commands the server sends, in order, one whenever it may. */
  readonly plan: SyncBodyCommandDraft[][] = [];
  /** What a side refused to send because the other's MaxObjSize is smaller (8). */
  readonly refusedObjects: { readonly by: 'client' | 'server'; readonly kind: string }[] = [];
  /** Tamper with a message in flight (fault injection); return undefined to drop it. */
  tamper: ((r: { from: 'client' | 'server'; message: SyncML }) => SyncML | undefined) | undefined;

  constructor(readonly options: PairOptions) {
    const common = { encoding: options.encoding, sessionID: '42' };
    this.clientConfig = {
      ...common,
      localURI: CLIENT_URI,
      remoteURI: SERVER_URI,
      maxMsgSize: options.clientMaxMsgSize,
      ...(options.clientMaxObjSize !== undefined ? { maxObjSize: options.clientMaxObjSize } : {}),
      peerMaxMsgSize: options.serverMaxMsgSize,
      ...options.client,
    };
    this.serverConfig = {
      ...common,
      localURI: SERVER_URI,
      remoteURI: CLIENT_URI,
      maxMsgSize: options.serverMaxMsgSize,
      ...(options.serverMaxObjSize !== undefined ? { maxObjSize: options.serverMaxObjSize } : {}),
      // The server learns the client's MaxMsgSize from Package#1; until then it assumes it.
      peerMaxMsgSize: options.clientMaxMsgSize,
      ...options.server,
    };
    this.client = new ClientSession(this.clientConfig);
    this.server = new ServerSession(this.serverConfig);
  }

  /** `side` through JSON and back (with restoreEveryStep): after each of its steps. */
  private step(side: 'client' | 'server'): void {
    const n = this.steps++;
    if (!this.options.restoreEveryStep && !this.options.restoreAt?.(n)) return;
    const through = (snapshot: unknown): ReturnType<ServerSession['snapshot']> => {
      const text = JSON.stringify(snapshot);
      this.snapshots++;
      this.largestSnapshot = Math.max(this.largestSnapshot, text.length);
      return JSON.parse(text) as ReturnType<ServerSession['snapshot']>;
    };
    const rest = ({ verifier: _v, prover: _p, ...config }: EndpointConfig) => config;
    if (side === 'client') this.client = ClientSession.restore(through(this.client.snapshot()), { ...rest(this.clientConfig), ...this.options.restore?.client });
    else this.server = ServerSession.restore(through(this.server.snapshot()), { ...rest(this.serverConfig), ...this.options.restore?.server });
  }

  private encode(m: SyncML): Uint8Array {
    return this.options.encoding === 'xml' ? encodeXml(m) : encodeWbxml(m);
  }

  private decode(b: Uint8Array): SyncML {
    return this.options.encoding === 'xml' ? decodeXml(b) : decodeWbxml(b);
  }

  /** Transport details of the last message put on the wire (the HMAC header and body). */
  private lastTransport: { hmacHeader?: string; body?: Uint8Array } = {};

  /** Puts a message on the wire; returns what the other side decodes (or undefined if dropped). */
  private transmit(from: 'client' | 'server', out: Outgoing): SyncML | undefined {
    const limit = from === 'client' ? this.options.serverMaxMsgSize : this.options.clientMaxMsgSize;
    let message = out.message;
    let bytes = out.bytes;
    if (this.tamper) {
      const t = this.tamper({ from, message });
      if (t === undefined) return undefined;
      if (t !== message) bytes = this.encode(t);
      message = t;
    }
    // What crosses is what the bytes say: the session's `message` must be exactly that.
    const received = this.decode(bytes);
    // (isDeepStrictEqual first: vitest's diffing equality is slow on large objects.)
    if (!isDeepStrictEqual(received, message)) expect(received, `${from} message ${message.syncHdr.msgID}: its bytes decode to the message`).toEqual(message);
    this.wire.push({ from, bytes, message: received, limit });
    this.lastTransport = out.hmacHeader ? { hmacHeader: out.hmacHeader(bytes), body: bytes } : {};
    return received;
  }

  /** The device executes what the server sent and answers every command. */
  private deviceAnswers(events: SessionEvent[]): void {
    for (const e of events) {
      if (e.type !== 'command') continue;
      this.execute(e.msgRef, e.command);
    }
  }

  private execute(msgRef: string, command: SyncBodyCommand): void {
    const received = { msgRef, command };
    const items = itemsOf(command);
    switch (command.kind) {
      case 'Add':
      case 'Replace':
        for (const i of items) if (i.target) this.tree.set(i.target.locURI, i.data ?? '');
        this.client.answer(received, StatusCode.Ok);
        break;
      case 'Delete':
        for (const i of items) if (i.target) this.tree.delete(i.target.locURI);
        this.client.answer(received, StatusCode.Ok);
        break;
      case 'Get': {
        const found = items.map((i) => ({ uri: i.target?.locURI ?? '', value: this.tree.get(i.target?.locURI ?? '') }));
        if (found.some((f) => f.value === undefined)) {
          this.client.answer(received, StatusCode.NotFound);
          break;
        }
        try {
          this.client.answer(received, StatusCode.Ok, {
            items: found.map((f) => ({ source: { locURI: f.uri }, data: f.value! })) as [Item, ...Item[]],
            targetRefs: [],
            sourceRefs: [],
          });
        } catch (e) {
          // A value larger than the server's MaxObjSize never goes: 413 instead.
          if (!isLocalProtocolError(e) || e.problem !== 'object-too-large') throw e;
          this.refusedObjects.push({ by: 'client', kind: 'Results' });
          this.client.answer(received, StatusCode.RequestEntityTooLarge);
        }
        break;
      }
      case 'Atomic':
      case 'Sequence':
        for (const c of command.commands) this.execute(msgRef, c as SyncBodyCommand);
        this.client.answer(received, StatusCode.Ok);
        break;
      default:
        if (!hasNoResp(command)) this.client.answer(received, StatusCode.Ok);
    }
  }

  /** The server accepts Package#1 commands and plans its packages. */
  private serverActs(events: SessionEvent[]): void {
    for (const e of events) if (e.type === 'command') this.server.answer({ msgRef: e.msgRef, command: e.command }, StatusCode.Ok);
    const packageComplete = events.some((e) => e.type === 'package-complete');
    if (packageComplete && this.server.awaitingStatus === 0) {
      // The next planned package (skipping one whose every command had to be refused).
      for (let sent = 0; sent === 0 && this.plan.length > 0; ) {
        for (const d of this.plan.shift()!) {
          try {
            this.server.send(d);
            sent++;
          } catch (e) {
            // An object larger than the client's MaxObjSize is never sent.
            if (!isLocalProtocolError(e) || e.problem !== 'object-too-large') throw e;
            this.refusedObjects.push({ by: 'server', kind: d.kind });
          }
        }
      }
    }
  }

  /**
   * Runs a whole session from Package#1 to its end (or `maxSteps` messages). Returns
   * whether it ended on both sides.
   */
  run(maxSteps = 10_000, packageOne: Item[] = [{ source: { locURI: './DevInfo/DevId' }, data: CLIENT_URI }]): boolean {
    let toServer: SyncML | undefined = this.transmit('client', this.client.start({ devInfo: packageOne }));
    this.step('client');
    for (let step = 0; step < maxSteps; step++) {
      if (toServer === undefined) return this.client.ended;
      const s = this.server.receive(toServer, this.lastTransport);
      this.serverEvents.push(...s.events);
      this.step('server');
      if (s.duplicate) {
        const again = this.server.lastSent;
        if (!again) return false;
        const back = this.transmit('server', again);
        if (back === undefined) return false;
        toServer = this.clientTurn(back);
        continue;
      }
      this.serverActs(s.events);
      this.step('server');
      const reply = this.server.reply();
      this.step('server');
      if (reply === undefined) return this.server.ended;
      const toClient = this.transmit('server', reply);
      if (toClient === undefined) return false;
      toServer = this.clientTurn(toClient);
      if (toServer === undefined && this.client.ended && this.server.ended) return true;
    }
    return false;
  }

  private clientTurn(message: SyncML): SyncML | undefined {
    if (this.client.ended) return undefined;
    const c = this.client.receive(message, this.lastTransport);
    this.clientEvents.push(...c.events);
    this.step('client');
    this.deviceAnswers(c.events);
    this.step('client');
    const reply = this.client.reply();
    this.step('client');
    return reply && this.transmit('client', reply);
  }
}
