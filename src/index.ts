// Library entry point: the scanner and the SOPS helper as functions, without the CLI.
export { SealguardError, ExitCode } from './shared/errors.js';
export { Secret, maskSecret } from './shared/secret.js';
export type { Fragment, Finding, RuleSpec, CommitInfo, Severity } from './scan/types.js';
export { loadBuiltinRules, loadRuleFile, compileRules, loadScanConfig, runRuleExamples } from './scan/rules/index.js';
export { detect } from './scan/engine/index.js';
export { getReporter } from './scan/report/index.js';
export { fileFragments, stdinFragments, stagedFragments } from './scan/sources/index.js';
export { historyFragments, historySelection, parsePrePushInput, prePushSelection, type HistorySelection } from './scan/sources/index.js';
export { scanHistory, type HistoryScanOptions } from './scan/parallel/history-scan.js';
export { encryptText, decryptText, openEncrypted, isEncryptedText, formatFromPath } from './sops/file.js';
export { setAtPath, unsetAtPath, treeNodeFromJson } from './sops/tree-set.js';
export { explainFile, type Explanation } from './sops/explain.js';
