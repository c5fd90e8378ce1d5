import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cliPath, runCli, sharedDir } from '../helpers/cli.js';
import { SOPS_TEST_KEYS } from '../helpers/gpg.js';
import { tempDirs } from '../helpers/git-repo.js';
import { isolatedEnv, newAgeKey, type AgeKey } from '../helpers/sops-cli-env.js';
import { editorCommand } from '../../src/cli/editor.js';
import { caught } from '../helpers/errors.js';

const temp = tempDirs();
let key: AgeKey;
beforeAll(async () => {
  key = await newAgeKey();
});

const plain = 'db:\n  user: app\n  password: pw-0001\n# rotate monthly\ntoken: t-42\nport: 5432\n';

/**
 * A repo with an encrypted secrets.yaml committed, a private TMPDIR the test can inspect, and
 * editor scripts written into `bin/`.
 */
function setup(text = plain, name = 'secrets.yaml') {
  const repo = temp.repo();
  const tmp = path.join(repo.dir, '.tmp');
  mkdirSync(tmp);
  writeFileSync(path.join(repo.dir, '.gitignore'), '.tmp/\nbin/\n');
  const env = (extra: NodeJS.ProcessEnv = {}) => isolatedEnv(repo.dir, { SOPS_AGE_KEY: key.identity, TMPDIR: tmp, ...extra });
  repo.write(name, text);
  expect(runCli(['encrypt', '-i', '--age', key.recipient, name], { cwd: repo.dir, env: env() }).code).toBe(0);
  repo.commitAll('secrets');
  const editor = (script: string): string => {
    const file = path.join(repo.dir, 'bin', `editor-${Math.random().toString(36).slice(2)}.sh`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  const edit = (editorScript: string, args: string[] = [name], extra: NodeJS.ProcessEnv = {}) =>
    runCli(['edit', ...args], { cwd: repo.dir, env: env({ SOPS_EDITOR: editor(editorScript), ...extra }) });
  return {
    repo,
    tmp,
    env,
    editor,
    edit,
    read: () => readFileSync(path.join(repo.dir, name), 'utf8'),
    decrypt: () => runCli(['decrypt', name], { cwd: repo.dir, env: env() }).stdout,
    tmpIsEmpty: () => expect(readdirSync(tmp)).toEqual([]),
  };
}

describe('sealguard edit', () => {
  it("changing one value in the editor gives a git diff of that value's line plus mac and lastmodified", () => {
    const s = setup();
    const r = s.edit(`sed -i 's/t-42/t-43/' "$1"`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(s.decrypt()).toBe(plain.replace('t-42', 't-43'));
    const diff = s.repo.git('diff', '-U0', '--', 'secrets.yaml');
    const changed = diff
      .split('\n')
      .filter((l) => /^[-+][^-+]/.test(l))
      .map((l) => `${l[0]}${l.slice(1).trim().split(':')[0]}`);
    // lastmodified has whole seconds: an edit within the second of encryption leaves it as it was.
    expect(changed.filter((c) => !c.endsWith('lastmodified')).sort()).toEqual(['+mac', '+token', '-mac', '-token']);
    expect(changed.filter((c) => c.endsWith('lastmodified')).sort()).toEqual(
      changed.includes('+lastmodified') ? ['+lastmodified', '-lastmodified'] : [],
    );
    s.tmpIsEmpty();
  });

  it('on a file written by sops itself, only the edited value changes above the metadata', () => {
    const s = setup();
    const vector = readFileSync(path.join(sharedDir, 'sops-vectors', 'res-comments.enc.yaml'), 'utf8');
    s.repo.write('vector.yaml', vector);
    const editor = s.editor(`sed -i 's/^dolor: sit$/dolor: amet/' "$1"`);
    const r = runCli(['edit', 'vector.yaml'], { cwd: s.repo.dir, env: s.env({ SOPS_EDITOR: editor, SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const data = (t: string) => t.slice(0, t.indexOf('\nsops:')).split('\n');
    const before = data(vector);
    const after = data(readFileSync(path.join(s.repo.dir, 'vector.yaml'), 'utf8'));
    expect(after.length).toBe(before.length);
    expect(after.filter((l, i) => l !== before[i]).map((l) => l.split(':')[0])).toEqual(['dolor']);
    const out = runCli(['decrypt', 'vector.yaml'], { cwd: s.repo.dir, env: s.env({ SEALGUARD_PGP_KEY_FILE: SOPS_TEST_KEYS }) });
    expect(out.stdout).toContain('dolor: amet');
    s.tmpIsEmpty();
  });

  it('opens a private copy: 0600 file in a 0700 folder under TMPDIR, named like the file', () => {
    const s = setup();
    const seen = path.join(s.repo.dir, 'seen.txt');
    const r = s.edit(`stat -c '%a' "$(dirname "$1")" "$1" > ${seen}; basename "$1" >> ${seen}; echo "x: 1" >> "$1"`);
    expect(r.code).toBe(0);
    const [dirMode, fileMode, base] = readFileSync(seen, 'utf8').trim().split('\n');
    expect([dirMode, fileMode, base]).toEqual(['700', '600', 'secrets.yaml']);
    s.tmpIsEmpty();
  });

  it('an unchanged file exits 200 with sops\' message and is not rewritten', () => {
    const s = setup();
    const before = s.read();
    const r = s.edit('true');
    expect(r.code).toBe(200);
    expect(r.stderr).toContain('File has not changed, exiting.');
    expect(s.read()).toBe(before);
    s.tmpIsEmpty();
  });

  it('an editor that exits non-zero writes nothing even if it changed the text', () => {
    const s = setup();
    const before = s.read();
    const r = s.edit(`sed -i 's/t-42/t-43/' "$1"; exit 3`);
    expect(r.code).toBe(201);
    expect(r.stderr).toContain('exited with status 3');
    expect(s.read()).toBe(before);
    s.tmpIsEmpty();
  });

  it('an editor that deletes the copy leaves the file as it was', () => {
    const s = setup();
    const before = s.read();
    const r = s.edit('rm "$1"');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nothing was written');
    expect(s.read()).toBe(before);
    s.tmpIsEmpty();
  });

  it('invalid YAML reopens the editor on the same text with the error; the second save is used', () => {
    const s = setup();
    const count = path.join(s.repo.dir, 'count');
    const script = [
      `n=$(cat ${count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${count}`,
      `if [ $n = 1 ]; then printf 'token: [unclosed\\n' >> "$1"; else grep -q unclosed "$1" && sed -i '$d' "$1" && sed -i 's/t-42/t-44/' "$1"; fi`,
    ].join('\n');
    const r = s.edit(script);
    expect(r.stderr).toContain('not valid yaml');
    expect(r.code).toBe(0);
    expect(readFileSync(count, 'utf8').trim()).toBe('2');
    expect(s.decrypt()).toBe(plain.replace('t-42', 't-44'));
    s.tmpIsEmpty();
  });

  it('quitting without fixing invalid YAML gives up (exit 4) and writes nothing', () => {
    const s = setup();
    const before = s.read();
    const count = path.join(s.repo.dir, 'count');
    const r = s.edit(`n=$(cat ${count} 2>/dev/null || echo 0); echo $((n+1)) > ${count}; [ $n = 0 ] && printf 'x: [\\n' >> "$1"; true`);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('still not valid');
    expect(s.read()).toBe(before);
    s.tmpIsEmpty();
  });

  it('a top-level sops key in the edited text is refused as invalid, then fixed', () => {
    const s = setup();
    const count = path.join(s.repo.dir, 'count');
    const r = s.edit(
      `n=$(cat ${count} 2>/dev/null || echo 0); echo $((n+1)) > ${count}; if [ $n = 0 ]; then printf 'sops: {}\\n' >> "$1"; else sed -i '/^sops:/d' "$1"; echo 'extra: 1' >> "$1"; fi`,
    );
    expect(r.stderr).toContain('reserved');
    expect(r.code).toBe(0);
    expect(parseYaml(s.decrypt())).toMatchObject({ extra: 1 });
  });

  it('Ctrl-C (SIGINT) while the editor is open removes the plaintext copy and ends with the signal', async () => {
    const s = setup();
    const before = s.read();
    const marker = path.join(s.repo.dir, 'editor-started');
    const editor = s.editor(`cp "$1" ${marker}.copy; touch ${marker}; exec sleep 30`);
    const child = spawn(process.execPath, [cliPath, 'edit', 'secrets.yaml'], {
      cwd: s.repo.dir,
      env: { ...process.env, ...s.env({ SOPS_EDITOR: editor }) } as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const deadline = Date.now() + 20_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(marker)).toBe(true);
    // The editor really had the plaintext: the test would prove nothing otherwise.
    expect(readFileSync(`${marker}.copy`, 'utf8')).toContain('pw-0001');
    expect(readdirSync(s.tmp).length).toBe(1);
    child.kill('SIGINT');
    const end = await exited;
    expect(end.signal === 'SIGINT' || end.code === 130).toBe(true);
    s.tmpIsEmpty();
    expect(s.read()).toBe(before);
  }, 30_000);

  it('SIGTERM also removes the plaintext copy', async () => {
    const s = setup();
    const marker = path.join(s.repo.dir, 'editor-started');
    const editor = s.editor(`touch ${marker}; exec sleep 30`);
    const child = spawn(process.execPath, [cliPath, 'edit', 'secrets.yaml'], {
      cwd: s.repo.dir,
      env: { ...process.env, ...s.env({ SOPS_EDITOR: editor }) } as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const deadline = Date.now() + 20_000;
    while (!existsSync(marker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    const end = await exited;
    expect(end.signal === 'SIGTERM' || end.code === 143).toBe(true);
    s.tmpIsEmpty();
  }, 30_000);

  it('no editor anywhere exits 201', () => {
    const s = setup();
    const r = runCli(['edit', 'secrets.yaml'], {
      cwd: s.repo.dir,
      env: s.env({ SOPS_EDITOR: undefined, EDITOR: undefined, PATH: path.join(s.repo.dir, 'empty-path') }),
    });
    expect(r.code).toBe(201);
    expect(r.stderr).toContain('no editor available');
    s.tmpIsEmpty();
  });

  it('$EDITOR is used when $SOPS_EDITOR is not set, with its arguments', () => {
    const s = setup();
    const script = s.editor(`[ "$1" = "--flag" ] || exit 9; sed -i 's/t-42/t-45/' "$2"`);
    const r = runCli(['edit', 'secrets.yaml'], { cwd: s.repo.dir, env: s.env({ SOPS_EDITOR: undefined, EDITOR: `${script} --flag` }) });
    expect(r.code).toBe(0);
    expect(s.decrypt()).toContain('t-45');
  });

  it('creates a missing file from a template with the keys of the matching creation rule', () => {
    const s = setup();
    mkdirSync(path.join(s.repo.dir, 'new'));
    s.repo.write('.sops.yaml', `creation_rules:\n  - path_regex: new/.*\\.yaml$\n    age: ${key.recipient}\n`);
    const r = s.edit(`grep -q 'Welcome to SOPS' "$1" || exit 8; sed -i 's/example_value$/my-value/' "$1"`, ['new/app.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = readFileSync(path.join(s.repo.dir, 'new/app.yaml'), 'utf8');
    expect(written).toContain(key.recipient);
    expect(written).not.toContain('my-value');
    const out = runCli(['decrypt', 'new/app.yaml'], { cwd: s.repo.dir, env: s.env() });
    expect(parseYaml(out.stdout)).toMatchObject({ example_key: 'my-value', example_number: 1234.56789, example_booleans: [true, false] });
    s.tmpIsEmpty();
  });

  it('a missing file with no rule and no key flags fails before the editor opens; --age works instead', () => {
    const s = setup();
    const opened = path.join(s.repo.dir, 'opened');
    const r = s.edit(`touch ${opened}`, ['other.json']);
    expect(r.code).toBe(111);
    expect(existsSync(opened)).toBe(false);
    const ok = s.edit(`sed -i 's/example_value1/v1/' "$1"`, ['other.json', '--age', key.recipient]);
    expect(ok.code).toBe(0);
    const out = runCli(['decrypt', 'other.json'], { cwd: s.repo.dir, env: s.env() });
    expect(JSON.parse(out.stdout).example_array).toEqual(['v1', 'example_value2']);
  });

  it('a missing file left as the template is not created (exit 200)', () => {
    const s = setup();
    const r = s.edit('true', ['fresh.yaml', '--age', key.recipient]);
    expect(r.code).toBe(200);
    expect(existsSync(path.join(s.repo.dir, 'fresh.yaml'))).toBe(false);
    s.tmpIsEmpty();
  });
});

describe('choosing the editor', () => {
  it('adds --wait for GUI editors that would return at once, unless it is given', () => {
    expect(editorCommand('/t/f.yaml', { SOPS_EDITOR: 'code' })).toMatchObject({ command: 'code', args: ['--wait', '/t/f.yaml'] });
    expect(editorCommand('/t/f.yaml', { EDITOR: '/usr/bin/subl -n' }).args).toEqual(['--wait', '-n', '/t/f.yaml']);
    expect(editorCommand('/t/f.yaml', { EDITOR: 'code -w' }).args).toEqual(['-w', '/t/f.yaml']);
    expect(editorCommand('/t/f.yaml', { EDITOR: 'zed' }).args).toEqual(['--wait', '/t/f.yaml']);
    expect(editorCommand('/t/f.yaml', { EDITOR: 'vim' }).args).toEqual(['/t/f.yaml']);
  });

  it('$SOPS_EDITOR wins over $EDITOR; quoted words stay whole; shell syntax goes through sh', () => {
    expect(editorCommand('/f', { SOPS_EDITOR: 'nano', EDITOR: 'vim' }).command).toBe('nano');
    expect(editorCommand('/f', { EDITOR: `'/opt/my editor/ed' -x` })).toMatchObject({ command: '/opt/my editor/ed', args: ['-x', '/f'] });
    const viaShell = editorCommand('/f', { EDITOR: '$HOME/bin/ed' });
    expect(viaShell.command).toBe('/bin/sh');
    expect(viaShell.args.slice(-1)).toEqual(['/f']);
  });

  it('falls back to vim, nano or vi on PATH, else NO_EDITOR (201)', async () => {
    const dir = temp.dir('sealguard-editors-');
    writeFileSync(path.join(dir, 'nano'), '#!/bin/sh\n');
    chmodSync(path.join(dir, 'nano'), 0o755);
    expect(editorCommand('/f', { PATH: dir }).command).toBe(path.join(dir, 'nano'));
    const e = await caught(() => editorCommand('/f', { PATH: path.join(dir, 'none') }));
    expect(e.exitCode).toBe(201);
  });
});
