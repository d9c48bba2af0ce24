/**
 * An alert handler that POSTs each alert as JSON to a URL, signed so the receiver can tell
 * it came from this server and is not a replay.
 *
 *   X-Omadm-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * over the exact bytes of the body; the receiver recomputes it (`verifyWebhookSignature`)
 * and refuses a timestamp older than its tolerance, so a captured request cannot be sent
 * again later. `X-Omadm-Alert-Id` names the alert (deliveries are at least once: dedupe
 * by it) and `X-Omadm-Delivery-Attempt` counts attempts.
 *
 * Rules kept here
 * 1. A network error, a timeout, a 5xx, 408 or 429 is retried, at most `maxAttempts` times
 *    in all, after a bounded backoff (doubling from `backoff.initialMs` up to `maxMs`, with
 *    jitter; a Retry-After within `maxMs` is honoured). Any other status below 200 or from
 *    300 up is final. Then the handler rejects with a WebhookDeliveryError.
 * 2. Every attempt has `timeoutMs` in all; at most `maxResponseBytes` of the answer are
 *    read (and thrown away): the server's one bounded POST (http-client/post.ts).
 * 3. The clock (timestamps) and the sleep between attempts are injected.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkHttpUrl, postBytes } from '../http-client/post.js';
import type { Secret } from '../store/secret.js';
import type { StoredAlert } from '../store/types.js';
import type { AlertHandler } from './handler.js';

export const SIGNATURE_HEADER = 'x-omadm-signature';
export const ALERT_ID_HEADER = 'x-omadm-alert-id';
export const ATTEMPT_HEADER = 'x-omadm-delivery-attempt';

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export interface WebhookOptions {
  /** http: or https: URL that receives the alerts. */
  readonly url: string | URL;
  /** The key of the signature, shared with the receiver. */
  readonly secret: Secret;
  /** The handler's name. Default `webhook`. */
  readonly name?: string;
  /** Attempts per delivery in all. Default 5. */
  readonly maxAttempts?: number;
  /** Default 500 ms doubling up to 30 000 ms. */
  readonly backoff?: Backoff;
  /** One attempt, from connecting to the end of the answer. Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Milliseconds since the epoch, for the signature's timestamp. Default Date.now. */
  readonly clock?: () => number;
  /** Waits between attempts. Default a real timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter of the backoff. Default Math.random. */
  readonly random?: () => number;
  /** Told of each attempt that failed (before the next one). */
  readonly onAttemptFailed?: (failure: { readonly attempt: number; readonly status?: number; readonly error?: unknown; readonly delayMs?: number }) => void;
}

/** The JSON body of a delivery. */
export interface WebhookPayload {
  readonly type: 'omadm.alert';
  readonly alert: {
    readonly id: number;
    readonly deviceId: string;
    readonly sessionRef?: number;
    readonly code: number;
    readonly correlator?: string;
    readonly mark?: string;
    readonly items: StoredAlert['items'];
    readonly receivedAt: number;
  };
}

