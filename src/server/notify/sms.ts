/**
 * Package#0 over SMS: a sender that turns the trigger into WAP push segments (./wap-push.ts)
 * and submits them to an SMS gateway. `SmsGateway` is the interface a deployment implements
 * for its provider; `httpSmsGateway` is one real implementation that POSTs each segment as
 * JSON to a configurable URL:
 *
 *   { "to": "+15550100", "udh": "<hex>", "data": "<hex>", "coding": "8bit" }
 *
 * (udh: the user data header, with its length byte; data: the octets after it). Providers
 * whose API differs get their own SmsGateway over the same segments.
 */
import type { Secret } from '../store/secret.js';
import type { Device } from '../store/types.js';
import { checkHttpUrl, postBytes } from '../http-client/post.js';
import { NotifySendError, type NotificationSender, type SendOptions } from './sender.js';
import { smsSegments, wspPushPdu, type SmsSegment } from './wap-push.js';

export interface SmsMessage extends SmsSegment {
  /** The device's number (E.164). */
  readonly to: string;
}

export interface SmsGateway {
  readonly name: string;
  /** Resolves when the gateway accepted the message; rejects with a NotifySendError. */
  submit(message: SmsMessage, deviceId: string, options?: SendOptions): Promise<void>;
}

export interface HttpSmsGatewayOptions {
  readonly url: string | URL;
  readonly name?: string;
  /** Sent as the Authorization header (kept as a Secret: it never prints). */
  readonly authorization?: Secret;
  /** Default 10 000 ms per segment. */
  readonly timeoutMs?: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function httpSmsGateway(options: HttpSmsGatewayOptions): SmsGateway {
  const url = checkHttpUrl(options.url, 'sms gateway url');
  const name = options.name ?? 'sms-gateway';
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs: a positive integer, not ${timeoutMs}`);
  return {
    name,
    async submit(message, deviceId, sendOptions = {}) {
      const body = Buffer.from(JSON.stringify({ to: message.to, udh: hex(message.udh), data: hex(message.data), coding: '8bit' }), 'utf8');
      const outcome = await postBytes(url, body, {
        headers: { 'content-type': 'application/json; charset=utf-8', ...(options.authorization ? { authorization: options.authorization.reveal() } : {}) },
        timeoutMs,
        maxResponseBytes: 64 * 1024,
        ...(sendOptions.signal !== undefined ? { signal: sendOptions.signal } : {}),
      });
      if ('error' in outcome) throw new NotifySendError(`sms gateway ${url.host} failed: ${outcome.error.message}`, name, deviceId, undefined, { cause: outcome.error });
      if (outcome.status < 200 || outcome.status >= 300) throw new NotifySendError(`sms gateway ${url.host} answered ${outcome.status}`, name, deviceId, outcome.status);
    },
  };
}

export interface SmsSenderOptions {
  readonly gateway: SmsGateway;
  /** The device's number; undefined: the device has none. */
  readonly numberOf: (device: Device) => string | undefined;
  /** The concatenation reference of a multi-part push (0-255). Default random. */
  readonly reference?: () => number;
}

/** A NotificationSender over an SMS gateway: the trigger as a WAP push, segment by segment. */
export function smsSender(options: SmsSenderOptions): NotificationSender {
  const name = `sms:${options.gateway.name}`;
  const reference = options.reference ?? (() => Math.floor(Math.random() * 256));
  return {
    name,
    async send(bytes, device, sendOptions) {
      const to = options.numberOf(device);
      if (to === undefined || !/^\+?[0-9]{3,20}$/.test(to)) throw new NotifySendError(`no SMS number for device ${JSON.stringify(device.id)}`, name, device.id);
      const segments = smsSegments(wspPushPdu(bytes), reference());
      for (const segment of segments) await options.gateway.submit({ to, ...segment }, device.id, sendOptions);
      return { parts: segments.length };
    },
  };
}
