import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ExitCode, SealguardError, errorMessage, isSealguardError } from '../../shared/errors.js';
import { atomicWrite } from '../../shared/atomic-write.js';
import { openSession } from '../../sops/session.js';
import { parseTreePath, type TreePathSegment } from '../../sops/tree-path.js';
import { setAtPath, treeNodeFromJson, unsetAtPath } from '../../sops/tree-set.js';
import type { MapNode } from '../../sops/tree.js';
import type { StoreFormat } from '../../sops/stores/types.js';
import type { Io } from '../io.js';
import { readInput, warn } from './sops.js';

interface CommonOptions {
  inputType?: StoreFormat;
  ignoreMac?: boolean;
  idempotent?: boolean;
}

export interface SetCommandOptions extends CommonOptions {
  valueFile?: string;
  valueStdin?: boolean;
}

/** sops answers a `set`/`unset` path it cannot parse with its own exit status (7). */
function parseSetPath(text: string): TreePathSegment[] {
  try {
    return parseTreePath(text);
  } catch (e) {
    if (isSealguardError(e)) throw new SealguardError(e.code, e.message, { exitCode: ExitCode.invalidSetFormat });
    throw e;
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

async function valueText(value: string | undefined, opts: SetCommandOptions, io: Io): Promise<string> {
  const sources = [value !== undefined, opts.valueFile !== undefined, opts.valueStdin === true].filter(Boolean).length;
  if (sources !== 1) {
    throw new SealguardError('USAGE', 'give the value exactly one way: as an argument, with --value-file PATH or with --value-stdin');
  }
  if (opts.valueStdin) return readStream(io.stdin);
  if (opts.valueFile !== undefined) {
    try {
      return await fs.readFile(path.resolve(io.cwd, opts.valueFile), 'utf8');
    } catch (e) {
      throw new SealguardError('FILE_UNREADABLE', `cannot read --value-file ${opts.valueFile}: ${errorMessage(e)}`, {
        exitCode: ExitCode.notEncrypted,
      });
    }
  }
  return value as string;
}

/**
 * Open `file`, let `change` modify the first document, seal and write it back in place. `change`
 * returns false when nothing changed; with `idempotent` the file is then left as it is.
 */
async function rewrite(
  file: string,
  opts: CommonOptions,
  io: Io,
  unchanged: string,
  change: (root: MapNode) => boolean,
): Promise<number> {
  const abs = path.resolve(io.cwd, file);
  const text = await readInput(file, io);
  const session = await openSession(text, abs, { inputType: opts.inputType, ignoreMac: opts.ignoreMac, env: io.env });
  try {
    warn(session.warnings, io);
    // As sops, set and unset work on the first document of a multi-document file.
    const root = session.file.documents[0];
    if (!root) throw new SealguardError('PATH_NOT_FOUND', `${file} has no document`, { exitCode: ExitCode.invalidTreePath });
    const changed = change(root);
    if (!changed && opts.idempotent) {
      io.stderr.write(`sealguard: ${file} left unchanged: ${unchanged}\n`);
      return 0;
    }
    await atomicWrite(abs, session.seal(session.file));
    return 0;
  } finally {
    session.close();
  }
}

/** `set F PATH VALUE`: VALUE is JSON; the file is rewritten in place, other values keep their ciphertext. */
export async function runSet(file: string, treePath: string, value: string | undefined, opts: SetCommandOptions, io: Io): Promise<number> {
  const segments = parseSetPath(treePath);
  const node = treeNodeFromJson(await valueText(value, opts, io));
  return rewrite(file, opts, io, 'the value is already set', (root) => setAtPath(root, segments, node));
}

/** `unset F PATH`: removes one key or list item; with --idempotent a missing one is not an error. */
export async function runUnset(file: string, treePath: string, opts: CommonOptions, io: Io): Promise<number> {
  const segments = parseSetPath(treePath);
  return rewrite(file, opts, io, 'there is no value at that path', (root) => {
    try {
      unsetAtPath(root, segments);
      return true;
    } catch (e) {
      if (opts.idempotent && isSealguardError(e) && e.code === 'PATH_NOT_FOUND') return false;
      throw e;
    }
  });
}
