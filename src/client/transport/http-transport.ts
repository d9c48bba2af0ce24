/**
 * The client's side of the DM HTTP binding: POSTs one message and returns the answer.
 *
 * Rules kept here
 * 1. The body goes as given, in the session's encoding, with the DM media type
 *    (`application/vnd.syncml.dm+xml` / `+wbxml`, or the older `vnd.syncml` family when
 *    configured) and the `x-syncml-hmac` header when the session's prover made one.
 * 2. A retry resends the very same bytes: the server sees a duplicate MsgID and answers it
 *    again, never new commands. Only failures where the server may not have answered are
 *    retried (network errors, timeouts, 5xx); a 4xx or a wrong answer is not.
 * 3. Every request is bounded: a timeout per attempt, a number of attempts, and a largest
 *    answer read (the rest is not read).
 * 4. The answer must carry a DM media type of the same encoding; anything else is a
 *    TransportError naming what came.
 * Waiting between attempts uses the injected `sleep`, so tests need no real time.
 */
import type { Encoding } from '../../session/message-size.js';
import { HMAC_HEADER_NAME } from '../../session/auth/digest.js';
import { dmMediaType, parseDmMediaType, type MediaFamily } from '../../binding/media-type.js';
import { positiveOption } from '../../binding/options.js';

export interface DmHttpExchange {
  readonly url: string;
  readonly body: Uint8Array;
  readonly encoding: Encoding;
  /** The x-syncml-hmac value over `body`, if the session authenticates with HMAC. */
  readonly hmac?: string;
}

export interface DmHttpReply {
  readonly body: Uint8Array;
  readonly contentType: string;
  /** The server's x-syncml-hmac header, if it sent one. */
  readonly hmac?: string;
  /** How many attempts it took (1 when the first one answered). */
  readonly attempts: number;
}

export type TransportProblem = 'network' | 'timeout' | 'http-status' | 'content-type' | 'too-large';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly problem: TransportProblem,
    /** The HTTP status, for `http-status`. */
    readonly status?: number,
    readonly attempts = 1,
  ) {
    super(message);
  }
}

export function isTransportError(e: unknown): e is TransportError {
  return e instanceof Error && e.name === 'TransportError';
}

export interface HttpTransportOptions {
  /** Per attempt. Default 30 s. */
  readonly timeoutMs?: number;
  /** Attempts in all for one message. Default 3. */
  readonly attempts?: number;
  /** Wait before attempt n+1 (n from 1): default 500 ms × n. */
  readonly backoffMs?: (attempt: number) => number;
  /** Largest answer read. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  readonly family?: MediaFamily;
  /** Defaults to the global fetch (undici). */
  readonly fetch?: typeof globalThis.fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE: ReadonlySet<TransportProblem> = new Set(['network', 'timeout']);

export class HttpTransport {
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: (attempt: number) => number;
  private readonly maxResponseBytes: number;
  private readonly family: MediaFamily;
  private readonly fetch: typeof globalThis.fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: HttpTransportOptions = {}) {
    this.timeoutMs = positiveOption(options.timeoutMs ?? 30_000, 'timeoutMs');
    this.attempts = positiveOption(options.attempts ?? 3, 'attempts');
    this.backoffMs = options.backoffMs ?? ((n) => 500 * n);
    this.maxResponseBytes = positiveOption(options.maxResponseBytes ?? 1024 * 1024, 'maxResponseBytes');
    this.family = options.family ?? 'dm';
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The Content-Type this transport sends for `encoding`. */
  contentType(encoding: Encoding): string {
    return dmMediaType({ encoding, family: this.family });
  }

  async send(exchange: DmHttpExchange): Promise<DmHttpReply> {
    let last: TransportError | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoffMs(attempt - 1));
      try {
        return { ...(await this.once(exchange)), attempts: attempt };
      } catch (e) {
        if (!isTransportError(e)) throw e;
        last = new TransportError(e.message, e.problem, e.status, attempt);
        const retryable = RETRYABLE.has(e.problem) || (e.problem === 'http-status' && (e.status ?? 0) >= 500);
        if (!retryable) throw last;
      }
    }
    throw last!;
  }

  private async once(exchange: DmHttpExchange): Promise<Omit<DmHttpReply, 'attempts'>> {
    const headers: Record<string, string> = { 'content-type': this.contentType(exchange.encoding), accept: this.contentType(exchange.encoding) };
    if (exchange.hmac !== undefined) headers[HMAC_HEADER_NAME] = exchange.hmac;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.fetch(exchange.url, { method: 'POST', headers, body: exchange.body, signal: controller.signal, redirect: 'manual' });
      } catch (e) {
        throw controller.signal.aborted
          ? new TransportError(`no answer from ${exchange.url} within ${this.timeoutMs} ms`, 'timeout')
          : new TransportError(`cannot reach ${exchange.url}: ${describe(e)}`, 'network');
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new TransportError(`${exchange.url} answered HTTP ${response.status} ${response.statusText}`.trim(), 'http-status', response.status);
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (parseDmMediaType(contentType)?.encoding !== exchange.encoding) {
        await response.body?.cancel().catch(() => undefined);
        throw new TransportError(`${exchange.url} answered with Content-Type ${JSON.stringify(contentType)}, not a DM message in ${exchange.encoding}`, 'content-type');
      }
      const body = await this.readBounded(response, controller, exchange.url);
      const hmac = response.headers.get(HMAC_HEADER_NAME);
      return { body, contentType, ...(hmac !== null ? { hmac } : {}) };
    } finally {
      clearTimeout(timer);
    }
  }

  private async readBounded(response: Response, controller: AbortController, url: string): Promise<Uint8Array> {
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > this.maxResponseBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new TransportError(`${url} answered ${declared} bytes, more than the ${this.maxResponseBytes} accepted`, 'too-large');
    }
    if (response.body === null) return new Uint8Array(0);
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > this.maxResponseBytes) {
          await reader.cancel().catch(() => undefined);
          throw new TransportError(`${url} answered more than the ${this.maxResponseBytes} bytes accepted`, 'too-large');
        }
        chunks.push(value);
      }
    } catch (e) {
      if (isTransportError(e)) throw e;
      throw controller.signal.aborted
        ? new TransportError(`the answer of ${url} did not arrive within ${this.timeoutMs} ms`, 'timeout')
        : new TransportError(`the answer of ${url} was cut: ${describe(e)}`, 'network');
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      body.set(c, at);
      at += c.byteLength;
    }
    return body;
  }
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? `${e.message} (${cause.message})` : e.message;
}

