/**
 * A Package#0 as the SMS bearer carries it: a connectionless WAP push (WSP Push PDU) in 8-bit
 * SMS with a WDP port-addressing header, split into concatenated SMS when it does not fit.
 *
 *   WSP Push PDU: TID | PDU type 0x06 (Push) | headers length (uintvar) |
 *                 content type 0xC4 (well-known 0x44, application/vnd.syncml.notification) |
 *                 X-WAP-Application-Id 0xAF (header 0x2F) = 0x87 (well-known 0x07, x-wap-application:syncml.dm) |
 *                 the trigger
 *   UDH:          length | 0x05 0x04 dest port 2948 (WAP push, connectionless) src port 9200 |
 *                 [0x00 0x03 reference total sequence]  (concatenated SMS only)
 *
 * An 8-bit SMS holds 140 octets, its UDH included.
 */
import { MAX_TRIGGER_BYTES } from '../../notification/index.js';

export const WSP_PUSH_PDU = 0x06;
export const WSP_CONTENT_TYPE_SYNCML_NOTIFICATION = 0x44;
export const WSP_HEADER_X_WAP_APPLICATION_ID = 0x2f;
export const WAP_APPLICATION_SYNCML_DM = 0x07;
export const WDP_PORT_WAP_PUSH = 2948;
export const WDP_PORT_WAP_WSP = 9200;
export const SMS_OCTETS = 140;

/** A WSP uintvar: 7 bits per byte, most significant first, the high bit set on all but the last. */
export function uintvar(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`uintvar: a non-negative integer, not ${n}`);
  const out = [n & 0x7f];
  for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80);
  return out;
}

/** The WSP Push PDU carrying a trigger. */
export function wspPushPdu(trigger: Uint8Array, transactionId = 0): Uint8Array {
  if (trigger.length > MAX_TRIGGER_BYTES) throw new RangeError(`a trigger of ${trigger.length} bytes, more than ${MAX_TRIGGER_BYTES}`);
  const headers = [WSP_CONTENT_TYPE_SYNCML_NOTIFICATION | 0x80, WSP_HEADER_X_WAP_APPLICATION_ID | 0x80, WAP_APPLICATION_SYNCML_DM | 0x80];
  return Uint8Array.from([transactionId & 0xff, WSP_PUSH_PDU, ...uintvar(headers.length), ...headers, ...trigger]);
}

/** One SMS of a push: its user data header and the octets after it. */
export interface SmsSegment {
  readonly udh: Uint8Array;
  readonly data: Uint8Array;
}

const PORTS = [0x05, 0x04, WDP_PORT_WAP_PUSH >> 8, WDP_PORT_WAP_PUSH & 0xff, WDP_PORT_WAP_WSP >> 8, WDP_PORT_WAP_WSP & 0xff];

/** Splits a WSP PDU into 8-bit SMS segments with WDP ports (and concatenation, reference `reference`, when needed). */
export function smsSegments(pdu: Uint8Array, reference = 0): SmsSegment[] {
  const single = Uint8Array.from([PORTS.length, ...PORTS]);
  if (single.length + pdu.length <= SMS_OCTETS) return [{ udh: single, data: pdu }];
  const room = SMS_OCTETS - (1 + PORTS.length + 5);
  const total = Math.ceil(pdu.length / room);
  if (total > 255) throw new RangeError(`${pdu.length} bytes need ${total} SMS, more than 255`);
  const segments: SmsSegment[] = [];
  for (let i = 0; i < total; i++) {
    const udh = Uint8Array.from([PORTS.length + 5, ...PORTS, 0x00, 0x03, reference & 0xff, total, i + 1]);
    segments.push({ udh, data: pdu.slice(i * room, (i + 1) * room) });
  }
  return segments;
}
