/**
 * The fuzzer playing a DM client against a DM server over HTTP. A `DevicePeer` is the
 * device across sessions (its identity, its credentials, the nonce the server gave it
 * last); a `PeerSession` is one DM session: it numbers our messages, adds the header's
 * credentials, posts each message to the address given, logs both directions and reads the
 * answer. It builds whatever a case asks for, valid or not: it checks nothing itself, the
 * cases judge what comes back.
 *
 * Rules kept here
 * 1. It talks only to the address given: a RespURI is followed only when it has the same
 *    origin (scheme, host, port); otherwise the log says so and the session stays put.
 * 2. Every exchange is bounded: a timeout, a largest answer, one attempt (two when the
 *    connection fails, e.g. a kept-alive one the server closed while idle).
 * 3. Credentials follow section 9: sent until the server accepts them (212), on every
 *    message for HMAC; the nonce of every Chal the server sends becomes the next one, and
 *    is kept across sessions (the Chal beside 212 is for the next session).
 * 4. Deterministic: SessionIDs come from a base and a counter, nothing reads a clock.
 */
import { Buffer } from 'node:buffer';
import { AuthType, MessageBuilder, decode, encodeWbxml, encodeXml, isDecodeError, type SyncBodyCommandDraft, type SyncML, type Status, type Cred } from '../../index.js';
import { isTransportError } from '../../client/transport/http-transport.js';
import { buildCred, verifyCred, verifyHmac, type CredVerdict } from '../../session/auth/credentials.js';
import { buildChal } from '../../session/auth/challenge.js';
import { decodeNextNonce } from '../../session/auth/challenge.js';
import { formatHmacHeader, hmacMac } from '../../session/auth/digest.js';
import { parseAuthType } from '../../session/auth/scheme.js';
import type { Encoding } from '../../session/message-size.js';
import { WireLog } from '../wire.js';
import { DeviceTransport } from './http-client.js';

export type AuthChoice = 'none' | 'basic' | 'md5' | 'hmac';

export interface ServerPeerConfig {
  /** The DM server's address: the only one the fuzzer talks to. */
  readonly url: string;
  readonly encoding: Encoding;
  /** Our device id (Source LocURI of every message). */
  readonly devId: string;
  /** The server's id (its DMAcc ServerID); names it in reports. */
  readonly serverId?: string;
  /** How we authenticate to the server. */
  readonly auth: AuthChoice;
  readonly clientName?: string;
  readonly clientSecret?: string;
  /** How the server authenticates to us, when checked. */
  readonly serverAuth?: AuthChoice;
  readonly serverSecret?: string;
  /** MaxMsgSize we announce unless a case says otherwise. Default 16 KiB. */
  readonly maxMsgSize?: number;
  /** Per HTTP exchange. Default 10 s. */
  readonly timeoutMs?: number;
  /** Largest answer read. Default 1 MiB. */
  readonly maxResponseBytes?: number;
}

export const AUTH_TYPES: Readonly<Record<Exclude<AuthChoice, 'none'>, AuthType>> = {
  basic: AuthType.Basic,
  md5: AuthType.Md5Digest,
  hmac: AuthType.Hmac,
};

/** What came back for a message. */
export type Reply =
  | { readonly kind: 'message'; readonly message: SyncML; readonly bytes: Uint8Array }
  /** A DM media type, but not a message we can read. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly bytes: Uint8Array }
  /** An HTTP status other than 200, or a 200 that is not a DM message. */
  | { readonly kind: 'http'; readonly status: number; readonly reason: string }
  | { readonly kind: 'timeout'; readonly reason: string }
  | { readonly kind: 'network'; readonly reason: string };

export interface Exchange {
  /** The message as built (before any byte mutation), and its MsgID. */
  readonly sent: SyncML;
  readonly msgID: string;
  /** The bytes that went on the wire. */
  readonly bytes: Uint8Array;
  readonly reply: Reply;
}

/** How a message's header is authenticated. */
export type CredMode =
  /** As section 9 says: until accepted (always for HMAC). */
  | 'auto'
  | 'none'
  /** The right name with a wrong secret. */
  | 'wrong'
  /** The right secret over a nonce the server did not issue (basic: the same as wrong). */
  | 'stale'
  /** The right credentials whether or not the server accepted some already (a closing abort). */
  | 'always';

