import type { CompiledRules } from '../rules/compile.js';
import type { ScanConfig } from '../rules/config.js';
import { compileRules } from '../rules/compile.js';
import { markValidated } from '../rules/schema.js';
import { followSpecOf, rememberFollowSpec, type FollowSpec } from '../rules/follow-filter.js';
import { detect, type DetectOptions } from '../engine/detect.js';
import { Buffer } from 'node:buffer';
import { logFragmentsFromBytes } from '../sources/history-bytes.js';
import { readCandidate, type FileCandidate } from '../sources/files.js';
import { ReadBuffer } from '../sources/read-file.js';
import { withCommitFingerprint } from '../sources/history.js';
import type { Finding, Fragment, RuleSpec } from '../types.js';

/** What a worker needs to build the same engine as the main thread: plain data, cloneable. */
export interface EngineSetup {
  readonly specs: readonly RuleSpec[];
  readonly config?: ScanConfig;
  /** Passed to every detect() call (e.g. --max-decode-depth). */
  readonly detect?: DetectOptions;
  /**
   * Beside each rule of `specs` and then of `config.rules`, its follow filter (null: none), as the
   * main thread has it: a worker then need not work them out again.
   */
  readonly follow?: readonly (FollowSpec | null)[];
}

function allSpecs(setup: EngineSetup): RuleSpec[] {
  return [...setup.specs, ...(setup.config?.rules ?? [])];
}

/** The setup a worker is started with: `setup` and the follow filters of its rules. */
export function workerSetup(setup: EngineSetup): EngineSetup {
  return { ...setup, follow: allSpecs(setup).map((s) => followSpecOf(s) ?? null) };
}

export function buildEngine(setup: EngineSetup): CompiledRules {
  return compileRules(setup.specs, setup.config);
}

/**
 * A worker's engine. Its specs are copies (structured clone) of specs the main thread compiled
 * already, so every pattern is known to be valid RE2; the clone loses the loader's "validated" mark,
 * and without it each worker compiled all ~250 regexes up front (measured: 125 of its 200 ms start),
 * instead of only those of rules whose keywords turn up. The follow filters come along (see
 * workerSetup) for the same reason.
 */
export function buildWorkerEngine(setup: EngineSetup): CompiledRules {
  allSpecs(setup).forEach((s, i) => {
    markValidated(s);
    const follow = setup.follow?.[i];
    if (follow !== undefined) rememberFollowSpec(s, follow ?? undefined);
  });
  return compileRules(setup.specs, setup.config);
}

/**
 * A piece of `git log -p` output (whole files, each after its commit header) to scan, as git wrote
 * it (a worker receives a copy of the bytes: one buffer crosses threads far cheaper than strings).
 */
export interface LogJob {
  readonly log: Uint8Array;
  readonly maxTargetBytes: number;
}

/** A few files of a folder scan, read and scanned by whichever thread takes the job. */
export interface FilesJob {
  readonly files: readonly FileCandidate[];
  readonly maxTargetBytes: number;
}

export type ScanJob = LogJob | FilesJob;

export interface Skip {
  readonly path: string;
  readonly reason: string;
}

export interface JobResult<F = Finding> {
  readonly findings: F[];
  readonly skips: Skip[];
}

/** Scan one piece of the log: the same work whether it runs on the main thread or in a worker. */
export function runLogJob(rules: CompiledRules, job: LogJob, options: DetectOptions = {}): JobResult {
  const findings: Finding[] = [];
  const skips: Skip[] = [];
  const ctx = { maxTargetBytes: job.maxTargetBytes, onSkip: (path: string, reason: string) => skips.push({ path, reason }) };
  // Structured clone turns a Buffer into a plain Uint8Array; the parser wants Buffer methods.
  const log = Buffer.isBuffer(job.log) ? job.log : Buffer.from(job.log.buffer, job.log.byteOffset, job.log.byteLength);
  for (const fragment of logFragmentsFromBytes(log, ctx)) {
    for (const f of detect(rules, fragment, options)) findings.push(withCommitFingerprint(f));
  }
  return { findings, skips };
}

/** Each thread reads its files into one buffer: a file is scanned to the end before the next is read. */
const reads = new ReadBuffer();

/**
 * Read and scan some files, in order. `after` (main thread only: it may need state a worker lacks)
 * adds findings of its own for a file's text, after the engine's.
 */
export function runFilesJob(
  rules: CompiledRules,
  job: FilesJob,
  options: DetectOptions = {},
  after?: (fragment: Fragment) => Finding | undefined,
): JobResult {
  const findings: Finding[] = [];
  const skips: Skip[] = [];
  const ctx = { maxTargetBytes: job.maxTargetBytes, onSkip: (path: string, reason: string) => skips.push({ path, reason }) };
  for (const c of job.files) {
    const fragment = readCandidate(c, ctx, reads);
    if (fragment === undefined) continue;
    for (const f of detect(rules, fragment, options)) findings.push(f);
    const extra = after?.(fragment);
    if (extra) findings.push(extra);
  }
  return { findings, skips };
}

/** A job for whichever kind it is. */
export function runJob(rules: CompiledRules, job: ScanJob, options: DetectOptions = {}): JobResult {
  return 'files' in job ? runFilesJob(rules, job, options) : runLogJob(rules, job, options);
}
