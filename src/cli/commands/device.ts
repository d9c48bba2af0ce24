/**
 * `omadm device COMMAND`: devices, from both sides. `run` plays one DM session of a
 * simulated device against a server (./device-run.ts; it is also what `omadm device
 * --server URL ...` runs); add, list, show and delete manage the devices of the server's
 * database (./device-admin.ts).
 */
import { defineGroup } from '../verb.js';
import run from './device-run.js';
import { deviceAdminVerbs } from './device-admin.js';

export default defineGroup({
  name: 'device',
  summary: 'Run a simulated device, or manage the devices of the server',
  description:
    'run plays one OMA DM session of a simulated device (a management tree with\nDevInfo, DevDetail and DMAcc) against a DM server over HTTP. add, list, show and\ndelete manage the devices of the database `omadm serve` runs on (--db).',
  verbs: [run, ...deviceAdminVerbs],
  defaultVerb: 'run',
});
