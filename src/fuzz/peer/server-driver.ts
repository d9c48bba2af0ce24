/**
 * The fuzzer playing the DM server for a DM client that connects (`omadm fuzz client`):
 * an HTTP endpoint (createDmServer) whose sessions are handed, one by one, to the case
 * that waits for the next one. A case talks to its client as a conversation: `receive()`
 * waits for the client's next message, `reply()` answers it. Every wait is bounded.
 *
 * Rules kept here
 * 1. A message of a session no case holds any more is refused (HTTP 409, the session is
 *    over), as is a new session while no case waits for one (HTTP 503).
 * 2. The answer goes in the request's encoding; nothing is read beyond createDmServer's
 *    body limit.
 * 3. The conversation numbers our messages; the case gives the commands.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthType, MessageBuilder, auth, decode, encodeWbxml, encodeXml, isDecodeError, type Chal, type SyncBodyCommandDraft, type SyncML } from '../../index.js';
import { createDmServer, stopDmServer, type DmHttpAnswer, type DmHttpRequest } from '../../server/http/dm-http.js';
import type { Encoding } from '../../session/message-size.js';
import { fail } from '../case.js';
import { CaseStop } from './play.js';
import { WireLog } from '../wire.js';

export interface Incoming {
  readonly message: SyncML;
  readonly bytes: Uint8Array;
  /** The x-syncml-hmac header, if sent. */
  readonly hmac?: string;
}

/** How the client's credentials in its last message were judged (200 when not checked). */
export interface Judgement {
  readonly status: number;
  readonly chal?: Chal;
  readonly accepted: boolean;
}

interface Pending {
  readonly incoming: Incoming;
  readonly answer: (a: DmHttpAnswer) => void;
}

/** One DM session with the client under test. */
export class Conversation {
  private msgCount = 0;
  private queue: Pending[] = [];
  private waiter: ((p: Pending) => void) | undefined;
  private current: Pending | undefined;
  closed = false;
  /** The judgement of the credentials of the message received last. */
  judgement: Judgement = { status: 200, accepted: true };
  private accepted = false;

  constructor(
    readonly url: string,
    readonly sessionID: string,
    readonly clientURI: string,
    readonly encoding: Encoding,
    readonly log: WireLog,
    private readonly timeoutMs: number,
    /** Judges the client's credentials (with --auth); none: every message is taken. */
    private readonly verifier?: auth.AuthVerifier,
  ) {}

  /** Whether the client's credentials were accepted in this session. */
  get authenticated(): boolean {
    return this.verifier === undefined || this.accepted;
  }

  private judge(p: Pending): void {
    if (!this.verifier) return;
    const hdr = p.incoming.message.syncHdr;
    const a = this.verifier.receive({ ...(hdr.cred ? { cred: hdr.cred } : {}), ...(hdr.source.locName ? { username: hdr.source.locName } : {}), ...(p.incoming.hmac !== undefined ? { hmacHeader: p.incoming.hmac } : {}), body: p.incoming.bytes });
    if (a.authenticated) this.accepted = true;
    this.judgement = { status: a.status, ...(a.chal ? { chal: a.chal } : {}), accepted: a.authenticated };
  }

  /** A challenge (Chal) for the client, whatever it sent: to make it revert to Package#1. */
  challenge(): Chal | undefined {
    return this.verifier?.challenge();
  }

