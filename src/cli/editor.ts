/**
 * Which editor `sealguard edit` starts, the way sops picks it: $SOPS_EDITOR, else $EDITOR, else the
 * first of vim, nano, vi on PATH. GUI editors return at once unless told to wait, which would make
 * the edit look unchanged, so their wait flag is added when the user did not give it.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { ExitCode, SealguardError } from '../shared/errors.js';
import { splitShellWords } from '../git/hook-script.js';

export interface EditorCommand {
  readonly command: string;
  readonly args: readonly string[];
  /** What to call the editor in messages. */
  readonly name: string;
}

/** Editors that detach from the terminal, and the flag that makes them block until the file is closed. */
const WAIT_FLAGS: Readonly<Record<string, { flag: string; aliases: readonly string[] }>> = {
  code: { flag: '--wait', aliases: ['-w'] },
  'code-insiders': { flag: '--wait', aliases: ['-w'] },
  codium: { flag: '--wait', aliases: ['-w'] },
  cursor: { flag: '--wait', aliases: ['-w'] },
  windsurf: { flag: '--wait', aliases: ['-w'] },
  subl: { flag: '--wait', aliases: ['-w'] },
  sublime_text: { flag: '--wait', aliases: ['-w'] },
  atom: { flag: '--wait', aliases: ['-w'] },
  zed: { flag: '--wait', aliases: ['-w'] },
  gedit: { flag: '--wait', aliases: ['-w'] },
  mate: { flag: '-w', aliases: ['--wait'] },
  kate: { flag: '--block', aliases: ['-b'] },
  gvim: { flag: '-f', aliases: ['--nofork'] },
  mvim: { flag: '-f', aliases: ['--nofork'] },
};

const FALLBACK_EDITORS = ['vim', 'nano', 'vi'];

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH, as an absolute path. */
export function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function withWaitFlag(words: readonly string[]): string[] {
  const base = path.basename(words[0] as string).replace(/\.(exe|cmd|bat)$/i, '').toLowerCase();
  const wait = WAIT_FLAGS[base];
  const rest = words.slice(1);
  if (!wait || rest.includes(wait.flag) || wait.aliases.some((a) => rest.includes(a))) return [...words];
  return [words[0] as string, wait.flag, ...rest];
}

/** The command that opens `file` in the user's editor. Throws NO_EDITOR (exit 201) when there is none. */
export function editorCommand(file: string, env: NodeJS.ProcessEnv): EditorCommand {
  const configured = [env.SOPS_EDITOR, env.EDITOR].find((v) => v !== undefined && v.trim() !== '');
  if (configured !== undefined) {
    const words = splitShellWords(configured);
    if (!words) {
      // Variables, ~ or operators: let the shell read it as the user wrote it, the file as "$1".
      return { command: '/bin/sh', args: ['-c', `${configured} "$1"`, 'sh', file], name: configured };
    }
    const argv = withWaitFlag(words);
    return { command: argv[0] as string, args: [...argv.slice(1), file], name: words[0] as string };
  }
  for (const name of FALLBACK_EDITORS) {
    const found = findOnPath(name, env);
    if (found) return { command: found, args: [file], name };
  }
  throw new SealguardError(
    'NO_EDITOR',
    'no editor available: set SOPS_EDITOR or EDITOR, or install one of vim, nano or vi',
    { exitCode: ExitCode.noEditorFound },
  );
}
