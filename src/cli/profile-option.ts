/** `--profile dm|syncml`: all of SyncML, or only what OMA DM uses. */
import { choiceParser } from './verb.js';

export type Profile = 'dm' | 'syncml';

export const PROFILE_FLAGS = '--profile <dm|syncml>';
export const parseProfile = choiceParser('--profile', ['dm', 'syncml'] as const);

export function profileHelp(defaultProfile: Profile): string {
  return `'dm' refuses the SyncML elements OMA DM does not use (Sync, Map, Search, ...), 'syncml' reads all of SyncML 1.2 (default ${defaultProfile})`;
}
