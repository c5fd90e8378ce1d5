import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { parse as parseYaml } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempDirs, type TempRepo } from '../helpers/git-repo.js';
import { openSession } from '../../src/sops/session.js';

const temp = tempDirs('sealguard-drivers-');
let identity: string;
let recipient: string;

beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});

/** An environment with no key from the developer's machine; `key` adds ours. */
function env(home: string, key: boolean): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'xdg'),
    GNUPGHOME: path.join(home, 'no-gnupg'),
    SOPS_AGE_KEY: key ? identity : undefined,
    SOPS_AGE_KEY_FILE: undefined,
    SOPS_AGE_KEY_CMD: undefined,
    SOPS_PGP_FP: undefined,
    NO_COLOR: '1',
  };
}

interface Git {
  (args: string[], opts?: { key?: boolean }): string;
  status(args: string[], opts?: { key?: boolean }): { code: number; stdout: string; stderr: string };
}

function gitIn(repo: TempRepo, home: string): Git {
  const run = (args: string[], opts: { key?: boolean } = {}) =>
    spawnSync('git', args, { cwd: repo.dir, env: env(home, opts.key ?? true), encoding: 'utf8' });
  const git = ((args: string[], opts: { key?: boolean } = {}) => {
    const r = run(args, opts);
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }) as Git;
  git.status = (args, opts = {}) => {
    const r = run(args, opts);
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  return git;
}

const plain = 'db:\n  user: app\n  password: pw-base-0001\n# the public API\napi:\n  token: tok-base-0001\n  url: https://api.example.invalid\nport: 5432\n';
const file = 'secrets/app.yaml';
/** What main sets the password to in the merge tests (built at run time so the repo's own scan stays clean). */
const mainPw = ['pw', 'main', '0003'].join('-');

/** A repository with `.sops.yaml`, the drivers installed and secrets/app.yaml encrypted and committed on main. */
function setUp(): { repo: TempRepo; git: Git; home: string; sg: (args: string[], key?: boolean) => ReturnType<typeof runCli> } {
  const repo = temp.repo();
  const home = temp.dir('sealguard-drivers-home-');
  const sg = (args: string[], key = true) => runCli(args, { cwd: repo.dir, env: env(home, key) });
  repo.write('.sops.yaml', `creation_rules:\n  - path_regex: ^secrets/\n    age: ${recipient}\n`);
  const installed = sg(['install', '--git-drivers']);
  expect(installed.stderr).toBe('');
  expect(installed.code).toBe(0);
  repo.write(file, plain);
  expect(sg(['encrypt', '-i', file]).code).toBe(0);
  const git = gitIn(repo, home);
  git(['add', '-A']);
  git(['commit', '-q', '--no-verify', '-m', 'secrets']);
  return { repo, git, home, sg };
}

/** Decrypt, change the plaintext, encrypt again (fresh ciphertext everywhere, as a plain `encrypt` does). */
function rewrite(sg: (args: string[]) => ReturnType<typeof runCli>, repo: TempRepo, change: (text: string) => string): void {
  const dec = sg(['decrypt', file]);
  expect(dec.code).toBe(0);
  repo.write(file, change(dec.stdout));
  expect(sg(['encrypt', '-i', file]).code).toBe(0);
}

const encLine = (text: string, key: string): string | undefined => text.split('\n').find((l) => l.trimStart().startsWith(`${key}:`));

describe('sealguard merge driver in real git merges', () => {
  it('non-overlapping edits to the same encrypted file merge cleanly and decrypt to the union', () => {
    const { repo, git, sg } = setUp();
    git(['checkout', '-q', '-b', 'feature']);
    rewrite(sg, repo, (t) => t.replace('tok-base-0001', 'tok-feature-0002'));
    git(['commit', '-q', '--no-verify', '-am', 'rotate token']);
    git(['checkout', '-q', 'main']);
    rewrite(sg, repo, (t) => t.replace('pw-base-0001', 'pw-main-0003').replace('port: 5432', 'port: 5432\nextra: yes-main'));
    git(['commit', '-q', '--no-verify', '-am', 'rotate password']);
    const ours = readFileSync(path.join(repo.dir, file), 'utf8');

    const merge = git.status(['merge', '--no-edit', 'feature']);
    expect(merge.stderr).not.toContain('cannot merge');
    expect(merge.code).toBe(0);
    const merged = readFileSync(path.join(repo.dir, file), 'utf8');
    expect(merged).toContain('ENC[AES256_GCM,');
    expect(merged).not.toContain('tok-feature-0002');
    const dec = sg(['decrypt', file]);
    expect(dec.code).toBe(0);
    expect(parseYaml(dec.stdout)).toEqual({
      db: { user: 'app', password: mainPw },
      api: { token: 'tok-feature-0002', url: 'https://api.example.invalid' },
      port: 5432,
      extra: 'yes-main',
    });
    // Values unchanged from ours keep their exact ciphertext; the merged-in one is new.
    for (const key of ['user', 'password', 'url', 'port', 'extra']) expect(encLine(merged, key)).toBe(encLine(ours, key));
    expect(encLine(merged, 'token')).not.toBe(encLine(ours, 'token'));
    expect(git(['status', '--porcelain'])).toBe('');
  });

  it('overlapping edits conflict, leave ours untouched and name the key with masked values', () => {
    const { repo, git, sg } = setUp();
    git(['checkout', '-q', '-b', 'feature']);
    rewrite(sg, repo, (t) => t.replace('tok-base-0001', 'tok-feature-0002'));
    git(['commit', '-q', '--no-verify', '-am', 'theirs']);
    git(['checkout', '-q', 'main']);
    rewrite(sg, repo, (t) => t.replace('tok-base-0001', 'tok-main-0003'));
    git(['commit', '-q', '--no-verify', '-am', 'ours']);
    const ours = readFileSync(path.join(repo.dir, file), 'utf8');

    const merge = git.status(['merge', '--no-edit', 'feature']);
    expect(merge.code).not.toBe(0);
    expect(merge.stdout + merge.stderr).toContain(`CONFLICT (content): Merge conflict in ${file}`);
    expect(merge.stderr).toContain(`cannot merge ${file}: 1 conflicting key`);
    expect(merge.stderr).toContain('["api"]["token"]: changed on both sides, differently');
    expect(merge.stderr).not.toContain('tok-main-0003');
    expect(merge.stderr).not.toContain('tok-feature-0002');
    expect(readFileSync(path.join(repo.dir, file), 'utf8')).toBe(ours);
    expect(git(['status', '--porcelain'])).toContain(`UU ${file}`);
  });

  it('SEALGUARD_SHOW_CONFLICT_VALUES=1 shows both values in the conflict report', () => {
    const { repo, git, sg, home } = setUp();
    git(['checkout', '-q', '-b', 'feature']);
    rewrite(sg, repo, (t) => t.replace('port: 5432', 'port: 6000'));
    git(['commit', '-q', '--no-verify', '-am', 'theirs']);
    git(['checkout', '-q', 'main']);
    rewrite(sg, repo, (t) => t.replace('port: 5432', 'port: 7000'));
    git(['commit', '-q', '--no-verify', '-am', 'ours']);
    const r = spawnSync('git', ['merge', '--no-edit', 'feature'], {
      cwd: repo.dir,
      env: { ...env(home, true), SEALGUARD_SHOW_CONFLICT_VALUES: '1' },
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('ours:   "7000"');
    expect(r.stderr).toContain('theirs: "6000"');
  });

  it('without a key the merge driver fails, git marks the file conflicted and ours is untouched', () => {
    const { repo, git, sg } = setUp();
    git(['checkout', '-q', '-b', 'feature']);
    rewrite(sg, repo, (t) => t.replace('tok-base-0001', 'tok-feature-0002'));
    git(['commit', '-q', '--no-verify', '-am', 'theirs']);
    git(['checkout', '-q', 'main']);
    rewrite(sg, repo, (t) => t.replace('pw-base-0001', 'pw-main-0003'));
    git(['commit', '-q', '--no-verify', '-am', 'ours']);
    const ours = readFileSync(path.join(repo.dir, file), 'utf8');
    const merge = git.status(['merge', '--no-edit', 'feature'], { key: false });
    expect(merge.code).not.toBe(0);
    expect(merge.stderr).toMatch(/sealguard: .*(key|decrypt)/i);
    expect(readFileSync(path.join(repo.dir, file), 'utf8')).toBe(ours);
  });
});

describe('sealguard merge driver on other shapes of merge', () => {
  it('a file added on both branches (empty common ancestor) merges to the union of its keys', () => {
    const { repo, git, sg } = setUp();
    const added = 'secrets/new.yaml';
    git(['checkout', '-q', '-b', 'feature']);
    repo.write(added, 'shared: same\nfrom_feature: f-0001\n');
    expect(sg(['encrypt', '-i', added]).code).toBe(0);
    git(['add', '-A']);
    git(['commit', '-q', '--no-verify', '-m', 'theirs adds']);
    git(['checkout', '-q', 'main']);
    repo.write(added, 'shared: same\nfrom_main: m-0001\n');
    expect(sg(['encrypt', '-i', added]).code).toBe(0);
    git(['add', '-A']);
    git(['commit', '-q', '--no-verify', '-m', 'ours adds']);
    const merge = git.status(['merge', '--no-edit', 'feature']);
    expect(merge.stderr).not.toContain('cannot merge');
    expect(merge.code).toBe(0);
    expect(parseYaml(sg(['decrypt', added]).stdout)).toEqual({ shared: 'same', from_main: 'm-0001', from_feature: 'f-0001' });
  });

  it('keys added and removed on both branches leave every untouched line of ours byte for byte', () => {
    const { repo, git, sg } = setUp();
    git(['checkout', '-q', '-b', 'feature']);
    rewrite(sg, repo, (t) =>
      t.replace('  url: https://api.example.invalid\n', '  url: https://api.example.invalid\n  # where it runs\n  region: eu-1\n').replace('port: 5432\n', ''),
    );
    git(['commit', '-q', '--no-verify', '-am', 'theirs adds a region, drops the port']);
    git(['checkout', '-q', 'main']);
    expect(sg(['set', file, '["db"]["host"]', '"db.internal"']).code).toBe(0);
    expect(sg(['set', file, '["extra"]', '"yes-main"']).code).toBe(0);
    git(['commit', '-q', '--no-verify', '-am', 'ours adds a host and a key']);
    const ours = read(repo, file);

    const merge = git.status(['merge', '--no-edit', 'feature']);
    expect(merge.stderr).not.toContain('cannot merge');
    expect(merge.code).toBe(0);
    const merged = read(repo, file);
    const oursLines = ours.split('\n');
    const mergedLines = merged.split('\n');
    const key = (l: string) => l.trim().split(':')[0];
    // Only the dropped port and the metadata that must change leave; only theirs' two lines come in.
    // (lastmodified may keep its value when the merge runs within the second of ours' commit.)
    const meta = (k: string | undefined) => k !== 'lastmodified';
    expect(oursLines.filter((l) => !mergedLines.includes(l)).map(key).filter(meta).sort()).toEqual(['mac', 'port']);
    const added = mergedLines.filter((l) => !oursLines.includes(l));
    expect(added.map(key).filter((k) => meta(k) && !k!.startsWith('#')).sort()).toEqual(['mac', 'region']);
    expect(added.filter((l) => l.startsWith('  #'))).toHaveLength(1);
    expect(sg(['decrypt', file]).stdout).toBe(
      'db:\n  user: app\n  password: pw-base-0001\n  host: db.internal\n# the public API\napi:\n  token: tok-base-0001\n' +
        '  url: https://api.example.invalid\n  # where it runs\n  region: eu-1\nextra: yes-main\n',
    );
  });

  it('a plain file routed to the driver gets git\'s own line merge', () => {
    const { repo, git } = setUp();
    const notes = 'secrets/README.md';
    repo.write(notes, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
    git(['add', '-A']);
    git(['commit', '-q', '--no-verify', '-m', 'notes']);
    git(['checkout', '-q', '-b', 'feature']);
    repo.write(notes, 'line 1 theirs\nline 2\nline 3\nline 4\nline 5\n');
    git(['commit', '-q', '--no-verify', '-am', 'theirs']);
    git(['checkout', '-q', 'main']);
    repo.write(notes, 'line 1\nline 2\nline 3\nline 4\nline 5 ours\n');
    git(['commit', '-q', '--no-verify', '-am', 'ours']);
    expect(git.status(['merge', '--no-edit', 'feature']).code).toBe(0);
    expect(read(repo, notes)).toBe('line 1 theirs\nline 2\nline 3\nline 4\nline 5 ours\n');
  });
});

const read = (repo: TempRepo, rel: string) => readFileSync(path.join(repo.dir, rel), 'utf8');

describe('sealguard diff driver', () => {
  it('git diff and git log -p show the plaintext change of an encrypted file', () => {
    const { repo, git, sg } = setUp();
    rewrite(sg, repo, (t) => t.replace('tok-base-0001', 'tok-new-0002'));
    const diff = git(['diff']);
    expect(diff).toContain('-  token: tok-base-0001');
    expect(diff).toContain('+  token: tok-new-0002');
    expect(diff).not.toContain('ENC[');
    // Only the changed line, not every re-encrypted one.
    expect(diff.split('\n').filter((l) => /^[-+] /.test(l))).toHaveLength(2);
    git(['commit', '-q', '--no-verify', '-am', 'rotate']);
    const log = git(['log', '-p', '-1']);
    expect(log).toContain('+  token: tok-new-0002');
    expect(log).not.toContain('ENC[');
  });

  it('without a key git diff shows the ciphertext and exits 0', () => {
    const { repo, git, sg } = setUp();
    rewrite(sg, repo, (t) => t.replace('tok-base-0001', 'tok-new-0002'));
    const r = git.status(['diff'], { key: false });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ENC[AES256_GCM,');
    expect(r.stdout).not.toContain('tok-new-0002');
    expect(r.stderr).toBe('');
    expect(git.status(['log', '-p'], { key: false }).code).toBe(0);
  });

  it('a file re-sealed without changes has an empty git diff', async () => {
    const { repo, git, home } = setUp();
    const abs = path.join(repo.dir, file);
    const before = readFileSync(abs, 'utf8');
    const session = await openSession(before, abs, { env: env(home, true) });
    try {
      // A later second: lastmodified and the MAC change, every value keeps its ciphertext.
      writeFileSync(abs, session.seal(session.file, { now: new Date(Date.now() + 5000) }));
    } finally {
      session.close();
    }
    expect(readFileSync(abs, 'utf8')).not.toBe(before);
    expect(git(['diff', '--stat'], { key: false })).not.toBe('');
    expect(git(['diff'])).toBe('');
  });
});

describe('sealguard install --git-drivers', () => {
  it('routes the .sops.yaml paths and the named ones, warns about a regex it cannot translate, and is idempotent', () => {
    const repo = temp.repo();
    const home = temp.dir('sealguard-drivers-home-');
    const sg = (args: string[]) => runCli(args, { cwd: repo.dir, env: env(home, false) });
    repo.write(
      '.sops.yaml',
      `creation_rules:\n  - path_regex: \\.enc\\.yaml$\n    age: ${recipient}\n  - path_regex: '^(prod|dev)[0-9]+/'\n    age: ${recipient}\n`,
    );
    repo.write('.gitattributes', '*.png binary\n');
    const first = sg(['install', '--git-drivers', 'config/prod.json', 'vault/']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('creation_rules[1] path_regex "^(prod|dev)[0-9]+/" has no simple gitattributes equivalent');
    expect(first.stderr).toContain('sealguard install --git-drivers PATH');
    const attrs = readFileSync(path.join(repo.dir, '.gitattributes'), 'utf8');
    expect(attrs.startsWith('*.png binary\n# sealguard:begin')).toBe(true);
    expect(attrs).toContain('\n*.enc.yaml diff=sealguard merge=sealguard\n');
    expect(attrs).toContain('\nconfig/prod.json diff=sealguard merge=sealguard\n');
    expect(attrs).toContain('\nvault/** diff=sealguard merge=sealguard\n');
    expect(repo.git('check-attr', 'diff', 'merge', '--', 'a/b/x.enc.yaml').trim()).toBe(
      'a/b/x.enc.yaml: diff: sealguard\na/b/x.enc.yaml: merge: sealguard',
    );
    expect(repo.git('check-attr', 'diff', '--', 'vault/deep/k.yaml')).toContain('diff: sealguard');
    expect(repo.git('check-attr', 'diff', '--', 'other/k.yaml')).toContain('diff: unspecified');
    expect(repo.git('config', '--local', 'diff.sealguard.cachetextconv').trim()).toBe('false');
    expect(repo.git('config', '--local', 'merge.sealguard.driver')).toContain('merge-driver %O %A %B %P');

    const second = sg(['install', '--git-drivers']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already registered');
    expect(readFileSync(path.join(repo.dir, '.gitattributes'), 'utf8')).toBe(attrs);

    const removed = sg(['install', '--uninstall', '--git-drivers']);
    expect(removed.code).toBe(0);
    expect(readFileSync(path.join(repo.dir, '.gitattributes'), 'utf8')).toBe('*.png binary\n');
    expect(repo.tryGit('config', '--local', '--get-regexp', 'sealguard').code).toBe(1);
  });

  it('a .gitattributes that only sealguard wrote is deleted on uninstall', () => {
    const repo = temp.repo();
    const home = temp.dir('sealguard-drivers-home-');
    const sg = (args: string[]) => runCli(args, { cwd: repo.dir, env: env(home, false) });
    const r = sg(['install', '--git-drivers']);
    expect(r.stderr).toContain('no files are routed to the drivers yet');
    expect(existsSync(path.join(repo.dir, '.gitattributes'))).toBe(false);
    expect(sg(['install', '--git-drivers', 'secrets/']).stdout).toContain('created .gitattributes routing secrets/**');
    expect(sg(['install', '--uninstall', '--git-drivers']).stdout).toContain('deleted .gitattributes');
    expect(existsSync(path.join(repo.dir, '.gitattributes'))).toBe(false);
  });

  it('paths named from a subfolder are taken relative to it; paths without --git-drivers are a usage error', () => {
    const repo = temp.repo();
    const home = temp.dir('sealguard-drivers-home-');
    repo.write('app/config/prod.yaml', 'a: 1\n');
    const sub = path.join(repo.dir, 'app');
    const r = runCli(['install', '--git-drivers', 'config/prod.yaml', 'keys/', '*.sealed.json'], { cwd: sub, env: env(home, false) });
    expect(r.code).toBe(0);
    const attrs = readFileSync(path.join(repo.dir, '.gitattributes'), 'utf8');
    expect(attrs).toContain('\napp/config/prod.yaml diff=sealguard');
    expect(attrs).toContain('\napp/keys/** diff=sealguard');
    expect(attrs).toContain('\n*.sealed.json diff=sealguard');
    const bad = runCli(['install', 'secrets/'], { cwd: repo.dir, env: env(home, false) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('only taken with --git-drivers');
  });

  it('the driver commands keep working through PATH when the installing copy is gone', () => {
    const repo = temp.repo();
    const home = temp.dir('sealguard-drivers-home-');
    const sg = (args: string[]) => runCli(args, { cwd: repo.dir, env: env(home, false) });
    sg(['install', '--git-drivers', 'secrets/']);
    const textconv = execFileSync('git', ['config', '--local', 'diff.sealguard.textconv'], { cwd: repo.dir, encoding: 'utf8' }).trim();
    // Point the absolute check at a path that does not exist: the fallback is `sealguard` on PATH, then npx.
    const moved = textconv.replaceAll(/\[ -e [^\]]*sealguard\.js'? \]/g, "[ -e /nonexistent/sealguard.js ]");
    const bin = temp.dir('sealguard-fake-bin-');
    writeFileSync(path.join(bin, 'sealguard'), '#!/bin/sh\necho "fake sealguard $*"\n', { mode: 0o755 });
    repo.write('secrets/x.yaml', 'a: 1\n');
    const r = spawnSync('sh', ['-c', `${moved} "$@"`, 'textconv', 'secrets/x.yaml'], {
      cwd: repo.dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('fake sealguard textconv secrets/x.yaml\n');
  });
});

describe('hidden driver commands', () => {
  it('textconv prints a plaintext file unchanged and a missing file as nothing, exiting 0', () => {
    const dir = temp.dir('sealguard-textconv-');
    writeFileSync(path.join(dir, 'notes.yaml'), 'just: text\n');
    const r = runCli(['textconv', 'notes.yaml'], { cwd: dir, env: env(dir, false) });
    expect(r).toMatchObject({ code: 0, stdout: 'just: text\n', stderr: '' });
    expect(runCli(['textconv', 'missing.yaml'], { cwd: dir, env: env(dir, false) })).toMatchObject({ code: 0, stdout: '' });
  });

  it('are not listed in the help', () => {
    const help = runCli(['--help'], { cwd: process.cwd() }).stdout;
    expect(help).toContain('install');
    expect(help).not.toContain('textconv');
    expect(help).not.toContain('merge-driver');
  });
});
