import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { SealguardError, ExitCode } from '../shared/errors.js';

/**
 * Running git. Every call goes through here so that every call gets the same options: paths printed
 * verbatim (core.quotepath=false; the parsers still undo C-quoting for control characters) and
 * English messages, so failures can be classified into stable error codes.
 *
 * A git call is plain data, `{args, parse}`, and the parsers are pure functions tested on captured
 * output; long outputs (`diff`, `log -p`) are streamed line by line instead.
 */

export interface GitCall<T> {
  readonly args: readonly string[];
  readonly parse: (stdout: string) => T;
  /** Exit codes that carry an answer rather than a failure (e.g. 1 for `rev-parse --verify -q`). */
  readonly okExitCodes?: readonly number[];
  readonly input?: string;
}

export interface GitOptions {
  readonly cwd: string;
  /** Written to git's stdin. */
  readonly input?: string;
  readonly okExitCodes?: readonly number[];
}

export interface GitResult {
  readonly stdout: string;
  readonly exitCode: number;
}

const BASE_ARGS = ['-c', 'core.quotepath=false'] as const;
const MAX_STDERR = 16 * 1024;

function gitEnv(): NodeJS.ProcessEnv {
  // Keep the caller's environment: inside a hook GIT_INDEX_FILE / GIT_DIR point at the index being
  // committed (e.g. the temporary index of `git commit -a`), and that is what must be scanned.
  return { ...process.env, LC_ALL: 'C', LANGUAGE: 'C', GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
}

/** Turn a failed git invocation into the one-line error a user sees. */
export function gitFailure(args: readonly string[], cwd: string, exitCode: number | null, stderr: string): SealguardError {
  const sub = args.find((a) => !a.startsWith('-')) ?? 'git';
  const firstLine = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  // Outside a repository `git diff` silently becomes `git diff --no-index` and rejects repo-only options.
  if (/not a git repository/i.test(stderr) || /usage: git diff --no-index/.test(stderr)) {
    return new SealguardError('GIT_NOT_A_REPO', `not a git repository: ${cwd}`, { exitCode: ExitCode.usage });
  }
  if (/dubious ownership/i.test(stderr)) {
    return new SealguardError('GIT_UNSAFE_REPO', `git refuses to work in ${cwd}: it is owned by another user`, {
      exitCode: ExitCode.usage,
      details: [`if you trust it: git config --global --add safe.directory ${cwd}`],
    });
  }
  const reason = firstLine ? firstLine.replace(/^(fatal|error): /, '') : `exit status ${exitCode ?? 'signal'}`;
  return new SealguardError('GIT_FAILED', `git ${sub} failed: ${reason}`, { exitCode: ExitCode.usage });
}

export function spawnFailure(e: NodeJS.ErrnoException, cwd: string): SealguardError {
  if (e.code === 'ENOENT') {
    let cwdExists = true;
    try {
      cwdExists = statSync(cwd).isDirectory();
    } catch {
      cwdExists = false;
    }
    if (!cwdExists) return new SealguardError('PATH_NOT_FOUND', `no such folder: ${cwd}`, { exitCode: ExitCode.usage, cause: e });
    return new SealguardError('GIT_NOT_FOUND', 'git is not installed or not on PATH', { exitCode: ExitCode.usage, cause: e });
  }
  return new SealguardError('GIT_FAILED', `cannot run git: ${e.message}`, { exitCode: ExitCode.usage, cause: e });
}

function start(args: readonly string[], opts: GitOptions) {
  return spawn('git', [...BASE_ARGS, ...args], {
    cwd: opts.cwd,
    env: gitEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** git with its stdout written to an open file descriptor instead of a pipe; no stdin. */
export function startGitToFile(args: readonly string[], opts: GitOptions, fd: number) {
  return spawn('git', [...BASE_ARGS, ...args], {
    cwd: opts.cwd,
    env: gitEnv(),
    stdio: ['ignore', fd, 'pipe'],
  });
}

/**
 * The top folder of the work tree around `cwd`, asked synchronously, as repoRoot resolves it; or
 * undefined when git says none or cannot run. For the CLI's head start only, where waiting for an
 * event would take longer than the call (the event loop is busy loading the CLI).
 */
export function toplevelSync(cwd: string): string | undefined {
  const r = spawnSync('git', [...BASE_ARGS, ...gitCalls.showToplevel.args], { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const top = gitCalls.showToplevel.parse(r.stdout);
  return top === '' ? undefined : path.resolve(top);
}

/** git's stderr, kept up to a size that holds any message worth showing. */
export function collectStderr(stream: NodeJS.ReadableStream): () => string {
  let stderr = '';
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => {
    if (stderr.length < MAX_STDERR) stderr += s;
  });
  return () => stderr;
}

function feed(child: ReturnType<typeof start>, input: string | undefined): void {
  // An EPIPE from a git that exits without reading its stdin is not our failure; its exit status tells.
  child.stdin.on('error', () => undefined);
  child.stdin.end(input ?? '');
}

/** Run git to completion and return its output; a non-accepted exit status throws a SealguardError. */
export function execGit(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = start(args, opts);
    const out: Buffer[] = [];
    const stderr = collectStderr(child.stderr);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', (e) => reject(spawnFailure(e, opts.cwd)));
    child.on('close', (code) => {
      const exitCode = code ?? -1;
      if (exitCode === 0 || opts.okExitCodes?.includes(exitCode)) {
        resolve({ stdout: Buffer.concat(out).toString('utf8'), exitCode });
      } else {
        reject(gitFailure(args, opts.cwd, code, stderr()));
      }
    });
    feed(child, opts.input);
  });
}

/** Run a git call and parse its output. */
export async function runGit<T>(cwd: string, call: GitCall<T>): Promise<T> {
  const { stdout } = await execGit(call.args, { cwd, okExitCodes: call.okExitCodes, input: call.input });
  return call.parse(stdout);
}

/**
 * Stream git's stdout as lines (without the '\n'). UTF-8 is decoded across chunk boundaries; a
 * '\r' before the '\n' is kept, since only the caller knows whether it is content. Stopping the
 * iteration early kills git. A failure exit status throws after the lines already produced.
 */
export async function* streamGitLines(args: readonly string[], opts: GitOptions): AsyncGenerator<string, void, undefined> {
  for await (const lines of streamGitLineChunks(args, opts)) yield* lines;
}

/**
 * Like streamGitLines, but the complete lines of each chunk git writes come as one array: one await
 * per chunk instead of one per line, which counts for `log -p` over a whole history.
 */
export async function* streamGitLineChunks(args: readonly string[], opts: GitOptions): AsyncGenerator<string[], void, undefined> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of streamGitChunks(args, opts)) {
    const parts = (rest + decoder.write(chunk)).split('\n');
    rest = parts.pop() ?? '';
    if (parts.length > 0) yield parts;
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest];
}

/**
 * git's stdout as the byte chunks it arrives in, for readers that work on bytes (the history scan:
 * decoding and splitting 20 MB of `log -p` into strings cost more than scanning it). Stopping the
 * iteration early kills git; a failure exit status throws after the chunks already produced.
 */
export async function* streamGitChunks(args: readonly string[], opts: GitOptions): AsyncGenerator<Buffer, void, undefined> {
  const child = start(args, opts);
  const stderr = collectStderr(child.stderr);
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(spawnFailure(e, opts.cwd)));
    child.on('close', (code) => resolve(code));
  });
  // Observed below; this only keeps an early spawn error from being reported as unhandled.
  done.catch(() => undefined);
  feed(child, opts.input);
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk;
    const code = await done;
    finished = true;
    if (code !== 0 && !opts.okExitCodes?.includes(code ?? -1)) throw gitFailure(args, opts.cwd, code, stderr());
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) child.kill();
  }
}

