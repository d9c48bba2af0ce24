/**
 * Package#0 for a stored device: the trigger of src/notification, made from what the store
 * keeps of the device. The digest covers the server's credentials towards the device (its
 * server id and SRVCRED secret) and the nonce the device gave us (DeviceNonces.nonceToUse,
 * SRVCRED AAuthData); with no stored nonce, the all-zero nonce the notification spec lets a
 * client fall back to.
 */
import { buildTrigger, dmVersionField, Initiator, requestedSession, UiMode, ZERO_NONCE, parseTrigger, type TriggerFields } from '../../notification/index.js';
import { StoreNotFoundError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { AnnouncedSession, Device, DeviceNonces } from '../store/types.js';
import type { NotificationSender, SendResult } from './sender.js';

export interface NotificationRequest {
  /** Default not specified. */
  readonly uiMode?: UiMode;
  /** Default server (the server asks for the session). */
  readonly initiator?: Initiator;
  /** 16-bit session id (0-65535) the device is to use; default a random 1-65535. */
  readonly sessionId?: number;
  /** Default 1.3. */
  readonly dmVersion?: '1.2' | '1.3';
  readonly vendor?: Uint8Array;
  /** `zero`: the all-zero nonce even when one is stored. Default the stored one when there is one. */
  readonly nonce?: 'stored' | 'zero';
}

export interface DeviceNotification {
  /** The Package#0 bytes (application/vnd.syncml.notification). */
  readonly bytes: Uint8Array;
  readonly deviceId: string;
  readonly sessionId: number;
  /** The SessionID the device's Package#1 carries for it (upper-case hex). */
  readonly sessionID: string;
  /** Which nonce the digest was made with. */
  readonly nonce: 'stored' | 'zero';
  readonly fields: TriggerFields;
}

export type NotifyProblem = 'no-server-secret' | 'bad-request';

/** A notification that cannot be made for this device (or from these fields). */
export class NotifyError extends Error {
  override readonly name = 'NotifyError';
  constructor(
    message: string,
    readonly problem: NotifyProblem,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function isNotifyError(e: unknown): e is NotifyError {
  return e instanceof Error && e.name === 'NotifyError';
}

/** A random session id, 1-65535 (0 is avoided: some clients treat it as "none"). */
export function randomSessionId(random: () => number = Math.random): number {
  return 1 + Math.min(0xfffe, Math.floor(random() * 0xffff));
}

/** Builds the Package#0 of `device` with its stored nonces. */
export function notificationFor(device: Device, nonces: DeviceNonces, request: NotificationRequest = {}, random: () => number = Math.random): DeviceNotification {
  if (device.server.scheme === 'none') {
    throw new NotifyError(`device ${JSON.stringify(device.id)} has no server credentials (server auth none): the Package#0 digest is made with the server's secret`, 'no-server-secret', 'server');
  }
  const sessionId = request.sessionId ?? randomSessionId(random);
  if (!Number.isInteger(sessionId) || sessionId < 0 || sessionId > 0xffff) throw new NotifyError(`sessionId: 0 to 65535, not ${sessionId}`, 'bad-request', 'sessionId');
  const useStored = request.nonce !== 'zero' && nonces.nonceToUse !== undefined && nonces.nonceToUse.length > 0;
  const fields: TriggerFields = {
    version: dmVersionField(request.dmVersion ?? '1.3'),
    uiMode: request.uiMode ?? UiMode.NotSpecified,
    initiator: request.initiator ?? Initiator.Server,
    sessionId,
    serverId: device.serverId,
    ...(request.vendor !== undefined && request.vendor.length > 0 ? { vendor: request.vendor } : {}),
  };
  let bytes: Uint8Array;
  try {
    bytes = buildTrigger(fields, { password: device.server.secret.reveal(), nonce: useStored ? nonces.nonceToUse! : ZERO_NONCE });
  } catch (e) {
    if (e instanceof Error && e.name === 'NotificationError') throw new NotifyError(e.message, 'bad-request', (e as { field?: string }).field);
    throw e;
  }
  return { bytes, deviceId: device.id, sessionId, sessionID: requestedSession(parseTrigger(bytes)).sessionID, nonce: useStored ? 'stored' : 'zero', fields };
}

/** Reads the device and its nonces from the store and builds its Package#0. */
export async function buildDeviceNotification(
  store: Pick<Store, 'getDevice' | 'getNonces'>,
  deviceId: string,
  request: NotificationRequest = {},
  random: () => number = Math.random,
): Promise<DeviceNotification> {
  const device = await store.getDevice(deviceId);
  if (device === undefined) throw new StoreNotFoundError('device', deviceId);
  return notificationFor(device, await store.getNonces(deviceId), request, random);
}

/** How long the server expects the announced session by default: one hour (SMS can be slow). */
export const DEFAULT_ANNOUNCEMENT_TTL_MS = 3_600_000;

/** Records the session a notification announces, so the server expects it (Alert 1200 with that SessionID). */
export function recordAnnouncement(
  store: Pick<Store, 'recordAnnouncedSession'>,
  built: DeviceNotification,
  now: number,
  ttlMs: number = DEFAULT_ANNOUNCEMENT_TTL_MS,
): Promise<AnnouncedSession> {
  return store.recordAnnouncedSession({ deviceId: built.deviceId, sessionId: built.sessionID, uiMode: built.fields.uiMode, initiator: built.fields.initiator, expiresAt: now + ttlMs }, now);
}

export interface NotifyOutcome {
  readonly notification: DeviceNotification;
  readonly announced: AnnouncedSession;
  readonly sent: SendResult;
}

/**
 * The whole server-initiated flow: builds the device's Package#0, records the session it
 * announces (before sending, so a device that answers at once is expected) and hands it
 * to the sender. Rejects with the sender's NotifySendError when the bearer refused it.
 */
export async function notifyDevice(
  store: Pick<Store, 'getDevice' | 'getNonces' | 'recordAnnouncedSession'>,
  deviceId: string,
  sender: NotificationSender,
  request: NotificationRequest = {},
  options: { readonly now?: number; readonly ttlMs?: number; readonly random?: () => number; readonly signal?: AbortSignal } = {},
): Promise<NotifyOutcome> {
  const now = options.now ?? Date.now();
  const device = await store.getDevice(deviceId);
  if (device === undefined) throw new StoreNotFoundError('device', deviceId);
  const notification = notificationFor(device, await store.getNonces(deviceId), request, options.random);
  const announced = await recordAnnouncement(store, notification, now, options.ttlMs);
  const sent = await sender.send(notification.bytes, device, options.signal !== undefined ? { signal: options.signal } : {});
  return { notification, announced, sent };
}
