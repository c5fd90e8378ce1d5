import { promises as fs, constants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SealguardError, errorMessage } from './errors.js';

/**
 * Replace `target` atomically: write a temp file in the same folder (same filesystem, so rename is
 * atomic), fsync it, then rename over the target. On any failure the temp file is removed and the
 * original is left untouched. The new file keeps the original's mode when there is one.
 */
export async function atomicWrite(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, `.${path.basename(target)}.sealguard-${randomBytes(6).toString('hex')}.tmp`);
  let fileMode = mode;
  if (fileMode === undefined) {
    try {
      fileMode = (await fs.stat(target)).mode & 0o7777;
    } catch {
      fileMode = 0o644;
    }
  }
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, fileMode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new SealguardError('WRITE_FAILED', `cannot write ${target}: ${errorMessage(e)}`, { cause: e });
  }
}