export interface MessageSpec {
  readonly commands: readonly SyncBodyCommandDraft[];
  readonly final: boolean;
  readonly cred?: CredMode;
  /** The header's Meta: MaxMsgSize / MaxObjSize we announce (default: our MaxMsgSize on the first message). */
  readonly maxMsgSize?: number;
  readonly maxObjSize?: number;
  /** Send with this MsgID rather than the next one (duplicate MsgID cases); the counter does not move. */
  readonly msgID?: string;
  readonly noResp?: boolean;
  /** Change the typed message before it is encoded (nearly valid messages). */
  readonly transform?: (message: SyncML) => SyncML;
  /** Change the encoded bytes before they go (invalid WBXML, cut XML ...); HMAC is over the bytes sent. */
  readonly mutate?: (bytes: Uint8Array) => Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** The device across sessions. */
export class DevicePeer {
  readonly config: ServerPeerConfig;
  readonly transport: DeviceTransport;
  /** The nonce the server gave us last (its Chal NextNonce). */
  nonce: Uint8Array = EMPTY;
  /** The scheme to authenticate with (the configured one, or the one a Chal asked for). */
  scheme: AuthType | undefined;
  /** The nonce we issued to the server last (its next digest is over it), and the one before. */
  serverNonce: Uint8Array = EMPTY;
  previousServerNonce: Uint8Array = EMPTY;
  private sessionCount = 0;
  private nonceCount = 0;

  constructor(
    config: ServerPeerConfig,
    /** First SessionID (as a number, 0..0xFFFF); the next ones count up from it. */
    private readonly sessionBase = 1,
  ) {
    this.config = config;
    this.scheme = config.auth === 'none' ? undefined : AUTH_TYPES[config.auth];
    const maxResponseBytes = config.maxResponseBytes ?? 1024 * 1024;
    this.transport = new DeviceTransport({ timeoutMs: config.timeoutMs ?? 10_000, maxResponseBytes });
  }

  /** Sessions opened so far. */
  get sessions(): number {
    return this.sessionCount;
  }

  /** A fresh nonce for the server (deterministic: a counter and the session base). */
  issueNonce(): Uint8Array {
    const n = this.nonceCount++;
    this.previousServerNonce = this.serverNonce;
    this.serverNonce = Uint8Array.from(Buffer.from(`omadm-fuzz-${this.sessionBase}-${n}`));
    return this.serverNonce;
  }

  session(log: WireLog): PeerSession {
    const id = ((this.sessionBase + this.sessionCount++) % 0xffff) + 1;
    return new PeerSession(this, id.toString(16).toUpperCase(), log);
  }
}

/** One DM session with the server. */
export class PeerSession {
  private msgCount = 0;
  private accepted = false;
  private serverAccepted = false;
  /** How the server's credentials in its last message were judged (with --server-auth). */
  serverVerdict: CredVerdict | undefined;
  /** Each judgement of the server's credentials in this session, in order. */
  readonly serverVerdicts: CredVerdict[] = [];
  private target: string;
  readonly exchanges: Exchange[] = [];

  constructor(
    readonly device: DevicePeer,
    readonly sessionID: string,
    readonly log: WireLog,
  ) {
    this.target = device.config.url;
  }

  get config(): ServerPeerConfig {
    return this.device.config;
  }

  /** The MsgID the next message gets. */
  get nextMsgID(): string {
    return String(this.msgCount + 1);
  }

  /** Whether the server accepted our credentials in this session (212). */
  get authenticated(): boolean {
    return this.accepted;
  }

