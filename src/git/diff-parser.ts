import { readQuoted, unquotePath } from './quote.js';

/**
 * A pure parser of git's unified diff output with zero context (`git diff -U0`, `git log -p -U0`),
 * produced with `--src-prefix=a/ --dst-prefix=b/`. Only what a secret scanner needs is kept: which
 * file, what happened to it, and the lines it gained with their numbers in the new file.
 *
 * Hunk bodies are consumed by the counts in their `@@` header, never by guessing from a line's
 * look, so added content such as `++ x` (printed `+++ x`) or `diff --git` cannot be mistaken for a
 * header. Lines outside any file (e.g. `git log` commit headers) are ignored.
 */

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'mode-change' | 'unmerged';

export interface AddedLine {
  /** 1-based line number in the new version of the file. */
  readonly lineNo: number;
  /** The line without its leading '+', trailing '\r' or newline. */
  readonly text: string;
}

export interface FileDiff {
  /** Path before the change, relative to the repository root ('/' separated). Equals newPath unless renamed or copied. */
  readonly oldPath: string;
  /** Path after the change. For a deletion, the deleted path. */
  readonly newPath: string;
  readonly status: FileStatus;
  readonly binary: boolean;
  readonly addedLines: readonly AddedLine[];
  readonly oldMode?: string;
  readonly newMode?: string;
  /** Percentage from `similarity index` for renames and copies. */
  readonly similarity?: number;
}

