/**
 * The text of the hook scripts `sealguard install` writes. Pure: the installer decides where they go.
 * POSIX sh only, since git runs hooks with sh on every platform (Git for Windows ships one).
 */

export type HookKind = 'pre-commit' | 'pre-push';

/** Marks a hook as ours: only a hook carrying this line is ever overwritten or removed. */
export const HOOK_MARKER = '# sealguard-managed-hook';
export const CHAINED_SUFFIX = '.sealguard-chained';

const SCAN_ARGS: Readonly<Record<HookKind, string>> = {
  'pre-commit': 'scan --staged',
  'pre-push': 'scan --pre-push "$@"',
};

/** Single-quote a word for sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Split a command line the way sh would for plain words, single and double quotes and backslash
 * escapes. Returns undefined when it uses anything else (variables, substitutions, operators), in
 * which case the caller keeps the string as written.
 */
export function splitShellWords(command: string): string[] | undefined {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else if (c === "'") {
      const end = command.indexOf("'", i + 1);
      if (end < 0) return undefined;
      cur += command.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < command.length && command[j] !== '"'; j++) {
        const d = command[j];
        if (d === '$' || d === '`') return undefined;
        if (d === '\\' && j + 1 < command.length && '"\\$`'.includes(command[j + 1])) j++;
        cur += command[j];
      }
      if (j >= command.length) return undefined;
      i = j;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      cur += command[++i];
      inWord = true;
    } else if ('$`;&|<>(){}*?[]~#!\n'.includes(c)) {
      return undefined;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words.length > 0 ? words : undefined;
}

/** How the hook starts sealguard: the given command while its files exist, then PATH, then npx. */
function launchLines(kind: HookKind, command: string | readonly string[] | undefined, pipeInput: boolean): string[] {
  const scan = SCAN_ARGS[kind];
  const run = (cmd: string): string => (pipeInput ? `printf '%s' "$input" | ${cmd} ${scan}; exit $?` : `exec ${cmd} ${scan}`);
  const lines: string[] = [];
  const words = typeof command === 'string' ? splitShellWords(command) : command;
  if (words && words.length > 0) {
    const checks = words.filter((w) => w.startsWith('/')).map((w) => `[ -e ${shellQuote(w)} ]`);
    const cmd = words.map(shellQuote).join(' ');
    if (checks.length > 0) {
      lines.push('# The sealguard that installed this hook, while it is still there.');
      lines.push(`if ${checks.join(' && ')}; then`, `  ${run(cmd)}`, 'fi');
    } else {
      lines.push(run(cmd));
      return lines;
    }
  } else if (typeof command === 'string' && command.trim() !== '') {
    lines.push(run(command.trim()));
    return lines;
  }
  lines.push('if command -v sealguard >/dev/null 2>&1; then', `  ${run('sealguard')}`, 'fi');
  lines.push(run('npx --no-install sealguard'));
  return lines;
}

/** The full hook script. An existing hook kept at `<hook>.sealguard-chained` runs first; its failure stops git. */
export function renderHook(kind: HookKind, command?: string | readonly string[]): string {
  // pre-push hooks read the refs being pushed from stdin; both hooks must see the same input.
  const pipeInput = kind === 'pre-push';
  const lines = [
    '#!/bin/sh',
    `${HOOK_MARKER} (${kind}): written by \`sealguard install\`; \`sealguard install --uninstall\` removes it.`,
    `chained="$(dirname "$0")/${kind}${CHAINED_SUFFIX}"`,
  ];
  if (pipeInput) {
    // The trailing x keeps trailing newlines that $(...) would strip.
    lines.push('input=$(cat; printf x)', 'input=${input%x}');
    lines.push('if [ -x "$chained" ]; then', `  printf '%s' "$input" | "$chained" "$@" || exit $?`, 'fi');
  } else {
    lines.push('if [ -x "$chained" ]; then', '  "$chained" "$@" || exit $?', 'fi');
  }
  lines.push(...launchLines(kind, command, pipeInput));
  return lines.join('\n') + '\n';
}

export function isSealguardHook(content: string): boolean {
  return content.split('\n').some((l) => l.startsWith(HOOK_MARKER));
}
