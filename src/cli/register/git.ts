import type { Command } from 'commander';
import type { Io } from '../io.js';

/** Git integration: hooks (and later drivers and init). */
export function registerGitCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('install')
    .description('install the pre-commit hook into this repository (chains an existing hook)')
    .option('--pre-push', 'install the pre-push hook instead')
    .option('--uninstall', 'remove the hook and restore what was there')
    .action(async (opts) => {
      const { runInstall } = await import('../commands/install.js');
      setExit(await runInstall(opts, io));
    });
}
