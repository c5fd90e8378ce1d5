import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { tempDirs } from '../helpers/git-repo.js';
import { runCli } from '../helpers/cli.js';
import { isInsideWorkTree, repoRoot } from '../../src/git/repo.js';
import { certainToplevel, outsideAnyRepository } from '../../src/git/toplevel.js';

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

/** What git itself says of `cwd`: inside a work tree or not. */
function gitInsideWorkTree(cwd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    return execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'true';
  } catch {
    return false;
  }
}

describe('a folder outside any repository, told without running git', () => {
  test('a plain folder is outside, and git agrees; folders git could take for a repository are left to git', () => {
    const plain = path.join(tempDir('sealguard-plain-'), 'a', 'b');
    fs.mkdirSync(plain, { recursive: true });
    expect(outsideAnyRepository(plain)).toBe(true);
    expect(gitInsideWorkTree(plain)).toBe(false);

    // In a repository, below a folder holding HEAD (a bare repository, say), or with GIT_DIR set,
    // the answer is not known without git.
    const r = repo();
    r.write('src/x.txt', 'x\n');
    const bare = tempDir('sealguard-bare-');
    execFileSync('git', ['init', '-q', '--bare', bare]);
    fs.mkdirSync(path.join(bare, 'sub'));
    expect(outsideAnyRepository(path.join(r.dir, 'src'))).toBe(false);
    expect(outsideAnyRepository(path.join(bare, 'sub'))).toBe(false);
    expect(outsideAnyRepository(plain, { ...process.env, GIT_DIR: path.join(r.dir, '.git') })).toBe(false);
    expect(outsideAnyRepository(path.join(plain, 'missing'))).toBe(false);
  });

  test('isInsideWorkTree and repoRoot give git’s answers there', async () => {
    const plain = tempDir('sealguard-plain-');
    expect(await isInsideWorkTree(plain)).toBe(false);
    await expect(repoRoot(plain)).rejects.toMatchObject({ code: 'GIT_NOT_A_REPO' });
    const r = repo();
    r.write('src/x.txt', 'x\n');
    expect(await isInsideWorkTree(path.join(r.dir, 'src'))).toBe(gitInsideWorkTree(path.join(r.dir, 'src')));
    expect(await isInsideWorkTree(path.join(r.dir, '.git'))).toBe(false);
  });

  test('scanning such a folder runs no git at all and still finds its secrets', () => {
    const bin = tempDir('sealguard-gitlog-');
    const log = path.join(bin, 'calls.log');
    writeFileSync(log, '');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(path.join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    chmodSync(path.join(bin, 'git'), 0o755);
    const folder = tempDir('sealguard-plain-');
    // A fake key, assembled at run time so this file itself stays clean for `sealguard scan .`.
    writeFileSync(path.join(folder, 'deploy.env'), `AWS_ACCESS_KEY_ID=${'AKIA' + 'QYLPMN5HFIQR7XYZ'}\n`);
    const res = runCli(['scan', '.', '-f', 'json'], { cwd: folder, env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).map((f: { RuleID: string }) => f.RuleID)).toContain('aws-access-key-id');
    expect(readFileSync(log, 'utf8')).toBe('');
  });
});
