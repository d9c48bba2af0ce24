/**
 * Access control lists of the management tree (DM TND 1.2, ACL property). In our words:
 *
 *   acl        = "" | entry *("&" entry)
 *   entry      = command "=" server-ids
 *   server-ids = server-id *("+" server-id)
 *   command    = "Add" | "Delete" | "Exec" | "Get" | "Replace"
 *   server-id  = "*" | 1*(printable, not "=", "&", "*", "+" or white space)
 *
 * "*" grants every server and overrides named ids. An empty ACL inherits the parent's,
 * recursively; the root's is never empty. Copy has no entry: it needs Get on the source
 * and Add (new node) or Replace (existing node) on the target.
 */
import { StatusCode } from '../../../generated/codes.js';
import { TreeError } from './errors.js';

export const ACL_COMMANDS = ['Add', 'Delete', 'Exec', 'Get', 'Replace'] as const;
export type AclCommand = (typeof ACL_COMMANDS)[number];

export const ANY_SERVER = '*';

/** A parsed ACL: for each command, the server ids it grants (in the order written). */
export type Acl = ReadonlyMap<AclCommand, readonly string[]>;

const SERVER_ID = /^[^=&*+\s]+$/u;

function isAclCommand(s: string): s is AclCommand {
  return (ACL_COMMANDS as readonly string[]).includes(s);
}

/** Parses an ACL value; throws TreeError 400 naming the entry that breaks the grammar. */
export function parseAcl(text: string): Acl {
  const acl = new Map<AclCommand, string[]>();
  if (text === '') return acl;
  for (const entry of text.split('&')) {
    const eq = entry.indexOf('=');
    const command = eq < 0 ? entry : entry.slice(0, eq);
    if (!isAclCommand(command)) throw new TreeError(`ACL entry ${JSON.stringify(entry)}: unknown command`, StatusCode.BadRequest);
    const ids = eq < 0 ? [] : entry.slice(eq + 1).split('+');
    if (ids.length === 0 || ids.some((id) => id !== ANY_SERVER && !SERVER_ID.test(id))) {
      throw new TreeError(`ACL entry ${JSON.stringify(entry)}: server ids are "*" or printable names without = & * + or spaces`, StatusCode.BadRequest);
    }
    const known = acl.get(command) ?? [];
    for (const id of ids) if (!known.includes(id)) known.push(id);
    acl.set(command, known);
  }
  return acl;
}

/** Writes an ACL in the canonical order of commands (Add, Delete, Exec, Get, Replace). */
export function formatAcl(acl: Acl): string {
  return ACL_COMMANDS.flatMap((c) => {
    const ids = acl.get(c);
    return ids && ids.length > 0 ? [`${c}=${ids.join('+')}`] : [];
  }).join('&');
}

/** Does `acl` grant `command` to `serverId`? */
export function grants(acl: Acl, command: AclCommand, serverId: string): boolean {
  const ids = acl.get(command);
  return ids !== undefined && (ids.includes(ANY_SERVER) || ids.includes(serverId));
}

/**
 * The root ACL after `serverId` is removed from it (TND: a command left with no server
 * becomes "*", so the root ACL never goes empty).
 */
export function withoutServer(acl: Acl, serverId: string, isRoot: boolean): Acl {
  const out = new Map<AclCommand, string[]>();
  for (const [c, ids] of acl) {
    const rest = ids.filter((id) => id !== serverId);
    if (rest.length > 0) out.set(c, rest);
    else if (isRoot) out.set(c, [ANY_SERVER]);
  }
  return out;
}
