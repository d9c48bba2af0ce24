/**
 * A scripted DM server on 127.0.0.1 for the device runner's tests: a real ServerSession
 * behind createDmServer, which answers the client's commands 200, then sends the packages
 * of its plan one by one (each once the client's package is complete and every command
 * it sent has its Status), and records what it saw. Authentication both ways as asked.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SyncBodyCommandDraft } from '../../generated/builders.js';
import { AuthType } from '../../generated/codes.js';
import type { SyncML } from '../../generated/types.js';
import { decodeWbxml, decodeXml } from '../../src/index.js';
import { createDmServer, stopDmServer, type DmHttpRequest } from '../../src/server/http/dm-http.js';
import { AuthProver, AuthVerifier } from '../../src/session/auth/authenticator.js';
import { InMemoryCredentialStore } from '../../src/session/auth/store.js';
import type { SessionEvent } from '../../src/session/endpoint.js';
import { ServerSession } from '../../src/session/server-session.js';

export type Auth = 'none' | 'basic' | 'md5' | 'hmac';
const SCHEME = { basic: AuthType.Basic, md5: AuthType.Md5Digest, hmac: AuthType.Hmac } as const;

export interface ScriptOptions {
  /** The packages the server sends, in order. */
  readonly plan: SyncBodyCommandDraft[][];
  /** How the client must authenticate, with what. */
  readonly clientAuth?: { readonly type: Auth; readonly name: string; readonly secret: string; readonly nonce?: Uint8Array };
  /** How the server authenticates to the client. */
  readonly serverAuth?: { readonly type: Auth; readonly name: string; readonly secret: string; readonly nonce?: Uint8Array };
  /** A RespURI path (below /dm) the server moves the client to. */
  readonly respPath?: string;
  /** Drop the connection instead of answering these requests (1-based), after the server read them. */
  readonly dropAnswers?: readonly number[];
  /** The server's MaxMsgSize. */
  readonly maxMsgSize?: number;
  /** Replaces the answer to request n (1-based) with these bytes. */
  readonly rewrite?: (n: number, answer: Uint8Array) => Uint8Array;
}

export interface Seen {
  readonly subPath: string;
  readonly message: SyncML;
  readonly hmac?: string;
  readonly duplicate: boolean;
}

export interface ScriptedServer {
  readonly url: string;
  readonly seen: Seen[];
  /** The client's commands the server's session handed to the application (never twice). */
  readonly commands: string[];
  /** `Cmd:code` of each Status for the server's commands, and `uri=value` of each Result item. */
  readonly statuses: string[];
  readonly results: string[];
  readonly events: SessionEvent[];
  session(): ServerSession | undefined;
  stop(): Promise<void>;
}

const random = (() => {
  let n = 7;
  return (len: number) => Uint8Array.from({ length: len }, () => (n = (n * 1103515245 + 12345) % 2 ** 31) & 0xff);
})();

export async function startScriptedServer(options: ScriptOptions): Promise<ScriptedServer> {
  const plan = options.plan.map((p) => [...p]);
  const seen: Seen[] = [];
  const commands: string[] = [];
  const statuses: string[] = [];
  const results: string[] = [];
  const events: SessionEvent[] = [];
  let session: ServerSession | undefined;
  let url = '';
  let requests = 0;

  const handler = async (request: DmHttpRequest) => {
    const message = request.media.encoding === 'wbxml' ? decodeWbxml(request.body) : decodeXml(request.body);
    if (!session) session = newSession(message, request.media.encoding);
    const r = session.receive(message, { ...(request.hmac !== undefined ? { hmacHeader: request.hmac } : {}), body: request.body });
    seen.push({ subPath: request.subPath, message, duplicate: r.duplicate, ...(request.hmac !== undefined ? { hmac: request.hmac } : {}) });
    const out = r.duplicate
      ? session.lastSent
      : (() => {
          for (const e of r.events) {
            events.push(e);
            if (e.type === 'command') {
              commands.push(`${e.command.kind}${e.command.kind === 'Alert' ? ` ${e.command.data ?? ''}` : ''}`);
              session!.answer({ msgRef: e.msgRef, command: e.command }, 200);
            }
            if (e.type === 'status' && e.status.cmd !== 'SyncHdr') statuses.push(`${e.status.cmd}:${e.status.data}`);
            if (e.type === 'results') results.push(...e.results.items.map((i) => `${i.source?.locURI}=${i.data ?? ''}`));
          }
          if (r.events.some((e) => e.type === 'package-complete') && session!.awaitingStatus === 0) for (const d of plan.shift() ?? []) session!.send(d);
          return session!.reply();
        })();
    if (!out) return { kind: 'refusal' as const, status: 400, reason: 'the session is over' };
    const n = requests;
    const body = options.rewrite ? options.rewrite(n, out.bytes) : out.bytes;
    const hmac = out.hmacHeader?.(out.bytes);
    return { kind: 'message' as const, body, ...(hmac !== undefined ? { hmac } : {}) };
  };

  function newSession(first: SyncML, encoding: 'xml' | 'wbxml'): ServerSession {
    const client = first.syncHdr.source.locURI;
    const store = new InMemoryCredentialStore();
    const ca = options.clientAuth;
    const sa = options.serverAuth;
    store.set(client, {
      ...(ca && ca.type !== 'none' ? { theirs: { username: ca.name, password: ca.secret, scheme: SCHEME[ca.type] } } : {}),
      ...(sa && sa.type !== 'none' ? { ours: { username: sa.name, password: sa.secret, scheme: SCHEME[sa.type] } } : {}),
      ...(ca?.nonce ? { expectedNonce: ca.nonce } : {}),
      ...(sa?.nonce ? { nonceToUse: sa.nonce } : {}),
    });
    return new ServerSession({
      encoding,
      localURI: url,
      remoteURI: client,
      sessionID: first.syncHdr.sessionID,
      maxMsgSize: options.maxMsgSize ?? 16_000,
      ...(options.respPath ? { respURI: `${url}${options.respPath}` } : {}),
      ...(ca && ca.type !== 'none' ? { verifier: new AuthVerifier({ store, peer: client, random, scheme: SCHEME[ca.type] }) } : {}),
      ...(sa && sa.type !== 'none' ? { prover: new AuthProver({ store, peer: client, scheme: SCHEME[sa.type] }) } : {}),
    });
  }

  const server: Server = createDmServer({ handler, headersTimeoutMs: 2_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 1_000, idleTimeoutMs: 5_000 });
  // Counts requests, and drops the answers asked for (after the handler ran: the server saw the message).
  server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
    requests++;
    if (options.dropAnswers?.includes(requests)) {
      res.end = ((..._args: unknown[]) => {
        res.socket?.destroy();
        return res;
      }) as typeof res.end;
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dm`;
  return {
    url,
    seen,
    commands,
    statuses,
    results,
    events,
    session: () => session,
    stop: () => stopDmServer(server, 100),
  };
}