  /** Builds a message as `spec` says (CmdIDs allocated by the message unless a draft names one). */
  build(spec: MessageSpec): { message: SyncML; msgID: string; hmacPassword?: string } {
    const msgID = spec.msgID ?? String(++this.msgCount);
    const c = this.config;
    const mode = spec.cred ?? 'auto';
    const scheme = this.device.scheme;
    const name = c.clientName ?? c.devId;
    const secret = c.clientSecret ?? '';
    const wanted = mode !== 'none' && scheme !== undefined && (mode !== 'auto' || !this.accepted || scheme === AuthType.Hmac);
    // 'always' sends the right secret, as 'auto' does before acceptance.
    const password = mode === 'wrong' || (mode === 'stale' && scheme === AuthType.Basic) ? `${secret}-wrong` : secret;
    const nonce = mode === 'stale' ? Buffer.from('omadm-fuzz-stale-nonce') : this.device.nonce;
    let cred: Cred | undefined;
    if (wanted && scheme !== AuthType.Hmac) cred = buildCred(scheme as typeof AuthType.Basic, name, password, nonce);
    const first = msgID === '1';
    const maxMsgSize = spec.maxMsgSize ?? (first ? (c.maxMsgSize ?? 16 * 1024) : undefined);
    const meta = maxMsgSize !== undefined || spec.maxObjSize !== undefined
      ? { ...(maxMsgSize !== undefined ? { maxMsgSize: String(maxMsgSize) } : {}), ...(spec.maxObjSize !== undefined ? { maxObjSize: String(spec.maxObjSize) } : {}), emis: [] }
      : undefined;
    const builder = new MessageBuilder({
      sessionID: this.sessionID,
      msgID,
      target: { locURI: c.url },
      source: { locURI: c.devId, ...(wanted && scheme === AuthType.Md5Digest ? { locName: name } : {}) },
      ...(spec.noResp ? { noResp: true } : {}),
      ...(cred ? { cred } : {}),
      ...(meta ? { meta } : {}),
    });
    for (const d of spec.commands) builder.command(d);
    if (spec.final) builder.final();
    return { message: builder.build(), msgID, ...(wanted && scheme === AuthType.Hmac ? { hmacPassword: password } : {}) };
  }

  /** Builds, sends and reads one message. */
  async send(spec: MessageSpec): Promise<Exchange> {
    const built = this.build(spec);
    const { msgID, hmacPassword } = built;
    const message = spec.transform ? spec.transform(built.message) : built.message;
    const encoded = this.config.encoding === 'wbxml' ? encodeWbxml(message) : encodeXml(message);
    const bytes = spec.mutate ? spec.mutate(encoded) : encoded;
    const name = this.config.clientName ?? this.config.devId;
    const nonce = spec.cred === 'stale' ? Buffer.from('omadm-fuzz-stale-nonce') : this.device.nonce;
    const hmac = hmacPassword !== undefined ? formatHmacHeader({ algorithm: 'MD5', username: name, mac: hmacMac(name, hmacPassword, nonce, bytes) }) : undefined;
    return this.post(message, msgID, bytes, hmac);
  }

  /** Posts bytes that are no message we built (garbage, a cut message): the answer is read as usual. */
  async sendRaw(bytes: Uint8Array, label: SyncML): Promise<Exchange> {
    return this.post(label, String(++this.msgCount), bytes, undefined);
  }

  private async post(message: SyncML, msgID: string, bytes: Uint8Array, hmac: string | undefined): Promise<Exchange> {
    const url = this.target;
    this.log.message('sent', url, bytes, hmac !== undefined ? { note: 'x-syncml-hmac header sent' } : {});
    let reply: Reply;
    try {
      const exchange = { url, body: bytes, encoding: this.config.encoding, ...(hmac !== undefined ? { hmac } : {}) };
      // A kept-alive connection the server closed while idle fails the next POST at once:
      // one more attempt on a new connection (the same bytes: a duplicate at worst).
      const answer = await this.device.transport.send(exchange).catch((e: unknown) => {
        if (!isTransportError(e) || e.problem !== 'network') throw e;
        this.log.note('received', url, `${e.message}: sent again`);
        return this.device.transport.send(exchange);
      });
      try {
        const decoded = decode(answer.body);
        reply = { kind: 'message', message: decoded, bytes: answer.body };
        this.log.message('received', url, answer.body, { httpStatus: 200, ...(answer.hmac !== undefined ? { note: 'x-syncml-hmac header received' } : {}) });
        this.read(decoded, msgID);
        this.judgeServer(decoded, answer.body, answer.hmac);
      } catch (e) {
        if (!isDecodeError(e)) throw e;
        reply = { kind: 'invalid', reason: e.message, bytes: answer.body };
        this.log.message('received', url, answer.body, { httpStatus: 200, note: `not a DM message we can read: ${e.message}` });
      }
    } catch (e) {
      if (!isTransportError(e)) throw e;
      if (e.problem === 'timeout') reply = { kind: 'timeout', reason: e.message };
      else if (e.problem === 'network') reply = { kind: 'network', reason: e.message };
      else reply = { kind: 'http', status: e.status ?? 200, reason: e.message };
      this.log.note('received', url, e.message, e.status);
    }
    const exchange: Exchange = { sent: message, msgID, bytes, reply };
    this.exchanges.push(exchange);
    return exchange;
  }

