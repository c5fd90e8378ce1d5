import { Argument } from 'commander';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { examples } from '../help-examples.js';

/** Git integration: hooks, the diff and merge drivers for encrypted files, init, completion. */
export function registerGitCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('install')
    .description('install the pre-commit hook (chains an existing hook), or the diff/merge drivers for encrypted files')
    .argument('[paths...]', 'with --git-drivers: files, folders or gitattributes patterns to route to the drivers')
    .option('--pre-push', 'install the pre-push hook instead')
    .option('--git-drivers', 'register the diff and merge drivers and write .gitattributes for the .sops.yaml paths')
    .option('--uninstall', 'remove the hook (or with --git-drivers the drivers) and restore what was there')
    .addHelpText(
      'after',
      examples(
        ['sealguard install', 'pre-commit hook: scan what each commit adds'],
        ['sealguard install --pre-push', 'pre-push hook: scan the commits being pushed'],
        ['sealguard install --git-drivers', 'readable git diff/merge for the files .sops.yaml covers'],
        ['sealguard install --git-drivers secrets/ config/prod.yaml', 'the same for the paths you name'],
        ['sealguard install --uninstall --git-drivers', 'remove the drivers and their .gitattributes block'],
      ),
    )
    .action(async (paths: string[], opts) => {
      const { runInstall } = await import('../commands/install.js');
      setExit(await runInstall(opts, io, paths));
    });

  program
    .command('init')
    .description('set up a repository in one step: age key (if none), .sops.yaml, pre-commit hook, git drivers')
    .argument('[paths...]', 'folders or files to encrypt (default: secrets/)')
    .addHelpText(
      'after',
      examples(
        ['sealguard init', 'key, .sops.yaml for secrets/, hook and drivers; safe to run again'],
        ['sealguard init config/prod.yaml vault/', 'encrypt these paths instead of secrets/'],
      ),
    )
    .action(async (paths: string[]) => {
      const { runInit } = await import('../commands/init.js');
      setExit(await runInit(paths, io));
    });

  program
    .command('textconv', { hidden: true })
    .description('print an encrypted file decrypted, or unchanged without a key (git diff driver)')
    .argument('<file>')
    .addHelpText('after', examples(['git config diff.sealguard.textconv', 'git runs it as: sealguard textconv FILE']))
    .action(async (file: string) => {
      const { runTextconv } = await import('../commands/textconv.js');
      setExit(await runTextconv(file, io));
    });

  program
    .command('merge-driver', { hidden: true })
    .description('merge three versions of an encrypted file key by key (git merge driver: %O %A %B %P)')
    .argument('<base>', 'the common ancestor (%O)')
    .argument('<ours>', 'our version, replaced by the merge (%A)')
    .argument('<theirs>', 'their version (%B)')
    .argument('[path]', 'the path in the repository (%P)')
    .option('--show-values', 'show conflicting values in clear (also SEALGUARD_SHOW_CONFLICT_VALUES=1)')
    .addHelpText(
      'after',
      examples(
        ['git config merge.sealguard.driver', 'git runs it as: sealguard merge-driver %O %A %B %P'],
        ['SEALGUARD_SHOW_CONFLICT_VALUES=1 git merge feature', 'show conflicting values in clear'],
      ),
    )
    .action(async (base: string, ours: string, theirs: string, file: string | undefined, opts) => {
      const { runMergeDriver } = await import('../commands/merge-driver.js');
      setExit(await runMergeDriver(base, ours, theirs, file, opts, io));
    });

  program
    .command('completion')
    .description('print a shell completion script')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      examples(
        ['source <(sealguard completion bash)', 'bash: add to ~/.bashrc'],
        ['source <(sealguard completion zsh)', 'zsh: add to ~/.zshrc'],
        ['sealguard completion fish | source', 'fish: add to config.fish'],
      ),
    )
    .action(async (shell: string) => {
      const { runCompletion } = await import('../commands/completion.js');
      setExit(runCompletion(program, shell, io));
    });
}
