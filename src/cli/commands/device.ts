/**
 * `omadm device COMMAND`: simulated devices. `run` plays one DM session of a device
 * against a server; it is also what `omadm device --server URL ...` runs.
 */
import { defineGroup } from '../verb.js';
import run from './device-run.js';

export default defineGroup({
  name: 'device',
  summary: 'Run a simulated device against a DM server',
  description: 'Simulated OMA DM devices: a management tree with DevInfo, DevDetail and DMAcc,\nplaying DM sessions over HTTP.',
  verbs: [run],
  defaultVerb: 'run',
});
