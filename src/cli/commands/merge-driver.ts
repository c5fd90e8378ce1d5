import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ExitCode, SealguardError, errorMessage } from '../../shared/errors.js';
import { maskSecret } from '../../shared/secret.js';
import { atomicWrite } from '../../shared/atomic-write.js';
import { execGit } from '../../git/run.js';
import { formatFromPath, openEncrypted, storeFor } from '../../sops/file.js';
import { openSession } from '../../sops/session.js';
import { formatTreePath, mergeTrees, type MergeConflict } from '../../sops/merge.js';
import type { SopsMetadata, StoredKey } from '../../sops/metadata.js';
import type { Store } from '../../sops/stores/types.js';
import type { ParsedFile, TreeNode } from '../../sops/tree.js';
import type { Io } from '../io.js';

/**
 * git's merge driver for encrypted files (`merge.sealguard.driver = … merge-driver %O %A %B %P`).
 * Exit 0 with the merge written to %A (encrypted with ours' data key and recipients), or non-zero
 * with %A untouched: git then marks the file conflicted and the user resolves it by hand.
 */

export const SHOW_VALUES_ENV = 'SEALGUARD_SHOW_CONFLICT_VALUES';

export interface MergeDriverOptions {
  /** Show conflicting values in clear (also SEALGUARD_SHOW_CONFLICT_VALUES=1). */
  showValues?: boolean;
}

async function read(file: string, io: Io, role: string): Promise<string> {
  try {
    return await fs.readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new SealguardError('FILE_UNREADABLE', `cannot read ${role} (${file}): ${errorMessage(e)}`, { exitCode: ExitCode.usage });
  }
}

/** git's own line-based merge, for files the pattern routes here that are not sops files. */
async function textMerge(base: string, ours: string, theirs: string, io: Io): Promise<number> {
  const r = await execGit(['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', ours, base, theirs], {
    cwd: io.cwd,
    okExitCodes: Array.from({ length: 127 }, (_, i) => i + 1),
  });
  return r.exitCode === 0 ? 0 : 1;
}

function recipients(meta: SopsMetadata): string {
  const id = (k: StoredKey): string => (k.kind === 'age' ? k.recipient : k.kind === 'pgp' ? k.fp : k.kind === 'kms' ? k.arn : k.list);
  return meta.keyGroups
    .map((g) => g.map(id).sort().join(','))
    .sort()
    .join(';');
}

function describe(node: TreeNode | undefined, show: boolean): string {
  if (node === undefined) return '(absent)';
  if (node.kind === 'map') return `(a map of ${node.items.filter((i) => i.kind === 'entry').length} keys)`;
  if (node.kind === 'list') return `(a list of ${node.items.filter((i) => i.kind !== 'comment').length} items)`;
  const s = node.scalar;
  if (s.type === 'null') return 'null';
  const text = s.type === 'bool' ? String(s.value) : s.value;
  return show ? JSON.stringify(text) : `${maskSecret(text)} (${s.type}, ${text.length} chars)`;
}

const KIND_TEXT: Record<MergeConflict['kind'], string> = {
  'both-changed': 'changed on both sides, differently',
  'both-added': 'added on both sides, with different values',
  'deleted-by-us': 'deleted on our side, changed on theirs',
  'deleted-by-them': 'changed on our side, deleted on theirs',
};

/** The conflict report for stderr: key paths and (masked) values. Pure, for tests. */
export function conflictReport(file: string, conflicts: readonly MergeConflict[], show: boolean, multiDoc: boolean): string {
  const lines = [`sealguard: cannot merge ${file}: ${conflicts.length} conflicting ${conflicts.length === 1 ? 'key' : 'keys'}`];
  for (const c of conflicts) {
    const doc = multiDoc ? ` (document ${c.document + 1})` : '';
    lines.push(`  ${formatTreePath(c.path)}${doc}: ${KIND_TEXT[c.kind]}`);
    if (c.path.length === 0 && c.ours === undefined && c.theirs === undefined) continue;
    lines.push(`      base:   ${describe(c.base, show)}`, `      ours:   ${describe(c.ours, show)}`, `      theirs: ${describe(c.theirs, show)}`);
  }
  lines.push(`  ${file} is left as it is on our side; resolve the keys above with \`sealguard edit ${file}\`, then \`git add ${file}\`.`);
  if (!show) lines.push(`  values are masked; set ${SHOW_VALUES_ENV}=1 (or pass --show-values) to see them.`);
  return lines.join('\n') + '\n';
}

/** A side's tree: decrypted when it is a sops file (its own data key), as it is otherwise. */
async function openSide(text: string, store: Store, file: string, env: NodeJS.ProcessEnv): Promise<{ file: ParsedFile; metadata?: SopsMetadata }> {
  const parsed = store.parse(text);
  if (parsed.metadata === undefined) return { file: parsed.file };
  const opened = await openEncrypted(text, file, { env });
  return { file: opened.file, metadata: opened.metadata };
}

export async function runMergeDriver(
  basePath: string,
  oursPath: string,
  theirsPath: string,
  realPath: string | undefined,
  opts: MergeDriverOptions,
  io: Io,
): Promise<number> {
  const name = realPath ?? oursPath;
  const [baseText, oursText, theirsText] = await Promise.all([
    read(basePath, io, 'the common ancestor'),
    read(oursPath, io, 'our version'),
    read(theirsPath, io, 'their version'),
  ]);
  let store: Store;
  try {
    store = storeFor(formatFromPath(name));
  } catch {
    return textMerge(basePath, oursPath, theirsPath, io);
  }
  const fileForKeys = path.resolve(io.cwd, name);
  const oursParsed = store.parse(oursText);
  const theirsEncrypted = store.parse(theirsText).metadata !== undefined;
  if (oursParsed.metadata === undefined) {
    if (!theirsEncrypted) return textMerge(basePath, oursPath, theirsPath, io);
    throw new SealguardError('MERGE_MIXED', `cannot merge ${name}: it is encrypted on their side but not on ours; merge it by hand`, {
      exitCode: ExitCode.findings,
    });
  }

  const session = await openSession(oursText, fileForKeys, { env: io.env });
  try {
    const theirs = await openSide(theirsText, store, fileForKeys, io.env);
    // A file added on both sides has an empty common ancestor.
    const base =
      baseText.trim() === ''
        ? { file: { documents: session.file.documents.map(() => ({ kind: 'map' as const, items: [] })) } }
        : await openSide(baseText, store, fileForKeys, io.env);
    const result = mergeTrees(base.file, session.file, theirs.file);
    if (result.conflicts.length > 0) {
      const show = opts.showValues === true || io.env[SHOW_VALUES_ENV] === '1';
      io.stderr.write(conflictReport(name, result.conflicts, show, session.file.documents.length > 1));
      return 1;
    }
    for (const note of result.notes) io.stderr.write(`sealguard: note: ${name}: ${note}\n`);
    if (theirs.metadata && recipients(theirs.metadata) !== recipients(session.metadata)) {
      io.stderr.write(`sealguard: note: ${name}: their side changed the file's keys; the merge keeps ours (run \`sealguard updatekeys ${name}\` if needed)\n`);
    }
    const sealed = session.seal(result.file);
    await atomicWrite(path.resolve(io.cwd, oursPath), sealed);
    return 0;
  } finally {
    session.close();
  }
}
