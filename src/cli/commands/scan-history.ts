import { availableParallelism } from 'node:os';
import { SealguardError, ExitCode } from '../../shared/errors.js';
import type { CompiledRules } from '../../scan/rules/index.js';
import type { Finding } from '../../scan/types.js';
import type { SourceContext } from '../../scan/sources/index.js';
import { countCommits, gitSupportsRemerge, historyLogChunks, historySelection, type HistorySelection } from '../../scan/sources/history.js';
import { started } from '../../shared/started.js';
import { sopsHistoryFindings } from '../../scan/sops-history.js';
import { parsePrePushInput, prePushSelection } from '../../scan/sources/pre-push.js';
import type { EngineSetup } from '../../scan/parallel/job.js';
import { scanHistory } from '../../scan/parallel/history-scan.js';
import { gitCalls, runGit } from '../../git/run.js';
import { commitProgressBar, wantsProgress } from '../progress.js';
import type { Io } from '../io.js';

/**
 * Each worker holds its own compiled rules and tokenizer (about 90 MB): on a many-core CI runner the
 * default stays at a few threads, where git's own output rate is the limit anyway.
 */
export const DEFAULT_MAX_THREADS = 4;

/**
 * `git log -p` runs beside the scan and keeps a core busy, so a history scan leaves it one
 * (measured on 2 cores, 1,200 commits: one thread 1.34 s, two 1.46 s — the worker only competes
 * with git there). With more cores the workers still pay.
 */
export function defaultHistoryThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(cores - 1, DEFAULT_MAX_THREADS));
}

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

/**
 * `scan --range | --all-history | --since | --pre-push`: the findings in the selected commits, in
 * git log order. A `.sealguardignore` line without a commit (`file:rule-id:hash`) accepts that
 * secret in every commit; one with a commit only there.
 */
export async function historyFindings(
  history: StartedHistory | undefined,
  opts: HistoryFlags,
  io: Io,
  root: string,
  engine: { setup: EngineSetup; rules: CompiledRules },
  ctx: SourceContext,
): Promise<Finding[]> {
  if (history === undefined) return [];
  const { sel, log } = history;
  // The .sops.yaml check (files that must be encrypted but were committed in plaintext) overlaps
  // the scan; its findings join the others at the end.
  const sopsFindings = sopsHistoryFindings(root, sel.revs, sel.since);
  sopsFindings.catch(() => undefined);
  const threads = opts.threads ?? defaultHistoryThreads();
  const progress = wantsProgress(io);
  // One quick rev-list, only when something uses it: the progress bar's total, and whether the
  // history is long enough for workers.
  const commits = progress || threads > 1 ? await countCommits(root, sel) : undefined;
  const bar = progress ? await commitProgressBar(io, commits ?? 0) : undefined;
  let found: Finding[];
  try {
    found = await scanHistory(root, sel, {
      setup: engine.setup,
      rules: engine.rules,
      threads,
      log,
      maxTargetBytes: ctx.maxTargetBytes,
      ...(commits === undefined ? {} : { commits }),
      onSkip: (p, reason) => ctx.onSkip(p, reason),
      ...(bar ? { onProgress: (p: { commits: number; chars: number }) => bar.update(p.commits, p.chars) } : {}),
    });
  } finally {
    bar?.stop();
  }
  found.push(...(await sopsFindings));
  // .sealguardignore and .gitleaksignore are applied by the caller, as for every scan.
  return found;
}
