/**
 * A target that cannot be written gives one clear line and exit 2, and the original stays as it
 * was. Each case uses a mechanism that fails for root too: /dev/full (ENOSPC on every write), a
 * file-size limit (RLIMIT_FSIZE, EFBIG: a disk that fills up mid-write), a path through a regular
 * file (ENOTDIR), and a read-only folder written by an unprivileged user (uid 65534 when the tests
 * run as root, since chmod does not stop root).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { decryptText, encryptText } from '../../src/sops/file.js';
import { bigYaml, envFor } from './fixture.js';

const temp = tempDirs();
const plain = bigYaml(200, 'wf-marker');
let key: AgeKey;
let encrypted: string;

beforeAll(async () => {
  key = await newAgeKey();
  encrypted = (await encryptText(plain, 'secrets.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
});

function setup() {
  const dir = temp.dir('sealguard-wf-');
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'plain.yaml'), plain);
  writeFileSync(path.join(dir, 'secrets.yaml'), encrypted);
  const env = envFor(dir, { SOPS_AGE_KEY: key.identity });
  const run = (args: string[], opts: { shellPrefix?: string; uid?: number; pipe?: boolean } = {}) => {
    const tail = opts.pipe ? '"$0" "$@" | cat' : 'exec "$0" "$@"';
    const r = opts.shellPrefix
      ? spawnSync('/bin/sh', ['-c', `${opts.shellPrefix}; ${tail}`, process.execPath, cliPath, ...args], { cwd: dir, env, encoding: 'utf8' })
      : spawnSync(process.execPath, [cliPath, ...args], { cwd: dir, env, encoding: 'utf8', uid: opts.uid, gid: opts.uid });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { dir, run, read: (n: string) => readFileSync(path.join(dir, n), 'utf8') };
}

/** One line, naming the target and the reason, no value from the file. */
function expectOneLine(stderr: string, ...parts: string[]): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toContain(p);
  expect(stderr).not.toContain('wf-marker');
}

describe('targets that cannot be written', () => {
  it('decrypt --output /dev/full: "no space left on device", exit 2, and /dev/full is still the device', () => {
    const s = setup();
    const r = s.run(['decrypt', 'secrets.yaml', '--output', '/dev/full']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'cannot write /dev/full', 'no space left on device');
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(s.read('secrets.yaml')).toBe(encrypted);
  });

  for (const cmd of [
    { name: 'encrypt -i', args: ['encrypt', '-i', '--age', 'AGE', 'plain.yaml'], file: 'plain.yaml', before: () => plain },
    { name: 'decrypt -i', args: ['decrypt', '-i', 'secrets.yaml'], file: 'secrets.yaml', before: () => encrypted },
    { name: 'set', args: ['set', 'secrets.yaml', '["key1"]', '"x"'], file: 'secrets.yaml', before: () => encrypted },
  ]) {
    it(`${cmd.name} when the disk fills mid-write (file-size limit, EFBIG): exit 2, original untouched, no temp file left`, () => {
      const s = setup();
      const r = s.run(
        cmd.args.map((a) => (a === 'AGE' ? key.recipient : a)),
        { shellPrefix: 'ulimit -f 8' },
      );
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, `cannot write ${path.join(s.dir, cmd.file)}`, 'file too large');
      expect(s.read(cmd.file)).toBe(cmd.before());
      expect(readdirSync(s.dir).sort()).toEqual(['plain.yaml', 'secrets.yaml']);
    });
  }

  it('--output under a path whose parent is a regular file: "not a directory", exit 2', () => {
    const s = setup();
    const r = s.run(['encrypt', '--age', key.recipient, 'plain.yaml', '--output', 'plain.yaml/out.yaml']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'cannot write', 'not a directory');
    expect(s.read('plain.yaml')).toBe(plain);
  });

  it('encrypt -i in a read-only folder, as an unprivileged user: "permission denied", exit 2, original untouched', () => {
    const s = setup();
    // Root ignores folder permissions: run the CLI as nobody then, who really is refused.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    chmodSync(path.join(s.dir, 'plain.yaml'), 0o666);
    chmodSync(s.dir, 0o555);
    try {
      const r = s.run(['encrypt', '-i', '--age', key.recipient, 'plain.yaml'], { uid });
      expect(r.code).toBe(2);
      expectOneLine(r.stderr, 'cannot write', 'permission denied');
      expect(s.read('plain.yaml')).toBe(plain);
      expect(readdirSync(s.dir).sort()).toEqual(['plain.yaml', 'secrets.yaml']);
    } finally {
      chmodSync(s.dir, 0o755);
    }
  });
});

describe('targets that are not plain files', () => {
  it('decrypt --output /dev/stdout prints the plaintext and leaves /dev/stdout a link (it is not replaced by a file)', () => {
    const s = setup();
    const before = lstatSync('/dev/stdout');
    // Through a shell pipe, as a user would (spawnSync's own stdout is a socket, which /dev/stdout cannot reopen).
    const r = s.run(['decrypt', 'secrets.yaml', '--output', '/dev/stdout'], { shellPrefix: ':', pipe: true });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(plain);
    expect(lstatSync('/dev/stdout').isSymbolicLink()).toBe(before.isSymbolicLink());
  });

  it('encrypt -i on a symlink encrypts the file it points to and keeps the link', async () => {
    const s = setup();
    mkdirSync(path.join(s.dir, 'real'));
    writeFileSync(path.join(s.dir, 'real', 'app.yaml'), plain);
    symlinkSync('real/app.yaml', path.join(s.dir, 'link.yaml'));
    const r = s.run(['encrypt', '-i', '--age', key.recipient, 'link.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readlinkSync(path.join(s.dir, 'link.yaml'))).toBe('real/app.yaml');
    const out = await decryptText(s.read('real/app.yaml'), 'app.yaml', { env: { SOPS_AGE_KEY: key.identity } });
    expect(out.output).toBe(plain);
  });

  it('encrypt -i on a file whose name is 240 characters long works (the temp name still fits)', () => {
    const s = setup();
    const name = `${'n'.repeat(235)}.yaml`;
    writeFileSync(path.join(s.dir, name), plain);
    const r = s.run(['encrypt', '-i', '--age', key.recipient, name]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.read(name)).toContain('ENC[AES256_GCM');
  });
});
