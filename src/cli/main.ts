import { Command, CommanderError, Option } from 'commander';
import { SealguardError } from '../shared/errors.js';
import { processIo, reportError, type Io } from './io.js';
import { VERSION } from './version.js';

/** Collects a repeatable and/or comma-separated option into a flat list. */
function collectList(value: string, previous: string[] = []): string[] {
  return previous.concat(value.split(',').map((v) => v.trim()).filter((v) => v !== ''));
}

function intOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new SealguardError('USAGE', `${name} takes a whole number, got '${value}'`);
    return n;
  };
}

/**
 * Builds the command tree. Command modules are imported lazily so `sealguard scan --staged` loads
 * only the scanner (the pre-commit hook's latency is the product's first impression).
 */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('sealguard')
    .description('Keep secrets out of git; keep the secrets that must live in git encrypted (SOPS-compatible).')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run sealguard help COMMAND for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('scan')
    .description('scan files, folders, stdin or the staged change for secrets')
    .argument('[paths...]', 'files and folders to scan (default: .)')
    .option('--staged', 'scan only the lines the staged change adds (pre-commit)')
    .option('--stdin', 'scan standard input')
    .option('--stdin-name <name>', 'file name to report for stdin', 'stdin')
    .option('-c, --config <file>', 'scan config (default: .sealguard.yaml at the root)')
    .addOption(new Option('-f, --report-format <format>', 'report format').choices(['text', 'json', 'sarif']).default('text'))
    .option('-r, --report-path <file>', 'write the report to a file instead of stdout')
    .option('--no-redact', 'show secrets in full in the report')
    .option('--exit-code <n>', 'exit status when secrets are found', intOption('--exit-code'), 1)
    .option('--max-target-megabytes <n>', 'skip files larger than this', intOption('--max-target-megabytes'), 10)
    .option('-v, --verbose', 'list skipped files and show details of errors')
    .action(async (paths: string[], opts) => {
      const { runScan } = await import('./commands/scan.js');
      setExit(await runScan({ ...opts, paths }, io));
    });

  program
    .command('install')
    .description('install the pre-commit hook into this repository (chains an existing hook)')
    .option('--pre-push', 'install the pre-push hook instead')
    .option('--uninstall', 'remove the hook and restore what was there')
    .action(async (opts) => {
      const { runInstall } = await import('./commands/install.js');
      setExit(await runInstall(opts, io));
    });

  const rules = program.command('rules').description('list the rules, or run their examples');
  rules
    .command('list')
    .description('list the active rules')
    .option('-c, --config <file>', 'scan config')
    .action(async (opts) => {
      const { runRulesList } = await import('./commands/rules.js');
      setExit(await runRulesList(opts, io));
    });
  rules
    .command('test')
    .description("run every rule's own match/noMatch examples")
    .option('-c, --config <file>', 'scan config')
    .action(async (opts) => {
      const { runRulesTest } = await import('./commands/rules.js');
      setExit(await runRulesTest(opts, io));
    });

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
      .option('--encrypted-regex <re>', 'encrypt only values whose key matches')
      .option('--unencrypted-regex <re>', 'leave values whose key matches unencrypted')
      .option('--encrypted-suffix <s>', 'encrypt only values whose key ends with this')
      .option('--unencrypted-suffix <s>', 'leave values whose key ends with this unencrypted')
      .option('--encrypted-comment-regex <re>', 'encrypt only comments that match')
      .option('--unencrypted-comment-regex <re>', 'leave comments that match unencrypted')
      .option('--mac-only-encrypted', 'compute the MAC over encrypted values only'),
  ).action(async (file: string, opts) => {
    const { runEncrypt } = await import('./commands/sops.js');
    setExit(await runEncrypt(file, opts, io));
  });

  withFormatOptions(
    program
      .command('decrypt')
      .description('decrypt a file (the MAC is verified before anything is written)')
      .argument('<file>')
      .option('--extract <path>', `print one value, e.g. '["db"]["hosts"][0]'`)
      .option('--ignore-mac', 'decrypt even when the MAC does not match'),
  ).action(async (file: string, opts) => {
    const { runDecrypt } = await import('./commands/sops.js');
    setExit(await runDecrypt(file, opts, io));
  });

  program
    .command('filestatus')
    .description('print {"encrypted": true|false} for a file')
    .argument('<file>')
    .addOption(new Option('--input-type <type>', 'input format').choices(sopsTypes))
    .action(async (file: string, opts) => {
      const { runFileStatus } = await import('./commands/sops.js');
      setExit(await runFileStatus(file, opts, io));
    });

  program
    .command('keygen')
    .description('create an age identity in the sops default key file and print its recipient')
    .option('-o, --output <file>', 'key file (default: $SOPS_AGE_KEY_FILE or ~/.config/sops/age/keys.txt)')
    .action(async (opts) => {
      const { runKeygen } = await import('./commands/sops.js');
      setExit(await runKeygen(opts, io));
    });

  return program;
}

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every usage problem is exit 2 (commander already printed one line).
      return e.exitCode === 0 ? 0 : 2;
    }
    return reportError(e, io, verbose);
  }
}

/** Entry point of bin/sealguard.js. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.exitCode = reportError(e, processIo(), false);
    },
  );
}
