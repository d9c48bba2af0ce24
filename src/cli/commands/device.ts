/**
 * `omadm device`: the devices of the server's database (add, list, show, delete, in
 * ./device-admin.ts). The DM client's `run` verb joins this group in another branch.
 */
import { defineGroup } from '../verb.js';
import { deviceAdminVerbs } from './device-admin.js';

export default defineGroup({
  name: 'device',
  summary: 'Manage the devices of the server database',
  description: 'Adds, lists, shows and deletes the devices of the database `omadm serve`\nruns on (--db).',
  verbs: [...deviceAdminVerbs],
});
