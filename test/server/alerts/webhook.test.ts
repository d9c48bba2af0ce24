/** The alert webhook against a real receiver on 127.0.0.1: signed JSON, bounded retries, no real waiting. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ALERT_ID_HEADER, ATTEMPT_HEADER, SIGNATURE_HEADER, isWebhookDeliveryError, signWebhook, verifyWebhookSignature, webhookBody, webhookHandler, type WebhookOptions,
} from '../../../src/server/alerts/index.js';
import { Secret, type StoredAlert } from '../../../src/server/store/index.js';
import { deadUrl, startReceiver, type Receiver } from './receiver.js';

const NOW = 1_800_000_000_000;
const SECRET = new Secret('webhook-key-3b9d');
const ALERT: StoredAlert = {
  id: 41,
  deviceId: 'IMEI:493005100592800',
  sessionRef: 9,
  code: 1226,
  correlator: 'abc-1',
  mark: 'critical',
  items: [{ source: './FUMO/Update', type: 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate', format: 'int', data: '200' }],
  receivedAt: NOW - 5000,
};
const context = { now: NOW, signal: new AbortController().signal };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

function handler(url: string, over: Partial<WebhookOptions> = {}): { handle: (a: StoredAlert) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  const h = webhookHandler({ url, secret: SECRET, clock: () => NOW, sleep: async (ms) => void delays.push(ms), random: () => 0.5, ...over });
  return { handle: (a) => h.handle(a, context), delays };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected the delivery to fail');
    },
    (e: unknown) => e,
  );
}

describe('alert webhook', () => {
  it('POSTs the alert as JSON with an HMAC-SHA256 signature over the exact body and a timestamp', async () => {
    receiver = await startReceiver();
    await handler(receiver.url).handle(ALERT);
    expect(receiver.received).toHaveLength(1);
    const got = receiver.received[0]!;
    expect(got.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(got.headers[ALERT_ID_HEADER]).toBe('41');
    expect(got.headers[ATTEMPT_HEADER]).toBe('1');
    expect(got.body.equals(webhookBody(ALERT))).toBe(true);
    expect(JSON.parse(got.body.toString('utf8'))).toEqual({ type: 'omadm.alert', alert: { ...ALERT } });
    const signature = got.headers[SIGNATURE_HEADER] as string;
    expect(signature).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(signature, got.body, SECRET, NOW)).toEqual({ ok: true, timestamp: 1_800_000_000 });
  });

  it('the signature fails for another body, another key, a malformed header, and a replay after the tolerance', () => {
    const body = webhookBody(ALERT);
    const signature = signWebhook(SECRET, body, NOW);
    const tampered = Buffer.from(body.toString('utf8').replace('critical', 'minor'));
    expect(verifyWebhookSignature(signature, tampered, SECRET, NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature(signature, body, new Secret('other'), NOW)).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookSignature('v1=abc', body, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhookSignature(undefined, body, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyWebhookSignature(signature, body, SECRET, NOW + 300_000)).toEqual({ ok: true, timestamp: 1_800_000_000 });
    expect(verifyWebhookSignature(signature, body, SECRET, NOW + 301_000)).toEqual({ ok: false, reason: 'stale' });
    // The timestamp is inside the MAC: moving it forward breaks the signature.
    const moved = signature.replace('t=1800000000', 't=1800000600');
    expect(verifyWebhookSignature(moved, body, SECRET, NOW + 600_000)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('retries 5xx, 408 and 429 with a doubling, capped backoff, and stops at the first 2xx', async () => {
    receiver = await startReceiver([{ status: 500 }, { status: 503 }, { status: 408 }, { status: 429 }, { status: 502 }]);
    const h = handler(receiver.url, { maxAttempts: 6, backoff: { initialMs: 100, maxMs: 500 } });
    await h.handle(ALERT);
    expect(receiver.received.map((r) => r.headers[ATTEMPT_HEADER])).toEqual(['1', '2', '3', '4', '5', '6']);
    // random() = 0.5: three quarters of 100, 200, 400, 500 (capped), 500.
    expect(h.delays).toEqual([75, 150, 300, 375, 375]);
    // Each attempt is signed anew over the same body.
    expect(new Set(receiver.received.map((r) => r.body.toString('hex'))).size).toBe(1);
  });

  it('honours a Retry-After within the cap', async () => {
    receiver = await startReceiver([{ status: 503, headers: { 'retry-after': '2' } }, { status: 429, headers: { 'retry-after': '3600' } }]);
    const h = handler(receiver.url, { backoff: { initialMs: 100, maxMs: 10_000 } });
    await h.handle(ALERT);
    expect(h.delays).toEqual([2000, 150]);
  });

  it('gives up after maxAttempts 5xx with a typed error naming the alert, the attempts and the status', async () => {
    receiver = await startReceiver(Array.from({ length: 10 }, () => ({ status: 500 })));
    const h = handler(receiver.url, { maxAttempts: 3 });
    const e = await failure(h.handle(ALERT));
    expect(isWebhookDeliveryError(e)).toBe(true);
    expect(e).toMatchObject({ alertId: 41, attempts: 3, status: 500 });
    expect(receiver.received).toHaveLength(3);
    expect(h.delays).toHaveLength(2);
  });

  it('does not retry a 4xx refusal', async () => {
    receiver = await startReceiver([{ status: 401 }]);
    const h = handler(receiver.url);
    const e = await failure(h.handle(ALERT));
    expect(e).toMatchObject({ name: 'WebhookDeliveryError', attempts: 1, status: 401 });
    expect(h.delays).toEqual([]);
  });

  it('retries network errors (refused connection, dropped socket) and timeouts', async () => {
    const dead = handler(await deadUrl(), { maxAttempts: 4 });
    expect(await failure(dead.handle(ALERT))).toMatchObject({ attempts: 4, status: undefined });
    expect(dead.delays).toHaveLength(3);

    receiver = await startReceiver(['drop', 'hang', { status: 204 }]);
    // Long enough that only the hanging attempt runs out, even on a loaded machine.
    const flaky = handler(receiver.url, { timeoutMs: 1_000 });
    await flaky.handle(ALERT);
    expect(receiver.received).toHaveLength(3);
    expect(flaky.delays).toHaveLength(2);
  });

  it('never writes the key or its MAC input anywhere but the signature', async () => {
    receiver = await startReceiver();
    await handler(receiver.url).handle(ALERT);
    const all = JSON.stringify(receiver.received.map((r) => ({ h: r.headers, b: r.body.toString('utf8') })));
    expect(all).not.toContain('webhook-key-3b9d');
    expect(() => webhookHandler({ url: 'ftp://127.0.0.1/x', secret: SECRET })).toThrow(RangeError);
  });
});
