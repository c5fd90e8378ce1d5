import { describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { tempDirs } from '../helpers/git-repo.js';
import { installHook, uninstallHook } from '../../src/git/hooks.js';
import { renderHook, splitShellWords } from '../../src/git/hook-script.js';

const { repo, dir: tempDir } = tempDirs('sealguard-hooks-');

/**
 * Stands in for the sealguard CLI: logs how it was called and stdin, and fails when the staged
 * change adds a line containing FORBIDDEN.
 */
function fakeScanner(dir: string, name = 'fake-sealguard'): { script: string; log: string } {
  const log = path.join(dir, `${name}.log`);
  const script = path.join(dir, name);
  fs.writeFileSync(
    script,
    [
      '#!/bin/sh',
      `echo "scanner $*" >> '${log}'`,
      `if [ "$2" = "--pre-push" ]; then cat > '${log}.stdin'; fi`,
      "if git diff --cached -U0 | grep -q '^+.*FORBIDDEN'; then echo 'fake: blocked' >&2; exit 1; fi",
      'exit 0',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { script, log };
}
const readLog = (log: string): string[] => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []);

function commit(dir: string, message: string, env: NodeJS.ProcessEnv = process.env): { code: number; output: string } {
  try {
    const out = execFileSync('git', ['commit', '-q', '-m', message], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, output: out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? -1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('installHook', () => {
  test('installs an executable pre-commit hook in .git/hooks that blocks a bad commit and lets a clean one through', async () => {
    const r = repo();
    const fake = fakeScanner(tempDir('sealguard-fake-'));
    const result = await installHook(r.dir, 'pre-commit', { command: [fake.script] });
    const hookPath = path.join(r.dir, '.git', 'hooks', 'pre-commit');
    expect(result).toMatchObject({ kind: 'pre-commit', action: 'installed', hookPath: fs.realpathSync(path.dirname(hookPath)) + '/pre-commit' });
    expect(result.chainedPath).toBeUndefined();
    expect(fs.statSync(hookPath).mode & 0o777).toBe(0o755);

    r.write('ok.txt', 'fine\n');
    r.git('add', '-A');
    expect(commit(r.dir, 'clean').code).toBe(0);
    r.write('bad.txt', 'FORBIDDEN\n');
    r.git('add', '-A');
    const blocked = commit(r.dir, 'bad');
    expect(blocked.code).toBe(1);
    expect(blocked.output).toContain('fake: blocked');
    expect(readLog(fake.log)).toEqual(['scanner scan --staged', 'scanner scan --staged']);
    expect(r.git('log', '--format=%s')).toBe('clean\n');
  });

  test('honours a relative core.hooksPath, resolved against the top of the work tree, even when run from a subfolder', async () => {
    const r = repo();
    r.git('config', 'core.hooksPath', '.githooks');
    r.write('sub/deeper/keep.txt', 'k\n');
    const fake = fakeScanner(tempDir('sealguard-fake-'));
    const result = await installHook(path.join(r.dir, 'sub', 'deeper'), 'pre-commit', { command: [fake.script] });
    expect(result.hookPath).toBe(path.join(fs.realpathSync(r.dir), '.githooks', 'pre-commit'));
    expect(fs.existsSync(path.join(r.dir, '.git', 'hooks', 'pre-commit'))).toBe(false);
    r.write('bad.txt', 'FORBIDDEN\n');
    r.git('add', '-A');
    expect(commit(r.dir, 'bad').code).toBe(1);
  });

  test('installed from a linked worktree, the hook goes to the shared hooks folder and runs for commits there', async () => {
    const r = repo();
    r.write('a.txt', 'a\n');
    r.commitAll();
    const wt = path.join(tempDir('sealguard-wtparent-'), 'wt');
    r.git('worktree', 'add', '-q', '-b', 'feature', wt);
    const fake = fakeScanner(tempDir('sealguard-fake-'));
    const result = await installHook(wt, 'pre-commit', { command: [fake.script] });
    expect(result.hookPath).toBe(path.join(fs.realpathSync(r.dir), '.git', 'hooks', 'pre-commit'));
    fs.writeFileSync(path.join(wt, 'bad.txt'), 'FORBIDDEN\n');
    execFileSync('git', ['add', '-A'], { cwd: wt });
    expect(commit(wt, 'bad in worktree').code).toBe(1);
    expect(readLog(fake.log)).toEqual(['scanner scan --staged']);
  });

  test('keeps an existing hook, runs it first, and both must pass', async () => {
    const r = repo();
    const tmp = tempDir('sealguard-fake-');
    const fake = fakeScanner(tmp);
    const theirsLog = path.join(tmp, 'theirs.log');
    const hookPath = path.join(r.dir, '.git', 'hooks', 'pre-commit');
    fs.mkdirSync(path.dirname(hookPath), { recursive: true });
    fs.writeFileSync(hookPath, `#!/bin/sh\necho theirs >> '${theirsLog}'\nexit "\${THEIRS_EXIT:-0}"\n`, { mode: 0o755 });

    const result = await installHook(r.dir, 'pre-commit', { command: [fake.script] });
    expect(result.action).toBe('installed');
    expect(result.chainedPath).toBe(result.hookPath + '.sealguard-chained');
    expect(result.message).toContain('kept as');

    r.write('ok.txt', 'fine\n');
    r.git('add', '-A');
    expect(commit(r.dir, 'clean').code).toBe(0);
    expect(readLog(theirsLog)).toEqual(['theirs']);
    expect(readLog(fake.log)).toEqual(['scanner scan --staged']);

    r.write('ok2.txt', 'fine\n');
    r.git('add', '-A');
    const failing = commit(r.dir, 'theirs fails', { ...process.env, THEIRS_EXIT: '3' });
    expect(failing.code).toBe(1);
    expect(readLog(theirsLog)).toEqual(['theirs', 'theirs']);
    // Our scanner never ran: the kept hook's failure stopped the commit first.
    expect(readLog(fake.log)).toEqual(['scanner scan --staged']);
  });

  test('installing twice changes nothing and never chains our own hook', async () => {
    const r = repo();
    const fake = fakeScanner(tempDir('sealguard-fake-'));
    const first = await installHook(r.dir, 'pre-commit', { command: [fake.script] });
    const before = fs.readFileSync(first.hookPath);
    const second = await installHook(r.dir, 'pre-commit', { command: [fake.script] });
    expect(second.action).toBe('unchanged');
    expect(second.message).toContain('already installed');
    expect(fs.readFileSync(second.hookPath)).toEqual(before);
    expect(fs.existsSync(first.hookPath + '.sealguard-chained')).toBe(false);
    const moved = await installHook(r.dir, 'pre-commit', { command: [fake.script, '--flag'] });
    expect(moved.action).toBe('updated');
    expect(fs.existsSync(first.hookPath + '.sealguard-chained')).toBe(false);
  });

  test('refuses to overwrite when a foreign hook and a kept hook are both present', async () => {
    const r = repo();
    const hooks = path.join(r.dir, '.git', 'hooks');
    fs.mkdirSync(hooks, { recursive: true });
    fs.writeFileSync(path.join(hooks, 'pre-commit'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    fs.writeFileSync(path.join(hooks, 'pre-commit.sealguard-chained'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    await expect(installHook(r.dir, 'pre-commit', {})).rejects.toMatchObject({ code: 'HOOK_CHAIN_EXISTS', exitCode: 2 });
    expect(fs.readFileSync(path.join(hooks, 'pre-commit'), 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });

  test('when the installing sealguard is gone, the hook falls back to sealguard on PATH', async () => {
    const r = repo();
    const bin = tempDir('sealguard-bin-');
    const fake = fakeScanner(bin, 'sealguard');
    await installHook(r.dir, 'pre-commit', { command: '"/nonexistent/node" "/nonexistent/bin/sealguard.js"' });
    r.write('bad.txt', 'FORBIDDEN\n');
    r.git('add', '-A');
    const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
    expect(commit(r.dir, 'bad', env).code).toBe(1);
    expect(readLog(fake.log)).toEqual(['scanner scan --staged']);
  });

  test('a pre-push hook hands the same refs on stdin to the kept hook and to the scanner', async () => {
    const r = repo();
    const tmp = tempDir('sealguard-push-');
    execFileSync('git', ['init', '-q', '--bare', path.join(tmp, 'remote.git')]);
    r.git('remote', 'add', 'origin', path.join(tmp, 'remote.git'));
    r.write('a.txt', 'a\n');
    r.commitAll();
    const theirs = path.join(tmp, 'theirs.stdin');
    const hookPath = path.join(r.dir, '.git', 'hooks', 'pre-push');
    fs.mkdirSync(path.dirname(hookPath), { recursive: true });
    fs.writeFileSync(hookPath, `#!/bin/sh\ncat > '${theirs}'\n`, { mode: 0o755 });
    const fake = fakeScanner(tmp);
    await installHook(r.dir, 'pre-push', { command: [fake.script] });
    r.git('push', '-q', 'origin', 'main');
    const sha = r.git('rev-parse', 'HEAD').trim();
    const refs = fs.readFileSync(theirs, 'utf8');
    expect(refs).toMatch(new RegExp(`^refs/heads/main ${sha} refs/heads/main 0+\\n$`));
    expect(fs.readFileSync(fake.log + '.stdin', 'utf8')).toBe(refs);
    expect(readLog(fake.log)).toEqual([`scanner scan --pre-push origin ${path.join(tmp, 'remote.git')}`]);
  });
});

describe('uninstallHook', () => {
  test('removes our hook and restores the kept one byte for byte, mode included', async () => {
    const r = repo();
    const hookPath = path.join(r.dir, '.git', 'hooks', 'pre-commit');
    fs.mkdirSync(path.dirname(hookPath), { recursive: true });
    const original = Buffer.from('#!/usr/bin/env python3\n# théirs\r\nprint("hi")\n\n', 'utf8');
    fs.writeFileSync(hookPath, original);
    fs.chmodSync(hookPath, 0o750);
    await installHook(r.dir, 'pre-commit', {});
    expect(fs.readFileSync(hookPath, 'utf8')).toContain('sealguard-managed-hook');

    const result = await uninstallHook(r.dir, 'pre-commit');
    expect(result.action).toBe('restored');
    expect(fs.readFileSync(hookPath)).toEqual(original);
    expect(fs.statSync(hookPath).mode & 0o777).toBe(0o750);
    expect(fs.existsSync(hookPath + '.sealguard-chained')).toBe(false);
  });

  test('removes our hook when there was none before, and leaves a foreign hook alone', async () => {
    const r = repo();
    await installHook(r.dir, 'pre-commit', {});
    const removed = await uninstallHook(r.dir, 'pre-commit');
    expect(removed.action).toBe('removed');
    expect(fs.existsSync(removed.hookPath)).toBe(false);
    expect((await uninstallHook(r.dir, 'pre-commit')).action).toBe('not-installed');

    fs.writeFileSync(removed.hookPath, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const untouched = await uninstallHook(r.dir, 'pre-commit');
    expect(untouched.action).toBe('not-installed');
    expect(fs.readFileSync(removed.hookPath, 'utf8')).toBe('#!/bin/sh\nexit 0\n');
  });
});

describe('hook script', () => {
  test('the command the CLI passes as a quoted string is split into words for the existence check', () => {
    expect(splitShellWords('"/usr/bin/node" "/opt/my tools/bin/sealguard.js"')).toEqual(['/usr/bin/node', '/opt/my tools/bin/sealguard.js']);
    expect(splitShellWords("node '/a b/c.js' --x")).toEqual(['node', '/a b/c.js', '--x']);
    expect(splitShellWords('node $HOME/x.js')).toBeUndefined();
    const script = renderHook('pre-commit', '"/usr/bin/node" "/opt/my tools/bin/sealguard.js"');
    expect(script).toContain(`if [ -e /usr/bin/node ] && [ -e '/opt/my tools/bin/sealguard.js' ]; then`);
    expect(script).toContain(`exec /usr/bin/node '/opt/my tools/bin/sealguard.js' scan --staged`);
    expect(script).toContain('exec npx --no-install sealguard scan --staged');
  });

  test('the shipped shims and every rendered hook are valid sh', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const scripts = [
      path.join(root, 'hooks', 'pre-commit'),
      path.join(root, 'hooks', 'pre-push'),
    ];
    const dir = tempDir('sealguard-render-');
    for (const [i, s] of [renderHook('pre-commit'), renderHook('pre-push', ['/x/node', '/y/s.js']), renderHook('pre-commit', 'sealguard')].entries()) {
      const p = path.join(dir, `h${i}`);
      fs.writeFileSync(p, s);
      scripts.push(p);
    }
    for (const s of scripts) execFileSync('sh', ['-n', s]);
    for (const shim of scripts.slice(0, 2)) expect(fs.statSync(shim).mode & 0o111).not.toBe(0);
  });

  test('the pre-commit framework manifest runs `sealguard scan` on the files being committed', () => {
    const manifest = parseYaml(fs.readFileSync(path.resolve(import.meta.dirname, '../../.pre-commit-hooks.yaml'), 'utf8')) as unknown;
    expect(manifest).toEqual([
      expect.objectContaining({ id: 'sealguard', entry: 'sealguard scan', language: 'node', pass_filenames: true }),
    ]);
  });
});
