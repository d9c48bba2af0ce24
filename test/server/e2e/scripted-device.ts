/**
 * A small scripted DM device for the end-to-end tests: the session core's ClientSession
 * over real HTTP (fetch, 127.0.0.1), a flat map for its management tree, credentials kept
 * across sessions in an InMemoryCredentialStore (as a device keeps them in its DMAcc).
 * It executes what the server sends the simple way (Add/Replace write, Get reads, Delete
 * removes, Exec and Copy succeed, containers run their steps) and answers UI alerts from a
 * script. Hooks let a test change a message in flight, lose an answer, or stop.
 */
import { AuthType, StatusCode } from '../../../generated/codes.js';
import { itemsOf } from '../../../generated/command-helpers.js';
import type { SyncBodyCommandDraft } from '../../../generated/builders.js';
import type { Item, SyncBodyCommand, SyncML } from '../../../generated/types.js';
import { decode, encodeWbxml, encodeXml } from '../../../src/index.js';
import { ClientSession } from '../../../src/session/client-session.js';
import type { EndpointConfig, Outgoing, SessionEvent } from '../../../src/session/endpoint.js';
import type { Encoding } from '../../../src/session/message-size.js';
import { AuthProver, AuthVerifier, InMemoryCredentialStore, HMAC_HEADER_NAME, type RandomSource } from '../../../src/session/auth/index.js';
import { isLocalProtocolError } from '../../../src/session/errors.js';

export type SchemeName = 'none' | 'basic' | 'md5' | 'hmac';

const AUTH_TYPES = { basic: AuthType.Basic, md5: AuthType.Md5Digest, hmac: AuthType.Hmac } as const;

export interface DeviceOptions {
  readonly url: string;
  readonly id: string;
  /** The server id the device knows the server by (our Target LocURI). */
  readonly serverId: string;
  readonly encoding: Encoding;
  /** Content-Type family: application/vnd.syncml.dm+… (default) or application/vnd.syncml+…. */
  readonly family?: 'dm' | 'syncml';
  readonly maxMsgSize?: number;
  readonly maxObjSize?: number;
  /** How the device proves itself (the server's client credentials of the device). */
  readonly client?: { readonly scheme: Exclude<SchemeName, 'none'>; readonly name: string; readonly secret: string };
  /** How the device checks the server. */
  readonly server?: { readonly scheme: Exclude<SchemeName, 'none'>; readonly name: string; readonly secret: string };
  readonly random?: RandomSource;
}

export interface Exchange {
  readonly sent: SyncML;
  readonly sentBytes: Uint8Array;
  readonly status: number;
  readonly contentType: string | null;
  readonly hmac: string | null;
  readonly body: Uint8Array;
  /** The answer decoded, when it was a DM message. */
  readonly received?: SyncML;
}

export interface SessionScript {
  readonly sessionID?: string;
  /** 1201 (default) or 1200 after a Package#0. */
  readonly alert?: number;
  /** Alerts for Package#1 (Generic Alerts, tree alerts). */
  readonly extra?: readonly SyncBodyCommandDraft[];
  /** Answers to UI alerts, by code: the Status code and the Items of the answer. */
  readonly ui?: (alert: Extract<SyncBodyCommand, { kind: 'Alert' }>) => { status: number; answer?: readonly string[] };
  /** Changes each message before it goes (the bytes are encoded again). */
  readonly tamper?: (message: SyncML, index: number) => SyncML;
  /** Called before message `index` (0 = Package#1) is sent; `stop` ends the script there. */
  readonly before?: (index: number, out: Outgoing) => Promise<'send' | 'stop'> | 'send' | 'stop';
  /** Message `abortAt` (counted from 0) is Alert 1223 instead of the answer: the device aborts without running what it got. */
  readonly abortAt?: number;
  /** At most this many messages (default 50). */
  readonly maxMessages?: number;
}

export interface SessionRun {
  readonly exchanges: Exchange[];
  readonly events: SessionEvent[];
  /** The client session ended normally (nothing more to send). */
  readonly ended: boolean;
  readonly client: ClientSession;
}

export function counterRandom(start = 1): RandomSource {
  let i = start;
  return (n) => Uint8Array.from({ length: n }, (_, k) => (k === n - 1 ? i++ % 256 : Math.floor(i / 256) % 256));
}

export class ScriptedDevice {
  readonly tree = new Map<string, string>();
  /** Where it posts (a test moves it to a restarted server); a RespURI of the server moves it for the rest of the session. */
  url: string;
  /** Where the current session's messages go (the server's RespURI), if it said. */
  private respURI: string | undefined;
  readonly credentials = new InMemoryCredentialStore();
  private sessions = 0;

