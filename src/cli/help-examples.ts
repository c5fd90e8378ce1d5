/**
 * The "Examples:" block at the end of a command's help (`sealguard help COMMAND`), one
 * `$ sealguard …` line each with what it does; shell completion and the tests read no other list.
 */
export function examples(...items: readonly (readonly [command: string, what: string])[]): string {
  const width = Math.min(48, Math.max(...items.map(([c]) => c.length)));
  const lines = items.map(([command, what]) =>
    command.length > width ? `  $ ${command}\n  ${' '.repeat(width + 2)}  # ${what}` : `  $ ${command.padEnd(width)}  # ${what}`,
  );
  return ['', 'Examples:', ...lines].join('\n');
}
