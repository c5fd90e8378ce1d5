import { Option } from 'commander';
import { collectList, intOption } from '../options.js';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { examples } from '../help-examples.js';
import { registerSopsEditingCommands } from './sops-editing.js';

/** The sops half: encrypt, decrypt, filestatus, keygen and the editing commands. */
export function registerSopsCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const sopsTypes = ['yaml', 'json', 'dotenv', 'ini', 'binary'];
  const withFormatOptions = (cmd: Command) =>
    cmd
      .addOption(new Option('--input-type <type>', 'input format (default: from the extension)').choices(sopsTypes))
      .addOption(new Option('--output-type <type>', 'output format (default: the input format)').choices(sopsTypes))
      .option('-i, --in-place', 'write the result back to the file (atomically)')
      .option('--output <file>', 'write the result to this file')
      .option('--config <file>', '.sops.yaml to use instead of searching from the file');

  withFormatOptions(
    program
      .command('encrypt')
      .description('encrypt a file with the keys of the matching .sops.yaml creation rule or the given keys')
      .argument('<file>')
      .option('--age <recipients>', 'age recipients (repeatable, comma-separated)', collectList)
      .option('--pgp <fingerprints>', 'PGP fingerprints (repeatable, comma-separated)', collectList)
      .option('-k, --kms <arns>', 'AWS KMS key ARNs (repeatable, comma-separated; ARN+ROLE_ARN assumes that role)', collectList)
      .option('--aws-profile <name>', 'AWS profile for the --kms keys')
      .option('--encryption-context <pairs>', 'KMS encryption context for the --kms keys, as key:value,key2:value2')
      .option('--shamir-secret-sharing-threshold <n>', 'number of key groups needed to decrypt', intOption('--shamir-secret-sharing-threshold'))
      .option('--encrypted-regex <re>', 'encrypt only values whose key matches')
      .option('--unencrypted-regex <re>', 'leave values whose key matches unencrypted')
      .option('--encrypted-suffix <s>', 'encrypt only values whose key ends with this')
      .option('--unencrypted-suffix <s>', 'leave values whose key ends with this unencrypted')
      .option('--encrypted-comment-regex <re>', 'encrypt only comments that match')
      .option('--unencrypted-comment-regex <re>', 'leave comments that match unencrypted')
      .option('--mac-only-encrypted', 'compute the MAC over encrypted values only'),
  )
  .addHelpText(
    'after',
    examples(
      ['sealguard encrypt -i secrets/prod.yaml', 'in place, keys from the matching .sops.yaml rule'],
      ['sealguard encrypt --age age1… app.json > app.enc.json', 'for an age recipient, to stdout'],
      ['sealguard encrypt -i --encrypted-regex \'^(password|token)$\' f.yaml', 'encrypt only these keys\' values'],
    ),
  ).action(async (file: string, opts) => {
    const { runEncrypt } = await import('../commands/sops.js');
    setExit(await runEncrypt(file, opts, io));
  });

  withFormatOptions(
    program
      .command('decrypt')
      .description('decrypt a file (the MAC is verified before anything is written)')
      .argument('<file>')
      .option('--extract <path>', `print one value, e.g. '["db"]["hosts"][0]'`)
      .option('--ignore-mac', 'decrypt even when the MAC does not match'),
  )
  .addHelpText(
    'after',
    examples(
      ['sealguard decrypt secrets/prod.yaml', 'print the plaintext (MAC verified first)'],
      ['sealguard decrypt --extract \'["db"]["password"]\' secrets/prod.yaml', 'print one value'],
      ['sealguard decrypt --output-type json secrets/prod.yaml', 'print it as JSON'],
    ),
  ).action(async (file: string, opts) => {
    const { runDecrypt } = await import('../commands/sops.js');
    setExit(await runDecrypt(file, opts, io));
  });

  program
    .command('filestatus')
    .description('print {"encrypted": true|false} for a file')
    .argument('<file>')
    .addOption(new Option('--input-type <type>', 'input format').choices(sopsTypes))
    .addHelpText(
      'after',
      examples(
        ['sealguard filestatus secrets/prod.yaml', '{"encrypted":true} or {"encrypted":false}'],
      ),
    )
    .action(async (file: string, opts) => {
      const { runFileStatus } = await import('../commands/sops.js');
      setExit(await runFileStatus(file, opts, io));
    });

  program
    .command('keygen')
    .description('create an age identity in the sops default key file and print its recipient')
    .option('-o, --output <file>', 'key file (default: $SOPS_AGE_KEY_FILE or ~/.config/sops/age/keys.txt)')
    .addHelpText(
      'after',
      examples(
        ['sealguard keygen', 'new identity in the sops key file; prints the recipient'],
        ['sealguard keygen -o ci-key.txt', 'into another file (mode 0600)'],
      ),
    )
    .action(async (opts) => {
      const { runKeygen } = await import('../commands/sops.js');
      setExit(await runKeygen(opts, io));
    });

  registerSopsEditingCommands(program, io, setExit);
}
