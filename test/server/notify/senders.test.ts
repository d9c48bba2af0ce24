/** Package#0 senders against real receivers on 127.0.0.1: HTTP push, and SMS (WAP push) through an HTTP gateway. */
import { afterEach, describe, expect, it } from 'vitest';
import { NOTIFICATION_MEDIA_TYPE, parseTrigger, verifyTrigger } from '../../../src/notification/index.js';
import {
  httpPushSender, httpSmsGateway, isNotifySendError, notificationFor, smsSegments, smsSender, uintvar, wspPushPdu, SMS_OCTETS,
} from '../../../src/server/notify/index.js';
import { Secret, type Device } from '../../../src/server/store/index.js';
import { deadUrl, startReceiver, type Receiver } from '../alerts/receiver.js';

const DEVICE: Device = {
  id: 'IMEI:493005100592800',
  serverId: 'omadm.example',
  client: { scheme: 'md5', name: 'dev', secret: new Secret('client-pw') },
  server: { scheme: 'md5', name: 'omadm.example', secret: new Secret('server-pw') },
  acceptedClientSchemes: [],
  createdAt: 0,
  updatedAt: 0,
};
const NONCE = new Uint8Array([1, 2, 3, 4]);
const trigger = (vendorBytes = 0): Uint8Array => notificationFor(DEVICE, { nonceToUse: NONCE }, { sessionId: 0x1234, vendor: new Uint8Array(vendorBytes).fill(0x5a) }).bytes;

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('HTTP push sender', () => {
  it('POSTs the exact Package#0 bytes as application/vnd.syncml.notification to the device URL', async () => {
    receiver = await startReceiver([{ status: 202 }]);
    const url = receiver.url;
    const sender = httpPushSender({ urlOf: (d) => `${url}?device=${encodeURIComponent(d.id)}`, headers: { 'x-api-key': 'k' } });
    const bytes = trigger();
    expect(await sender.send(bytes, DEVICE)).toEqual({ status: 202 });
    const got = receiver.received[0]!;
    expect(got.headers['content-type']).toBe(NOTIFICATION_MEDIA_TYPE);
    expect(got.headers['x-api-key']).toBe('k');
    expect(Buffer.compare(got.body, Buffer.from(bytes))).toBe(0);
  });

  it('fails with a typed error on a non-2xx, a dead host, a timeout, and a device without URL', async () => {
    receiver = await startReceiver([{ status: 500 }, 'hang']);
    const url = receiver.url;
    const sender = httpPushSender({ urlOf: (d) => (d.id === 'none' ? undefined : url), timeoutMs: 1_000 }); // only the hanging request runs out, even on a loaded machine
    const fail = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
    expect(await fail(sender.send(trigger(), DEVICE))).toMatchObject({ name: 'NotifySendError', status: 500, deviceId: DEVICE.id });
    expect(isNotifySendError(await fail(sender.send(trigger(), DEVICE)))).toBe(true); // hang → timeout
    const dead = await deadUrl();
    expect(await fail(httpPushSender({ urlOf: () => dead }).send(trigger(), DEVICE))).toMatchObject({ name: 'NotifySendError', status: undefined });
    expect(await fail(sender.send(trigger(), { ...DEVICE, id: 'none' }))).toMatchObject({ name: 'NotifySendError' });
  });
});

describe('WAP push for the SMS bearer', () => {
  it('uintvar encodes 7 bits per byte, continuation bits on all but the last', () => {
    expect(uintvar(0)).toEqual([0]);
    expect(uintvar(127)).toEqual([0x7f]);
    expect(uintvar(128)).toEqual([0x81, 0x00]);
    expect(uintvar(0x3fff)).toEqual([0xff, 0x7f]);
  });

  it('a WSP Push PDU with the SyncML notification content type and the syncml.dm application id', () => {
    const t = trigger();
    const pdu = wspPushPdu(t, 0x01);
    expect(Array.from(pdu.subarray(0, 6))).toEqual([0x01, 0x06, 0x03, 0xc4, 0xaf, 0x87]);
    expect(Buffer.compare(Buffer.from(pdu.subarray(6)), Buffer.from(t))).toBe(0);
  });

  it('one SMS with WDP ports 2948/9200 when it fits, concatenated SMS of 140 octets each otherwise', () => {
    const small = smsSegments(wspPushPdu(trigger()));
    expect(small).toHaveLength(1);
    expect(Array.from(small[0]!.udh)).toEqual([0x06, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0]);
    const pdu = wspPushPdu(trigger(300));
    const parts = smsSegments(pdu, 0x42);
    expect(parts.length).toBe(Math.ceil(pdu.length / 128));
    parts.forEach((p, i) => {
      expect(Array.from(p.udh)).toEqual([0x0b, 0x05, 0x04, 0x0b, 0x84, 0x23, 0xf0, 0x00, 0x03, 0x42, parts.length, i + 1]);
      expect(p.udh.length + p.data.length).toBeLessThanOrEqual(SMS_OCTETS);
    });
    expect(Buffer.compare(Buffer.concat(parts.map((p) => p.data)), Buffer.from(pdu))).toBe(0);
  });

  it('the SMS sender submits every segment to the HTTP gateway; reassembled, the trigger verifies', async () => {
    receiver = await startReceiver();
    const sender = smsSender({
      gateway: httpSmsGateway({ url: receiver.url, authorization: new Secret('Bearer gw-token') }),
      numberOf: () => '+15550100',
      reference: () => 7,
    });
    const bytes = trigger(300);
    const result = await sender.send(bytes, DEVICE);
    expect(result.parts).toBe(receiver.received.length);
    expect(result.parts).toBeGreaterThan(1);
    const messages = receiver.received.map((r) => JSON.parse(r.body.toString('utf8')) as { to: string; udh: string; data: string; coding: string });
    expect(receiver.received[0]!.headers['authorization']).toBe('Bearer gw-token');
    expect(messages.every((m) => m.to === '+15550100' && m.coding === '8bit')).toBe(true);
    const pdu = Buffer.concat(messages.map((m) => Buffer.from(m.data, 'hex')));
    const carried = parseTrigger(new Uint8Array(pdu.subarray(6)));
    expect(verifyTrigger(carried, { password: 'server-pw', nonce: NONCE }, false)).toBe('stored');
    expect(carried.sessionId).toBe(0x1234);
  });

  it('refuses a device without a number, and reports a gateway refusal', async () => {
    receiver = await startReceiver([{ status: 403 }]);
    const gateway = httpSmsGateway({ url: receiver.url });
    const fail = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
    expect(await fail(smsSender({ gateway, numberOf: () => undefined }).send(trigger(), DEVICE))).toMatchObject({ name: 'NotifySendError' });
    expect(await fail(smsSender({ gateway, numberOf: () => '+15550100' }).send(trigger(), DEVICE))).toMatchObject({ name: 'NotifySendError', status: 403 });
  });
});
