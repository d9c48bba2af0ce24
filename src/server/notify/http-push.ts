/**
 * A Package#0 sent over HTTP: POST application/vnd.syncml.notification to a push service
 * (or to a device that listens), one URL per device. Bounded: one attempt per send, with a
 * timeout over the whole exchange; the answer's body is read up to a bound and dropped.
 * A 2xx means the bearer took it.
 */
import { NOTIFICATION_MEDIA_TYPE } from '../../notification/index.js';
import type { Device } from '../store/types.js';
import { checkHttpUrl, postBytes } from '../http-client/post.js';
import { NotifySendError, type NotificationSender } from './sender.js';

export interface HttpPushOptions {
  /** Where a device's notification goes (e.g. from its id); undefined: the device cannot be reached this way. */
  readonly urlOf: (device: Device) => string | URL | undefined;
  readonly name?: string;
  /** Default 10 000 ms. */
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  /** Sent with every request (e.g. the push service's API key). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function httpPushSender(options: HttpPushOptions): NotificationSender {
  const name = options.name ?? 'http-push';
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError(`timeoutMs: a positive integer, not ${timeoutMs}`);
  return {
    name,
    async send(bytes, device, sendOptions = {}) {
      const where = options.urlOf(device);
      if (where === undefined) throw new NotifySendError(`no push URL for device ${JSON.stringify(device.id)}`, name, device.id);
      const url = checkHttpUrl(where, 'push url');
      const outcome = await postBytes(url, bytes, {
        headers: { ...options.headers, 'content-type': NOTIFICATION_MEDIA_TYPE },
        timeoutMs,
        maxResponseBytes: options.maxResponseBytes ?? 64 * 1024,
        ...(sendOptions.signal !== undefined ? { signal: sendOptions.signal } : {}),
      });
      if ('error' in outcome) throw new NotifySendError(`push to ${url.host} failed: ${outcome.error.message}`, name, device.id, undefined, { cause: outcome.error });
      if (outcome.status < 200 || outcome.status >= 300) throw new NotifySendError(`push to ${url.host} answered ${outcome.status}`, name, device.id, outcome.status);
      return { status: outcome.status };
    },
  };
}
