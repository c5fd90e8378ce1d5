import { Option } from 'commander';
import { collectList } from '../options.js';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { examples } from '../help-examples.js';

const SOPS_TYPES = ['yaml', 'json', 'dotenv', 'ini', 'binary'];

const inputType = () => new Option('--input-type <type>', 'input format (default: from the extension)').choices(SOPS_TYPES);
const outputType = () => new Option('--output-type <type>', 'output format (default: the input format)').choices(SOPS_TYPES);

const EDIT_HELP = `
The file is decrypted into a private temporary copy (mode 0600, in a fresh 0700 folder under
$TMPDIR, same file name so the editor highlights it) and opened in $SOPS_EDITOR, else $EDITOR,
else vim, nano or vi. For code, subl, zed and similar GUI editors --wait is added.

When the editor exits with status 0 and the content changed, the file is encrypted again with the
same data key: values you did not change keep their exact ciphertext, so the git diff shows only
your changes (plus the mac and lastmodified lines).
  - content unchanged: nothing is written, exit 200 ("File has not changed, exiting.")
  - invalid YAML/JSON: the error is shown and the editor reopens on your text; to give up, quit the
    editor without saving (the still-invalid text is then discarded, exit 4) or make it exit
    non-zero (e.g. :cq in vim); without a terminal it gives up after 5 tries
  - editor exits non-zero: nothing is written, exit 201
  - no editor found: exit 201
The temporary copy is removed on every exit, Ctrl-C and SIGTERM included.

A file that does not exist is created from an example document, encrypted with the keys of the
matching .sops.yaml creation rule or those given with --age/--pgp/--kms.`;

const SET_HELP = `
VALUE is JSON: '"a string"', 42, 1.5, true, null, '{"k": "v"}' or '[1, 2]'. Missing keys on the
path are created; an index at or past the end of a list appends. The file is rewritten in place;
other values keep their ciphertext. Use --value-file or --value-stdin to keep a secret out of the
process list and shell history.

Examples:
  $ sealguard set secrets.yaml '["db"]["password"]' '"s3cret"'
  $ printf '"s3cret"' | sealguard set secrets.yaml '["db"]["password"]' --value-stdin`;

