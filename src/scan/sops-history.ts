import { existsSync } from 'node:fs';
import path from 'node:path';
import { execGit, runGit, gitCalls, streamGitLines } from '../git/run.js';
import { unquotePath } from '../git/quote.js';
import { isSopsEncryptedText, SopsPolicy, unencryptedFileFinding } from './sops-policy.js';
import type { CommitInfo, Finding } from './types.js';

/** Commit header line: marker, then sha, author, email, date, subject separated by \x01. */
const HEADER = '\x02';
const FORMAT = `--format=${'%x02'}%H%x01%an%x01%ae%x01%aI%x01%s`;

function commitOf(line: string): CommitInfo {
  const [sha = '', author = '', email = '', date = '', ...subject] = line.slice(1).split('\x01');
  const t = Date.parse(date);
  // Same UTC form as the history scanner's findings (gitleaks' date format).
  const utc = Number.isNaN(t) ? date : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return { sha, author, email, date: utc, message: subject.join('\x01') };
}

/**
 * `sops-unencrypted-file` findings for a history scan: every commit in the selection that added or
 * changed, in plaintext, a file today's `.sops.yaml` files (committed ones, and an uncommitted one
 * at the root) say must be encrypted (plaintext once committed stays in history, whatever the rules
 * said then). `revs`/`since` are the history scan's selection. Costs one `git ls-files` of the index
 * when the repository has no `.sops.yaml`; otherwise one `git log --name-only` plus one blob read
 * per governed file version. Fingerprints carry the commit, as the history scanner's do.
 */
export async function sopsHistoryFindings(repoDir: string, revs: readonly string[], since?: string): Promise<Finding[]> {
  // Committed configs come from the index; of uncommitted ones only the root's counts. Listing
  // untracked files walks the whole work tree, which cost 0.2 s beside git log on a 2,400-file repo.
  if (!existsSync(path.join(repoDir, '.sops.yaml'))) {
    const configs = await runGit(repoDir, gitCalls.lsTracked(['.sops.yaml', ':(glob)**/.sops.yaml']));
    if (configs.length === 0) return [];
  }
  const policy = SopsPolicy.forRoot(repoDir);
  const args = [
    'log', '--no-color', '--no-renames', '--diff-filter=AM', '--name-only', FORMAT,
    ...(since === undefined ? [] : [`--since=${since}`]),
    ...revs,
    '--',
  ];
  const found: Finding[] = [];
  let commit: CommitInfo | undefined;
  for await (const line of streamGitLines(args, { cwd: repoDir })) {
    if (line.startsWith(HEADER)) {
      commit = commitOf(line);
      continue;
    }
    if (line === '' || commit === undefined) continue;
    const file = unquotePath(line);
    const rule = policy.ruleFor(file);
    if (!rule) continue;
    let text: string;
    try {
      text = (await execGit(['cat-file', 'blob', `${commit.sha}:${file}`], { cwd: repoDir })).stdout;
    } catch {
      continue;
    }
    if (isSopsEncryptedText(text)) continue;
    const f = unencryptedFileFinding(file, rule.match, rule.configShown, commit);
    found.push({ ...f, fingerprint: `${commit.sha}:${f.fingerprint}` });
  }
  return found;
}
