/**
 * The fuzzer's HTTP: a small HTTP/1.1 client of its own on node:net and node:tls with
 * kept-alive connections (`DmHttpClient`), and the DM HTTP binding's client side over it
 * (`DeviceTransport`: the same contract and the same TransportErrors as the client's
 * HttpTransport, for one attempt). The fuzzer sends thousands of small messages, one at a
 * time: undici's fetch, then node:http's ClientRequest / IncomingMessage / Agent, then
 * HttpTransport's AbortController per attempt and its errors made twice, each cost it more
 * CPU per message than the server under test spends on it (bench/fuzz.ts). This client
 * writes a request in one write and reads the answer with a parser that only frames it.
 *
 * Rules kept here
 * 1. Everything read is bounded: the status line and headers (interim 1xx answers
 *    included) to MAX_HEAD_BYTES, a chunk-size or trailer line to MAX_LINE_BYTES, the body
 *    to `maxBytes + 1` bytes (one past the limit, so that it is known to be too large),
 *    then the connection is dropped; every exchange has a timeout.
 * 2. An answer is framed as RFC 9112 section 6.3 says: none for 204 / 304, chunked when
 *    Transfer-Encoding ends in chunked, else up to the close when there is a
 *    Transfer-Encoding, else by Content-Length (several different ones are an error),
 *    else up to the close. Anything malformed is an error (a network failure to the
 *    transport), never a guess.
 * 3. A connection is reused only after an answer read exactly to its end, over HTTP/1.1,
 *    without `Connection: close`; it is dropped when it has been idle longer than the
 *    server's `Keep-Alive: timeout` (or IDLE_MS) and while idle it does not keep the
 *    process alive. At most MAX_IDLE idle connections are kept per address.
 * 4. It talks only to the URL it is given (no redirect is followed: a 3xx is a refusal).
 */
import { Buffer } from 'node:buffer';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { dmMediaType, parseDmMediaType } from '../../binding/media-type.js';
import { positiveOption } from '../../binding/options.js';
import { TransportError, type DmHttpExchange, type DmHttpReply } from '../../client/transport/http-transport.js';
import { HMAC_HEADER_NAME } from '../../session/auth/digest.js';
import type { Encoding } from '../../session/message-size.js';

export const MAX_HEAD_BYTES = 64 * 1024;
export const MAX_LINE_BYTES = 1024;
/** Interim (1xx) answers read before the final one. */
const MAX_INTERIM = 8;
/** How long an idle connection is reused when the server does not say (node's server closes at 5 s). */
export const IDLE_MS = 4000;
export const MAX_IDLE = 4;

const EMPTY = Buffer.alloc(0);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;

/** A malformed answer (rule 2) or one past a bound (rule 1). */
export class HttpAnswerError extends Error {
  override readonly name = 'HttpAnswerError';
}

/** Why an exchange failed: no complete answer in time, the connection, or a malformed answer. */
export class HttpExchangeError extends Error {
  override readonly name = 'HttpExchangeError';
  constructor(
    readonly problem: 'timeout' | 'network' | 'malformed',
    /** Whether any byte of the answer had come. */
    readonly started: boolean,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** An answer read whole (or to the limit). */
export interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
  /** The body went past the limit: `body` holds the first `maxBytes + 1` bytes. */
  readonly truncated: boolean;
}

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'close' | 'done';

/** Frames one answer from the bytes of a connection (rule 2); bounded as rule 1 says. */
export class AnswerParser {
  private state: State = 'head';
  private pending: Buffer = EMPTY;
  /** Where the search for the end of the head goes on in `pending`. */
  private headScan = 0;
  private headBytes = 0;
  private interim = 0;
  private remaining = 0;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private keepAlive = false;
  status = 0;
  statusText = '';
  headers = new Map<string, string>();
  /** Bytes after the end of the answer (a server that sent more than it framed). */
  leftover: Buffer = EMPTY;
  truncated = false;
  /** Whether any byte came. */
  started = false;

  constructor(private readonly maxBytes: number) {}

