/**
 * The DM endpoint's HTTP transport, over real sockets on 127.0.0.1: media types and
 * families, the exact body bytes, size limits before reading, HTTP/1.0 and keep-alive,
 * the HMAC header both ways, slow clients, handler errors and a graceful stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createDmServer, stopDmServer, type DmHttpAnswer, type DmHttpRequest, type DmServerOptions } from '../../src/server/http/dm-http.js';
import { parseDmMediaType, dmMediaType } from '../../src/binding/media-type.js';

let server: Server | undefined;

afterEach(async () => {
  if (server) await stopDmServer(server, 100);
  server = undefined;
});

async function start(handler: (r: DmHttpRequest) => DmHttpAnswer | Promise<DmHttpAnswer>, options: Partial<DmServerOptions> = {}): Promise<{ port: number; seen: DmHttpRequest[] }> {
  const seen: DmHttpRequest[] = [];
  server = createDmServer({
    ...options,
    handler: (r) => {
      seen.push(r);
      return handler(r);
    },
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as AddressInfo).port, seen };
}

const echo = (r: DmHttpRequest): DmHttpAnswer => ({ kind: 'message', body: r.body });

/** Sends raw bytes and collects everything the server writes until it closes (bounded by `guardMs`). */
function raw(port: number, data: string | Buffer, guardMs = 5_000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const guard = setTimeout(() => {
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: false });
    }, guardMs);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(guard);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByServer: true });
    });
    socket.write(data);
  });
}

describe('media types of the DM HTTP binding', () => {
  it.each([
    ['application/vnd.syncml.dm+xml', 'xml', 'dm'],
    ['application/vnd.syncml.dm+wbxml', 'wbxml', 'dm'],
    ['application/vnd.syncml+xml', 'xml', 'syncml'],
    ['Application/Vnd.SyncML+WBXML; charset=UTF-8', 'wbxml', 'syncml'],
  ] as const)('reads %s', (header, encoding, family) => {
    const t = parseDmMediaType(header);
    expect(t).toMatchObject({ encoding, family });
    expect(dmMediaType(t!)).toBe(`application/vnd.syncml${family === 'dm' ? '.dm' : ''}+${encoding}`);
  });
  it('keeps the charset parameter, and refuses other types', () => {
    expect(parseDmMediaType('application/vnd.syncml.dm+xml;charset="utf-8"')?.charset).toBe('utf-8');
    expect(parseDmMediaType('text/xml')).toBeUndefined();
    expect(parseDmMediaType(undefined)).toBeUndefined();
  });
});

