/**
 * A whole DM session between a device (ClientSession) and a server (ServerSession),
 * joined by nothing but byte arrays: the sessions never touch a socket. The server
 * challenges the device for MD5 digest credentials, then replaces a 3 KB node (a large
 * object, chunked over several WBXML messages of at most 1,200 bytes) and reads one back.
 * Each message that crosses is printed with its size and commands.
 *
 *   npx tsx examples/session-in-memory.ts
 */
import { randomBytes } from 'node:crypto';
import { AuthType, ClientSession, ServerSession, StatusCode, auth, decodeWbxml, type Item, type Outgoing, type SessionEvent, type SyncML } from '../src/index.js';

const DEVICE = 'IMEI:493005100592800';
const SERVER = 'https://dm.example.com/manage';
const MAX_MSG_SIZE = 1200;

// The device's management tree, as a flat map of node values.
const tree = new Map([['./DevInfo/Man', 'Device Factory, Inc.']]);

// Both sides know the device's credentials; the server asks for MD5 digest.
const secret = { username: 'device-7', password: 'correct horse' };
const device = new ClientSession({
  encoding: 'wbxml', sessionID: '1', localURI: DEVICE, remoteURI: SERVER,
  maxMsgSize: MAX_MSG_SIZE, peerMaxMsgSize: MAX_MSG_SIZE,
  prover: new auth.AuthProver({
    store: new auth.InMemoryCredentialStore([[SERVER, { ours: { ...secret, scheme: AuthType.Md5Digest } }]]),
    peer: SERVER,
    preemptive: false, // first message without credentials: the server challenges
  }),
});
const server = new ServerSession({
  encoding: 'wbxml', sessionID: '1', localURI: SERVER, remoteURI: DEVICE,
  maxMsgSize: MAX_MSG_SIZE, peerMaxMsgSize: MAX_MSG_SIZE,
  verifier: new auth.AuthVerifier({
    store: new auth.InMemoryCredentialStore([[DEVICE, { theirs: { ...secret, scheme: AuthType.Md5Digest } }]]),
    peer: DEVICE,
    random: (n) => new Uint8Array(randomBytes(n)),
  }),
});

function show(from: string, out: Outgoing): Uint8Array {
  const m: SyncML = out.message;
  const what = m.syncBody.commands.map((c) => (c.kind === 'Status' ? `Status ${c.data} for ${c.cmd}` : c.kind === 'Alert' ? `Alert ${c.data}` : c.kind)).join(', ');
  console.log(`${from} message ${m.syncHdr.msgID}: ${out.bytes.length} B${m.syncBody.final ? ', Final' : ''}: ${what}`);
  return out.bytes;
}

/** The device runs what the server sent and answers each command. */
function deviceActs(events: SessionEvent[]): void {
  for (const e of events) {
    if (e.type !== 'command') continue;
    const items: readonly Item[] = 'items' in e.command ? e.command.items : [];
    if (e.command.kind === 'Replace') {
      for (const i of items) tree.set(i.target!.locURI, i.data ?? '');
      device.answer(e, StatusCode.Ok);
    } else if (e.command.kind === 'Get') {
      const results = items.map((i) => ({ source: { locURI: i.target!.locURI }, data: tree.get(i.target!.locURI) ?? '' }));
      device.answer(e, StatusCode.Ok, { items: results as [Item, ...Item[]], targetRefs: [], sourceRefs: [] });
    } else {
      device.answer(e, StatusCode.OptionalFeatureNotSupported);
    }
  }
}

let planned = false;
let toServer: Uint8Array | undefined = show('device', device.start({ devInfo: [{ source: { locURI: './DevInfo/DevId' }, data: DEVICE }] }));
while (toServer) {
  const { events } = server.receive(decodeWbxml(toServer));
  for (const e of events) if (e.type === 'command') server.answer(e, StatusCode.Ok); // Alert 1201, DevInfo
  for (const e of events) if (e.type === 'results') console.log(`  server read ${e.command?.kind} result: ${e.results.items.map((i) => `${i.source?.locURI} = ${(i.data ?? '').length} characters`).join(', ')}`);
  // Once Package#1 is in, queue the management commands: they go out once the device is
  // authenticated, in as many messages as MaxMsgSize needs.
  if (!planned && events.some((e) => e.type === 'package-complete')) {
    planned = true;
    server.send({ kind: 'Replace', items: [{ target: { locURI: './Vendor/Blob' }, data: 'QUJD'.repeat(750) }] });
    server.send({ kind: 'Get', items: [{ target: { locURI: './Vendor/Blob' } }] });
  }
  const reply = server.reply();
  if (!reply) break;
  const received = device.receive(decodeWbxml(show('server', reply)));
  deviceActs(received.events);
  const answer = device.reply();
  toServer = answer && show('device', answer);
}
console.log(`session over: device ${device.ended ? 'ended' : 'open'}, server ${server.ended ? 'ended' : 'open'}; ./Vendor/Blob holds ${tree.get('./Vendor/Blob')?.length ?? 0} characters`);