  /** Whether the connection may carry another request after this answer. */
  get reusable(): boolean {
    return this.state === 'done' && this.keepAlive && !this.truncated && this.leftover.byteLength === 0;
  }

  /** The idle time the server allows (its `Keep-Alive: timeout=N`, less a second), if it says. */
  get idleMs(): number | undefined {
    const m = /(?:^|[,\s])timeout=(\d+)/i.exec(this.headers.get('keep-alive') ?? '');
    return m ? Math.max(0, Number(m[1]) * 1000 - 1000) : undefined;
  }

  answer(): HttpAnswer {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    return { status: this.status, statusText: this.statusText, headers: this.headers, body, truncated: this.truncated };
  }

  /** Takes bytes; true when the answer is complete (or its body reached the limit). Throws HttpAnswerError. */
  feed(data: Buffer): boolean {
    if (data.byteLength > 0) this.started = true;
    let buf = this.pending.byteLength > 0 ? Buffer.concat([this.pending, data]) : data;
    this.pending = EMPTY;
    for (;;) {
      switch (this.state) {
        case 'head': {
          const end = headEnd(buf, this.headScan);
          if (end === undefined) {
            if (this.headBytes + buf.byteLength > MAX_HEAD_BYTES) throw new HttpAnswerError(`the answer's headers are larger than ${MAX_HEAD_BYTES} bytes`);
            this.pending = buf;
            // The next bytes are searched from here on, not from the start again.
            this.headScan = Math.max(0, buf.byteLength - 3);
            return false;
          }
          this.headScan = 0;
          this.headBytes += end.next;
          if (this.headBytes > MAX_HEAD_BYTES) throw new HttpAnswerError(`the answer's headers are larger than ${MAX_HEAD_BYTES} bytes`);
          const minor = this.readHead(buf.toString('latin1', 0, end.at));
          buf = buf.subarray(end.next);
          if (this.status < 200) {
            if (this.status === 101) throw new HttpAnswerError('the server switched protocols (101), which was not asked for');
            if (++this.interim > MAX_INTERIM) throw new HttpAnswerError(`more than ${MAX_INTERIM} interim (1xx) answers`);
            this.headers = new Map();
            continue;
          }
          this.frame(minor);
          continue;
        }
        case 'length':
        case 'chunk-data': {
          const take = Math.min(this.remaining, buf.byteLength);
          if (take > 0) {
            if (this.keep(buf.subarray(0, take))) return true;
            this.remaining -= take;
            buf = buf.subarray(take);
          }
          if (this.remaining > 0) return false;
          this.state = this.state === 'length' ? 'done' : 'chunk-end';
          continue;
        }
        case 'chunk-size':
        case 'trailers': {
          const nl = buf.indexOf(10);
          if (nl < 0) {
            if (buf.byteLength > MAX_LINE_BYTES) throw new HttpAnswerError(`a line of the chunked body is longer than ${MAX_LINE_BYTES} bytes`);
            this.pending = buf;
            return false;
          }
          if (nl > MAX_LINE_BYTES) throw new HttpAnswerError(`a line of the chunked body is longer than ${MAX_LINE_BYTES} bytes`);
          const line = buf.toString('latin1', 0, nl > 0 && buf[nl - 1] === 13 ? nl - 1 : nl);
          buf = buf.subarray(nl + 1);
          if (this.state === 'trailers') {
            this.headBytes += nl + 1;
            if (this.headBytes > MAX_HEAD_BYTES) throw new HttpAnswerError(`the answer's trailers are larger than ${MAX_HEAD_BYTES} bytes`);
            if (line === '') this.state = 'done';
            continue;
          }
          const hex = (line.split(';', 1)[0] ?? '').trim();
          if (!/^[0-9A-Fa-f]{1,8}$/.test(hex)) throw new HttpAnswerError(`a chunk size that is not one: ${JSON.stringify(line.slice(0, 40))}`);
          this.remaining = parseInt(hex, 16);
          this.state = this.remaining === 0 ? 'trailers' : 'chunk-data';
          continue;
        }
        case 'chunk-end': {
          if (buf.byteLength === 0) return false;
          if (buf[0] === 10) buf = buf.subarray(1);
          else if (buf[0] === 13) {
            if (buf.byteLength < 2) {
              this.pending = buf;
              return false;
            }
            if (buf[1] !== 10) throw new HttpAnswerError('a chunk not followed by CRLF');
            buf = buf.subarray(2);
          } else throw new HttpAnswerError('a chunk longer than its size');
          this.state = 'chunk-size';
          continue;
        }
        case 'close':
          return buf.byteLength > 0 && this.keep(buf);
        case 'done':
          this.leftover = buf;
          return true;
      }
    }
  }

