import { isUtf8 } from 'node:buffer';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ExitCode, SealguardError, errorMessage } from '../../shared/errors.js';
import { atomicWrite } from '../../shared/atomic-write.js';
import type { StoreFormat } from '../../sops/stores/types.js';
import type { EncryptionSelector } from '../../sops/metadata.js';
import { decryptText, encryptText, formatFromPath, isEncryptedText } from '../../sops/file.js';
import { generateAgeKeyFile } from '../../sops/keys/age-identities.js';
import { RAW_BYTES_MARK, bytesOfText, isRawBytesText, rawBytesText } from '../../sops/tree.js';
import type { Io } from '../io.js';

interface OutputOptions {
  inPlace?: boolean;
  output?: string;
  inputType?: StoreFormat;
  outputType?: StoreFormat;
  config?: string;
}

/**
 * A file's content as the stores take it. `bytes` (the binary store's plaintext) keeps bytes that are
 * not valid UTF-8 in the marked latin1 form (tree.ts rawBytesText) so they round-trip exactly.
 */
export async function readInput(file: string, io: Io, bytes = false): Promise<string> {
  try {
    const raw = await fs.readFile(path.resolve(io.cwd, file));
    return bytes ? rawBytesText(raw) : raw.toString('utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SealguardError('FILE_NOT_FOUND', `cannot operate on non-existent file ${file}`, { exitCode: ExitCode.fileNotFound });
    }
    throw new SealguardError('FILE_UNREADABLE', `cannot read ${file}: ${errorMessage(e)}`, { exitCode: ExitCode.notEncrypted });
  }
}

const LONE_MARK = new RegExp(`(?<![\\uD800-\\uDBFF])${RAW_BYTES_MARK}`);

/**
 * What to write for a store's output: the exact bytes of a binary value that is not valid UTF-8, the
 * text otherwise. Such bytes inside a YAML/JSON/dotenv/INI document (a binary file converted with
 * --output-type) have no faithful text form: that is refused rather than written altered.
 */
export function outputData(output: string): string | Buffer {
  if (isRawBytesText(output)) return bytesOfText(output);
  // The mark inside a document, raw or as a JSON/YAML escape; a paired low surrogate is ordinary text.
  if (LONE_MARK.test(output) || /\\udfff/i.test(output)) {
    throw new SealguardError('NOT_UTF8', 'the decrypted data is not valid UTF-8 and can only be written as binary (--output-type binary)', {
      exitCode: ExitCode.errorDumpingTree,
    });
  }
  return output;
}

/** The plaintext of `file` as `encrypt` reads it: bytes for the binary store, UTF-8 text otherwise. */
export async function readPlaintext(file: string, inputType: StoreFormat | undefined, io: Io): Promise<string> {
  const format = inputType ?? formatFromPath(file);
  const text = await readInput(file, io, format === 'binary');
  // Text formats hold UTF-8 text; decoding other bytes would swap them for U+FFFD without a word.
  if (format !== 'binary' && text.includes('\uFFFD')) {
    const raw = await fs.readFile(path.resolve(io.cwd, file));
    if (!isUtf8(raw)) {
      throw new SealguardError('NOT_UTF8', `${file} is not valid UTF-8 ${format}; encrypt it as a whole with --input-type binary`, {
        exitCode: ExitCode.errorDumpingTree,
      });
    }
  }
  // As sops (Go's encoding/json): JSON text has no byte order mark, and dropping it would change the file.
  if (format === 'json' && text.startsWith('\uFEFF')) {
    throw new SealguardError('JSON_BOM', `${file} starts with a UTF-8 byte order mark, which JSON does not allow; remove it and retry`, {
      exitCode: ExitCode.errorDumpingTree,
    });
  }
  return text;
}

/** stdout, the file itself (-i) or --output; file writes are atomic so a failure leaves the old file. */
async function writeOutput(file: string, text: string, opts: OutputOptions, io: Io, newFileMode: number): Promise<void> {
  if (opts.inPlace && opts.output) throw new SealguardError('USAGE', 'use either -i/--in-place or --output, not both');
  const target = opts.inPlace ? file : opts.output;
  const output = outputData(text);
  if (!target) {
    io.stdout.write(output);
    return;
  }
  const abs = path.resolve(io.cwd, target);
  let mode: number | undefined;
  try {
    await fs.stat(abs);
  } catch {
    mode = newFileMode;
  }
  await atomicWrite(abs, output, mode);
}

export function warn(warnings: readonly string[], io: Io): void {
  for (const w of warnings) io.stderr.write(`sealguard: warning: ${w}\n`);
}

export interface EncryptCommandOptions extends OutputOptions {
  age?: string[];
  pgp?: string[];
  kms?: string[];
  awsProfile?: string;
  encryptionContext?: string;
  shamirSecretSharingThreshold?: number;
  encryptedRegex?: string;
  unencryptedRegex?: string;
  encryptedSuffix?: string;
  unencryptedSuffix?: string;
  encryptedCommentRegex?: string;
  unencryptedCommentRegex?: string;
  macOnlyEncrypted?: boolean;
}

export async function runEncrypt(file: string, opts: EncryptCommandOptions, io: Io): Promise<number> {
  const text = await readPlaintext(file, opts.inputType, io);
  const selector: EncryptionSelector = {
    encryptedRegex: opts.encryptedRegex,
    unencryptedRegex: opts.unencryptedRegex,
    encryptedSuffix: opts.encryptedSuffix,
    unencryptedSuffix: opts.unencryptedSuffix,
    encryptedCommentRegex: opts.encryptedCommentRegex,
    unencryptedCommentRegex: opts.unencryptedCommentRegex,
    macOnlyEncrypted: opts.macOnlyEncrypted,
  };
  const result = await encryptText(text, path.resolve(io.cwd, file), {
    inputType: opts.inputType,
    outputType: opts.outputType,
    keys: { age: opts.age, pgp: opts.pgp, kms: opts.kms, awsProfile: opts.awsProfile, encryptionContext: opts.encryptionContext },
    shamirThreshold: opts.shamirSecretSharingThreshold || undefined,
    selector,
    configPath: opts.config ? path.resolve(io.cwd, opts.config) : undefined,
    env: io.env,
  });
  warn(result.warnings, io);
  await writeOutput(file, result.output, opts, io, 0o644);
  return 0;
}

export interface DecryptCommandOptions extends OutputOptions {
  extract?: string;
  ignoreMac?: boolean;
}

export async function runDecrypt(file: string, opts: DecryptCommandOptions, io: Io): Promise<number> {
  const text = await readInput(file, io);
  const result = await decryptText(text, path.resolve(io.cwd, file), {
    inputType: opts.inputType,
    outputType: opts.outputType,
    extract: opts.extract,
    ignoreMac: opts.ignoreMac,
    env: io.env,
  });
  warn(result.warnings, io);
  // A decrypted file created by us is readable by its owner only.
  await writeOutput(file, result.output, opts, io, 0o600);
  return 0;
}

export async function runFileStatus(file: string, opts: { inputType?: StoreFormat }, io: Io): Promise<number> {
  const text = await readInput(file, io);
  const encrypted = isEncryptedText(text, opts.inputType ?? formatFromPath(file));
  io.stdout.write(`${JSON.stringify({ encrypted })}\n`);
  return 0;
}

export async function runKeygen(opts: { output?: string }, io: Io): Promise<number> {
  const target = opts.output ? path.resolve(io.cwd, opts.output) : undefined;
  const recipient = await generateAgeKeyFile(target, io.env);
  io.stdout.write(`${recipient}\n`);
  return 0;
}