  /** Called by the endpoint for each message of this session. */
  deliver(p: Pending): void {
    this.log.message('received', this.url, p.incoming.bytes, { httpStatus: 200 });
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(p);
    } else this.queue.push(p);
  }

  /** The client's next message; CaseStop (hang) when none comes within the timeout. */
  async receive(what = "the client's next message"): Promise<SyncML> {
    const p = await this.next(this.timeoutMs);
    if (!p) throw new CaseStop({ verdict: 'hang', detail: `no message from the client within ${this.timeoutMs} ms (waiting for ${what})` });
    this.judge(p);
    return p.incoming.message;
  }

  /** Whether the client sends another message within `ms` (answered 409 if it does). */
  async sendsAgain(ms: number): Promise<SyncML | undefined> {
    const p = await this.next(ms);
    return p?.incoming.message;
  }

  private next(ms: number): Promise<Pending | undefined> {
    if (this.current) this.current.answer({ kind: 'refusal', status: 409, reason: 'the session is over' });
    this.current = undefined;
    const queued = this.queue.shift();
    if (queued) {
      this.current = queued;
      return Promise.resolve(queued);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, ms);
      this.waiter = (p) => {
        clearTimeout(timer);
        this.current = p;
        resolve(p);
      };
    });
  }

  /** Answers the message received last with our next message. */
  reply(commands: readonly SyncBodyCommandDraft[], final: boolean): SyncML {
    const p = this.current;
    if (!p) throw new CaseStop(fail('a message of the client to answer', 'none pending'));
    this.current = undefined;
    const builder = new MessageBuilder({ sessionID: this.sessionID, msgID: String(++this.msgCount), target: { locURI: this.clientURI }, source: { locURI: this.url } });
    for (const c of commands) builder.command(c);
    if (final) builder.final();
    const message = builder.build();
    const body = this.encoding === 'wbxml' ? encodeWbxml(message) : encodeXml(message);
    this.log.message('sent', this.url, body);
    p.answer({ kind: 'message', body });
    return message;
  }

  /** Ends the conversation: a message still pending, or coming later, is refused. */
  close(): void {
    this.closed = true;
    this.current?.answer({ kind: 'refusal', status: 409, reason: 'the session is over' });
    this.current = undefined;
    for (const p of this.queue) p.answer({ kind: 'refusal', status: 409, reason: 'the session is over' });
    this.queue = [];
  }
}

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  /** The scheme the client must authenticate with, and its name and secret; none: not checked. */
  readonly auth?: 'none' | 'basic' | 'md5' | 'hmac';
  readonly clientName?: string;
  readonly clientSecret?: string;
  /** Wait for each client message. Default 10 s. */
  readonly timeoutMs?: number;
}

/** The endpoint the client under test connects to. */
export class ClientListener {
  private server: Server | undefined;
  private sessions = new Map<string, Conversation>();
  private waiting: ((c: Conversation) => void) | undefined;
  private log = new WireLog();
  /** The clients' credentials and the nonces issued to them, across sessions. */
  private readonly store = new auth.InMemoryCredentialStore();
  private nonces = 0;
  url = '';

  constructor(private readonly options: ListenOptions) {}

  async start(): Promise<string> {
    this.server = createDmServer({ handler: (r) => this.handle(r), path: '/dm' });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port, this.options.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    this.url = `http://${host}:${port}/dm`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const c of this.sessions.values()) c.close();
    if (this.server) await stopDmServer(this.server, 200);
  }

  /** The next session a client opens, logged to `log`; undefined when none comes within `ms`. */
  nextSession(log: WireLog, ms: number): Promise<Conversation | undefined> {
    this.log = log;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, ms);
      this.waiting = (c) => {
        clearTimeout(timer);
        resolve(c);
      };
    });
  }

  private handle(request: DmHttpRequest): Promise<DmHttpAnswer> | DmHttpAnswer {
    let message: SyncML;
    try {
      message = decode(request.body);
    } catch (e) {
      if (isDecodeError(e)) return { kind: 'refusal', status: 400, reason: `not a DM message: ${e.message}` };
      throw e;
    }
    const key = `${message.syncHdr.source.locURI}|${message.syncHdr.sessionID.trim()}`;
    let conv = this.sessions.get(key);
    if (!conv || conv.closed) {
      if (!this.waiting) return { kind: 'refusal', status: conv ? 409 : 503, reason: conv ? 'the session is over' : 'no test case is waiting for a session' };
      conv = new Conversation(this.url, message.syncHdr.sessionID.trim(), message.syncHdr.source.locURI, request.media.encoding, this.log, this.options.timeoutMs ?? 10_000, this.verifierFor(message.syncHdr.source.locURI));
      this.sessions.set(key, conv);
      if (this.sessions.size > 256) this.sessions.delete(this.sessions.keys().next().value!);
      const w = this.waiting;
      this.waiting = undefined;
      w(conv);
    }
    const target = conv;
    return new Promise<DmHttpAnswer>((answer) => target.deliver({ incoming: { message, bytes: request.body, ...(request.hmac !== undefined ? { hmac: request.hmac } : {}) }, answer }));
  }

  private verifierFor(client: string): auth.AuthVerifier | undefined {
    const a = this.options.auth ?? 'none';
    if (a === 'none') return undefined;
    const scheme = a === 'basic' ? AuthType.Basic : a === 'md5' ? AuthType.Md5Digest : AuthType.Hmac;
    if (!this.store.get(client)) this.store.set(client, { theirs: { username: this.options.clientName ?? client, password: this.options.clientSecret ?? '', scheme } });
    // Deterministic nonces: a counter (the client under test is not helped by chance).
    const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (this.nonces++ * 131 + i * 17) & 0xff);
    return new auth.AuthVerifier({ store: this.store, peer: client, random, scheme });
  }
}