  /** The connection ended: whether that completes the answer (a body read up to the close). */
  end(): boolean {
    if (this.state === 'close') this.state = 'done';
    return this.state === 'done';
  }

  /** Keeps body bytes; true when the limit is passed (the answer is then complete, truncated). */
  private keep(bytes: Buffer): boolean {
    if (this.size + bytes.byteLength > this.maxBytes) {
      this.chunks.push(bytes.subarray(0, this.maxBytes + 1 - this.size));
      this.size = this.maxBytes + 1;
      this.truncated = true;
      this.state = 'done';
      return true;
    }
    this.size += bytes.byteLength;
    this.chunks.push(bytes);
    return false;
  }

  /** Reads the status line and headers; returns the HTTP/1 minor version. */
  private readHead(text: string): number {
    const lines = text.split('\n');
    const statusLine = STATUS_LINE.exec((lines[0] ?? '').replace(/\r$/, ''));
    if (!statusLine) throw new HttpAnswerError(`not an HTTP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    this.status = Number(statusLine[3]);
    this.statusText = statusLine[4] ?? '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
      const colon = line.indexOf(':');
      const key = headerKey(colon > 0 ? line.slice(0, colon) : '', line);
      const value = line.slice(colon + 1).trim();
      const had = this.headers.get(key);
      this.headers.set(key, had === undefined ? value : `${had}, ${value}`);
    }
    const major = Number(statusLine[1]);
    const minor = Number(statusLine[2]);
    if (major !== 1) throw new HttpAnswerError(`HTTP/${major}.${minor} is not HTTP/1.x`);
    return minor;
  }

  /** How the body is framed (rule 2), and whether the connection stays (rule 3). */
  private frame(minor: number): void {
    const connection = (this.headers.get('connection') ?? '').toLowerCase().split(',').map((t) => t.trim());
    this.keepAlive = minor >= 1 && !connection.includes('close');
    const te = this.headers.get('transfer-encoding');
    const cl = this.headers.get('content-length');
    if (this.status === 204 || this.status === 304) {
      this.state = 'done';
    } else if (te !== undefined) {
      // With a Transfer-Encoding, a Content-Length is ignored and the connection is not reused.
      if (cl !== undefined) this.keepAlive = false;
      const last = te.split(',').at(-1)!.trim().toLowerCase();
      if (last === 'chunked') this.state = 'chunk-size';
      else {
        this.state = 'close';
        this.keepAlive = false;
      }
    } else if (cl !== undefined) {
      const values = cl.split(',').map((v) => v.trim());
      if (!values.every((v) => /^\d{1,15}$/.test(v) && v === values[0])) throw new HttpAnswerError(`a Content-Length that is not one: ${JSON.stringify(cl.slice(0, 60))}`);
      this.remaining = Number(values[0]);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
  }
}

/** Header names seen, lower-cased once checked: a server sends the same few on every answer (bounded). */
const headerKeys = new Map<string, string>();

/** The lower-case name of a header line; a folded line (obs-fold) or a nameless one is refused, as RFC 9112 section 5 allows. */
function headerKey(name: string, line: string): string {
  let key = headerKeys.get(name);
  if (key === undefined) {
    if (!TOKEN.test(name)) throw new HttpAnswerError(`a header line that is not one: ${JSON.stringify(line.slice(0, 60))}`);
    key = name.toLowerCase();
    if (headerKeys.size < 256) headerKeys.set(name, key);
  }
  return key;
}

/** Where the status line and headers end: `at` the blank line, `next` after it. */
function headEnd(buf: Buffer, from: number): { at: number; next: number } | undefined {
  for (;;) {
    const nl = buf.indexOf(10, from);
    if (nl < 0) return undefined;
    if (buf[nl + 1] === 10) return { at: nl, next: nl + 2 };
    if (buf[nl + 1] === 13) {
      if (nl + 2 >= buf.byteLength) return undefined;
      if (buf[nl + 2] === 10) return { at: nl, next: nl + 3 };
    }
    from = nl + 1;
  }
}

interface Target {
  readonly key: string;
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** The Host header. */
  readonly authority: string;
  readonly path: string;
}

/** A request waiting for its answer on a connection. */
interface Waiting {
  data(bytes: Buffer): void;
  closed(error?: Error): void;
}

/** One connection; its listeners stay for its life and hand the bytes to the request it carries. */
class Connection {
  current: Waiting | undefined;
  idleSince = 0;
  idleMs = IDLE_MS;
  dead = false;

  constructor(
    readonly socket: Socket,
    readonly target: Target,
    private readonly forget: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (bytes: Buffer) => {
      if (this.current) this.current.data(bytes);
      else this.die(); // Bytes nobody asked for: the connection is not to be trusted.
    });
    socket.on('end', () => this.end());
    socket.on('close', () => this.end());
    socket.on('error', (e: Error) => this.end(e));
  }

  private end(error?: Error): void {
    this.dead = true;
    this.forget(this);
    const w = this.current;
    this.current = undefined;
    w?.closed(error);
  }

  die(): void {
    this.dead = true;
    this.forget(this);
    this.socket.destroy();
  }
}

/** A body larger than this goes in a write of its own (not copied beside the head). */
const LARGE_BODY = 64 * 1024;

/** A request on a connection, until its answer is complete or it fails (a class: no closures made per request). */
class PendingRequest implements Waiting {
  readonly promise: Promise<HttpAnswer>;
  private resolve!: (a: HttpAnswer) => void;
  private reject!: (e: HttpExchangeError) => void;
  private settled = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly client: DmHttpClient,
    private readonly connection: Connection,
    private readonly parser: AnswerParser,
    private readonly timeoutMs: number,
  ) {
    this.promise = new Promise<HttpAnswer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.timer = setTimeout(timedOut, timeoutMs, this);
  }

  data(bytes: Buffer): void {
    let complete: boolean;
    try {
      complete = this.parser.feed(bytes);
    } catch (e) {
      return this.fail('malformed', e);
    }
    if (complete) this.settle(undefined);
  }

  closed(error?: Error): void {
    if (this.parser.end()) return this.settle(undefined);
    this.fail('network', error ?? new Error(this.parser.started ? 'the connection closed before the answer was complete' : 'the connection closed before any answer came'));
  }

  timeout(): void {
    this.fail('timeout', new Error(`no complete answer within ${this.timeoutMs} ms`));
  }

  private fail(problem: HttpExchangeError['problem'], e: unknown): void {
    this.settle(new HttpExchangeError(problem, this.parser.started, e));
  }

  private settle(error: HttpExchangeError | undefined): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    const c = this.connection;
    if (c.current === this) c.current = undefined;
    if (error !== undefined) {
      c.die();
      return this.reject(error);
    }
    if (this.parser.reusable && !c.dead) this.client.release(c, this.parser.idleMs);
    else c.die();
    this.resolve(this.parser.answer());
  }
}

function timedOut(p: PendingRequest): void {
  p.timeout();
}

/** A small HTTP/1.1 client with kept-alive connections (rules 1 to 4). */
export class DmHttpClient {
  private readonly idle = new Map<string, Connection[]>();
  private readonly targets = new Map<string, Target>();

  constructor(private readonly maxBytes: number) {}

  /**
   * Sends one request; the answer is read whole (to `maxBytes + 1` bytes at most) within
   * `timeoutMs`. Fails with an HttpExchangeError.
   */
  request(url: string, init: { readonly method: string; readonly headers: Readonly<Record<string, string>>; readonly body?: Uint8Array; readonly timeoutMs: number }): Promise<HttpAnswer> {
    const target = this.target(url);
    const bytes = requestBytes(init.method, target, init.headers, init.body);
    const connection = this.take(target) ?? this.open(target);
    const pending = new PendingRequest(this, connection, new AnswerParser(this.maxBytes), init.timeoutMs);
    connection.current = pending;
    const socket = connection.socket;
    socket.ref();
    if (init.body !== undefined && init.body.byteLength > LARGE_BODY) {
      socket.cork();
      socket.write(bytes);
      socket.write(init.body);
      socket.uncork();
    } else socket.write(bytes);
    return pending.promise;
  }

  /** Idle connections kept. */
  get idleConnections(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Closes the idle connections. */
  close(): void {
    for (const list of this.idle.values()) for (const c of [...list]) c.die();
    this.idle.clear();
  }

  private target(url: string): Target {
    let t = this.targets.get(url);
    if (t === undefined) {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`not an http(s) URL: ${url}`);
      const secure = u.protocol === 'https:';
      const host = u.hostname.replace(/^\[|\]$/g, '');
      const port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
      t = { key: `${u.protocol}//${u.host}`, secure, host, port, authority: u.host, path: `${u.pathname}${u.search}` };
      if (this.targets.size >= 16) this.targets.clear();
      this.targets.set(url, t);
    }
    return t;
  }