interface Building {
  headerOld?: string;
  headerNew?: string;
  minusPath?: string | null;
  plusPath?: string | null;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  newFile: boolean;
  deletedFile: boolean;
  unmerged: boolean;
  binary: boolean;
  hunks: number;
  oldMode?: string;
  newMode?: string;
  similarity?: number;
  added: AddedLine[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const UNMERGED = '* Unmerged path ';
const PLUS = 0x2b;
const MINUS = 0x2d;
const SPACE = 0x20;
const BACKSLASH = 0x5c;

function stripPrefix(p: string, prefix: string): string {
  return p.startsWith(prefix) ? p.slice(prefix.length) : p;
}

/** Path from a `---`/`+++` line; null for /dev/null. Git appends a tab when the name has a space. */
function fileLinePath(rest: string, prefix: string): string | null {
  const raw = rest.endsWith('\t') ? rest.slice(0, -1) : rest;
  if (raw === '/dev/null') return null;
  return stripPrefix(unquotePath(raw), prefix);
}

/**
 * Both paths from `diff --git a/X b/Y`. Only trustworthy when X equals Y (the header is ambiguous
 * with spaces otherwise); renames and copies are resolved from their own header lines instead.
 */
export function parseDiffGitHeader(rest: string): { oldPath: string; newPath: string } | undefined {
  if (rest.startsWith('"')) {
    const a = readQuoted(rest, 0);
    if (!a || rest[a.end] !== ' ') return undefined;
    const tail = rest.slice(a.end + 1);
    const b = tail.startsWith('"') ? unquotePath(tail) : tail;
    return { oldPath: stripPrefix(a.value, 'a/'), newPath: stripPrefix(b, 'b/') };
  }
  if (rest.endsWith('"')) {
    const at = rest.lastIndexOf(' "b/');
    if (at > 0) return { oldPath: stripPrefix(rest.slice(0, at), 'a/'), newPath: stripPrefix(unquotePath(rest.slice(at + 1)), 'b/') };
  }
  if ((rest.length - 5) % 2 === 0 && rest.startsWith('a/')) {
    const n = (rest.length - 5) / 2;
    const a = rest.slice(2, 2 + n);
    if (rest.slice(2 + n, 5 + n) === ' b/' && rest.slice(5 + n) === a) return { oldPath: a, newPath: a };
  }
  const at = rest.indexOf(' b/');
  if (at < 0) return undefined;
  return { oldPath: stripPrefix(rest.slice(0, at), 'a/'), newPath: rest.slice(at + 3) };
}

/** Incremental parser: feed lines (without '\n'); each completed file is returned once. */
export class DiffParser {
  #file: Building | undefined;
  /** Lines still expected in the current hunk, from its header's counts. */
  #oldLeft = 0;
  #newLeft = 0;
  #nextNewLine = 0;

  /** Feed one line. Returns the file this line completed, if any. */
  push(line: string): FileDiff | undefined {
    if (this.#oldLeft > 0 || this.#newLeft > 0) {
      if (this.#hunkLine(line)) return undefined;
      // A malformed or truncated hunk: stop trusting its counts and read the line as a header.
      this.#oldLeft = this.#newLeft = 0;
    }
    if (line.startsWith('diff --git ')) {
      const done = this.end();
      const paths = parseDiffGitHeader(line.slice('diff --git '.length));
      this.#file = { ...emptyBuilding(), headerOld: paths?.oldPath, headerNew: paths?.newPath };
      return done;
    }
    if (line.startsWith(UNMERGED)) {
      const done = this.end();
      const p = unquotePath(line.slice(UNMERGED.length));
      this.#file = { ...emptyBuilding(), headerOld: p, headerNew: p, unmerged: true };
      return done ?? this.end();
    }
    const f = this.#file;
    if (!f) return undefined;
    if (line.startsWith('@@')) {
      const m = HUNK_HEADER.exec(line);
      if (!m) return undefined;
      const oldCount = m[2] === undefined ? 1 : Number(m[2]);
      const newStart = Number(m[3]);
      const newCount = m[4] === undefined ? 1 : Number(m[4]);
      // Git never writes these; a damaged header must not produce line 0 or unsafe numbers.
      if (!Number.isSafeInteger(oldCount) || !Number.isSafeInteger(newStart + newCount) || (newCount > 0 && newStart < 1)) {
        return undefined;
      }
      f.hunks++;
      this.#oldLeft = oldCount;
      this.#newLeft = newCount;
      this.#nextNewLine = newStart;
      return undefined;
    }
    if (line.startsWith('\\')) return undefined;
    if (f.hunks === 0 && this.#header(f, line)) return undefined;
    // Anything else ends the file (e.g. the next commit's header in `git log -p`).
    return this.end();
  }

  /** Finish the current file, if any. Call once after the last line. */
  end(): FileDiff | undefined {
    const f = this.#file;
    this.#file = undefined;
    this.#oldLeft = this.#newLeft = 0;
    return f ? finish(f) : undefined;
  }

  /**
   * For a reader that keeps hunk lines as bytes: account for a hunk line whose first byte is
   * `firstByte` (-1 for an empty line) without its text. Returns the new-file line number of an
   * added line, 0 for another line of the hunk, -1 for a line that is not one (push it instead).
   * The added line's text is the caller's to keep; it is not in this file's `addedLines`.
   */
  hunkLine(firstByte: number): number {
    return this.#oldLeft > 0 || this.#newLeft > 0 ? this.#step(firstByte) : -1;
  }

  #hunkLine(line: string): boolean {
    const lineNo = this.#step(line.length === 0 ? -1 : line.charCodeAt(0));
    if (lineNo > 0) this.#file!.added.push({ lineNo, text: line.endsWith('\r') ? line.slice(1, -1) : line.slice(1) });
    return lineNo >= 0;
  }

  /** One hunk line by its first character code (-1: empty line): see hunkLine. */
  #step(tag: number): number {
    if (tag === PLUS && this.#newLeft > 0) {
      this.#newLeft--;
      return this.#nextNewLine++;
    }
    if (tag === MINUS && this.#oldLeft > 0) {
      this.#oldLeft--;
      return 0;
    }
    // Context lines only appear with -U1 or more; an empty line is an empty context line
    // under diff.suppressBlankEmpty.
    if ((tag === SPACE || tag === -1) && this.#oldLeft > 0 && this.#newLeft > 0) {
      this.#oldLeft--;
      this.#newLeft--;
      this.#nextNewLine++;
      return 0;
    }
    return tag === BACKSLASH ? 0 : -1;
  }

  #header(f: Building, line: string): boolean {
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    switch (key) {
      case 'index':
        return true;
      case '---':
        f.minusPath = fileLinePath(rest, 'a/');
        return true;
      case '+++':
        f.plusPath = fileLinePath(rest, 'b/');
        return true;
      case 'Binary':
        f.binary = line.endsWith(' differ');
        return f.binary;
      case 'GIT':
        f.binary = rest === 'binary patch';
        return f.binary;
      case 'similarity':
      case 'dissimilarity': {
        const m = /index (\d+)%$/.exec(rest);
        if (m && key === 'similarity') f.similarity = Number(m[1]);
        return m !== null;
      }
      default:
        return this.#twoWordHeader(f, line);
    }
  }

  #twoWordHeader(f: Building, line: string): boolean {
    const take = (prefix: string): string | undefined => (line.startsWith(prefix) ? line.slice(prefix.length) : undefined);
    let v: string | undefined;
    if ((v = take('old mode ')) !== undefined) f.oldMode = v;
    else if ((v = take('new mode ')) !== undefined) f.newMode = v;
    else if ((v = take('new file mode ')) !== undefined) {
      f.newFile = true;
      f.newMode = v;
    } else if ((v = take('deleted file mode ')) !== undefined) {
      f.deletedFile = true;
      f.oldMode = v;
    } else if ((v = take('rename from ')) !== undefined) f.renameFrom = unquotePath(v);
    else if ((v = take('rename to ')) !== undefined) f.renameTo = unquotePath(v);
    else if ((v = take('copy from ')) !== undefined) f.copyFrom = unquotePath(v);
    else if ((v = take('copy to ')) !== undefined) f.copyTo = unquotePath(v);
    else return false;
    return true;
  }
}

