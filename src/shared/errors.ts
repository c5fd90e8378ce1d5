/**
 * Errors meant for users. Every error that can reach the CLI carries a stable code, a one-line
 * message that never contains a secret or decrypted value, and the exit status the CLI uses.
 */

/** Exit statuses. The sops-specific ones match `sops` so scripts written for it keep working. */
export const ExitCode = {
  ok: 0,
  findings: 1,
  usage: 2,
  /** sops: could not read the file (our general "not found"). */
  fileNotFound: 100,
  /** sops: MAC mismatch. */
  macMismatch: 51,
  /** sops: the file has no sops metadata. */
  notEncrypted: 202,
  /** sops: file already encrypted. */
  alreadyEncrypted: 203,
  /** sops: no master key could decrypt the data key. */
  couldNotRetrieveKey: 128,
  /** sops: invalid tree / value that cannot be encrypted or decrypted. */
  errorDecryptingValue: 23,
  errorEncryptingValue: 24,
  /** sops: no key was given for encryption. */
  noMasterKeys: 111,
  /** sops: a config file problem. */
  errorReadingConfig: 61,
  /** sops: the file's format could not be parsed. */
  errorDumpingTree: 7,
  /** sops: edit produced no change. */
  fileHasNotBeenModified: 200,
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
