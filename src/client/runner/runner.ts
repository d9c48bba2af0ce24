/**
 * Runs one whole DM session of a device over HTTP: Package#1, then POST, receive, run the
 * server's commands on the tree, reply, until the session ends. What a simulated device,
 * `omadm device` and the fuzzer's client checks are built on.
 *
 * Rules kept here
 * 1. The session is opened with Alert 1201, or with 1200 and the notified session id when
 *    started from a Package#0 whose digest checks against the account's server
 *    credentials (package-zero.ts); a refused Package#0 sends nothing.
 * 2. The account of `serverId` (DMAcc) gives the server's address and the credentials
 *    both ways: CLCRED (how we prove ourselves: none, BASIC, DIGEST, HMAC) and SRVCRED
 *    (what the server must prove). The nonces the session ends with are written back into
 *    the account (AAuthData), so the next session starts from them.
 * 3. Each message goes where the server's last RespURI says (resolved against the URL it
 *    came from), else to the account's address.
 * 4. Bounded: messages sent per session, exchanges in a row where neither side moves on
 *    (only Statuses and Alert 1222), and time (an injected clock). Past a bound, the
 *    session is aborted (Alert 1223) and ends with outcome `limit`.
 * 5. A server's message that cannot be read ends the session with `protocol-error`; a
 *    repeat of the server's last message is answered with our last message again.
 *    Retries of a lost answer are the transport's, and resend the very same bytes.
 * 6. Never throws for what the server does: every end is an outcome in the transcript.
 *    It throws only for our own misuse (no such account, a credential type we cannot use).
 */
import { randomBytes } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { decodeWbxml } from '../../../generated/wbxml-decoder.js';
import { decodeXml } from '../../../generated/xml-decoder.js';
import { AlertCode, AuthType } from '../../../generated/codes.js';
import type { SyncML } from '../../../generated/types.js';
import type { SyncBodyCommandDraft } from '../../../generated/builders.js';
import { AuthProver, AuthVerifier } from '../../session/auth/authenticator.js';
import type { RandomSource } from '../../session/auth/challenge.js';
import { encodeNonce } from '../../session/auth/digest.js';
import { AuthConfigError } from '../../session/auth/errors.js';
import { parseAuthType } from '../../session/auth/scheme.js';
import { InMemoryCredentialStore, type PeerAuthRecord } from '../../session/auth/store.js';
import { ClientSession } from '../../session/client-session.js';
import type { Outgoing, SessionEvent } from '../../session/endpoint.js';
import { isLocalProtocolError } from '../../session/errors.js';
import type { Encoding } from '../../session/message-size.js';
import { DmDevice } from '../device.js';
import type { UiRunner } from '../executor/executor.js';
import type { ExecRegistry } from '../executor/exec-handlers.js';
import { type AccountCredential, type DmAccount, findAccount, storeNonce } from '../objects/dmacc.js';
import { acceptNotification, type AcceptedNotification } from '../package-zero.js';
import type { TreeStore } from '../store/store.js';
import { HttpTransport, isTransportError, type DmHttpExchange, type DmHttpReply } from '../transport/http-transport.js';
import type { ManagementTree } from '../tree/tree.js';
import { formatPackages, TranscriptBuilder, type TranscriptMessage, type TranscriptPackage } from './transcript.js';

/** What carries one message to the server and its answer back (HttpTransport has it). */
export interface DmTransport {
  send(exchange: DmHttpExchange): Promise<DmHttpReply>;
}

/** How the client authenticates (CLCRED) or expects the server to (SRVCRED). */
export type AuthChoice = 'none' | 'basic' | 'md5' | 'hmac';

