/**
 * `omadm device run --server URL --server-id SID ...` (also `omadm device --server ...`):
 * one DM session of a simulated device against a DM server, printed as a transcript,
 * package by package, with the status of each command.
 *
 * The device's tree is FILE (--tree; created with the default objects when it does not
 * exist, and kept up to date as the session changes it, nonces included), or a default
 * tree in memory: DevInfo (--dev-id), DevDetail, and the DMAcc account of the server.
 * The account is written from the options (address, credentials both ways), keeping the
 * nonces a stored account already has. User interaction alerts get automatic answers (the
 * default response, else Yes / the first choice / empty text).
 */
import {
  ACCOUNT_AUTH_TYPE,
  autoAnswer,
  createUiRunner,
  DEFAULT_DEVICE_MAX_MSG_SIZE,
  findAccount,
  FileTreeStore,
  formatTranscript,
  HttpTransport,
  installAccount,
  isTreeError,
  openDeviceTree,
  runDeviceSession,
  simulatedDeviceTree,
  type AuthChoice,
  type DmAccount,
  type ManagementTree,
} from '../../client/index.js';
import { isAuthConfigError } from '../../session/auth/errors.js';
import { ExitCode, readInput, UsageError } from '../command.js';
import { choiceParser, positiveIntegerParser, verbCommand, defineVerb } from '../verb.js';

const AUTHS = ['none', 'basic', 'md5', 'hmac'] as const;
/** DMAcc AAuthType for each choice. */
/** DM 1.1 AuthPref for each choice. */
const AUTH_PREF_11: Record<Exclude<AuthChoice, 'none'>, string> = { basic: 'syncml:auth-basic', md5: 'syncml:auth-md5', hmac: 'syncml:auth-MAC' };
/** A Package#0 is small (the notification spec's trigger; src/notification bounds it too). */
const MAX_NOTIFICATION_BYTES = 4096;
const clock = { now: () => Date.now() };

/** The segment name of the account node for a server id (its characters that are no URI trouble). */
function accountNode(serverId: string): string {
  const name = serverId.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 32);
  return name === '' ? 'srv' : name;
}

