import { SealguardError, ExitCode } from '../../shared/errors.js';
import { execGit } from '../../git/run.js';
import type { HistorySelection } from './history.js';

/** One line git writes to a pre-push hook's stdin. */
export interface PushedRef {
  readonly localRef: string;
  readonly localSha: string;
  readonly remoteRef: string;
  readonly remoteSha: string;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const isZero = (sha: string): boolean => /^0+$/.test(sha);

/** `<local-ref> <local-sha> <remote-ref> <remote-sha>` lines; blank lines are ignored. */
export function parsePrePushInput(text: string): PushedRef[] {
  const refs: PushedRef[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line === '') continue;
    const parts = line.split(/\s+/);
    if (parts.length !== 4 || !SHA.test(parts[1]) || !SHA.test(parts[3])) {
      throw new SealguardError('PRE_PUSH_INPUT', 'unexpected pre-push input: expected "<local-ref> <local-sha> <remote-ref> <remote-sha>" lines from git', {
        exitCode: ExitCode.usage,
        details: ['sealguard scan --pre-push is meant to run from the pre-push hook (sealguard install --pre-push)'],
      });
    }
    refs.push({ localRef: parts[0], localSha: parts[1], remoteRef: parts[2], remoteSha: parts[3] });
  }
  return refs;
}

async function hasCommit(repoDir: string, sha: string): Promise<boolean> {
  const r = await execGit(['cat-file', '-e', `${sha}^{commit}`], { cwd: repoDir, okExitCodes: [1, 128] });
  return r.exitCode === 0;
}

/**
 * The commits being pushed, or undefined when there are none (only deletions). An updated branch
 * sends `remote-sha..local-sha`. A new branch, or one whose remote commit we do not have (not
 * fetched, or a force push over someone else's work), sends what no remote-tracking ref already
 * holds: `local-sha --not --remotes`.
 */
export async function prePushSelection(repoDir: string, refs: readonly PushedRef[]): Promise<HistorySelection | undefined> {
  const include: string[] = [];
  const exclude: string[] = [];
  let notOnRemotes = false;
  for (const ref of refs) {
    if (isZero(ref.localSha)) continue;
    if (!include.includes(ref.localSha)) include.push(ref.localSha);
    if (!isZero(ref.remoteSha) && (await hasCommit(repoDir, ref.remoteSha))) exclude.push(`^${ref.remoteSha}`);
    else notOnRemotes = true;
  }
  if (include.length === 0) return undefined;
  return { revs: [...include, ...exclude, ...(notOnRemotes ? ['--not', '--remotes'] : [])] };
}
