import { promises as fs, constants } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SealguardError, errorMessage } from './errors.js';

/** `.NAME.sealguard-PID-RANDOM.tmp`: the writer's pid tells a later run whether the writer is gone. */
function tempName(base: string): string {
  return `.${base}.sealguard-${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temp files a killed writer left beside `target` (SIGKILL or power loss skip every cleanup;
 * after `decrypt -i` such a file holds plaintext). Only files whose writer pid is no longer running
 * are removed, so a concurrent writer's temp file is never touched.
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = path.dirname(path.resolve(target));
  const prefix = `.${path.basename(target)}.sealguard-`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const m = /^(\d+)-[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (!m || isAlive(Number(m[1]))) continue;
    const file = path.join(dir, name);
    await fs.rm(file, { force: true }).then(
      () => removed.push(file),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Replace `target` atomically: write a temp file in the same folder (same filesystem, so rename is
 * atomic), fsync it, then rename over the target. On any failure the temp file is removed and the
 * original is left untouched. The new file keeps the original's mode when there is one. A process
 * killed mid-write (SIGKILL) cannot remove its temp file; the next write to the same target does.
 */
export async function atomicWrite(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  const dir = path.dirname(path.resolve(target));
  const tmp = path.join(dir, tempName(path.basename(target)));
  await removeStaleTemps(target);
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
