import { availableParallelism } from 'node:os';
import type { CompiledRules } from '../../scan/rules/index.js';
import type { Finding } from '../../scan/types.js';
import type { SourceContext } from '../../scan/sources/index.js';
import { countCommits } from '../../scan/sources/history.js';
import { sopsHistoryFindings } from '../../scan/sops-history.js';
import type { EngineSetup } from '../../scan/parallel/job.js';
import { scanHistory } from '../../scan/parallel/history-scan.js';
import { commitProgressBar, wantsProgress } from '../progress.js';
import type { Io } from '../io.js';
import type { HistoryFlags, StartedHistory } from './history-start.js';

export { isHistoryScan, type HistoryFlags, type StartedHistory } from './history-start.js';

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
