import pc from 'picocolors';
import { isSealguardError, errorMessage } from '../shared/errors.js';

/** Where a command writes. Commands never touch process.stdout directly, so tests can capture them. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** Colours only for a human at a terminal: not when piped, not with NO_COLOR, not in CI logs. */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Render any thrown value as the one-line message users see, plus detail lines. Returns the exit code. */
export function reportError(e: unknown, io: Io, verbose: boolean): number {
  const color = useColor(io.stderr, io.env);
  const red = color ? pc.red : (s: string) => s;
  if (isSealguardError(e)) {
    io.stderr.write(`${red('sealguard:')} ${e.message}\n`);
    for (const line of e.details) io.stderr.write(`  ${line}\n`);
    if (verbose && e.cause instanceof Error && e.cause.stack) io.stderr.write(`${e.cause.stack}\n`);
    return e.exitCode;
  }
  // An unexpected failure is a bug in sealguard. Its message comes from code we did not write and
  // could quote the data it choked on (a decrypted value, a key), so it is shown only on request.
  const kind = e instanceof Error ? e.name : typeof e;
  io.stderr.write(`${red('sealguard:')} internal error (${kind})\n`);
  if (verbose) io.stderr.write(`${e instanceof Error && e.stack ? e.stack : errorMessage(e)}\n`);
  else io.stderr.write('  (run with --verbose for details)\n');
  return 2;
}