  private take(target: Target): Connection | undefined {
    const list = this.idle.get(target.key);
    while (list && list.length > 0) {
      const c = list.pop()!;
      if (!c.dead && !c.socket.destroyed && performance.now() - c.idleSince <= c.idleMs) return c;
      c.die();
    }
    return undefined;
  }

  private open(target: Target): Connection {
    const socket = target.secure
      ? tlsConnect({ host: target.host, port: target.port, ...(isIP(target.host) === 0 ? { servername: target.host } : {}), ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: target.host, port: target.port });
    return new Connection(socket, target, (c) => this.forget(c));
  }

  /** Keeps a connection whose answer was read to its end, for the next request to the same address. */
  release(c: Connection, idleMs: number | undefined): void {
    const list = this.idle.get(c.target.key) ?? [];
    if (list.length >= MAX_IDLE) return c.die();
    c.idleSince = performance.now();
    c.idleMs = idleMs ?? IDLE_MS;
    c.socket.unref();
    list.push(c);
    this.idle.set(c.target.key, list);
  }

  private forget(c: Connection): void {
    const list = this.idle.get(c.target.key);
    const at = list?.indexOf(c) ?? -1;
    if (at >= 0) list!.splice(at, 1);
  }
}

/** Header records already checked (the transport's constant ones are checked once). */
const checkedHeaders = new WeakSet<Readonly<Record<string, string>>>();

/** Our request headers: a name that is no token, or a value with CR, LF, NUL or a non-Latin-1 character, is a bug here. */
function checkHeaders(headers: Readonly<Record<string, string>>): void {
  if (checkedHeaders.has(headers)) return;
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]|[^\x00-\xff]/.test(value)) throw new TypeError(`a request header that cannot be sent: ${name}`);
  }
  checkedHeaders.add(headers);
}