  constructor(readonly options: DeviceOptions) {
    this.url = options.url;
    this.tree.set('./DevInfo/DevId', options.id);
    this.tree.set('./DevInfo/Man', 'Scripted Devices Ltd');
    this.tree.set('./DevInfo/Mod', 'SD-1');
    this.tree.set('./DevInfo/DmV', '1.2');
    this.tree.set('./DevInfo/Lang', 'en-GB');
    const { client, server } = options;
    this.credentials.set(options.serverId, {
      ...(client ? { ours: { username: client.name, password: client.secret, scheme: AUTH_TYPES[client.scheme] } } : {}),
      ...(server ? { theirs: { username: server.name, password: server.secret, scheme: AUTH_TYPES[server.scheme] } } : {}),
    });
  }

  get contentType(): string {
    return `application/vnd.syncml${this.options.family === 'syncml' ? '' : '.dm'}+${this.options.encoding}`;
  }

  newSession(sessionID: string): ClientSession {
    const { options } = this;
    const config: EndpointConfig = {
      encoding: options.encoding,
      localURI: options.id,
      remoteURI: options.serverId,
      sessionID,
      maxMsgSize: options.maxMsgSize ?? 16 * 1024,
      ...(options.maxObjSize !== undefined ? { maxObjSize: options.maxObjSize } : {}),
      peerMaxMsgSize: 64 * 1024,
      ...(options.client ? { prover: new AuthProver({ store: this.credentials, peer: options.serverId, scheme: AUTH_TYPES[options.client.scheme] }) } : {}),
      ...(options.server
        ? { verifier: new AuthVerifier({ store: this.credentials, peer: options.serverId, random: options.random ?? counterRandom(), scheme: AUTH_TYPES[options.server.scheme] }) }
        : {}),
    };
    return new ClientSession(config);
  }

  /** Package#1 of a session. */
  start(client: ClientSession, script: SessionScript = {}): Outgoing {
    return client.start({
      ...(script.alert !== undefined ? { alert: script.alert } : {}),
      devInfo: ['DevId', 'Man', 'Mod', 'DmV', 'Lang'].map((n) => ({ source: { locURI: `./DevInfo/${n}` }, data: this.tree.get(`./DevInfo/${n}`)! })),
      ...(script.extra ? { extra: script.extra } : {}),
    });
  }

  /** Posts bytes as this device does; the answer, decoded when it is a DM message. */
  async post(bytes: Uint8Array, hmac?: string, sent?: SyncML): Promise<Exchange> {
    const res = await fetch(this.respURI ?? this.url, {
      method: 'POST',
      headers: { 'content-type': this.contentType, ...(hmac !== undefined ? { [HMAC_HEADER_NAME]: hmac } : {}) },
      body: bytes,
      signal: AbortSignal.timeout(10_000),
    });
    const body = new Uint8Array(await res.arrayBuffer());
    const contentType = res.headers.get('content-type');
    const dm = res.status === 200 && contentType !== null && contentType.startsWith('application/vnd.syncml');
    return {
      sent: sent ?? decode(bytes),
      sentBytes: bytes,
      status: res.status,
      contentType,
      hmac: res.headers.get(HMAC_HEADER_NAME),
      body,
      ...(dm ? { received: decode(body) } : {}),
    };
  }

  /** Encodes a message as the session would, with the HMAC header of `out` if any. */
  wire(message: SyncML, out: Outgoing): { bytes: Uint8Array; hmac?: string } {
    const bytes = this.options.encoding === 'xml' ? encodeXml(message) : encodeWbxml(message);
    return { bytes, ...(out.hmacHeader ? { hmac: out.hmacHeader(bytes) } : {}) };
  }

  /** Runs a session from Package#1 to its end, as scripted. */
  async run(script: SessionScript = {}, client = this.newSession(script.sessionID ?? String(++this.sessions))): Promise<SessionRun> {
    this.respURI = undefined;
    return this.drive(client, this.start(client, script), script);
  }

  /** Goes on with a session after the answer `x` (e.g. one posted by hand). */
  async resume(client: ClientSession, x: Exchange, script: SessionScript = {}): Promise<SessionRun> {
    const events: SessionEvent[] = [];
    const out = this.read(client, x, events, script);
    const rest = out ? await this.drive(client, out, script, 1) : { exchanges: [], events: [], ended: client.ended, client };
    return { ...rest, exchanges: [x, ...rest.exchanges], events: [...events, ...rest.events] };
  }