export interface DeviceSessionOptions {
  readonly tree: ManagementTree;
  /** The server to talk to: the ServerID of a DMAcc account of the tree. */
  readonly serverId: string;
  /**
   * How we authenticate to the server; default what the account's CLCRED says (none
   * without one). The credentials themselves always come from the account.
   */
  readonly clientAuth?: AuthChoice;
  /**
   * What the server must prove in the session; default what the account's SRVCRED says.
   * 'none' keeps SRVCRED for Package#0 digests only.
   */
  readonly serverAuth?: AuthChoice;
  /** Default xml. */
  readonly encoding?: Encoding;
  /** A Package#0 received: the session it asks for is the one run (rule 1). */
  readonly notification?: Uint8Array;
  /**
   * Asked once the Package#0 checked (e.g. to let the user accept a session whose ui-mode
   * is 3, user interaction): false refuses it, and nothing is sent.
   */
  readonly acceptSession?: (notification: AcceptedNotification) => boolean | Promise<boolean>;
  /** Client-initiated sessions: the SessionID (default 4 random hex digits). */
  readonly sessionId?: string;
  /** Overrides the account's address (AppAddr Addr). */
  readonly url?: string;
  /** Default an HttpTransport that reads no answer larger than `maxMsgSize`. */
  readonly transport?: DmTransport;
  /** Largest message we accept (our MaxMsgSize). Default 64 KiB. */
  readonly maxMsgSize?: number;
  /** Largest object we accept (our MaxObjSize). Default 1 MiB. */
  readonly maxObjSize?: number;
  /** Messages we send in one session, at most (rule 4). Default 100. */
  readonly maxMessages?: number;
  /** Exchanges in a row in which neither side moves on (rule 4). Default 10. */
  readonly maxIdleExchanges?: number;
  /** The session's time, at most (rule 4). Default 5 minutes. */
  readonly maxDurationMs?: number;
  /** Milliseconds now; default Date.now. */
  readonly now?: () => number;
  /** For our nonces (SRVCRED challenges). Default node:crypto randomBytes. */
  readonly random?: RandomSource;
  /** Authentication retries of either side before giving up. Default 3. */
  readonly maxAuthRetries?: number;
  /**
   * A device kept across sessions (on the same tree and server): the Generic Alerts of
   * Execs that finish after a session ended go in the next one's Package#1. When given,
   * `exec` and `ui` are its own, and its store gets the commands' changes (`store` here
   * still gets the nonces at the end); else a device is made from them.
   */
  readonly device?: DmDevice;
  /** Client alerts for Package#1 (Generic Alerts 1226, a tree change alert): Alerts only (6.7). */
  readonly alerts?: readonly SyncBodyCommandDraft[];
  readonly exec?: ExecRegistry;
  readonly ui?: UiRunner;
  /** Where the tree is written after each command, and the nonces at the end. */
  readonly store?: TreeStore;
  /**
   * Told of each message as it is added to the transcript (a sent one once its HTTP answer
   * came or failed); the statuses of its commands are filled in as the answers arrive.
   */
  readonly onMessage?: (message: TranscriptMessage) => void;
}

/**
 * How the session ended:
 * completed           both sides closed it as the protocol says
 * aborted             the server aborted it (Alert 1223)
 * auth-failed         the server refused our credentials, or we gave up on its own
 * notification-refused the Package#0 did not check (nothing was sent)
 * protocol-error      the server sent what cannot be read or breaks the session's rules
 * transport-error     no usable HTTP answer (after the transport's retries)
 * limit               a bound of rule 4 was reached; we aborted
 */
export type SessionOutcome = 'completed' | 'aborted' | 'auth-failed' | 'notification-refused' | 'protocol-error' | 'transport-error' | 'limit';

export interface DeviceSessionTranscript {
  readonly serverId: string;
  readonly sessionId: string;
  /** Where Package#1 went. */
  readonly url: string;
  readonly encoding: Encoding;
  /** 1201, or 1200 after a Package#0. */
  readonly alert: number;
  readonly clientAuth: AuthChoice;
  readonly serverAuth: AuthChoice;
  readonly notification?: Omit<AcceptedNotification, 'vendor'>;
  readonly outcome: SessionOutcome;
  /** Why it ended so, when not `completed`. */
  readonly reason?: string;
  readonly packages: TranscriptPackage[];
  /** Messages sent and received (server repeats included). */
  readonly messagesSent: number;
  readonly messagesReceived: number;
}

const AUTH_OF_TYPE: Readonly<Record<string, AuthChoice>> = {
  NONE: 'none',
  BASIC: 'basic',
  'HTTP-BASIC': 'basic',
  DIGEST: 'md5',
  'HTTP-DIGEST': 'md5',
  HMAC: 'hmac',
  [AuthType.Basic.toUpperCase()]: 'basic',
  [AuthType.Md5Digest.toUpperCase()]: 'md5',
  [AuthType.Hmac.toUpperCase()]: 'hmac',
};
/** The DMAcc 1.2 AAuthType that names each choice (what `authOfCredential` reads back). */
export const ACCOUNT_AUTH_TYPE: Readonly<Record<Exclude<AuthChoice, 'none'>, string>> = { basic: 'BASIC', md5: 'DIGEST', hmac: 'HMAC' };
const SCHEME: Readonly<Record<Exclude<AuthChoice, 'none'>, AuthType>> = { basic: AuthType.Basic, md5: AuthType.Md5Digest, hmac: AuthType.Hmac };