/** The request line and headers, with the body when it is not large, in one buffer. */
function requestBytes(method: string, target: Target, headers: Readonly<Record<string, string>>, body: Uint8Array | undefined): Buffer {
  checkHeaders(headers);
  let head = `${method} ${target.path} HTTP/1.1\r\nHost: ${target.authority}\r\n`;
  let length = false;
  for (const name in headers) {
    const lower = name.toLowerCase();
    if (lower === 'host') continue;
    if (lower === 'content-length') length = true;
    head += `${name}: ${headers[name]}\r\n`;
  }
  if (!length && (body !== undefined || method === 'POST' || method === 'PUT')) head += `Content-Length: ${body?.byteLength ?? 0}\r\n`;
  head += '\r\n';
  const inline = body !== undefined && body.byteLength <= LARGE_BODY ? body : undefined;
  // Latin-1: one byte per character (checkHeaders saw to it; the path and host come from a parsed URL, ASCII).
  const out = Buffer.allocUnsafe(head.length + (inline?.byteLength ?? 0));
  out.write(head, 0, 'latin1');
  if (inline) out.set(inline, head.length);
  return out;
}

/**
 * The TransportError of an HTTP refusal, without a stack: a refusal is the peer's answer
 * (the robustness cases draw dozens a run), not a fault of ours, and the fuzzer's frames
 * in its stack told nothing while capturing them cost some 20 µs each.
 */
