/**
 * `omadm completion bash`: a bash completion script for omadm, made from the registry, so
 * every verb, sub-verb and option is completed as declared (`eval "$(omadm completion bash)"`,
 * or save it in /etc/bash_completion.d/omadm).
 */
import type { Command } from '../command.js';
import { ExitCode } from '../command.js';
import { choiceParser, defineVerb, verbCommand } from '../verb.js';

const words = (list: readonly string[]): string => list.join(' ');

/** The `case` arm of one verb: its options, or for a group its sub-verbs and theirs. */
function caseArm(c: Command, all: readonly Command[]): string {
  if (c.name === 'help') return `    help) words="${words(all.map((v) => v.name))}"; subs=1 ;;`;
  if (c.subcommands === undefined) return `    ${c.name}) words="${words(c.flags)}" ;;`;
  const subs = c.subcommands.map((s) => `        ${s.name}) words="${words(s.flags)}" ;;`).join('\n');
  return [
    `    ${c.name})`,
    `      if [ "$COMP_CWORD" -eq 2 ]; then words="${words([...c.subcommands.map((s) => s.name), ...c.flags])}"; subs=1`,
    '      else case "${COMP_WORDS[2]}" in',
    subs,
    '      esac; fi ;;',
  ].join('\n');
}

/** The bash completion script for these verbs. */
export function bashCompletion(commands: readonly Command[]): string {
  return `# bash completion for omadm (omadm completion bash)
_omadm() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" words="" subs=0
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${words(commands.map((c) => c.name))} --help --version" -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${commands.map((c) => caseArm(c, commands)).join('\n')}
  esac
  if [[ "$cur" == -* || "$subs" -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _omadm omadm
`;
}

export default defineVerb({
  summary: 'Print a shell completion script',
  command: () =>
    verbCommand('completion', `Prints a completion script for SHELL (bash) that completes omadm's commands, sub-commands and options. Load it with: eval "$(omadm completion bash)"`)
      .usage('SHELL')
      .argument('<SHELL>', 'bash', choiceParser('SHELL', ['bash'] as const)),
  epilogue: 'Exit status: 0 printed; 2 usage error (a shell other than bash).',
  async run(_args, _options, io) {
    // Loaded on use: the registry lists this module.
    const { commands } = await import('../registry.js');
    io.stdout(bashCompletion(commands));
    return ExitCode.ok;
  },
});
