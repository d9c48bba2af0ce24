/** A real webhook receiver on 127.0.0.1 for the tests: answers from a script, keeps what it got. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One answer: a status (with headers), or `hang` (never answer), or `drop` (close the socket). */
export type Script = { readonly status: number; readonly headers?: Record<string, string> } | 'hang' | 'drop';

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Answers for the next requests, in order; after the script, 200. */
  readonly script: Script[];
  close(): Promise<void>;
}

export async function startReceiver(script: Script[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const next = script.shift() ?? { status: 200 };
      if (next === 'hang') return;
      if (next === 'drop') return void req.socket.destroy();
      res.writeHead(next.status, next.headers ?? {});
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/omadm`,
    received,
    script,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/gone`;
}
