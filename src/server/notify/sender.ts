/**
 * Who carries a Package#0 to a device: a sender takes the bytes and the device it is for.
 * Bearers differ (an HTTP push service, an SMS gateway carrying a WAP push, a vendor's push
 * channel); the server only knows this interface.
 */
import type { Device } from '../store/types.js';

export interface SendOptions {
  /** Aborts the send (a shutdown). */
  readonly signal?: AbortSignal;
}

export interface SendResult {
  /** The bearer's own answer, for the record (an HTTP status, a gateway's message ids). */
  readonly status?: number;
  readonly parts?: number;
}

export interface NotificationSender {
  readonly name: string;
  /** Resolves when the bearer accepted the notification; rejects with a NotifySendError. */
  send(bytes: Uint8Array, device: Device, options?: SendOptions): Promise<SendResult>;
}

/** The bearer did not take the notification. */
export class NotifySendError extends Error {
  override readonly name = 'NotifySendError';
  constructor(
    message: string,
    readonly sender: string,
    readonly deviceId: string,
    /** The HTTP status, when the bearer answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isNotifySendError(e: unknown): e is NotifySendError {
  return e instanceof Error && e.name === 'NotifySendError';
}