/** edit, set, unset, rotate, updatekeys, exec-env, exec-file, explain. */
export function registerSopsEditingCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('edit')
    .description('edit an encrypted file in $SOPS_EDITOR/$EDITOR; unchanged values keep their ciphertext')
    .argument('<file>')
    .addOption(inputType())
    .option('--ignore-mac', 'open the file even when its MAC does not match')
    .option('--config <file>', '.sops.yaml to use instead of searching from the file (new files)')
    .option('--age <recipients>', 'age recipients for a new file (repeatable, comma-separated)', collectList)
    .option('--pgp <fingerprints>', 'PGP fingerprints for a new file (repeatable, comma-separated)', collectList)
    .option('--kms <arns>', 'AWS KMS key ARNs for a new file (repeatable, comma-separated)', collectList)
    .addHelpText('after', EDIT_HELP)
    .addHelpText(
      'after',
      examples(
        ['sealguard edit secrets/prod.yaml', 'decrypt to a private temp copy, edit, re-encrypt'],
        ['EDITOR=\'code --wait\' sealguard edit secrets/new.yaml', 'a new file starts from an example'],
      ),
    )
    .action(async (file: string, opts) => {
      const { runEdit } = await import('../commands/sops-edit.js');
      setExit(await runEdit(file, opts, io));
    });

  program
    .command('set')
    .description('set one value of an encrypted file in place: set FILE \'["a"]["b"]\' VALUE (VALUE is JSON)')
    .argument('<file>')
    .argument('<path>', `tree path, e.g. '["db"]["hosts"][0]'`)
    .argument('[value]', 'JSON value (or use --value-file / --value-stdin)')
    .option('--value-file <file>', 'read the JSON value from this file')
    .option('--value-stdin', 'read the JSON value from standard input')
    .option('--idempotent', 'do not rewrite the file (exit 0) when the value is already set')
    .option('--ignore-mac', 'open the file even when its MAC does not match')
    .addOption(inputType())
    .addHelpText('after', SET_HELP)
    .action(async (file: string, treePath: string, value: string | undefined, opts) => {
      const { runSet } = await import('../commands/sops-set.js');
      setExit(await runSet(file, treePath, value, opts, io));
    });

  program
    .command('unset')
    .description('remove one key or list item of an encrypted file in place: unset FILE \'["a"]["b"]\'')
    .argument('<file>')
    .argument('<path>', `tree path, e.g. '["db"]["password"]'`)
    .option('--idempotent', 'succeed without writing when there is no value at the path')
    .option('--ignore-mac', 'open the file even when its MAC does not match')
    .addOption(inputType())
    .addHelpText(
      'after',
      examples(
        ['sealguard unset secrets/prod.yaml \'["db"]["password"]\'', 'remove one key'],
        ['sealguard unset --idempotent secrets/prod.yaml \'["hosts"][2]\'', 'remove a list item; fine if already gone'],
      ),
    )
    .action(async (file: string, treePath: string, opts) => {
      const { runUnset } = await import('../commands/sops-set.js');
      setExit(await runUnset(file, treePath, opts, io));
    });

  program
    .command('rotate')
    .description('re-encrypt a file under a new data key, optionally adding or removing recipients')
    .argument('<file>')
    .option('-i, --in-place', 'write the result back to the file (atomically)')
    .option('--output <file>', 'write the result to this file')
    .option('--add-age <recipients>', 'add age recipients (repeatable, comma-separated)', collectList)
    .option('--rm-age <recipients>', 'remove age recipients (repeatable, comma-separated)', collectList)
    .option('--add-pgp <fingerprints>', 'add PGP fingerprints (repeatable, comma-separated)', collectList)
    .option('--rm-pgp <fingerprints>', 'remove PGP fingerprints (repeatable, comma-separated)', collectList)
    .option('--add-kms <arns>', 'add AWS KMS key ARNs (repeatable, comma-separated)', collectList)
    .option('--rm-kms <arns>', 'remove AWS KMS key ARNs (repeatable, comma-separated)', collectList)
    .option('--ignore-mac', 'open the file even when its MAC does not match')
    .addOption(inputType())
    .addOption(outputType())
    .addHelpText(
      'after',
      examples(
        ['sealguard rotate -i secrets/prod.yaml', 'new data key, same recipients'],
        ['sealguard rotate -i --add-age age1… --rm-pgp FINGERPRINT secrets/prod.yaml', 'new data key and changed recipients'],
      ),
    )
    .action(async (file: string, opts) => {
      const { runRotate } = await import('../commands/sops-keys.js');
      setExit(await runRotate(file, opts, io));
    });

  program
    .command('updatekeys')
    .description('make the recipients of encrypted files those of their .sops.yaml creation rule (same data key)')
    .argument('<files...>')
    .option('-y, --yes', 'apply without asking (required when not on a terminal)')
    .option('--config <file>', '.sops.yaml to use instead of searching from the file')
    .option('--ignore-mac', 'open the file even when its MAC does not match')
    .addOption(inputType())
    .addHelpText(
      'after',
      examples(
        ['sealguard updatekeys secrets/prod.yaml', 'show the recipient changes .sops.yaml asks for, then ask'],
        ['sealguard updatekeys -y secrets/*.yaml', 'apply without asking (CI)'],
      ),
    )
    .action(async (files: string[], opts) => {
      const { runUpdateKeysFiles } = await import('../commands/sops-keys.js');
      setExit(await runUpdateKeysFiles(files, opts, io));
    });

  program
    .command('exec-env')
    .description("run a command with the file's top-level values in its environment: exec-env FILE -- CMD [ARGS…]")
    .argument('<file>')
    .argument('<command...>', "the command: after '--' as separate words, or one string run by /bin/sh as sops does")
    .option('--pristine', 'give the command only the decrypted values, not our environment')
    .option('--ignore-mac', 'decrypt even when the MAC does not match')
    .addOption(inputType())
    .addHelpText('after', '\nNested maps and lists cannot be environment variables: such a file is refused.\nExit status: the command\'s.')
    .addHelpText(
      'after',
      examples(
        ['sealguard exec-env secrets/app.env -- node server.js', 'run with the values as environment variables'],
        ['sealguard exec-env --pristine secrets/app.yaml -- env', 'only the decrypted values'],
      ),
    )
    .action(async (file: string, command: string[], opts) => {
      const { runExecEnv } = await import('../commands/sops-exec.js');
      setExit(await runExecEnv(file, command, opts, io));
    });

  program
    .command('exec-file')
    .description('run a command with the plaintext in a temporary FIFO or file: exec-file FILE -- CMD {}')
    .argument('<file>')
    .argument('<command...>', "the command; {} is replaced by the plaintext's path")
    .option('--no-fifo', 'use a private regular file (0600) instead of a FIFO')
    .option('--filename <name>', 'file name of the FIFO or file (default: tmp-file)')
    .option('--ignore-mac', 'decrypt even when the MAC does not match')
    .addOption(inputType())
    .addOption(outputType())
    .addHelpText('after', '\nThe FIFO or file lives in a private folder that is removed when the command ends.\nExit status: the command\'s.')
    .addHelpText(
      'after',
      examples(
        ['sealguard exec-file secrets/kubeconfig.yaml -- kubectl --kubeconfig {} get pods', 'plaintext through a FIFO'],
        ['sealguard exec-file --no-fifo secrets/app.json -- ./load.sh {}', 'a private temporary file instead'],
      ),
    )
    .action(async (file: string, command: string[], opts) => {
      const { runExecFile } = await import('../commands/sops-exec.js');
      setExit(await runExecFile(file, command, opts, io));
    });

  program
    .command('explain')
    .description('show which .sops.yaml rule applies to a file and why, its keys, and which values get encrypted')
    .argument('<file>')
    .option('--json', 'print the explanation as JSON')
    .option('--config <file>', '.sops.yaml to use instead of searching from the file')
    .addOption(inputType())
    .addHelpText(
      'after',
      examples(
        ['sealguard explain secrets/prod.yaml', 'which rule, which keys, which values get encrypted'],
        ['sealguard explain --json config/app.yaml', 'the same as JSON'],
      ),
    )
    .action(async (file: string, opts) => {
      const { runExplain } = await import('../commands/sops-explain.js');
      setExit(await runExplain(file, opts, io));
    });
}
