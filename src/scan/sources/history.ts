import { SealguardError, ExitCode } from '../../shared/errors.js';
import { execGit, streamGitLineChunks } from '../../git/run.js';
import type { Finding, Fragment } from '../types.js';
import type { SourceContext } from './context.js';
import { LOG_FORMAT, LogParser, isCommitStart } from './history-log.js';

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
export function historyLogArgs(sel: HistorySelection, opts: { remerge: boolean }): string[] {
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
    ...sinceArgs(sel),
    ...sel.revs,
    '--',
  ];
}

export function commitCountArgs(sel: HistorySelection): string[] {
  return ['rev-list', '--count', ...sinceArgs(sel), ...sel.revs, '--'];
}

/** How many commits the selection holds (for progress); same revisions and date as the log. */
export async function countCommits(repoDir: string, sel: HistorySelection): Promise<number> {
  const { stdout } = await execGit(commitCountArgs(sel), { cwd: repoDir });
  const n = Number(stdout.trim());
  return Number.isFinite(n) ? n : 0;
}

let remergeSupport: Promise<boolean> | undefined;

/** `--diff-merges=remerge` needs git 2.36; older gits scan merges as gitleaks does (no diff). */
export function gitSupportsRemerge(repoDir: string): Promise<boolean> {
  remergeSupport ??= execGit(['version'], { cwd: repoDir }).then(
    ({ stdout }) => {
      const m = /(\d+)\.(\d+)/.exec(stdout);
      return m !== null && (Number(m[1]) > 2 || (Number(m[1]) === 2 && Number(m[2]) >= 36));
    },
    () => false,
  );
  return remergeSupport;
}

async function logLineChunks(repoDir: string, sel: HistorySelection): Promise<AsyncGenerator<string[], void, undefined>> {
  const remerge = await gitSupportsRemerge(repoDir);
  return streamGitLineChunks(historyLogArgs(sel, { remerge }), { cwd: repoDir });
}

/**
 * The lines each commit of the selection added, one fragment per file and commit, newest commit
 * first (git log's order). Streams: only the file being read is held in memory.
 */
export async function* historyFragments(repoDir: string, sel: HistorySelection, ctx: SourceContext): AsyncGenerator<Fragment, void, undefined> {
  const parser = new LogParser(ctx);
  for await (const lines of await logLineChunks(repoDir, sel)) {
    for (const line of lines) {
      const f = parser.push(line);
      if (f) yield f;
    }
  }
  const last = parser.end();
  if (last) yield last;
}

/** A piece of the log made of whole files, each preceded by its commit's header. */
export interface LogBatch {
  readonly lines: string[];
  /** Characters of log text in the batch (a cheap stand-in for bytes). */
  readonly chars: number;
  /** Commits that start in this batch (a commit split over batches counts once). */
  readonly commits: number;
}

/**
 * The log cut into batches of about `targetChars`, for scanning batches in parallel. Cuts fall
 * before a commit or before a file (`diff --git`, which with -U0 never starts a content line); a
 * batch that starts inside a commit begins with a copy of that commit's header.
 */
export async function* historyBatches(repoDir: string, sel: HistorySelection, targetChars: number): AsyncGenerator<LogBatch, void, undefined> {
  let lines: string[] = [];
  let chars = 0;
  let commits = 0;
  let header: string[] = [];
  let inHeader = false;
  for await (const chunk of await logLineChunks(repoDir, sel)) {
    for (const line of chunk) {
      // The NUL that ends a header's message can start a line of its own: it is not a new commit.
      const starts = !inHeader && isCommitStart(line);
      if (chars >= targetChars && (starts || (!inHeader && line.startsWith('diff --git ')))) {
        yield { lines, chars, commits };
        lines = starts ? [] : [...header];
        chars = 0;
        commits = 0;
      }
      if (starts) {
        header = [line];
        commits++;
        inHeader = !(line.length > 1 && line.endsWith('\0'));
      } else if (inHeader) {
        header.push(line);
        inHeader = !line.endsWith('\0');
      }
      lines.push(line);
      chars += line.length + 1;
    }
  }
  if (lines.length > 0) yield { lines, chars, commits };
}

/**
 * History findings are fingerprinted `commit:file:rule-id:hash`, as gitleaks does, so an accepted
 * finding in one commit does not hide the same secret committed again later.
 */
export function withCommitFingerprint(f: Finding): Finding {
  if (f.commit === undefined || f.fingerprint.startsWith(`${f.commit.sha}:`)) return f;
  return { ...f, fingerprint: `${f.commit.sha}:${f.fingerprint}` };
}