/** The webhook gave up on an alert. `status`: the last HTTP status, when an answer came. */
export class WebhookDeliveryError extends Error {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    message: string,
    readonly alertId: number,
    readonly attempts: number,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isWebhookDeliveryError(e: unknown): e is WebhookDeliveryError {
  return e instanceof Error && e.name === 'WebhookDeliveryError';
}

/** The exact body bytes of an alert's delivery (the same for every attempt). */
export function webhookBody(alert: StoredAlert): Buffer {
  const payload: WebhookPayload = {
    type: 'omadm.alert',
    alert: {
      id: alert.id,
      deviceId: alert.deviceId,
      ...(alert.sessionRef !== undefined ? { sessionRef: alert.sessionRef } : {}),
      code: alert.code,
      ...(alert.correlator !== undefined ? { correlator: alert.correlator } : {}),
      ...(alert.mark !== undefined ? { mark: alert.mark } : {}),
      items: alert.items,
      receivedAt: alert.receivedAt,
    },
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

function mac(secret: Secret, timestamp: number, body: Uint8Array): string {
  return createHmac('sha256', secret.reveal()).update(`${timestamp}.`).update(body).digest('hex');
}

/** The signature header's value for `body` sent at `nowMs`. */
export function signWebhook(secret: Secret, body: Uint8Array, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${mac(secret, t, body)}`;
}

export type SignatureCheck = { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: 'malformed' | 'mismatch' | 'stale' };

/**
 * Checks a signature header against the exact body received: the MAC (in constant time)
 * and the timestamp, which must be within `toleranceMs` of `nowMs` (default 5 minutes).
 */
export function verifyWebhookSignature(header: string | undefined, body: Uint8Array, secret: Secret, nowMs: number, toleranceMs = 300_000): SignatureCheck {
  const m = /^t=(\d{1,15}),v1=([0-9a-f]{64})$/.exec(header?.trim() ?? '');
  if (!m) return { ok: false, reason: 'malformed' };
  const t = Number(m[1]);
  const expected = Buffer.from(mac(secret, t, body), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(m[2]!, 'hex'))) return { ok: false, reason: 'mismatch' };
  if (Math.abs(nowMs - t * 1000) > toleranceMs) return { ok: false, reason: 'stale' };
  return { ok: true, timestamp: t };
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name}: a positive integer, not ${value}`);
  return value;
}

type Attempt = { readonly status: number; readonly retryAfter?: string } | { readonly error: unknown };

/** A webhook handler for the alert dispatcher. */
export function webhookHandler(options: WebhookOptions): AlertHandler {
  const url = checkHttpUrl(options.url, 'webhook url');
  const maxAttempts = positive(options.maxAttempts ?? 5, 'maxAttempts');
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 };
  positive(backoff.initialMs, 'backoff.initialMs');
  positive(backoff.maxMs, 'backoff.maxMs');
  const timeoutMs = positive(options.timeoutMs ?? 10_000, 'timeoutMs');
  const maxResponseBytes = positive(options.maxResponseBytes ?? 64 * 1024, 'maxResponseBytes');
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;

  const attempt = async (body: Buffer, alertId: number, n: number, signal: AbortSignal): Promise<Attempt> => {
    const outcome = await postBytes(url, body, {
      headers: {
        'content-type': 'application/json; charset=utf-8',
        [SIGNATURE_HEADER]: signWebhook(options.secret, body, clock()),
        [ALERT_ID_HEADER]: String(alertId),
        [ATTEMPT_HEADER]: String(n),
      },
      timeoutMs,
      maxResponseBytes,
      signal,
    });
    if ('error' in outcome) return outcome;
    const retryAfter = outcome.headers['retry-after'];
    return { status: outcome.status, ...(retryAfter !== undefined ? { retryAfter } : {}) };
  };

  const delayBefore = (next: number, retryAfter?: string): number => {
    const exp = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (next - 2));
    const jittered = Math.round(exp / 2 + (random() * exp) / 2);
    const asked = retryAfter !== undefined && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : undefined;
    return asked !== undefined && asked <= backoff.maxMs ? Math.max(asked, jittered) : jittered;
  };

  return {
    name: options.name ?? 'webhook',
    async handle(alert, context) {
      const body = webhookBody(alert);
      let last: Attempt | undefined;
      let made = 0;
      while (made < maxAttempts && !context.signal.aborted) {
        last = await attempt(body, alert.id, ++made, context.signal);
        if ('status' in last && last.status >= 200 && last.status < 300) return;
        const transient = 'error' in last || last.status >= 500 || last.status === 408 || last.status === 429;
        if (!transient || made === maxAttempts) break;
        const delayMs = delayBefore(made + 1, 'status' in last ? last.retryAfter : undefined);
        options.onAttemptFailed?.({ attempt: made, ...('status' in last ? { status: last.status } : { error: last.error }), delayMs });
        await sleep(delayMs);
      }
      if (last === undefined || 'error' in last) {
        const why = last === undefined ? 'aborted before the first attempt' : `after ${made} attempt(s): ${last.error instanceof Error ? last.error.message : String(last.error)}`;
        throw new WebhookDeliveryError(`webhook ${url.host} not reached ${why}`, alert.id, made, undefined, last !== undefined ? { cause: last.error } : undefined);
      }
      throw new WebhookDeliveryError(`webhook ${url.host} answered ${last.status} after ${made} attempt(s)`, alert.id, made, last.status);
    },
  };
}