export default defineVerb({
  summary: 'Run one DM session of a simulated device against a DM server',
  command: () =>
    verbCommand(
      'run',
      `Runs one DM session of a simulated device against the DM server at URL: Package#1 (Alert 1201, or 1200 with the notified session id after --notify), then the server's packages, each command run on the device's management tree, until the session ends. Prints the transcript, package by package, each command with the status it got. The tree comes from --tree FILE (created if missing, and updated as the session changes it), else a default one (DevInfo with --dev-id, DevDetail, the DMAcc account of --server-id). Secrets are never printed.`,
      'device',
    )
      .usage('--server URL --server-id SID [--auth SCHEME] [options]')
      .requiredOption('--server <URL>', 'The DM server address (http or https)')
      .requiredOption('--server-id <SID>', 'The server id: the DMAcc account, and the id its ACL entries name')
      .option('--dev-id <ID>', 'The device id (./DevInfo/DevId) of a new tree')
      .option('--auth <TYPE>', 'How the device authenticates: none, basic, md5 or hmac (default none)', choiceParser('--auth', AUTHS))
      .option('--client-name <U>', 'The device user name (CLCRED AAuthName)')
      .option('--client-secret <S>', 'The device password (CLCRED AAuthSecret)')
      .option('--server-auth <TYPE>', 'How the server must authenticate: none, basic, md5 or hmac (default none)', choiceParser('--server-auth', AUTHS))
      .option('--server-secret <SS>', "The server's password (SRVCRED AAuthSecret), also the Package#0 digest key")
      .option('--wbxml', 'Speak WBXML instead of XML')
      .option('--tree <FILE>', 'The device tree file (the file store format; see omadm tree)')
      .option('--notify <FILE>', "A Package#0 (application/vnd.syncml.notification) to start the session from ('-': stdin)")
      .option('--max-messages <N>', 'Messages sent in the session, at most (default 100)', positiveIntegerParser('--max-messages'))
      .option('--timeout <MS>', 'Time for each HTTP request (default 30000)', positiveIntegerParser('--timeout'))
      .option('--json', 'Print the transcript as JSON'),
  epilogue: `Exit status: 0 the session completed; 1 it did not (the server broke the
protocol, refused our credentials or could not be reached, a Package#0 that
does not check, a tree file that cannot be used; the reason on the last line);
2 usage error.`,
  async run(_args, o, io) {
    const auth: AuthChoice = o.auth ?? 'none';
    const serverAuth: AuthChoice = o.serverAuth ?? 'none';
    if (!/^https?:\/\/[^/]/i.test(o.server)) throw new UsageError(`option '--server' takes an http or https URL, not '${o.server}'`);
    if (auth !== 'none' && (o.clientName === undefined || o.clientSecret === undefined)) throw new UsageError(`--auth ${auth} needs --client-name and --client-secret`);
    if (serverAuth !== 'none' && o.serverSecret === undefined) throw new UsageError(`--server-auth ${serverAuth} needs --server-secret`);
    const notification = o.notify !== undefined ? await readInput(io, o.notify, MAX_NOTIFICATION_BYTES) : undefined;
    if (notification && o.serverSecret === undefined && o.tree === undefined) throw new UsageError('--notify needs --server-secret (the key of its digest), or a --tree whose account has it');

    const store = o.tree !== undefined ? new FileTreeStore(o.tree) : undefined;
    let tree: ManagementTree;
    try {
      const image = store?.load();
      if (image) tree = openDeviceTree(image, clock);
      else {
        if (o.devId === undefined) throw new UsageError(o.tree !== undefined ? `--dev-id is needed to create the tree file '${o.tree}'` : 'missing --dev-id (or a --tree file)');
        tree = simulatedDeviceTree({ devId: o.devId, serverId: o.serverId, clock });
      }
      const existing = findAccount(tree, o.serverId);
      // A DM 1.1 account (./SyncML/DMAcc) stays one, with the 1.1 names of the types.
      const types = existing?.layout === '1.1' ? AUTH_PREF_11 : ACCOUNT_AUTH_TYPE;
      const serverType = types[serverAuth === 'none' ? 'md5' : serverAuth];
      const account: DmAccount = {
        node: existing?.node ?? accountNode(o.serverId),
        serverId: o.serverId,
        addr: o.server,
        ...(existing?.layout ? { layout: existing.layout } : {}),
        ...(auth !== 'none'
          ? { client: { type: types[auth], name: o.clientName!, secret: o.clientSecret!, ...(existing?.client?.nonce ? { nonce: existing.client.nonce } : {}) } }
          : existing?.client
            ? { client: existing.client }
            : {}),
        ...(o.serverSecret !== undefined
          ? { server: { type: serverType, name: existing?.server?.name ?? o.serverId, secret: o.serverSecret, ...(existing?.server?.nonce ? { nonce: existing.server.nonce } : {}) } }
          : existing?.server
            ? { server: existing.server }
            : {}),
      };
      installAccount(tree, account);
      store?.commit(tree.takeChanges());
    } catch (e) {
      if (!isTreeError(e)) throw e;
      io.stderr(`omadm device run: ${o.tree ?? 'tree'}: ${e.message}\n`);
      return ExitCode.invalidInput;
    }

    let transcript;
    try {
      transcript = await runDeviceSession({
        tree,
        serverId: o.serverId,
        encoding: o.wbxml ? 'wbxml' : 'xml',
        clientAuth: auth,
        serverAuth,
        transport: new HttpTransport({ maxResponseBytes: DEFAULT_DEVICE_MAX_MSG_SIZE, backoffMs: (n) => 250 * n, ...(o.timeout !== undefined ? { timeoutMs: o.timeout } : {}) }),
        ui: createUiRunner(autoAnswer(), undefined, { minDisplayTime: false }),
        ...(notification ? { notification } : {}),
        ...(o.maxMessages !== undefined ? { maxMessages: o.maxMessages } : {}),
        ...(store ? { store } : {}),
      });
    } catch (e) {
      if (!isAuthConfigError(e) && !isTreeError(e)) throw e;
      io.stderr(`omadm device run: ${e.message}\n`);
      return ExitCode.invalidInput;
    } finally {
      store?.close();
    }
    io.stdout(o.json ? JSON.stringify(transcript, null, 2) + '\n' : formatTranscript(transcript));
    return transcript.outcome === 'completed' ? ExitCode.ok : ExitCode.invalidInput;
  },
});
