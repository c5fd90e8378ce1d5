import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cliPath, runCli } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { isolatedEnv, newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';

const temp = tempDirs();
let key: AgeKey;
beforeAll(async () => {
  key = await newAgeKey();
});

function setup(text: string, name = 'app.yaml') {
  const dir = temp.dir('sealguard-exec-');
  const tmp = path.join(dir, 'tmp');
  mkdirSync(tmp);
  const env = (extra: NodeJS.ProcessEnv = {}) => isolatedEnv(dir, { SOPS_AGE_KEY: key.identity, TMPDIR: tmp, ...extra });
  writeFileSync(path.join(dir, name), text);
  expect(runCli(['encrypt', '-i', '--age', key.recipient, name], { cwd: dir, env: env() }).code).toBe(0);
  return {
    dir,
    tmp,
    env,
    run: (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { cwd: dir, env: env(extra) }),
    tmpIsEmpty: () => expect(readdirSync(tmp)).toEqual([]),
  };
}

const node = process.execPath;

describe('sealguard exec-env', () => {
  it("puts top-level values into the command's environment only, typed values as text", () => {
    const s = setup('DB_PASSWORD: pw-0001\nPORT: 5432\nDEBUG: true\nEMPTY: ""\n');
    const script = 'console.log(JSON.stringify([process.env.DB_PASSWORD, process.env.PORT, process.env.DEBUG, process.env.EMPTY, process.env.KEEP]))';
    const r = s.run(['exec-env', 'app.yaml', '--', node, '-e', script], { KEEP: 'kept' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['pw-0001', '5432', 'true', '', 'kept']);
  });

  it('runs one command string through the shell like sops, and exits with its status', () => {
    const s = setup('TOKEN: t-42\n');
    const r = s.run(['exec-env', 'app.yaml', 'echo "token=$TOKEN"; exit 7']);
    expect(r.stdout).toBe('token=t-42\n');
    expect(r.code).toBe(7);
  });

  it('--pristine passes only the decrypted values', () => {
    const s = setup('TOKEN: t-42\n');
    const r = s.run(['exec-env', '--pristine', 'app.yaml', '--', node, '-e', 'console.log(Object.keys(process.env).sort().join(","))'], {
      KEEP: 'x',
    });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('TOKEN');
  });

  it('refuses nested values as sops does, naming the key but not the value', () => {
    const s = setup('db:\n  password: nested-secret-1\nTOKEN: t\n');
    const r = s.run(['exec-env', 'app.yaml', '--', node, '-e', '']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot use complex value in environment');
    expect(r.stderr).toContain('"db"');
    expect(r.stderr).not.toContain('nested-secret-1');
  });

  it('does not run the command when the file cannot be decrypted (exit 128)', () => {
    const s = setup('TOKEN: t\n');
    const marker = path.join(s.dir, 'ran');
    const r = runCli(['exec-env', 'app.yaml', `touch ${marker}`], { cwd: s.dir, env: isolatedEnv(s.dir) });
    expect(r.code).toBe(128);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('sealguard exec-file', () => {
  it('hands the plaintext through a FIFO at {} and removes it afterwards', () => {
    const s = setup('a: 1\nsecret: pw-0001\n');
    const script = 'const fs=require("fs");const p=process.argv[1];console.log(fs.statSync(p).isFIFO());process.stdout.write(fs.readFileSync(p,"utf8"))';
    const r = s.run(['exec-file', 'app.yaml', '--', node, '-e', script, '{}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('true\na: 1\nsecret: pw-0001\n');
    s.tmpIsEmpty();
  });

  it('--no-fifo writes a private 0600 file, named by --filename, in a 0700 folder', () => {
    const s = setup('secret: pw-0001\n');
    const script =
      'const fs=require("fs"),path=require("path");const p=process.argv[1];' +
      'console.log((fs.statSync(p).mode&0o777).toString(8),(fs.statSync(path.dirname(p)).mode&0o777).toString(8),path.basename(p),fs.readFileSync(p,"utf8").trim())';
    const r = s.run(['exec-file', '--no-fifo', '--filename', 'conf.yaml', 'app.yaml', '--', node, '-e', script, '{}']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('600 700 conf.yaml secret: pw-0001');
    s.tmpIsEmpty();
  });

  it('a command that never opens the FIFO still ends, with its exit status, and leaves nothing behind', () => {
    const s = setup('secret: pw-0001\n');
    const r = s.run(['exec-file', 'app.yaml', 'test -p {} && exit 5']);
    expect(r.code).toBe(5);
    s.tmpIsEmpty();
  });

  it('--output-type json gives the command JSON', () => {
    const s = setup('a: {b: 2}\n');
    const r = s.run(['exec-file', '--output-type', 'json', 'app.yaml', 'cat {}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ a: { b: 2 } });
  });

  it('--filename with a folder in it is refused', () => {
    const s = setup('a: 1\n');
    expect(s.run(['exec-file', '--filename', '../x', 'app.yaml', 'cat {}']).code).toBe(2);
  });

  it('SIGTERM while the command runs removes the plaintext file', async () => {
    const s = setup('secret: pw-0001\n');
    const marker = path.join(s.dir, 'started');
    const child = spawn(process.execPath, [cliPath, 'exec-file', '--no-fifo', 'app.yaml', `cp {} ${marker}.copy; touch ${marker}; exec sleep 30`], {
      cwd: s.dir,
      env: { ...process.env, ...s.env() } as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const deadline = Date.now() + 20_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(readFileSync(`${marker}.copy`, 'utf8')).toContain('pw-0001');
    expect(readdirSync(s.tmp).length).toBe(1);
    child.kill('SIGTERM');
    await exited;
    s.tmpIsEmpty();
  }, 30_000);
});
