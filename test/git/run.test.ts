import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDirs } from '../helpers/git-repo.js';
import { execGit, gitCalls, runGit, streamGitLines } from '../../src/git/run.js';
import { repoRoot } from '../../src/git/repo.js';

const { repo, dir: tempDir } = tempDirs('sealguard-run-');

describe('running git', () => {
  test('outside a repository the error is GIT_NOT_A_REPO with exit status 2 and one line', async () => {
    const dir = tempDir('sealguard-norepo-');
    const err = await repoRoot(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GIT_NOT_A_REPO', exitCode: 2 });
    expect((err as Error).message).not.toContain('\n');
    await expect(execGit(['log'], { cwd: dir })).rejects.toMatchObject({ code: 'GIT_NOT_A_REPO' });
  });

  test('a failing git command becomes GIT_FAILED naming the subcommand and git’s reason', async () => {
    const r = repo();
    await expect(execGit(['rev-parse', '--verify', 'no-such-branch'], { cwd: r.dir })).rejects.toMatchObject({
      code: 'GIT_FAILED',
      message: 'git rev-parse failed: Needed a single revision',
    });
  });

  test('a folder that does not exist is reported as such, not as a missing git', async () => {
    await expect(execGit(['status'], { cwd: path.join(os.tmpdir(), 'sealguard-definitely-missing-dir') })).rejects.toMatchObject({
      code: 'PATH_NOT_FOUND',
    });
  });

  test('the repository root is found from a subfolder, and HEAD is absent before the first commit', async () => {
    const r = repo();
    r.write('a/b/c.txt', 'x\n');
    expect(await repoRoot(path.join(r.dir, 'a', 'b'))).toBe(fs.realpathSync(r.dir));
    expect(await runGit(r.dir, gitCalls.headCommit)).toBeUndefined();
    expect(await runGit(r.dir, gitCalls.emptyTree)).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    r.commitAll();
    expect(await runGit(r.dir, gitCalls.headCommit)).toMatch(/^[0-9a-f]{40}$/);
  });

  test('streamed output arrives as whole lines with multi-byte characters intact, and stopping early ends git', async () => {
    const r = repo();
    const body = Array.from({ length: 5000 }, (_, i) => `zeile ${i} – äöü ✓`).join('\n') + '\n';
    r.write('big.txt', body);
    r.git('add', '-A');
    const got: string[] = [];
    for await (const line of streamGitLines(['show', ':big.txt'], { cwd: r.dir })) got.push(line);
    expect(got.join('\n') + '\n').toBe(body);

    let n = 0;
    for await (const _ of streamGitLines(['show', ':big.txt'], { cwd: r.dir })) {
      if (++n === 3) break;
    }
    expect(n).toBe(3);
  });

  test('a streamed command that fails throws after its output', async () => {
    const r = repo();
    const lines: string[] = [];
    const run = async () => {
      for await (const l of streamGitLines(['show', 'HEAD:nothing'], { cwd: r.dir })) lines.push(l);
    };
    await expect(run()).rejects.toMatchObject({ code: 'GIT_FAILED' });
    expect(lines).toEqual([]);
  });
});
