import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const repoDir = path.resolve(import.meta.dirname, '..', '..');
export const cliPath = path.join(repoDir, 'bin', 'sealguard.js');
export const sharedDir = path.resolve(repoDir, '..', 'shared');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`npm test` builds dist/ first) as a user would, in `cwd`. */
export function runCli(args: string[], opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): CliResult {
  const r = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: opts.cwd,
    // A CLI that never exits fails its test (spawnSync reports ETIMEDOUT) instead of hanging the run.
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    input: opts.input ?? '',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...opts.env },
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
