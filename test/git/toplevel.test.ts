import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../helpers/git-repo.js';
import { repoRoot } from '../../src/git/repo.js';
import { certainToplevel } from '../../src/git/toplevel.js';

const { repo, dir: tempDir } = tempDirs('sealguard-toplevel-');

/** What git itself answers from `cwd`, or undefined where it names no work tree. */
function gitToplevel(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out === '' ? undefined : path.resolve(out);
  } catch {
    return undefined;
  }
}

describe('the work tree top found without running git', () => {
  test('in a plain repository, from its top and from a subfolder, it is what git answers', () => {
    const r = repo();
    r.write('a/b/c.txt', 'x\n');
    for (const cwd of [r.dir, path.join(r.dir, 'a', 'b')]) {
      expect(certainToplevel(cwd)).toBe(gitToplevel(cwd));
      expect(certainToplevel(cwd)).toBe(fs.realpathSync(r.dir));
    }
  });

  test('where the files cannot settle it, git is asked, and repoRoot still gives git’s answer', async () => {
    const main = repo();
    main.write('f.txt', 'x\n');
    main.commitAll();
    // A linked worktree (its .git is a file), a configured core.worktree, a folder inside .git, an
    // empty .git folder that git passes over, and GIT_DIR in the environment.
    const linked = path.join(tempDir('sealguard-linked-'), 'wt');
    main.git('worktree', 'add', '-q', linked);
    const configured = repo();
    const elsewhere = tempDir('sealguard-elsewhere-');
    configured.git('config', 'core.worktree', elsewhere);
    const nested = repo();
    fs.mkdirSync(path.join(nested.dir, 'sub', '.git'), { recursive: true });
    const cases: [string, NodeJS.ProcessEnv][] = [
      [linked, process.env],
      [configured.dir, process.env],
      [path.join(main.dir, '.git', 'refs'), process.env],
      [path.join(nested.dir, 'sub'), process.env],
      [main.dir, { ...process.env, GIT_DIR: path.join(configured.dir, '.git') }],
      [main.dir, { ...process.env, GIT_CONFIG_PARAMETERS: `'core.worktree'='${elsewhere}'` }],
    ];
    for (const [cwd, env] of cases) expect(certainToplevel(cwd, env), cwd).toBeUndefined();
    expect(await repoRoot(linked)).toBe(gitToplevel(linked));
    expect(await repoRoot(configured.dir)).toBe(fs.realpathSync(elsewhere));
    expect(await repoRoot(path.join(nested.dir, 'sub'))).toBe(fs.realpathSync(nested.dir));
    await expect(repoRoot(path.join(main.dir, '.git', 'refs'))).rejects.toMatchObject({ code: 'GIT_NOT_A_REPO' });
  });

  test('outside any repository there is no answer', () => {
    expect(certainToplevel(tempDir('sealguard-norepo-'))).toBeUndefined();
  });
});
