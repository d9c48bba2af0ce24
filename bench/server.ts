/**
 * Server suite: the DM server over HTTP on 127.0.0.1, against a bare node:http server.
 *
 * 200 simulated devices (a ClientSession each, over fetch with keep-alive) run full DM
 * sessions concurrently against `startOmadmServer` in a child process (bench/server-child.ts):
 * Package#1 → Package#2 (5 Replace + 5 Get jobs) → Package#3 (10 Statuses + 5 Results) →
 * Package#4 (Final): two HTTP requests per session, every message decoded, the session
 * restored from and saved to the store, its jobs claimed and finished, its transcript kept.
 * Devices authenticate with none (the exchange has exactly 4 messages). The jobs are
 * queued before the clock starts.
 *
 * Each of the 200 loops runs its sessions back to back, each session as a device of its
 * own with exactly its 10 jobs queued (loop d, session s: device s × 200 + d). With the
 * jobs of all its sessions queued for one device, the server sends them all in the
 * first session (it claims the next jobs whenever a package is answered), so that
 * session had 6 requests and the others one each: not the exchange above. Every session
 * is checked to take exactly 2 requests.
 *
 * Before each clock starts, each loop runs WARM_UP_SESSIONS sessions of devices of their own
 * (the bare run: as many requests), so that the server's code is compiled when the clock
 * starts, as in the other suites' warm-up rounds; without it the first of the 1,000 timed
 * sessions ran in V8's slower tiers, some 20% of the server's CPU.
 *
 * Before each clock starts, the loops open keep-alive connections (two each, by requests
 * not counted), in both runs: Node accepts one connection per turn of its event loop, so
 * hundreds of connections opened at once against a busy server waited in the kernel's
 * accept queue for seconds, which made the p99 of the first sessions. (fetch's pool still
 * opens connections of its own once the run starts, about two per loop: those count.)
 *
 * The bare server (same child script) answers the same number of requests, posted by the
 * same 200 concurrent loops with the same request bodies, with a fixed body of the mean
 * size of the DM server's answers. ratio = DM requests/s ÷ bare requests/s (goal ≥ 0.5 on
 * SQLite). The devices' own work (their ClientSession) runs in the bench process in the
 * DM run only: it is counted against the DM server.
 *
 * Both runs also count the CPU time (user + system) each process spent in the timed part,
 * per request: the bench process (the devices, with fetch) and the child (the server, by
 * IPC: server-child.ts). On a 2-core machine each process has about one core, so a run's
 * rate is bounded by 1 / the larger of its two figures; the report shows which side set it.
 *
 * Also: p50/p99 of session latency (Package#1 posted → Package#4 read), and the stored size
 * of a session (its snapshot JSON as the store keeps it, mean over the sessions; and the
 * SQLite file's size per session). With OMADM_TEST_PG_URL set, the DM run is repeated on
 * PostgreSQL and its rate given against SQLite's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { decode, StatusCode, type Item, type SyncBodyCommand } from '../src/index.js';
import { itemsOf } from '../generated/command-helpers.js';
import { ClientSession } from '../src/session/client-session.js';
import type { Outgoing } from '../src/session/endpoint.js';
import { openPostgresStore, openSqliteStore, type Store } from '../src/server/store/index.js';
import type { BenchSuite, SuiteContext } from './suite.js';
import { median } from './timing.js';

const DEVICES = 200;
const SERVER_ID = 'omadm.bench';
const CONTENT_TYPE = 'application/vnd.syncml.dm+xml';
export const RATIO_GOAL = 0.5;

export interface DmRun {
  readonly backend: 'sqlite' | 'postgres';
  readonly sessions: number;
  readonly requests: number;
  readonly seconds: number;
  readonly sessionsPerSec: number;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Mean bytes of the answers (Package#2 and #4). */
  readonly meanAnswerBytes: number;
  /** Mean JSON bytes of a stored session (the snapshot column). */
  readonly storedSessionBytes: number;
  /** SQLite only: database file size (with its WAL) per session run. */
  readonly fileBytesPerSession?: number;
  readonly cpu: CpuPerRequest;
}