function emptyBuilding(): Building {
  return { newFile: false, deletedFile: false, unmerged: false, binary: false, hunks: 0, added: [] };
}

function finish(f: Building): FileDiff {
  const oldPath = f.renameFrom ?? f.copyFrom ?? f.minusPath ?? f.headerOld ?? f.plusPath ?? f.headerNew ?? '';
  const newPath = f.renameTo ?? f.copyTo ?? f.plusPath ?? f.headerNew ?? oldPath;
  const status: FileStatus = f.unmerged
    ? 'unmerged'
    : f.newFile
      ? 'added'
      : f.deletedFile
        ? 'deleted'
        : f.renameTo !== undefined
          ? 'renamed'
          : f.copyTo !== undefined
            ? 'copied'
            : f.hunks === 0 && !f.binary && f.oldMode !== undefined && f.newMode !== undefined
              ? 'mode-change'
              : 'modified';
  const result: FileDiff = {
    oldPath,
    newPath: f.deletedFile ? oldPath : newPath,
    status,
    binary: f.binary,
    addedLines: f.added,
    ...(f.oldMode === undefined ? {} : { oldMode: f.oldMode }),
    ...(f.newMode === undefined ? {} : { newMode: f.newMode }),
    ...(f.similarity === undefined ? {} : { similarity: f.similarity }),
  };
  return result;
}

/** Parse a whole diff held in memory. */
export function parseUnifiedDiff(text: string): FileDiff[] {
  const parser = new DiffParser();
  const files: FileDiff[] = [];
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const f = parser.push(line);
    if (f) files.push(f);
  }
  const last = parser.end();
  if (last) files.push(last);
  return files;
}

/** Parse a streamed diff, yielding each file as soon as it is complete. */
export async function* parseDiffStream(lines: AsyncIterable<string>): AsyncGenerator<FileDiff, void, undefined> {
  const parser = new DiffParser();
  for await (const line of lines) {
    const f = parser.push(line);
    if (f) yield f;
  }
  const last = parser.end();
  if (last) yield last;
}
