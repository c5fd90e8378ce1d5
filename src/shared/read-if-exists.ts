import { promises as fs } from 'node:fs';
import { ExitCode, SealguardError, errorMessage } from './errors.js';

/**
 * A text file's content, or undefined when it does not exist. Any other failure (permissions, a
 * folder in the way) is a one-line SealguardError with the caller's code and exit status.
 */
export async function readTextIfExists(
  file: string,
  code = 'FILE_UNREADABLE',
  exitCode: number = ExitCode.usage,
): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SealguardError(code, `cannot read ${file}: ${errorMessage(e)}`, { exitCode, cause: e });
  }
}
