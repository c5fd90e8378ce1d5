/**
 * A known secret and known plaintext go through every command — on success and on induced
 * failures (wrong key, tampered file, bad input), with --verbose where the command has it and
 * DEBUG=* always (not NODE_DEBUG: Node itself then traces spawn options, environment included; see
 * the README's security notes) — and must not appear in stdout, stderr or any report, except where printing it
 * is the command's purpose (decrypt, exec-*, textconv, --no-redact). In-process, errors thrown by
 * the library are checked in their message, stack, cause, JSON.stringify and util.inspect.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { runCli, type CliResult } from '../helpers/cli.js';
import { tempDirs } from '../helpers/git-repo.js';
import { newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { Secret } from '../../src/shared/secret.js';
import { decryptText, encryptText } from '../../src/sops/file.js';
import { openSession } from '../../src/sops/session.js';
import { storeFor } from '../../src/sops/stores/index.js';
import { parseTreePath } from '../../src/sops/tree-path.js';
import { envFor, script } from './fixture.js';

const temp = tempDirs();
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** An AWS-style access key id made at run time (so this file holds no secret), different every run. */
const SECRET = 'AKIA' + Array.from({ length: 16 }, () => B32[randomInt(32)]).join('');
/** Plaintext of an encrypted value. */
const PLAIN = `canary-${Array.from({ length: 12 }, () => B32[randomInt(32)]).join('').toLowerCase()}`;
const NEEDLES = [SECRET, PLAIN];

let key: AgeKey;
let wrong: AgeKey;
beforeAll(async () => {
  key = await newAgeKey();
  wrong = await newAgeKey();
});

function leaks(text: string): string[] {
  return NEEDLES.filter((n) => text.includes(n));
}

/** Fails, naming the command and where, when a needle shows up. */
function clean(label: string, r: CliResult, opts: { stdoutMayShow?: boolean } = {}): void {
  expect(leaks(r.stderr), `${label}: stderr`).toEqual([]);
  if (!opts.stdoutMayShow) expect(leaks(r.stdout), `${label}: stdout`).toEqual([]);
}

function project() {
  const dir = temp.dir('sealguard-leak-');
  const w = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  };
  const env = (extra: NodeJS.ProcessEnv = {}) => envFor(dir, { SOPS_AGE_KEY: key.identity, DEBUG: '*', ...extra });
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}, input?: string) => runCli(args, { cwd: dir, env: env(extra), input });
  const read = (name: string) => readFileSync(path.join(dir, name), 'utf8');
  return { dir, w, env, run, read };
}

