/**
 * The fuzzer's HTTP/1.1 client (src/fuzz/peer/http-client.ts): answers framed as RFC 9112
 * section 6.3 says, everything read bounded, connections reused only when that is safe,
 * and the DeviceTransport on top of it telling refusals, wrong media types, oversized
 * answers, timeouts and network failures apart as HttpTransport does. The servers are raw TCP on 127.0.0.1 (so each answer's bytes are exactly
 * the test's) or node:http.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isTransportError } from '../../src/client/transport/http-transport.js';
import { AnswerParser, DeviceTransport, DmHttpClient, HttpAnswerError, HttpExchangeError, MAX_HEAD_BYTES } from '../../src/fuzz/peer/http-client.js';

const started: (Server | HttpServer)[] = [];
const clients: DmHttpClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(
    started.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          if ('closeAllConnections' in s) s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A raw server: `answer` is called with each request's bytes (head and Content-Length body) and the socket. */
async function rawServer(answer: (socket: Socket, request: string, n: number) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.byteLength < end + 4 + length) return;
        const request = buf.toString('latin1', 0, end + 4 + length);
        buf = buf.subarray(end + 4 + length);
        answer(socket, request, n++);
      }
    });
  });
  server.on('close', () => sockets.forEach((s) => s.destroy()));
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    sockets.forEach((s) => s.destroy());
    return close(cb);
  }) as typeof server.close;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  started.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dm`, connections: () => connections };
}

function client(maxBytes = 1024 * 1024): DmHttpClient {
  const c = new DmHttpClient(maxBytes);
  clients.push(c);
  return c;
}

const post = (c: DmHttpClient, url: string, body = 'hello', timeoutMs = 5000) => c.request(url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: Buffer.from(body), timeoutMs });

/** What a promise failed with. */
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

/** The parser fed `bytes` one byte at a time: the answer, or the error. */
function parseByteByByte(bytes: string, maxBytes = 1024): { complete: boolean; parser: AnswerParser } {
  const parser = new AnswerParser(maxBytes);
  const b = Buffer.from(bytes, 'latin1');
  for (let i = 0; i < b.byteLength; i++) if (parser.feed(b.subarray(i, i + 1))) return { complete: true, parser };
  return { complete: parser.end(), parser };
}

describe('the fuzzer HTTP client frames answers as RFC 9112 section 6.3 says', () => {
  it('reads a Content-Length body, a chunked body (extensions, trailers) and a body up to the close, byte by byte', () => {
    const length = parseByteByByte('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello');
    expect(length.complete).toBe(true);
    expect(Buffer.from(length.parser.answer().body).toString()).toBe('hello');
    expect(length.parser.answer().headers.get('x-a')).toBe('1, 2');
    expect(length.parser.reusable).toBe(true);

    const chunked = parseByteByByte('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: t\r\n\r\n');
    expect(chunked.complete).toBe(true);
    expect(Buffer.from(chunked.parser.answer().body).toString()).toBe('hello!');
    expect(chunked.parser.reusable).toBe(true);

    const toClose = parseByteByByte('HTTP/1.0 200 OK\r\n\r\nuntil the end');
    expect(toClose.complete).toBe(true);
    expect(Buffer.from(toClose.parser.answer().body).toString()).toBe('until the end');
    expect(toClose.parser.reusable).toBe(false);

    const interim = parseByteByByte('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n');
    expect(interim.complete).toBe(true);
    expect(interim.parser.status).toBe(204);
    expect(interim.parser.answer().body.byteLength).toBe(0);
  });

  it('keeps one byte past the limit of a body and stops there', () => {
    const { complete, parser } = parseByteByByte(`HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n${'x'.repeat(100)}`, 10);
    expect(complete).toBe(true);
    expect(parser.answer().truncated).toBe(true);
    expect(parser.answer().body.byteLength).toBe(11);
    expect(parser.reusable).toBe(false);
  });

  it('refuses malformed answers: a status line, a header line, different Content-Lengths, a chunk size, headers past the bound', () => {
    for (const bad of [
      'HTTP/1.1 2OO OK\r\n\r\n',
      'SIP/2.0 200 OK\r\n\r\n',
      'HTTP/2.0 200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`,
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1'.repeat(2000)}\r\n`,
      'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    ]) {
      const parser = new AnswerParser(1024);
      expect(() => parser.feed(Buffer.from(bad, 'latin1')), JSON.stringify(bad.slice(0, 50))).toThrow(HttpAnswerError);
    }
  });

  it('does not take an answer cut short by the close for a whole one', () => {
    expect(parseByteByByte('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf').complete).toBe(false);
    expect(parseByteByByte('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel').complete).toBe(false);
    expect(parseByteByByte('HTTP/1.1 200 OK\r\nContent-Le').complete).toBe(false);
  });
});

