import { spawn } from 'node:child_process';

export interface ProcessResult {
  /** Exit status; null when the process was killed (deadline) or could not start. */
  readonly status: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Set when the program could not be started at all (e.g. ENOENT: not installed). */
  readonly spawnError?: NodeJS.ErrnoException;
}

export interface RunOptions {
  readonly input?: string | Uint8Array;
  readonly env?: NodeJS.ProcessEnv;
  /** Hard deadline: an agent waiting for a pinentry nobody answers must not hang the command. */
  readonly timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Runs a program without a shell, feeding `input` on stdin and collecting stdout as bytes (it may be
 * a raw data key) and stderr as text. Never rejects: callers turn the result into their own message.
 */
export function runProcess(file: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    const finish = (result: ProcessResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Own process group, so the deadline also stops helpers the program started.
      detached: process.platform !== 'win32',
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(child.pid);
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish({ status: null, stdout: Buffer.alloc(0), stderr: '', timedOut, spawnError: e });
    });
    child.on('close', (status) => {
      finish({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    // A program that exits without reading stdin makes the write fail with EPIPE; the exit status says enough.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

function killTree(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(process.platform === 'win32' ? pid : -pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The last meaningful stderr line, shortened: enough for a user to see why, never a wall of text. */
export function lastStderrLine(stderr: string, max = 200): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const line = lines[lines.length - 1] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