describe('scan never prints the secret unless --no-redact', () => {
  for (const format of ['text', 'json', 'sarif', 'junit', 'csv']) {
    it(`--report-format ${format}, --verbose, DEBUG=*: finding reported, secret only in the --no-redact report`, () => {
      const p = project();
      p.w('config.env', `AWS_ACCESS_KEY_ID=${SECRET}\n`);
      const r = p.run(['scan', '.', '--verbose', '--report-format', format, '--report-path', `../report.${format}`]);
      expect(r.code).toBe(1);
      clean(`scan ${format}`, r);
      const report = readFileSync(path.join(p.dir, '..', `report.${format}`), 'utf8');
      expect(report).toContain('aws-access-key-id');
      expect(leaks(report)).toEqual([]);
      const stdoutOnly = p.run(['scan', '.', '--verbose', '--report-format', format]);
      expect(stdoutOnly.code).toBe(1);
      clean(`scan ${format} to stdout`, stdoutOnly);
      const unredacted = p.run(['scan', '.', '--no-redact', '--report-format', format]);
      expect(unredacted.stdout).toContain(SECRET);
    });
  }

  it('scan --stdin, --staged and a history scan, --verbose', () => {
    const p = project();
    const stdin = p.run(['scan', '--stdin', '--verbose'], {}, `token = "${SECRET}"\n`);
    expect(stdin.code).toBe(1);
    clean('scan --stdin', stdin);
    const { execFileSync } = require_('node:child_process');
    const git = (...a: string[]) => execFileSync('git', a, { cwd: p.dir, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 't@example.invalid');
    git('config', 'user.name', 't');
    p.w('a.env', `KEY=${SECRET}\n`);
    git('add', 'a.env');
    const staged = p.run(['scan', '--staged', '--verbose']);
    expect(staged.code).toBe(1);
    clean('scan --staged', staged);
    git('commit', '-q', '--no-verify', '-m', 'x');
    const history = p.run(['scan', '--all-history', '--verbose', '--report-format', 'json']);
    expect(history.code).toBe(1);
    clean('scan --all-history', history);
  });

  it('baseline writes hashes only; rules list and rules test print no secret', () => {
    const p = project();
    p.w('config.env', `AWS_ACCESS_KEY_ID=${SECRET}\n`);
    const b = p.run(['baseline']);
    clean('baseline', b);
    const files = readdirSync(p.dir).filter((n) => n.includes('baseline'));
    expect(files.length).toBe(1);
    expect(leaks(p.read(files[0]))).toEqual([]);
    clean('rules list', p.run(['rules', 'list']));
    clean('rules test', p.run(['rules', 'test']));
  });
});

function require_(m: 'node:child_process'): typeof import('node:child_process') {
  // Loaded lazily so the scan-only tests above do not pay for it.
  return process.getBuiltinModule(m) as typeof import('node:child_process');
}

describe('sops commands never print a decrypted value where they should not', () => {
  const plainYaml = `db:\n  password: ${PLAIN}\n  port: 5432\napi_key: ${PLAIN}-2\n`;

  async function encryptedProject() {
    const p = project();
    p.w('s.yaml', (await encryptText(plainYaml, 's.yaml', { keys: { age: [key.recipient] }, env: {} })).output);
    p.w('plain.yaml', plainYaml);
    return p;
  }

  it('encrypt: success, invalid YAML and invalid JSON holding the value, no keys', async () => {
    const p = await encryptedProject();
    clean('encrypt', p.run(['encrypt', '--age', key.recipient, 'plain.yaml']));
    p.w('bad.yaml', `a: [${PLAIN}\nb: "${PLAIN}\n`);
    const badYaml = p.run(['encrypt', '--age', key.recipient, 'bad.yaml']);
    expect(badYaml.code).not.toBe(0);
    clean('encrypt bad yaml', badYaml);
    p.w('bad.json', `{"a": "${PLAIN}", "b": ${PLAIN}}`);
    const badJson = p.run(['encrypt', '--age', key.recipient, 'bad.json']);
    expect(badJson.code).not.toBe(0);
    clean('encrypt bad json', badJson);
    p.w('bad.env', `A=${PLAIN}\n${PLAIN} no equals\n`);
    clean('encrypt bad dotenv', p.run(['encrypt', '--age', key.recipient, 'bad.env']));
    p.w('bad.ini', `[s]\n${PLAIN}\n`);
    clean('encrypt bad ini', p.run(['encrypt', '--age', key.recipient, 'bad.ini']));
    clean('encrypt no keys', p.run(['encrypt', 'plain.yaml']));
    clean('encrypt already encrypted', p.run(['encrypt', '--age', key.recipient, 's.yaml']));
  });

  it('decrypt: prints the value on success (its purpose) but not on a wrong key, a tampered file or a bad --extract', async () => {
    const p = await encryptedProject();
    const ok = p.run(['decrypt', 's.yaml']);
    expect(ok.stdout).toContain(PLAIN);
    clean('decrypt ok', ok, { stdoutMayShow: true });
    clean('decrypt wrong key', p.run(['decrypt', 's.yaml'], { SOPS_AGE_KEY: wrong.identity }));
    p.w('t.yaml', p.read('s.yaml').replace(/tag:(.)/, (_m, c: string) => `tag:${c === 'A' ? 'B' : 'A'}`));
    clean('decrypt tampered', p.run(['decrypt', 't.yaml']));
    clean('decrypt tampered --ignore-mac', p.run(['decrypt', '--ignore-mac', 't.yaml']), { stdoutMayShow: true });
    clean('decrypt bad extract', p.run(['decrypt', '--extract', '["db"]["nope"]', 's.yaml']));
    clean('decrypt extract syntax', p.run(['decrypt', '--extract', '["db"', 's.yaml']));
    clean('decrypt extract through a value', p.run(['decrypt', '--extract', '["db"]["password"]["x"]', 's.yaml']));
    p.w('mac.yaml', p.read('s.yaml').replace(/lastmodified: "(\d)/, (_m, d: string) => `lastmodified: "${d === '1' ? '2' : '1'}`));
    clean('decrypt MAC mismatch', p.run(['decrypt', 'mac.yaml']));
    clean('decrypt a plaintext file', p.run(['decrypt', 'plain.yaml']));
    p.w('broken.yaml', `${p.read('s.yaml')}\nx: [${PLAIN}\n`);
    clean('decrypt malformed YAML', p.run(['decrypt', 'broken.yaml']));
    p.w('broken.json', `{"a": "${PLAIN}", `);
    clean('decrypt malformed JSON', p.run(['decrypt', 'broken.json']));
    clean('filestatus malformed', p.run(['filestatus', 'broken.json']));
    clean('decrypt as the wrong input type', p.run(['decrypt', '--input-type', 'json', 'plain.yaml']));
  });

  it('edit: the editor writes invalid content holding a value, or the editor fails', async () => {
    const p = await encryptedProject();
    const invalid = script(path.join(p.dir, 'bin'), 'inv.sh', `printf 'x: [%s\\n' "$(head -c 0 /dev/null)${PLAIN}" >> "$1"`);
    clean('edit invalid', p.run(['edit', 's.yaml'], { SOPS_EDITOR: invalid }));
    const fail = script(path.join(p.dir, 'bin'), 'fail.sh', `echo oops >&2; exit 9`);
    clean('edit failing editor', p.run(['edit', 's.yaml'], { SOPS_EDITOR: fail }));
    const ok = script(path.join(p.dir, 'bin'), 'ok.sh', `sed -i 's/5432/5433/' "$1"`);
    clean('edit ok', p.run(['edit', 's.yaml'], { SOPS_EDITOR: ok }));
    clean('edit wrong key', p.run(['edit', 's.yaml'], { SOPS_EDITOR: ok, SOPS_AGE_KEY: wrong.identity }));
  });

  it('set and unset: success, an invalid JSON value holding the value, a bad path, a wrong key', async () => {
    const p = await encryptedProject();
    clean('set ok', p.run(['set', 's.yaml', '["db"]["port"]', '5433']));
    const bad = p.run(['set', 's.yaml', '["db"]["password"]', `{"x": "${PLAIN}-new`]);
    expect(bad.code).not.toBe(0);
    clean('set invalid json', bad);
    clean('set bad path', p.run(['set', 's.yaml', '["db"', '1']));
    clean('set through a value', p.run(['set', 's.yaml', '["db"]["password"]["x"]', '1']));
    clean('set wrong key', p.run(['set', 's.yaml', '["db"]["port"]', '1'], { SOPS_AGE_KEY: wrong.identity }));
    clean('unset missing', p.run(['unset', 's.yaml', '["nope"]']));
    clean('unset ok', p.run(['unset', 's.yaml', '["api_key"]']));
  });

  it('rotate and updatekeys: success and wrong key', async () => {
    const p = await encryptedProject();
    p.w('.sops.yaml', `creation_rules:\n  - age: ${key.recipient},${wrong.recipient}\n`);
    clean('rotate', p.run(['rotate', '-i', 's.yaml']));
    clean('rotate wrong key', p.run(['rotate', '-i', 's.yaml'], { SOPS_AGE_KEY: wrong.identity + 'x' }));
    clean('updatekeys', p.run(['updatekeys', '-y', 's.yaml']));
    clean('updatekeys wrong key', p.run(['updatekeys', '-y', 's.yaml'], { SOPS_AGE_KEY: (await newAgeKey()).identity }));
  });

  it('exec-env and exec-file: the command sees the values, sealguard itself prints none; nested values and failures', async () => {
    const p = await encryptedProject();
    const env = p.run(['exec-env', 's.yaml', 'echo "$api_key" | wc -c']);
    clean('exec-env nested refused', env);
    p.w('flat.yaml', (await encryptText(`token: ${PLAIN}\n`, 'flat.yaml', { keys: { age: [key.recipient] }, env: {} })).output);
    const shown = p.run(['exec-env', 'flat.yaml', 'echo "$token"']);
    expect(shown.stdout).toContain(PLAIN);
    clean('exec-env', shown, { stdoutMayShow: true });
    clean('exec-env failing', p.run(['exec-env', 'flat.yaml', 'exit 4']));
    clean('exec-env wrong key', p.run(['exec-env', 'flat.yaml', 'true'], { SOPS_AGE_KEY: wrong.identity }));
    clean('exec-file', p.run(['exec-file', 's.yaml', 'wc -c {}']));
    clean('exec-file failing', p.run(['exec-file', '--no-fifo', 's.yaml', 'exit 3']));
    clean('exec-file wrong key', p.run(['exec-file', 's.yaml', 'cat {}'], { SOPS_AGE_KEY: wrong.identity }));
  });

  it('explain, filestatus, keygen', async () => {
    const p = await encryptedProject();
    p.w('.sops.yaml', `creation_rules:\n  - age: ${key.recipient}\n`);
    clean('explain encrypted', p.run(['explain', 's.yaml']));
    clean('explain plain', p.run(['explain', 'plain.yaml']));
    clean('filestatus', p.run(['filestatus', 's.yaml']));
    clean('filestatus plain', p.run(['filestatus', 'plain.yaml']));
  });

  it('merge-driver: a conflict names the key but not the values (unless --show-values); textconv only on success', async () => {
    const p = await encryptedProject();
    const base = p.read('s.yaml');
    p.w('base.yaml', base);
    p.w('ours.yaml', base);
    p.w('theirs.yaml', base);
    expect(p.run(['set', 'ours.yaml', '["db"]["password"]', `"${PLAIN}-ours"`]).code).toBe(0);
    expect(p.run(['set', 'theirs.yaml', '["db"]["password"]', `"${PLAIN}-theirs"`]).code).toBe(0);
    const m = p.run(['merge-driver', 'base.yaml', 'ours.yaml', 'theirs.yaml', 's.yaml']);
    expect(m.code).not.toBe(0);
    clean('merge-driver conflict', m);
    expect(leaks(p.read('ours.yaml'))).toEqual([]);
    const shown = p.run(['merge-driver', '--show-values', 'base.yaml', 'ours.yaml', 'theirs.yaml', 's.yaml']);
    expect(shown.stdout + shown.stderr + p.read('ours.yaml')).toContain(PLAIN);
    clean('merge-driver wrong key', p.run(['merge-driver', 'base.yaml', 'ours.yaml', 'theirs.yaml'], { SOPS_AGE_KEY: wrong.identity }));
    const tc = p.run(['textconv', 's.yaml']);
    expect(tc.stdout).toContain(PLAIN);
    clean('textconv', tc, { stdoutMayShow: true });
    clean('textconv wrong key', p.run(['textconv', 's.yaml'], { SOPS_AGE_KEY: wrong.identity }));
  });

  it('no command left a file with the plaintext beside the encrypted one', async () => {
    const p = await encryptedProject();
    p.run(['rotate', '-i', 's.yaml']);
    p.run(['set', 's.yaml', '["x"]', '1']);
    expect(readdirSync(p.dir).filter((n) => n !== 'plain.yaml' && existsSync(path.join(p.dir, n)) && leaks(p.read(n)).length > 0)).toEqual([]);
  });
});

describe('library errors never carry a value (message, stack, cause, JSON, inspect)', () => {
  function expectNoLeak(e: unknown): void {
    const err = e as Error & { cause?: unknown };
    const views = [String(err.message), String(err.stack), JSON.stringify(err), inspect(err, { depth: 10 }), inspect(err.cause, { depth: 10 })];
    for (const v of views) expect(leaks(v)).toEqual([]);
  }
  async function thrown(f: () => unknown): Promise<unknown> {
    try {
      await f();
    } catch (e) {
      return e;
    }
    throw new Error('expected an error');
  }

  it('store parse errors on bad YAML, JSON, dotenv, INI holding the value', async () => {
    expectNoLeak(await thrown(() => storeFor('yaml').parse(`a: [${PLAIN}\nb: "${PLAIN}\n`)));
    expectNoLeak(await thrown(() => storeFor('json').parse(`{"a": "${PLAIN}", "b": ${PLAIN}}`)));
    expectNoLeak(await thrown(() => storeFor('json').parse(`{"a": "${PLAIN}"`)));
    expectNoLeak(await thrown(() => storeFor('dotenv').parse(`${PLAIN}\n`)));
    expectNoLeak(await thrown(() => storeFor('ini').parse(`${PLAIN}\n`)));
  });

  it('decrypt and openSession errors: wrong key, tampered value, MAC mismatch, bad tree path', async () => {
    const doc = (await encryptText(`a: ${PLAIN}\nb: [${PLAIN}-1]\n`, 'f.yaml', { keys: { age: [key.recipient] }, env: {} })).output;
    expectNoLeak(await thrown(() => decryptText(doc, 'f.yaml', { env: { SOPS_AGE_KEY: wrong.identity } })));
    const tampered = doc.replace(/tag:(.)/, (_m, c: string) => `tag:${c === 'A' ? 'B' : 'A'}`);
    expectNoLeak(await thrown(() => decryptText(tampered, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } })));
    const swapped = doc.replace(/lastmodified: "(\d)/, (_m, d: string) => `lastmodified: "${d === '1' ? '2' : '1'}`);
    expectNoLeak(await thrown(() => openSession(swapped, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity } })));
    expectNoLeak(await thrown(() => decryptText(doc, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity }, extract: '["a"]["x"]' })));
    expectNoLeak(await thrown(() => decryptText(doc, 'f.yaml', { env: { SOPS_AGE_KEY: key.identity }, extract: '["b"][7]' })));
    expectNoLeak(await thrown(() => parseTreePath('["a"')));
    expectNoLeak(await thrown(() => encryptText(`a: ${PLAIN}\n`, 'f.yaml', { keys: { age: [`age1${PLAIN}`] }, env: {} })));
  });

  it('a Secret prints as a mask through toString, templates, JSON.stringify, util.inspect and nested objects', () => {
    const s = new Secret(SECRET);
    const views = [String(s), `${s}`, JSON.stringify(s), JSON.stringify({ s }), inspect(s), inspect({ deep: { s } }, { depth: 5 }), [s].join(',')];
    for (const v of views) expect(v).not.toContain(SECRET);
    expect(s.reveal()).toBe(SECRET);
  });
});
