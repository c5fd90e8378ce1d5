import { existsSync } from 'node:fs';
import path from 'node:path';
import type { CompiledRules } from '../rules/compile.js';
import { candidateGroups, type FileCandidate } from '../sources/files.js';
import type { Finding } from '../types.js';
import { buildEngine, runFilesJob, type EngineSetup, type JobResult } from './job.js';
import { WorkerPool } from './pool.js';
import { defaultWorkerFile } from './history-scan.js';

export interface FileScanOptions {
  /** The rules as plain data; workers compile their own copy from it. */
  readonly setup: EngineSetup;
  /** The same rules compiled, for the main thread (built from `setup` when absent). */
  readonly rules?: CompiledRules;
  /** Threads that scan, the main thread included: N starts N-1 workers; 1 or less none. */
  readonly threads: number;
  readonly maxTargetBytes: number;
  onSkip(path: string, reason: string): void;
  /**
   * A check of the main thread's own on each file's text (a .sops.yaml policy), run after the
   * engine. Files it `wants` are always scanned on the main thread.
   */
  readonly extra?: {
    wants(path: string): boolean;
    check(path: string, text: string): Finding | undefined;
  };
  /** The worker entry; default dist/scan-worker.js of this package. */
  readonly workerFile?: string;
  /** Bytes of files scanned on the main thread before workers start: below it they cost more than they save. */
  readonly parallelAfterBytes?: number;
}

/** Measured: a worker costs about 0.2 s of CPU to start, what scanning some 4-8 MB of source costs. */
const PARALLEL_AFTER_BYTES = 8 * 1024 * 1024;
/** Files per job: one message each way per batch, small enough that both threads stay busy to the end. */
const BATCH_FILES = 24;
/**
 * Batches a worker may hold: the main thread hands out work only between its own batches, so a
 * worker keeps a few queued rather than idle while a batch of large files is scanned here.
 */
const WORKER_AHEAD = 4;
/** Finished batches kept while an earlier batch is still in a worker. */
const MAX_WAITING = 256;

/**
 * Scan files and folders (what fileFragments lists) with the main thread and, once the input proves
 * large, threads-1 workers: a batch of files goes to a worker with room, else the main thread reads
 * and scans it itself. Findings and skips come back in listing order whatever the number of threads,
 * so reports are the same as a single-threaded scan's.
 */
export async function scanFiles(paths: readonly string[], cwd: string, opts: FileScanOptions): Promise<Finding[]> {
  const rules = opts.rules ?? buildEngine(opts.setup);
  const workerFile = opts.workerFile ?? defaultWorkerFile();
  const workers = opts.threads > 1 && existsSync(workerFile) ? opts.threads - 1 : 0;
  const threshold = opts.parallelAfterBytes ?? PARALLEL_AFTER_BYTES;
  const { maxTargetBytes, extra } = opts;
  const findings: Finding[] = [];
  const inFlight: (Promise<JobResult> | JobResult)[] = [];
  let pool: WorkerPool | undefined;
  let scannedHere = 0;

  const collectOldest = async (): Promise<void> => {
    const r = await inFlight.shift()!;
    for (const f of r.findings) findings.push(f);
    for (const s of r.skips) opts.onSkip(s.path, s.reason);
  };

  const scanHere = (files: readonly FileCandidate[]): JobResult =>
    runFilesJob(rules, { files, maxTargetBytes }, opts.setup.detect, (fragment) => {
      scannedHere += fragment.utf8?.length ?? fragment.text.length;
      return extra?.wants(fragment.path) ? extra.check(fragment.path, fragment.text) : undefined;
    });

  const flush = async (files: FileCandidate[]): Promise<void> => {
    if (pool === undefined && workers > 0 && scannedHere > threshold) pool = new WorkerPool(workers, workerFile, opts.setup, { ahead: WORKER_AHEAD });
    if (pool?.hasRoom && !(extra && files.some((c) => extra.wants(c.rel)))) {
      const pending = pool.run({ files, maxTargetBytes });
      // Observed in order by collectOldest; this keeps a rejection from being reported as unhandled meanwhile.
      pending.catch(() => undefined);
      inFlight.push(pending);
    } else {
      inFlight.push(scanHere(files));
      // Let the workers' replies in (they arrive as events, not microtasks), so a worker that finished
      // gets its next batch instead of idling while the main thread scans on.
      if (pool) await new Promise((resolve) => setImmediate(resolve));
    }
    while (inFlight.length > 0 && !(inFlight[0] instanceof Promise)) await collectOldest();
    while (inFlight.length > MAX_WAITING) await collectOldest();
  };

  // Skips met while listing (a symlink to a folder, an unreadable folder) keep their place among
  // the files' own: they end the batch being filled and wait in line behind it.
  let batch: FileCandidate[] = [];
  const ready: (FileCandidate[] | JobResult)[] = [];
  const ctx = {
    maxTargetBytes,
    onSkip: (p: string, reason: string) => {
      if (batch.length > 0) ready.push(batch);
      batch = [];
      ready.push({ findings: [], skips: [{ path: p, reason }] });
    },
  };
  const drain = async (): Promise<void> => {
    for (const unit of ready.splice(0)) {
      if (Array.isArray(unit)) await flush(unit);
      else inFlight.push(unit);
    }
  };
  try {
    for await (const group of candidateGroups(paths.length > 0 ? paths : ['.'], path.resolve(cwd), ctx)) {
      for (const c of group) {
        // Only a skip met while listing leaves anything ready here: no await (and no promise) per file.
        if (ready.length > 0) await drain();
        batch.push(c);
        if (batch.length >= BATCH_FILES) {
          ready.push(batch);
          batch = [];
          await drain();
        }
      }
    }
    if (batch.length > 0) ready.push(batch);
    await drain();
    while (inFlight.length > 0) await collectOldest();
  } finally {
    await pool?.close();
  }
  return findings;
}