/** The AuthChoice a DMAcc AAuthType names (BASIC, DIGEST, HMAC, or a syncml:auth-* type); throws AuthConfigError for others. */
export function authOfCredential(cred: AccountCredential | undefined): AuthChoice {
  if (!cred) return 'none';
  const known = AUTH_OF_TYPE[cred.type.trim().toUpperCase()] ?? (parseAuthType(cred.type) ? AUTH_OF_TYPE[parseAuthType(cred.type)!.toUpperCase()] : undefined);
  if (known === undefined) throw new AuthConfigError(`the DMAcc credential type ${JSON.stringify(cred.type)} is none of BASIC, DIGEST, HMAC`);
  return known;
}

/** Our MaxMsgSize unless told: the largest answer read, too. */
export const DEFAULT_DEVICE_MAX_MSG_SIZE = 64 * 1024;

const DEFAULTS = { maxMsgSize: DEFAULT_DEVICE_MAX_MSG_SIZE, maxObjSize: 1024 * 1024, maxMessages: 100, maxIdleExchanges: 10, maxDurationMs: 5 * 60_000 } as const;

/** Runs one DM session of the device (see the rules at the top); resolves to its transcript. */
export async function runDeviceSession(options: DeviceSessionOptions): Promise<DeviceSessionTranscript> {
  const { tree, serverId } = options;
  const account = findAccount(tree, serverId);
  if (!account) throw new AuthConfigError(`no DM account for server ${JSON.stringify(serverId)} in ./DMAcc`);
  const clientAuth = options.clientAuth ?? authOfCredential(account.client);
  const serverAuth = options.serverAuth ?? authOfCredential(account.server);
  if (clientAuth !== 'none' && !account.client) throw new AuthConfigError(`the DM account of ${JSON.stringify(serverId)} has no client credentials (CLCRED) for ${clientAuth}`);
  if (serverAuth !== 'none' && !account.server) throw new AuthConfigError(`the DM account of ${JSON.stringify(serverId)} has no server credentials (SRVCRED) for ${serverAuth}`);
  const encoding = options.encoding ?? 'xml';
  const url = options.url ?? account.addr;
  const now = options.now ?? Date.now;
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const builder = new TranscriptBuilder();
  const base = { serverId, url, encoding, clientAuth, serverAuth };

  let notification: AcceptedNotification | undefined;
  if (options.notification) {
    try {
      notification = acceptNotification(options.notification, tree);
    } catch (e) {
      return { ...base, sessionId: '', alert: AlertCode.ServerInitiatedSession, outcome: 'notification-refused', reason: message(e), packages: [], messagesSent: 0, messagesReceived: 0 };
    }
    const refused = (reason: string): DeviceSessionTranscript => ({ ...base, sessionId: notification!.sessionID, alert: notification!.alert, outcome: 'notification-refused', reason, packages: [], messagesSent: 0, messagesReceived: 0 });
    if (notification.serverId !== serverId) return refused(`the notification is from ${JSON.stringify(notification.serverId)}, not ${JSON.stringify(serverId)}`);
    if (options.acceptSession && !(await options.acceptSession(notification))) return refused('the session it asks for was declined');
  }
  const sessionId = notification?.sessionID ?? options.sessionId ?? newSessionId(random);
  const alert = notification?.alert ?? AlertCode.ClientInitiatedSession;
  const { vendor: _vendor, ...notified } = notification ?? { vendor: undefined };
  const devId = tree.value('./DevInfo/DevId') ?? '';

  const maxMsgSize = options.maxMsgSize ?? DEFAULTS.maxMsgSize;
  const store = new InMemoryCredentialStore([[url, authRecord(account, clientAuth, serverAuth)]]);
  const retries = options.maxAuthRetries !== undefined ? { maxRetries: options.maxAuthRetries } : {};
  const session = new ClientSession({
    encoding,
    localURI: devId,
    remoteURI: url,
    sessionID: sessionId,
    maxMsgSize,
    maxObjSize: options.maxObjSize ?? DEFAULTS.maxObjSize,
    ...(clientAuth !== 'none' ? { prover: new AuthProver({ store, peer: url, scheme: SCHEME[clientAuth], ...retries }) } : {}),
    ...(serverAuth !== 'none' ? { verifier: new AuthVerifier({ store, peer: url, random, scheme: SCHEME[serverAuth], ...retries }) } : {}),
  });
  const device =
    options.device ??
    new DmDevice({
    tree,
    serverId,
    ...(options.exec ? { exec: options.exec } : {}),
    ...(options.ui ? { ui: options.ui } : {}),
    ...(options.store ? { store: options.store } : {}),
    });
  // No answer larger than our MaxMsgSize is read (8: the server must keep within it).
  const transport = options.transport ?? new HttpTransport({ maxResponseBytes: maxMsgSize });
  const limits = {
    messages: options.maxMessages ?? DEFAULTS.maxMessages,
    idle: options.maxIdleExchanges ?? DEFAULTS.maxIdleExchanges,
    deadline: now() + (options.maxDurationMs ?? DEFAULTS.maxDurationMs),
  };

  let sent = 0;
  let received = 0;
  let idle = 0;
  let target = url;
  let outcome: SessionOutcome = 'completed';
  let reason: string | undefined;
  const record = (m: TranscriptMessage): void => options.onMessage?.(m);

  /** POSTs `out`; returns the decoded answer, or ends the session (outcome set). */
  const post = async (out: Outgoing, resend: boolean): Promise<{ message: SyncML; reply: DmHttpReply } | undefined> => {
    sent++;
    const hmac = out.hmacHeader?.(out.bytes);
    const entry = builder.add('client', out.message, { bytes: out.bytes.byteLength, url: target, ...(hmac !== undefined ? { hmac: true } : {}), ...(resend ? { duplicate: true } : {}) });
    let reply: DmHttpReply;
    try {
      reply = await transport.send({ url: target, body: out.bytes, encoding, ...(hmac !== undefined ? { hmac } : {}) });
    } catch (e) {
      record(entry);
      if (!isTransportError(e)) throw e;
      // The closing message after an authentication give-up may find the server gone: the
      // session ended for want of credentials, not for the network.
      if (outcome === 'auth-failed') return undefined;
      // An answer larger than we take breaks our MaxMsgSize: the server's fault, not the network's.
      outcome = e.problem === 'too-large' ? 'protocol-error' : 'transport-error';
      reason = e.message;
      return undefined;
    }
    entry.attempts = reply.attempts;
    record(entry);
    received++;
    try {
      const message = encoding === 'wbxml' ? decodeWbxml(reply.body) : decodeXml(reply.body);
      return { message, reply };
    } catch (e) {
      outcome = 'protocol-error';
      reason = `the server's answer cannot be read: ${message(e)}`;
      return undefined;
    }
  };

  const one = device.packageOne(alert);
  let out: Outgoing | undefined = session.start({ ...one, extra: [...(options.alerts ?? []), ...one.extra] });
  let resend = false;
  while (out) {
    const exchange = await post(out, resend);
    if (!exchange) break;
    let events: SessionEvent[];
    let duplicate: boolean;
    try {
      ({ events, duplicate } = session.receive(exchange.message, { ...(exchange.reply.hmac !== undefined ? { hmacHeader: exchange.reply.hmac } : {}), body: exchange.reply.body }));
    } catch (e) {
      outcome = 'protocol-error';
      reason = message(e);
      record(builder.add('server', exchange.message, { bytes: exchange.reply.body.byteLength, ...(exchange.reply.hmac !== undefined ? { hmac: true } : {}) }));
      break;
    }
    record(builder.add('server', exchange.message, { bytes: exchange.reply.body.byteLength, ...(exchange.reply.hmac !== undefined ? { hmac: true } : {}), ...(duplicate ? { duplicate: true } : {}) }));
    const respURI = session.sendTo;
    if (respURI !== undefined) target = resolve(respURI, target);
    resend = duplicate;
    if (duplicate) {
      out = session.lastSent;
    } else {
      const ended = endOf(events);
      if (ended) {
        outcome = ended.outcome;
        reason = ended.reason;
      }
      try {
        await device.handle(events, session);
        out = session.ended ? undefined : session.reply();
      } catch (e) {
        // What the server asked cannot be answered within the session's rules (e.g. a
        // MaxMsgSize too small for any answer).
        if (!isLocalProtocolError(e)) throw e;
        outcome = 'protocol-error';
        reason = e.message;
        break;
      }
    }
    if (!out) break;
    idle = isIdle(exchange.message) && isIdle(out.message) ? idle + 1 : 0;
    const bound =
      sent >= limits.messages ? `${limits.messages} messages sent` : idle >= limits.idle ? `${limits.idle} exchanges in a row with nothing but Statuses and Alert 1222` : now() >= limits.deadline ? 'the time allowed ran out' : undefined;
    if (bound !== undefined) {
      outcome = 'limit';
      reason = bound;
      await abort();
      break;
    }
  }
  if (outcome === 'completed' && !session.ended) {
    outcome = 'protocol-error';
    reason = `the session stopped in state ${session.current}`;
  }
  saveNonces(tree, serverId, store.get(url), clientAuth, serverAuth, options.store);
  return {
    ...base,
    sessionId,
    alert,
    ...(notification ? { notification: notified as Omit<AcceptedNotification, 'vendor'> } : {}),
    outcome,
    ...(reason !== undefined ? { reason } : {}),
    packages: builder.packages,
    messagesSent: sent,
    messagesReceived: received,
  };

  /** Rule 4: tell the server we stop (1223); its answer, if any, is not read. */
  async function abort(): Promise<void> {
    let message: Outgoing;
    try {
      message = session.abort();
    } catch {
      return;
    }
    sent++;
    const hmac = message.hmacHeader?.(message.bytes);
    record(builder.add('client', message.message, { bytes: message.bytes.byteLength, url: target, ...(hmac !== undefined ? { hmac: true } : {}) }));
    await transport.send({ url: target, body: message.bytes, encoding, ...(hmac !== undefined ? { hmac } : {}) }).catch(() => undefined);
  }
}

