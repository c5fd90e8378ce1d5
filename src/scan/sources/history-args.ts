import { SealguardError, ExitCode } from '../../shared/errors.js';
import { LOG_FORMAT } from './log-format.js';

/**
 * Which commits a history scan reads and the `git log` that reads them: plain data, kept apart
 * from the log's parser so that the CLI can start git before it loads anything else.
 */

/** Which commits a history scan reads, as git takes them. */
export interface HistorySelection {
  /** Revisions for `git log`/`git rev-list`: `A..B`, `--all`, shas, `^sha`, `--not`, `--remotes`. */
  readonly revs: readonly string[];
  /** Only commits newer than this (anything git's --since accepts: `2024-01-31`, `2 weeks ago`). */
  readonly since?: string;
}

export interface HistoryRequest {
  readonly range?: string;
  readonly allHistory?: boolean;
  readonly since?: string;
}

/** The selection for `--range`, `--all-history` and `--since` (alone: the history of HEAD). */
export function historySelection(req: HistoryRequest): HistorySelection {
  if (req.range !== undefined && req.allHistory) {
    throw new SealguardError('USAGE', 'choose one of --range and --all-history', { exitCode: ExitCode.usage });
  }
  if (req.range !== undefined && (req.range.trim() === '' || req.range.startsWith('-'))) {
    throw new SealguardError('USAGE', `--range takes commits like main..HEAD, got '${req.range}'`, { exitCode: ExitCode.usage });
  }
  if (req.since !== undefined && req.since.trim() === '') {
    throw new SealguardError('USAGE', '--since takes a date like 2024-01-31 or "2 weeks ago"', { exitCode: ExitCode.usage });
  }
  const revs = req.allHistory ? ['--all'] : [req.range ?? 'HEAD'];
  return { revs, ...(req.since === undefined ? {} : { since: req.since }) };
}

function sinceArgs(sel: HistorySelection): string[] {
  return sel.since === undefined ? [] : [`--since=${sel.since}`];
}

/**
 * `git log -p` with zero context and every option user config could change pinned: prefixes, colour,
 * external diff and textconv drivers (a sops textconv driver would feed decrypted secrets to the
 * scanner), signatures and submodule logs (both print lines into the patch). Merge commits:
 * gitleaks reads plain `git log -p`, where a merge shows no diff, so content that only a merge
 * introduced (an "evil merge" or a conflict resolution) is never scanned. With `remerge`, git
 * re-does each merge and shows what the committed merge differs from that: only what the merge
 * itself added, never the branches' commits a second time.
 */
export function historyLogArgs(sel: HistorySelection, opts: { remerge: boolean; skip?: number; maxCount?: number }): string[] {
  return [
    'log',
    '-p',
    '-U0',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--no-show-signature',
    '--submodule=short',
    '-M',
    '--src-prefix=a/',
    '--dst-prefix=b/',
    LOG_FORMAT,
    ...(opts.remerge ? ['--diff-merges=remerge'] : []),
    ...(opts.skip ? [`--skip=${opts.skip}`] : []),
    ...(opts.maxCount === undefined ? [] : [`--max-count=${opts.maxCount}`]),
    ...sinceArgs(sel),
    ...sel.revs,
    '--',
  ];
}

export function commitCountArgs(sel: HistorySelection): string[] {
  return ['rev-list', '--count', ...sinceArgs(sel), ...sel.revs, '--'];
}

/**
 * Commits per `git log` run when the log is spooled to a temporary file: bounds that file (the
 * benchmark's history averages 16 KB of `log -p -U0` per commit, so about 80 MB). The next run
 * skips the commits already read (`--skip` walks them without diffing them).
 */
export const SEGMENT_COMMITS = 5000;
