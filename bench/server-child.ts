/**
 * The server under test of bench/server.ts, in a process of its own (so the simulated
 * devices do not share its event loop): with OMADM_BENCH_DB set, `startOmadmServer` over
 * that database (`sqlite:FILE` or `postgres://…`, schema OMADM_BENCH_SCHEMA); with
 * OMADM_BENCH_BARE_BYTES set instead, a bare node:http server answering every request with
 * that many fixed bytes. Prints `{"url": …}` as one line, then serves until SIGTERM.
 * Over its IPC channel it answers `"cpu"` with its `process.cpuUsage()` (µs), so the bench
 * can count the CPU the server spent in the load alone.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startOmadmServer } from '../src/server/app.js';
import { openPostgresStore, openStore } from '../src/server/store/index.js';

async function main(): Promise<void> {
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.(process.cpuUsage());
  });
  const bare = process.env['OMADM_BENCH_BARE_BYTES'];
  if (bare !== undefined) {
    const body = Buffer.alloc(Number(bare), 0x61);
    const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/vnd.syncml.dm+xml', 'content-length': body.byteLength });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dm` })}\n`);
    process.once('SIGTERM', () => server.close(() => process.exit(0)));
    return;
  }
  const db = process.env['OMADM_BENCH_DB']!;
  const schema = process.env['OMADM_BENCH_SCHEMA'];
  const store = db.startsWith('postgres') && schema ? await openPostgresStore(db, { schema }) : await openStore(db);
  const server = await startOmadmServer({ store, jobsPerPackage: 10, sessionTtlMs: 10 * 60_000, timeouts: { keepAliveTimeoutMs: 30_000 } });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.once('SIGTERM', () => {
    void server.close().then(() => store.close()).then(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(2);
});
