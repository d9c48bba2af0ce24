#!/usr/bin/env node
/** The `omadm` executable (package.json "bin"): runCli bound to this process. */
import { runCli } from './cli.js';
import { nodeIo } from './io.js';

// A closed pipe (`omadm decode x.xml | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`omadm: internal error: cannot write output: ${e.message}\n`);
  process.exit(70);
});

process.exitCode = await runCli(process.argv.slice(2), nodeIo());
