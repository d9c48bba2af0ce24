/**
 * The server's one outgoing POST (src/server/http-client/post.ts), which the alert webhook,
 * the HTTP push sender and the SMS gateway all use, against real receivers on 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHttpUrl, postBytes } from '../../../src/server/http-client/index.js';
import { httpPushSender } from '../../../src/server/notify/index.js';
import type { Device } from '../../../src/server/store/index.js';
import { startReceiver, type Receiver } from '../alerts/receiver.js';

const DEVICE: Device = { id: 'IMEI:1', serverId: 's', client: { scheme: 'none' }, server: { scheme: 'none' }, acceptedClientSchemes: [], createdAt: 0, updatedAt: 0 };
const OPTIONS = { headers: { 'content-type': 'text/plain' }, timeoutMs: 2_000, maxResponseBytes: 1024 };

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('the one bounded POST', () => {
  it('sends the exact bytes with a Content-Length and gives the status and the headers of the answer', async () => {
    receiver = await startReceiver([{ status: 429, headers: { 'retry-after': '7' } }]);
    const body = new Uint8Array([0, 1, 2, 250]);
    const outcome = await postBytes(new URL(receiver.url), body, OPTIONS);
    expect(outcome).toMatchObject({ status: 429, headers: { 'retry-after': '7' } });
    expect(receiver.received[0]!.headers['content-length']).toBe('4');
    expect([...receiver.received[0]!.body]).toEqual([...body]);
  });

  it('never rejects: a timeout, an abort (with its reason as the error), a dead socket are outcomes', async () => {
    receiver = await startReceiver(['hang', 'hang', 'drop']);
    const url = new URL(receiver.url);
    expect(await postBytes(url, new Uint8Array(1), { ...OPTIONS, timeoutMs: 50 })).toMatchObject({ error: { message: 'no answer within 50 ms' } });
    const abort = new AbortController();
    const pending = postBytes(url, new Uint8Array(1), { ...OPTIONS, signal: abort.signal });
    const why = new Error('shutting down');
    setTimeout(() => abort.abort(why), 20);
    expect(await pending).toEqual({ error: why });
    const dropped = await postBytes(url, new Uint8Array(1), OPTIONS);
    expect('error' in dropped).toBe(true);
    const before = new AbortController();
    before.abort();
    expect(await postBytes(url, new Uint8Array(1), { ...OPTIONS, signal: before.signal })).toMatchObject({ error: { name: 'AbortError' } });
  });

  it('cuts an answer longer than maxResponseBytes, and still gives its status', async () => {
    let wrote = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200);
        // Far more than the bound, in pieces, until the client goes away (bounded by the count too).
        const piece = Buffer.alloc(16 * 1024, 0x61);
        const more = (): void => {
          while (wrote < 64 * 1024 * 1024 && !res.destroyed) {
            wrote += piece.length;
            if (!res.write(piece)) return void res.once('drain', more);
          }
          res.end();
        };
        more();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const outcome = await postBytes(new URL(`http://127.0.0.1:${port}/`), new Uint8Array(1), { ...OPTIONS, maxResponseBytes: 1024 });
      expect(outcome).toMatchObject({ status: 200 });
      expect(wrote).toBeLessThan(64 * 1024 * 1024);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('takes http: and https: URLs only', () => {
    expect(checkHttpUrl('https://example.test/x', 'push url').protocol).toBe('https:');
    expect(() => checkHttpUrl('ftp://example.test/x', 'push url')).toThrow('push url: http: or https:, not ftp:');
  });

  it('the push sender is cut by its abort signal with the signal\'s reason (the webhook\'s behaviour, now one code)', async () => {
    receiver = await startReceiver(['hang']);
    const url = receiver.url;
    const abort = new AbortController();
    const why = new Error('server closing');
    const sending = httpPushSender({ urlOf: () => url, timeoutMs: 5_000 }).send(new Uint8Array(8), DEVICE, { signal: abort.signal });
    setTimeout(() => abort.abort(why), 20);
    const error = await sending.then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ name: 'NotifySendError', cause: why });
  });
});