function refusal(message: string, status: number): TransportError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new TransportError(message, 'http-status', status);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** How the transport is bounded. */
export interface DeviceTransportOptions {
  /** Per exchange. */
  readonly timeoutMs: number;
  /** Largest answer read. */
  readonly maxResponseBytes: number;
}

const REQUEST_HEADERS: Readonly<Record<Encoding, Readonly<Record<string, string>>>> = {
  xml: { 'content-type': dmMediaType({ encoding: 'xml', family: 'dm' }), accept: dmMediaType({ encoding: 'xml', family: 'dm' }) },
  wbxml: { 'content-type': dmMediaType({ encoding: 'wbxml', family: 'dm' }), accept: dmMediaType({ encoding: 'wbxml', family: 'dm' }) },
};

/**
 * The client side of the DM HTTP binding for the fuzzer's device, over a DmHttpClient: one
 * attempt per message (the driver decides about another), the DM media type of the
 * session's encoding out, and the answer checked as HttpTransport checks it, with its
 * TransportErrors: `http-status` for any status but 200, `content-type` for an answer that
 * is no DM message in that encoding, `too-large`, `timeout`, `network` (malformed answers
 * too).
 */
export class DeviceTransport {
  private readonly client: DmHttpClient;

  private readonly options: DeviceTransportOptions;

  constructor(options: DeviceTransportOptions) {
    this.options = { timeoutMs: positiveOption(options.timeoutMs, 'timeoutMs'), maxResponseBytes: positiveOption(options.maxResponseBytes, 'maxResponseBytes') };
    this.client = new DmHttpClient(this.options.maxResponseBytes);
  }

  async send(exchange: DmHttpExchange): Promise<DmHttpReply> {
    const { url, encoding } = exchange;
    const headers = exchange.hmac === undefined ? REQUEST_HEADERS[encoding] : { ...REQUEST_HEADERS[encoding], [HMAC_HEADER_NAME]: exchange.hmac };
    let answer: HttpAnswer;
    try {
      answer = await this.client.request(url, { method: 'POST', headers, body: exchange.body, timeoutMs: this.options.timeoutMs });
    } catch (e) {
      if (!(e instanceof HttpExchangeError)) throw e;
      if (e.problem === 'timeout') throw new TransportError(e.started ? `the answer of ${url} did not arrive within ${this.options.timeoutMs} ms` : `no answer from ${url} within ${this.options.timeoutMs} ms`, 'timeout');
      throw new TransportError(e.started ? `the answer of ${url} was cut: ${e.message}` : `cannot reach ${url}: ${e.message}`, 'network');
    }
    if (answer.status !== 200) throw refusal(`${url} answered HTTP ${answer.status} ${answer.statusText}`.trim(), answer.status);
    const contentType = answer.headers.get('content-type') ?? '';
    if (parseDmMediaType(contentType)?.encoding !== encoding) throw new TransportError(`${url} answered with Content-Type ${JSON.stringify(contentType)}, not a DM message in ${encoding}`, 'content-type');
    if (answer.truncated) throw new TransportError(`${url} answered more than the ${this.options.maxResponseBytes} bytes accepted`, 'too-large');
    const hmac = answer.headers.get(HMAC_HEADER_NAME);
    return { body: answer.body, contentType, ...(hmac !== undefined ? { hmac } : {}), attempts: 1 };
  }

  /** Closes the idle connections. */
  close(): void {
    this.client.close();
  }
}
