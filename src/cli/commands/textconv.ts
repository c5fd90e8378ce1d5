import { promises as fs } from 'node:fs';
import path from 'node:path';
import { decryptText } from '../../sops/file.js';
import { outputData } from './sops.js';
import type { Io } from '../io.js';

/**
 * git's textconv for encrypted files (`diff.sealguard.textconv`): prints the decrypted file for
 * whoever holds a key and the file unchanged otherwise. It never fails, since a failing textconv
 * makes `git diff` and `git log -p` fail for everyone, including people without a key.
 */
export async function runTextconv(file: string, io: Io): Promise<number> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(path.resolve(io.cwd, file));
  } catch {
    // Nothing to show; git reports a missing file itself.
    return 0;
  }
  let out: string | Buffer = raw;
  try {
    // git names its temporary copies `XXXXXX_<name>`, so the extension still picks the format.
    out = outputData((await decryptText(raw.toString('utf8'), path.resolve(io.cwd, file), { env: io.env })).output);
  } catch {
    // No key, not a sops file, unsupported format, tampered file: the ciphertext is the honest view.
    out = raw;
  }
  await new Promise<void>((resolve) => io.stdout.write(out, () => resolve()));
  return 0;
}
