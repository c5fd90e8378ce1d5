import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ExitCode, SealguardError, errorMessage, isSealguardError } from '../../shared/errors.js';
import { atomicWrite } from '../../shared/atomic-write.js';
import { encryptText, formatFromPath, storeFor, type EncryptOptions } from '../../sops/file.js';
import { openSession } from '../../sops/session.js';
import { editTemplate } from '../../sops/edit/template.js';
import { createPrivateTempFile } from '../../sops/edit/private-temp.js';
import type { Store, StoreFormat } from '../../sops/stores/types.js';
import type { ParsedFile } from '../../sops/tree.js';
import { editorCommand, type EditorCommand } from '../editor.js';
import { trapSignals } from '../signals.js';
import type { Io } from '../io.js';
import { rawBytesText } from '../../sops/tree.js';
import { outputData, readInput, warn } from './sops.js';

export interface EditCommandOptions {
  inputType?: StoreFormat;
  ignoreMac?: boolean;
  config?: string;
  /** Keys for a file that does not exist yet (else the matching creation rule's). */
  age?: string[];
  pgp?: string[];
  kms?: string[];
}

const MAX_UNATTENDED_RETRIES = 5;

interface Edited {
  readonly text: string;
  readonly file: ParsedFile;
}

function runEditor(editor: EditorCommand, io: Io, started: (child: ChildProcess | undefined) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(editor.command, editor.args, { stdio: 'inherit', env: io.env, cwd: io.cwd });
    started(child);
    child.on('error', (e) => {
      started(undefined);
      reject(new SealguardError('NO_EDITOR', `cannot start the editor ${editor.name}: ${errorMessage(e)}`, { exitCode: ExitCode.noEditorFound }));
    });
    child.on('exit', (code, signal) => {
      started(undefined);
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
}

async function waitForEnter(io: Io): Promise<void> {
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    await new Promise<void>((resolve) => {
      rl.once('line', () => resolve());
      rl.once('close', () => resolve());
    });
  } finally {
    rl.close();
    // Give the terminal back to the editor: a paused stdin does not compete with it for keys.
    io.stdin.pause();
  }
}

/** Why the edited text cannot be sealed, or undefined when it can. Store messages never quote values. */
function problemWith(text: string, store: Store): { problem?: string; file?: ParsedFile } {
  try {
    const parsed = store.parse(text);
    if (parsed.metadata !== undefined) return { problem: 'a top-level "sops" key is reserved for the encryption metadata' };
    return { file: parsed.file };
  } catch (e) {
    return { problem: isSealguardError(e) ? e.message : 'it could not be parsed' };
  }
}

/**
 * Open `initial` in the user's editor in a private temp file named `name`, until the result parses
 * with `store`. The temp folder is removed on every way out, signals included.
 */
async function editUntilValid(name: string, initial: string, store: Store, io: Io): Promise<Edited> {
  // The binary store's editor copy holds the file's exact bytes, and is read back as bytes.
  const temp = createPrivateTempFile(name, outputData(initial));
  let child: ChildProcess | undefined;
  const trap = trapSignals(
    () => temp.remove(),
    () => child?.kill('SIGTERM'),
  );
  try {
    let lastInvalid: string | undefined;
    let unattendedRetries = 0;
    for (;;) {
      const editor = editorCommand(temp.file, io.env);
      const status = await runEditor(editor, io, (c) => (child = c));
      if (status !== 0) {
        throw new SealguardError('EDITOR_FAILED', `the editor (${editor.name}) exited with status ${status}: nothing was written`, {
          exitCode: ExitCode.noEditorFound,
        });
      }
      let text: string;
      try {
        const raw = readFileSync(temp.file);
        text = store.format === 'binary' ? rawBytesText(raw) : raw.toString('utf8');
      } catch (e) {
        throw new SealguardError('EDIT_LOST', `cannot read the edited copy back (${(e as NodeJS.ErrnoException).code ?? 'error'}): nothing was written`, {
          exitCode: ExitCode.notEncrypted,
        });
      }
      if (text === initial) {
        throw new SealguardError('FILE_NOT_MODIFIED', 'File has not changed, exiting.', { exitCode: ExitCode.fileHasNotBeenModified });
      }
      if (text === lastInvalid) {
        throw new SealguardError('EDIT_INVALID', `the edited file is still not valid ${store.format}: nothing was written`, {
          exitCode: ExitCode.errorDumpingTree,
        });
      }
      const { problem, file } = problemWith(text, store);
      if (file) return { text, file };
      lastInvalid = text;
      io.stderr.write(`sealguard: the edited file is not valid ${store.format}: ${problem}\n`);
      if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
        io.stderr.write('Press Enter to return to the editor, or Ctrl-C to give up (your changes are then lost).\n');
        await waitForEnter(io);
      } else {
        // Without a terminal nobody may be there to fix it: do not loop for ever on an editor script.
        if (++unattendedRetries > MAX_UNATTENDED_RETRIES) {
          throw new SealguardError('EDIT_INVALID', `the edited file is still not valid ${store.format} after ${MAX_UNATTENDED_RETRIES} tries: nothing was written`, {
            exitCode: ExitCode.errorDumpingTree,
          });
        }
        io.stderr.write('sealguard: reopening the editor; quit it without saving, or with an error, to give up\n');
      }
    }
  } finally {
    trap.release();
    temp.remove();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * `edit F`: decrypt to a private temp file, open the editor, re-encrypt what changed (unchanged
 * values keep their ciphertext). A file that does not exist starts from an example document and is
 * encrypted with the matching creation rule's keys or the --age/--pgp/--kms given.
 */
export async function runEdit(file: string, opts: EditCommandOptions, io: Io): Promise<number> {
  const abs = path.resolve(io.cwd, file);
  const format = opts.inputType ?? formatFromPath(abs);
  const store = storeFor(format);
  const name = path.basename(abs);

  if (await exists(abs)) {
    const text = await readInput(file, io);
    const session = await openSession(text, abs, { inputType: opts.inputType, ignoreMac: opts.ignoreMac, env: io.env });
    try {
      warn(session.warnings, io);
      const edited = await editUntilValid(name, session.store.emit(session.file), session.store, io);
      await atomicWrite(abs, session.seal(edited.file));
    } finally {
      session.close();
    }
    return 0;
  }

  const encryptOptions: EncryptOptions = {
    inputType: opts.inputType,
    keys: { age: opts.age, pgp: opts.pgp, kms: opts.kms },
    configPath: opts.config ? path.resolve(io.cwd, opts.config) : undefined,
    env: io.env,
  };
  if (!(await exists(path.dirname(abs)))) {
    throw new SealguardError('FILE_NOT_FOUND', `cannot create ${file}: the folder ${path.dirname(file)} does not exist`, {
      exitCode: ExitCode.fileNotFound,
    });
  }
  const template = editTemplate(format);
  // Find the keys before the user types anything: a missing rule is reported now, not after the edit.
  const probe = await encryptText(template, abs, encryptOptions);
  warn(probe.warnings, io);
  const edited = await editUntilValid(name, template, store, io);
  const result = await encryptText(edited.text, abs, encryptOptions);
  await atomicWrite(abs, result.output, 0o644);
  return 0;
}
