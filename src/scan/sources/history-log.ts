/**
 * A pure parser of `git log -p` output written with LOG_FORMAT. Each commit starts with a line
 * beginning with NUL, which no diff line can (hunk lines start with '+', '-', ' ' or '\', header
 * lines with words), so a commit header is never confused with the content of a file (the header
 * is described in log-format.ts).
 */
import { DiffParser, type FileDiff } from '../../git/diff-parser.js';
import type { CommitInfo, Fragment } from '../types.js';
import type { SourceContext } from './context.js';
import { diffFragment } from './diff-fragments.js';

export { LOG_FORMAT } from './log-format.js';

const FIELD = '\x01';

/** A line that starts a commit in LOG_FORMAT output. */
export function isCommitStart(line: string): boolean {
  return line.charCodeAt(0) === 0;
}

/** gitleaks reports dates in UTC RFC 3339 (`2024-01-02T03:04:05Z`); git gives the author's offset. */
export function utcDate(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The commit described by a header's text (NULs removed, lines joined by '\n'). */
export function parseCommitHeader(text: string): CommitInfo {
  const parts = text.split(FIELD);
  const [sha = '', , author = '', email = '', date = ''] = parts;
  const message = parts.slice(5).join(FIELD).replace(/\s+$/, '');
  return { sha, author, email, date: utcDate(date), message };
}

/** Turns a completed file of a commit into its fragment (default: diffFragment, from the file's added lines). */
export type FragmentBuilder = (file: FileDiff, ctx: SourceContext, commit: CommitInfo | undefined) => Fragment | undefined;

/**
 * Feeds lines of LOG_FORMAT output and hands back fragments, each carrying its commit. Merge
 * commits produce fragments only for what their diff shows (see historyLogArgs).
 */

export class LogParser {
  readonly #ctx: SourceContext;
  readonly #diff = new DiffParser();
  readonly #build: FragmentBuilder;
  #commit: CommitInfo | undefined;
  /** The caller's context, with skip notes naming the commit (the same path can be skipped in many commits). */
  #commitCtx: SourceContext;
  /** Header lines of a commit whose message has not ended yet. */
  #header: string[] | undefined;
  #commits = 0;

  constructor(ctx: SourceContext, build: FragmentBuilder = diffFragment) {
    this.#ctx = ctx;
    this.#commitCtx = ctx;
    this.#build = build;
  }

  /** See DiffParser.hunkLine: a hunk line kept as bytes by the caller (-1: push the line instead). */
  hunkLine(firstByte: number): number {
    return this.#header !== undefined ? -1 : this.#diff.hunkLine(firstByte);
  }

  /** Commits whose header has been read so far. */
  get commits(): number {
    return this.#commits;
  }

  /** Feed one line (without '\n'); returns the fragment it completed, if any. */
  push(line: string): Fragment | undefined {
    if (this.#header !== undefined) {
      this.#headerLine(line);
      return undefined;
    }
    if (isCommitStart(line)) {
      const done = this.#diff.end();
      this.#header = [];
      this.#headerLine(line.slice(1));
      return this.#fragment(done);
    }
    // Written by --remerge-diff between a file's `diff --git` line and its other headers.
    if (line.startsWith('remerge ')) return undefined;
    return this.#fragment(this.#diff.push(line));
  }

  /** Call after the last line: the last file of the last commit. */
  end(): Fragment | undefined {
    if (this.#header !== undefined) this.#finishHeader();
    return this.#fragment(this.#diff.end());
  }

  #headerLine(line: string): void {
    const closes = line.endsWith('\0');
    this.#header!.push(closes ? line.slice(0, -1) : line);
    if (closes) this.#finishHeader();
  }

  #finishHeader(): void {
    const commit = parseCommitHeader(this.#header!.join('\n'));
    const short = commit.sha.slice(0, 12);
    this.#commit = commit;
    this.#commitCtx = { maxTargetBytes: this.#ctx.maxTargetBytes, onSkip: (p, reason) => this.#ctx.onSkip(`${short}:${p}`, reason) };
    this.#header = undefined;
    this.#commits++;
  }

  #fragment(file: FileDiff | undefined): Fragment | undefined {
    if (file === undefined) return undefined;
    return this.#build(file, this.#commitCtx, this.#commit);
  }
}

/** All fragments of a piece of LOG_FORMAT output made of whole commits. */
export function* logFragments(lines: Iterable<string>, ctx: SourceContext): Generator<Fragment, void, undefined> {
  const parser = new LogParser(ctx);
  for (const line of lines) {
    const f = parser.push(line);
    if (f) yield f;
  }
  const last = parser.end();
  if (last) yield last;
}