/** How `events` end the session, if they do. */
function endOf(events: readonly SessionEvent[]): { outcome: SessionOutcome; reason: string } | undefined {
  for (const e of events) {
    if (e.type === 'aborted') return { outcome: 'aborted', reason: 'the server aborted the session (Alert 1223)' };
    if (e.type === 'auth-failed') {
      return e.role === 'prover'
        ? { outcome: 'auth-failed', reason: `the server refused our credentials (${e.status})` }
        : { outcome: 'auth-failed', reason: `the server's credentials were refused (${e.status}); we gave up` };
    }
  }
  return undefined;
}

/** Only Statuses and Alert 1222: a message that moves nothing on (rule 4). */
function isIdle(message: SyncML): boolean {
  return message.syncBody.commands.every((c) => c.kind === 'Status' || (c.kind === 'Alert' && Number((c.data ?? '').trim()) === AlertCode.NextMessage));
}

function authRecord(account: DmAccount, clientAuth: AuthChoice, serverAuth: AuthChoice): PeerAuthRecord {
  const nonce = (cred: AccountCredential | undefined): Uint8Array | undefined => (cred?.nonce ? new Uint8Array(Buffer.from(cred.nonce, 'base64')) : undefined);
  const ours = account.client && clientAuth !== 'none' ? { username: account.client.name, password: account.client.secret, scheme: SCHEME[clientAuth] } : undefined;
  const theirs = account.server && serverAuth !== 'none' ? { username: account.server.name, password: account.server.secret, scheme: SCHEME[serverAuth] } : undefined;
  const toUse = nonce(account.client);
  const expected = nonce(account.server);
  return { ...(ours ? { ours } : {}), ...(theirs ? { theirs } : {}), ...(toUse ? { nonceToUse: toUse } : {}), ...(expected ? { expectedNonce: expected } : {}) };
}

