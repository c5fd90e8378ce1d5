import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CompiledRules } from '../rules/compile.js';
import { packageRoot } from '../rules/package-root.js';
import { historyBatches, historyLogChunks, withCommitFingerprint, type HistorySelection } from '../sources/history.js';
import { LogByteParser } from '../sources/history-bytes.js';
import { detect } from '../engine/detect.js';
import type { Finding, Fragment } from '../types.js';
import { buildEngine, runLogJob, type EngineSetup, type JobResult } from './job.js';
import { WorkerPool } from './pool.js';

export interface HistoryProgress {
  readonly commits: number;
  /** Bytes of `git log -p` output scanned so far. */
  readonly chars: number;
}

export interface HistoryScanOptions {
  /** The rules as plain data; workers compile their own copy from it. */
  readonly setup: EngineSetup;
  /** The same rules compiled, for work done on the main thread (built from `setup` when absent). */
  readonly rules?: CompiledRules;
  /** Threads that scan, the main thread included: N starts N-1 workers; 1 or less none. */
  readonly threads: number;
  readonly maxTargetBytes: number;
  onSkip(path: string, reason: string): void;
  onProgress?(p: HistoryProgress): void;
  /** The worker entry; default dist/scan-worker.js of this package. */
  readonly workerFile?: string;
  /** Bytes of log scanned on the main thread before workers start: below it they cost more than they save. */
  readonly parallelAfterChars?: number;
  /** Commits in the selection, when the caller counted them: a long history starts its workers at once. */
  readonly commits?: number;
  /** The selection's log, when the caller started git already (default: started here). */
  readonly log?: AsyncIterable<Buffer>;
  /** Size in bytes of the pieces the log is cut into. */
  readonly batchChars?: number;
}

/** Measured: a worker costs about 0.2 s of CPU to start (bundle load, rule compile), what scanning 2-3 MB of log costs. */
const PARALLEL_AFTER_CHARS = 4 * 1024 * 1024;
/**
 * Small enough that the main thread turns back to git's pipe often: while it scans a piece, git can
 * only fill the pipe (64 KB) and then waits, so big pieces would leave git idle for most of the scan.
 */
const BATCH_CHARS = 128 * 1024;

/** A history this long is worth the workers' start-up from the first piece on (they start while git does). */
const PARALLEL_FROM_COMMITS = 100;

/** Finished pieces kept while an earlier piece is still in a worker. */
const MAX_WAITING = 256;

export function defaultWorkerFile(): string {
  return path.join(packageRoot(), 'dist', 'scan-worker.js');
}

/**
 * Scan the commits of a selection. The main thread streams `git log -p` and cuts it into pieces;
 * small histories are scanned right there. Larger ones also go to threads-1 workers: a piece goes
 * to a worker with room, else the main thread scans it itself (so with two cores one worker and
 * the main thread share the work, and only one more copy of the engine sits in memory). Findings
 * come back in log order whatever the number of threads: pieces are collected in the order they
 * were cut.
 */
export async function scanHistory(repoDir: string, sel: HistorySelection, opts: HistoryScanOptions): Promise<Finding[]> {
  const rules = opts.rules ?? buildEngine(opts.setup);
  const workerFile = opts.workerFile ?? defaultWorkerFile();
  const workers = opts.threads > 1 && existsSync(workerFile) ? opts.threads - 1 : 0;
  const threshold = (opts.commits ?? 0) >= PARALLEL_FROM_COMMITS ? 0 : (opts.parallelAfterChars ?? PARALLEL_AFTER_CHARS);
  const findings: Finding[] = [];
  let commits = 0;
  let chars = 0;
  let pool: WorkerPool | undefined;
  const inFlight: { result: Promise<JobResult> | JobResult; commits: number; chars: number }[] = [];

  const collectOldest = async (): Promise<void> => {
    const next = inFlight.shift()!;
    const r = await next.result;
    for (const f of r.findings) findings.push(f);
    for (const s of r.skips) opts.onSkip(s.path, s.reason);
    commits += next.commits;
    chars += next.chars;
    opts.onProgress?.({ commits, chars });
  };

  // One thread: the log goes straight from git's pipe to the parser, with no pieces to cut and copy.
  if (workers === 0) return scanHistoryHere(repoDir, sel, rules, opts);

  try {
    if (threshold === 0) pool = new WorkerPool(workers, workerFile, opts.setup);
    let seen = 0;
    for await (const batch of historyBatches(opts.log ?? historyLogChunks(repoDir, sel), opts.batchChars ?? BATCH_CHARS)) {
      seen += batch.log.length;
      if (pool === undefined && seen > threshold) pool = new WorkerPool(workers, workerFile, opts.setup);
      let result: Promise<JobResult> | JobResult;
      if (pool?.hasRoom) {
        const pending = pool.run({ log: batch.log, maxTargetBytes: opts.maxTargetBytes });
        // Observed in order by collectOldest; this keeps a rejection from being reported as unhandled meanwhile.
        pending.catch(() => undefined);
        result = pending;
      } else {
        result = runLogJob(rules, { log: batch.log, maxTargetBytes: opts.maxTargetBytes }, opts.setup.detect);
      }
      inFlight.push({ result, commits: batch.commits, chars: batch.log.length });
      // Results are taken in order; a finished head is taken at once, so progress stays current.
      while (inFlight.length > 0 && !(inFlight[0].result instanceof Promise)) await collectOldest();
      // Only pieces sent to workers hold log text, and a worker takes at most two at a time; the rest
      // are finished results waiting for an earlier piece. The cap only stops a stalled worker from
      // letting those pile up without end.
      while (inFlight.length > MAX_WAITING) await collectOldest();
    }
    while (inFlight.length > 0) await collectOldest();
  } finally {
    await pool?.close();
  }
  return findings;
}

/** scanHistory on the main thread alone. Progress is reported about every BATCH_CHARS bytes, as with pieces. */
async function scanHistoryHere(repoDir: string, sel: HistorySelection, rules: CompiledRules, opts: HistoryScanOptions): Promise<Finding[]> {
  const findings: Finding[] = [];
  const ctx = { maxTargetBytes: opts.maxTargetBytes, onSkip: (p: string, reason: string) => opts.onSkip(p, reason) };
  const parser = new LogByteParser(ctx);
  const fragments: Fragment[] = [];
  const every = opts.batchChars ?? BATCH_CHARS;
  let bytes = 0;
  let reported = 0;
  const scan = (): void => {
    for (const fragment of fragments.splice(0)) {
      for (const f of detect(rules, fragment, opts.setup.detect)) findings.push(withCommitFingerprint(f));
    }
    // Findings hold strings, never a fragment's bytes.
    parser.release();
  };
  for await (const chunk of opts.log ?? historyLogChunks(repoDir, sel)) {
    parser.push(chunk, fragments);
    scan();
    bytes += chunk.length;
    if (bytes - reported >= every) {
      reported = bytes;
      opts.onProgress?.({ commits: parser.commits, chars: bytes });
    }
  }
  parser.end(fragments);
  scan();
  opts.onProgress?.({ commits: parser.commits, chars: bytes });
  return findings;
}