  /** Reads an answer, executes what it says, and gives the next message (undefined: the end). */
  private read(client: ClientSession, x: Exchange, events: SessionEvent[], script: SessionScript, index = 0): Outgoing | undefined {
    if (x.received === undefined) return undefined;
    const r = client.receive(x.received, { ...(x.hmac !== null ? { hmacHeader: x.hmac } : {}), body: x.body });
    events.push(...r.events);
    this.respURI = client.ended ? undefined : client.sendTo;
    if (r.duplicate) return client.lastSent;
    if (script.abortAt === index + 1 && !client.ended) return client.abort();
    for (const e of r.events) if (e.type === 'command') this.execute(client, e.msgRef, e.command, script);
    return client.reply();
  }

  private async drive(client: ClientSession, first: Outgoing, script: SessionScript, from = 0): Promise<SessionRun> {
    const exchanges: Exchange[] = [];
    const events: SessionEvent[] = [];
    let out: Outgoing | undefined = first;
    for (let i = from; out !== undefined; i++) {
      if (i >= (script.maxMessages ?? 50)) throw new Error('the session did not end within its messages');
      if (script.before && (await script.before(i, out)) === 'stop') return { exchanges, events, ended: false, client };
      let bytes = out.bytes;
      let message = out.message;
      if (script.tamper) {
        message = script.tamper(out.message, i);
        if (message !== out.message) bytes = this.options.encoding === 'xml' ? encodeXml(message) : encodeWbxml(message);
      }
      const hmac = out.hmacHeader?.(bytes);
      const x = await this.post(bytes, hmac, message);
      exchanges.push(x);
      if (x.received === undefined) return { exchanges, events, ended: false, client };
      // After our own abort nothing more is read (6.1.2).
      if (client.current === 'aborting') return { exchanges, events, ended: true, client };
      out = this.read(client, x, events, script, i);
    }
    return { exchanges, events, ended: client.ended, client };
  }

  /** Executes a command of the server and answers it. */
  execute(client: ClientSession, msgRef: string, command: SyncBodyCommand, script: SessionScript = {}): void {
    const received = { msgRef, command };
    const items = itemsOf(command);
    switch (command.kind) {
      case 'Add':
      case 'Replace':
        for (const i of items) if (i.target) this.tree.set(i.target.locURI, i.data ?? '');
        client.answer(received, command.kind === 'Add' ? StatusCode.ItemAdded : StatusCode.Ok);
        break;
      case 'Delete':
        for (const i of items) if (i.target) this.tree.delete(i.target.locURI);
        client.answer(received, StatusCode.Ok);
        break;
      case 'Get': {
        const found = items.map((i) => ({ uri: i.target?.locURI ?? '', value: this.tree.get(i.target?.locURI ?? '') }));
        if (found.some((f) => f.value === undefined)) {
          client.answer(received, StatusCode.NotFound);
          break;
        }
        try {
          client.answer(received, StatusCode.Ok, {
            items: found.map((f): Item => ({ source: { locURI: f.uri }, meta: { format: 'chr', emis: [] }, data: f.value! })) as [Item, ...Item[]],
            targetRefs: [],
            sourceRefs: [],
          });
        } catch (e) {
          if (!isLocalProtocolError(e) || e.problem !== 'object-too-large') throw e;
          client.answer(received, StatusCode.RequestEntityTooLarge);
        }
        break;
      }
      case 'Alert': {
        const answer = script.ui?.(command) ?? { status: StatusCode.Ok };
        client.answer(received, answer.status);
        if (answer.answer) this.pendingUiAnswers.set(`${msgRef}:${command.cmdID}`, answer.answer);
        break;
      }
      case 'Atomic':
      case 'Sequence':
        for (const c of command.commands) this.execute(client, msgRef, c as SyncBodyCommand, script);
        client.answer(received, StatusCode.Ok);
        break;
      default:
        client.answer(received, StatusCode.Ok);
    }
  }

  /**
   * UI answers travel as Items of the alert's Status (10.2.3, 10.2.4); the session core's
   * answer() takes a code only, so a script puts them in with `withUiAnswers` as a tamper.
   */
  readonly pendingUiAnswers = new Map<string, readonly string[]>();

  withUiAnswers = (message: SyncML): SyncML => {
    if (this.pendingUiAnswers.size === 0) return message;
    const commands = message.syncBody.commands.map((c) => {
      if (c.kind !== 'Status') return c;
      const answer = this.pendingUiAnswers.get(`${c.msgRef}:${c.cmdRef}`);
      if (!answer) return c;
      this.pendingUiAnswers.delete(`${c.msgRef}:${c.cmdRef}`);
      return { ...c, items: answer.map((data) => ({ data })) };
    }) as SyncML['syncBody']['commands'];
    return { ...message, syncBody: { ...message.syncBody, commands } };
  };
}
