import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { runCli } from '../helpers/cli.js';
import { tempDirs, type TempRepo } from '../helpers/git-repo.js';

const temp = tempDirs('sealguard-init-');

function env(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'xdg'),
    GNUPGHOME: path.join(home, 'no-gnupg'),
    SOPS_AGE_KEY: undefined,
    SOPS_AGE_KEY_FILE: undefined,
    SOPS_AGE_KEY_CMD: undefined,
    SOPS_AGE_RECIPIENTS: undefined,
    SOPS_PGP_FP: undefined,
    ...extra,
  };
}

function setUp(): { repo: TempRepo; home: string; sg: (args: string[], extra?: NodeJS.ProcessEnv) => ReturnType<typeof runCli> } {
  const repo = temp.repo();
  const home = temp.dir('sealguard-init-home-');
  return { repo, home, sg: (args, extra) => runCli(args, { cwd: repo.dir, env: env(home, extra) }) };
}

const read = (repo: TempRepo, rel: string) => readFileSync(path.join(repo.dir, rel), 'utf8');

describe('sealguard init', () => {
  it('creates a private age key, .sops.yaml for secrets/, the hook and the drivers, and says what to run next', () => {
    const { repo, home, sg } = setUp();
    const r = sg(['init']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const keyFile = path.join(home, 'xdg', 'sops', 'age', 'keys.txt');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const recipient = /# public key: (age1\S+)/.exec(readFileSync(keyFile, 'utf8'))![1]!;
    expect(r.stdout).toContain(`created an age identity in ${keyFile}`);
    expect(r.stdout).toContain(recipient);
    expect(r.stdout).not.toContain('AGE-SECRET-KEY');
    expect(read(repo, '.sops.yaml')).toContain(`  - path_regex: '^secrets/'\n    age: ${recipient}\n`);
    expect(read(repo, '.git/hooks/pre-commit')).toContain('sealguard-managed-hook');
    expect(read(repo, '.gitattributes')).toContain('secrets/** diff=sealguard merge=sealguard');
    expect(repo.git('config', '--local', 'merge.sealguard.driver')).toContain('merge-driver');
    expect(r.stdout).toContain('next: sealguard edit secrets/app.yaml');

    // The set-up works end to end: a file under secrets/ encrypts for the new key and decrypts with it.
    repo.write('secrets/app.yaml', 'password: pw-init-0001\n');
    expect(sg(['encrypt', '-i', 'secrets/app.yaml']).code).toBe(0);
    expect(read(repo, 'secrets/app.yaml')).toContain(`recipient: ${recipient}`);
    expect(sg(['decrypt', 'secrets/app.yaml']).stdout).toBe('password: pw-init-0001\n');
  });

  it('a second run changes nothing and says so', () => {
    const { repo, home, sg } = setUp();
    expect(sg(['init']).code).toBe(0);
    const files = ['.sops.yaml', '.gitattributes', '.git/hooks/pre-commit', '.git/config'];
    const before = files.map((f) => read(repo, f));
    const key = readFileSync(path.join(home, 'xdg', 'sops', 'age', 'keys.txt'), 'utf8');
    const again = sg(['init']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to change: this repository was already set up');
    expect(again.stdout).toContain('.sops.yaml already exists: left it as it is');
    expect(files.map((f) => read(repo, f))).toEqual(before);
    expect(readFileSync(path.join(home, 'xdg', 'sops', 'age', 'keys.txt'), 'utf8')).toBe(key);
  });

  it('uses an identity the user already has instead of creating one', async () => {
    const { repo, home, sg } = setUp();
    const identity = await generateX25519Identity();
    const r = sg(['init'], { SOPS_AGE_KEY: identity });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('using your age identity from SOPS_AGE_KEY');
    expect(read(repo, '.sops.yaml')).toContain(`age: ${await identityToRecipient(identity)}`);
    expect(existsSync(path.join(home, 'xdg', 'sops', 'age', 'keys.txt'))).toBe(false);
  });

  it('creates the key where SOPS_AGE_KEY_FILE points when that file does not exist yet', () => {
    const { home, sg } = setUp();
    const keyFile = path.join(home, 'keys', 'team.txt');
    const r = sg(['init'], { SOPS_AGE_KEY_FILE: keyFile });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created an age identity in ${keyFile}`);
    expect(existsSync(keyFile)).toBe(true);
    expect(existsSync(path.join(home, 'xdg', 'sops', 'age', 'keys.txt'))).toBe(false);
  });

  it('leaves an existing .sops.yaml as it is and says when the user\'s recipient is not in it', () => {
    const { repo, sg } = setUp();
    const config = 'creation_rules:\n  - path_regex: \\.enc\\.json$\n    age: age1someoneelse\n';
    repo.write('.sops.yaml', config);
    const r = sg(['init']);
    expect(r.code).toBe(0);
    expect(read(repo, '.sops.yaml')).toBe(config);
    expect(r.stderr).toContain('your recipient is not in .sops.yaml');
    expect(read(repo, '.gitattributes')).toContain('*.enc.json diff=sealguard merge=sealguard');
  });

  it('covers the paths the user names instead of secrets/', () => {
    const { repo, sg } = setUp();
    const r = sg(['init', 'config/prod.yaml', 'vault/']);
    expect(r.code).toBe(0);
    const config = read(repo, '.sops.yaml');
    expect(config).toContain("path_regex: '^config/prod\\.yaml$'");
    expect(config).toContain("path_regex: '^vault/'");
    expect(config).not.toContain('secrets/');
    const attrs = read(repo, '.gitattributes');
    expect(attrs).toContain('config/prod.yaml diff=sealguard');
    expect(attrs).toContain('vault/** diff=sealguard');
    expect(r.stdout).toContain('next: sealguard edit config/prod.yaml');
  });

  it('outside a git repository it fails with a one-line message', () => {
    const dir = temp.dir('sealguard-init-norepo-');
    const r = runCli(['init'], { cwd: dir, env: env(dir) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sealguard: not (inside )?a git (work tree|repository)/);
    expect(existsSync(path.join(dir, 'xdg'))).toBe(false);
  });
});