/** Git calls as data, with pure parsers. */
export const gitCalls = {
  /** `true`/`false`; exit 128 outside any repository is an answer, not a failure. */
  isInsideWorkTree: {
    args: ['rev-parse', '--is-inside-work-tree'],
    okExitCodes: [128],
    parse: (out: string): boolean => out.trim() === 'true',
  },
  /** Top of the work tree, or '' outside one (git exits 128 there, and inside .git). */
  showToplevel: {
    args: ['rev-parse', '--show-toplevel'],
    okExitCodes: [128],
    parse: (out: string): string => out.replace(/\n$/, ''),
  },
  /** The commit HEAD points at, or undefined before the first commit. */
  headCommit: {
    args: ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'],
    okExitCodes: [1],
    parse: (out: string): string | undefined => out.trim() || undefined,
  },
  /** The empty tree's id in this repository's hash (sha1 or sha256). */
  emptyTree: {
    args: ['hash-object', '-t', 'tree', '--stdin'],
    input: '',
    parse: (out: string): string => out.trim(),
  },
  gitPath: (name: string): GitCall<string> => ({
    args: ['rev-parse', '--git-path', name],
    parse: (out: string): string => out.replace(/\n$/, ''),
  }),
  /** Tracked files only: reads the index, no walk of the work tree. */
  lsTracked: (pathspec: readonly string[]): GitCall<string[]> => ({
    args: ['ls-files', '-z', '--cached', '--', ...pathspec],
    parse: parseNulList,
  }),
  /** NUL-separated (`-z`), so no quoting to undo. */
  lsFiles: (pathspec: readonly string[]): GitCall<string[]> => ({
    args: ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...pathspec],
    parse: parseNulList,
  }),
} as const;

export function parseNulList(out: string): string[] {
  return out.split('\0').filter((s) => s.length > 0);
}