export interface ServerSuiteResult {
  readonly devices: number;
  readonly sqlite: DmRun;
  readonly bare: { readonly requests: number; readonly seconds: number; readonly requestsPerSec: number; readonly bodyBytes: number; readonly cpu: CpuPerRequest };
  /** DM requests/s ÷ bare requests/s, SQLite. */
  readonly ratio: number;
  readonly ratioGoal: number;
  readonly postgres?: DmRun & { readonly vsSqlite: number };
}

interface Child {
  readonly url: string;
  readonly child: ChildProcess;
}

function startChild(env: NodeJS.ProcessEnv): Promise<Child> {
  return new Promise((resolve, reject) => {
    // OMADM_BENCH_CPU_PROF=DIR: the server child writes a CPU profile there (node --cpu-prof).
    const prof = process.env['OMADM_BENCH_CPU_PROF'];
    const child = spawn(process.execPath, [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), '--import', 'tsx', join(import.meta.dirname, 'server-child.ts')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench server gave no URL in 60 s: ${err}`));
    }, 60_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.indexOf('\n');
      if (line < 0) return;
      clearTimeout(timer);
      resolve({ url: (JSON.parse(out.slice(0, line)) as { url: string }).url, child });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bench server exited with ${code}: ${err}`));
    });
  });
}

/** The child's CPU time so far, user + system, in ms (server-child.ts answers over IPC). */
function childCpuMs(c: Child): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the bench server did not tell its CPU time in 10 s')), 10_000);
    c.child.once('message', (u: NodeJS.CpuUsage) => {
      clearTimeout(timer);
      resolve((u.user + u.system) / 1000);
    });
    c.child.send('cpu');
  });
}

/** The CPU both processes spend while `load` runs, in ms: this one (the devices) and the child (the server). */
async function cpuDuring<T>(c: Child, load: () => Promise<T>): Promise<{ result: T; benchMs: number; serverMs: number }> {
  const server0 = await childCpuMs(c);
  const bench0 = process.cpuUsage();
  const result = await load();
  const bench = process.cpuUsage(bench0);
  const serverMs = (await childCpuMs(c)) - server0;
  return { result, benchMs: (bench.user + bench.system) / 1000, serverMs };
}

function stopChild(c: Child): Promise<void> {
  return new Promise((resolve) => {
    if (c.child.exitCode !== null) return resolve();
    const force = setTimeout(() => c.child.kill('SIGKILL'), 10_000);
    c.child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    c.child.kill('SIGTERM');
  });
}

const deviceId = (i: number) => `IMEI:35${String(i).padStart(13, '0')}`;

/** The device loop `d` is in its session `s`. */
const sessionDevice = (d: number, s: number) => s * DEVICES + d;

/** A device per session (sessionDevice) and its jobs: 5 Replace then 5 Get. */
async function provision(store: Store, sessions: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < DEVICES * sessions; i++) {
    const id = deviceId(i);
    await store.addDevice({ id, serverId: SERVER_ID, client: { scheme: 'none' }, server: { scheme: 'none' } }, now);
    for (let k = 0; k < 5; k++) await store.enqueueJob({ deviceId: id, spec: { op: 'replace', items: [{ uri: `./Vendor/Setting${k}`, data: `value-${i}-${k}`, format: 'chr' }] } }, now);
    for (const node of ['DevId', 'Man', 'Mod', 'DmV', 'Lang']) await store.enqueueJob({ deviceId: id, spec: { op: 'get', uris: [`./DevInfo/${node}`] } }, now);
  }
}

/**
 * Opens the loops' keep-alive connections before the clock: two per loop (fetch's pool
 * takes a second connection for a request posted as soon as the answer before it was
 * read, the first one not being free again yet), all at once.
 */
async function connect(url: string): Promise<void> {
  const origin = new URL(url).origin;
  await Promise.all(
    Array.from({ length: 2 * DEVICES }, async () => {
      const res = await fetch(`${origin}/`);
      await res.arrayBuffer();
    }),
  );
}

