/**
 * A DM client for testing `omadm fuzz client`: the project's ClientSession over the
 * project's HttpTransport, running one session against a URL, with one rule broken at a
 * time (`breaks`), or none. It keeps a tree of the session's values (DevInfo, and what the
 * server adds or replaces): Get reads it (404 for a node it does not have), Add, Replace
 * and Delete answer 200, Exec 406, the confirm Alert 200; chunks and sizes are the
 * session's business. Bounded: at most 40 messages per session.
 *
 * Also a script: `OMADM_URL=... tsx test/fuzz/fixture-client.ts [BREAK]` (for --exec).
 */
import { fileURLToPath } from 'node:url';
import { AuthType, ClientSession, StatusCode, auth, decode, encodeWbxml, encodeXml, type Item, type SyncML, type SyncBodyCommand } from '../../src/index.js';
import { HttpTransport } from '../../src/client/transport/http-transport.js';

export type ClientBreak =
  /** No Status for a Delete of the server. */
  | 'no-status'
  /** Chunks answered 200, not 213. */
  | 'no-213'
  /** 200 where 424 is due. */
  | 'size-unchecked'
  /** Final on a message while the server's package is open. */
  | 'final-early'
  /** Answers the server's Alert 1223 with one more message. */
  | 'answers-abort'
  /** Dies (SIGKILL) on a user interaction Alert. */
  | 'crash-on-ui'
  /** Writes each chunk of a large object into its tree as it comes, not once the object is whole: a refused object leaves its data. */
  | 'commits-chunks';

const DEVINFO: Record<string, string> = { './DevInfo/DevId': 'IMEI:490154203237518', './DevInfo/Man': 'omadm', './DevInfo/Mod': 'fixture-client', './DevInfo/DmV': '1.3', './DevInfo/Lang': 'en-US' };

export async function runFixtureClient(url: string, options: { breaks?: ClientBreak; encoding?: 'xml' | 'wbxml'; sessionID?: string; auth?: 'basic' | 'md5' | 'hmac'; store?: auth.InMemoryCredentialStore } = {}): Promise<void> {
  const encoding = options.encoding ?? 'xml';
  const scheme = options.auth === 'basic' ? AuthType.Basic : options.auth === 'md5' ? AuthType.Md5Digest : AuthType.Hmac;
  const store = options.store ?? new auth.InMemoryCredentialStore();
  if (options.auth && !store.get(url)) store.set(url, { ours: { username: 'device-7', password: 'pw', scheme } });
  const session = new ClientSession({
    encoding,
    sessionID: options.sessionID ?? '1',
    localURI: DEVINFO['./DevInfo/DevId']!,
    remoteURI: url,
    maxMsgSize: 16 * 1024,
    ...(options.auth ? { prover: new auth.AuthProver({ store, peer: url, scheme }) } : {}),
  });
  const transport = new HttpTransport({ attempts: 1, timeoutMs: 10_000 });
  const tree = new Map(Object.entries(DEVINFO));
  const pending = new Set<string>();
  let out: { message: SyncML; bytes: Uint8Array } | undefined = session.start({ devInfo: Object.entries(DEVINFO).map(([locURI, data]) => ({ source: { locURI }, data })) });
  for (let n = 0; out && n < 40; n++) {
    const bytes = breakMessage(out, options.breaks, encoding);
    let reply;
    try {
      const hmac = out && 'hmacHeader' in out && typeof out.hmacHeader === 'function' ? (out.hmacHeader as (b: Uint8Array) => string)(bytes) : undefined;
      reply = await transport.send({ url: session.sendTo ?? url, body: bytes, encoding, ...(hmac !== undefined ? { hmac } : {}) });
    } catch {
      return; // the server refused or went away: the session is over
    }
    const message = decode(reply.body);
    const aborted = message.syncBody.commands.some((c) => c.kind === 'Alert' && c.data === '1223');
    if (options.breaks === 'crash-on-ui' && message.syncBody.commands.some((c) => c.kind === 'Alert' && ['1100', '1101', '1102', '1103', '1104'].includes(c.data ?? ''))) process.kill(process.pid, 'SIGKILL');
    if (options.breaks === 'commits-chunks') commitChunks(message, tree, pending);
    const { events } = session.receive(message, reply.hmac !== undefined ? { hmacHeader: reply.hmac, body: reply.body } : {});
    for (const e of events) if (e.type === 'command') answer(session, e.msgRef, e.command, tree);
    // Commands nested in an Atomic or Sequence, answered one by one.
    for (const o of session.unanswered) session.answer(o, StatusCode.Ok);
    if (aborted) {
      if (options.breaks === 'answers-abort') await transport.send({ url, body: breakMessage({ message: { ...out.message, syncHdr: { ...out.message.syncHdr, msgID: String(Number(out.message.syncHdr.msgID) + 1) } }, bytes: out.bytes }, 'answers-abort', encoding), encoding }).catch(() => undefined);
      return;
    }
    out = session.reply();
  }
}

