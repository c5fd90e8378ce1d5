import { Option } from 'commander';
import { intOption } from '../options.js';
import type { Command } from 'commander';
import type { Io } from '../io.js';
import { examples } from '../help-examples.js';

/** The scanner: scan and rules. */
export function registerScanCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('scan')
    .description('scan files, folders, stdin or the staged change for secrets')
    .argument('[paths...]', 'files and folders to scan (default: .)')
    .option('--staged', 'scan only the lines the staged change adds (pre-commit)')
    .option('--stdin', 'scan standard input')
    .option('--stdin-name <name>', 'file name to report for stdin', 'stdin')
    .option('--range <commits>', 'scan the lines added by these commits (git log syntax: main..HEAD)')
    .option('--all-history', 'scan every commit of every ref')
    .option('--since <date>', 'only commits newer than this (with --range, --all-history, or HEAD)')
    .option('--pre-push', 'scan the commits being pushed (reads the refs git gives a pre-push hook)')
    .option('--threads <n>', 'threads for history and folder scans (default: CPU cores for folders, one less for history, where git log needs one; at most 4; 1: no workers)', intOption('--threads'))
    .option('-c, --config <file>', 'scan config (default: .sealguard.yaml at the root, else .gitleaks.toml)')
    .addOption(new Option('-f, --report-format <format>', 'report format').choices(['text', 'json', 'sarif', 'junit', 'csv']).default('text'))
    .option('-r, --report-path <file>', 'write the report to a file instead of stdout')
    .option('--baseline <file>', 'report only findings not in this baseline (see sealguard baseline)')
    .option('--no-redact', 'show secrets in full in the report')
    .option('--exit-code <n>', 'exit status when secrets are found', intOption('--exit-code'), 1)
    .option('--max-target-megabytes <n>', 'skip files larger than this', intOption('--max-target-megabytes'), 10)
    .option('--max-decode-depth <n>', 'layers of base64/hex/percent encoding to decode and scan (0: none)', intOption('--max-decode-depth'), 2)
    .option('-v, --verbose', 'list skipped files and show details of errors')
    .addHelpText(
      'after',
      examples(
        ['sealguard scan', 'the current folder (.gitignore honoured)'],
        ['sealguard scan --staged', 'what the next commit adds (the pre-commit hook)'],
        ['sealguard scan --range origin/main..HEAD -f sarif -r leaks.sarif', 'commits, as a SARIF report for code scanning'],
        ['sealguard scan --all-history --baseline .sealguard-baseline.json', 'every commit; only findings not accepted yet'],
        ['cat app.log | sealguard scan --stdin --stdin-name app.log', 'standard input'],
      ),
    )
    .action(async (paths: string[], opts) => {
      const flags = { ...opts, paths };
      // A history scan's git starts while the scanner's modules load (~45 ms; git's log is most of
      // the scan's time), and runScan awaits it, errors and all. Usually the bin script has started
      // that git already (src/cli/prestart.ts), and this start takes it over. Its own small module is loaded
      // first, alone: loaded beside the scanner's, it was ready ~40 ms later.
      const start = await import('../commands/history-start.js');
      const history = start.isHistoryScan(flags) ? start.startHistoryScan(flags, io) : undefined;
      // Observed by runScan; this keeps a failure from being reported as unhandled meanwhile.
      history?.catch(() => undefined);
      const { runScan } = await import('../commands/scan.js');
      setExit(await runScan(flags, io, history));
    });

  program
    .command('baseline')
    .description('accept the current findings: write them (fingerprints and secret hashes only) to a baseline file')
    .argument('[paths...]', 'files and folders to scan (default: .)')
    .option('--update', 'rewrite an existing baseline from the current findings (without it an existing file is left alone)')
    .option('-o, --output <file>', 'baseline file to write', '.sealguard-baseline.json')
    .option('-c, --config <file>', 'scan config (default: .sealguard.yaml at the root)')
    .option('--max-target-megabytes <n>', 'skip files larger than this', intOption('--max-target-megabytes'), 10)
    .addHelpText(
      'after',
      [
        '',
        'The baseline holds one entry per accepted finding: its fingerprint (file:rule-id:hash) and the',
        'SHA-256 of the secret; never the secret, line numbers or dates, and entries are sorted, so',
        'rerunning on an unchanged tree gives the same bytes. An existing baseline is never replaced',
        'without --update (exit 2). Then `sealguard scan --baseline .sealguard-baseline.json` reports',
        'only findings that are not in it. Run both from the same folder: fingerprints hold paths',
        'relative to it.',
      ].join('\n'),
    )
    .addHelpText(
      'after',
      examples(
        ['sealguard baseline', 'accept today\'s findings in .sealguard-baseline.json'],
        ['sealguard baseline --update', 'rewrite it after fixing or accepting more'],
      ),
    )
    .action(async (paths: string[], opts) => {
      const { runBaseline } = await import('../commands/baseline.js');
      setExit(await runBaseline({ ...opts, paths }, io));
    });

  const rules = program.command('rules').description('list the rules, or run their examples');
  rules
    .command('list')
    .description('list the active rules')
    .option('-c, --config <file>', 'scan config')
    .addHelpText(
      'after',
      examples(
        ['sealguard rules list', 'every active rule'],
        ['sealguard rules list -c .sealguard.yaml', 'with your config\'s rules and disabled rules'],
      ),
    )
    .action(async (opts) => {
      const { runRulesList } = await import('../commands/rules.js');
      setExit(await runRulesList(opts, io));
    });
  rules
    .command('test')
    .description("run every rule's own match/noMatch examples")
    .option('-c, --config <file>', 'scan config')
    .addHelpText(
      'after',
      examples(
        ['sealguard rules test', 'run each rule\'s match/noMatch examples'],
        ['sealguard rules test -c .sealguard.yaml', 'including the rules in your config'],
      ),
    )
    .action(async (opts) => {
      const { runRulesTest } = await import('../commands/rules.js');
      setExit(await runRulesTest(opts, io));
    });
}
