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
import { MessageBuilder, decode, encodeWbxml, encodeXml, isDecodeError, type SyncBodyCommandDraft, type SyncML } from '../../index.js';
import { createDmServer, stopDmServer, type DmHttpAnswer, type DmHttpRequest } from '../../server/http/dm-http.js';
import type { Encoding } from '../../session/message-size.js';
import { fail } from '../case.js';
import { CaseStop } from './play.js';
import { WireLog } from '../wire.js';

export interface Incoming {
  readonly message: SyncML;
  readonly bytes: Uint8Array;
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

  constructor(
    readonly url: string,
    readonly sessionID: string,
    readonly clientURI: string,
    readonly encoding: Encoding,
    readonly log: WireLog,
    private readonly timeoutMs: number,
  ) {}

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
  /** Wait for each client message. Default 10 s. */
  readonly timeoutMs?: number;
}

/** The endpoint the client under test connects to. */
export class ClientListener {
  private server: Server | undefined;
  private sessions = new Map<string, Conversation>();
  private waiting: ((c: Conversation) => void) | undefined;
  private log = new WireLog();
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
      conv = new Conversation(this.url, message.syncHdr.sessionID.trim(), message.syncHdr.source.locURI, request.media.encoding, this.log, this.options.timeoutMs ?? 10_000);
      this.sessions.set(key, conv);
      if (this.sessions.size > 256) this.sessions.delete(this.sessions.keys().next().value!);
      const w = this.waiting;
      this.waiting = undefined;
      w(conv);
    }
    const target = conv;
    return new Promise<DmHttpAnswer>((answer) => target.deliver({ incoming: { message, bytes: request.body }, answer }));
  }
}