interface LoadStats {
  readonly latencies: number[];
  readonly requests: number;
  readonly answerBytes: number;
  readonly requestBodies: Uint8Array[];
  readonly seconds: number;
}

async function post(url: string, body: Uint8Array): Promise<Uint8Array> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': CONTENT_TYPE }, body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${Buffer.from(bytes).toString('utf8')}`);
  return bytes;
}

/** One loop's sessions `from` to `to` (excluded), back to back, with a ClientSession each (a device each: sessionDevice). */
async function deviceLoop(url: string, d: number, from: number, to: number, stats: { latencies: number[]; requests: number; answerBytes: number; bodies: Uint8Array[] }): Promise<void> {
  for (let s = from; s < to; s++) {
    const id = deviceId(sessionDevice(d, s));
    const tree = new Map<string, string>([
      ['./DevInfo/DevId', id],
      ['./DevInfo/Man', 'Bench Devices'],
      ['./DevInfo/Mod', 'B-200'],
      ['./DevInfo/DmV', '1.2'],
      ['./DevInfo/Lang', 'en'],
    ]);
    const client = new ClientSession({ encoding: 'xml', localURI: id, remoteURI: SERVER_ID, sessionID: String(s + 1), maxMsgSize: 64 * 1024, peerMaxMsgSize: 64 * 1024 });
    const t0 = performance.now();
    let out: Outgoing | undefined = client.start({ devInfo: [...tree].filter(([uri]) => uri.startsWith('./DevInfo/')).map(([uri, data]): Item => ({ source: { locURI: uri }, data })) });
    let n = 0;
    for (; out !== undefined; n++) {
      if (n > 10) throw new Error(`session ${s} of ${id} did not end`);
      if (stats.bodies.length < 400) stats.bodies.push(out.bytes);
      const answer = await post(url, out.bytes);
      stats.requests++;
      stats.answerBytes += answer.byteLength;
      const r = client.receive(decode(answer));
      for (const e of r.events) if (e.type === 'command') execute(client, tree, e.msgRef, e.command);
      out = client.reply();
    }
    stats.latencies.push(performance.now() - t0);
    if (n !== 2) throw new Error(`the session of ${id} took ${n} requests, not 2 (Package#1 and #3)`);
  }
}

function execute(client: ClientSession, tree: Map<string, string>, msgRef: string, command: SyncBodyCommand): void {
  const received = { msgRef, command };
  if (command.kind === 'Replace') {
    for (const i of itemsOf(command)) if (i.target) tree.set(i.target.locURI, i.data ?? '');
    client.answer(received, StatusCode.Ok);
  } else if (command.kind === 'Get') {
    const items = itemsOf(command).map((i): Item => ({ source: { locURI: i.target?.locURI ?? '' }, data: tree.get(i.target?.locURI ?? '') ?? '' }));
    client.answer(received, StatusCode.Ok, { items: items as [Item, ...Item[]], targetRefs: [], sourceRefs: [] });
  } else client.answer(received, StatusCode.Ok);
}

/** CPU per request in the timed part of a load, ms: the bench process (the devices) and the server's process. */
export interface CpuPerRequest {
  readonly devicesMs: number;
  readonly serverMs: number;
}

/** The first WARM_UP_SESSIONS of every loop, before the clock: the server's code is compiled by then, as in the other suites' warm-up rounds. */
const WARM_UP_SESSIONS = 1;

async function dmLoad(c: Child, sessions: number): Promise<LoadStats & { cpu: CpuPerRequest }> {
  const warm = { latencies: [] as number[], requests: 0, answerBytes: 0, bodies: [] as Uint8Array[] };
  await connect(c.url);
  await Promise.all(Array.from({ length: DEVICES }, (_, d) => deviceLoop(c.url, d, 0, WARM_UP_SESSIONS, warm)));
  const stats = { latencies: [] as number[], requests: 0, answerBytes: 0, bodies: [] as Uint8Array[] };
  const t0 = performance.now();
  const { benchMs, serverMs } = await cpuDuring(c, () => Promise.all(Array.from({ length: DEVICES }, (_, d) => deviceLoop(c.url, d, WARM_UP_SESSIONS, WARM_UP_SESSIONS + sessions, stats))));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = { devicesMs: benchMs / stats.requests, serverMs: serverMs / stats.requests };
  return { latencies: stats.latencies, requests: stats.requests, answerBytes: stats.answerBytes, requestBodies: stats.bodies, seconds, cpu };
}

