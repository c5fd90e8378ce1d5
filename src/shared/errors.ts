/**
 * Errors meant for users. Every error that can reach the CLI carries a stable code, a one-line
 * message that never contains a secret or decrypted value, and the exit status the CLI uses.
 */

/** Exit statuses. The sops-specific ones match `sops` so scripts written for it keep working. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  /** sops CouldNotReadInputFile (2): a file without sops metadata given to decrypt, unreadable input. */
  notEncrypted: 2,
  /** sops CouldNotWriteOutputFile. */
  couldNotWriteOutput: 3,
  /** sops ErrorDumpingTree: the file's format could not be parsed or rendered. */
  errorDumpingTree: 4,
  /** sops ErrorReadingConfig: a problem in .sops.yaml. */
  errorReadingConfig: 5,
  /** sops ErrorInvalidSetFormat: a `set`/`unset` path that does not parse. */
  invalidSetFormat: 7,
  /** sops ErrorEncryptingMac. */
  errorEncryptingMac: 21,
  /** sops ErrorEncryptingTree. */
  errorEncryptingValue: 23,
  /** sops ErrorDecryptingMac. */
  errorDecryptingMac: 24,
  /** sops ErrorDecryptingTree: a value failed authentication or has a bad ENC format. */
  errorDecryptingValue: 25,
  /** sops MacMismatch. */
  macMismatch: 51,
  /** sops MacNotFound. */
  macNotFound: 52,
  /** sops ConfigFileNotFound. */
  configFileNotFound: 61,
  /** sops InvalidTreePathFormat (bad --extract / set path). */
  invalidTreePath: 91,
  /** sops NoFileSpecified, which sops also uses for "cannot operate on non-existent file". */
  fileNotFound: 100,
  /** sops NoEncryptionKeyFound: no key was given for encryption. */
  noMasterKeys: 111,
  /** sops CouldNotRetrieveKey: no master key could decrypt the data key. */
  couldNotRetrieveKey: 128,
  /** sops FileHasNotBeenModified (edit). */
  fileHasNotBeenModified: 200,
  /** sops NoEditorFound. */
  noEditorFound: 201,
  /** sops FileAlreadyEncrypted. */
  alreadyEncrypted: 203,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface SealguardErrorOptions {
  /** Exit status the CLI uses; defaults to 2 (usage/config/input error). */
  exitCode?: number;
  /** Extra lines shown under the message (e.g. one line per key tried). Must not contain secrets. */
  details?: readonly string[];
  cause?: unknown;
}

/** The one error type the CLI renders as text. `code` is stable and documented; tests match on it. */
export class SealguardError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly details: readonly string[];

  constructor(code: string, message: string, options: SealguardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SealguardError';
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.usage;
    this.details = options.details ?? [];
  }
}

export function isSealguardError(e: unknown): e is SealguardError {
  return e instanceof SealguardError;
}

/** Message of an unknown thrown value, for wrapping into a SealguardError. Never includes a stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
