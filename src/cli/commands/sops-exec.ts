import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, closeSync, openSync, promises as fs, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ExitCode, SealguardError, errorMessage } from '../../shared/errors.js';
import { decryptText, openEncrypted } from '../../sops/file.js';
import { createPrivateTempDir } from '../../sops/edit/private-temp.js';
import type { StoreFormat } from '../../sops/stores/types.js';
import type { MapNode } from '../../sops/tree.js';
import { trapSignals } from '../signals.js';
import type { Io } from '../io.js';
import { outputData, readInput, warn } from './sops.js';

interface ExecOptions {
  inputType?: StoreFormat;
  ignoreMac?: boolean;
}

export interface ExecEnvOptions extends ExecOptions {
  pristine?: boolean;
}

export interface ExecFileOptions extends ExecOptions {
  outputType?: StoreFormat;
  /** `--no-fifo` sets this to false. */
  fifo?: boolean;
  filename?: string;
}

/**
 * One argument is a command line for the shell (as sops takes it); several are the argv itself
 * (what follows `--`), run without a shell.
 */
function commandFor(args: readonly string[]): { command: string; args: string[] } {
  if (args.length === 0) throw new SealguardError('USAGE', 'give the command to run, e.g. -- node app.js');
  if (args.length === 1) return { command: '/bin/sh', args: ['-c', args[0] as string] };
  return { command: args[0] as string, args: args.slice(1) };
}

/** Run the child with our stdio; resolve with its exit status (128+n when a signal ended it). */
function runChild(cmd: { command: string; args: string[] }, env: NodeJS.ProcessEnv, io: Io, onStart: (c: ChildProcess) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.command, cmd.args, { stdio: 'inherit', env, cwd: io.cwd });
    onStart(child);
    child.on('error', (e) =>
      reject(new SealguardError('EXEC_FAILED', `cannot run ${cmd.command}: ${errorMessage(e)}`, { exitCode: 127 })),
    );
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
  });
}

/** Environment variables from the first document's top-level values, as sops' exec-env builds them. */
export function environmentFrom(root: MapNode | undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const item of root?.items ?? []) {
    if (item.kind !== 'entry') continue;
    if (item.value.kind !== 'scalar') {
      throw new SealguardError('EXEC_COMPLEX_VALUE', `cannot use complex value in environment: "${item.key}" is a ${item.value.kind}`, {
        exitCode: 1,
      });
    }
    if (item.key.includes('=') || item.key === '' || item.key.includes('\0')) {
      throw new SealguardError('EXEC_BAD_KEY', `cannot use key "${item.key}" as an environment variable name`, { exitCode: 1 });
    }
    const s = item.value.scalar;
    vars[item.key] = s.type === 'null' ? '' : s.type === 'bool' ? String(s.value) : s.value;
  }
  return vars;
}

/** `exec-env F -- CMD…`: run CMD with the file's top-level values added to its environment only. */
export async function runExecEnv(file: string, command: string[], opts: ExecEnvOptions, io: Io): Promise<number> {
  const cmd = commandFor(command);
  const text = await readInput(file, io);
  const opened = await openEncrypted(text, path.resolve(io.cwd, file), { inputType: opts.inputType, ignoreMac: opts.ignoreMac, env: io.env });
  warn(opened.warnings, io);
  const env = { ...(opts.pristine ? {} : io.env), ...environmentFrom(opened.file.documents[0]) };
  let child: ChildProcess | undefined;
  // Nothing is on disk; signals are passed on so the child can finish and we exit with its status.
  const forward = (signal: NodeJS.Signals): void => {
    child?.kill(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, forward);
  try {
    return await runChild(cmd, env, io, (c) => (child = c));
  } finally {
    for (const s of signals) process.removeListener(s, forward);
  }
}

function makeFifo(file: string): void {
  try {
    execFileSync('mkfifo', ['-m', '600', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new SealguardError('FIFO_FAILED', `cannot create a FIFO (use --no-fifo): ${errorMessage(e).split('\n')[0]}`, {
      exitCode: ExitCode.couldNotWriteOutput,
    });
  }
}

/** Write `data` into the FIFO once a reader opens it. Never rejects: a reader that goes away is not our error. */
function feedFifo(fifo: string, data: string | Uint8Array): { finish(): Promise<void> } {
  let finished = false;
  const done = (async () => {
    try {
      const handle = await fs.open(fifo, 'w');
      try {
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    } catch {
      // EPIPE or the FIFO removed: the command did not read it all.
    } finally {
      finished = true;
    }
  })();
  const unblock = (): void => {
    // Opening the read end lets a writer still waiting in open() go on (and fail or finish).
    try {
      closeSync(openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK));
    } catch {
      // Already gone.
    }
  };
  return {
    /** After the command ended: release a writer nobody read from, so the FIFO can be removed and we can exit. */
    async finish(): Promise<void> {
      // The writer may not have reached open() yet when we first unblock: try a few times.
      for (let i = 0; i < 40 && !finished; i++) {
        unblock();
        await Promise.race([done, new Promise((r) => setTimeout(r, 50))]);
      }
    },
  };
}

/**
 * `exec-file F -- CMD {}`: the plaintext in a FIFO (default) or a private 0600 file (`--no-fifo`),
 * `{}` in the command replaced by its path; the folder is removed afterwards, signals included.
 */
export async function runExecFile(file: string, command: string[], opts: ExecFileOptions, io: Io): Promise<number> {
  if (command.length === 0) throw new SealguardError('USAGE', 'give the command to run, e.g. -- cat {}');
  if (opts.filename !== undefined && (opts.filename === '' || opts.filename !== path.basename(opts.filename) || opts.filename === '..')) {
    throw new SealguardError('USAGE', '--filename takes a plain file name, without folders');
  }
  const text = await readInput(file, io);
  const { output: plaintext, warnings } = await decryptText(text, path.resolve(io.cwd, file), {
    inputType: opts.inputType,
    outputType: opts.outputType,
    ignoreMac: opts.ignoreMac,
    env: io.env,
  });
  warn(warnings, io);
  const output = outputData(plaintext);

  const temp = createPrivateTempDir();
  let child: ChildProcess | undefined;
  const trap = trapSignals(
    () => temp.remove(),
    () => child?.kill('SIGTERM'),
  );
  let feeder: ReturnType<typeof feedFifo> | undefined;
  try {
    const useFifo = opts.fifo !== false;
    const target = path.join(temp.dir, opts.filename ?? (useFifo ? 'tmp-file' : `tmp-file${randomBytes(5).toString('hex')}`));
    if (useFifo) {
      makeFifo(target);
      feeder = feedFifo(target, output);
    } else {
      writeFileSync(target, output, { mode: 0o600, flag: 'wx' });
    }
    const argv = command.map((a) => a.split('{}').join(target));
    const status = await runChild(commandFor(argv), io.env, io, (c) => (child = c));
    return status;
  } finally {
    await feeder?.finish();
    trap.release();
    temp.remove();
  }
}