describe('the fuzzer HTTP client keeps connections alive only when that is safe', () => {
  it('sends every request of a run over one kept-alive connection (node:http server)', async () => {
    let connections = 0;
    const server = createHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'text/plain');
        res.end(`${req.method} ${req.url} ${req.headers.host} ${Buffer.concat(chunks).toString()}`);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    started.push(server);
    const port = (server.address() as AddressInfo).port;
    const c = client();
    for (let i = 0; i < 5; i++) {
      const a = await post(c, `http://127.0.0.1:${port}/dm?x=${i}`, `body ${i}`);
      expect(a.status).toBe(200);
      expect(Buffer.from(a.body).toString()).toBe(`POST /dm?x=${i} 127.0.0.1:${port} body ${i}`);
    }
    expect(connections).toBe(1);
  });

  it('opens a new connection after Connection: close, after a body read to the close, and after an idle one was closed by the server', async () => {
    let idle: Socket | undefined;
    const server = await rawServer((socket, _request, n) => {
      if (n === 0) socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok');
      else if (n === 1) socket.end('HTTP/1.1 200 OK\r\n\r\nto the close');
      else {
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
        idle = socket;
      }
    });
    const c = client();
    expect(Buffer.from((await post(c, server.url)).body).toString()).toBe('ok');
    expect(c.idleConnections).toBe(0);
    expect(Buffer.from((await post(c, server.url)).body).toString()).toBe('to the close');
    expect(c.idleConnections).toBe(0);
    expect(Buffer.from((await post(c, server.url)).body).toString()).toBe('ok');
    expect(c.idleConnections).toBe(1);
    // The server closes the idle connection: the client lets it go (bounded wait for the close to arrive).
    idle!.destroy();
    for (let i = 0; i < 400 && c.idleConnections > 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(c.idleConnections).toBe(0);
    expect(Buffer.from((await post(c, server.url)).body).toString()).toBe('ok');
    expect(server.connections()).toBe(4);
  });

  it('fails a request whose answer is cut short by the close, or malformed, and drops that connection', async () => {
    const server = await rawServer((socket, _request, n) => {
      if (n === 0) socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\nx');
    });
    const c = client();
    const cut = await failure(post(c, server.url));
    expect(cut instanceof HttpExchangeError && [cut.problem, cut.started, cut.message]).toEqual(['network', true, 'the connection closed before the answer was complete']);
    const malformed = await failure(post(c, server.url));
    expect(malformed instanceof HttpExchangeError && malformed.problem).toBe('malformed');
    expect((malformed as Error).cause).toBeInstanceOf(HttpAnswerError);
    expect(server.connections()).toBe(2);
  });

  it('gives up after the timeout (a server that never answers, one that stops half-way), and drops the connection', async () => {
    const server = await rawServer((socket, _request, n) => {
      if (n === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhal');
    });
    const c = client();
    const half = await failure(post(c, server.url, 'x', 30));
    expect(half instanceof HttpExchangeError && [half.problem, half.started]).toEqual(['timeout', true]);
    const none = await failure(post(c, server.url, 'x', 30));
    expect(none instanceof HttpExchangeError && [none.problem, none.started]).toEqual(['timeout', false]);
    expect(server.connections()).toBe(2);
  });

  it('fails a request to a closed port as a network error', async () => {
    const server = await rawServer(() => undefined);
    const url = server.url;
    const s = started.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    const e = await failure(post(client(), url));
    expect(e instanceof HttpExchangeError && e.problem).toBe('network');
    expect((e as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('DeviceTransport: the DM HTTP binding over the fuzzer HTTP client', () => {
  it('reads a DM answer, and tells an HTTP refusal, a wrong media type, an oversized answer, a timeout and a refused connection apart', async () => {
    let request = '';
    const server = await rawServer((socket, r) => {
      request = r;
      const body = r.slice(r.indexOf('\r\n\r\n') + 4);
      const answer = (head: string, text: string) => socket.write(`HTTP/1.1 ${head}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      if (body === 'dm') answer('200 OK\r\nContent-Type: application/vnd.syncml.dm+xml\r\nx-syncml-hmac: algorithm=MD5, username="a", mac=b', '<SyncML/>');
      else if (body === 'refuse') answer('400 Bad Request\r\nContent-Type: text/plain', 'no');
      else if (body === 'text') answer('200 OK\r\nContent-Type: text/html', '<html/>');
      else if (body === 'big') answer('200 OK\r\nContent-Type: application/vnd.syncml.dm+xml', 'y'.repeat(5000));
    });
    const transport = new DeviceTransport({ timeoutMs: 200, maxResponseBytes: 1000 });
    const send = (body: string, hmac?: string) => transport.send({ url: server.url, body: Buffer.from(body), encoding: 'xml', ...(hmac !== undefined ? { hmac } : {}) });
    const ok = await send('dm', 'algorithm=MD5, username="d", mac=m');
    expect(Buffer.from(ok.body).toString()).toBe('<SyncML/>');
    expect(ok).toMatchObject({ contentType: 'application/vnd.syncml.dm+xml', hmac: 'algorithm=MD5, username="a", mac=b', attempts: 1 });
    expect(request).toMatch(/^POST \/dm HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    expect(request).toContain('\r\ncontent-type: application/vnd.syncml.dm+xml\r\naccept: application/vnd.syncml.dm+xml\r\nx-syncml-hmac: algorithm=MD5, username="d", mac=m\r\nContent-Length: 2\r\n\r\ndm');
    for (const [body, problem, status] of [
      ['refuse', 'http-status', 400],
      ['text', 'content-type', undefined],
      ['big', 'too-large', undefined],
      ['silence', 'timeout', undefined],
    ] as const) {
      const e = await failure(send(body));
      expect(isTransportError(e) && [e.problem, e.status], body).toEqual([problem, status]);
    }
    expect(Buffer.from((await send('dm')).body).toString()).toBe('<SyncML/>');
    // The refusal and the wrong type were read whole, so their connection stayed; the oversized and the silent ones were dropped.
    expect(server.connections()).toBe(3);
    const s = started.pop()!;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    transport.close();
    const refused = await failure(send('dm'));
    expect(isTransportError(refused) && refused.problem).toBe('network');
    expect((refused as Error).message).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:\d+\/dm: .*ECONNREFUSED/);
  });
});
