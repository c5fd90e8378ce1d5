import path from 'node:path';
import { createInterface } from 'node:readline';
import { ExitCode, SealguardError, isSealguardError } from '../../shared/errors.js';
import { atomicWrite } from '../../shared/atomic-write.js';
import { creationRuleFor, formatFromPath, storeFor } from '../../sops/file.js';
import { newDataKey, openSession } from '../../sops/session.js';
import { metadataFromObject } from '../../sops/metadata-codec.js';
import type { SopsMetadata, StoredKey } from '../../sops/metadata.js';
import { masterKeyFromStored, masterKeyGroupsFromRule, masterKeysFrom } from '../../sops/keys/master-keys.js';
import { shamirThresholdFor, wrapDataKeyForGroups } from '../../sops/keys/wrap.js';
import type { MasterKey } from '../../sops/keys/types.js';
import type { StoreFormat } from '../../sops/stores/types.js';
import type { Io } from '../io.js';
import { readInput, warn } from './sops.js';

export interface RotateCommandOptions {
  inPlace?: boolean;
  output?: string;
  inputType?: StoreFormat;
  outputType?: StoreFormat;
  ignoreMac?: boolean;
  addAge?: string[];
  rmAge?: string[];
  addPgp?: string[];
  rmPgp?: string[];
  addKms?: string[];
  rmKms?: string[];
}

export interface UpdateKeysCommandOptions {
  yes?: boolean;
  config?: string;
  inputType?: StoreFormat;
  ignoreMac?: boolean;
}

/** How a key is named to users and compared: `age1…`, `pgp FP`, `kms ARN`. Never key material. */
function storedId(k: StoredKey): string {
  switch (k.kind) {
    case 'age':
      return k.recipient;
    case 'pgp':
      return `pgp ${k.fp.toUpperCase()}`;
    case 'kms':
      return `kms ${k.arn}`;
    case 'foreign':
      return `${k.list}`;
  }
}

function masterId(k: MasterKey): string {
  return k.kind === 'age' ? k.id : k.kind === 'pgp' ? `pgp ${k.id.toUpperCase()}` : `kms ${k.id}`;
}

/** Master keys named by --add-* flags only: the SOPS_*_RECIPIENTS/FP/ARN fallbacks do not apply here. */
function flagKeys(age: string[] | undefined, pgp: string[] | undefined, kms: string[] | undefined, env: NodeJS.ProcessEnv): MasterKey[] {
  const quiet = { ...env, SOPS_AGE_RECIPIENTS: undefined, SOPS_PGP_FP: undefined, SOPS_KMS_ARN: undefined };
  return masterKeysFrom({ age: age ?? [], pgp: pgp ?? [], kms: kms ?? [] }, quiet);
}

