import { Buffer } from 'node:buffer';
import { execGit, streamGitChunks } from '../../git/run.js';
import { canSpool, discardPrestarted, spoolGitChunks } from '../../git/spool.js';
import type { Finding, Fragment } from '../types.js';
import type { SourceContext } from './context.js';
export { historySelection, historyLogArgs, type HistoryRequest, type HistorySelection } from './history-args.js';
import { SEGMENT_COMMITS, commitCountArgs, historyLogArgs, type HistorySelection } from './history-args.js';
import { LogByteParser } from './history-bytes.js';

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


export interface LogReadOptions {
  /** Whether git supports `--diff-merges=remerge`, when the caller knows: git then starts without waiting. */
  readonly remerge?: boolean;
  /** Spool git's output to a temporary file; default: when the temp folder has room (see git/spool). */
  readonly spool?: boolean;
  readonly segmentCommits?: number;
}

/** Counts the commits that start in LOG_FORMAT output fed in chunks: a NUL that starts a line, then the hash. */
export class CommitStarts {
  count = 0;
  #atLineStart = true;
  #pendingNul = false;

  add(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#pendingNul && isHexDigit(chunk[0] as number)) this.count++;
    this.#pendingNul = false;
    for (let i = chunk.indexOf(0); i !== -1; i = chunk.indexOf(0, i + 1)) {
      if (!(i === 0 ? this.#atLineStart : chunk[i - 1] === 0x0a)) continue;
      if (i + 1 === chunk.length) this.#pendingNul = true;
      else if (isHexDigit(chunk[i + 1] as number)) this.count++;
    }
    this.#atLineStart = chunk[chunk.length - 1] === 0x0a;
  }
}

function isHexDigit(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66);
}

/**
 * The raw output of the selection's `git log -p`, in chunks. Spooled through a temporary file
 * where there is room, so git never waits for the scanner, in runs of `segmentCommits` commits that
 * give the fragments of one run. A chunk may be overwritten once the next is asked for: copy what
 * is kept.
 */
export async function* historyLogChunks(repoDir: string, sel: HistorySelection, opts: LogReadOptions = {}): AsyncGenerator<Buffer, void, undefined> {
  const remerge = opts.remerge ?? (await gitSupportsRemerge(repoDir));
  if (!(opts.spool ?? canSpool())) {
    discardPrestarted();
    yield* streamGitChunks(historyLogArgs(sel, { remerge }), { cwd: repoDir });
    return;
  }
  const per = opts.segmentCommits ?? SEGMENT_COMMITS;
  for (let skip = 0; ; skip += per) {
    const starts = new CommitStarts();
    for await (const chunk of spoolGitChunks(historyLogArgs(sel, { remerge, skip, maxCount: per }), { cwd: repoDir })) {
      starts.add(chunk);
      yield chunk;
    }
    if (starts.count < per) return;
  }
}

/**
 * The lines each commit of the selection added, one fragment per file and commit, newest commit
 * first (git log's order). Streams: only the file being read is held in memory.
 */
export async function* historyFragments(repoDir: string, sel: HistorySelection, ctx: SourceContext): AsyncGenerator<Fragment, void, undefined> {
  const parser = new LogByteParser(ctx);
  const out: Fragment[] = [];
  for await (const chunk of historyLogChunks(repoDir, sel)) {
    parser.push(chunk, out);
    yield* out.splice(0);
  }
  parser.end(out);
  yield* out;
}

/** A piece of the log made of whole files, each preceded by its commit's header. */
export interface LogBatch {
  /** The piece as git wrote it. */
  readonly log: Buffer;
  /** Commits that start in this batch (a commit split over batches counts once). */
  readonly commits: number;
}

const DIFF_GIT = Buffer.from('diff --git ');

function startsWithDiffGit(buf: Buffer, start: number, end: number): boolean {
  return end - start >= DIFF_GIT.length && buf.compare(DIFF_GIT, 0, DIFF_GIT.length, start, start + DIFF_GIT.length) === 0;
}

/** Bytes appended in runs, read out as one buffer. */
class ByteRuns {
  #parts: Buffer[] = [];
  length = 0;

  add(part: Buffer): void {
    if (part.length === 0) return;
    this.#parts.push(part);
    this.length += part.length;
  }

  take(): Buffer {
    const out = Buffer.concat(this.#parts, this.length);
    this.#parts = [];
    this.length = 0;
    return out;
  }
}

/**
 * The log cut into batches of about `targetBytes`, for scanning batches in parallel. Cuts fall
 * before a commit or before a file (`diff --git`, which with -U0 never starts a content line); a
 * batch that starts inside a commit begins with a copy of that commit's header. Works on git's
 * bytes: only where a line starts is looked at, and the text is copied in runs, not line by line.
 */
export async function* historyBatches(log: AsyncIterable<Buffer>, targetBytes: number): AsyncGenerator<LogBatch, void, undefined> {
  const batch = new ByteRuns();
  let commits = 0;
  let header: Buffer[] = [];
  let inHeader = false;
  let carry: Buffer | undefined;
  for await (const chunk of log) {
    // Pieces keep views of `buf` until they are cut: a copy, since the chunk's bytes may be reused.
    const buf = carry === undefined ? Buffer.from(chunk) : Buffer.concat([carry, chunk]);
    let run = 0;
    let last = 0;
    for (let start = 0, end = buf.indexOf(0x0a); end !== -1; start = end + 1, end = buf.indexOf(0x0a, start)) {
      last = end + 1;
      // The NUL that ends a header's message can start a line of its own: it is not a new commit.
      const starts = !inHeader && start < end && buf[start] === 0;
      if (batch.length + (start - run) >= targetBytes && (starts || (!inHeader && startsWithDiffGit(buf, start, end)))) {
        batch.add(buf.subarray(run, start));
        run = start;
        yield { log: batch.take(), commits };
        commits = 0;
        if (!starts) for (const h of header) batch.add(h);
      }
      if (starts) {
        header = [buf.subarray(start, end + 1)];
        commits++;
        inHeader = !(end - start > 1 && buf[end - 1] === 0);
      } else if (inHeader) {
        header.push(buf.subarray(start, end + 1));
        inHeader = !(end > start && buf[end - 1] === 0);
      }
    }
    batch.add(buf.subarray(run, last));
    carry = last < buf.length ? buf.subarray(last) : undefined;
  }
  if (carry !== undefined) batch.add(carry);
  if (batch.length > 0) yield { log: batch.take(), commits };
}

/**
 * History findings are fingerprinted `commit:file:rule-id:hash`, as gitleaks does, so an accepted
 * finding in one commit does not hide the same secret committed again later.
 */
export function withCommitFingerprint(f: Finding): Finding {
  if (f.commit === undefined || f.fingerprint.startsWith(`${f.commit.sha}:`)) return f;
  return { ...f, fingerprint: `${f.commit.sha}:${f.fingerprint}` };
}