  /** With --server-auth: judges the server's credentials (its SyncHdr Cred, or its x-syncml-hmac header). */
  private judgeServer(reply: SyncML, body: Uint8Array, hmac: string | undefined): void {
    const c = this.config;
    if (c.serverAuth === undefined || c.serverAuth === 'none') return;
    const username = c.serverId ?? c.url;
    const check = { passwordFor: (u: string) => (u === username ? (c.serverSecret ?? '') : undefined), username, nonce: this.device.serverNonce, previousNonce: this.device.previousServerNonce };
    this.serverVerdict = c.serverAuth === 'hmac' ? verifyHmac(hmac, body, check) : verifyCred(reply.syncHdr.cred, AUTH_TYPES[c.serverAuth] as typeof AuthType.Basic, check);
    this.serverVerdicts.push(this.serverVerdict);
  }

  /**
   * The code (and Chal) of our Status for the server's SyncHdr: 200 without --server-auth;
   * else 212 the first time its credentials are right (with the nonce for its next
   * session), 200 afterwards, 401 (wrong) or 407 (missing) with a Chal while they are not.
   */
  headerAnswer(): { code: number; chal?: ReturnType<typeof buildChal> } {
    const c = this.config;
    if (c.serverAuth === undefined || c.serverAuth === 'none' || this.serverVerdict === undefined) return { code: 200 };
    const scheme = AUTH_TYPES[c.serverAuth];
    const v = this.serverVerdict;
    if (v.outcome === 'valid') {
      if (this.serverAccepted) return { code: 200 };
      this.serverAccepted = true;
      return scheme === AuthType.Basic ? { code: 212 } : { code: 212, chal: buildChal(scheme, this.device.issueNonce()) };
    }
    if (v.outcome === 'missing' && this.serverAccepted) return { code: 200 };
    return { code: v.status, chal: buildChal(scheme, this.device.issueNonce()) };
  }

  /** Takes what the server's answer says about authentication and where to go next. */
  private read(reply: SyncML, msgID: string): void {
    const status = headerStatus(reply, msgID);
    if (status) {
      const code = Number(status.data.trim());
      if (code === 212) this.accepted = true;
      const meta = status.chal?.meta;
      if (meta) {
        const type = meta.type !== undefined ? parseAuthType(meta.type) : undefined;
        if (type !== undefined && this.config.auth !== 'none') this.device.scheme = type;
        if (meta.nextNonce !== undefined) {
          try {
            this.device.nonce = decodeNextNonce(meta.nextNonce, meta.format);
          } catch {
            this.log.note('received', this.target, `the Chal's NextNonce ${JSON.stringify(meta.nextNonce)} cannot be read`);
          }
        }
      }
    }
    const resp = reply.syncHdr.respURI?.trim();
    if (resp) {
      if (sameOrigin(resp, this.config.url)) this.target = resp;
      else this.log.note('received', this.target, `RespURI ${resp} is outside the address given: not followed`);
    }
  }
}

/** The Status a server message gives our SyncHdr of message `msgID`. */
export function headerStatus(reply: SyncML, msgID: string): Status | undefined {
  for (const c of reply.syncBody.commands) {
    if (c.kind === 'Status' && c.cmd.trim() === 'SyncHdr' && c.msgRef.trim() === msgID) return c;
  }
  return undefined;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