function removalIds(opts: RotateCommandOptions): string[] {
  const split = (v: string[] | undefined) => (v ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
  return [...split(opts.rmAge), ...split(opts.rmPgp).map((fp) => `pgp ${fp.toUpperCase()}`), ...split(opts.rmKms).map((arn) => `kms ${arn}`)];
}

async function writeResult(file: string, output: string, opts: { inPlace?: boolean; output?: string }, io: Io): Promise<void> {
  if (opts.inPlace && opts.output) throw new SealguardError('USAGE', 'use either -i/--in-place or --output, not both');
  const target = opts.inPlace ? file : opts.output;
  if (!target) {
    io.stdout.write(output);
    return;
  }
  await atomicWrite(path.resolve(io.cwd, target), output);
}

/**
 * `rotate F`: a new data key, wrapped for the file's recipients with the --add-... and --rm-... changes
 * (added keys join the first key group, as in sops); every value is re-encrypted under it.
 */
export async function runRotate(file: string, opts: RotateCommandOptions, io: Io): Promise<number> {
  const abs = path.resolve(io.cwd, file);
  const added = flagKeys(opts.addAge, opts.addPgp, opts.addKms, io.env);
  const removed = removalIds(opts);
  const text = await readInput(file, io);
  const session = await openSession(text, abs, { inputType: opts.inputType, ignoreMac: opts.ignoreMac, env: io.env });
  const dataKey = newDataKey();
  try {
    warn(session.warnings, io);
    const groups: MasterKey[][] = session.metadata.keyGroups.map((group) =>
      group.map((stored) => {
        const key = masterKeyFromStored(stored, io.env);
        if (!key) {
          throw new SealguardError('KEY_KIND_UNSUPPORTED', `cannot rotate: the file has a ${storedId(stored)} key, which this build cannot write`, {
            exitCode: ExitCode.couldNotRetrieveKey,
          });
        }
        return key;
      }),
    );
    const present = new Set(groups.flat().map(masterId));
    for (const id of removed) {
      if (!present.has(id)) io.stderr.write(`sealguard: warning: ${id} is not a recipient of ${file}; nothing to remove\n`);
    }
    const kept = groups.map((g) => g.filter((k) => !removed.includes(masterId(k))));
    for (const key of added) {
      if (!kept.flat().some((k) => masterId(k) === masterId(key))) kept[0]?.push(key);
    }
    const threshold = kept.length > 1 ? shamirThresholdFor(kept.length, session.metadata.shamirThreshold) : session.metadata.shamirThreshold;
    const keyGroups = await wrapDataKeyForGroups(dataKey, kept, threshold);
    const output = session.seal(session.file, {
      dataKey,
      keyGroups,
      shamirThreshold: threshold,
      store: opts.outputType ? storeFor(opts.outputType) : undefined,
    });
    await writeResult(file, output, opts, io);
    return 0;
  } finally {
    dataKey.fill(0);
    session.close();
  }
}

interface GroupDiff {
  readonly common: string[];
  readonly added: string[];
  readonly removed: string[];
}

function diffGroups(current: readonly (readonly StoredKey[])[], wanted: readonly (readonly MasterKey[])[]): GroupDiff[] {
  const out: GroupDiff[] = [];
  for (let i = 0; i < Math.max(current.length, wanted.length); i++) {
    const ours = (current[i] ?? []).map(storedId);
    const theirs = (wanted[i] ?? []).map(masterId);
    out.push({
      common: theirs.filter((id) => ours.includes(id)),
      added: theirs.filter((id) => !ours.includes(id)),
      removed: ours.filter((id) => !theirs.includes(id)),
    });
  }
  return out;
}

async function confirm(question: string, io: Io): Promise<boolean> {
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) {
      const answer = line.trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') return true;
      if (answer === 'n' || answer === 'no' || answer === '') return false;
      io.stderr.write('Please answer y or n: ');
    }
    return false;
  } finally {
    rl.close();
  }
}

function metadataOf(text: string, file: string, inputType: StoreFormat | undefined): SopsMetadata {
  const parsed = storeFor(inputType ?? formatFromPath(file)).parse(text);
  if (parsed.metadata === undefined) {
    throw new SealguardError('NOT_ENCRYPTED', `${file} has no sops metadata: it is not encrypted`, { exitCode: ExitCode.notEncrypted });
  }
  return metadataFromObject(parsed.metadata);
}

/**
 * `updatekeys F`: make the file's recipients those of its current creation rule, keeping the data
 * key. With one key group, entries of recipients that stay are kept byte for byte and only new
 * recipients get the key wrapped; with several groups the key is split again (same key, new shares).
 */
