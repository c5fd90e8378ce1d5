import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CompiledRules } from '../rules/compile.js';
import { packageRoot } from '../rules/package-root.js';
import { historyBatches, type HistorySelection } from '../sources/history.js';
import type { Finding } from '../types.js';
import { buildEngine, runLogJob, type EngineSetup, type JobResult } from './job.js';
import { WorkerPool } from './pool.js';

export interface HistoryProgress {
  readonly commits: number;
  /** Characters of `git log -p` text scanned so far. */
  readonly chars: number;
}

export interface HistoryScanOptions {
  /** The rules as plain data; workers compile their own copy from it. */
  readonly setup: EngineSetup;
  /** The same rules compiled, for work done on the main thread (built from `setup` when absent). */
  readonly rules?: CompiledRules;
  /** Worker threads; 1 or less scans on the main thread only. */
  readonly threads: number;
  readonly maxTargetBytes: number;
  onSkip(path: string, reason: string): void;
  onProgress?(p: HistoryProgress): void;
  /** The worker entry; default dist/scan-worker.js of this package. */
  readonly workerFile?: string;
  /** Log text scanned on the main thread before workers start: below it they cost more than they save. */
  readonly parallelAfterChars?: number;
  /** Size of the pieces the log is cut into. */
  readonly batchChars?: number;
}

/** Measured: starting two workers (engine compile included) costs about as much as scanning a few MB. */
const PARALLEL_AFTER_CHARS = 4 * 1024 * 1024;
const BATCH_CHARS = 512 * 1024;

export function defaultWorkerFile(): string {
  return path.join(packageRoot(), 'dist', 'scan-worker.js');
}

/**
 * Scan the commits of a selection. The main thread streams `git log -p` and cuts it into pieces;
 * small histories are scanned right there, larger ones by a pool of workers. Findings come back in
 * log order whatever the number of threads: pieces are collected in the order they were cut.
 */
export async function scanHistory(repoDir: string, sel: HistorySelection, opts: HistoryScanOptions): Promise<Finding[]> {
  const rules = opts.rules ?? buildEngine(opts.setup);
  const workerFile = opts.workerFile ?? defaultWorkerFile();
  const canParallel = opts.threads > 1 && existsSync(workerFile);
  const threshold = opts.parallelAfterChars ?? PARALLEL_AFTER_CHARS;
  const findings: Finding[] = [];
  let commits = 0;
  let chars = 0;
  let pool: WorkerPool | undefined;
  const inFlight: { result: Promise<JobResult>; commits: number; chars: number }[] = [];

  const collect = (r: JobResult, batchCommits: number, batchChars: number): void => {
    for (const f of r.findings) findings.push(f);
    for (const s of r.skips) opts.onSkip(s.path, s.reason);
    commits += batchCommits;
    chars += batchChars;
    opts.onProgress?.({ commits, chars });
  };
  const collectOldest = async (): Promise<void> => {
    const next = inFlight.shift()!;
    collect(await next.result, next.commits, next.chars);
  };

  try {
    let seen = 0;
    for await (const batch of historyBatches(repoDir, sel, opts.batchChars ?? BATCH_CHARS)) {
      seen += batch.chars;
      const job = { lines: batch.lines, maxTargetBytes: opts.maxTargetBytes };
      if (pool === undefined && canParallel && seen > threshold) pool = new WorkerPool(opts.threads, workerFile, opts.setup);
      if (pool === undefined) {
        collect(runLogJob(rules, job), batch.commits, batch.chars);
        continue;
      }
      const result = pool.run(job);
      // Observed in order by collectOldest; this keeps a rejection from being reported as unhandled meanwhile.
      result.catch(() => undefined);
      inFlight.push({ result, commits: batch.commits, chars: batch.chars });
      // Bounded: git waits (its pipe fills) while the workers catch up, so memory stays flat.
      while (inFlight.length > pool.size * 3) await collectOldest();
    }
    while (inFlight.length > 0) await collectOldest();
  } finally {
    await pool?.close();
  }
  return findings;
}
