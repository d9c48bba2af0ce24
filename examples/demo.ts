/**
 * What `omadm demo` does, through the public API: a DM server (SQLite in a temporary
 * directory, on 127.0.0.1), one simulated device with MD5 digest authentication both
 * ways, five jobs queued through the management API (a Get of DevInfo, a Replace, a user
 * confirmation, a 300 KB object that goes in chunks, an Exec), the device's session over
 * HTTP, its transcript, and what became of each job. Exit code 0 when every job is done.
 *
 *   npx tsx examples/demo.ts [--wbxml]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNT_AUTH_TYPE, ExecRegistry, autoAnswer, createUiRunner, formatCommand, runDeviceSession, simulatedDeviceTree } from '../src/client/index.js';
import { openStore, startServerStack } from '../src/server/index.js';

const SERVER_ID = 'omadm.example';
const DEVICE = 'IMEI:353490000000001';
const encoding = process.argv.includes('--wbxml') ? 'wbxml' : 'xml';

const dir = await mkdtemp(join(tmpdir(), 'omadm-example-'));
const store = await openStore(`sqlite:${join(dir, 'dm.db')}`);
const stack = await startServerStack({ store, adminToken: randomBytes(18).toString('base64url'), log: false });
try {
  // The server knows the device and its credentials, the device knows the server's.
  const secret = randomBytes(12).toString('base64url');
  const serverSecret = randomBytes(12).toString('base64url');
  await stack.management.addDevice({ id: DEVICE, serverId: SERVER_ID, client: { scheme: 'md5', name: 'device1', secret }, server: { name: SERVER_ID, secret: serverSecret } });
  const firmware = randomBytes(225 * 1024).toString('base64'); // 300 KB of base64
  const jobs = [
    { op: 'get', uris: ['./DevInfo/Man', './DevInfo/Mod'] },
    { op: 'replace', items: [{ uri: './Vendor/Greeting', data: 'Hello', format: 'chr' }] },
    { op: 'ui', code: 1101, text: 'Install the firmware?' },
    { op: 'replace', items: [{ uri: './Vendor/Firmware', data: firmware, format: 'b64' }] },
    { op: 'exec', uri: './Vendor/Update' },
  ] as const;
  const queued = [];
  for (const spec of jobs) queued.push(await stack.management.enqueueJob(DEVICE, { spec }));

  // The device: a tree with its DM account for this server, and a node for each job.
  const type = ACCOUNT_AUTH_TYPE.md5;
  const tree = simulatedDeviceTree({
    devId: DEVICE,
    serverId: SERVER_ID,
    accounts: [{ node: 'example', serverId: SERVER_ID, addr: stack.url, authPref: type, client: { type, name: 'device1', secret }, server: { type, name: SERVER_ID, secret: serverSecret } }],
  });
  tree.set('./Vendor', { format: 'node' });
  tree.set('./Vendor/Greeting', { format: 'chr', value: 'hi' });
  tree.set('./Vendor/Firmware', { format: 'b64', value: '' });
  tree.set('./Vendor/Update', { format: 'null' });
  const transcript = await runDeviceSession({
    tree,
    serverId: SERVER_ID,
    encoding,
    clientAuth: 'md5',
    serverAuth: 'md5',
    maxMsgSize: 16 * 1024,
    exec: new ExecRegistry().register('./Vendor/Update', () => ({ status: 200 })),
    ui: createUiRunner(autoAnswer({ confirm: true }), undefined, { minDisplayTime: false }), // the user says yes
  });
  // The transcript, package by package; a line repeated in many messages (the chunks) is shown once.
  for (const p of transcript.packages) {
    const bytes = p.messages.reduce((n, m) => n + m.bytes, 0);
    console.log(`Package ${p.number} (${p.sender}): ${p.messages.length} message(s), ${bytes} bytes`);
    const lines = new Set(p.messages.flatMap((m) => m.commands.map((c) => formatCommand(c).replace(/ \d+\/\d+/, ''))));
    for (const line of lines) console.log(`  ${line}`);
  }
  console.log(`session ${transcript.outcome}\n`);

  let done = 0;
  for (const [i, q] of queued.entries()) {
    const job = await stack.management.getJob(q.id);
    if (job.state === 'done') done++;
    console.log(`job ${i + 1} (${jobs[i]!.op}): ${job.state}, status ${job.outcome?.status ?? '-'}`);
  }
  console.log(`${done}/${jobs.length} jobs done; ./Vendor/Firmware holds ${tree.value('./Vendor/Firmware')?.length ?? 0} characters`);
  process.exitCode = done === jobs.length && transcript.outcome === 'completed' ? 0 : 1;
} finally {
  await stack.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