/** The same number of requests with the same bodies, by the same number of concurrent loops. */
async function bareLoad(c: Child, requests: number, bodies: readonly Uint8Array[]): Promise<{ seconds: number; cpu: CpuPerRequest }> {
  await connect(c.url);
  // The same warm-up as the DM run's: two requests per loop and warm-up session.
  await Promise.all(Array.from({ length: DEVICES * WARM_UP_SESSIONS }, (_, i) => post(c.url, bodies[i % bodies.length]!).then(() => post(c.url, bodies[(i + 1) % bodies.length]!))));
  let next = 0;
  const t0 = performance.now();
  const { benchMs, serverMs } = await cpuDuring(c, () =>
    Promise.all(
      Array.from({ length: DEVICES }, async () => {
        while (next < requests) {
          const i = next++;
          await post(c.url, bodies[i % bodies.length]!);
        }
      }),
    ),
  );
  return { seconds: (performance.now() - t0) / 1000, cpu: { devicesMs: benchMs / requests, serverMs: serverMs / requests } };
}

function percentile(values: readonly number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] ?? 0;
}

async function storedBytes(store: Store, count: number): Promise<number> {
  const sizes: number[] = [];
  for (let i = 0; i < count; i += 10) for (const s of await store.listSessions(deviceId(i))) sizes.push(JSON.stringify(s.snapshot).length);
  return sizes.length ? sizes.reduce((a, b) => a + b, 0) / sizes.length : 0;
}