function answer(session: ClientSession, msgRef: string, command: SyncBodyCommand, tree: Map<string, string>): void {
  const e = { msgRef, command };
  if (command.kind === 'Get') {
    const items = command.items.filter((i) => tree.has(i.target?.locURI ?? ''));
    if (items.length === command.items.length) session.answer(e, StatusCode.Ok, { items: items.map((i) => ({ source: { locURI: i.target!.locURI }, data: tree.get(i.target!.locURI)! })) as [Item, ...Item[]], targetRefs: [], sourceRefs: [] });
    else session.answer(e, StatusCode.NotFound);
  } else if (command.kind === 'Exec') session.answer(e, StatusCode.OptionalFeatureNotSupported);
  else {
    if (command.kind === 'Add' || command.kind === 'Replace') for (const i of command.items) if (i.target) tree.set(i.target.locURI, i.data ?? '');
    if (command.kind === 'Delete') for (const i of command.items) if (i.target) tree.delete(i.target.locURI);
    session.answer(e, StatusCode.Ok);
  }
}

/** The 'commits-chunks' break: every chunk's data goes into the tree at once, appended to the chunks before it (`pending`: the nodes whose object is under way). */
function commitChunks(message: SyncML, tree: Map<string, string>, pending: Set<string>): void {
  for (const c of message.syncBody.commands) {
    if (c.kind !== 'Replace' && c.kind !== 'Add') continue;
    for (const i of c.items) {
      const uri = i.target?.locURI;
      if (uri === undefined) continue;
      if (i.moreData === true && i.meta?.size !== undefined) {
        tree.set(uri, i.data ?? '');
        pending.add(uri);
      } else if (i.moreData === true || pending.has(uri)) {
        tree.set(uri, (tree.get(uri) ?? '') + (i.data ?? ''));
        if (i.moreData !== true) pending.delete(uri);
      }
    }
  }
}

function breakMessage(out: { message: SyncML; bytes: Uint8Array }, breaks: ClientBreak | undefined, encoding: 'xml' | 'wbxml'): Uint8Array {
  const m = out.message;
  const cs = m.syncBody.commands;
  let broken: SyncML = m;
  if (breaks === 'no-status' && cs.some((c) => c.kind === 'Status' && c.cmd === 'Delete')) broken = { ...m, syncBody: { ...m.syncBody, commands: cs.filter((c) => !(c.kind === 'Status' && c.cmd === 'Delete')) as SyncML['syncBody']['commands'] } };
  if (breaks === 'no-213' || breaks === 'size-unchecked') {
    const from = breaks === 'no-213' ? '213' : '424';
    if (cs.some((c) => c.kind === 'Status' && c.data === from)) broken = { ...m, syncBody: { ...m.syncBody, commands: cs.map((c) => (c.kind === 'Status' && c.data === from ? { ...c, data: '200' } : c)) as SyncML['syncBody']['commands'] } };
  }
  if (breaks === 'final-early' && m.syncBody.final !== true) broken = { ...m, syncBody: { ...m.syncBody, final: true } };
  if (breaks === 'answers-abort' && m !== broken) return out.bytes;
  if (broken === m) return out.bytes;
  return encoding === 'wbxml' ? encodeWbxml(broken) : encodeXml(broken);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env['OMADM_URL'];
  if (!url) throw new Error('OMADM_URL is not set');
  await runFixtureClient(url, { ...(process.argv[2] ? { breaks: process.argv[2] as ClientBreak } : {}), sessionID: String(process.pid % 0xffff) });
}
