/**
 * `omadm serve [--port N] [--host H] [--db DB] [--admin-token T]`: the DM server. Prints
 * the DM endpoint's URL and the admin token of the management API, serves until SIGINT or
 * SIGTERM, then stops gracefully (the message in flight is answered, the store closed).
 */
import { randomBytes } from 'node:crypto';
import { ExitCode } from '../command.js';
import { DB_FLAGS, DB_HELP, dbOf, parseDb } from '../db-option.js';
import { defineVerb, valueParser, verbCommand } from '../verb.js';
import { openStore } from '../../server/store/open.js';
import { startServerStack } from '../../server/server-stack.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

const parsePort = valueParser('--port', 'a port number (0 to 65535; 0 picks a free one)', (v) => {
  if (!/^[0-9]{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n <= 65535 ? n : undefined;
});

const parseToken = valueParser('--admin-token', 'at least 16 characters', (v) => (v.length >= 16 ? v : undefined));

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
      .option('--admin-token <T>', 'Token of the management API (default $OMADM_ADMIN_TOKEN, else random)', parseToken),
  epilogue: `Exit status: 0 stopped by SIGINT or SIGTERM; 1 the database or the port could
not be opened; 2 usage error.`,
  async run(_args, options, io) {
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
      server = await startServerStack({ store, host: options.host ?? DEFAULT_HOST, port: options.port ?? DEFAULT_PORT, adminToken, log: { destination: { write: (line: string) => io.stderr(line) } } });
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
