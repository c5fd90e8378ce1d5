import { canSpool, prestartSpooledGit } from '../git/spool.js';
import { toplevelSync } from '../git/run.js';
import { guessToplevel } from '../git/toplevel.js';
import { historyLogArgs, historySelection, SEGMENT_COMMITS, type HistoryRequest } from '../scan/sources/history-args.js';

/**
 * The CLI's head start for history scans, run by the bin script before it loads the CLI: for
 * `scan --all-history` or `scan --range R`, the first `git log` starts right away instead of after
 * the argument parser, the scanner's modules and the git version check (measured: about 60 ms
 * sooner, while git's log is most of such a scan's time).
 *
 * It is a guess that the scan then confirms: the scan asks for its log as always, and takes over
 * this git only when it asks for exactly the same command in the same folder (see
 * prestartSpooledGit); otherwise this one is stopped. So the guess may be naive (it assumes a git
 * with --diff-merges=remerge, the modern case) and it never reports anything: errors, usage
 * mistakes and old gits all take the usual path.
 */
export function prestart(argv: readonly string[], cwd: string = process.cwd()): void {
  try {
    const req = historyRequestOf(argv);
    if (req === undefined || !canSpool()) return;
    const sel = historySelection(req);
    const root = guessToplevel(cwd) ?? toplevelSync(cwd);
    if (root === undefined) return;
    prestartSpooledGit(historyLogArgs(sel, { remerge: true, maxCount: SEGMENT_COMMITS }), { cwd: root });
  } catch {
    // Nothing started; the scan starts its own git and reports any problem.
  }
}

/** `scan` options that take a value (a value may look like anything, so it is stepped over). */
const VALUE_OPTIONS = new Set(['--stdin-name', '--range', '--since', '--threads', '-c', '--config', '-f', '--report-format', '-r', '--report-path', '--baseline', '--exit-code', '--max-target-megabytes', '--max-decode-depth']);
/** Flags that change nothing about the log. */
const PLAIN_FLAGS = new Set(['--all-history', '--no-redact', '-v', '--verbose']);

/**
 * The commits a `scan` command line asks for, when it is plainly a history scan of `--all-history`
 * or `--range` (with or without `--since`); undefined for anything else or anything unusual.
 */
export function historyRequestOf(argv: readonly string[]): HistoryRequest | undefined {
  if (argv[0] !== 'scan') return undefined;
  let range: string | undefined;
  let since: string | undefined;
  let allHistory = false;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_OPTIONS.has(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) return undefined;
      if (name === '--range') range = value;
      if (name === '--since') since = value;
    } else if (PLAIN_FLAGS.has(arg)) {
      if (arg === '--all-history') allHistory = true;
    } else {
      // Paths, --help, --staged, --pre-push (stdin), `--`, unknown options: not a guess worth making.
      return undefined;
    }
  }
  if (allHistory === (range !== undefined)) return undefined;
  return { ...(range === undefined ? {} : { range }), ...(since === undefined ? {} : { since }), ...(allHistory ? { allHistory } : {}) };
}
