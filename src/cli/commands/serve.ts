/**
 * `omadm serve [--port N] [--host H] [--db DB] [--admin-token T] [--path P] [--resp-uri URL]
 * [--webhook URL --webhook-secret-file F] [--log-level L]`: the DM server. Prints the DM
 * endpoint's URL and the admin token of the management API, serves until SIGINT or
 * SIGTERM, then stops gracefully (the message in flight is answered, the store closed).
 */
import { randomBytes } from 'node:crypto';
import { ExitCode, UsageError } from '../command.js';
import { secretOption } from '../secret-option.js';
import { DB_FLAGS, DB_HELP, dbOf, parseDb } from '../db-option.js';
import { choiceParser, defineVerb, valueParser, verbCommand } from '../verb.js';
import { openStore } from '../../server/store/open.js';
import { Secret } from '../../server/store/secret.js';
import { startServerStack } from '../../server/server-stack.js';

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

const parsePort = valueParser('--port', 'a port number (0 to 65535; 0 picks a free one)', (v) => {
  if (!/^[0-9]{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 65535 ? n : undefined;
});

const parseToken = valueParser('--admin-token', 'at least 16 characters', (v) => (v.length >= 16 ? v : undefined));

const parsePath = valueParser('--path', "a URL path starting with '/'", (v) => (/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(v) ? v : undefined));

function httpUrl(v: string): string | undefined {
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const parseWebhook = valueParser('--webhook', 'an http:// or https:// URL', httpUrl);
const parseRespUri = valueParser('--resp-uri', 'an http:// or https:// URL', (v) => httpUrl(v)?.replace(/\/$/, ''));

/** The webhook's signing secret: --webhook-secret-file, else $OMADM_WEBHOOK_SECRET (never on the command line). */
async function webhookOf(io: Parameters<typeof secretOption>[0], url: string | undefined, file: string | undefined): Promise<{ url: string; secret: Secret } | undefined> {
  if (url === undefined) {
    if (file !== undefined) throw new UsageError('--webhook-secret-file needs --webhook');
    return undefined;
  }
  const secret = (await secretOption(io, undefined, file, '--webhook-secret')) ?? (process.env['OMADM_WEBHOOK_SECRET'] || undefined);
  if (secret === undefined || secret.length === 0) throw new UsageError('--webhook needs its signing secret: --webhook-secret-file FILE, or $OMADM_WEBHOOK_SECRET');
  return { url, secret: new Secret(secret) };
}

/** Resolves when the process is asked to stop (SIGINT, SIGTERM); `cancel` stops listening. */
function stopRequested(): { readonly signal: Promise<string>; cancel(): void } {
  let on: (signal: NodeJS.Signals) => void = () => {};
  const cancel = () => {
    process.off('SIGINT', on);
    process.off('SIGTERM', on);
  };
  const signal = new Promise<string>((resolve) => {
    on = (signal) => {
      cancel();
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
  return { signal, cancel };
}

export default defineVerb({
  summary: 'Run the DM server (DM endpoint over HTTP, sessions and jobs in the database)',
  command: () =>
    verbCommand(
      'serve',
      `Runs the OMA DM server: devices POST their messages to the DM endpoint (/dm), sessions and jobs live in the database, so a restart loses nothing. Prints the endpoint's URL and the admin token of the management API, then serves until SIGINT or SIGTERM, and stops gracefully (the message in flight is answered first). The admin token is --admin-token, else $OMADM_ADMIN_TOKEN, else a random one (printed).`,
    )
      .usage('[options]')
      .option('--port <N>', `TCP port (default ${DEFAULT_PORT}; 0 picks a free one)`, parsePort)
      .option('--host <H>', `Address to listen on (default ${DEFAULT_HOST})`)
      .option(DB_FLAGS, DB_HELP, parseDb)
      .option('--admin-token <T>', 'Token of the management API (default $OMADM_ADMIN_TOKEN, else random)', parseToken)
      .option('--path <P>', 'Path of the DM endpoint (default /dm)', parsePath)
      .option('--resp-uri <URL>', 'Pin each session: RespURI URL/s/REF in every answer, URL being where devices reach this endpoint (a balancer may route by it)', parseRespUri)
      .option('--webhook <URL>', 'POST every stored alert (Generic Alert, tree alerts) there, signed with HMAC-SHA256, retried', parseWebhook)
      .option('--webhook-secret-file <FILE>', "The webhook's signing secret from FILE ('-': stdin); default $OMADM_WEBHOOK_SECRET")
      .option('--log-level <L>', `Lowest level of the JSON log lines on standard error: ${LOG_LEVELS.join(', ')} (default info)`, choiceParser('--log-level', LOG_LEVELS)),
  epilogue: `Exit status: 0 stopped by SIGINT or SIGTERM; 1 the database or the port could
not be opened; 2 usage error.`,
  async run(_args, options, io) {
    const webhook = await webhookOf(io, options.webhook, options.webhookSecretFile);
    const respUri = options.respUri;
    // Listening for the signals before anything is printed: a stop asked for as soon as the
    // URL appears is a graceful stop, never the default (abrupt) one.
    const stop = stopRequested();
    const given = options.adminToken ?? (process.env['OMADM_ADMIN_TOKEN'] || undefined);
    const adminToken = given ?? randomBytes(24).toString('base64url');
    let store;
    try {
      store = await openStore(dbOf(options));
    } catch (e) {
      stop.cancel();
      io.stderr(`omadm serve: cannot open the database: ${e instanceof Error ? e.message : String(e)}\n`);
      return ExitCode.invalidInput;
    }
    let server;
    try {
      // JSON log lines go to standard error: standard output has the URL and the token.
      server = await startServerStack({
        store,
        host: options.host ?? DEFAULT_HOST,
        port: options.port ?? DEFAULT_PORT,
        adminToken,
        log: { ...(options.logLevel !== undefined ? { level: options.logLevel } : {}), destination: { write: (line: string) => io.stderr(line) } },
        ...(webhook ? { webhook } : {}),
        ...(options.path !== undefined ? { http: { path: options.path } } : {}),
        ...(respUri !== undefined ? { service: { respUri: ({ ref }: { ref: number }) => `${respUri}/s/${ref}` } } : {}),
      });
    } catch (e) {
      stop.cancel();
      await store.close();
      io.stderr(`omadm serve: cannot listen: ${e instanceof Error ? e.message : String(e)}\n`);
      return ExitCode.invalidInput;
    }
    io.stdout(`DM endpoint: ${server.url}\n`);
    io.stdout(`REST API:    ${server.origin}/api/v1 (OpenAPI document at ${server.origin}/api/v1/openapi.json); /metrics, /healthz\n`);
    // A token the user chose is theirs already: it is not printed back.
    io.stdout(`admin token: ${given === undefined ? adminToken : '(as given)'}\n`);
    const signal = await stop.signal;
    io.stderr(`omadm serve: ${signal}, stopping\n`);
    await server.close();
    await store.close();
    return ExitCode.ok;
  },
});