async function dmRun(ctx: SuiteContext, backend: 'sqlite' | 'postgres', sessions: number): Promise<DmRun & { bodies: Uint8Array[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'omadm-bench-'));
  const file = join(dir, 'bench.db');
  const pgUrl = process.env['OMADM_TEST_PG_URL'];
  const schema = `omadm_bench_${process.pid}`;
  const store = backend === 'sqlite' ? await openSqliteStore(file) : await openPostgresStore(pgUrl!, { schema });
  let child: Child | undefined;
  try {
    ctx.log(`server/${backend}: ${DEVICES} device loops, ${sessions} sessions each, 10 jobs per session`);
    await provision(store, WARM_UP_SESSIONS + sessions);
    child = await startChild(backend === 'sqlite' ? { OMADM_BENCH_DB: `sqlite:${file}` } : { OMADM_BENCH_DB: pgUrl!, OMADM_BENCH_SCHEMA: schema });
    const load = await dmLoad(child, sessions);
    await stopChild(child);
    child = undefined;
    const done = (await store.jobCounts()).done;
    const all = DEVICES * (WARM_UP_SESSIONS + sessions);
    if (done !== all * 10) throw new Error(`${done} jobs done, not ${all * 10}`);
    const n = load.latencies.length;
    const wal = (() => {
      try {
        return statSync(`${file}-wal`).size;
      } catch {
        return 0;
      }
    })();
    const result: DmRun & { bodies: Uint8Array[] } = {
      backend,
      sessions: n,
      requests: load.requests,
      seconds: load.seconds,
      sessionsPerSec: n / load.seconds,
      requestsPerSec: load.requests / load.seconds,
      p50Ms: median(load.latencies),
      p99Ms: percentile(load.latencies, 99),
      meanAnswerBytes: load.answerBytes / load.requests,
      storedSessionBytes: await storedBytes(store, DEVICES * (WARM_UP_SESSIONS + sessions)),
      ...(backend === 'sqlite' ? { fileBytesPerSession: (statSync(file).size + wal) / all } : {}),
      cpu: load.cpu,
      bodies: load.requestBodies,
    };
    ctx.log(`server/${backend}: ${result.sessionsPerSec.toFixed(0)} sessions/s, ${result.requestsPerSec.toFixed(0)} requests/s`);
    return result;
  } finally {
    if (child) await stopChild(child);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    if (backend === 'postgres') {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`).finally(() => c.end());
    }
  }
}

async function run(ctx: SuiteContext): Promise<ServerSuiteResult> {
  // Sessions per device: enough for a few seconds of load; --quick runs one.
  const sessions = ctx.budgetMs < 200 ? 1 : 5;
  const { bodies, ...sqlite } = await dmRun(ctx, 'sqlite', sessions);
  const bodyBytes = Math.round(sqlite.meanAnswerBytes);
  const bareChild = await startChild({ OMADM_BENCH_BARE_BYTES: String(bodyBytes) });
  let bareLoaded: { seconds: number; cpu: CpuPerRequest };
  try {
    bareLoaded = await bareLoad(bareChild, sqlite.requests, bodies);
  } finally {
    await stopChild(bareChild);
  }
  const bare = { requests: sqlite.requests, seconds: bareLoaded.seconds, requestsPerSec: sqlite.requests / bareLoaded.seconds, bodyBytes, cpu: bareLoaded.cpu };
  ctx.log(`server/bare: ${bare.requestsPerSec.toFixed(0)} requests/s`);
  let postgres: ServerSuiteResult['postgres'];
  if (process.env['OMADM_TEST_PG_URL']) {
    const { bodies: _b, ...p } = await dmRun(ctx, 'postgres', sessions);
    postgres = { ...p, vsSqlite: p.requestsPerSec / sqlite.requestsPerSec };
  }
  return { devices: DEVICES, sqlite, bare, ratio: sqlite.requestsPerSec / bare.requestsPerSec, ratioGoal: RATIO_GOAL, ...(postgres ? { postgres } : {}) };
}

function line(r: DmRun): string {
  return `  ${r.backend.padEnd(10)}${r.sessionsPerSec.toFixed(0).padStart(12)}${r.requestsPerSec.toFixed(0).padStart(12)}${r.p50Ms.toFixed(1).padStart(10)}${r.p99Ms.toFixed(1).padStart(10)}${Math.round(r.storedSessionBytes).toLocaleString('en-US').padStart(14)}${r.cpu.serverMs.toFixed(2).padStart(20)}${r.cpu.devicesMs.toFixed(2).padStart(9)}`;
}

function format(r: ServerSuiteResult): string {
  const lines = [
    `Server: ${r.devices} concurrent devices over HTTP on 127.0.0.1, full sessions (P#1 -> P#2 with 5 Replace + 5 Get -> P#3 -> P#4), 2 requests each;`,
    `the DM server in a child process; the devices' ClientSessions in the bench process.`,
    `  ${'backend'.padEnd(10)}${'sessions/s'.padStart(12)}${'requests/s'.padStart(12)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'stored B/sess'.padStart(14)}${'CPU ms/req: server'.padStart(20)}${'devices'.padStart(9)}`,
    line(r.sqlite),
    ...(r.postgres ? [line(r.postgres) + `   (${r.postgres.vsSqlite.toFixed(2)}x SQLite)`] : []),
    `  bare node:http, ${r.bare.bodyBytes} B answers: ${r.bare.requestsPerSec.toFixed(0)} requests/s; CPU ms/req: server ${r.bare.cpu.serverMs.toFixed(2)}, devices ${r.bare.cpu.devicesMs.toFixed(2)}`,
    `  ratio DM/bare (SQLite): ${r.ratio.toFixed(2)} ${r.ratio >= r.ratioGoal ? 'ok' : 'UNDER GOAL'} (goal >= ${r.ratioGoal})`,
    `  (CPU per request, user + system, in the timed part only. On 2 cores each process has about one: the rate is bounded by 1 / the larger of its two figures.)`,
    ...(r.sqlite.fileBytesPerSession !== undefined ? [`  SQLite file per session (transcripts, results, snapshots): ${Math.round(r.sqlite.fileBytesPerSession).toLocaleString('en-US')} B`] : []),
  ];
  return lines.join('\n');
}

/** Key of this suite in the `--json` output. */
export const name = 'server';
export { run, format };

const _suite: BenchSuite<ServerSuiteResult> = { name, run, format };
void _suite;
