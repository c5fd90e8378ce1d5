import { SealguardError, ExitCode } from '../../shared/errors.js';
import { gitSupportsRemerge, historyLogChunks, historySelection, type HistorySelection } from '../../scan/sources/history.js';
import { parsePrePushInput, prePushSelection } from '../../scan/sources/pre-push.js';
import { started } from '../../shared/started.js';
import { repoRoot } from '../../git/repo.js';
import { gitCalls, runGit } from '../../git/run.js';
import type { Io } from '../io.js';

/**
 * The start of a history scan: which commits, and their `git log -p` running. Kept apart from the
 * scanner (it imports no engine or rules), so that the scan command can start git while the
 * scanner's modules load.
 */

/** The flags of `scan` that select commits instead of files. */
export interface HistoryFlags {
  paths: string[];
  staged?: boolean;
  stdin?: boolean;
  range?: string;
  allHistory?: boolean;
  since?: string;
  prePush?: boolean;
  threads?: number;
}

export function isHistoryScan(opts: HistoryFlags): boolean {
  return opts.range !== undefined || opts.allHistory === true || opts.since !== undefined || opts.prePush === true;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

async function selection(opts: HistoryFlags, root: string, io: Io): Promise<HistorySelection | undefined> {
  if (opts.staged || opts.stdin) throw new SealguardError('USAGE', 'choose one of: PATH…, --staged, --stdin, commits (--range, --all-history, --since, --pre-push)', { exitCode: ExitCode.usage });
  if (opts.prePush) {
    if (opts.range !== undefined || opts.allHistory || opts.since !== undefined) {
      throw new SealguardError('USAGE', '--pre-push reads the commits to scan from git; it takes no --range, --all-history or --since', { exitCode: ExitCode.usage });
    }
    if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
      throw new SealguardError('USAGE', '--pre-push reads the refs being pushed from stdin, as git gives them to a pre-push hook', {
        exitCode: ExitCode.usage,
        details: ['install the hook with: sealguard install --pre-push', 'to scan commits yourself: sealguard scan --range origin/main..HEAD'],
      });
    }
    // The hook's "$@" (remote name and URL) arrive as paths; the commits come from stdin.
    return prePushSelection(root, parsePrePushInput(await readAll(io.stdin)));
  }
  if (opts.paths.length > 0) throw new SealguardError('USAGE', 'a history scan takes no paths: it reads commits from the repository', { exitCode: ExitCode.usage });
  const sel = historySelection(opts);
  // `--since` alone reads HEAD's history; before the first commit there is none, which is not an error.
  if (opts.range === undefined && !opts.allHistory && (await runGit(root, gitCalls.headCommit)) === undefined) return undefined;
  return sel;
}

/** A history scan's commits, with their `git log` already running. */
export interface StartedHistory {
  readonly sel: HistorySelection;
  readonly log: AsyncGenerator<Buffer, void, undefined>;
  /** Stop git if the log was not read to the end (the scan failed before or while reading it). */
  stop(): Promise<void>;
}

/**
 * The commits a history scan reads, and their `git log -p` started (undefined: there are none).
 * Started before the rules compile, so that git writes while they do.
 */
export async function startHistory(opts: HistoryFlags, io: Io, root: string): Promise<StartedHistory | undefined> {
  const sel = await selection(opts, root, io);
  if (sel === undefined) return undefined;
  const remerge = await gitSupportsRemerge(root);
  const chunks = historyLogChunks(root, sel, { remerge });
  return {
    sel,
    log: started(chunks),
    stop: async () => {
      await chunks.return(undefined);
    },
  };
}

/** Where a history scan reads from: the repository root, and the commits with their log started. */
export interface HistoryStart {
  readonly root: string;
  readonly history: StartedHistory | undefined;
}

/**
 * A history scan's root and log. The git version check the log's arguments need runs beside
 * rev-parse. The caller stops the history when it does not read the log to the end.
 */
export async function startHistoryScan(opts: HistoryFlags, io: Io): Promise<HistoryStart> {
  void gitSupportsRemerge(io.cwd);
  const root = await repoRoot(io.cwd);
  return { root, history: await startHistory(opts, io, root) };
}