export async function runUpdateKeys(file: string, opts: UpdateKeysCommandOptions, io: Io): Promise<number> {
  const abs = path.resolve(io.cwd, file);
  const text = await readInput(file, io);
  const metadata = metadataOf(text, abs, opts.inputType);
  const { match, config, warnings } = creationRuleFor(abs, opts.config ? path.resolve(io.cwd, opts.config) : undefined);
  warn(warnings, io);
  if (!config) {
    throw new SealguardError('CONFIG_NOT_FOUND', 'no .sops.yaml was found in the file\'s folder or any parent folder', {
      exitCode: ExitCode.configFileNotFound,
    });
  }
  if (!match) {
    throw new SealguardError('NO_CREATION_RULE', `no creation rule in ${config.path} matches ${file}`, { exitCode: ExitCode.errorReadingConfig });
  }
  const wanted = masterKeyGroupsFromRule(match.rule, io.env);
  const threshold = wanted.length > 1 ? shamirThresholdFor(wanted.length, match.rule.shamirThreshold ?? metadata.shamirThreshold) : undefined;
  const diffs = diffGroups(metadata.keyGroups, wanted);
  const thresholdChanges = wanted.length > 1 && threshold !== metadata.shamirThreshold;
  if (!thresholdChanges && diffs.every((d) => d.added.length === 0 && d.removed.length === 0)) {
    io.stderr.write(`sealguard: ${file}: no changes, the keys already match creation_rules[${match.index}]\n`);
    return 0;
  }

  const lines = [`The following changes will be made to the keys of ${file}:`];
  diffs.forEach((d, i) => {
    if (diffs.length > 1) lines.push(`Group ${i + 1}`);
    lines.push(...d.common.map((id) => `    ${id}`), ...d.added.map((id) => `+   ${id}`), ...d.removed.map((id) => `-   ${id}`));
  });
  if (thresholdChanges) lines.push(`shamir_threshold: ${metadata.shamirThreshold ?? '(none)'} -> ${threshold}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  if (!opts.yes) {
    if ((io.stdin as { isTTY?: boolean }).isTTY !== true) {
      throw new SealguardError('CONFIRMATION_NEEDED', 'updatekeys asks before changing keys: run it on a terminal, or pass -y/--yes', {
        exitCode: ExitCode.usage,
      });
    }
    if (!(await confirm('Is this okay? (y/n): ', io))) {
      io.stderr.write(`sealguard: ${file} left unchanged\n`);
      return 0;
    }
  }

  const session = await openSession(text, abs, { inputType: opts.inputType, ignoreMac: opts.ignoreMac, env: io.env });
  try {
    warn(session.warnings, io);
    let keyGroups: StoredKey[][];
    if (wanted.length === 1 && metadata.keyGroups.length === 1) {
      const existing = new Map((metadata.keyGroups[0] ?? []).map((k) => [storedId(k), k] as const));
      const fresh = (wanted[0] ?? []).filter((k) => !existing.has(masterId(k)));
      const wrapped = fresh.length > 0 ? ((await session.withDataKey((key) => wrapDataKeyForGroups(key, [fresh])))[0] ?? []) : [];
      const byId = new Map(fresh.map((k, i) => [masterId(k), wrapped[i] as StoredKey] as const));
      keyGroups = [(wanted[0] ?? []).map((k) => existing.get(masterId(k)) ?? (byId.get(masterId(k)) as StoredKey))];
    } else {
      keyGroups = await session.withDataKey((key) => wrapDataKeyForGroups(key, wanted, threshold));
    }
    await atomicWrite(abs, session.seal(session.file, { keyGroups, shamirThreshold: threshold }));
    io.stderr.write(`sealguard: ${file} synced with the keys of creation_rules[${match.index}]\n`);
    return 0;
  } finally {
    session.close();
  }
}

/** `updatekeys F…`: as sops, every file is tried; with several, failures are listed and counted at the end. */
export async function runUpdateKeysFiles(files: readonly string[], opts: UpdateKeysCommandOptions, io: Io): Promise<number> {
  if (files.length === 1) return runUpdateKeys(files[0] as string, opts, io);
  let failed = 0;
  for (const file of files) {
    try {
      await runUpdateKeys(file, opts, io);
    } catch (e) {
      failed++;
      // Only our own errors carry a message written for users (and free of values).
      io.stderr.write(`sealguard: ${file}: ${isSealguardError(e) ? e.message : 'internal error'}\n`);
    }
  }
  if (failed > 0) {
    throw new SealguardError('UPDATEKEYS_FAILED', `failed updating the keys of ${failed} of ${files.length} files`, { exitCode: 1 });
  }
  return 0;
}
