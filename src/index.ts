// Library entry point: the scanner and the SOPS helper as functions, without the CLI.
export { SealguardError, ExitCode } from './shared/errors.js';
export { Secret, maskSecret } from './shared/secret.js';
export type { Fragment, Finding, RuleSpec, CommitInfo } from './scan/types.js';