describe('the DM endpoint over HTTP on 127.0.0.1', () => {
  it('hands the handler the exact body bytes and answers in the same encoding and family', async () => {
    const { port, seen } = await start(echo);
    const body = Uint8Array.from([0x02, 0x00, 0x00, 0x6a, 0x00, 0xff, 0x0d, 0x0a]);
    const res = await fetch(`http://127.0.0.1:${port}/dm`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml+wbxml; charset=UTF-8' }, body });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.syncml+wbxml');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(body);
    expect(seen[0]!.body).toEqual(body);
    expect(seen[0]!.media).toMatchObject({ encoding: 'wbxml', family: 'syncml', charset: 'utf-8' });
  });

  it('passes the x-syncml-hmac header in and writes the answer\'s out', async () => {
    const { port, seen } = await start((r) => ({ kind: 'message', body: r.body, hmac: 'algorithm=MD5, username="srv", mac=abc=' }));
    const res = await fetch(`http://127.0.0.1:${port}/dm`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.syncml.dm+xml', 'x-syncml-hmac': 'algorithm=MD5, username="dev", mac=xyz=' },
      body: '<SyncML/>',
    });
    expect(res.headers.get('x-syncml-hmac')).toBe('algorithm=MD5, username="srv", mac=abc=');
    expect(res.headers.get('content-type')).toBe('application/vnd.syncml.dm+xml');
    expect(seen[0]!.hmac).toBe('algorithm=MD5, username="dev", mac=xyz=');
  });

  it('answers 404, 405 (with Allow) and 415 itself, without calling the handler', async () => {
    const { port, seen } = await start(echo);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/other`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: 'x' })).status).toBe(404);
    const get = await fetch(`${base}/dm`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const wrong = await fetch(`${base}/dm`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: 'x' });
    expect(wrong.status).toBe(415);
    expect(await wrong.text()).toContain('application/vnd.syncml.dm+xml');
    expect(seen).toHaveLength(0);
  });

  it('gives the part of the path below the endpoint (a RespURI naming a session)', async () => {
    const { port, seen } = await start(echo, { path: '/manage/' });
    await fetch(`http://127.0.0.1:${port}/manage/s/4f2a?x=1`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: 'x' });
    await fetch(`http://127.0.0.1:${port}/manage`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: 'x' });
    expect(seen.map((r) => r.subPath)).toEqual(['/s/4f2a', '']);
  });

  it('refuses a body over the limit with 413 from Content-Length, before reading it, and closes', async () => {
    const { port, seen } = await start(echo, { maxBodyBytes: 1000 });
    const r = await raw(port, 'POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 10000000\r\n\r\n<SyncML>');
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.closedByServer).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('refuses a chunked body with 413 as soon as it passes the limit', async () => {
    const { port, seen } = await start(echo, { maxBodyBytes: 1000 });
    const chunk = 'a'.repeat(600);
    const r = await raw(port, `POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml.dm+xml\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n${chunk}\r\n258\r\n${chunk}\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.closedByServer).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('refuses a large body announced with Expect: 100-continue without asking for it', async () => {
    const { port } = await start(echo, { maxBodyBytes: 1000 });
    const r = await raw(port, 'POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n');
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).not.toContain('100 Continue');
  });

  it('answers an HTTP/1.0 client with a Content-Length and closes the connection', async () => {
    const { port } = await start(echo);
    const r = await raw(port, 'POST /dm HTTP/1.0\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 9\r\n\r\n<SyncML/>');
    expect(r.text).toMatch(/^HTTP\/1\.1 200 /);
    expect(r.text.toLowerCase()).toContain('connection: close');
    expect(r.text.toLowerCase()).toContain('content-length: 9');
    expect(r.text.endsWith('<SyncML/>')).toBe(true);
    expect(r.closedByServer).toBe(true);
  });

  it('keeps an HTTP/1.1 connection alive for the next message', async () => {
    const { port, seen } = await start(echo);
    const one = 'POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 1\r\n\r\n1';
    const last = 'POST /dm HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/vnd.syncml.dm+xml\r\nContent-Length: 1\r\n\r\n2';
    const r = await raw(port, one + last);
    expect(r.text.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(seen.map((s) => new TextDecoder().decode(s.body))).toEqual(['1', '2']);
  });

  it('closes the socket of a client that never finishes its headers', async () => {
    const { port, seen } = await start(echo, { headersTimeoutMs: 200, requestTimeoutMs: 400 });
    const r = await raw(port, 'POST /dm HTTP/1.1\r\nHost: x\r\nContent-Type: appl', 10_000);
    expect(r.closedByServer).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('answers 500 without detail when the handler throws, and reports the error', async () => {
    const errors: unknown[] = [];
    const { port } = await start(
      () => {
        throw new Error('secret detail');
      },
      { onError: (e) => errors.push(e) },
    );
    const res = await fetch(`http://127.0.0.1:${port}/dm`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: 'x' });
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
    expect(errors).toHaveLength(1);
  });

  it('passes a refusal through as plain text with its status', async () => {
    const { port } = await start(() => ({ kind: 'refusal', status: 400, reason: 'not a DM message' }));
    const res = await fetch(`http://127.0.0.1:${port}/dm`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: '{}' });
    expect(res.status).toBe(400);
    expect(await res.text()).toBe('not a DM message\n');
  });

  it('finishes the message in flight when stopped', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { port, seen } = await start(async (r) => {
      await held;
      return echo(r);
    });
    const pending = fetch(`http://127.0.0.1:${port}/dm`, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml', connection: 'close' }, body: 'in flight' });
    for (let i = 0; seen.length === 0 && i < 1_000; i++) await new Promise((r) => setTimeout(r, 5));
    expect(seen).toHaveLength(1);
    const stopped = stopDmServer(server!, 5_000);
    server = undefined;
    release();
    const res = await pending;
    expect(await res.text()).toBe('in flight');
    await stopped;
  });
});
