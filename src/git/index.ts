// The git layer's public surface.
export { execGit, runGit, streamGitLines, gitCalls, type GitCall, type GitOptions, type GitResult } from './run.js';
export { repoRoot, isInsideWorkTree, gitPath } from './repo.js';
export { parseUnifiedDiff, parseDiffStream, DiffParser, type FileDiff, type FileStatus, type AddedLine } from './diff-parser.js';
export { unquotePath } from './quote.js';
export { stagedDiffArgs } from './staged-diff.js';
export { installHook, uninstallHook, type HookKind, type InstallHookOptions, type InstallHookResult, type UninstallHookResult } from './hooks.js';
