/**
 * The client's HTTP transport against a real server on 127.0.0.1: media types, the HMAC
 * header both ways, retries that resend the same bytes, and bounded waits and answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransport, isTransportError, type TransportError } from '../../src/client/transport/http-transport.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

interface Seen {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly hmac: string | undefined;
}

async function start(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer, n: number) => void): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ body, contentType: req.headers['content-type'], hmac: req.headers['x-syncml-hmac'] as string | undefined });
      answer(req, res, body, seen.length);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}/dm`, seen };
}

function dm(res: ServerResponse, body: Uint8Array | string, type = 'application/vnd.syncml.dm+xml'): void {
  res.writeHead(200, { 'content-type': type });
  res.end(body);
}

const noWait = { sleep: async () => undefined };
const body = new TextEncoder().encode('<SyncML>one message</SyncML>');

async function failure(p: Promise<unknown>): Promise<TransportError> {
  const e = await p.then(() => undefined, (e: unknown) => e);
  expect(isTransportError(e), String(e)).toBe(true);
  return e as TransportError;
}

describe('the client HTTP transport on 127.0.0.1', () => {
  it('posts the bytes with the DM media type and the HMAC header, and reads the answer and its HMAC', async () => {
    const { url, seen } = await start((_q, res) => {
      res.setHeader('x-syncml-hmac', 'algorithm=MD5, username="srv", mac=m=');
      dm(res, 'answer', 'application/vnd.syncml.dm+xml; charset=utf-8');
    });
    const reply = await new HttpTransport(noWait).send({ url, body, encoding: 'xml', hmac: 'algorithm=MD5, username="dev", mac=x=' });
    expect(new TextDecoder().decode(reply.body)).toBe('answer');
    expect(reply.hmac).toBe('algorithm=MD5, username="srv", mac=m=');
    expect(reply.attempts).toBe(1);
    expect(seen[0]).toMatchObject({ contentType: 'application/vnd.syncml.dm+xml', hmac: 'algorithm=MD5, username="dev", mac=x=' });
    expect(new Uint8Array(seen[0]!.body)).toEqual(body);
  });

  it('speaks WBXML and the older vnd.syncml family when configured', async () => {
    const { url, seen } = await start((_q, res) => dm(res, Buffer.from([2, 0, 0, 0x6a]), 'application/vnd.syncml+wbxml'));
    const reply = await new HttpTransport({ ...noWait, family: 'syncml' }).send({ url, body: Uint8Array.from([2, 0, 0, 0x6a, 0]), encoding: 'wbxml' });
    expect([...reply.body]).toEqual([2, 0, 0, 0x6a]);
    expect(seen[0]!.contentType).toBe('application/vnd.syncml+wbxml');
  });

  it('resends the very same bytes after a dropped connection, so the server sees a duplicate', async () => {
    const { url, seen } = await start((req, res, _b, n) => (n === 1 ? req.socket.destroy() : dm(res, 'second time')));
    const reply = await new HttpTransport(noWait).send({ url, body, encoding: 'xml' });
    expect(reply.attempts).toBe(2);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body.equals(seen[0]!.body)).toBe(true);
  });

  it('retries a 503 but not a 4xx, and stops after the attempts configured', async () => {
    const busy = await start((_q, res) => {
      res.writeHead(503);
      res.end();
    });
    const e = await failure(new HttpTransport({ ...noWait, attempts: 3 }).send({ url: busy.url, body, encoding: 'xml' }));
    expect(e).toMatchObject({ problem: 'http-status', status: 503, attempts: 3 });
    expect(busy.seen).toHaveLength(3);
    await new Promise((r) => server!.close(r));
    const refused = await start((_q, res) => {
      res.writeHead(403);
      res.end();
    });
    expect(await failure(new HttpTransport({ ...noWait, attempts: 3 }).send({ url: refused.url, body, encoding: 'xml' }))).toMatchObject({ status: 403, attempts: 1 });
    expect(refused.seen).toHaveLength(1);
  });

  it('gives up on a server that does not answer within the timeout, counting its attempts', async () => {
    const { url, seen } = await start(() => undefined); // never answers
    const e = await failure(new HttpTransport({ ...noWait, timeoutMs: 100, attempts: 2 }).send({ url, body, encoding: 'xml' }));
    expect(e).toMatchObject({ problem: 'timeout', attempts: 2 });
    expect(seen).toHaveLength(2);
  });

  it('refuses an answer that is not a DM message in the same encoding', async () => {
    const { url } = await start((_q, res) => dm(res, '<html/>', 'text/html'));
    expect(await failure(new HttpTransport(noWait).send({ url, body, encoding: 'xml' }))).toMatchObject({ problem: 'content-type' });
    await new Promise((r) => server!.close(r));
    const other = await start((_q, res) => dm(res, 'x', 'application/vnd.syncml.dm+wbxml'));
    expect(await failure(new HttpTransport(noWait).send({ url: other.url, body, encoding: 'xml' }))).toMatchObject({ problem: 'content-type' });
  });

  it('reads no more than maxResponseBytes, declared or streamed', async () => {
    const declared = await start((_q, res) => dm(res, 'x'.repeat(5000)));
    expect(await failure(new HttpTransport({ ...noWait, maxResponseBytes: 1000 }).send({ url: declared.url, body, encoding: 'xml' }))).toMatchObject({ problem: 'too-large' });
    await new Promise((r) => server!.close(r));
    const streamed = await start((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+xml', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 10; i++) res.write('y'.repeat(500));
      res.end();
    });
    expect(await failure(new HttpTransport({ ...noWait, maxResponseBytes: 1000 }).send({ url: streamed.url, body, encoding: 'xml' }))).toMatchObject({ problem: 'too-large' });
  });

  it('reports an address nobody listens on as a network error', async () => {
    const { url } = await start(() => undefined);
    server!.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
    expect(await failure(new HttpTransport({ ...noWait, attempts: 1 }).send({ url, body, encoding: 'xml' }))).toMatchObject({ problem: 'network' });
  });
});
