/**
 * The server side of bench/fuzz.ts, in its own process so that its CPU time is its own: the
 * fuzzer's fixture server (the project's ServerSession behind createDmServer) on 127.0.0.1.
 * Prints `url <URL>` when listening; on each line `cpu` read from stdin prints
 * `cpu <user+system microseconds>`; exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startFixture } from '../test/fuzz/fixture-server.js';

const fixture = await startFixture({ devId: 'IMEI:000000000000000' });
process.stdout.write(`url ${fixture.url}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line.trim() === 'cpu') {
    const u = process.cpuUsage();
    process.stdout.write(`cpu ${u.user + u.system}\n`);
  }
});
lines.on('close', () => {
  void fixture.close().then(() => process.exit(0));
});