/** Rule 2: the nonces of both directions go back into the account. */
function saveNonces(tree: ManagementTree, serverId: string, record: PeerAuthRecord | undefined, clientAuth: AuthChoice, serverAuth: AuthChoice, store: TreeStore | undefined): void {
  let changed = false;
  if (clientAuth !== 'none' && record?.nonceToUse) changed = storeNonce(tree, serverId, 'CLCRED', encodeNonce(record.nonceToUse)) || changed;
  if (serverAuth !== 'none' && record?.expectedNonce) changed = storeNonce(tree, serverId, 'SRVCRED', encodeNonce(record.expectedNonce)) || changed;
  if (changed && store) store.commit(tree.takeChanges());
}

function resolve(respURI: string, from: string): string {
  try {
    return new URL(respURI, from).toString();
  } catch {
    return respURI;
  }
}

function newSessionId(random: RandomSource): string {
  const [a = 0, b = 0] = random(2);
  return (((a << 8) | b) || 1).toString(16).toUpperCase();
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The transcript as text: a header line, the packages, and how it ended. */
export function formatTranscript(t: DeviceSessionTranscript): string {
  const lines = [
    `Session ${t.sessionId || '-'} of server ${t.serverId} at ${t.url} (${t.encoding.toUpperCase()}, client auth ${t.clientAuth}, server auth ${t.serverAuth}), opened with Alert ${t.alert}${
      t.notification ? ` after a Package#0 (UI mode ${t.notification.uiMode}, DM ${t.notification.dmVersion}${t.notification.nonceReset ? ', digest over the zero nonce' : ''})` : ''
    }`,
    ...formatPackages(t.packages),
    `${t.outcome === 'completed' ? 'Session completed' : `Session ended: ${t.outcome}`}${t.reason !== undefined ? ` (${t.reason})` : ''}; ${t.messagesSent} messages sent, ${t.messagesReceived} received`,
  ];
  return lines.join('\n') + '\n';
}
